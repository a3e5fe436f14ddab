"""The search program: the rules over one transaction (id 0) whose inputs are guessed.

Every finite input and free finite parameter is guessed on its own over its domain (countries
over signature classes); the numeric atoms by one feasible combination per component, free atoms
on their own (numeric.py); country pairs by whether the two roles are the same country. The
objective: fewest inputs off their defaults. A claim adds a small part of its own: the nodes of
its expression, the guesses of inputs and country pairs only claims read (each behind a `use/1`
/ `usep/1` external) and its goal behind a `goal/1` external. A query is one solve with its own
externals assigned true; those of other claims stay false, so each answer is an answer of the
program for that claim alone: the same inputs guessed, the same costs minimised. A model's
search program is grounded once and kept (engine.py); a claim with numeric atoms of its own gets
a fresh one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ... import ir
from ...ir import Cmp, Expr, InputRef, Model
from .compile import AspCompiler
from .numeric import NumericAbstraction
from .program import OPTIMISE, Best, Program
from .schema import (C, J, K, T, V, W, Atom_, Ceq, Choice, Combo, ComboAux, ComboCost,
                     ComboDomain, ComboTrue, Compare, Domain, External, Goal, Holds, Inp,
                     Minimize, Neg, Rule, Show, SingleClass, Statement, Tx, Use, UsePair)

#: What a search shows: the guessed inputs, combinations, country pairs and numeric atoms.
SEARCH_SHOW = (Show(Inp), Show(Combo), Show(Ceq), Show(Atom_))


@dataclass(frozen=True)
class Query:
    """A search's answer, with the finite variables and country pairs its claim guessed."""
    best: Best
    variables: frozenset[int]
    pairs: frozenset[int]


class Search:
    """The search program of one model (under one numeric abstraction), grounded part by part."""

    def __init__(self, model: Model, abs_: NumericAbstraction, countries: Iterable[str] = ()):
        self.model = model
        comp = self.comp = AspCompiler(model, abs_, all_slots=True, countries=countries)
        self.base_vars = frozenset(comp.finite_vars.values())
        self.base_pairs = frozenset(comp.country_pairs.values())
        self._vars_done: set[int] = set()
        self._idefref_done: set[int] = set()
        self._pairs_done: set[int] = set()
        self._triangles_done: set[tuple[int, int]] = set()
        self._emitted = 0                       # comp.rules_out already in the program
        self._goals: dict[tuple[int, bool], int] = {}
        self._claims: dict[Expr, tuple[int, frozenset, frozenset]] = {}
        self._pending: list[Statement] = []     # compiled, not yet grounded
        self.program = Program(*OPTIMISE)
        out: list[Statement] = [Rule(Tx(0))]
        for i, cl in enumerate(comp.classes.classes):
            if len(cl) == 1:
                out.append(Rule(SingleClass(i)))
        out += self._new_statements()
        out += numeric_statements(abs_)
        out += SEARCH_SHOW
        self.program.add(out)

    @property
    def claims(self) -> int:
        """How many claims the program holds a part for."""
        return len(self._claims)

    # ---------------------------------------------------------------- building

    def _new_statements(self) -> list[Statement]:
        """Everything compiled since the last part: new rules and facts of the compiler, the
        guesses of new inputs and country pairs (guarded unless the rules read them), the
        cost terms that became complete."""
        comp, model = self.comp, self.model
        out: list[Statement] = list(comp.rules_out[self._emitted:])
        self._emitted = len(comp.rules_out)
        for name, i in comp.finite_vars.items():
            if i in self._vars_done:
                continue
            self._vars_done.add(i)
            kind, key = name.split(":", 1)
            if kind == "param" and key not in model.free_params:
                out.append(Rule(Inp(0, i, comp.finite_value(name, model.params[key]))))
                continue
            guard: tuple = ()
            if i not in self.base_vars:
                out.append(External(Use(i)))
                guard = (Use(i),)
            for d in comp.domain(name):
                out.append(Rule(Domain(i, d)))
            out.append(Choice(1, 1, Inp(0, i, V), (Domain(i, V),), guard))
            # fewest inputs off their defaults (the tags 0/1/2/3 keep the sums apart)
            default = comp.default_id(name)
            if default is not None:
                out.append(Minimize(1, 1, (0, 0, i), (Inp(0, i, V), Compare(V, "!=", default))))
        for name, i in comp.finite_vars.items():
            kind, key = name.split(":", 1)
            if i in self._idefref_done or kind != "input":
                continue
            ref = model.inputs[key].default
            if not isinstance(ref, InputRef):
                self._idefref_done.add(i)
                continue
            j = comp.finite_vars.get("input:" + ref.path)
            if j is not None:      # counts only while both inputs are guessed
                self._idefref_done.add(i)
                out.append(Minimize(1, 1, (1, 0, i),
                                    (Inp(0, i, V), Inp(0, j, W), Compare(V, "!=", W))))
        # country pairs: same country only within one class; a singleton class forces it
        pairs = comp.country_pairs
        for (a, b), k in pairs.items():
            if k in self._pairs_done:
                continue
            self._pairs_done.add(k)
            ia, ib = comp.finite_vars["input:" + a], comp.finite_vars["input:" + b]
            guard = ()
            if k not in self.base_pairs:
                out.append(External(UsePair(k)))
                guard = (UsePair(k),)
            out.append(Choice(0, 1, Ceq(0, k), (), guard))
            out.append(Rule(None, (Ceq(0, k), Inp(0, ia, V), Inp(0, ib, W), Compare(V, "!=", W))))
            out.append(Rule(None, (Neg(Ceq(0, k)), Inp(0, ia, V), Inp(0, ib, V), SingleClass(V))
                            + guard))
        for (a, b), k1 in pairs.items():          # transitivity
            for (c, d), k2 in pairs.items():
                if k2 <= k1 or (k1, k2) in self._triangles_done or len({a, b} & {c, d}) != 1:
                    continue
                rest = tuple(sorted({a, b} ^ {c, d}))
                if rest in pairs:
                    self._triangles_done.add((k1, k2))
                    k3 = pairs[rest]
                    guard = () if k3 in self.base_pairs else (UsePair(k3),)
                    out.append(Rule(None, (Ceq(0, k1), Ceq(0, k2), Neg(Ceq(0, k3))) + guard))
        return out

    def _reads(self, e: Expr) -> tuple[frozenset, frozenset]:
        """The finite variables ("input:path", "param:name") and the country pairs an abstract
        expression reads, through definitions (rules' reads are the base's)."""
        defs = self.comp.abs.defs
        reached = ir.walk.reads(e, defs)
        names = {f"{kind}:{name}" for kind, name in reached if kind in ("input", "param")}
        pairs = {tuple(sorted((c.left.path, c.right.path)))
                 for x in [e] + [defs[name] for kind, name in reached
                                 if kind == "def" and name in defs]
                 for c in x.find_all(Cmp)
                 if isinstance(c.left, InputRef) and isinstance(c.right, InputRef)}
        return frozenset(names), frozenset(pairs)

    def _claim(self, expr: Expr) -> tuple[int, frozenset, frozenset]:
        """(goal node, finite variable ids, country pair ids) of a claim, compiling it into a
        part of its own the first time."""
        hit = self._claims.get(expr)
        if hit is not None:
            return hit
        comp = self.comp
        abstract = comp.abs.abstract(expr)
        goal = comp.bool_node(abstract)
        statements = self._new_statements()
        names, pairs = self._reads(abstract)
        vids = frozenset(comp.finite_vars[n] for n in names if n in comp.finite_vars)
        pids = frozenset(comp.country_pairs[p] for p in pairs if p in comp.country_pairs)
        hit = self._claims[expr] = (goal, self.base_vars | vids, self.base_pairs | pids)
        self._pending += statements
        return hit

    def _goal(self, node: int, want: bool) -> Goal:
        key = (node, want)
        if key not in self._goals:
            g = self._goals[key] = len(self._goals)
            h = Holds(0, node)
            self._pending += [External(Goal(g)), Rule(None, (Goal(g), Neg(h) if want else h))]
        return Goal(self._goals[key])

    # ---------------------------------------------------------------- querying

    def query(self, expr: Expr, want: bool, timeout_s: float) -> Query:
        """The best transaction on which `expr` is `want`, with the fewest inputs off their
        defaults (or none)."""
        goal, vids, pids = self._claim(expr)
        # this query's externals true for one solve (an external is false unless assigned)
        on = [self._goal(goal, want)]
        on += [Use(i) for i in sorted(vids - self.base_vars)]
        on += [UsePair(k) for k in sorted(pids - self.base_pairs)]
        if self._pending:           # the claim's and the goal's new statements: one part
            self.program.add(self._pending)
            self._pending = []
        self.program.assign(on, True)
        try:
            best = self.program.best(timeout_s)
        finally:
            self.program.assign(on, False)
        return Query(best, vids, pids)


def numeric_statements(abs_: NumericAbstraction) -> list[Statement]:
    """The numeric part of a search program (transaction 0): one feasible combination per
    component (its witness's cost counted), and each free atom (free.FreeAtom) guessed on
    its own, under its reachability condition, costing one where its variable must leave its
    default."""
    out: list[Statement] = []
    for comp_ in abs_.components():
        n = len(comp_.atoms)
        for j, combo in enumerate(comp_.combinations):
            out.append(Rule(ComboDomain(comp_.id, j)))
            cost = combo.cost if combo.witness is not None else 1000
            if cost:
                out.append(Rule(ComboCost(comp_.id, j, cost)))
            for k, b in zip(comp_.atoms, combo.values):
                if b:
                    out.append(Rule(ComboTrue(comp_.id, j, k)))
            for x, b in enumerate(combo.values[n:]):
                if b:
                    out.append(Rule(ComboAux(comp_.id, j, n + x)))
        out.append(Choice(1, 1, Combo(0, comp_.id, J), (ComboDomain(comp_.id, J),)))
    out.append(Rule(Atom_(T, K), (Combo(T, C, J), ComboTrue(C, J, K))))
    out.append(Minimize(W, 1, (2, T, C), (Combo(T, C, J), ComboCost(C, J, W))))

    def holds(x, value: bool) -> tuple | None:
        """Body literals for "auxiliary atom (or constant) x has `value`" (None: never)."""
        if isinstance(x, bool):
            return () if x == value else None
        c, pos = abs_.aux_position(x)
        aux = ComboAux(c, J, pos)
        return (Combo(0, c, J), aux if value else Neg(aux))
    for f in abs_.free_atoms():
        a = Atom_(0, f.atom)
        out.append(Choice(0, 1, a, ()))
        lit_other = Neg(a) if f.always else a
        if f.reach is not None:            # the other value only where the smallest value has it
            cond = holds(f.reach, f.always)
            if cond is not None:
                out.append(Rule(None, (lit_other,) + cond))
        if f.at_default is not None:       # off the default unless it gives the atom's value
            for value in (True, False):
                cond = holds(f.at_default, not value)
                if cond is not None:
                    out.append(Minimize(1, 1, (3, 0, f.atom), ((a if value else Neg(a)),) + cond))
    return out
