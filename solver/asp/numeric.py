"""The numeric abstraction: every comparison of quantities becomes a boolean "numeric atom".

Why: clingo's integers are 32-bit and overflow silently (10^26 grounds as a negative number, and
clingo then concludes 10^26 < 10^25; see /work/shared/notes/solvers.md). So no quantity of the
spec (a TPP, a count of operations, a date) may ever reach a clingo integer. Instead:

1. At compile time every comparison whose operands are numbers or dates is rewritten, after
   inlining numeric definitions, into a boolean combination of *numeric atoms*: normalised
   comparisons `p < 0`, `p <= 0` or `p == 0` where `p` is a polynomial (linear, or with products
   such as `tpp * quantity`) over the numeric inputs and the free numeric parameters, with exact
   rational coefficients. `x > max(a, b)` becomes `x > a and x > b`, `x <= max(a, b)` becomes
   `x <= a or x <= b`, and an `if c then a else b` over numbers is pushed out of the comparison
   (`(c and cmp(a)) or (not c and cmp(b))`). `>`, `>=`, `!=` are negations of `<=`, `<`, `==`, so
   `x > t` and `x <= t` share one atom.
2. For a concrete transaction the atoms are decided exactly, in Python, with `Fraction`s
   (`decide`). An engine then only ever sees atom ids and truth values.
3. For symbolic search the atoms are split into connected components (atoms sharing a
   variable). For each component z3 enumerates (AllSAT, projected on the atoms' booleans) every
   truth-value combination that some assignment of the component's variables realises, each with
   a witness assignment (greedily moved to the variables' defaults, so witnesses are "ordinary").
   Components share no variable, so any choice of one feasible combination per component is
   realised by the union of the witnesses: a search over "one feasible combination per
   component" is exact, not an over-approximation. Where z3 cannot decide a combination
   (non-linear integer arithmetic) it is kept, without a witness: the search space can only grow,
   so a proof stays sound, and an instance that needs that combination cannot be concretised and
   is reported as unknown by the engine.
4. A *free* atom (FreeAtom: a variable private to it, linear, unbounded above) is not
   enumerated: the search guesses it under one condition (an auxiliary atom, enumerated with the
   rest) and `free_value` picks its variable once the others have values. Copies of such atoms
   would otherwise multiply the combinations.

The only integers an engine receives from this module are atom ids, component ids and
combination indexes (bounded by the number of atoms) and truth values.
"""
from __future__ import annotations
from __future__ import annotations

import datetime
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

from ... import ir
from ...ir import (And, Arith, Bool, Cmp, Date, DefRef, Expr, Implies, InGroup, InputRef, InSet,
                   Ite, Lit, MinMax, Model, Node, Not, Num, Or, ParamRef, Type, Value)
from ..store import STORE
from .feasible import Combination, combinations
from .free import FreeAtom, find_free, free_value
from .polynomial import (NumAtom, NumericError, Poly, Variable, compile_decide, const, decider,
                         padd, pconst, pmul, poly, to_number)

__all__ = ["AtomLit", "NumericAbstraction", "NumericError", "abstraction", "abstraction_for"]


@dataclass(frozen=True)
class AtomLit(Node):
    """A boolean expression of the abstraction (not of the spec): numeric atom `atom` is true."""
    atom: int
    type = ir.BOOL


TRUE = Lit(True, Bool())
FALSE = Lit(False, Bool())


# --------------------------------------------------------------------------- numeric terms

@dataclass(frozen=True)
class _P:          # a polynomial
    p: Poly


@dataclass(frozen=True)
class _Ite:        # if cond (abstract boolean expr) then a else b
    cond: object
    a: object
    b: object


@dataclass(frozen=True)
class _MM:         # max/min of terms
    op: str
    args: tuple


_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


@dataclass(frozen=True)
class Component:
    """`atoms`: the numeric atoms it decides; `aux`: auxiliary atoms (ids in
    `NumericAbstraction.aux_atoms`) the free atoms' conditions read. Each combination gives the
    values of `atoms` then of `aux`."""
    id: int
    atoms: tuple[int, ...]
    vars: tuple[str, ...]
    combinations: tuple[Combination, ...]
    aux: tuple[int, ...] = ()

    @property
    def exact(self) -> bool:
        return all(c.witness is not None for c in self.combinations)



class NumericAbstraction:
    """The numeric atoms of one Model, the abstracted (number-free) expressions, and for search
    the feasible atom combinations per component. Build with `abstraction(model)` (stored)."""

    def __init__(self, model: Model, extra: tuple[Expr, ...] = ()):
        self.model = model
        self.extra = extra
        self.atoms: list[NumAtom] = []
        self._atom_ids: dict[tuple[Poly, str], int] = {}
        self.variables: dict[str, Variable] = {}
        self._cache: dict[object, object] = {}
        self._date_atoms: dict[tuple[object, datetime.date], object] = {}
        self._frozen = False
        # Abstract every definition (non-numeric ones; numeric ones are inlined where used)
        # and every rule condition; this registers all atoms.
        self.defs: dict[str, object] = {
            name: self.abstract(body) for name, body in model.defs.items()
            if not isinstance(body.type, (Num, Date))}
        self.conditions: dict[str, tuple[object, ...]] = {
            name: tuple(self.abstract(c.expr) for c in rule.conditions)
            for name, rule in model.rules.items()}
        # Properties (and any extra claim) are abstracted up front so a proof finds its atoms.
        for prop in model.spec.properties.values():
            try:
                self.abstract(prop.body)
            except (NumericError, KeyError):
                pass   # e.g. a property naming what this reading lacks: checked when claimed
        for e in extra:
            self.abstract(e)
        self._frozen = True
        self._deciders: list[Callable[[dict[str, Fraction]], bool]] | None = None
        self._compiled: Callable | None = None
        self._components: list[Component] | None = None

    @staticmethod
    def is_numeric(e: Expr) -> bool:
        return isinstance(e.type, (Num, Date))

    # ---------------------------------------------------------------- abstracting expressions

    def abstract(self, e: Expr) -> object:
        """`e` with every numeric comparison replaced by atoms (AtomLit); the result contains no
        number. Numeric definitions are inlined; other definitions stay as DefRef."""
        hit = self._cache.get(e)
        if hit is not None:
            return hit
        r = self._abstract(e)
        self._cache[e] = r
        return r

    def _abstract(self, e: Expr) -> object:
        a = self.abstract
        if isinstance(e, Not):
            return Not(a(e.arg))
        if isinstance(e, And):
            return And(tuple(a(x) for x in e.args))
        if isinstance(e, Or):
            return Or(tuple(a(x) for x in e.args))
        if isinstance(e, Implies):
            return Implies(a(e.premise), a(e.conclusion))
        if isinstance(e, Ite):
            return Ite(a(e.cond), a(e.then), a(e.orelse))
        if isinstance(e, Cmp):
            if self.is_numeric(e.left) or self.is_numeric(e.right):
                return self._compare(e.op, self._term(e.left), self._term(e.right))
            return Cmp(e.op, a(e.left), a(e.right))
        if isinstance(e, InSet):
            return InSet(a(e.element), a(e.collection))
        if isinstance(e, InGroup):
            self._register_group_dates(e)
            return InGroup(a(e.country), e.group, e.date)
        if isinstance(e, ParamRef) and e.name not in self.model.free_params:
            v = self.model.params[e.name]
            return Lit(v, e.type)
        if isinstance(e, (Arith, MinMax)) or (isinstance(e, (InputRef, ParamRef, DefRef))
                                              and self.is_numeric(e)):
            raise NumericError(f"a number used outside a comparison: {e}")
        return e   # Lit, InputRef, ParamRef, DefRef, OutcomeRef, RuleApplies, RuleFires

    def _var(self, name: str, type_: Type, minimum, default) -> Poly:
        if name not in self.variables:
            self.variables[name] = Variable(name, type_, minimum, default)
        return poly({(name,): Fraction(1)})

    def _input_default(self, path: str, seen=()) -> Fraction | None:
        d = self.model.inputs[path].default
        if isinstance(d, Lit):
            return to_number(d.value)
        if isinstance(d, InputRef) and d.path not in seen:
            return self._input_default(d.path, seen + (path,))
        return None

    def _term(self, e: Expr) -> object:
        """A numeric expression as a term tree of polynomials, Ite and max/min."""
        m = self.model
        if isinstance(e, Lit):
            return _P(pconst(to_number(e.value)))
        if isinstance(e, InputRef):
            decl = m.inputs[e.path]
            if not isinstance(decl.type, (Num, Date)):
                raise NumericError(f"input {e.path} is not numeric")
            floor = m.input_minimum(e.path)
            return _P(self._var("input:" + e.path, decl.type, None if floor is None else to_number(floor),
                                self._input_default(e.path)))
        if isinstance(e, ParamRef):
            if e.name not in m.free_params:
                return _P(pconst(to_number(m.params[e.name])))
            decl = m.spec.params[e.name]
            return _P(self._var("param:" + e.name, decl.type, decl.minimum,
                                to_number(m.params[e.name])))
        if isinstance(e, DefRef):
            return self._term(m.defs[e.name])
        if isinstance(e, Ite):
            return _Ite(self.abstract(e.cond), self._term(e.then), self._term(e.orelse))
        if isinstance(e, MinMax):
            return _MM(e.op, tuple(self._term(x) for x in e.args))
        if isinstance(e, Arith):
            l, r = self._term(e.left), self._term(e.right)
            if e.op == "+":
                return self._add(l, r)
            if e.op == "-":
                return self._add(l, self._scale(r, Fraction(-1)))
            return self._mul(l, r)
        raise NumericError(f"unsupported numeric expression: {e}")

    def _add(self, l, r):
        if isinstance(l, _Ite):
            return _Ite(l.cond, self._add(l.a, r), self._add(l.b, r))
        if isinstance(r, _Ite):
            return _Ite(r.cond, self._add(l, r.a), self._add(l, r.b))
        if isinstance(l, _MM):
            return _MM(l.op, tuple(self._add(x, r) for x in l.args))
        if isinstance(r, _MM):
            return _MM(r.op, tuple(self._add(l, x) for x in r.args))
        return _P(padd(l.p, r.p))

    def _scale(self, t, k: Fraction):
        if isinstance(t, _P):
            return _P(padd((), t.p, k))
        if isinstance(t, _Ite):
            return _Ite(t.cond, self._scale(t.a, k), self._scale(t.b, k))
        if k == 0:
            return _P(())
        op = t.op if k > 0 else {"max": "min", "min": "max"}[t.op]
        return _MM(op, tuple(self._scale(x, k) for x in t.args))

    def _mul(self, l, r):
        if isinstance(l, _P) and const(l.p) is not None:
            return self._scale(r, const(l.p))
        if isinstance(r, _P) and const(r.p) is not None:
            return self._scale(l, const(r.p))
        if isinstance(l, _Ite):
            return _Ite(l.cond, self._mul(l.a, r), self._mul(l.b, r))
        if isinstance(r, _Ite):
            return _Ite(r.cond, self._mul(l, r.a), self._mul(l, r.b))
        if isinstance(l, _MM):
            return self._mul(self._mm_to_ite(l), r)
        if isinstance(r, _MM):
            return self._mul(l, self._mm_to_ite(r))
        return _P(pmul(l.p, r.p))

    def _mm_to_ite(self, t: _MM):
        """max(a, b, ...) = if a >= max(b, ...) then a else max(b, ...) (min likewise)."""
        if len(t.args) == 1:
            return t.args[0]
        first, rest = t.args[0], (_MM(t.op, t.args[1:]) if len(t.args) > 2 else t.args[1])
        cond = self._compare(">=" if t.op == "max" else "<=", first, rest)
        return _Ite(cond, first, rest)

    def _compare(self, op: str, l, r) -> object:
        if isinstance(l, _Ite):
            return _or(_and(l.cond, self._compare(op, l.a, r)),
                       _and(_not(l.cond), self._compare(op, l.b, r)))
        if isinstance(r, _Ite):
            return _or(_and(r.cond, self._compare(op, l, r.a)),
                       _and(_not(r.cond), self._compare(op, l, r.b)))
        if isinstance(r, _MM) and not isinstance(l, _MM):
            return self._compare(_FLIP[op], r, l)
        if isinstance(l, _MM):
            parts = [self._compare(op, x, r) for x in l.args]
            if op == "!=":
                return _not(self._compare("==", l, r))
            if op == "==":   # max(args) == r: every arg <= r and some arg == r (min: >=)
                bound = "<=" if l.op == "max" else ">="
                return _and(_and_all([self._compare(bound, x, r) for x in l.args]), _or_all(parts))
            upward = op in (">", ">=")
            # max(args) > r  <=> some arg > r;  max(args) < r <=> every arg < r (min dually)
            return _or_all(parts) if upward == (l.op == "max") else _and_all(parts)
        return self._atom(op, padd(l.p, r.p, Fraction(-1)))

    def _atom(self, op: str, p: Poly) -> object:
        c = const(p)
        if c is not None:
            return Lit({"<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0,
                        "==": c == 0, "!=": c != 0}[op], Bool())
        lead = next(coef for mono, coef in p if mono != ())
        if lead < 0:
            op = _FLIP[op]
        p = padd((), p, 1 / lead)     # leading coefficient 1 (a negative one flips `op`)
        negate = op in (">", ">=", "!=")
        base = {">": "<=", ">=": "<", "!=": "=="}.get(op, op)
        key = (p, base)
        if key not in self._atom_ids:
            if self._frozen:
                raise NumericError("new numeric atom after the abstraction was built")
            vs = frozenset(v for mono, _ in p for v in mono)
            self._atom_ids[key] = len(self.atoms)
            self.atoms.append(NumAtom(len(self.atoms), p, base, vs))
        lit = AtomLit(self._atom_ids[key])
        return Not(lit) if negate else lit

    # ---------------------------------------------------------------- dated groups

    def _register_group_dates(self, e: InGroup) -> None:
        for day in self.model.spec.group_tables[e.group].breaks:
            self.date_before(e.date, day)

    def date_before(self, date_expr: Expr, day: datetime.date) -> object:
        """The abstract boolean `date_expr < day` (registered while the abstraction is built)."""
        key = (date_expr, day)
        if key not in self._date_atoms:
            self._date_atoms[key] = self._compare("<", self._term(date_expr),
                                                  _P(pconst(to_number(day))))
        return self._date_atoms[key]

    # ---------------------------------------------------------------- concrete decision

    def values(self, transaction: dict[str, Value], params: dict[str, Value] | None = None
               ) -> dict[str, Fraction]:
        """The numeric variables' values (dates as ordinals) in a complete transaction."""
        out = {}
        for name, var in self.variables.items():
            if var.is_input:
                out[name] = to_number(transaction[var.key])
            else:
                v = (params or {}).get(var.key, self.model.params[var.key])
                out[name] = to_number(v)
        return out

    def decide(self, transaction: dict[str, Value], params: dict[str, Value] | None = None
               ) -> tuple[bool, ...]:
        """Every atom's truth value for a complete transaction, decided exactly (Fractions)."""
        if self._compiled is None:
            self._compiled = compile_decide(self.variables, self.atoms, self.model.params)
        return self._compiled(transaction, params or {})

    def decide_values(self, vals: dict[str, Fraction]) -> tuple[bool, ...]:
        if self._deciders is None:
            self._deciders = [decider(a) for a in self.atoms]
        return tuple(f(vals) for f in self._deciders)

    # ---------------------------------------------------------------- symbolic search

    def components(self) -> list[Component]:
        """Atoms grouped by shared variables, each with its feasible truth combinations (free
        atoms, see FreeAtom, are left out; their auxiliary atoms are in)."""
        if self._components is None:
            # an input another input's default names would change with it: never free
            named = {"input:" + d.default.path for d in self.model.inputs.values()
                     if isinstance(d.default, InputRef)}
            self._free, self.aux_atoms = find_free(self.atoms, self.variables, named)
            self._components = [self._component(i, atoms)
                                for i, atoms in enumerate(self._partition())]
            n = len(self.atoms)
            self._aux_at: dict[int, tuple[int, int]] = {}
            for c in self._components:
                for x in c.aux:
                    self._aux_at[n + x] = (c.id, len(c.atoms) + c.aux.index(x))
        return self._components

    def aux_position(self, aux: int) -> tuple[int, int]:
        """(component id, index in its combinations' values) of an auxiliary atom."""
        self.components()
        return self._aux_at[aux]

    def free_atoms(self) -> list[FreeAtom]:
        self.components()
        return self._free

    def _partition(self) -> list[tuple[int, ...]]:
        free = {f.atom for f in self._free}
        all_atoms = [a for a in self.atoms if a.id not in free] + self.aux_atoms
        self._all = {a.id: a for a in self.atoms + self.aux_atoms}
        parent = {a.id: a.id for a in all_atoms}

        def find(x):
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x
        owner: dict[str, int] = {}
        for a in all_atoms:
            for v in sorted(a.vars):
                if v in owner:
                    parent[find(a.id)] = find(owner[v])
                else:
                    owner[v] = a.id
        groups: dict[int, list[int]] = {}
        for a in all_atoms:
            groups.setdefault(find(a.id), []).append(a.id)
        return sorted(tuple(sorted(g)) for g in groups.values())

    def _component(self, cid: int, atom_ids: tuple[int, ...]) -> Component:
        # the model's atoms first, then auxiliary ones (their ids come after)
        atoms = tuple(self._all[i] for i in atom_ids)
        n = len(self.atoms)
        return Component(cid, tuple(i for i in atom_ids if i < n),
                         tuple(sorted(set().union(*(a.vars for a in atoms)))),
                         combinations(atoms, self.variables),
                         tuple(i - n for i in atom_ids if i >= n))

    def free_value(self, free: FreeAtom, truth: bool, vals: dict[str, Fraction]
                   ) -> Fraction | None:
        """A value of `free.var` giving the atom the value `truth` where the other variables
        have `vals` (its default where that does), checked exactly; None if there is none."""
        return free_value(self.atoms[free.atom], self.variables[free.var], free, truth, vals)


def _not(x):
    if isinstance(x, Lit):
        return Lit(not x.value, Bool())
    if isinstance(x, Not):
        return x.arg
    return Not(x)


def _and(a, b):
    return _and_all([a, b])


def _or(a, b):
    return _or_all([a, b])


def _and_all(xs):
    xs = [x for x in xs if x != TRUE]
    if any(x == FALSE for x in xs):
        return FALSE
    return TRUE if not xs else xs[0] if len(xs) == 1 else And(tuple(xs))


def _or_all(xs):
    xs = [x for x in xs if x != FALSE]
    if any(x == TRUE for x in xs):
        return TRUE
    return FALSE if not xs else xs[0] if len(xs) == 1 else Or(tuple(xs))



def abstraction(model: Model, extra: tuple[Expr, ...] = ()) -> NumericAbstraction:
    """The numeric abstraction of `model` (with the atoms of the `extra` expressions, e.g. a claim
    that is not one of the spec's properties), built once per model and `extra`."""
    return STORE.get("asp.abstraction", (model, tuple(extra)),
                     lambda: NumericAbstraction(model, tuple(extra)))


def abstraction_for(model: Model, expr: Expr) -> NumericAbstraction:
    """The model's abstraction if it already covers `expr`, else one extended by it."""
    base = abstraction(model)
    try:
        base.abstract(expr)
        return base
    except NumericError:
        return abstraction(model, (expr,))
