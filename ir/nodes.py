"""Expressions of the IR: every node knows its children and its type.

The checker (parser/) types every expression and the lowering stores that type in the leaves
(`Lit`, the references); an inner node's type follows from its kind and its children, by the one
rule written here, so no engine infers types again.

>>> from fractions import Fraction
>>> e = And((Cmp(">=", InputRef("x", Num()), Lit(Fraction(3), Num())), Not(InputRef("b", Bool()))))
>>> e.type
Bool()
>>> [n.path for n in e.find_all(InputRef)]
['x', 'b']
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar, Iterator, Union

from .types import Bool, Num, Type, Value

__all__ = ["BOOL", "NUM", "Node", "Lit", "InputRef", "ParamRef", "DefRef", "OutcomeRef", "RuleApplies", "RuleFires", "Not", "And", "Or", "Implies", "Ite", "CMP_OPS", "Cmp", "ARITH_OPS", "Arith", "MinMax", "InGroup", "InSet", "Expr"]

BOOL = Bool()
NUM = Num()


@dataclass(frozen=True)
class Node:
    """The base of every expression: `children`, `walk` and `find_all` serve every pass."""

    # the fields holding sub-expressions (a tuple field holds several), in reading order
    CHILDREN: ClassVar[tuple[str, ...]] = ()

    def children(self) -> tuple[Expr, ...]:
        out: list[Expr] = []
        for name in self.CHILDREN:
            value = getattr(self, name)
            if isinstance(value, tuple):
                out.extend(value)
            else:
                out.append(value)
        return tuple(out)

    def walk(self) -> Iterator[Expr]:
        """This node and every node below it, depth first, in reading order."""
        stack: list[Expr] = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children()))

    def find_all(self, *kinds: type) -> Iterator[Expr]:
        return (n for n in self.walk() if isinstance(n, kinds))

    def replace_children(self, new: tuple[Expr, ...]) -> Expr:
        """The same node over `new` children (in `children()` order)."""
        if new == self.children():
            return self
        values: dict[str, object] = {}
        at = 0
        for name in self.CHILDREN:
            old = getattr(self, name)
            if isinstance(old, tuple):
                values[name] = tuple(new[at:at + len(old)])
                at += len(old)
            else:
                values[name] = new[at]
                at += 1
        kept = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in values}
        return type(self)(**kept, **values)


# --------------------------------------------------------------------------- leaves

@dataclass(frozen=True)
class Lit(Node):
    value: Value
    type: Type


@dataclass(frozen=True)
class InputRef(Node):
    path: str  # e.g. "item.tpp"
    type: Type


@dataclass(frozen=True)
class ParamRef(Node):
    name: str
    type: Type


@dataclass(frozen=True)
class DefRef(Node):
    name: str
    type: Type


@dataclass(frozen=True)
class OutcomeRef(Node):
    """The decided value of an outcome (after defeasible resolution)."""
    name: str
    type: Type


@dataclass(frozen=True)
class RuleApplies(Node):
    """All of the rule's conditions hold (whether or not an overriding rule defeats it)."""
    rule: str
    type = BOOL


@dataclass(frozen=True)
class RuleFires(Node):
    """The rule applies and no rule that overrides it fires."""
    rule: str
    type = BOOL


# --------------------------------------------------------------------------- inner nodes

@dataclass(frozen=True)
class Not(Node):
    arg: Expr
    CHILDREN = ("arg",)
    type = BOOL


@dataclass(frozen=True)
class And(Node):
    args: tuple[Expr, ...]
    CHILDREN = ("args",)
    type = BOOL


@dataclass(frozen=True)
class Or(Node):
    args: tuple[Expr, ...]
    CHILDREN = ("args",)
    type = BOOL


@dataclass(frozen=True)
class Implies(Node):
    premise: Expr
    conclusion: Expr
    CHILDREN = ("premise", "conclusion")
    type = BOOL


@dataclass(frozen=True)
class Ite(Node):
    cond: Expr
    then: Expr
    orelse: Expr
    CHILDREN = ("cond", "then", "orelse")

    @property
    def type(self) -> Type:
        # a literal branch took its type from the other one in the checker; the other is exact
        return self.orelse.type if isinstance(self.then, Lit) else self.then.type


CMP_OPS = ("==", "!=", "<", "<=", ">", ">=")


@dataclass(frozen=True)
class Cmp(Node):
    """Comparison. `<`..`>=` on Num and Date only; `==`/`!=` on any type (sets compare as sets)."""
    op: str
    left: Expr
    right: Expr
    CHILDREN = ("left", "right")
    type = BOOL


ARITH_OPS = ("+", "-", "*")


@dataclass(frozen=True)
class Arith(Node):
    op: str  # "+", "-", "*"
    left: Expr
    right: Expr
    CHILDREN = ("left", "right")
    type = NUM


@dataclass(frozen=True)
class MinMax(Node):
    op: str  # "min" or "max"
    args: tuple[Expr, ...]
    CHILDREN = ("args",)
    type = NUM


@dataclass(frozen=True)
class InGroup(Node):
    """Membership of a country in a named country group, as the group stood on `date`."""
    country: Expr
    group: str
    date: Expr
    CHILDREN = ("country", "date")
    type = BOOL


@dataclass(frozen=True)
class InSet(Node):
    """`element in collection`: a literal set (Lit of frozenset) or a set-valued outcome."""
    element: Expr
    collection: Expr
    CHILDREN = ("element", "collection")
    type = BOOL


Expr = Union[Lit, InputRef, ParamRef, DefRef, OutcomeRef, Not, And, Or, Implies, Ite, Cmp,
             Arith, MinMax, InGroup, InSet, RuleApplies, RuleFires]
