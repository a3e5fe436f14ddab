"""The syntax tree of an earl file: plain dataclasses, one per construct, each with its position.

The parser (parse.py) builds these from lark's parse tree; the checker (check.py) reads them and
the lowering (lower.py) turns them into the typed IR (earl.ir). Every node carries `pos`,
the (file, line, column) where it starts, so that every diagnostic can point at the source.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Optional, Union

from ..ir import Pos


@dataclass
class Node:
    pos: Pos


# --------------------------------------------------------------------------- shared pieces

@dataclass
class Ident(Node):
    """A name as written (a declaration's name, a reading or rule named in a clause, a path)."""
    name: str


@dataclass
class Text(Node):
    """A string (adjacent strings already concatenated, escapes resolved)."""
    value: str


@dataclass
class MetaClause(Node):
    kind: str  # "cite", "quote" or "doc"
    text: str


@dataclass
class TypeRef(Node):
    """`bool`, `number`, `integer`, `date`, `country`, `Name`, `Name?` or `set of Name`."""
    name: str
    optional: bool = False
    is_set: bool = False

    def __str__(self) -> str:
        if self.is_set:
            return f"set of {self.name}"
        return self.name + ("?" if self.optional else "")


# --------------------------------------------------------------------------- expressions

@dataclass
class NumberLit(Node):
    value: Fraction
    text: str = ""


@dataclass
class DateLit(Node):
    value: datetime.date


@dataclass
class BoolLit(Node):
    value: bool


@dataclass
class StringLit(Node):
    value: str


@dataclass
class NoneLit(Node):
    pass


@dataclass
class SetLit(Node):
    items: list["Expr"]


@dataclass
class Name(Node):
    """A reference: `item.tpp` (an input), `lpp_ceiling` (input, param, def, outcome or group)."""
    path: str


@dataclass
class IfThenElse(Node):
    cond: "Expr"
    then: "Expr"
    orelse: "Expr"


@dataclass
class ImpliesExpr(Node):
    premise: "Expr"
    conclusion: "Expr"


@dataclass
class BoolOp(Node):
    op: str  # "and" or "or"
    left: "Expr"
    right: "Expr"


@dataclass
class NotExpr(Node):
    arg: "Expr"


@dataclass
class Compare(Node):
    op: str  # one of ==, !=, <, <=, >, >=
    left: "Expr"
    right: "Expr"
    op_pos: Optional[Pos] = None


@dataclass
class Membership(Node):
    element: "Expr"
    collection: "Expr"
    negated: bool = False  # `not in`


@dataclass
class ArithExpr(Node):
    op: str  # "+", "-", "*"
    left: "Expr"
    right: "Expr"
    op_pos: Optional[Pos] = None


@dataclass
class MinMaxExpr(Node):
    op: str  # "min" or "max"
    args: list["Expr"]


@dataclass
class RuleTest(Node):
    """`applies(RULE)`: all of the rule's conditions hold; `fires(RULE)`: it applies and no rule
    that overrides it fires."""
    test: str  # "applies" or "fires"
    rule: Ident


Literal = Union[NumberLit, DateLit, BoolLit, StringLit, NoneLit, SetLit]
Expr = Union[NumberLit, DateLit, BoolLit, StringLit, NoneLit, SetLit, Name, IfThenElse,
             ImpliesExpr, BoolOp, NotExpr, Compare, Membership, ArithExpr, MinMaxExpr, RuleTest]
LITERAL_TYPES = (NumberLit, DateLit, BoolLit, StringLit, NoneLit, SetLit)


# --------------------------------------------------------------------------- declarations

@dataclass
class Decl(Node):
    name: Ident
    metas: list[MetaClause] = field(default_factory=list)

    def meta(self, kind: str) -> str:
        return "".join(m.text for m in self.metas if m.kind == kind)

    kind = "declaration"


@dataclass
class ReadingDecl(Decl):
    is_default: bool = False
    kind = "reading"


@dataclass
class EnumDecl(Decl):
    title: Optional[Text] = None
    members: list[Text] = field(default_factory=list)
    kind = "enum"


@dataclass
class ExtraCountry(Node):
    code: str
    name: str


@dataclass
class CountriesDecl(Decl):
    """`countries SOURCE plus { "CODE" "Name" ... }`; `name` is the source (e.g. iso3166)."""
    extras: list[ExtraCountry] = field(default_factory=list)
    kind = "countries"


@dataclass
class MemberEntry(Node):
    code: str
    since: Optional[datetime.date] = None
    until: Optional[datetime.date] = None
    since_pos: Optional[Pos] = None
    until_pos: Optional[Pos] = None


@dataclass
class GroupRef(Node):
    name: str


@dataclass
class GroupUnionExpr(Node):
    left: "GroupExprAst"
    right: "GroupExprAst"


@dataclass
class GroupDiffExpr(Node):
    left: "GroupExprAst"
    right: "GroupExprAst"


GroupExprAst = Union[GroupRef, GroupUnionExpr, GroupDiffExpr]


@dataclass
class GroupDecl(Decl):
    title: Optional[Text] = None
    members: Optional[list[MemberEntry]] = None     # a listed group
    definition: Optional[GroupExprAst] = None       # a defined group
    kind = "group"


@dataclass
class InputDecl(Decl):
    """`name.name` is the input's dotted path."""
    type: Optional[TypeRef] = None
    default: Optional[Expr] = None
    minimum: Optional[NumberLit] = None
    kind = "input"


@dataclass
class UnderClause(Node):
    reading: Ident
    value: Expr


@dataclass
class ParamDecl(Decl):
    type: Optional[TypeRef] = None
    default: Optional[Expr] = None
    minimum: Optional[NumberLit] = None
    unders: list[UnderClause] = field(default_factory=list)
    kind = "param"


@dataclass
class DefDecl(Decl):
    type: Optional[TypeRef] = None
    body: Optional[Expr] = None
    unders: list[UnderClause] = field(default_factory=list)
    kind = "def"


@dataclass
class OutcomeDecl(Decl):
    type: Optional[TypeRef] = None
    default: Optional[Expr] = None
    kind = "outcome"


@dataclass
class ConditionAst(Node):
    expr: Expr
    label: Optional[str] = None
    negated: bool = False  # an `unless`


@dataclass
class ConclusionAst(Node):
    target: Ident
    op: str  # "=", "+=", "-="
    value: Expr


@dataclass
class SourceClause(Node):
    """`source verbatim "15 CFR as of 2025-01-16"` / `source secondary "Wiley"`: where the
    provision's text comes from."""
    kind: str  # "verbatim", "secondary" or "assumption"
    name: Text


@dataclass
class RuleDecl(Decl):
    title: Optional[Text] = None
    overrides: list[Ident] = field(default_factory=list)
    only_under: list[Ident] = field(default_factory=list)
    except_under: list[Ident] = field(default_factory=list)
    intended: list[Text] = field(default_factory=list)
    sources: list[SourceClause] = field(default_factory=list)
    when_kind: str = "none"  # "none", "single", "labelled", "unless"
    conditions: list[ConditionAst] = field(default_factory=list)
    conclusions: list[ConclusionAst] = field(default_factory=list)
    kind = "rule"


@dataclass
class Expectation(Node):
    result: str  # "holds" or "fails"
    readings: list[Ident] = field(default_factory=list)


@dataclass
class PropertyDecl(Decl):
    title: Optional[Text] = None
    expects: list[Expectation] = field(default_factory=list)
    only_under: list[Ident] = field(default_factory=list)
    except_under: list[Ident] = field(default_factory=list)
    body: Optional[Expr] = None
    kind = "property"


@dataclass
class Binding(Node):
    target: Ident
    value: Expr


@dataclass
class ExampleDecl(Decl):
    title: Optional[Text] = None
    given: list[Binding] = field(default_factory=list)
    expect: list[Binding] = field(default_factory=list)
    under: list[Ident] = field(default_factory=list)
    params: list[Binding] = field(default_factory=list)
    kind = "example"


@dataclass
class InForceUnder(Node):
    reading: Ident
    since: datetime.date


@dataclass
class InForceDecl(Decl):
    """`in_force from DATE [under READING from DATE]*`: the first date the spec applies."""
    since: Optional[datetime.date] = None
    unders: list[InForceUnder] = field(default_factory=list)
    kind = "in_force"


@dataclass
class NoticeDecl(Decl):
    """`notice NAME "title" doc "..." when EXPR`: a text shown with every answer where EXPR holds."""
    title: Optional[Text] = None
    condition: Optional[Expr] = None
    kind = "notice"


@dataclass
class File(Node):
    path: str
    decls: list[Decl] = field(default_factory=list)
