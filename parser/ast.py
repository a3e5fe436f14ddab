"""The syntax tree of earl expressions (declarations and their clauses: decls.py): one class per
grammar rule, each node with its position.

lark's `ast_utils.create_transformer` builds these straight from the parse tree (parse.py): a
class stands for the rule or alias of earl.lark with the same name in snake_case (`IfThenElse` for
`if_then_else`), and receives the rule's children in order (`AsList`: as one list). Every class
is `WithMeta`: the parser hands it its `pos` (file, line, column where it starts) first, so that
every diagnostic can point at the source. Subclasses name the variants of one construct
(`Conjunction` and `Disjunction` are `BoolOp`s). The checker (check/) reads these and the lowering
(lower.py) turns them into the typed IR (earl.ir).
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import ClassVar, Optional, Union

from lark import Token
from lark.ast_utils import AsList, Ast, WithMeta

from ..ir import Pos
from ..ir.limits import NumberBeyondLimits, NumberError, read_number


class BadLiteral(Exception):
    """A literal the grammar accepts but the language does not (2025-13-45, 1__0, two 'from')."""

    def __init__(self, pos: Pos, message: str, length: int = 1, hint: str = ""):
        super().__init__(message)
        self.pos, self.message, self.length, self.hint = pos, message, length, hint


def unescape(token_text: str) -> str:
    """The value of a STRING token: strip quotes, resolve `\\"` and `\\\\` (other escapes kept)."""
    body = token_text[1:-1]
    return re.sub(r'\\(.)', lambda m: m.group(1) if m.group(1) in '"\\' else m.group(0), body)


def token_pos(file: str, tok: Token) -> Pos:
    return Pos(file, tok.line or 0, tok.column or 0)


def read_date(file: str, tok: Token) -> tuple[datetime.date, Pos]:
    pos = token_pos(file, tok)
    try:
        return datetime.date.fromisoformat(str(tok)), pos
    except ValueError:
        raise BadLiteral(pos, f"'{tok}' is not a valid date", len(tok)) from None


@dataclass
class Node(Ast, WithMeta):
    pos: Pos


# --------------------------------------------------------------------------- shared pieces

@dataclass
class Ident(Node):
    """A name as written (a declaration's name, a reading or rule named in a clause, a path)."""
    name: str

    @classmethod
    def of(cls, file: str, tok: Token) -> "Ident":
        return cls(token_pos(file, tok), str(tok))


class Path(Ident, AsList):
    """`item.tpp`: names joined by dots."""

    def __init__(self, pos: Pos, tokens: list):
        super().__init__(pos, ".".join(str(t) for t in tokens))


@dataclass
class Text(Node, AsList):
    """A string (adjacent strings already concatenated, escapes resolved)."""
    value: str

    def __init__(self, pos: Pos, tokens: list):
        self.pos, self.value = pos, "".join(unescape(str(t)) for t in tokens)


class Title(Text):
    """The title string of a declaration."""

    def __init__(self, pos: Pos, text: list):
        self.pos, self.value = pos, text[0].value


@dataclass
class MetaClause(Node):
    text: str
    kind: ClassVar[str]  # "cite", "quote" or "doc"

    def __init__(self, pos: Pos, text: Text):
        self.pos, self.text = pos, text.value


class Cite(MetaClause):
    kind = "cite"


class Quote(MetaClause):
    kind = "quote"


class Doc(MetaClause):
    kind = "doc"


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


class Type(TypeRef):
    def __init__(self, pos: Pos, name: Token, optional: Optional[Token] = None):
        super().__init__(pos, str(name), optional=optional is not None)


class SetType(TypeRef):
    def __init__(self, pos: Pos, name: Token):
        super().__init__(pos, str(name), is_set=True)


# --------------------------------------------------------------------------- expressions

@dataclass
class NumberLit(Node):
    value: Fraction
    text: str = ""
    SIGN: ClassVar[int] = 1

    def __init__(self, pos: Pos, tok: Token):
        at = token_pos(pos.file, tok)
        try:
            value = read_number(str(tok))
        except NumberBeyondLimits as e:
            raise BadLiteral(at, str(e), min(len(tok), 80)) from None
        except NumberError:
            raise BadLiteral(at, f"malformed number '{tok}'", len(tok),
                             "underscores go between digits, e.g. 1_000_000") from None
        self.pos, self.value, self.text = pos, self.SIGN * value, ("-" if self.SIGN < 0 else "") + str(tok)


class NegativeNumberLit(NumberLit):
    SIGN = -1


@dataclass
class DateLit(Node):
    value: datetime.date

    def __init__(self, pos: Pos, tok: Token):
        self.value, self.pos = read_date(pos.file, tok)


@dataclass
class BoolLit(Node):
    value: bool


class TrueLit(BoolLit):
    def __init__(self, pos: Pos):
        super().__init__(pos, True)


class FalseLit(BoolLit):
    def __init__(self, pos: Pos):
        super().__init__(pos, False)


@dataclass
class StringLit(Node):
    value: str

    def __init__(self, pos: Pos, tok: Token):
        self.pos, self.value = pos, unescape(str(tok))


@dataclass
class NoneLit(Node):
    pass


@dataclass
class SetLit(Node, AsList):
    items: list["Expr"]

    def __init__(self, pos: Pos, items: list):
        self.pos, self.items = pos, [i for i in items if i is not None]


@dataclass
class Name(Node):
    """A reference: `item.tpp` (an input), `lpp_ceiling` (input, param, def, outcome or group)."""
    path: str

    def __init__(self, pos: Pos, path: Ident):
        self.pos, self.path = pos, path.name


@dataclass
class IfThenElse(Node):
    cond: "Expr"
    then: "Expr"
    orelse: "Expr"


@dataclass
class Implies(Node):
    premise: "Expr"
    conclusion: "Expr"


@dataclass
class BoolOp(Node):
    left: "Expr"
    right: "Expr"
    op: ClassVar[str]  # "and" or "or"


class Conjunction(BoolOp):
    op = "and"


class Disjunction(BoolOp):
    op = "or"


@dataclass
class Negation(Node):
    arg: "Expr"


@dataclass
class BinaryOp(Node):
    """An operator written between its operands; `op_pos` is where the operator stands."""
    left: "Expr"
    op: str
    right: "Expr"
    op_pos: Pos = field(init=False)

    def __post_init__(self) -> None:
        self.op_pos = token_pos(self.pos.file, self.op) if isinstance(self.op, Token) else self.pos
        self.op = str(self.op)


class Compare(BinaryOp):
    """`==`, `!=`, `<`, `<=`, `>`, `>=`."""


class ArithExpr(BinaryOp):
    """`+`, `-`, `*`."""


@dataclass
class Membership(Node):
    element: "Expr"
    collection: "Expr"
    negated: ClassVar[bool] = False


class NonMembership(Membership):
    """`not in`"""
    negated = True


@dataclass
class MinMaxExpr(Node, AsList):
    op: str  # "min" or "max"
    args: list["Expr"]

    def __init__(self, pos: Pos, children: list):
        self.pos, self.op, self.args = pos, str(children[0]), children[1:]


@dataclass
class RuleTest(Node):
    """`applies(RULE)`: all of the rule's conditions hold; `fires(RULE)`: it applies and no rule
    that overrides it fires."""
    test: str  # "applies" or "fires"
    rule: Ident

    def __init__(self, pos: Pos, test: Token, rule: Token):
        self.pos, self.test, self.rule = pos, str(test), Ident.of(pos.file, rule)


Literal = Union[NumberLit, DateLit, BoolLit, StringLit, NoneLit, SetLit]
Expr = Union[NumberLit, DateLit, BoolLit, StringLit, NoneLit, SetLit, Name, IfThenElse,
             Implies, BoolOp, Negation, Compare, Membership, ArithExpr, MinMaxExpr, RuleTest]
LITERAL_TYPES = (NumberLit, DateLit, BoolLit, StringLit, NoneLit, SetLit)
