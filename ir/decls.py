"""Declarations of the IR and the whole checked `Spec` (all readings together)."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

from .groups import Group, tables
from .nodes import DefRef, Expr, InputRef, Lit, OutcomeRef, ParamRef
from .types import NOWHERE, Pos, Type, Value

__all__ = ["EnumDecl", "CountryInfo", "Reading", "InputDecl", "ParamDecl", "DefDecl", "OutcomeDecl", "Condition", "Conclusion", "SOURCE_KINDS", "Source", "Rule", "PropertyDecl", "ExampleDecl", "InForce", "Notice", "Spec"]

@dataclass(frozen=True)
class EnumDecl:
    name: str
    members: tuple[str, ...]
    doc: str = ""
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class CountryInfo:
    code: str
    name: str


@dataclass(frozen=True)
class Reading:
    name: str
    doc: str
    is_default: bool
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class InputDecl:
    path: str
    type: Type
    default: Expr          # a Lit, or an InputRef to another input ("= destination")
    doc: str = ""
    minimum: Fraction | None = None  # numeric inputs: lower bound (inclusive)
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class ParamDecl:
    name: str
    type: Type
    default: Lit
    by_reading: dict[str, Lit] = field(default_factory=dict)
    minimum: Fraction | None = None
    doc: str = ""
    cite: str = ""
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class DefDecl:
    name: str
    type: Type
    body: Expr
    by_reading: dict[str, Expr] = field(default_factory=dict)
    doc: str = ""
    cite: str = ""
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class OutcomeDecl:
    name: str
    type: Type
    default: Lit           # for SetOf: the empty set
    doc: str = ""
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Condition:
    """One conjunct of a rule's `when`, with the label a lawyer reads when it fails."""
    expr: Expr
    label: str = ""
    pos: Pos = NOWHERE
    unless: bool = False   # written `unless E "label"`: the label names E, which must not hold


@dataclass(frozen=True)
class Conclusion:
    """`outcome = value`, or for a set outcome `outcome += element` / `outcome -= element`.

    A set outcome is decided element by element: `slot` is the element, `value` True/False.
    For a scalar outcome `slot` is None and `value` is the outcome's value.
    """
    outcome: str
    slot: str | None
    value: Value
    pos: Pos = NOWHERE

    def __str__(self) -> str:
        if self.slot is not None:
            return f"{self.outcome} {'+=' if self.value else '-='} {self.slot!r}"
        return f"{self.outcome} = {self.value!r}"


SOURCE_KINDS = ("verbatim", "secondary", "assumption")   # from the most to the least authoritative


@dataclass(frozen=True)
class Source:
    """Where a provision's text comes from: `verbatim` regulation text (`name` gives the version),
    a `secondary` description (`name` names it), or an `assumption` of the transcriber."""
    kind: str
    name: str = ""

    def __str__(self) -> str:
        return f"{self.kind} ({self.name})" if self.name else self.kind


@dataclass(frozen=True)
class Rule:
    """A provision. It fires when all its conditions hold and no rule that overrides it fires.

    `overrides` names the rules this one defeats (exceptions, "notwithstanding"). A slot's value is
    the value concluded by the rules that fire for it; none firing leaves the outcome's default;
    two firing rules concluding different values for one slot are a conflict.
    `readings`: the readings the rule exists under (empty = all readings).
    """
    name: str
    title: str
    cite: str
    conditions: tuple[Condition, ...]
    conclusions: tuple[Conclusion, ...]
    overrides: tuple[str, ...] = ()
    readings: frozenset[str] = frozenset()
    quote: str = ""
    intended: tuple[str, ...] = ()  # analysis findings the spec documents as intended, e.g. "shadowed"
    pos: Pos = NOWHERE
    sources: tuple[Source, ...] = ()  # where the transcribed text comes from (empty = not stated)


@dataclass(frozen=True)
class PropertyDecl:
    """`always body`, over all transactions and free parameters; expected result per reading."""
    name: str
    title: str
    cite: str
    body: Expr
    expect: str                                   # "holds" or "fails": the default expectation
    expect_by_reading: dict[str, str] = field(default_factory=dict)
    doc: str = ""
    pos: Pos = NOWHERE
    readings: frozenset[str] = frozenset()         # the readings it is checked under (empty = all)

    def exists_under(self, reading: str) -> bool:
        return not self.readings or reading in self.readings


@dataclass(frozen=True)
class ExampleDecl:
    """A golden determination. `given` maps input paths to values (absent = default)."""
    name: str
    title: str
    cite: str
    given: dict[str, Value]
    expect: dict[str, Value]                      # outcome name -> expected value
    reading: str | None = None                   # None = the default reading
    params: dict[str, Value] = field(default_factory=dict)
    doc: str = ""
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class InForce:
    """The first date on which the spec applies (`since`, inclusive), per reading; before it an
    answer says the spec was not in force instead of applying it, and proofs range over dates
    from it on."""
    since: datetime.date
    by_reading: dict[str, datetime.date] = field(default_factory=dict)
    doc: str = ""
    cite: str = ""
    pos: Pos = NOWHERE

    def start(self, reading: str) -> datetime.date:
        return self.by_reading.get(reading, self.since)


@dataclass(frozen=True)
class Notice:
    """A text (`doc`) shown with every determination on which `condition` holds."""
    name: str
    title: str
    doc: str
    condition: Expr
    pos: Pos = NOWHERE


@dataclass
class Spec:
    """The whole checked spec, all readings together."""
    enums: dict[str, EnumDecl]
    countries: dict[str, CountryInfo]
    groups: dict[str, Group]
    readings: dict[str, Reading]
    inputs: dict[str, InputDecl]
    params: dict[str, ParamDecl]
    defs: dict[str, DefDecl]
    outcomes: dict[str, OutcomeDecl]
    rules: dict[str, Rule]
    properties: dict[str, PropertyDecl]
    examples: dict[str, ExampleDecl]
    files: tuple[str, ...] = ()
    in_force: InForce | None = None
    notices: dict[str, Notice] = field(default_factory=dict)

    @property
    def default_reading(self) -> str:
        return next(r.name for r in self.readings.values() if r.is_default)

    @cached_property
    def group_tables(self) -> dict:
        """Each group's membership over time (see groups.py), computed once."""
        return tables(self.groups)

    # references typed from their declarations, for expressions built outside the front end
    def input_ref(self, path: str) -> InputRef:
        return InputRef(path, self.inputs[path].type)

    def param_ref(self, name: str) -> ParamRef:
        return ParamRef(name, self.params[name].type)

    def def_ref(self, name: str) -> DefRef:
        return DefRef(name, self.defs[name].type)

    def outcome_ref(self, name: str) -> OutcomeRef:
        return OutcomeRef(name, self.outcomes[name].type)
