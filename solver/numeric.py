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

import datetime
import itertools
import weakref
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Iterable

from ..ir import (And, Arith, Bool, Cmp, Country, Date, DefRef, Enum, Expr, GroupDiff, GroupName,
                 GroupUnion, Implies, InGroup, InputRef, InSet, Ite, Lit, MinMax, Model, Not, Num,
                 Or, OutcomeRef, ParamRef, RuleApplies, RuleFires, SetOf, Type, Value)


class NumericError(Exception):
    """The model uses numbers in a way the abstraction does not cover."""


# --------------------------------------------------------------------------- the abstract node

@dataclass(frozen=True)
class AtomLit:
    """A boolean expression (outside the IR proper): numeric atom `atom` is true."""
    atom: int


TRUE = Lit(True, Bool())
FALSE = Lit(False, Bool())


# --------------------------------------------------------------------------- polynomials

Mono = tuple[str, ...]           # sorted variable names; () is the constant monomial
Poly = tuple[tuple[Mono, Fraction], ...]   # sorted, no zero coefficients


def _poly(d: dict[Mono, Fraction]) -> Poly:
    return tuple(sorted((m, c) for m, c in d.items() if c != 0))


def _padd(a: Poly, b: Poly, k: Fraction = Fraction(1)) -> Poly:
    d = dict(a)
    for m, c in b:
        d[m] = d.get(m, Fraction(0)) + k * c
    return _poly(d)


def _pmul(a: Poly, b: Poly) -> Poly:
    d: dict[Mono, Fraction] = {}
    for (m1, c1), (m2, c2) in itertools.product(a, b):
        m = tuple(sorted(m1 + m2))
        d[m] = d.get(m, Fraction(0)) + c1 * c2
    return _poly(d)


def _const(a: Poly) -> Fraction | None:
    if not a:
        return Fraction(0)
    if len(a) == 1 and a[0][0] == ():
        return a[0][1]
    return None


def _pconst(c: Fraction) -> Poly:
    return _poly({(): Fraction(c)})


def poly_str(p: Poly) -> str:
    if not p:
        return "0"
    parts = []
    for m, c in p:
        parts.append(str(c) if m == () else ("" if c == 1 else f"{c}*") + "*".join(m))
    return " + ".join(parts)


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
class NumAtom:
    """`poly op 0`, op in "<", "<=", "==", the leading coefficient of `poly` being 1."""
    id: int
    poly: Poly
    op: str
    vars: frozenset[str]

    def __str__(self) -> str:
        return f"{poly_str(self.poly)} {self.op} 0"


@dataclass(frozen=True)
class Variable:
    """A numeric variable: an input ("input:item.tpp") or a free parameter ("param:x")."""
    name: str
    type: Type                      # Num or Date
    minimum: Fraction | None
    default: Fraction | None        # as a number (dates as ordinals); None = no literal default

    @property
    def is_integer(self) -> bool:
        return isinstance(self.type, Date) or (isinstance(self.type, Num) and self.type.integer)

    @property
    def key(self) -> str:
        return self.name.split(":", 1)[1]

    @property
    def is_input(self) -> bool:
        return self.name.startswith("input:")


@dataclass(frozen=True)
class Combination:
    """A feasible (or undecided) truth assignment of a component's atoms.

    `witness` maps each variable of the component to a number realising the combination
    (dates as ordinals), None when z3 could not decide; `cost` counts variables off default.
    """
    values: tuple[bool, ...]
    witness: dict[str, Fraction] | None
    cost: int


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


@dataclass(frozen=True)
class FreeAtom:
    """A numeric atom `c*var + rest op 0` (op `<` or `<=`) whose variable `var` occurs in no other
    atom, linearly, and is unbounded above. Whatever the other variables' values, growing `var`
    makes the atom `always`; the other truth value is reachable exactly when the atom has it at
    `var`'s smallest value: `reach` is then the auxiliary atom "the atom at var's smallest value"
    (numbered after the model's atoms), or a constant, or None when `var` is unbounded below (always
    reachable). `at_default` likewise is the atom at `var`'s default (None: no default): `var`
    stays at its default exactly when the atom's value equals it. So such an atom needs no
    enumeration: the search guesses it freely under that one condition, and `free_value` picks
    `var` afterwards (this keeps copies of such atoms from multiplying the combinations)."""
    atom: int
    var: str
    always: bool
    reach: "int | bool | None"          # an int (not bool): an auxiliary atom (aux_position)
    at_default: "int | bool | None"


def to_number(value: Value) -> Fraction:
    if isinstance(value, datetime.date):
        return Fraction(value.toordinal())
    if isinstance(value, bool) or value is None:
        raise NumericError(f"not a number: {value!r}")
    return Fraction(value)


def from_number(value: Fraction, type_: Type) -> Value:
    if isinstance(type_, Date):
        return datetime.date.fromordinal(int(value))
    return Fraction(value)


# --------------------------------------------------------------------------- the abstraction

class NumericAbstraction:
    """The numeric atoms of one Model, the abstracted (number-free) expressions, and for search
    the feasible atom combinations per component. Build with `abstraction(model)` (cached)."""

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
        self.params_key = _params_key(model)
        self._deciders: list[Callable[[dict[str, Fraction]], bool]] | None = None
        self._compiled: Callable | None = None
        self._components: list[Component] | None = None

    # ---------------------------------------------------------------- typing

    def type_of(self, e: Expr) -> Type:
        m = self.model
        if isinstance(e, Lit):
            return e.type
        if isinstance(e, InputRef):
            return m.inputs[e.path].type
        if isinstance(e, ParamRef):
            return m.spec.params[e.name].type
        if isinstance(e, DefRef):
            return m.spec.defs[e.name].type
        if isinstance(e, OutcomeRef):
            return m.outcomes[e.name].type
        if isinstance(e, (Arith, MinMax)):
            return Num()
        if isinstance(e, Ite):
            return self.type_of(e.then)
        return Bool()

    def is_numeric(self, e: Expr) -> bool:
        return isinstance(self.type_of(e), (Num, Date))

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
            return Lit(v, self.type_of(e))
        if isinstance(e, (Arith, MinMax)) or (isinstance(e, (InputRef, ParamRef, DefRef))
                                              and self.is_numeric(e)):
            raise NumericError(f"a number used outside a comparison: {e}")
        return e   # Lit, InputRef, ParamRef, DefRef, OutcomeRef, RuleApplies, RuleFires

    def _var(self, name: str, type_: Type, minimum, default) -> Poly:
        if name not in self.variables:
            self.variables[name] = Variable(name, type_, minimum, default)
        return _poly({(name,): Fraction(1)})

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
            return _P(_pconst(to_number(e.value)))
        if isinstance(e, InputRef):
            decl = m.inputs[e.path]
            if not isinstance(decl.type, (Num, Date)):
                raise NumericError(f"input {e.path} is not numeric")
            floor = m.input_minimum(e.path)
            return _P(self._var("input:" + e.path, decl.type, None if floor is None else to_number(floor),
                                self._input_default(e.path)))
        if isinstance(e, ParamRef):
            if e.name not in m.free_params:
                return _P(_pconst(to_number(m.params[e.name])))
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
        return _P(_padd(l.p, r.p))

    def _scale(self, t, k: Fraction):
        if isinstance(t, _P):
            return _P(_padd((), t.p, k))
        if isinstance(t, _Ite):
            return _Ite(t.cond, self._scale(t.a, k), self._scale(t.b, k))
        if k == 0:
            return _P(())
        op = t.op if k > 0 else {"max": "min", "min": "max"}[t.op]
        return _MM(op, tuple(self._scale(x, k) for x in t.args))

    def _mul(self, l, r):
        if isinstance(l, _P) and _const(l.p) is not None:
            return self._scale(r, _const(l.p))
        if isinstance(r, _P) and _const(r.p) is not None:
            return self._scale(l, _const(r.p))
        if isinstance(l, _Ite):
            return _Ite(l.cond, self._mul(l.a, r), self._mul(l.b, r))
        if isinstance(r, _Ite):
            return _Ite(r.cond, self._mul(l, r.a), self._mul(l, r.b))
        if isinstance(l, _MM):
            return self._mul(self._mm_to_ite(l), r)
        if isinstance(r, _MM):
            return self._mul(l, self._mm_to_ite(r))
        return _P(_pmul(l.p, r.p))

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
        return self._atom(op, _padd(l.p, r.p, Fraction(-1)))

    def _atom(self, op: str, p: Poly) -> object:
        c = _const(p)
        if c is not None:
            return Lit({"<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0,
                        "==": c == 0, "!=": c != 0}[op], Bool())
        lead = next(coef for mono, coef in p if mono != ())
        if lead < 0:
            op = _FLIP[op]
        p = _padd((), p, 1 / lead)     # leading coefficient 1 (a negative one flips `op`)
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

    def group_dates(self, group: str) -> tuple[datetime.date, ...]:
        """Every date at which the membership of `group` (or a group it is built from) changes."""
        out: set[datetime.date] = set()

        def walk(g):
            if isinstance(g, GroupName):
                g = self.model.groups[g.name]
                if g.definition is not None:
                    walk(g.definition)
                for mship in g.members:
                    out.update(d for d in (mship.since, mship.until) if d is not None)
            elif isinstance(g, GroupUnion):
                for x in g.groups:
                    walk(x)
            elif isinstance(g, GroupDiff):
                walk(g.base)
                walk(g.minus)
        walk(GroupName(group))
        return tuple(sorted(out))

    def _register_group_dates(self, e: InGroup) -> None:
        for day in self.group_dates(e.group):
            self.date_before(e.date, day)

    def date_before(self, date_expr: Expr, day: datetime.date) -> object:
        """The abstract boolean `date_expr < day` (registered while the abstraction is built)."""
        key = (date_expr, day)
        if key not in self._date_atoms:
            self._date_atoms[key] = self._compare("<", self._term(date_expr),
                                                  _P(_pconst(to_number(day))))
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
            self._compiled = _compile_decide(self)
        return self._compiled(transaction, params or {})

    def decide_values(self, vals: dict[str, Fraction]) -> tuple[bool, ...]:
        if self._deciders is None:
            self._deciders = [_decider(a) for a in self.atoms]
        return tuple(f(vals) for f in self._deciders)

    # ---------------------------------------------------------------- symbolic search

    def components(self) -> list[Component]:
        """Atoms grouped by shared variables, each with its feasible truth combinations (free
        atoms, see FreeAtom, are left out; their auxiliary atoms are in)."""
        if self._components is None:
            self._free_atoms()
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

    def _free_atoms(self) -> None:
        """Find the free atoms and build their auxiliary atoms (`aux_atoms`)."""
        self._free: list[FreeAtom] = []
        self.aux_atoms: list[NumAtom] = []
        uses: dict[str, int] = {}
        for a in self.atoms:
            for v in a.vars:
                uses[v] = uses.get(v, 0) + 1
        # an input another input's default names would change with it: never free
        named = {"input:" + d.default.path for d in self.model.inputs.values()
                 if isinstance(d.default, InputRef)}
        aux_ids: dict[tuple[Poly, str], int] = {}

        def at(atom: NumAtom, var: str, value: Fraction) -> int | bool:
            p = tuple((m, c) for m, c in atom.poly if m != (var,))
            p = _padd(p, _pconst(value * dict(atom.poly)[(var,)]))
            c = _const(p)
            if c is not None:
                return c < 0 if atom.op == "<" else c <= 0
            key = (p, atom.op)
            if key not in aux_ids:
                aux_ids[key] = len(self.aux_atoms)
                self.aux_atoms.append(NumAtom(len(self.atoms) + len(self.aux_atoms), p, atom.op,
                                              frozenset(v for mono, _ in p for v in mono)))
            return len(self.atoms) + aux_ids[key]
        for a in self.atoms:
            if a.op == "==":
                continue
            for var in sorted(a.vars):
                v = self.variables[var]
                coef = dict(a.poly).get((var,))
                if uses[var] != 1 or coef is None or var in named or isinstance(v.type, Date) \
                        or any(var in mono and mono != (var,) for mono, _ in a.poly):
                    continue
                low = v.minimum
                if low is not None and v.is_integer:
                    low = Fraction(-((-low.numerator) // low.denominator))   # ceil
                reach = None if low is None else at(a, var, low)
                at_default = None if v.default is None else at(a, var, v.default)
                self._free.append(FreeAtom(a.id, var, coef < 0, reach, at_default))
                break

    def free_value(self, free: FreeAtom, truth: bool, vals: dict[str, Fraction]
                   ) -> Fraction | None:
        """A value of `free.var` giving the atom the value `truth` where the other variables
        have `vals` (its default where that does), checked exactly; None if there is none."""
        atom = self.atoms[free.atom]
        var = self.variables[free.var]
        decide = _decider(atom)
        if var.default is not None and decide({**vals, free.var: var.default}) == truth:
            return var.default
        coef = dict(atom.poly)[(free.var,)]
        rest = sum((c * _mono_value(m, vals) for m, c in atom.poly if m != (free.var,)),
                   Fraction(0))
        t = -rest / coef                          # the atom's boundary: var = t
        low = var.minimum
        if truth == free.always:                  # above the boundary
            cand = Fraction(t.numerator // t.denominator + 1)
            if low is not None and cand < low:
                cand = Fraction(-((-low.numerator) // low.denominator)) if var.is_integer else low
        elif low is not None:                     # the smallest value
            cand = Fraction(-((-low.numerator) // low.denominator)) if var.is_integer else low
        else:                                     # below the boundary
            cand = Fraction(-((-t.numerator) // t.denominator) - 1)
        return cand if decide({**vals, free.var: cand}) == truth else None

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
        vars_ = tuple(sorted(set().union(*(self._all[i].vars for i in atom_ids))))
        # The feasible combinations depend only on the atoms and the variables' types, bounds
        # and defaults: shared between readings and Model objects.
        key = (tuple((self._all[i].poly, self._all[i].op) for i in atom_ids),
               tuple((v, str(self.variables[v].type), self.variables[v].minimum,
                      self.variables[v].default) for v in vars_))
        combos = _COMPONENTS.get(key)
        if combos is None:
            combos = _COMPONENTS[key] = self._combinations(atom_ids, vars_)
        n = len(self.atoms)
        return Component(cid, tuple(i for i in atom_ids if i < n), vars_, combos,
                         tuple(i - n for i in atom_ids if i >= n))

    def _combinations(self, atom_ids, vars_) -> tuple[Combination, ...]:
        """AllSAT over the atoms' booleans (blocking clauses), a witness for each."""
        import z3
        zv = {v: (z3.Int(v) if self.variables[v].is_integer else z3.Real(v)) for v in vars_}
        base = []
        for v in vars_:
            var = self.variables[v]
            if var.minimum is not None:
                base.append(zv[v] >= _zconst(var.minimum))
            if isinstance(var.type, Date):   # datetime.date's range
                base += [zv[v] >= 1, zv[v] <= datetime.date.max.toordinal()]
        bools = [z3.Bool(f"atom{i}") for i in atom_ids]
        for b, i in zip(bools, atom_ids):
            base.append(b == _zatom(self._all[i], zv))
        # the witness solver: "pin" literals move a variable to its default when they can
        ws = z3.Solver()
        ws.set("timeout", 5000)
        ws.add(*base)
        pins = {}
        for v in vars_:
            d = self.variables[v].default
            if d is not None:
                p = z3.Bool(f"pin_{v}")
                ws.add(z3.Implies(p, zv[v] == _zconst(d)))
                pins[p] = v
        combos: list[Combination] = []
        solver = z3.Solver()
        solver.set("timeout", 10000)
        solver.add(*base)
        while True:
            r = solver.check()
            if r == z3.unsat:
                break
            if r == z3.unknown:
                return self._combinations_by_cases(atom_ids, vars_, ws, pins, bools, zv, combos)
            m = solver.model()
            values = tuple(z3.is_true(m.eval(b, model_completion=True)) for b in bools)
            combos.append(self._witness(atom_ids, vars_, ws, pins, bools, zv, values))
            solver.add(z3.Or([b != z3.BoolVal(v) for b, v in zip(bools, values)]))
        return tuple(combos)

    def _combinations_by_cases(self, atom_ids, vars_, ws, pins, bools, zv, found):
        """z3 gave up on the component as a whole: try every combination on its own, keeping
        (without witness) those it cannot refute."""
        import z3
        if len(atom_ids) > 16:
            raise NumericError(f"component of {len(atom_ids)} undecidable atoms is too large")
        combos = list(found)
        known = {c.values for c in combos}
        for values in itertools.product((False, True), repeat=len(atom_ids)):
            if values in known:
                continue
            r = ws.check(*[b == z3.BoolVal(v) for b, v in zip(bools, values)])
            if r == z3.sat:
                combos.append(self._witness(atom_ids, vars_, ws, pins, bools, zv, values))
            elif r == z3.unknown:
                combos.append(Combination(values, None, 0))
        return tuple(combos)

    def _witness(self, atom_ids, vars_, ws, pins, bools, zv, values) -> Combination:
        """A witness of `values` with as many variables at their defaults as the unsat cores
        allow; checked exactly in Python (None if z3's model does not realise it exactly)."""
        import z3
        fixed = [b if v else z3.Not(b) for b, v in zip(bools, values)]
        active = list(pins)
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
        for v in vars_:
            val = m.eval(zv[v], model_completion=True)
            if z3.is_int_value(val):
                witness[v] = Fraction(val.as_long())
            elif z3.is_rational_value(val):
                witness[v] = Fraction(val.as_fraction())
            else:
                return Combination(values, None, 0)
            if self.variables[v].is_integer and witness[v].denominator != 1:
                return Combination(values, None, 0)
        if tuple(_decider(self._all[i])(witness) for i in atom_ids) != values:
            return Combination(values, None, 0)
        cost = sum(1 for v in vars_ if witness[v] != self.variables[v].default)
        return Combination(values, witness, cost)


_COMPONENTS: dict[tuple, tuple[Combination, ...]] = {}


def _check(solver, assumptions: list):
    """`solver.check(*assumptions)` for boolean terms without z3py's per-term sort casts
    (the same call into z3, so the same answer)."""
    import z3
    arr = (z3.Ast * len(assumptions))()
    for i, a in enumerate(assumptions):
        arr[i] = a.as_ast()
    return z3.CheckSatResult(z3.Z3_solver_check_assumptions(solver.ctx.ref(), solver.solver,
                                                            len(assumptions), arr))


def _is_aux(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _mono_value(mono: Mono, vals: dict[str, Fraction]) -> Fraction:
    t = Fraction(1)
    for v in mono:
        t *= vals[v]
    return t


# --------------------------------------------------------------------------- helpers

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


def _decider(atom: NumAtom) -> Callable[[dict[str, Fraction]], bool]:
    terms = atom.poly
    op = atom.op

    def value(vals):
        total = Fraction(0)
        for mono, c in terms:
            t = c
            for v in mono:
                t = t * vals[v]
            total += t
        return total
    nonconst = [(m, c) for m, c in terms if m != ()]
    if len(nonconst) == 1 and len(nonconst[0][0]) == 1 and nonconst[0][1] == 1:
        # `x + c op 0`: compare x with -c directly
        var = nonconst[0][0][0]
        bound = -sum((k for m, k in terms if m == ()), Fraction(0))
        if op == "<":
            return lambda vals: vals[var] < bound
        if op == "<=":
            return lambda vals: vals[var] <= bound
        return lambda vals: vals[var] == bound
    if op == "<":
        return lambda vals: value(vals) < 0
    if op == "<=":
        return lambda vals: value(vals) <= 0
    return lambda vals: value(vals) == 0


def _compile_decide(a: NumericAbstraction) -> Callable:
    """All atoms as one straight-line Python function over a transaction: coefficients scaled to
    integers, integral values carried as ints (exact, and much faster than Fractions)."""
    from math import lcm
    lines = ["def decide(tx, params):"]
    names: dict[str, str] = {}
    for i, (name, var) in enumerate(a.variables.items()):
        v = names[name] = f"x{i}"
        if var.is_input:
            lines.append(f"    {v} = tx[{var.key!r}]")
        else:
            lines.append(f"    {v} = params.get({var.key!r}, _defaults[{var.key!r}])")
        if isinstance(var.type, Date):
            lines.append(f"    {v} = {v}.toordinal()")
        else:
            lines.append(f"    if {v}.__class__ is _F and {v}.denominator == 1: {v} = {v}.numerator")
    exprs = []
    for atom in a.atoms:
        scale = lcm(*(c.denominator for _, c in atom.poly))
        terms = []
        for mono, c in atom.poly:
            k = int(c * scale)
            terms.append("*".join([f"({k})"] + [names[v] for v in mono]))
        exprs.append(f"({' + '.join(terms)} {atom.op} 0)")
    lines.append(f"    return ({', '.join(exprs)}{',' if exprs else ''})")
    ns = {"_F": Fraction, "_defaults": dict(a.model.params)}
    exec("\n".join(lines) + "\n", ns)
    return ns["decide"]


def _zconst(q: Fraction):
    import z3
    q = Fraction(q)
    return z3.RealVal(q.numerator) / z3.RealVal(q.denominator) if q.denominator != 1 \
        else z3.IntVal(q.numerator)


def _zatom(atom: NumAtom, zv):
    """`poly op 0` with coefficients multiplied out to integers (no division reaches z3)."""
    import z3
    from math import lcm
    scale = lcm(*(c.denominator for _, c in atom.poly))
    terms = []
    for mono, c in atom.poly:
        t = z3.IntVal(int(c * scale))
        for v in mono:
            t = t * zv[v]
        terms.append(t)
    lhs = z3.Sum(terms) if len(terms) > 1 else terms[0]
    return {"<": lhs < 0, "<=": lhs <= 0, "==": lhs == 0}[atom.op]


_CACHE: dict[tuple[int, tuple], tuple[weakref.ref, NumericAbstraction]] = {}


def abstraction(model: Model, extra: tuple[Expr, ...] = ()) -> NumericAbstraction:
    """The numeric abstraction of `model` (with the atoms of the `extra` expressions, e.g. a claim
    that is not one of the spec's properties), built once per Model object and `extra`."""
    key = (id(model), tuple(extra))
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is model and hit[1].params_key == _params_key(model):
        return hit[1]
    a = NumericAbstraction(model, tuple(extra))
    _CACHE[key] = (weakref.ref(model, lambda _r, k=key, cache=_CACHE: cache.pop(k, None)), a)
    return a


def abstraction_for(model: Model, expr: Expr) -> NumericAbstraction:
    """The cached abstraction of `model` if it already covers `expr`, else one extended by it."""
    base = abstraction(model)
    try:
        base.abstract(expr)
        return base
    except NumericError:
        return abstraction(model, (expr,))


def _params_key(model: Model) -> tuple:
    return (tuple(sorted((k, repr(v)) for k, v in model.params.items())),
            tuple(sorted(model.free_params)))
