"""Minimal instances: a witness or counterexample a lawyer can read.

Given a z3 solver in which the search condition is asserted, find a model that
1. changes the fewest inputs (and free parameters) from their defaults — an input whose default
   names another input "differs" when it differs from that input's value; an `AtMost(k)` loop
   over the difference indicators, k = 0, 1, ..., each check with a bounded timeout;
2. then a greedy shrink (reset each changed input to its default while the condition still holds:
   1-minimal even when the AtMost loop ran out of time);
3. then the most ordinary values for what changed: numbers at the smallest of 0, 1, 2, round
   numbers, the thresholds the spec names and those ± 1; dates at the default if it is in the same
   interval between boundary dates, else the interval's start; countries at the default's class,
   else the first class (in class order: a proof query's classes are single countries, each
   signature class's together, its representative first) that will do.
Each preference is tried with z3 and kept only if the condition still holds, so the result is
always a model of the condition.
"""
from __future__ import annotations

import datetime
import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterable

import z3

from ... import ir
from ...ir import walk
from .encode import numeral, q


@dataclass
class Slot:
    """One input or free parameter as the minimiser sees it."""
    name: str                 # input path, or "param:NAME"
    var: z3.ExprRef
    type: ir.Type
    default: z3.ExprRef       # the value the default gives (may be another input's variable)
    integer: bool = False     # must take a whole value (an `integer` relaxed to Real)
    minimum: Fraction | None = None


class _Budget:
    def __init__(self, ms: int):
        self.deadline = time.monotonic() + ms / 1000

    def left_ms(self) -> int:
        return int((self.deadline - time.monotonic()) * 1000)


def numeric_thresholds(models: Iterable[ir.Model], extra: Iterable[ir.Expr] = ()) -> list[Fraction]:
    """Every number the models name: literals and constant subexpressions (folded with the
    parameters' values, e.g. `25% * p`) in definitions, rule conditions and `extra` expressions,
    and the parameters' values."""
    models = list(models)
    found: set[Fraction] = set(expr_thresholds(models, extra))
    for m in models:
        found.update(x for v in m.params.values() if (x := _as_number(v)) is not None)
        found.update(expr_thresholds([m], list(m.defs.values())
                                     + [c.expr for r in m.rules.values() for c in r.conditions]))
    return sorted(found)


def expr_thresholds(models: Iterable[ir.Model], exprs: Iterable[ir.Expr]) -> set[Fraction]:
    """The numbers the expressions name (constant subexpressions folded with each model's
    parameter values)."""
    exprs = list(exprs)
    found: set[Fraction] = set()

    def note(e: ir.Expr) -> ir.Expr:
        v = _number(e)
        if v is not None:
            found.add(v)
        return e

    for m in models:
        for top in exprs:
            walk.transform(top, lambda e: note(_folded(e, m.params)))
    return found


def constant_value(e: ir.Expr, params: dict[str, ir.Value]) -> Fraction | None:
    """The number a constant expression (literals, parameters, arithmetic) stands for, else None.

    >>> from earl.ir import NUM, Arith, Lit, ParamRef
    >>> constant_value(Arith("*", Lit(Fraction(1, 4), NUM), ParamRef("p", NUM)), {"p": Fraction(8)})
    Fraction(2, 1)
    """
    return _number(walk.transform(e, lambda x: _folded(x, params)))


def _number(e: ir.Expr) -> Fraction | None:
    return _as_number(e.value) if isinstance(e, ir.Lit) else None


def _as_number(v: ir.Value) -> Fraction | None:
    return Fraction(v) if isinstance(v, (int, Fraction)) and not isinstance(v, bool) else None


def _folded(e: ir.Expr, params: dict[str, ir.Value]) -> ir.Expr:
    """`e` as a number literal if it is constant once its children are folded, else `e`."""
    if isinstance(e, ir.ParamRef):
        v = _as_number(params.get(e.name))
        return e if v is None else ir.Lit(v, e.type)
    if isinstance(e, (ir.Arith, ir.MinMax)):
        xs = [_number(c) for c in e.children()]
        if any(x is None for x in xs):
            return e
        if isinstance(e, ir.Arith):
            a, b = xs
            v = a + b if e.op == "+" else a - b if e.op == "-" else a * b
        else:
            v = max(xs) if e.op == "max" else min(xs)
        return ir.Lit(v, ir.NUM)
    return e


def date_boundaries(models: Iterable[ir.Model], country_bounds: Iterable[datetime.date],
                    extra: Iterable[ir.Expr] = ()) -> list[datetime.date]:
    """Dates at which anything can change: group membership boundaries and date literals."""
    found = set(country_bounds)
    tops: list[ir.Expr] = list(extra)
    for m in models:
        if m.in_force_from is not None:
            found.add(m.in_force_from)
        tops += list(m.defs.values())
        tops += [c.expr for r in m.rules.values() for c in r.conditions]
    for top in tops:
        for e in top.find_all(ir.Lit):
            if isinstance(e.value, datetime.date):
                found.add(e.value)
                found.add(e.value + datetime.timedelta(days=1))
    return sorted(found)


def _number_candidates(slot: Slot, thresholds: list[Fraction]) -> list[Fraction]:
    cands = {Fraction(0), Fraction(1), Fraction(2), Fraction(10), Fraction(100), Fraction(1000)}
    for t in thresholds:
        cands.update((t - 1, t, t + 1))
    if slot.minimum is not None:
        cands.add(slot.minimum)
    out = sorted(c for c in cands if slot.minimum is None or c >= slot.minimum)
    if slot.integer or (isinstance(slot.type, ir.Num) and slot.type.integer):
        out = [c for c in out if c.denominator == 1]
    return out


def _is_sat(solver: z3.Solver, assumptions: list, budget: _Budget, cap_ms: int) -> bool | None:
    left = budget.left_ms()
    if left <= 0:
        return None
    solver.set("timeout", max(1, min(left, cap_ms)))
    r = solver.check(*assumptions)
    if r == z3.sat:
        return True
    if r == z3.unsat:
        return False
    return None


def minimal_model(solver: z3.Solver, assumptions: list, slots: list[Slot], first: z3.ModelRef, *,
                  thresholds: list[Fraction], dates: list[datetime.date],
                  budget_ms: int = 5_000, check_ms: int = 2_000) -> tuple[z3.ModelRef, dict[str, Any]]:
    """A model of the asserted condition that is minimal as the module docstring describes.
    `first` is a model of it already found. Returns the model and figures (for reports/tests):
    `changed` (slot names differing from defaults), `optimal` (the AtMost search proved the count
    minimal)."""
    budget = _Budget(budget_ms)
    best = first
    diff = [z3.Not(s.var == s.default) for s in slots]

    def changed_in(m: z3.ModelRef) -> list[int]:
        return [i for i, d in enumerate(diff) if z3.is_true(m.eval(d, model_completion=True))]

    changed = changed_in(best)
    optimal = len(changed) == 0
    # 1. fewest changes: AtMost(k) for k = 0, 1, ... below the count we have
    for k in range(len(changed)):
        solver.push()
        solver.add(z3.AtMost(*diff, k) if k > 0 else z3.And(*[z3.Not(d) for d in diff]))
        r = _is_sat(solver, assumptions, budget, check_ms)
        if r is True:
            best = solver.model()
        solver.pop()
        if r is None:
            break
        if r is True:
            changed = changed_in(best)
            optimal = True
            break
    else:
        optimal = True
    # pin the unchanged ones to their defaults
    solver.push()
    try:
        for i, s in enumerate(slots):
            if i not in changed:
                solver.add(s.var == s.default)
        # 2. greedy shrink (1-minimality when the search above was cut short)
        if not optimal:
            for i in list(changed):
                solver.push()
                solver.add(slots[i].var == slots[i].default)
                r = _is_sat(solver, assumptions, budget, check_ms)
                if r is True:
                    best = solver.model()
                    changed.remove(i)
                    solver.pop()
                    solver.add(slots[i].var == slots[i].default)
                else:
                    solver.pop()
        # 3. ordinary values for what changed
        for i in changed:
            s = slots[i]
            for cand in _candidates(s, best, thresholds, dates):
                solver.push()
                solver.add(s.var == cand)
                r = _is_sat(solver, assumptions, budget, check_ms)
                if r is True:
                    best = solver.model()
                    solver.pop()
                    solver.add(s.var == cand)
                    break
                solver.pop()
                if r is None:
                    break
            else:
                if isinstance(s.type, ir.Country):
                    best = _lowest_index(solver, assumptions, s.var, best, budget, check_ms)
                current = best.eval(s.var, model_completion=True)
                solver.add(s.var == current)
    finally:
        solver.pop()
    return best, {"changed": [slots[i].name for i in changed], "optimal": optimal}


def _lowest_index(solver: z3.Solver, assumptions: list, var: z3.ArithRef, best: z3.ModelRef,
                  budget: _Budget, check_ms: int) -> z3.ModelRef:
    """A model with the lowest index for `var` (a country class) that keeps the condition, by
    bisection: the answer does not depend on which index z3 happened to find first."""
    lo, hi = 0, best.eval(var, model_completion=True).as_long()
    while lo < hi:
        mid = (lo + hi) // 2
        solver.push()
        solver.add(var <= mid)
        r = _is_sat(solver, assumptions, budget, check_ms)
        if r is True:
            best = solver.model()
            hi = best.eval(var, model_completion=True).as_long()
        solver.pop()
        if r is None:
            break
        if r is False:
            lo = mid + 1
    return best


def _candidates(s: Slot, m: z3.ModelRef, thresholds: list[Fraction],
                dates: list[datetime.date]) -> list[z3.ExprRef]:
    current = m.eval(s.var, model_completion=True)
    if isinstance(s.type, ir.Num):
        out = [q(c) if not z3.is_int(s.var) else z3.IntVal(c.numerator)
               for c in _number_candidates(s, thresholds)]
        try:
            x = numeral(current)
            if x.denominator != 1:     # a fractional witness: try the whole numbers around it
                lo = x.numerator // x.denominator
                out += [z3.IntVal(v) if z3.is_int(s.var) else q(v) for v in (lo, lo + 1)]
        except ValueError:
            pass
        return out
    if isinstance(s.type, ir.Date):
        day = datetime.date.fromordinal(int(current.as_long()))
        default_val = m.eval(s.default, model_completion=True)
        default_day = datetime.date.fromordinal(int(default_val.as_long()))
        start = max((b for b in dates if b <= day), default=None)
        out = [default_val]
        if _segment(dates, default_day) != _segment(dates, day) and start is not None:
            out = [z3.IntVal(start.toordinal())]
        return out
    if isinstance(s.type, ir.Country):
        return [m.eval(s.default, model_completion=True)]
    return []


def _segment(dates: list[datetime.date], day: datetime.date) -> int:
    return sum(1 for b in dates if b <= day)
