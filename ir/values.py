"""Values: the unknown marker, exact numbers as text, values as a reader sees them, and a
transaction's non-default fields. Every view (text, JSON, the workbench, test sets) renders
through these.

>>> from fractions import Fraction
>>> format_number(Fraction(26_914_400)), format_number(Fraction(10**26)), format_fraction(Fraction(1, 4))
('26,914,400', '10^26', '0.25')
>>> render_value(frozenset({"LPP", "AIA"})), literal("FR")
('{AIA, LPP}', '"FR"')
"""
from __future__ import annotations

import datetime
from fractions import Fraction
from typing import Any

from .decls import Spec
from .limits import NumberError, read_number
from .nodes import InputRef, Lit
from .types import Value

__all__ = ["UNKNOWN", "parse_number", "decimal_places", "format_fraction", "format_number",
           "render_value", "literal", "spec_literal", "non_default"]


class _Unknown:
    """A fact the user says they do not know (JSON `null` for a non-optional input)."""
    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __reduce__(self):
        return (_Unknown, ())


UNKNOWN = _Unknown()


def parse_number(text: str) -> Fraction | None:
    """An exact number from text (the syntax of `limits.read_number`), or None if the text is
    not a number earl reads."""
    try:
        return read_number(text)
    except NumberError:
        return None


def decimal_places(x: Fraction) -> int | None:
    """How many decimal places write `x` exactly (0 for a whole number), or None when its
    decimal expansion does not terminate (the denominator has a prime factor other than 2, 5)."""
    d = Fraction(x).denominator
    twos = fives = 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    return max(twos, fives) if d == 1 else None


def format_fraction(x: Fraction) -> int | str:
    """Exact JSON form of a number: an int when integral, else a decimal string when the
    decimal expansion is finite, else "p/q"."""
    x = Fraction(x)
    if x.denominator == 1:
        return x.numerator
    digits = decimal_places(x)
    if digits is None:
        return f"{x.numerator}/{x.denominator}"
    n = (x * 10 ** digits).numerator
    sign = "-" if n < 0 else ""
    s = str(abs(n)).rjust(digits + 1, "0")
    return f"{sign}{s[:-digits]}.{s[-digits:]}"


def format_number(x: Any) -> str:
    """Exact and readable: 26,914,400; 4,800.5; 1/3; 10^26; 2.5 × 10^25."""
    x = Fraction(x)
    if x.denominator == 1:
        n = x.numerator
        if abs(n) >= 10 ** 9:
            digits = str(abs(n))
            stripped = digits.rstrip("0")
            zeros = len(digits) - len(stripped)
            if zeros >= 6 and len(stripped) <= 4:
                sign = "-" if n < 0 else ""
                exp = len(digits) - 1
                mant = stripped[0] + ("." + stripped[1:] if len(stripped) > 1 else "")
                return f"{sign}10^{exp}" if mant == "1" else f"{sign}{mant} × 10^{exp}"
        return f"{n:,}"
    f = format_fraction(x)
    if isinstance(f, str) and "." in f:
        whole, frac = f.split(".")
        sign = "-" if whole.startswith("-") else ""
        return f"{sign}{int(whole.lstrip('-') or 0):,}.{frac}"
    return str(f)


def render_value(v: Any) -> str:
    if v is UNKNOWN:
        return "unknown"
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, Fraction)):
        return format_number(v)
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, (frozenset, set)):
        return "{" + ", ".join(sorted(v)) + "}"
    return str(v)


def literal(v: Any) -> str:
    """A value as a reader sees it in an explanation (numbers with thousands separators)."""
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, (frozenset, set)):
        return "{" + ", ".join(f'"{x}"' for x in sorted(v)) + "}"
    return render_value(v)


def spec_literal(v: Value) -> str:
    """A value written as an earl literal, as a spec's `given`/`with`/`expect` reads it back
    (exact numbers without thousands separators, quotes escaped)."""
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, Fraction)):
        return str(format_fraction(Fraction(v)))
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, (frozenset, set)):
        return "{" + ", ".join(spec_literal(x) for x in sorted(v)) + "}"
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def non_default(spec: Spec, transaction: dict[str, Value]) -> dict[str, Value]:
    """The fields of a complete transaction that differ from their defaults (so that
    `complete(spec, non_default(spec, tx)) == tx`)."""
    out = {}
    for path, decl in spec.inputs.items():
        if path not in transaction:
            continue
        d = decl.default
        default = transaction.get(d.path) if isinstance(d, InputRef) else \
            (d.value if isinstance(d, Lit) else None)
        v = transaction[path]
        if v != default:
            out[path] = v
    return out
