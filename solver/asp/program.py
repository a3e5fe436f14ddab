"""The one program builder: a clingo Control fed typed statements part by part, and the programs
built on it — determinations (one program per batch, or one grounded once with externals as
inputs), and the set cover of test generation. The search (search.py) is built on it too.

>>> cover([frozenset({0, 1}), frozenset({1}), frozenset({2})], {0, 1, 2}, [1, 0, 1], 5.0)
([0, 2], True)
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterable

import clingo

from .compile import AspCompiler, AspError
from .schema import (ANY, C, G, W, Applies, Atom_, Ceq, Choice, Conditional, CoverCandidate,
                     Defeated, External, Facts, FirstFailing, Inp, Meets, Minimize, Need, Neg,
                     Pick, Predicate, Rule, Show, Statement, Tx, read, render_program, symbol)

#: What a determination shows (kept few: reading symbols back costs more than solving): the
#: applicable rules, first failing conditions other than the first, defeated rules; the slots
#: follow from them (trace.decide).
DETERMINATION_SHOW = (Show(Applies), Show(FirstFailing), Show(Defeated))

#: clingo's options for an optimisation (the usc strategy proves optima where the default one
#: does not within minutes; see /work/shared/notes/solvers.md).
OPTIMISE = ("--opt-strategy=usc", "--opt-mode=opt")


@dataclass(frozen=True)
class Best:
    """The last (best) answer set an optimisation found: its shown symbols and cost (None: none
    found), whether the search finished, and whether it proved there is none."""
    symbols: list[clingo.Symbol] | None
    cost: list[int] | None
    finished: bool
    unsatisfiable: bool


class Program:
    """A clingo Control grounded from typed statements, one part at a time."""

    def __init__(self, *options: str):
        self.ctl = clingo.Control(["--warn=none", *options])
        self.parts = 0
        # each external's symbol, built once: assigning is per determination (the hot path)
        self._externals: dict[Predicate, clingo.Symbol] = {}

    def add(self, statements: Iterable[Statement]) -> None:
        """Ground `statements` as a new part (rules already grounded see the new facts only
        through externals)."""
        statements = list(statements)
        name = f"p{self.parts}"
        self.parts += 1
        self._externals.update((s.atom, symbol(s.atom)) for s in statements
                               if isinstance(s, External))
        self.ctl.add(name, [], render_program(statements))
        self.ctl.ground([(name, [])])

    def assign(self, externals: Iterable[Predicate], value: bool) -> None:
        """Assign externals of the program `value`."""
        for a in externals:
            self.ctl.assign_external(self._externals[a], value)

    def only_answer(self) -> list[clingo.Symbol]:
        """The shown symbols of the program's one answer set (AspError if it has another
        number of them)."""
        found = []
        with self.ctl.solve(yield_=True) as handle:
            for m in handle:
                found.append(m.symbols(shown=True))
        if len(found) != 1:
            raise AspError(f"the determination program has {len(found)} answer sets, not one")
        return found[0]

    def best(self, timeout_s: float) -> Best:
        """Optimise for at most `timeout_s` seconds."""
        deadline = time.monotonic() + timeout_s
        best: list = []

        def on_model(m: clingo.Model):
            best[:] = [list(m.symbols(shown=True)), m.cost]
        with self.ctl.solve(on_model=on_model, async_=True) as handle:
            finished = handle.wait(max(0.0, deadline - time.monotonic()))
            if not finished:
                handle.cancel()
            result = handle.get()
        symbols, cost = best if best else (None, None)
        return Best(symbols, cost, finished, finished and result.unsatisfiable)


# --------------------------------------------------------------------------- determinations

@dataclass
class Determination:
    """What an answer set says of one transaction: the rules that apply, the first failing
    condition of each rule that does not (absent: its first), the rules defeated."""
    applies: set[int]
    first_failing: dict[int, int]
    defeated: set[int]


def read_determinations(symbols: Iterable[clingo.Symbol], into: list[Determination],
                        offset: int = 0) -> None:
    """Sort a determination answer set's symbols by transaction (id + `offset` indexes `into`)."""
    for atom in read(symbols, Applies, FirstFailing, Defeated):
        d = into[atom.t + offset]
        if type(atom) is Applies:
            d.applies.add(atom.rule)
        elif type(atom) is FirstFailing:
            d.first_failing[atom.rule] = atom.index
        else:
            d.defeated.add(atom.rule)


def batch_program(comp: AspCompiler, keys: list[tuple]) -> list[Statement]:
    """The rules, then each abstract transaction of `keys` (see AspCompiler.signature) as facts
    of its own transaction id (its index)."""
    inp, atoms, ceq = [], [], []
    for t, (finite, truth, pairs) in enumerate(keys):
        inp += [(t, i, v) for i, v in enumerate(finite)]
        atoms += [(t, k) for k, b in enumerate(truth) if b]
        ceq += [(t, k) for k, b in enumerate(pairs) if b]
    facts = [Facts(Tx, tuple((t,) for t in range(len(keys)))),
             Facts(Inp, tuple(inp)), Facts(Atom_, tuple(atoms)), Facts(Ceq, tuple(ceq))]
    return comp.base_program() + facts + list(DETERMINATION_SHOW)


def determine_batch(comp: AspCompiler, keys: list[tuple]) -> list[Determination]:
    """The abstract transactions `keys` solved in one program."""
    out = [Determination(set(), {}, set()) for _ in keys]
    program = Program()
    program.add(batch_program(comp, keys))
    read_determinations(program.only_answer(), out)
    return out


class Runner:
    """The determination program of one model grounded once for one transaction (id 0) whose
    inputs are `#external` atoms: every finite input value, every numeric atom and every country
    pair. A determination switches the externals that differ from the previous one and solves."""

    def __init__(self, comp: AspCompiler):
        self.comp = comp
        inputs: list[Predicate] = [Inp(0, i, d) for name, i in comp.finite_vars.items()
                                   for d in comp.domain(name)]
        inputs += [Atom_(0, k) for k in range(len(comp.abs.atoms))]
        inputs += [Ceq(0, k) for k in comp.country_pairs.values()]
        self.externals = frozenset(inputs)
        self.program = Program()
        self.program.add(comp.base_program() + [Rule(Tx(0))] + [External(a) for a in inputs]
                         + list(DETERMINATION_SHOW))
        self.true: frozenset[Predicate] = frozenset()     # the externals assigned true

    def inputs_of(self, key: tuple) -> frozenset[Predicate] | None:
        """The externals that are true for an abstract transaction (None: a value outside the
        grounded domains, which only a program of its own can answer)."""
        finite, truth, pairs = key
        want = {Inp(0, i, v) for i, v in enumerate(finite)}
        want.update(Atom_(0, k) for k, b in enumerate(truth) if b)
        want.update(Ceq(0, k) for k, b in enumerate(pairs) if b)
        return frozenset(want) if want <= self.externals else None

    def determine(self, want: frozenset[Predicate], into: list[Determination], t: int) -> None:
        self.program.assign(self.true - want, False)
        self.program.assign(want - self.true, True)
        self.true = want
        read_determinations(self.program.only_answer(), into, offset=t)


# --------------------------------------------------------------------------- set cover

# pick candidates; every needed goal met by a picked one; fewest picks, then least weight
COVER_RULES: tuple[Statement, ...] = (
    Choice(None, None, Pick(C), (CoverCandidate(C, ANY),)),
    Rule(None, (Need(G), Conditional(Neg(Pick(C)), (Meets(C, G),)))),
    Minimize(1, 2, (C,), (Pick(C),)),
    Minimize(W, 1, (C,), (Pick(C), CoverCandidate(C, W))),
)

def cover(sets: list[frozenset[int]], need: set[int], weights: list[int], timeout_s: float
          ) -> tuple[list[int] | None, bool]:
    """The fewest of `sets` covering every element of `need`, then the least total weight:
    (chosen indices, or None if none was found in time; proved optimal)."""
    program: list[Statement] = []
    for c, members in enumerate(sets):
        program.append(Rule(CoverCandidate(c, weights[c])))
        program += [Rule(Meets(c, g)) for g in sorted(members & need)]
    program += [Rule(Need(g)) for g in sorted(need)]
    program += COVER_RULES
    best = Program(*OPTIMISE)
    best.add(program)
    found = best.best(max(0.01, timeout_s))
    if found.symbols is None:
        return None, found.finished
    return sorted(p.candidate for p in read(found.symbols, Pick)), found.finished
