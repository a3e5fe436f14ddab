"""The feasible truth combinations of a component of numeric atoms, each with a witness, by z3.

A component's atoms share variables with one another and with no other component. z3 enumerates
(AllSAT, projected on the atoms' booleans) every truth-value combination some assignment of the
variables realises, each with a witness moved greedily to the variables' defaults so witnesses
are "ordinary". Where z3 cannot decide a combination (non-linear integer arithmetic) it is kept
without a witness: the search space can only grow, so a proof stays sound.
"""
from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass
from fractions import Fraction
from math import lcm
from typing import Mapping

import z3

from ...ir import Date
from ..store import STORE
from .polynomial import NumAtom, NumericError, Variable, decider


@dataclass(frozen=True)
class Combination:
    """A feasible (or undecided) truth assignment of a component's atoms.

    `witness` maps each variable of the component to a number realising the combination
    (dates as ordinals), None when z3 could not decide; `cost` counts variables off default.
    """
    values: tuple[bool, ...]
    witness: dict[str, Fraction] | None
    cost: int


def combinations(atoms: tuple[NumAtom, ...], variables: Mapping[str, Variable]
                 ) -> tuple[Combination, ...]:
    """The combinations of `atoms` (in order) over their variables. They depend only on the atoms
    and the variables' types, bounds and defaults, so they are stored by those and shared
    between readings and models."""
    names = tuple(sorted(set().union(*(a.vars for a in atoms))))
    key = (tuple((a.poly, a.op) for a in atoms),
           tuple((v, str(variables[v].type), variables[v].minimum, variables[v].default)
                 for v in names))
    return STORE.get("asp.combinations", key,
                     lambda: _Enumeration(atoms, {v: variables[v] for v in names}).run())


class _Enumeration:
    def __init__(self, atoms: tuple[NumAtom, ...], variables: dict[str, Variable]):
        self.atoms = atoms
        self.variables = variables
        zv = self.zv = {v: (z3.Int(v) if var.is_integer else z3.Real(v))
                        for v, var in variables.items()}
        base = []
        for v, var in variables.items():
            if var.minimum is not None:
                base.append(zv[v] >= _zconst(var.minimum))
            if isinstance(var.type, Date):   # datetime.date's range
                base += [zv[v] >= 1, zv[v] <= datetime.date.max.toordinal()]
        self.bools = [z3.Bool(f"atom{a.id}") for a in atoms]
        for b, a in zip(self.bools, atoms):
            base.append(b == _zatom(a, zv))
        self.base = base
        # the witness solver: "pin" literals move a variable to its default when they can
        ws = self.ws = z3.Solver()
        ws.set("timeout", 5000)
        ws.add(*base)
        self.pins = {}
        for v, var in variables.items():
            if var.default is not None:
                p = z3.Bool(f"pin_{v}")
                ws.add(z3.Implies(p, zv[v] == _zconst(var.default)))
                self.pins[p] = v

    def run(self) -> tuple[Combination, ...]:
        """AllSAT over the atoms' booleans (blocking clauses), a witness for each."""
        combos: list[Combination] = []
        solver = z3.Solver()
        solver.set("timeout", 10000)
        solver.add(*self.base)
        while True:
            r = solver.check()
            if r == z3.unsat:
                break
            if r == z3.unknown:
                return self._by_cases(combos)
            m = solver.model()
            values = tuple(z3.is_true(m.eval(b, model_completion=True)) for b in self.bools)
            combos.append(self._witness(values))
            solver.add(z3.Or([b != z3.BoolVal(v) for b, v in zip(self.bools, values)]))
        return tuple(combos)

    def _by_cases(self, found: list[Combination]) -> tuple[Combination, ...]:
        """z3 gave up on the component as a whole: try every combination on its own, keeping
        (without witness) those it cannot refute."""
        if len(self.atoms) > 16:
            raise NumericError(f"component of {len(self.atoms)} undecidable atoms is too large")
        combos = list(found)
        known = {c.values for c in combos}
        for values in itertools.product((False, True), repeat=len(self.atoms)):
            if values in known:
                continue
            r = self.ws.check(*[b == z3.BoolVal(v) for b, v in zip(self.bools, values)])
            if r == z3.sat:
                combos.append(self._witness(values))
            elif r == z3.unknown:
                combos.append(Combination(values, None, 0))
        return tuple(combos)

    def _witness(self, values: tuple[bool, ...]) -> Combination:
        """A witness of `values` with as many variables at their defaults as the unsat cores
        allow; checked exactly in Python (None if z3's model does not realise it exactly)."""
        ws = self.ws
        fixed = [b if v else z3.Not(b) for b, v in zip(self.bools, values)]
        active = list(self.pins)
        while True:
            r = _check(ws, fixed + active)
            if r == z3.sat:
                break
            if r == z3.unknown:
                return Combination(values, None, 0)
            ids = {p.get_id() for p in active}
            core = [p for p in ws.unsat_core() if p.get_id() in ids]
            if not core:
                return Combination(values, None, 0)
            drop = core[0].get_id()
            active = [p for p in active if p.get_id() != drop]
        m = ws.model()
        witness = {}
        for v, var in self.variables.items():
            val = m.eval(self.zv[v], model_completion=True)
            if z3.is_int_value(val):
                witness[v] = Fraction(val.as_long())
            elif z3.is_rational_value(val):
                witness[v] = Fraction(val.as_fraction())
            else:
                return Combination(values, None, 0)
            if var.is_integer and witness[v].denominator != 1:
                return Combination(values, None, 0)
        if tuple(decider(a)(witness) for a in self.atoms) != values:
            return Combination(values, None, 0)
        cost = sum(1 for v, var in self.variables.items() if witness[v] != var.default)
        return Combination(values, witness, cost)


def _check(solver, assumptions: list):
    """`solver.check(*assumptions)` for boolean terms without z3py's per-term sort casts
    (the same call into z3, so the same answer)."""
    arr = (z3.Ast * len(assumptions))()
    for i, a in enumerate(assumptions):
        arr[i] = a.as_ast()
    return z3.CheckSatResult(z3.Z3_solver_check_assumptions(solver.ctx.ref(), solver.solver,
                                                            len(assumptions), arr))


def _zconst(q: Fraction):
    q = Fraction(q)
    return z3.RealVal(q.numerator) / z3.RealVal(q.denominator) if q.denominator != 1 \
        else z3.IntVal(q.numerator)


def _zatom(atom: NumAtom, zv):
    """`poly op 0` with coefficients multiplied out to integers (no division reaches z3)."""
    scale = lcm(*(c.denominator for _, c in atom.poly))
    terms = []
    for mono, c in atom.poly:
        t = z3.IntVal(int(c * scale))
        for v in mono:
            t = t * zv[v]
        terms.append(t)
    lhs = z3.Sum(terms) if len(terms) > 1 else terms[0]
    return {"<": lhs < 0, "<=": lhs <= 0, "==": lhs == 0}[atom.op]
