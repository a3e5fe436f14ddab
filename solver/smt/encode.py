"""Values and variables: how a transaction and its values are represented in z3.

A symbolic transaction has one z3 constant per input (and per free parameter):
- bool → Bool; number → Real (integer → Int, unless the query relaxes integrality); date → Int
  (the date's ordinal); country → Int over signature-class indices (solver/countries.py);
  enum → Int over member indices (an optional enum's `none` is the index after the last member).
- set-valued expressions are Python dicts member → Bool term (one slot per element).
Numbers are exact: literals become z3 rationals built from numerator and denominator.

>>> from fractions import Fraction
>>> q(Fraction(5, 2)), numeral(q(Fraction(5, 2)))
(5/2, Fraction(5, 2))
"""
from __future__ import annotations

import datetime
from fractions import Fraction
from typing import Any

import z3

from ... import ir
from ..countries import CountryClasses

_MIN_ORD = 1
_MAX_ORD = datetime.date.max.toordinal()

SetTerm = dict  # member -> z3 Bool


class CompileError(ValueError):
    """The model uses a construct the z3 backend cannot encode (a checker bug upstream)."""


def q(x: Fraction | int) -> z3.ArithRef:
    """An exact z3 rational (or integer) constant."""
    x = Fraction(x)
    if x.denominator == 1:
        return z3.RealVal(x.numerator)
    return z3.Q(x.numerator, x.denominator)


def numeral(v: z3.ExprRef) -> Fraction:
    """A z3 numeral as an exact Fraction; ValueError for an irrational (algebraic) value."""
    if z3.is_int_value(v):
        return Fraction(v.as_long())
    if z3.is_rational_value(v):
        return Fraction(v.numerator_as_long(), v.denominator_as_long())
    if z3.is_algebraic_value(v):
        raise ValueError(f"irrational value {v}")
    raise ValueError(f"not a numeral: {v}")


def fresh(name: str, t: ir.Type) -> z3.ExprRef:
    """A fresh constant in the sort values of type `t` take (not a set: those are dicts)."""
    if isinstance(t, ir.Bool):
        return z3.Bool(name)
    if isinstance(t, ir.Num):
        return z3.Real(name)
    return z3.Int(name)


class VarPool:
    """The symbolic transaction and free parameters, shared by every model compiled into one query
    (so two readings or two specs are compared on the same transaction)."""

    def __init__(self, spec: ir.Spec, cc: CountryClasses, *, relax_integers: bool = False,
                 prefix: str = ""):
        self.spec = spec
        self.cc = cc
        self.relax_integers = relax_integers
        self.prefix = prefix
        self.inputs: dict[str, z3.ExprRef] = {}
        self.params: dict[str, z3.ExprRef] = {}
        self.param_types: dict[str, ir.Type] = {}
        self.domain: list[z3.BoolRef] = []
        for path, decl in spec.inputs.items():
            self.inputs[path] = self._make(f"{prefix}{path}", decl.type, decl.minimum)

    def param(self, name: str, decl: ir.ParamDecl) -> z3.ExprRef:
        if name not in self.params:
            self.params[name] = self._make(f"{self.prefix}param:{name}", decl.type, decl.minimum)
            self.param_types[name] = decl.type
        return self.params[name]

    def _make(self, name: str, t: ir.Type, minimum: Fraction | None) -> z3.ExprRef:
        if isinstance(t, ir.Bool):
            return z3.Bool(name)
        if isinstance(t, ir.Num):
            v = z3.Int(name) if (t.integer and not self.relax_integers) else z3.Real(name)
            if minimum is not None:
                self.domain.append(v >= q(minimum))
            return v
        v = z3.Int(name)
        if isinstance(t, ir.Date):
            self.domain.append(z3.And(v >= _MIN_ORD, v <= _MAX_ORD))
        elif isinstance(t, ir.Country):
            self.domain.append(z3.And(v >= 0, v < len(self.cc)))
        elif isinstance(t, ir.Enum):
            n = len(self.spec.enums[t.name].members) + (1 if t.optional else 0)
            self.domain.append(z3.And(v >= 0, v < n))
        else:
            raise CompileError(f"an input or parameter of type {t} is not supported")
        return v

    # ------------------------------------------------------------------ values

    def encode(self, t: ir.Type, value: ir.Value) -> Any:
        """A concrete value as a z3 term (sets: dict member -> BoolVal)."""
        if isinstance(t, ir.Bool):
            return z3.BoolVal(bool(value))
        if isinstance(t, ir.Num):
            return q(value)
        if isinstance(t, ir.Date):
            return z3.IntVal(value.toordinal())
        if isinstance(t, ir.Country):
            try:
                return z3.IntVal(self.cc.class_of(value))
            except KeyError:
                raise CompileError(f"unknown country {value!r}") from None
        if isinstance(t, ir.Enum):
            return z3.IntVal(self.enum_index(t, value))
        if isinstance(t, ir.SetOf):
            members = self.spec.enums[t.enum].members
            bad = set(value) - set(members)
            if bad:
                raise CompileError(f"{sorted(bad)} not members of {t.enum}")
            return {m: z3.BoolVal(m in value) for m in members}
        raise CompileError(f"cannot encode a value of type {t}")

    def encode_as(self, var: z3.ExprRef, t: ir.Type, value: ir.Value) -> Any:
        """`encode`, in the sort of `var` (an `integer` input's whole value as an Int)."""
        if isinstance(t, ir.Num) and z3.is_int(var):
            x = Fraction(value)
            if x.denominator != 1:
                raise CompileError(f"{var} is a whole number, not {x}")
            return z3.IntVal(x.numerator)
        return self.encode(t, value)

    def enum_index(self, t: ir.Enum, value: ir.Value) -> int:
        members = self.spec.enums[t.name].members
        if value is None:
            if not t.optional:
                raise CompileError(f"none is not a value of {t}")
            return len(members)
        try:
            return members.index(value)
        except ValueError:
            raise CompileError(f"{value!r} is not a member of {t.name}") from None

    def decode(self, t: ir.Type, v: z3.ExprRef) -> ir.Value:
        """A z3 value (from a model, completed) back to an IR value. Raises ValueError for an
        irrational number (a nonlinear witness with no exact rational form)."""
        if isinstance(t, ir.Bool):
            return z3.is_true(v)
        if isinstance(t, ir.Num):
            return numeral(v)
        n = int(v.as_long())
        if isinstance(t, ir.Date):
            return datetime.date.fromordinal(n)
        if isinstance(t, ir.Country):
            return self.cc.representative(n)
        if isinstance(t, ir.Enum):
            members = self.spec.enums[t.name].members
            return None if n == len(members) else members[n]
        raise CompileError(f"cannot decode a value of type {t}")
