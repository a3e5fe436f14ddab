"""Every instance an engine produces is replayed through the reference evaluator before anyone
sees it; a disagreement is an engine bug, reported as one error wherever it is found (proofs,
clingo searches, verify's counterexamples, diff's witnesses)."""
from __future__ import annotations

from typing import Sequence

from ..ir import Expr, Model, Value
from .eval import eval_expr
from .results import Instance
from .store import STORE
from .transaction import complete


class EngineDisagreement(RuntimeError):
    """The reference evaluator does not confirm an instance an engine produced: an engine bug."""


def fixed(model: Model, params: dict[str, Value]) -> Model:
    """The model with these parameter values fixed and none left free; the same object for the
    same values, so the evaluator compiles each fixed model once."""
    key = tuple(sorted(params.items(), key=lambda kv: kv[0]))
    return STORE.get("fixed", (model, key), lambda: model.with_params(params))


def evaluate_on(model: Model, expr: Expr, instance: Instance) -> Value:
    """`expr` on the instance's transaction (completed) and parameters, by the reference evaluator.
    Only the model's free parameters take the instance's values: in a comparison of two models, a
    parameter one of them fixes keeps its fixed value."""
    params = {k: v for k, v in instance.params.items() if k in model.free_params}
    return eval_expr(fixed(model, params), complete(model.spec, instance.transaction), expr)


def replay(model: Model, expr: Expr, instance: Instance, expected: bool) -> None:
    """Raise EngineDisagreement unless the evaluator gives `expr` the value `expected` on the
    instance (an instance the evaluator cannot even read is a disagreement too)."""
    try:
        got = evaluate_on(model, expr, instance)
    except Exception as e:  # noqa: BLE001 - whatever the evaluator refuses, the engine produced it
        raise EngineDisagreement(f"the reference evaluator rejects the {instance.engine or 'engine'} "
                                 f"instance: {e}") from None
    if got is not expected and got != expected:
        raise EngineDisagreement(
            f"engine {instance.engine or '?'} produced an instance on which the reference evaluator "
            f"finds the expression {'false' if expected else 'true'} (expected {expected}): "
            f"transaction {instance.transaction}, parameters {instance.params}")


def replay_difference(model_a: Model, model_b: Model, exprs: Sequence[Expr], instance: Instance) -> None:
    """Raise EngineDisagreement unless some expression differs between the two models on it."""
    for e in exprs:
        if evaluate_on(model_a, e, instance) != evaluate_on(model_b, e, instance):
            return
    raise EngineDisagreement(
        f"engine {instance.engine or '?'} produced a transaction on which the reference evaluator "
        f"finds both models agree: transaction {instance.transaction}, parameters {instance.params}")
