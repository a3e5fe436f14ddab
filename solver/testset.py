"""Stored test sets: the format `earl generate` writes (earl.present.testset writes it) and
checking a stored set again.

A stored case holds the complete transaction (nested JSON, as `earl ask` reads it), the inputs
off their defaults, the expected public determination (`explain.Determination.to_json()`), its
outcomes alone (`expected`: what a user's implementation is compared on) and the goals it meets.
`check` re-derives every case's determination under the stored reading and lists what changed.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from . import eval as evaluate
from ..ir import Spec, resolve
from .transaction import TransactionError, complete, parse_json, value_to_json

FORMAT = "earl-testset/1"
FILES = {"json": "testset.json", "jsonl": "testset.jsonl", "csv": "testset.csv",
         "pytest": "test_earl_generated.py"}


# --------------------------------------------------------------------------- checking

class StoredSetError(Exception):
    """A stored set that cannot be read."""


@dataclass(frozen=True)
class Change:
    case: str
    outcome: str          # "" when the case cannot be run at all
    before: Any
    after: Any


def load(path: str) -> tuple[dict, list[dict]]:
    """(header, cases) of a stored set: a folder holding testset.json or testset.jsonl, or the file."""
    if os.path.isdir(path):
        for fmt in ("json", "jsonl"):
            p = os.path.join(path, FILES[fmt])
            if os.path.exists(p):
                path = p
                break
        else:
            raise StoredSetError(f"{path}: no {FILES['json']} or {FILES['jsonl']} "
                                 "(write the set with --format json or jsonl to check it)")
    try:
        with open(path, encoding="utf-8") as f:
            if path.endswith(".jsonl"):
                rows = [json.loads(line) for line in f if line.strip()]
                head, cs = (rows[0], rows[1:]) if rows else ({}, [])
            else:
                data = json.load(f)
                head, cs = data, data.get("transactions", [])
    except (OSError, ValueError) as e:
        raise StoredSetError(f"{path}: {e}") from None
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        raise StoredSetError(f"{path}: not an earl test set ({FORMAT})")
    return head, cs


def check(spec: Spec, path: str) -> tuple[str, int, list[Change]]:
    """Re-derive the expected outcomes of a stored set: (reading, number of cases, changes)."""
    head, cs = load(path)
    reading = head.get("reading") or spec.default_reading
    if reading not in spec.readings:
        raise StoredSetError(f"the set was generated under reading {reading!r}, which the spec "
                             f"no longer has; readings: {', '.join(spec.readings)}")
    return reading, len(cs), changes(spec, reading, cs)


def current(spec: Spec, path: str) -> tuple[str, list[dict]]:
    """(reading, cases) of a stored set whose every expectation the spec still derives: one that
    can judge mutants of the spec (against a stale set every mutant would "change" an expectation
    the spec itself no longer derives: a vacuous kill). Raises StoredSetError."""
    head, cs = load(path)
    reading = head.get("reading") or spec.default_reading
    if reading not in spec.readings:
        raise StoredSetError(f"the test set was generated under reading {reading!r}, which the "
                             f"spec does not have")
    stale = changes(spec, reading, cs)
    if stale:
        raise StoredSetError(f"the test set no longer matches the spec: {len(stale)} "
                             f"expectation(s) changed (earl generate --check {path}); "
                             f"regenerate it first")
    return reading, cs


def changes(spec: Spec, reading: str, cs: list[dict]) -> list[Change]:
    """Every stored expected outcome of the cases `cs` that `spec` no longer derives."""
    model = resolve(spec, reading).with_params({})    # every parameter at the reading's value
    out: list[Change] = []
    for c in cs:
        cid = c.get("id", "?")
        try:
            tx = complete(spec, parse_json(spec, c["transaction"]))
        except (TransactionError, KeyError) as e:
            out.append(Change(cid, "", "a valid transaction", f"unreadable: {e}"))
            continue
        # the outcomes of the determination (explain.Determination.to_json), without its text
        now = {k: value_to_json(v) for k, v in evaluate.run(model, tx).outcomes.items()}
        before = c.get("expected", {})
        for k in sorted(set(before) | set(now), key=lambda o: list(now).index(o) if o in now else 1 << 30):
            if _same(before.get(k, "<absent>"), now.get(k, "<absent>")):
                continue
            out.append(Change(cid, k, before.get(k, "<absent>"), now.get(k, "<absent>")))
    return out


def _same(a, b) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return sorted(map(str, a)) == sorted(map(str, b))
    return a == b
