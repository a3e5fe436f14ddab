"""The typed intermediate representation every engine works on.

The checker (parser/) lowers the AST to a `Spec`; `resolve(spec, reading)` then yields a
`Model`, the spec as one reading sees it: each definition has one body, each parameter one
default, and only the rules of that reading remain. The reference evaluator, the z3 backend
and the clingo backend all take a `Model`; none of them knows what the names mean.

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
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Union


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


# --------------------------------------------------------------------------- expressions

@dataclass(frozen=True)
class Lit:
    value: Value
    type: Type


@dataclass(frozen=True)
class InputRef:
    path: str  # e.g. "item.tpp"


@dataclass(frozen=True)
class ParamRef:
    name: str


@dataclass(frozen=True)
class DefRef:
    name: str


@dataclass(frozen=True)
class OutcomeRef:
    """The decided value of an outcome (after defeasible resolution)."""
    name: str


@dataclass(frozen=True)
class Not:
    arg: Expr


@dataclass(frozen=True)
class And:
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Implies:
    premise: Expr
    conclusion: Expr


@dataclass(frozen=True)
class Ite:
    cond: Expr
    then: Expr
    orelse: Expr


CMP_OPS = ("==", "!=", "<", "<=", ">", ">=")


@dataclass(frozen=True)
class Cmp:
    """Comparison. `<`..`>=` on Num and Date only; `==`/`!=` on any type (sets compare as sets)."""
    op: str
    left: Expr
    right: Expr


ARITH_OPS = ("+", "-", "*")


@dataclass(frozen=True)
class Arith:
    op: str  # "+", "-", "*"
    left: Expr
    right: Expr


@dataclass(frozen=True)
class MinMax:
    op: str  # "min" or "max"
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class InGroup:
    """Membership of a country in a named country group, as the group stood on `date`."""
    country: Expr
    group: str
    date: Expr


@dataclass(frozen=True)
class InSet:
    """`element in collection`: a literal set (Lit of frozenset) or a set-valued outcome."""
    element: Expr
    collection: Expr


@dataclass(frozen=True)
class RuleApplies:
    """All of the rule's conditions hold (whether or not an overriding rule defeats it)."""
    rule: str


@dataclass(frozen=True)
class RuleFires:
    """The rule applies and no rule that overrides it fires. Analyses and queries use this."""
    rule: str


Expr = Union[Lit, InputRef, ParamRef, DefRef, OutcomeRef, Not, And, Or, Implies, Ite, Cmp,
             Arith, MinMax, InGroup, InSet, RuleApplies, RuleFires]


# --------------------------------------------------------------------------- declarations

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
class Membership:
    """A country's membership of a group: `since` inclusive, `until` exclusive; None = open."""
    country: str
    since: datetime.date | None = None
    until: datetime.date | None = None
    note: str = ""

    def holds_on(self, day: datetime.date) -> bool:
        return (self.since is None or self.since <= day) and (self.until is None or day < self.until)


@dataclass(frozen=True)
class GroupUnion:
    groups: tuple[GroupExpr, ...]


@dataclass(frozen=True)
class GroupDiff:
    base: GroupExpr
    minus: GroupExpr


@dataclass(frozen=True)
class GroupName:
    name: str


GroupExpr = Union[GroupUnion, GroupDiff, GroupName]


@dataclass(frozen=True)
class Group:
    """A country group: either listed members (`members`) or defined from others (`definition`)."""
    name: str
    title: str
    cite: str
    members: tuple[Membership, ...] = ()
    definition: GroupExpr | None = None
    doc: str = ""
    pos: Pos = NOWHERE


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


@dataclass
class Model:
    """A spec under one reading: what the engines evaluate and compile.

    `params` holds each parameter's value under the reading, or the value a query fixed.
    `free_params` are the parameters a proof quantifies over (all those not fixed by the query).
    Definitions, outcomes and rules are in dependency order.
    """
    spec: Spec
    reading: str
    defs: dict[str, Expr]
    params: dict[str, Value]
    free_params: frozenset[str]
    rules: dict[str, Rule]

    @property
    def inputs(self) -> dict[str, InputDecl]:
        return self.spec.inputs

    @property
    def outcomes(self) -> dict[str, OutcomeDecl]:
        return self.spec.outcomes

    @property
    def groups(self) -> dict[str, Group]:
        return self.spec.groups

    @property
    def in_force_from(self) -> datetime.date | None:
        """The first date the spec applies under this reading (None = every date)."""
        return self.spec.in_force.start(self.reading) if self.spec.in_force else None

    def input_minimum(self, path: str) -> Value:
        """The lowest value the proof layer lets an input take: its `min`, and for the input
        `date` the first day the spec is in force (dates before it are outside every proof)."""
        if path == "date" and self.in_force_from is not None:
            return self.in_force_from
        return self.spec.inputs[path].minimum

    def in_force_on(self, day: datetime.date) -> bool:
        start = self.in_force_from
        return start is None or day >= start

    def overriders(self, rule: str) -> tuple[str, ...]:
        """The rules (present under this reading) that defeat `rule`."""
        return tuple(r.name for r in self.rules.values() if rule in r.overrides)


def resolve(spec: Spec, reading: str | None = None, fixed_params: dict[str, Value] | None = None) -> Model:
    """The spec as `reading` sees it; `fixed_params` pins parameters (queries, `--param`)."""
    reading = reading or spec.default_reading
    if reading not in spec.readings:
        raise KeyError(reading)
    fixed_params = dict(fixed_params or {})
    params = {
        name: fixed_params.get(name, p.by_reading.get(reading, p.default).value)
        for name, p in spec.params.items()
    }
    defs = {name: d.by_reading.get(reading, d.body) for name, d in spec.defs.items()}
    rules = {name: r for name, r in spec.rules.items() if not r.readings or reading in r.readings}
    return Model(spec=spec, reading=reading, defs=defs, params=params,
                 free_params=frozenset(spec.params) - frozenset(fixed_params), rules=rules)
