"""Stored test sets: writing a generated set (json, jsonl, csv, pytest) and checking one again.

A stored case holds the complete transaction (nested JSON, as `earl ask` reads it), the inputs
off their defaults, the expected public determination (`explain.Determination.to_json()`), its
outcomes alone (`expected`: what a user's implementation is compared on) and the goals it meets.
`check` re-derives every case's determination under the stored reading and lists what changed.
"""
from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from . import eval as evaluate
from .coverage import fixed_model
from .explain import determine
from .generate import Generated
from ..ir import Spec, Value
from .transaction import TransactionError, complete, parse_json, to_json, value_to_json

FORMAT = "earl-testset/1"
FILES = {"json": "testset.json", "jsonl": "testset.jsonl", "csv": "testset.csv",
         "pytest": "test_earl_generated.py"}
REPORT = "coverage.json"


def _summary(g: Generated) -> dict:
    c = g.counts()
    return {"size": g.size, "greedy_size": g.greedy_size, "lower_bound": g.lower_bound,
            "optimal": g.optimal, "candidates": g.pool_size,
            "optimal_over_candidates": g.pool_optimal, "disjoint_goals": list(g.clique),
            "goals": c,
            "seconds": {k: round(v, 2) for k, v in g.times.items()}, "notes": list(g.notes)}


def cases(g: Generated) -> list[dict]:
    spec = g.model.spec
    out = []
    width = len(str(len(g.transactions)))
    for n, (tx, given, met) in enumerate(zip(g.transactions, g.given, g.met), 1):
        det = determine(g.model, tx, evaluate.run(g.model, tx)).to_json()
        out.append({"id": f"t{n:0{width}d}", "transaction": to_json(spec, _json_numbers(tx)),
                    "given": to_json(spec, _json_numbers(given)), "expected": det["outcomes"],
                    "determination": det, "goals": list(met)})
    return out


def _json_number(x: Fraction) -> int | float | Fraction:
    """A number as a JSON number: an int, or a float whose shortest text is exactly `x`
    (earl reads a JSON number from its text, so 3.2 is 16/5 again). A number no float writes
    exactly (1/3, or more than 15 significant digits) stays exact (a string)."""
    if x.denominator == 1:
        return x.numerator
    f = float(x)
    return f if Fraction(repr(f)) == x else x


def _json_numbers(tx: dict[str, Value]) -> dict[str, Value]:
    return {p: _json_number(v) if isinstance(v, Fraction) else v for p, v in tx.items()}


def report(g: Generated, cs: list[dict]) -> dict:
    met_by: dict[str, list[str]] = {}
    for c in cs:
        for gid in c["goals"]:
            met_by.setdefault(gid, []).append(c["id"])
    return {"format": FORMAT, "reading": g.model.reading,
            "params": {k: value_to_json(v) for k, v in g.model.params.items()},
            "summary": _summary(g),
            "goals": [{"id": x.id, "kind": x.kind, "text": x.text, "status": g.status[x.id],
                       "met_by": met_by.get(x.id, [])} for x in g.goals]}


def write(g: Generated, out_dir: str, fmt: str) -> list[str]:
    """Write the set in `fmt` and the coverage report; returns the paths written."""
    os.makedirs(out_dir, exist_ok=True)
    cs = cases(g)
    rep = report(g, cs)
    paths = []
    main = os.path.join(out_dir, FILES[fmt])
    if fmt == "json":
        text = json.dumps({**rep, "transactions": cs}, ensure_ascii=False, indent=1) + "\n"
    elif fmt == "jsonl":
        head = {"format": FORMAT, "reading": rep["reading"], "params": rep["params"]}
        text = "\n".join(json.dumps(x, ensure_ascii=False) for x in [head] + cs) + "\n"
    elif fmt == "csv":
        text = _csv(g.model.spec, cs)
    else:
        text = pytest_module(rep["reading"], cs)
    with open(main, "w", encoding="utf-8") as f:
        f.write(text)
    paths.append(main)
    rpath = os.path.join(out_dir, REPORT)
    with open(rpath, "w", encoding="utf-8") as f:
        f.write(json.dumps(rep, ensure_ascii=False, indent=1) + "\n")
    paths.append(rpath)
    return paths


def _flat(obj: dict, prefix: str = "") -> dict[str, Any]:
    out = {}
    for k, v in obj.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flat(v, key + "."))
        else:
            out[key] = v
    return out


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return ";".join(str(x) for x in v)
    return str(v)


def _csv(spec: Spec, cs: list[dict]) -> str:
    inputs = list(spec.inputs)
    outcomes = list(spec.outcomes)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["id"] + inputs + [f"expect.{o}" for o in outcomes] + ["goals"])
    for c in cs:
        flat = _flat(c["transaction"])
        w.writerow([c["id"]] + [_cell(flat.get(p)) for p in inputs]
                   + [_cell(c["expected"].get(o)) for o in outcomes] + [" ".join(c["goals"])])
    return buf.getvalue()


_PYTEST = '''"""Test cases generated by `earl generate` (reading {reading!r}): a minimal set of
transactions covering every outcome value, every rule, every condition (MC/DC) and every numeric
threshold of the spec, each with its expected outcomes.

It checks YOUR implementation: a function `determine(transaction: dict) -> dict` taking a
transaction as nested JSON (as `earl ask` reads it) and returning the outcomes (a dict of outcome
name -> JSON value, or a dict with such an "outcomes" entry). Say where it is with the environment
variable EARL_DETERMINE="package.module:function", or by setting DETERMINE below. Set outcomes are
compared as sets. Every outcome of each case is compared; to compare only the outcomes your
system produces, name them in EARL_OUTCOMES="license_required,exceptions" (comma-separated), or
set OUTCOMES below.
"""
import copy
import importlib
import json
import os

import pytest

DETERMINE = os.environ.get("EARL_DETERMINE", "")
OUTCOMES = [o.strip() for o in os.environ.get("EARL_OUTCOMES", "").split(",") if o.strip()]

CASES = json.loads({data!r})


def _function():
    target = DETERMINE or os.environ.get("EARL_DETERMINE", "")
    if ":" not in target:
        pytest.fail('set EARL_DETERMINE="package.module:function" (or DETERMINE in this file)')
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def _norm(v):
    if isinstance(v, list):
        return sorted(_norm(x) for x in v)
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _compared(expected):
    if not OUTCOMES:
        return expected
    unknown = [o for o in OUTCOMES if o not in expected]
    if unknown:
        pytest.fail(f"EARL_OUTCOMES names {{', '.join(unknown)}}; the outcomes are "
                    f"{{', '.join(expected)}}")
    return {{k: v for k, v in expected.items() if k in OUTCOMES}}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case):
    expected = _compared(case["expected"])
    got = _function()(copy.deepcopy(case["transaction"]))
    if isinstance(got, dict) and isinstance(got.get("outcomes"), dict):
        got = got["outcomes"]
    assert isinstance(got, dict), f"determine returned {{type(got).__name__}}, not a dict"
    wrong = {{k: (v, got.get(k, "<missing>")) for k, v in expected.items()
             if _norm(got.get(k, "<missing>")) != _norm(v)}}
    assert not wrong, "outcomes differ (expected, got): " + json.dumps(wrong) + \\
        "; goals of this case: " + ", ".join(case["goals"])
'''


def pytest_module(reading: str, cs: list[dict]) -> str:
    slim = [{"id": c["id"], "transaction": c["transaction"], "expected": c["expected"],
             "goals": c["goals"]} for c in cs]
    return _PYTEST.format(reading=reading, data=json.dumps(slim, ensure_ascii=False))


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


def changes(spec: Spec, reading: str, cs: list[dict]) -> list[Change]:
    """Every stored expected outcome of the cases `cs` that `spec` no longer derives."""
    model = fixed_model(spec, reading)
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
