"""Test doubles for `verify` (no tests here): a brute-force prover over small finite specs.

`BruteForce` implements the proof primitives by enumerating every transaction of a spec whose
inputs are booleans and enums (other inputs keep their default), through the reference
evaluator, fewest non-default fields first (so its instances are minimal). It lets the
orchestration, the analyses and the reports be tested independently of z3 and clingo, and lets
tests inject faults (a wrong instance, an unknown, a disagreement) by overriding one method.
"""
from __future__ import annotations

import itertools
from pathlib import Path

from earl.ir import Bool, Enum, Implies, Not
from earl.solver.results import Instance, Proof, Unknown
from earl.solver.transaction import complete
from earl.solver.verify.primitives import Primitives

DEFECTS = Path(__file__).parent / "specs" / "defects"


def transactions(spec):
    choices = []
    for path, decl in spec.inputs.items():
        if isinstance(decl.type, Bool):
            choices.append((path, [False, True]))
        elif isinstance(decl.type, Enum):
            members = list(spec.enums[decl.type.name].members)
            choices.append((path, ([None] if decl.type.optional else []) + members))
    base = complete(spec, {})
    combos = []
    for values in itertools.product(*(vals for _, vals in choices)):
        given = {p: v for (p, _), v in zip(choices, values) if v != base[p]}
        combos.append(given)
    combos.sort(key=len)
    for given in combos:
        yield complete(spec, given)


class BruteForce(Primitives):
    engine = "brute"

    def __init__(self):
        super().__init__()
        self.calls = []

    def _search(self, model, expr, want, engine):
        for tx in transactions(model.spec):
            if self.value(model, expr, tx, {}) == want:
                return Instance(tx, {}, engine=engine)
        return Proof(core=tuple(model.rules)[:1], engine=engine)

    def prove(self, model, claim, *, timeout_ms):
        self.calls.append(("prove", model.reading, claim))
        return self._search(model, claim, False, "z3")

    def cross_check(self, model, claim, *, timeout_ms):
        self.calls.append(("cross_check", model.reading, claim))
        return self._search(model, claim, False, "clingo")

    def satisfiable(self, model, expr, *, timeout_ms, minimize=True):
        self.calls.append(("satisfiable", model.reading, expr))
        return self._search(model, expr, True, "z3")

    def implies(self, model, premise, conclusion, *, timeout_ms):
        return self.prove(model, Implies(premise, conclusion), timeout_ms=timeout_ms)
