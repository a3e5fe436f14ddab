"""Positions, types and values of the IR.

Values inside the IR:
- bool                              for `Bool`
- fractions.Fraction                for `Num` (integers too: exact rationals everywhere)
- datetime.date                     for `Date`
- str                               for `Country` (ISO 3166-1 alpha-2) and `Enum` members
- None                              for the absent value of an optional enum
- frozenset[str]                    for `SetOf`
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from fractions import Fraction
from typing import Union

__all__ = ["Pos", "NOWHERE", "Bool", "Num", "Date", "Country", "Enum", "SetOf", "Type", "Value"]


# --------------------------------------------------------------------------- positions

@dataclass(frozen=True)
class Pos:
    """Where something was written: used for diagnostics, citations and CI annotations."""
    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


NOWHERE = Pos("<builtin>", 0, 0)


# --------------------------------------------------------------------------- types

@dataclass(frozen=True)
class Bool:
    def __str__(self) -> str:
        return "bool"


@dataclass(frozen=True)
class Num:
    integer: bool = False  # an `integer` input: solvers range it over whole numbers

    def __str__(self) -> str:
        return "integer" if self.integer else "number"


@dataclass(frozen=True)
class Date:
    def __str__(self) -> str:
        return "date"


@dataclass(frozen=True)
class Country:
    def __str__(self) -> str:
        return "country"


@dataclass(frozen=True)
class Enum:
    name: str
    optional: bool = False  # may be None ("none" in the language)

    def __str__(self) -> str:
        return self.name + ("?" if self.optional else "")


@dataclass(frozen=True)
class SetOf:
    enum: str  # name of the element enum

    def __str__(self) -> str:
        return f"set of {self.enum}"


Type = Union[Bool, Num, Date, Country, Enum, SetOf]
Value = Union[bool, Fraction, datetime.date, str, None, frozenset]
