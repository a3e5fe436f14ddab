"""The clingo engine: determinations in batches, and exhaustive search (the Engine and Prover
interfaces of backend.py: `run`, `run_batch`, `valid`, `satisfiable`).

A determination reads from the answer set which rules apply, fire and fail first; the slots
follow by `trace.decide`, the one statement of how slots are decided. A search's best answer set
is turned back into a concrete transaction and replayed through the reference evaluator before
it is returned. Each model's programs are built once and kept in the bounded store: the
ground-once determination program (program.Runner) and the search program (search.Search).
"""
from __future__ import annotations

import dataclasses
from typing import Iterable

from ...ir import Expr, Model, Value
from ..backend import Prover
from ..countries import CountryClasses, question_countries
from ..replay import replay
from ..results import Proof, Result, Unknown
from ..store import STORE
from ..trace import Trace, decide
from . import concretise, numeric
from .compile import AspCompiler
from .program import Determination, Runner, batch_program, determine_batch
from .schema import Statement
from .search import Query, Search

__all__ = ["AspEngine", "KEPT_RUN_MAX"]

#: A batch with at most this many distinct abstract transactions is answered on the model's
#: ground-once determination program (externals switched per transaction, ~0.5 ms each);
#: a bigger one gets one program for the whole batch (grounding it costs more up front, each
#: transaction then costs less).
KEPT_RUN_MAX = 32


class AspEngine(Prover):
    """Determinations and proofs by clingo."""

    name = "asp"

    # ---------------------------------------------------------------- kept programs

    @staticmethod
    def compiler(model: Model) -> AspCompiler:
        """The model's determination rules."""
        return STORE.get("asp.compiler", model, lambda: AspCompiler(model, numeric.abstraction(model)))

    def runner(self, model: Model) -> Runner:
        """The model's determination program, grounded once (externals as inputs)."""
        return STORE.get("asp.runner", model, lambda: Runner(self.compiler(model)))

    @staticmethod
    def search(model: Model, *, every_country: bool = False) -> Search:
        """The model's search program, grounded once (claims are added as parts); with
        `every_country`, over single countries rather than signature classes (for claims that
        name countries the spec does not: a second kept program, larger and slower, so claims
        that need no refinement keep the coarse one)."""
        countries = model.spec.countries if every_country else ()
        return STORE.get("asp.search", (model, every_country),
                         lambda: Search(model, numeric.abstraction(model), countries))

    # ---------------------------------------------------------------- determinations

    def run(self, model: Model, transaction: dict[str, Value]) -> Trace:
        return self.run_batch(model, [transaction])[0]

    def abstract_batch(self, model: Model, transactions: list[dict[str, Value]]
                       ) -> tuple[list[tuple], list[int]]:
        """The distinct abstract transactions of a batch (finite input values, atom truth values,
        country pairs), and for each transaction the index of its abstract one. Transactions
        with the same abstraction have the same trace, so each is solved once."""
        comp = self.compiler(model)
        keys: dict[tuple, int] = {}
        index = []
        for tx in transactions:
            index.append(keys.setdefault(comp.signature(tx), len(keys)))
        return list(keys), index

    def batch_program(self, model: Model, transactions: list[dict[str, Value]]) -> list[Statement]:
        """The whole program for a batch: the rules, then each distinct abstract transaction as
        facts (transaction ids index `abstract_batch(...)[0]`)."""
        return batch_program(self.compiler(model), self.abstract_batch(model, transactions)[0])

    def run_batch(self, model: Model, transactions: Iterable[dict[str, Value]]) -> list[Trace]:
        all_txs = list(transactions)
        if not all_txs:
            return []
        comp = self.compiler(model)
        keys, index = self.abstract_batch(model, all_txs)
        kept = None
        if len(keys) <= KEPT_RUN_MAX:
            runner = self.runner(model)
            kept = [runner.inputs_of(k) for k in keys]
            if any(w is None for w in kept):
                kept = None
        if kept is not None:
            found = [Determination(set(), {}, set()) for _ in keys]
            for t, want in enumerate(kept):
                runner.determine(want, found, t)
        else:
            found = determine_batch(comp, keys)
        traces = [self._trace(comp, d) for d in found]
        return [dataclasses.replace(traces[i], outcomes=dict(traces[i].outcomes),
                                    first_failing=dict(traces[i].first_failing))
                for i in index]

    @staticmethod
    def _trace(comp: AspCompiler, d: Determination) -> Trace:
        names = comp.rule_names
        first_failing = {names[r]: d.first_failing.get(r, 0)
                         for r in range(len(names)) if r not in d.applies}
        return decide(comp.model, (names[r] for r in d.applies),
                      (names[r] for r in d.applies - d.defeated), first_failing)

    # ---------------------------------------------------------------- search

    def valid(self, model: Model, claim: Expr, *, timeout_ms: int = 10_000) -> Result:
        """Proof that `claim` holds for every transaction and free parameter, or a replayed
        counterexample with the fewest inputs off their defaults, or Unknown."""
        return self._search(model, claim, want=False, timeout_ms=timeout_ms)

    def satisfiable(self, model: Model, expr: Expr, *, timeout_ms: int = 10_000) -> Result:
        """An Instance (replayed) where `expr` holds, or Proof that none exists, or Unknown."""
        return self._search(model, expr, want=True, timeout_ms=timeout_ms)

    def _search(self, model: Model, expr: Expr, *, want: bool, timeout_ms: int) -> Result:
        abs_ = numeric.abstraction_for(model, expr)
        if abs_ is numeric.abstraction(model):
            # the usual case: the claim's numeric atoms are the model's; the kept program
            coarse = CountryClasses.of(model)
            fine = coarse.refined(question_countries(model, [expr])) is not coarse
            search = self.search(model, every_country=fine)
            try:
                query = search.query(expr, want, timeout_ms / 1000)
            except BaseException:
                # a claim that fails to compile may leave half-built nodes: start afresh
                STORE.forget("asp.search", (model, fine))
                raise
        else:
            search = Search(model, abs_, question_countries(model, [expr]))
            query = search.query(expr, want, timeout_ms / 1000)
        return self._answer(search.comp, expr, want, query)

    def _answer(self, comp: AspCompiler, expr: Expr, want: bool, query: Query) -> Result:
        """The Result of a search: Proof, Unknown, or the best answer set concretised and
        replayed."""
        best = query.best
        if best.symbols is None:
            if best.unsatisfiable:
                return Proof(engine=self.name)
            return Unknown("clingo timed out" if not best.finished else "clingo gave no answer",
                           engine=self.name)
        found = concretise.instance(comp, best.symbols, query.variables, query.pairs, self.name)
        if found is None:
            return Unknown("the abstract instance has no concrete witness", engine=self.name)
        replay(comp.model, expr, found, want)
        return found

