"""The clingo side's vocabulary, declared once: every predicate is a typed class, and programs are
built from instances of these classes and read back by type (in the manner of clorm).

A predicate is a frozen dataclass whose fields are its arguments in order; a field holds a small
non-negative integer when the atom is ground, or a logic variable (`Var`) in a rule.
`render` is the one place a program becomes text, and it refuses any integer outside
[0, SMALL): the programs carry ids, indexes, truth values and weights, never a quantity of the
spec (those are decided outside clingo, see numeric.py), so clingo's 32-bit integers cannot
overflow. An answer set is read back with `read`, which picks the class by name and arity and
takes each argument as a number.

>>> render(Rule(Inp(0, 1, 2)))
'inp(0,1,2).'
>>> render(Rule(Holds(T, 3), (Tx(T), Neg(Atom_(T, 0)))))
'h(T,3):-tx(T),not atom(T,0).'
>>> import clingo
>>> next(read([clingo.Function("inp", [clingo.Number(0), clingo.Number(4), clingo.Number(1)])], Inp))
Inp(t=0, var=4, value=1)
>>> render(Rule(Tx(10 ** 26)))
Traceback (most recent call last):
...
ValueError: not a small id: 100000000000000000000000000 (quantities never enter the program)
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar, Iterable, Iterator, Union

import clingo

#: Upper bound (exclusive) on every integer that may appear in a program: ids, indexes, weights.
SMALL = 1 << 20


@dataclass(frozen=True)
class Var:
    """A logic variable (capitalised)."""
    name: str


Term = Union[int, Var]

T, V, W, R, R2, S, I, N, E, C, K, J, G = (Var(x) for x in "T V W R R2 S I N E C K J G".split())
ANY = Var("_")


def small(x: int) -> int:
    """`x` if it is a small non-negative integer, else ValueError."""
    if type(x) is not int or not 0 <= x < SMALL:
        raise ValueError(f"not a small id: {x!r} (quantities never enter the program)")
    return x


# --------------------------------------------------------------------------- predicates

class Predicate:
    """The base of every predicate class: `name` is the predicate's name in the program,
    `arguments` its fields in order."""
    __slots__ = ()
    name: ClassVar[str]
    arguments: ClassVar[tuple[str, ...]]

    @classmethod
    def arity(cls) -> int:
        return len(cls.arguments)

    def args(self) -> tuple[Term, ...]:
        return tuple(getattr(self, f) for f in self.arguments)


def _predicate(name: str):
    """Declare a predicate: a frozen, slotted dataclass named `name` in the program."""
    def wrap(cls):
        cls = dataclass(frozen=True, slots=True)(cls)
        cls.name = name
        cls.arguments = tuple(f.name for f in fields(cls))
        return cls
    return wrap


# the determination rules (T: a transaction id; see compile.py)
@_predicate("tx")
class Tx(Predicate): t: Term
@_predicate("inp")
class Inp(Predicate): t: Term; var: Term; value: Term              # noqa: E702
@_predicate("atom")
class Atom_(Predicate): t: Term; atom: Term                        # noqa: E702
@_predicate("ceq")
class Ceq(Predicate): t: Term; pair: Term                          # noqa: E702
@_predicate("h")
class Holds(Predicate): t: Term; node: Term                        # noqa: E702
@_predicate("v")
class Value_(Predicate): t: Term; node: Term; value: Term          # noqa: E702
@_predicate("m")
class Member(Predicate): t: Term; node: Term; element: Term        # noqa: E702
@_predicate("nd")
class SetsDiffer(Predicate): t: Term; node: Term                   # noqa: E702
@_predicate("pre")
class Prefix(Predicate): t: Term; rule: Term; count: Term          # noqa: E702
@_predicate("ffn")
class FirstFailing(Predicate): t: Term; rule: Term; index: Term    # noqa: E702
@_predicate("applies")
class Applies(Predicate): t: Term; rule: Term                      # noqa: E702
@_predicate("fires")
class Fires(Predicate): t: Term; rule: Term                        # noqa: E702
@_predicate("defeated")
class Defeated(Predicate): t: Term; rule: Term                     # noqa: E702
@_predicate("ovr")
class Overrides(Predicate): rule: Term; victim: Term               # noqa: E702
@_predicate("concl")
class Concludes(Predicate): rule: Term; slot: Term; value: Term    # noqa: E702
@_predicate("cand")
class Candidate(Predicate): t: Term; slot: Term; rule: Term; value: Term   # noqa: E702
@_predicate("beaten")
class Beaten(Predicate): t: Term; slot: Term; rule: Term           # noqa: E702
@_predicate("dval")
class Decided(Predicate): t: Term; slot: Term; value: Term         # noqa: E702
@_predicate("decided")
class SlotDecided(Predicate): t: Term; slot: Term                  # noqa: E702
@_predicate("val")
class SlotValue(Predicate): t: Term; slot: Term; value: Term       # noqa: E702
@_predicate("ref")
class SlotRead(Predicate): slot: Term
@_predicate("sdef")
class SlotDefault(Predicate): slot: Term; value: Term              # noqa: E702
@_predicate("memiv")
class MemberDuring(Predicate): group: Term; cls: Term; interval: Term   # noqa: E702
@_predicate("ivh")
class DuringInterval(Predicate): t: Term; interval: Term           # noqa: E702

# the search (transaction 0, inputs guessed; see program.py)
@_predicate("dom")
class Domain(Predicate): var: Term; value: Term                    # noqa: E702
@_predicate("single")
class SingleClass(Predicate): cls: Term
@_predicate("use")
class Use(Predicate): var: Term
@_predicate("usep")
class UsePair(Predicate): pair: Term
@_predicate("goal")
class Goal(Predicate): goal: Term
@_predicate("combo")
class Combo(Predicate): t: Term; component: Term; index: Term      # noqa: E702
@_predicate("cdom")
class ComboDomain(Predicate): component: Term; index: Term         # noqa: E702
@_predicate("ccost")
class ComboCost(Predicate): component: Term; index: Term; cost: Term   # noqa: E702
@_predicate("ctrue")
class ComboTrue(Predicate): component: Term; index: Term; atom: Term   # noqa: E702
@_predicate("caux")
class ComboAux(Predicate): component: Term; index: Term; position: Term   # noqa: E702

# the set cover (test generation)
@_predicate("cand")
class CoverCandidate(Predicate): candidate: Term; weight: Term     # noqa: E702
@_predicate("meets")
class Meets(Predicate): candidate: Term; goal: Term                # noqa: E702
@_predicate("need")
class Need(Predicate): goal: Term
@_predicate("pick")
class Pick(Predicate): candidate: Term


def read(symbols: Iterable[clingo.Symbol], *classes: type) -> Iterator[Predicate]:
    """The symbols of the given predicate classes (by name and arity) as instances, their
    arguments read as numbers; other symbols are skipped."""
    by_sig = {(c.name, c.arity()): c for c in classes}
    for sym in symbols:
        cls = by_sig.get((sym.name, len(sym.arguments)))
        if cls is not None:
            yield cls(*[a.number for a in sym.arguments])


def symbol(atom: Predicate) -> clingo.Symbol:
    """A ground atom as a clingo symbol (to assign an external or assume it)."""
    return clingo.Function(atom.name, [clingo.Number(small(x)) for x in atom.args()])


# --------------------------------------------------------------------------- statements

@dataclass(frozen=True)
class Neg:
    """Default negation of an atom."""
    atom: Predicate


@dataclass(frozen=True)
class Compare:
    left: Term
    op: str          # "<" or "!="
    right: Term


@dataclass(frozen=True)
class Conditional:
    """`literal : condition` in a body: the literal holds for every match of the condition."""
    literal: "Predicate | Neg"
    condition: tuple["Predicate | Neg | Compare", ...]


Literal = Union[Predicate, Neg, Compare, Conditional]


def negate(lit: "Predicate | Neg") -> "Predicate | Neg":
    return lit.atom if isinstance(lit, Neg) else Neg(lit)


@dataclass(frozen=True)
class Rule:
    """`head :- body.`; a fact when the body is empty, an integrity constraint when head is None."""
    head: Predicate | None
    body: tuple[Literal, ...] = ()


@dataclass(frozen=True)
class Choice:
    """`lower { element : condition } upper :- body.` with one element pattern (a bound None:
    none)."""
    lower: int | None
    upper: int | None
    element: Predicate
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
    predicate: type


@dataclass(frozen=True)
class Facts:
    """Many facts of one predicate, e.g. a batch's inputs: rows of small ids."""
    predicate: type
    rows: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class External:
    """`#external atom.`: an input atom whose truth value is assigned from outside (by the
    Control, or as a solve assumption) instead of being derived; false unless assigned."""
    atom: Predicate


Statement = Union[Rule, Choice, Minimize, Show, Facts, External]


# --------------------------------------------------------------------------- rendering

def _term(t: Term) -> str:
    if isinstance(t, Var):
        return t.name
    return str(small(t))


def _atom(a: Predicate) -> str:
    args = a.args()
    return f"{a.name}({','.join(map(_term, args))})" if args else a.name


def _literal(lit: Literal) -> str:
    if isinstance(lit, Neg):
        return "not " + _atom(lit.atom)
    if isinstance(lit, Compare):
        return f"{_term(lit.left)}{lit.op}{_term(lit.right)}"
    if isinstance(lit, Conditional):
        return f"{_literal(lit.literal)}:{','.join(map(_literal, lit.condition))}"
    return _atom(lit)


def _body(body: tuple[Literal, ...]) -> str:
    # a conditional literal's condition would swallow a following `,`
    sep = ";" if any(isinstance(b, Conditional) for b in body) else ","
    return sep.join(map(_literal, body))


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
        lower, upper = ("" if b is None else b for b in (stmt.lower, stmt.upper))
        head = f"{lower}{{{_atom(stmt.element)}{cond}}}{upper}"
        return f"{head}:-{_body(stmt.body)}." if stmt.body else head + "."
    if isinstance(stmt, Minimize):
        tup = ",".join(map(_term, stmt.tuple_))
        return (f"#minimize{{{_term(stmt.weight)}@{stmt.priority}"
                f"{',' + tup if tup else ''}:{_body(stmt.body)}}}.")
    if isinstance(stmt, Show):
        return f"#show {stmt.predicate.name}/{stmt.predicate.arity()}."
    if isinstance(stmt, External):
        return f"#external {_atom(stmt.atom)}."
    if isinstance(stmt, Facts):
        p = stmt.predicate.name
        return "\n".join(f"{p}({','.join(map(_term, row))})." for row in stmt.rows)
    raise TypeError(f"not a statement: {stmt!r}")


def render_program(statements: Iterable[Statement]) -> str:
    return "\n".join(map(render, statements)) + "\n"
