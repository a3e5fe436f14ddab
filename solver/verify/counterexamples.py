"""Counterexample files: written by `verify`, replayed by every later run.

A counterexample to property P under reading R is stored as `<dir>/P.json` for the spec's
default reading and `<dir>/P.R.json` for any other reading, as a ready-to-run regression case:

    {"property": P, "reading": R, "expected": "fails" | "holds",   # P's expectation under R
     "title": ..., "cite": ...,
     "transaction": {...},        # nested JSON as `earl ask` reads it: the non-default fields
     "params": {...},             # parameters whose value differs from R's default
     "determination": {...},      # the determination of the transaction (public JSON)
     "spec_example": "example ..."}  # the example block that would pin it in the spec

Replay (every run, before the checks): the stored transaction is completed with the input
defaults and P is evaluated on it by the reference evaluator under R with the stored parameters.

- P still false on it: "pass" (the counterexample still reproduces).
- P now true on it, or the file no longer reads (inputs renamed...): if P is expected to *fail*
  under R, the file documented a finding that this counterexample no longer demonstrates: a
  *failure* (the run rewrites the file from the new counterexample, so commit the new file; if P
  now holds, the property's own check fails too). If P is expected to *hold*, the recorded bug
  is fixed: a *note* (the file stays as a regression case; delete it when no longer wanted).
- P or R no longer in the spec: a note (stale file).
- The transaction is dated before the spec is in force under R: treated as a file that no
  longer reads (proofs range over in-force dates only).
Files of readings not being verified (`--reading`) are skipped.

Writing (after the checks): for every property that fails under a reading. When the stored file
still reproduces, its transaction is kept (only the derived fields are refreshed) so files do not
churn from run to run; a file is rewritten only when its content changes.
"""
from __future__ import annotations

import datetime
import json
from fractions import Fraction
from pathlib import Path

from ...ir import Model, Spec, Value
from ...ir.values import UNKNOWN, format_fraction, non_default, spec_literal
from ..results import Instance
from ..transaction import TransactionError, complete, parse_json, parse_value, to_json, value_to_json
from .analyses.context import outcomes_read
from .results import StoredResult, expectation


def file_name(spec: Spec, prop: str, reading: str) -> str:
    return f"{prop}.json" if reading == spec.default_reading else f"{prop}.{reading}.json"


def changed_params(model: Model, params: dict[str, Value]) -> dict[str, Value]:
    return {k: v for k, v in params.items() if k in model.params and model.params[k] != v}


# --------------------------------------------------------------------------- literals

def spec_example(model: Model, prop, given: dict[str, Value], params: dict[str, Value],
                 expect: dict[str, Value]) -> str:
    spec = model.spec
    name = f"{prop.name}_counterexample"
    if model.reading != spec.default_reading:
        name += f"_{model.reading}"
    title = f"Counterexample to {prop.name}" + (f" under {model.reading}"
                                                if model.reading != spec.default_reading else "")
    lines = [f'example {name} {spec_literal(title)}']
    if prop.cite:
        lines.append(f"  cite {spec_literal(prop.cite)}")
    if model.reading != spec.default_reading:
        lines.append(f"  under {model.reading}")
    if given:
        lines.append("  given " + ", ".join(f"{p} = {spec_literal(v)}" for p, v in given.items()))
    if params:
        lines.append("  with " + ", ".join(f"{p} = {spec_literal(v)}" for p, v in params.items()))
    if expect:
        lines.append("  expect " + ", ".join(f"{o} = {spec_literal(v)}" for o, v in expect.items()))
    inexact = [x for x in list(given.values()) + list(params.values())
               if isinstance(x, Fraction) and "/" in str(format_fraction(x))]
    if inexact:
        lines.insert(0, "# note: a value is a fraction with no decimal literal; scale it by hand")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- records

def build(model: Model, prims, prop, instance: Instance, expected: str) -> dict:
    spec = model.spec
    given = non_default(spec, instance.transaction)
    params = changed_params(model, instance.params)
    trace = prims.trace(model, instance.transaction, instance.params)
    talked = [o for o in spec.outcomes if o in outcomes_read(model, prop.body)]
    expect = {o: trace.outcomes[o] for o in talked}
    try:
        _, determination = prims.determination(model, instance.transaction, instance.params)
    except Exception as e:  # keep the regression case even if explanations are unavailable
        determination = {"outcomes": {o: value_to_json(v) for o, v in trace.outcomes.items()},
                         "error": f"{type(e).__name__}: {e}"}
    return {
        "property": prop.name,
        "reading": model.reading,
        "expected": expected,
        "title": prop.title,
        "cite": prop.cite,
        "transaction": to_json(spec, given),
        "params": {k: value_to_json(v) for k, v in params.items()},
        "determination": determination,
        "spec_example": spec_example(model, prop, given, params, expect),
    }


def read(spec: Spec, record: dict) -> Instance:
    """The complete transaction and parameters a record stores (raises TransactionError)."""
    if not isinstance(record, dict):
        raise TransactionError("$", "a counterexample file holds a JSON object")
    given = parse_json(spec, record.get("transaction", {}))
    tx = complete(spec, given)
    if any(v is UNKNOWN for v in tx.values()):
        raise TransactionError("$.transaction", "a stored counterexample cannot hold null facts")
    params = {}
    for name, v in (record.get("params") or {}).items():
        if name not in spec.params:
            raise TransactionError(f"$.params.{name}", "no such parameter")
        decl = spec.params[name]
        params[name] = parse_value(spec, decl.type, v, f"$.params.{name}", minimum=decl.minimum)
    return Instance(tx, params, engine="stored")


def replay_stored(spec: Spec, models: dict[str, Model], prims, folder: Path) -> list[StoredResult]:
    out = []
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.json")):
        shown = str(path)
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            name, reading = record["property"], record["reading"]
        except (OSError, ValueError, KeyError, TypeError) as e:
            out.append(StoredResult(shown, "?", "?", "fail", f"unreadable counterexample file: {e}"))
            continue
        if reading not in spec.readings or name not in spec.properties:
            out.append(StoredResult(shown, name, reading, "note",
                                    f"stale: {'reading ' + reading if reading not in spec.readings else 'property ' + name}"
                                    f" is no longer in the spec; delete the file"))
            continue
        if reading not in models:
            continue
        prop = spec.properties[name]
        model = models[reading]
        expected = expectation(prop, reading)
        try:
            inst = read(spec, record)
            day = complete(spec, inst.transaction).get("date")
            if isinstance(day, datetime.date) and not model.in_force_on(day):
                # proofs range over in-force dates only: such a file demonstrates nothing
                raise TransactionError("$.date", f"dated {day.isoformat()}, before the spec is in "
                                                 f"force under {reading} ({model.in_force_from.isoformat()})")
            value = prims.value(model, prop.body, inst.transaction, inst.params)
            problem = None if value is False else "the property now holds for it"
        except TransactionError as e:
            inst, problem = None, f"it no longer reads: {e}"
        except Exception as e:
            inst, problem = None, f"the evaluator rejects it: {type(e).__name__}: {e}"
        if problem is None:
            sr = StoredResult(shown, name, reading, "pass", "still a counterexample", pos=prop.pos,
                              instance=inst)
        elif expected == "fails":
            sr = StoredResult(shown, name, reading, "fail",
                              f"stale: {name} is expected to fail under {reading} but its stored "
                              f"counterexample no longer violates it ({problem}); commit the "
                              f"rewritten file", pos=prop.pos)
        else:
            sr = StoredResult(shown, name, reading, "note",
                              f"fixed: {problem}; keep the file as a regression case or delete it",
                              pos=prop.pos)
        out.append(sr)
    return out


def prefer_stored(models: dict[str, Model], prims, properties, stored) -> None:
    """A failing property whose stored counterexample still reproduces keeps that one: it is
    the one reported and written, so neither the files nor the reports churn when z3 picks
    another counterexample of the same size (they do, from run to run, with several workers)."""
    reproducing = {(s.property, s.reading): s.instance for s in stored
                   if s.status == "pass" and s.instance is not None}
    for pr in properties:
        inst = reproducing.get((pr.name, pr.reading))
        if pr.outcome != "fails" or inst is None or inst == pr.counterexample:
            continue
        pr.counterexample = inst
        try:
            pr.determination_text, pr.determination = prims.determination(
                models[pr.reading], inst.transaction, inst.params)
        except Exception as e:  # the same fallback as a fresh counterexample's
            pr.determination_text, pr.determination = f"(no determination: {type(e).__name__}: {e})", {}


def write_all(spec: Spec, models: dict[str, Model], prims, folder: Path, properties) -> dict:
    """Write a file for each failing property×reading (its reported counterexample, see
    `prefer_stored`); returns {(property, reading): path}."""
    written = {}
    for pr in properties:
        if pr.outcome != "fails" or pr.counterexample is None:
            continue
        model = models[pr.reading]
        prop = spec.properties[pr.name]
        inst = pr.counterexample
        record = build(model, prims, prop, inst, pr.expected)
        text = json.dumps(record, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
        path = folder / file_name(spec, pr.name, pr.reading)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")
        except OSError as e:
            written[(pr.name, pr.reading)] = f"(not written: {e})"
            continue
        written[(pr.name, pr.reading)] = str(path)
    return written
