"""The interface every engine implements, so callers never depend on which solver answers."""
from __future__ import annotations

from typing import Iterable, Protocol

from ..ir import Expr, Model, Value
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
        """Proof that `claim` holds for all transactions and free parameters, or a counterexample."""
