"""What would change an answer, by z3 optimisation over the same tracked semantics as smt/prove.py.

- `nearest(model, condition, tx)`: the transaction closest to `tx` — the fewest inputs changed
  (z3 `Optimize`, one soft constraint "keeps its value" per input) — on which `condition` holds;
  or the proof (with the provisions it relies on) that no transaction at all satisfies it.
- `timeline(model, tx)`: the dates at which some outcome of `tx` changes when only its date
  moves, each the least date after the previous one on which an outcome differs (z3 `minimize`
  over the date), until z3 proves no later date changes anything.

Parameters keep the model's values (a what-if asks about the facts, not about the rule).
Every transaction found is replayed through the reference evaluator; a solver timeout is an
`Unknown`, never an answer.
"""
from __future__ import annotations

import datetime
import time
from dataclasses import dataclass
from typing import Any

import z3

from .. import ir
from .eval import eval_expr, run
from .smt.prove import condition, query_for, satisfiable
from .replay import EngineDisagreement, fixed
from .results import Instance, Proof, Unknown

__all__ = ["Nearest", "DateChange", "Timeline", "nearest", "timeline", "date_inputs"]


@dataclass(frozen=True)
class Nearest:
    """The closest transaction on which the condition holds; `changes` lists (input, old, new)."""
    changes: tuple[tuple[str, Any, Any], ...]
    transaction: dict[str, Any]


@dataclass(frozen=True)
class DateChange:
    """From `date` on, these outcomes take new values: (outcome, before, from then on)."""
    date: datetime.date
    changes: tuple[tuple[str, Any, Any], ...]


@dataclass(frozen=True)
class Timeline:
    """How the answer moves with `input` (a date input): the outcomes from `first` (its lowest
    value: the day the spec comes into force, or the earliest date) and every change after;
    `complete` is False when the solver stopped early (then `reason`)."""
    input: str
    first: datetime.date
    start: dict[str, Any]
    changes: tuple[DateChange, ...]
    complete: bool = True
    reason: str = ""


def _optimizer(model: ir.Model, goal: ir.Expr, timeout_ms: int):
    """A z3 Optimize holding the model's tracked semantics and `goal`, and the variable pool."""
    query = query_for([model], relax=False)
    term = condition(query.comps[0], goal)
    query.load_new()
    opt = z3.Optimize()
    opt.set("timeout", max(1, int(timeout_ms)))
    opt.add(*query.solver.assertions())
    opt.add(*query.relied_on(term))
    opt.add(term)
    return opt, query.pool


def _keeps(pool, path: str, value) -> z3.BoolRef:
    var = pool.inputs[path]
    return var == pool.encode_as(var, pool.spec.inputs[path].type, value)


def _decode(pool, m: z3.ModelRef, tx: dict[str, Any]) -> dict[str, Any]:
    """The model's transaction, each input that kept its encoding keeping its value in `tx` (a
    country stays itself, not its class's representative)."""
    out = {}
    for path, decl in pool.spec.inputs.items():
        if z3.is_true(m.eval(_keeps(pool, path, tx[path]), model_completion=True)):
            out[path] = tx[path]
        else:
            out[path] = pool.decode(decl.type, m.eval(pool.inputs[path], model_completion=True))
    return out


def _check(opt: z3.Optimize, timeout_ms: int) -> z3.ModelRef | Unknown | None:
    """The optimum's model; None if unsat; Unknown if z3 gave no answer (Optimize reports a
    timeout as a bare "unknown", so the time it took tells which)."""
    start = time.monotonic()
    r = opt.check()
    if r == z3.sat:
        return opt.model()
    if r == z3.unsat:
        return None
    reason = opt.reason_unknown()
    if "timeout" in reason or "canceled" in reason or (time.monotonic() - start) * 1000 >= timeout_ms:
        return Unknown(f"timeout after {timeout_ms} ms", engine="smt")
    return Unknown(f"z3 answered unknown ({reason})", engine="smt")


def nearest(model: ir.Model, condition: ir.Expr, tx: dict[str, Any], *, given=None,
            timeout_ms: int = 10_000) -> Nearest | Proof | Unknown:
    """The transaction nearest `tx` (complete) on which `condition` holds, or the proof that none
    does. Nearest = fewest inputs changed; among those, whatever z3 finds first. An input not in
    `given` whose default names another input follows that input for free (an ultimate parent
    taken to be the company itself stays so)."""
    pinned = fixed(model, {})
    if eval_expr(pinned, tx, condition) is True:
        return Nearest((), dict(tx))
    exists = satisfiable(pinned, condition, timeout_ms=timeout_ms, minimize=False)
    if not isinstance(exists, Instance):
        return exists
    opt, pool = _optimizer(pinned, condition, timeout_ms)
    following = {p: d.default.path for p, d in pool.spec.inputs.items()
                 if given is not None and p not in given and isinstance(d.default, ir.InputRef)}
    for path in pool.spec.inputs:
        keep = (pool.inputs[path] == pool.inputs[following[path]] if path in following
                else _keeps(pool, path, tx[path]))
        opt.add_soft(keep, 1, id="keep")
    m = _check(opt, timeout_ms)
    if not isinstance(m, z3.ModelRef):
        # the optimum of a satisfiable condition exists: no model means no answer in time
        return m or Unknown("z3 found no optimum", engine="smt")
    new = _decode(pool, m, tx)
    for path, source in following.items():
        if z3.is_true(m.eval(pool.inputs[path] == pool.inputs[source], model_completion=True)):
            new[path] = new[source]
    if eval_expr(pinned, new, condition) is not True:
        raise EngineDisagreement(f"z3 found a nearest transaction on which the reference evaluator "
                                 f"finds the condition false: {new}")
    return Nearest(tuple((p, tx[p], new[p]) for p in tx if new[p] != tx[p]), new)


def date_inputs(spec: ir.Spec) -> list[str]:
    return [p for p, d in spec.inputs.items() if isinstance(d.type, ir.Date)]


def _differs(model: ir.Model, outcomes: dict[str, Any]) -> ir.Expr:
    return ir.Or(tuple(ir.Cmp("!=", model.spec.outcome_ref(o), ir.Lit(v, model.outcomes[o].type))
                       for o, v in outcomes.items()))


def timeline(model: ir.Model, tx: dict[str, Any], date_input: str, *, timeout_ms: int = 10_000,
             max_changes: int = 100) -> Timeline:
    """Every date at which some outcome of `tx` changes as `date_input` moves (the other inputs
    pinned), from the earliest date on: each change is the least later date z3 finds on which some
    outcome differs from the one before, and the list ends with z3's proof that none is left."""
    pinned = fixed(model, {})
    others = tuple(ir.Cmp("==", ir.InputRef(p, d.type), ir.Lit(tx[p], d.type))
                   for p, d in model.spec.inputs.items() if p != date_input)
    day = pinned.input_minimum(date_input) or datetime.date.min
    first = day
    current = dict(run(pinned, {**tx, date_input: day}).outcomes)
    start = dict(current)
    changes: list[DateChange] = []
    while len(changes) < max_changes:
        later = ir.Cmp(">", ir.InputRef(date_input, ir.Date()), ir.Lit(day, ir.Date()))
        goal = ir.And(others + (later, _differs(pinned, current)))
        opt, pool = _optimizer(pinned, goal, timeout_ms)
        opt.minimize(pool.inputs[date_input])
        m = _check(opt, timeout_ms)
        if m is None:
            return Timeline(date_input, first, start, tuple(changes))
        if isinstance(m, Unknown):
            return Timeline(date_input, first, start, tuple(changes), complete=False, reason=m.reason)
        day = pool.decode(ir.Date(), m.eval(pool.inputs[date_input], model_completion=True))
        now = dict(run(pinned, {**tx, date_input: day}).outcomes)
        moved = tuple((o, current[o], now[o]) for o in now if now[o] != current[o])
        if not moved:
            raise EngineDisagreement(f"z3 found an outcome change on {day} that the reference "
                                     f"evaluator does not confirm")
        changes.append(DateChange(day, moved))
        current = now
    return Timeline(date_input, first, start, tuple(changes), complete=False,
                    reason=f"stopped after {max_changes} changes")
