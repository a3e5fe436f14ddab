"""Exact arithmetic on numeric atoms: polynomials with rational coefficients, atoms `poly op 0`,
the numeric variables, and deciding atoms on concrete values, in Python (never in clingo: see
numeric.py).

>>> p = padd(poly({("x",): Fraction(1)}), pconst(Fraction(-7)))
>>> poly_str(p)
'-7 + x'
>>> a = NumAtom(0, p, "<=", frozenset({"x"}))
>>> decider(a)({"x": Fraction(7)}), decider(a)({"x": Fraction(8)})
(True, False)
"""
from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass
from fractions import Fraction
from math import lcm
from typing import Callable, Mapping

from ...ir import Date, Num, Type, Value


class NumericError(Exception):
    """The model uses numbers in a way the abstraction does not cover."""


Mono = tuple[str, ...]           # sorted variable names; () is the constant monomial
Poly = tuple[tuple[Mono, Fraction], ...]   # sorted, no zero coefficients


def poly(d: dict[Mono, Fraction]) -> Poly:
    return tuple(sorted((m, c) for m, c in d.items() if c != 0))


def padd(a: Poly, b: Poly, k: Fraction = Fraction(1)) -> Poly:
    """a + k*b"""
    d = dict(a)
    for m, c in b:
        d[m] = d.get(m, Fraction(0)) + k * c
    return poly(d)


def pmul(a: Poly, b: Poly) -> Poly:
    d: dict[Mono, Fraction] = {}
    for (m1, c1), (m2, c2) in itertools.product(a, b):
        m = tuple(sorted(m1 + m2))
        d[m] = d.get(m, Fraction(0)) + c1 * c2
    return poly(d)


def const(a: Poly) -> Fraction | None:
    """The value of a constant polynomial (None: it has a variable)."""
    if not a:
        return Fraction(0)
    if len(a) == 1 and a[0][0] == ():
        return a[0][1]
    return None


def pconst(c: Fraction) -> Poly:
    return poly({(): Fraction(c)})


def poly_str(p: Poly) -> str:
    if not p:
        return "0"
    parts = []
    for m, c in p:
        parts.append(str(c) if m == () else ("" if c == 1 else f"{c}*") + "*".join(m))
    return " + ".join(parts)


def ceil(q: Fraction) -> Fraction:
    return Fraction(-((-q.numerator) // q.denominator))


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


def mono_value(mono: Mono, vals: Mapping[str, Fraction]) -> Fraction:
    t = Fraction(1)
    for v in mono:
        t *= vals[v]
    return t


def decider(atom: NumAtom) -> Callable[[Mapping[str, Fraction]], bool]:
    """The atom's truth value on values of its variables, exactly."""
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


def compile_decide(variables: Mapping[str, Variable], atoms: list[NumAtom],
                   defaults: Mapping[str, Value]) -> Callable:
    """All atoms as one straight-line Python function `decide(transaction, params)`: coefficients
    scaled to integers, integral values carried as ints (exact, and much faster than Fractions);
    a parameter missing from `params` takes its value in `defaults`."""
    lines = ["def decide(tx, params):"]
    names: dict[str, str] = {}
    for i, (name, var) in enumerate(variables.items()):
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
    for atom in atoms:
        scale = lcm(*(c.denominator for _, c in atom.poly))
        terms = []
        for mono, c in atom.poly:
            k = int(c * scale)
            terms.append("*".join([f"({k})"] + [names[v] for v in mono]))
        exprs.append(f"({' + '.join(terms)} {atom.op} 0)")
    lines.append(f"    return ({', '.join(exprs)}{',' if exprs else ''})")
    ns = {"_F": Fraction, "_defaults": dict(defaults)}
    exec("\n".join(lines) + "\n", ns)
    return ns["decide"]
