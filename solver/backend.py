"""The interfaces every engine implements, so callers never depend on which solver answers.

A `Prover` has two primitives, `valid` and `satisfiable`; `implies`, `disjoint` and `equivalent`
are written once here on top of `valid` (as Cedar's symcc writes its checks on top of
"always"/"never"), so every prover answers them the same way. Options a prover's primitives take
beyond `timeout_ms` (z3's `minimize`, `explain`) pass through unchanged. An engine inherits the
derived checks by subclassing `Prover`.
"""
from __future__ import annotations

from typing import Iterable, Protocol

from ..ir import And, Cmp, Expr, Implies, Model, Not, Value
from .results import Result
from .trace import Trace


class Engine(Protocol):
    name: str

    def run(self, model: Model, transaction: dict[str, Value]) -> Trace:
        """Determine one complete transaction (every input has a value)."""

    def run_batch(self, model: Model, transactions: Iterable[dict[str, Value]]) -> list[Trace]:
        """Determine many complete transactions, in order."""


class Prover(Engine, Protocol):
    def valid(self, model: Model, claim: Expr, *, timeout_ms: int = 10_000) -> Result:
        """Proof that `claim` holds for all transactions and free parameters, or a counterexample
        (an Instance replayed through the reference evaluator), or Unknown."""

    def satisfiable(self, model: Model, expr: Expr, *, timeout_ms: int = 10_000) -> Result:
        """An Instance (replayed) on which `expr` holds, or Proof that none exists, or Unknown."""

    def implies(self, model: Model, premise: Expr, conclusion: Expr, **options) -> Result:
        """Proof = whenever `premise` holds, `conclusion` holds; Instance = a transaction with
        the premise and not the conclusion."""
        return self.valid(model, Implies(premise, conclusion), **options)

    def disjoint(self, model: Model, a: Expr, b: Expr, **options) -> Result:
        """Proof = no transaction has both `a` and `b`; Instance = one that does."""
        return self.valid(model, Not(And((a, b))), **options)

    def equivalent(self, model: Model, a: Expr, b: Expr, **options) -> Result:
        """Proof = `a` and `b` have the same value on every transaction; Instance = one on which
        they differ."""
        return self.valid(model, Cmp("==", a, b), **options)
