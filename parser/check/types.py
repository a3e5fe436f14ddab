"""The checker's view of types: what compares with what, what may stand where, how to name one."""
from __future__ import annotations

from ... import ir
from .. import ast

BUILTIN_TYPES = {"bool": ir.Bool(), "number": ir.Num(), "integer": ir.Num(integer=True),
                 "date": ir.Date(), "country": ir.Country()}
COUNTRY_SET = ir.SetOf("country")  # the type of a literal set of countries (`{"FR", "DE"}`)
ORDER_OPS = ("<", "<=", ">", ">=")


def type_str(t) -> str:
    if t == COUNTRY_SET:
        return "set of country"
    return str(t)


def same_kind(a, b) -> bool:
    """Can values of types a and b be compared with == ?"""
    if isinstance(a, ir.Num) and isinstance(b, ir.Num):
        return True
    if isinstance(a, ir.Enum) and isinstance(b, ir.Enum):
        return a.name == b.name
    return a == b


def assignable(actual, expected) -> bool:
    """May a value of type `actual` stand where `expected` is wanted?"""
    if isinstance(actual, ir.Num) and isinstance(expected, ir.Num):
        return True
    if isinstance(actual, ir.Enum) and isinstance(expected, ir.Enum):
        return actual.name == expected.name and (expected.optional or not actual.optional)
    return actual == expected


def is_contextual(e) -> bool:
    """Literals whose type comes from where they stand."""
    return isinstance(e, (ast.StringLit, ast.SetLit, ast.NoneLit))



def article(word: str) -> str:
    """`a rule`, `an input`."""
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word
