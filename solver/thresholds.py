"""Threshold points over the numeric abstraction: which atom combinations admit a point.

A threshold goal (coverage.py) asks for a form ``L`` of numeric inputs to take an exact value
``v``. Over the numeric abstraction (numeric.py) a transaction chooses, per component, one
feasible truth combination of the component's atoms. Here each combination is paired with each
point of the component it is compatible with: z3 decides whether the combination's atoms and
``L == v`` hold together, and if so gives an exact witness (variables moved to their defaults as
far as the unsat cores allow, then re-checked in Python with Fractions). The pairs become extra
values of the component's choice in the covering program (generate.py): choosing one realises
the combination *and* hits the point, so threshold goals are optimised together with the others.

A transaction hits at most one point per component in this encoding (a component's variables get
one witness): generate.py reports this restriction with the optimum.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from fractions import Fraction

from . import numeric
from .numeric import Component, NumericAbstraction

__all__ = ["Entry", "domains"]

TIMEOUT_MS = 3000


@dataclass(frozen=True)
class Entry:
    """One value of a component's choice: a truth combination of its atoms, a witness realising
    it exactly, the witness's number of variables off their defaults, and the threshold goal
    (an index into the goal list) the witness hits, if any."""
    values: tuple[bool, ...]
    witness: dict[str, Fraction]
    cost: int
    point: int | None = None


@dataclass
class Domains:
    entries: list[list[Entry]]      # per component id
    exact: bool                     # every combination has a witness (search is exact)
    undecided: set[int]             # threshold goals z3 could not decide for some combination


def _holds(op: str, x: Fraction) -> bool:
    return x < 0 if op == "<" else x <= 0 if op == "<=" else x == 0


def domains(abs_: NumericAbstraction, goals) -> Domains:
    comps = abs_.components()
    entries: list[list[Entry]] = []
    exact = True
    for c in comps:
        es = []
        for cb in c.combinations:
            if cb.witness is None:
                exact = False
                continue
            es.append(Entry(cb.values, dict(cb.witness), cb.cost))
        entries.append(es)
    undecided: set[int] = set()
    by_comp: dict[int, list[int]] = {}
    for gi, g in enumerate(goals):
        if g.kind != "threshold":
            continue
        vs = {v for mono, _c in g.form for v in mono}
        owner = next((c.id for c in comps if vs <= set(c.vars)), None)
        if owner is not None:
            by_comp.setdefault(owner, []).append(gi)
    for cid, gis in by_comp.items():
        _points(abs_, comps[cid], [(gi, goals[gi]) for gi in gis], entries[cid], undecided)
    return Domains(entries, exact, undecided)


def _points(abs_: NumericAbstraction, comp: Component, goals, out: list[Entry],
            undecided: set[int]) -> None:
    import z3
    variables = abs_.variables
    zv = {v: (z3.Int(v) if variables[v].is_integer else z3.Real(v)) for v in comp.vars}
    s = z3.Solver()
    s.set("timeout", TIMEOUT_MS)
    for v in comp.vars:
        var = variables[v]
        if var.minimum is not None:
            s.add(zv[v] >= numeric._zconst(var.minimum))
        if var.is_input and var.type.__class__.__name__ == "Date":
            s.add(zv[v] >= 1, zv[v] <= datetime.date.max.toordinal())
    bools = []
    for k in comp.atoms:
        b = z3.Bool(f"atom{k}")
        s.add(b == numeric._zatom(abs_.atoms[k], zv))
        bools.append(b)
    pins = {}
    for v in comp.vars:
        d = variables[v].default
        if d is not None:
            p = z3.Bool(f"pin_{v}")
            s.add(z3.Implies(p, zv[v] == numeric._zconst(d)))
            pins[p] = v
    for gi, g in goals:
        eq = numeric.NumAtom(-1, numeric._padd(g.form, numeric._pconst(g.point), Fraction(-1)),
                             "==", frozenset(v for m, _c in g.form for v in m))
        pb = z3.Bool(f"point{gi}")
        s.add(pb == numeric._zatom(eq, zv))
        check_eq = numeric._decider(eq)
        for cb in comp.combinations:
            if cb.witness is None:
                continue
            if not _compatible(abs_, comp, cb.values, g):
                continue
            quick = _shift(abs_, comp, cb, g)
            if quick is not None:
                out.append(Entry(*quick, gi))
                continue
            fixed = [b if val else z3.Not(b) for b, val in zip(bools, cb.values)] + [pb]
            w = _witness(s, fixed, pins, zv, variables)
            if w is None:
                continue
            if w == "unknown":
                undecided.add(gi)
                continue
            got = tuple(numeric._decider(abs_.atoms[k])(w) for k in comp.atoms)
            if got != cb.values or not check_eq(w):
                undecided.add(gi)
                continue
            cost = sum(1 for v in comp.vars if w[v] != variables[v].default)
            out.append(Entry(cb.values, w, cost, gi))


def _shift(abs_, comp, cb, g) -> tuple | None:
    """Fast path without z3: from the combination's own witness, move one variable that occurs
    alone and linearly in the form so that the form hits the point; keep it if every atom of the
    component keeps its truth value (decided exactly) and the variable stays within bounds."""
    variables = abs_.variables
    w0 = cb.witness
    lone = [(m[0], c) for m, c in g.form if len(m) == 1]
    order = sorted(lone, key=lambda vc: (w0[vc[0]] == variables[vc[0]].default, vc[0]))
    for v, a in order:
        if sum(1 for m, _c in g.form if v in m) != 1:
            continue
        rest = Fraction(0)
        for m, c in g.form:
            if m == (v,):
                continue
            t = c
            for x in m:
                t *= w0[x]
            rest += t
        val = (g.point - rest) / a
        var = variables[v]
        if var.is_integer and val.denominator != 1:
            continue
        if var.minimum is not None and val < var.minimum:
            continue
        if var.type.__class__.__name__ == "Date" and not 1 <= val <= datetime.date.max.toordinal():
            continue
        w = dict(w0)
        w[v] = val
        got = tuple(numeric._decider(abs_.atoms[k])(w) for k in comp.atoms)
        if got != cb.values:
            continue
        cost = sum(1 for x in comp.vars if w[x] != variables[x].default)
        return (cb.values, w, cost)
    return None


def _compatible(abs_, comp, values, g) -> bool:
    """Quick exact filter: atoms on the very form of the goal are decided by the point alone."""
    for k, val in zip(comp.atoms, values):
        atom = abs_.atoms[k]
        form = tuple((m, c) for m, c in atom.poly if m != ())
        if form != g.form:
            continue
        const = sum((c for m, c in atom.poly if m == ()), Fraction(0))
        if _holds(atom.op, g.point + const) != val:
            return False
    return True


def _witness(s, fixed, pins, zv, variables):
    """A model of `fixed` with as many pins (variables at defaults) as possible; None if
    unsatisfiable, "unknown" if z3 gives no answer."""
    import z3
    first = s.check(*fixed)
    if first == z3.unsat:
        return None
    if first == z3.unknown:
        return "unknown"
    active = list(pins)
    while True:
        r = s.check(*fixed, *active)
        if r == z3.sat:
            break
        if r == z3.unknown:
            return "unknown"
        core = [p for p in s.unsat_core() if any(p.eq(q) for q in active)]
        if not core:
            return None
        active = [p for p in active if not p.eq(core[0])]
    m = s.model()
    out = {}
    for v, z in zv.items():
        val = m.eval(z, model_completion=True)
        if z3.is_int_value(val):
            out[v] = Fraction(val.as_long())
        elif z3.is_rational_value(val):
            out[v] = Fraction(val.as_fraction())
        else:
            return "unknown"
        if variables[v].is_integer and out[v].denominator != 1:
            return "unknown"
    return out
