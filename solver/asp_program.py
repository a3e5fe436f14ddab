"""A small typed layer for logic programs: terms, atoms, rules, choices, optimisation.

The clingo backend (asp.py) builds its program only from these objects; `render` (below) is the
one place where text is produced. Integer terms are checked at construction to be small
non-negative ids (`Int`): the program never carries a quantity of the spec (those are decided
outside clingo; see numeric.py), so clingo's 32-bit integers can never overflow.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Union

#: Upper bound (exclusive) on every integer that may appear in a program: ids, indexes, weights.
SMALL = 1 << 20


@dataclass(frozen=True)
class Int:
    """A small non-negative integer: an id, an index, a truth value or a weight."""
    value: int

    def __post_init__(self):
        if isinstance(self.value, bool) or not isinstance(self.value, int) \
                or not 0 <= self.value < SMALL:
            raise ValueError(f"not a small id: {self.value!r} (quantities never enter the program)")


@dataclass(frozen=True)
class Var:
    name: str   # a logic variable, capitalised


@dataclass(frozen=True)
class Succ:
    """`X+1` (to step through a rule's conditions)."""
    var: Var


Term = Union[Int, Var, Succ]


def term(x: "int | Term") -> Term:
    return Int(x) if isinstance(x, int) else x


@dataclass(frozen=True)
class Atom:
    pred: str
    args: tuple[Term, ...] = ()

    @staticmethod
    def of(pred: str, *args: "int | Term") -> "Atom":
        return Atom(pred, tuple(term(a) for a in args))


@dataclass(frozen=True)
class Neg:
    """Default negation of an atom."""
    atom: Atom


@dataclass(frozen=True)
class Compare:
    left: Term
    op: str          # "<" or "!="
    right: Term


Literal = Union[Atom, Neg, Compare]


@dataclass(frozen=True)
class Rule:
    """`head :- body.`; a fact when the body is empty, an integrity constraint when head is None."""
    head: Atom | None
    body: tuple[Literal, ...] = ()


@dataclass(frozen=True)
class Choice:
    """`lower { elem : cond ; ... } upper :- body.` with one element pattern."""
    lower: int
    upper: int
    element: Atom
    condition: tuple[Literal, ...]
    body: tuple[Literal, ...] = ()


@dataclass(frozen=True)
class Minimize:
    """`#minimize { weight@priority,tuple : body }.`"""
    weight: Term
    priority: int
    tuple_: tuple[Term, ...]
    body: tuple[Literal, ...]


@dataclass(frozen=True)
class Show:
    pred: str
    arity: int


@dataclass(frozen=True)
class Facts:
    """Many facts of one predicate, e.g. a batch's inputs: rows of small ids (checked here)."""
    pred: str
    rows: tuple[tuple[int, ...], ...]

    def __post_init__(self):
        for row in self.rows:
            for x in row:
                if type(x) is not int or not 0 <= x < SMALL:
                    raise ValueError(f"not a small id: {x!r} (quantities never enter the program)")


@dataclass(frozen=True)
class External:
    """`#external atom.`: an input atom whose truth value is assigned from outside (by the
    Control, or as a solve assumption) instead of being derived; false unless assigned."""
    atom: Atom


Statement = Union[Rule, Choice, Minimize, Show, Facts, External]


# --------------------------------------------------------------------------- rendering

def _term(t: Term) -> str:
    if isinstance(t, Int):
        return str(t.value)
    if isinstance(t, Var):
        return t.name
    return f"{t.var.name}+1"


def _atom(a: Atom) -> str:
    if not a.args:
        return a.pred
    return f"{a.pred}({','.join(_term(t) for t in a.args)})"


def _literal(lit: Literal) -> str:
    if isinstance(lit, Atom):
        return _atom(lit)
    if isinstance(lit, Neg):
        return "not " + _atom(lit.atom)
    return f"{_term(lit.left)}{lit.op}{_term(lit.right)}"


def _body(body: Iterable[Literal]) -> str:
    return ",".join(_literal(b) for b in body)


def render(stmt: Statement) -> str:
    """The one place a program becomes text."""
    if isinstance(stmt, Rule):
        if stmt.head is None:
            return f":-{_body(stmt.body)}."
        if not stmt.body:
            return _atom(stmt.head) + "."
        return f"{_atom(stmt.head)}:-{_body(stmt.body)}."
    if isinstance(stmt, Choice):
        cond = (":" + _body(stmt.condition)) if stmt.condition else ""
        head = f"{stmt.lower}{{{_atom(stmt.element)}{cond}}}{stmt.upper}"
        return f"{head}:-{_body(stmt.body)}." if stmt.body else head + "."
    if isinstance(stmt, Minimize):
        tup = ",".join(_term(t) for t in stmt.tuple_)
        return (f"#minimize{{{_term(stmt.weight)}@{stmt.priority}"
                f"{',' + tup if tup else ''}:{_body(stmt.body)}}}.")
    if isinstance(stmt, Show):
        return f"#show {stmt.pred}/{stmt.arity}."
    if isinstance(stmt, External):
        return f"#external {_atom(stmt.atom)}."
    if isinstance(stmt, Facts):
        p = stmt.pred
        return "\n".join(f"{p}({','.join(map(str, row))})." for row in stmt.rows)
    raise TypeError(f"not a statement: {stmt!r}")


def render_program(statements: Iterable[Statement]) -> str:
    return "\n".join(render(s) for s in statements) + "\n"


def fact(pred: str, *args: int) -> Rule:
    return Rule(Atom.of(pred, *args))
