"""The one seam between `verify` and the solvers: the proof primitives every check is written on.

A check asks a prover (backend.Prover: `valid`, `satisfiable`, `implies`) and, for properties, a
second prover for a cross-check; whatever they return is confirmed by the reference evaluator
(`trace`, `value`, `replay`). Tests inject faults by subclassing, or by passing other provers.
"""
from __future__ import annotations

from ...ir import Expr, Model, Value
from .. import eval as evaluate
from ..smt import SmtEngine
from ..asp import AspEngine
from ..backend import Prover
from ..engines import load_engine
from ..explain import determine
from ..replay import fixed, replay
from ..results import Instance, Result
from ..trace import Trace
from ..transaction import complete


class Primitives:
    """The proof primitives `verify` uses.

    `prover` proves and searches (default: z3's SmtEngine); `second_opinion` proves every property again (default: clingo's
    AspEngine, created when first asked). Each keeps its encodings of a model in the store, so a
    reading is compiled once however many checks run on it.
    """

    def __init__(self, prover: Prover | None = None, second_opinion: Prover | None = None) -> None:
        self.prover = prover or SmtEngine()
        self._second_opinion = second_opinion

    # -- the provers ---------------------------------------------------------------------
    def prove(self, model: Model, claim: Expr, *, timeout_ms: int) -> Result:
        """Proof, or a minimal counterexample."""
        return self.prover.valid(model, claim, timeout_ms=timeout_ms, minimize=True)

    def cross_check(self, model: Model, claim: Expr, *, timeout_ms: int) -> Result:
        """Proof or Instance from the second prover (the second opinion)."""
        if self._second_opinion is None:
            self._second_opinion = AspEngine()
        return self._second_opinion.valid(model, claim, timeout_ms=timeout_ms)

    def satisfiable(self, model: Model, expr: Expr, *, timeout_ms: int, minimize: bool = True) -> Result:
        return self.prover.satisfiable(model, expr, timeout_ms=timeout_ms, minimize=minimize)

    def implies(self, model: Model, premise: Expr, conclusion: Expr, *, timeout_ms: int) -> Result:
        return self.prover.implies(model, premise, conclusion, timeout_ms=timeout_ms)

    def example_engine(self, name: str):
        """The engine (eval, smt, asp) that determines the spec's examples."""
        return load_engine(name)

    # -- the reference evaluator -------------------------------------------------------
    def trace(self, model: Model, transaction: dict[str, Value], params: dict[str, Value]) -> Trace:
        return evaluate.run(_with(model, params), complete(model.spec, transaction))

    def value(self, model: Model, expr: Expr, transaction: dict[str, Value],
              params: dict[str, Value]) -> Value:
        return evaluate.eval_expr(_with(model, params), complete(model.spec, transaction), expr)

    def replay(self, model: Model, expr: Expr, instance: Instance, expected: bool) -> None:
        """Raise EngineDisagreement unless the evaluator gives `expr` the value `expected` on
        `instance` (with the instance's parameters)."""
        replay(model, expr, instance, expected)

    def determination(self, model: Model, transaction: dict[str, Value],
                      params: dict[str, Value]) -> tuple[str, dict]:
        """(plain text, public JSON) of the determination of one transaction."""
        fixed_model = _with(model, params)
        tx = complete(model.spec, transaction)
        det = determine(fixed_model, tx, evaluate.run(fixed_model, tx))
        return det.text(), det.to_json()


def _with(model: Model, params: dict[str, Value]) -> Model:
    """`model` with `params` fixed (the model itself when there are none, so that its
    compilations are shared)."""
    return fixed(model, params) if params else model
