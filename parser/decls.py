"""The syntax tree of declarations and their clauses (the expressions are in ast.py): like those,
one class per grammar rule, built by lark's ast_utils, each with its position."""
from __future__ import annotations

import datetime
from dataclasses import MISSING, dataclass, field, fields
from typing import ClassVar, Optional, Union

from lark import Token
from lark.ast_utils import AsList

from ..ir import Pos
from .ast import (BadLiteral, Expr, Ident, MetaClause, Node, NumberLit, Text, Title, TypeRef, read_date,
                  unescape)


# --------------------------------------------------------------------------- clauses

class NameList(Node, AsList):
    """`overrides a, b` / `only under R1, R2` / `except under R1, R2`."""

    def __init__(self, pos: Pos, tokens: list):
        self.pos, self.names = pos, [Ident.of(pos.file, t) for t in tokens if t is not None]


class Overrides(NameList):
    pass


class OnlyUnder(NameList):
    pass


class ExceptUnder(NameList):
    pass


@dataclass
class Intended(Node):
    text: Text


@dataclass
class Minimum(Node):
    number: NumberLit


@dataclass
class UnderClause(Node):
    reading: Ident
    value: Expr

    def __init__(self, pos: Pos, reading: Token, value: Expr):
        self.pos, self.reading, self.value = pos, Ident.of(pos.file, reading), value


class ParamUnder(UnderClause):
    pass


class DefUnder(UnderClause):
    pass


@dataclass
class SourceClause(Node):
    """`source verbatim "15 CFR as of 2025-01-16"` / `source secondary "Wiley"`: where the
    provision's text comes from."""
    kind: str  # "verbatim", "secondary" or "assumption"
    name: Text


class Source(SourceClause):
    def __init__(self, pos: Pos, kind: Token, name: Text):
        super().__init__(pos, str(kind), name)


@dataclass
class ConditionAst(Node):
    expr: Expr
    label: Optional[str] = None
    negated: bool = False  # an `unless`


class Condition(ConditionAst):
    def __init__(self, pos: Pos, expr: Expr, label: Text):
        super().__init__(expr.pos, expr, label.value)


class Unless(ConditionAst):
    def __init__(self, pos: Pos, expr: Expr, label: Optional[Text] = None):
        super().__init__(pos, expr, label.value if label is not None else None, negated=True)


class When(Node, AsList):
    """The conditions of a rule; `kind` says how they were written."""
    kind: ClassVar[str]

    def __init__(self, pos: Pos, conditions: list):
        self.pos, self.conditions = pos, conditions


class WhenSingle(When):
    """`when EXPR`: one unlabelled condition (the lowering splits its conjuncts)."""
    kind = "single"

    def __init__(self, pos: Pos, children: list):
        super().__init__(pos, [ConditionAst(children[0].pos, children[0])])


class WhenLabelled(When):
    kind = "labelled"


class WhenUnlessOnly(When):
    kind = "unless"


@dataclass
class ConclusionAst(Node):
    target: Ident
    value: Expr
    op: ClassVar[str]  # "=", "+=", "-="


class Assign(ConclusionAst):
    op = "="


class Add(ConclusionAst):
    op = "+="


class Remove(ConclusionAst):
    op = "-="


class Then(Node, AsList):
    def __init__(self, pos: Pos, conclusions: list):
        self.pos, self.conclusions = pos, conclusions


@dataclass
class Expectation(Node):
    result: str  # "holds" or "fails"
    readings: list[Ident] = field(default_factory=list)


class Expect(Expectation, AsList):
    def __init__(self, pos: Pos, children: list):
        super().__init__(pos, str(children[0]), [Ident.of(pos.file, t) for t in children[1:] if t is not None])


@dataclass
class Binding(Node):
    target: Ident
    value: Expr


class Bindings(Node, AsList):
    def __init__(self, pos: Pos, bindings: list):
        self.pos, self.bindings = pos, bindings


class Given(Bindings):
    pass


class ExpectValues(Bindings):
    pass


class WithParams(Bindings):
    pass


class ExampleUnder(Node):
    def __init__(self, pos: Pos, reading: Token):
        self.pos, self.reading = pos, Ident.of(pos.file, reading)


@dataclass
class InForceUnder(Node):
    reading: Ident
    since: datetime.date

    def __init__(self, pos: Pos, reading: Token, _from: Token, day: Token):
        self.pos, self.reading, self.since = pos, Ident.of(pos.file, reading), read_date(pos.file, day)[0]


# --------------------------------------------------------------------------- groups

@dataclass
class MemberEntry(Node, AsList):
    """A listed member of a group: `"FR" from 2025-05-13 until 2026-01-01`."""
    code: str
    since: Optional[datetime.date] = None
    until: Optional[datetime.date] = None
    since_pos: Optional[Pos] = None
    until_pos: Optional[Pos] = None

    def __init__(self, pos: Pos, children: list):
        self.pos, self.code = pos, unescape(str(children[0]))
        self.since = self.until = self.since_pos = self.until_pos = None
        for bound in children[1:]:
            if getattr(self, bound.which) is not None:
                raise BadLiteral(bound.day_pos, f"a member has at most one '{bound.keyword}' date")
            setattr(self, bound.which, bound.day)
            setattr(self, bound.which + "_pos", bound.day_pos)


class MemberDate(Node):
    def __init__(self, pos: Pos, keyword: Token, day: Token):
        self.pos, self.keyword = pos, str(keyword)
        self.which = "since" if self.keyword == "from" else "until"
        self.day, self.day_pos = read_date(pos.file, day)


@dataclass
class GroupName(Node):
    name: str

    def __init__(self, pos: Pos, name: Token):
        self.pos, self.name = pos, str(name)


@dataclass
class GroupUnion(Node):
    left: "GroupExprAst"
    right: "GroupExprAst"


@dataclass
class GroupDiff(Node):
    left: "GroupExprAst"
    right: "GroupExprAst"


GroupExprAst = Union[GroupName, GroupUnion, GroupDiff]


class GroupMembers(Node, AsList):
    def __init__(self, pos: Pos, members: list):
        self.pos, self.members = pos, [m for m in members if m is not None]


class GroupDefined(Node):
    def __init__(self, pos: Pos, definition: GroupExprAst):
        self.pos, self.definition = pos, definition


@dataclass
class ExtraCountry(Node):
    code: str
    name: str

    def __init__(self, pos: Pos, code: Token, name: Token):
        self.pos, self.code, self.name = pos, unescape(str(code)), unescape(str(name))


# --------------------------------------------------------------------------- declarations

@dataclass
class Decl(Node, AsList):
    """A declaration: its name, then the clauses a grammar rule lists in any order; each is
    gathered by its class into the field CLAUSES names (a list field collects every one)."""
    name: Ident
    metas: list[MetaClause] = field(default_factory=list)

    kind: ClassVar[str] = "declaration"
    CLAUSES: ClassVar[tuple[tuple[type, str], ...]] = ()

    def __init__(self, pos: Pos, children: list):
        self.pos = pos
        self.name = children[0] if isinstance(children[0], Ident) else Ident.of(pos.file, children[0])
        for f in fields(self):
            if f.name not in ("pos", "name"):
                setattr(self, f.name, f.default if f.default_factory is MISSING else f.default_factory())
        for child in children[1:]:
            self.take(child)

    def take(self, child) -> None:
        if child is None:
            return
        if isinstance(child, MetaClause):
            self.metas.append(child)
            return
        for cls, name in self.CLAUSES:
            if isinstance(child, cls):
                current = getattr(self, name)
                if isinstance(current, list):
                    current.extend(_clause_items(child))
                else:
                    setattr(self, name, _clause_value(child))
                return
        raise TypeError(f"{type(self).__name__} cannot hold {type(child).__name__}")

    def meta(self, kind: str) -> str:
        return "".join(m.text for m in self.metas if m.kind == kind)


def _clause_items(clause) -> list:
    """What a clause adds to a list field."""
    if isinstance(clause, NameList):
        return clause.names
    if isinstance(clause, Bindings):
        return clause.bindings
    if isinstance(clause, ExampleUnder):
        return [clause.reading]
    if isinstance(clause, Intended):
        return [clause.text]
    return [clause]


def _clause_value(clause):
    """What a clause sets a single field to."""
    if isinstance(clause, Token):  # a keyword flag, `default`
        return True
    if isinstance(clause, Minimum):
        return clause.number
    if isinstance(clause, GroupMembers):
        return clause.members
    if isinstance(clause, GroupDefined):
        return clause.definition
    return clause


@dataclass(init=False)  # built by Decl.__init__
class ReadingDecl(Decl):
    is_default: bool = False
    kind = "reading"
    CLAUSES = ((Token, "is_default"),)


@dataclass(init=False)  # built by Decl.__init__
class EnumDecl(Decl):
    title: Optional[Text] = None
    members: list[Text] = field(default_factory=list)
    kind = "enum"
    CLAUSES = ((Title, "title"), (Text, "members"))


@dataclass(init=False)  # built by Decl.__init__
class CountriesDecl(Decl):
    """`countries SOURCE plus { "CODE" "Name" ... }`; `name` is the source (e.g. iso3166)."""
    extras: list[ExtraCountry] = field(default_factory=list)
    kind = "countries"
    CLAUSES = ((ExtraCountry, "extras"),)


@dataclass(init=False)  # built by Decl.__init__
class GroupDecl(Decl):
    title: Optional[Text] = None
    members: Optional[list[MemberEntry]] = None     # a listed group
    definition: Optional[GroupExprAst] = None       # a defined group
    kind = "group"
    CLAUSES = ((Title, "title"), (GroupMembers, "members"), (GroupDefined, "definition"))


@dataclass(init=False)  # built by Decl.__init__
class InputDecl(Decl):
    """`name.name` is the input's dotted path."""
    type: Optional[TypeRef] = None
    default: Optional[Expr] = None
    minimum: Optional[NumberLit] = None
    kind = "input"
    CLAUSES = ((TypeRef, "type"), (Minimum, "minimum"), (Node, "default"))


@dataclass(init=False)  # built by Decl.__init__
class ParamDecl(Decl):
    type: Optional[TypeRef] = None
    default: Optional[Expr] = None
    minimum: Optional[NumberLit] = None
    unders: list[UnderClause] = field(default_factory=list)
    kind = "param"
    CLAUSES = ((TypeRef, "type"), (Minimum, "minimum"), (UnderClause, "unders"), (Node, "default"))


@dataclass(init=False)  # built by Decl.__init__
class DefDecl(Decl):
    type: Optional[TypeRef] = None
    body: Optional[Expr] = None
    unders: list[UnderClause] = field(default_factory=list)
    kind = "def"
    CLAUSES = ((TypeRef, "type"), (UnderClause, "unders"), (Node, "body"))


@dataclass(init=False)  # built by Decl.__init__
class OutcomeDecl(Decl):
    type: Optional[TypeRef] = None
    default: Optional[Expr] = None
    kind = "outcome"
    CLAUSES = ((TypeRef, "type"), (Node, "default"))


@dataclass(init=False)  # built by Decl.__init__
class RuleDecl(Decl):
    title: Optional[Text] = None
    overrides: list[Ident] = field(default_factory=list)
    only_under: list[Ident] = field(default_factory=list)
    except_under: list[Ident] = field(default_factory=list)
    intended: list[Text] = field(default_factory=list)
    sources: list[SourceClause] = field(default_factory=list)
    when: Optional[When] = None
    then: Optional[Then] = None
    kind = "rule"
    CLAUSES = ((Title, "title"), (Overrides, "overrides"), (OnlyUnder, "only_under"),
               (ExceptUnder, "except_under"), (Intended, "intended"), (SourceClause, "sources"),
               (When, "when"), (Then, "then"))

    @property
    def when_kind(self) -> str:
        """"none", "single", "labelled" or "unless"."""
        return self.when.kind if self.when is not None else "none"

    @property
    def conditions(self) -> list[ConditionAst]:
        return self.when.conditions if self.when is not None else []

    @property
    def conclusions(self) -> list[ConclusionAst]:
        return self.then.conclusions if self.then is not None else []


@dataclass(init=False)  # built by Decl.__init__
class PropertyDecl(Decl):
    title: Optional[Text] = None
    expects: list[Expectation] = field(default_factory=list)
    only_under: list[Ident] = field(default_factory=list)
    except_under: list[Ident] = field(default_factory=list)
    body: Optional[Expr] = None
    kind = "property"
    CLAUSES = ((Title, "title"), (Expectation, "expects"), (OnlyUnder, "only_under"),
               (ExceptUnder, "except_under"), (Node, "body"))


@dataclass(init=False)  # built by Decl.__init__
class ExampleDecl(Decl):
    title: Optional[Text] = None
    given: list[Binding] = field(default_factory=list)
    expect: list[Binding] = field(default_factory=list)
    under: list[Ident] = field(default_factory=list)
    params: list[Binding] = field(default_factory=list)
    kind = "example"
    CLAUSES = ((Title, "title"), (Given, "given"), (ExpectValues, "expect"), (ExampleUnder, "under"),
               (WithParams, "params"))


@dataclass(init=False)  # built by Decl.__init__
class InForceDecl(Decl):
    """`in_force from DATE [under READING from DATE]*`: the first date the spec applies."""
    since: Optional[datetime.date] = None
    unders: list[InForceUnder] = field(default_factory=list)
    kind = "in_force"
    CLAUSES = ((InForceUnder, "unders"),)

    def __init__(self, pos: Pos, children: list):
        super().__init__(pos, [Ident(pos, "in_force"), *children[2:]])
        self.since = read_date(pos.file, children[1])[0]


@dataclass(init=False)  # built by Decl.__init__
class NoticeDecl(Decl):
    """`notice NAME "title" doc "..." when EXPR`: a text shown with every answer where EXPR holds."""
    title: Optional[Text] = None
    condition: Optional[Expr] = None
    kind = "notice"
    CLAUSES = ((Title, "title"), (Node, "condition"))


@dataclass
class File(Node):
    path: str
    decls: list[Decl] = field(default_factory=list)
