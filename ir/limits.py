"""The bounds on what earl reads, and the one reader of written numbers.

Every input is answered or refused within a bounded time, so what earl reads is bounded the same
way wherever it comes from (a transaction, a `--param` value, a spec literal); docs/input.md
states the limits to users:

    >>> read_number("12_500_000"), read_number("3.5e21") == 35 * 10 ** 20, read_number("25%")
    (Fraction(12500000, 1), True, Fraction(1, 4))
    >>> read_number("1" * 401)
    Traceback (most recent call last):
    ...
    earl.ir.limits.NumberBeyondLimits: the number has 401 digits; at most 400 are read

Numbers are exact: a written number becomes a Fraction, never a float. The digit and exponent
limits keep every value far below Python's int-conversion limit (4,300 digits) and keep exact
arithmetic on it cheap.
"""
from __future__ import annotations

import re
from fractions import Fraction

__all__ = ["MAX_DIGITS", "MAX_EXPONENT", "MAX_LINE_LENGTH", "MAX_NESTING",
           "MAX_VALUE_DIGITS", "NumberError", "NumberBeyondLimits", "read_number", "check_value"]

MAX_DIGITS = 400            # digits written in a number (its significand; underscores not counted)
MAX_EXPONENT = 400          # |n| of an exponent `eN`
MAX_VALUE_DIGITS = 1_000     # digits of a constant's numerator or denominator (every literal has fewer)
MAX_LINE_LENGTH = 1_000_000  # characters of a line: a JSON Lines transaction, a JSON document, a spec line
MAX_NESTING = 32            # depth of JSON arrays and objects in a transaction

_DIGITS = r"[0-9]+(?:_[0-9]+)*"   # ASCII digits only: "٣" is not read as 3
_DECIMAL = re.compile(rf"([+-]?)(?:({_DIGITS})(?:\.({_DIGITS})?)?|\.({_DIGITS}))(?:[eE]([+-]?[0-9]+))?(%?)")
_RATIO = re.compile(rf"([+-]?)({_DIGITS})\s*/\s*({_DIGITS})")


class NumberError(ValueError):
    """Text that is not a number earl reads; the message says why, in words."""


class NumberBeyondLimits(NumberError):
    """A well-formed number with too many digits, too large an exponent, or too long a text."""


def read_number(text: str) -> Fraction:
    """The exact value of a written number: `4800`, `-3`, `1_000_000`, `5.92`, `.5`, `1e26`,
    `2.5e25`, `25%`, `1/3` (surrounding blanks ignored). Raises NumberError when the text is not
    a number or is beyond the limits, after work linear in its length (a regular expression
    scan): digits are counted before any is converted."""
    s = text.strip()
    ratio = _RATIO.fullmatch(s)
    if ratio:
        sign, num, den = ratio.groups()
        numerator, denominator = _whole(num), _whole(den)
        if denominator == 0:
            raise NumberError(f"{s!r} divides by zero")
        return Fraction(-numerator if sign == "-" else numerator, denominator)
    m = _DECIMAL.fullmatch(s)
    if not m:
        raise NumberError(f"{s!r} is not a number")
    sign, whole, frac, bare_frac, exponent, percent = m.groups()
    frac = (frac or bare_frac or "").replace("_", "")
    digits = (whole or "").replace("_", "") + frac
    _check_digits(len(digits))
    scale = -len(frac)
    if exponent:
        significant = exponent.lstrip("+-").lstrip("0")
        e = int(exponent) if len(significant) <= len(str(MAX_EXPONENT)) else None
        if e is None or abs(e) > MAX_EXPONENT:
            shown = exponent if len(exponent) <= 20 else f"of {len(significant):,} digits"
            raise NumberBeyondLimits(f"the number's exponent {shown} is beyond ±{MAX_EXPONENT}")
        scale += e
    if percent:
        scale -= 2
    value = Fraction(int(digits)) * Fraction(10) ** scale
    return -value if sign == "-" else value


def _whole(digits: str) -> int:
    digits = digits.replace("_", "")
    _check_digits(len(digits))
    return int(digits)


def _check_digits(n: int) -> None:
    if n > MAX_DIGITS:
        raise NumberBeyondLimits(f"the number has {n:,} digits; at most {MAX_DIGITS} are read")


def check_value(value: Fraction) -> Fraction:
    """`value` itself when its numerator and denominator have at most MAX_VALUE_DIGITS digits
    (counted from their bit length: no conversion to text), else NumberBeyondLimits. Literals
    always pass; a constant computed from them (`1e400 * 1e400 * 1e400`) may not."""
    bits = max(value.numerator.bit_length(), value.denominator.bit_length())
    if bits * 0.30103 > MAX_VALUE_DIGITS:
        raise NumberBeyondLimits(f"the value has more than {MAX_VALUE_DIGITS:,} digits")
    return value
