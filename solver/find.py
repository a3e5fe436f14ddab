"""`earl find` and the workbench's find: a transaction on which a condition holds, or a proof
that none exists, with what the answer rests on.

    >>> from earl.parser import load_spec_sources, parse_expression
    >>> spec = load_spec_sources({"t.earl": '''
    ... reading r default
    ... countries iso3166
    ... input date : date = 2025-05-15
    ... input x : bool = false
    ... outcome y : bool = false
    ... rule r1 "Y when x"
    ...   cite "T 1"
    ...   when x
    ...   then y = true
    ... '''})
    >>> from earl.ir import resolve
    >>> model = resolve(spec)
    >>> answer = find(model, parse_expression(spec, "y"), timeout_ms=10_000)
    >>> answer.found.changed
    {'x': True}
    >>> find(model, parse_expression(spec, "y and not x"), timeout_ms=10_000).relies_on
    (('r1', 'Y when x', 'T 1'),)
"""
from __future__ import annotations

from dataclasses import dataclass

from ..ir import Expr, Model, Value
from ..ir.values import non_default
from . import eval as evaluate
from .smt import prove
from .explain import Determination, determine
from .replay import fixed
from .results import Instance, Proof, Result
from .transaction import complete


@dataclass(frozen=True)
class Found:
    """A transaction found: the inputs off their defaults, the parameters off the reading's, the
    complete transaction and its determination."""
    changed: dict[str, Value]
    params: dict[str, Value]
    transaction: dict[str, Value]
    determination: Determination


@dataclass(frozen=True)
class FindAnswer:
    """What a search answers: `found` (a transaction), or `relies_on` a proof that none exists
    ((rule, title, cite) of the provisions it rests on), or neither (`result` is Unknown)."""
    result: Result
    found: Found | None = None
    relies_on: tuple[tuple[str, str, str], ...] = ()

    @property
    def proved(self) -> bool:
        """No transaction satisfies the condition: proved."""
        return isinstance(self.result, Proof)


def find(model: Model, condition: Expr, *, timeout_ms: int) -> FindAnswer:
    """Search for a minimal transaction on which `condition` holds (z3; the instance replayed
    by the reference evaluator). Raises EngineDisagreement, or ValueError for a condition the
    prover cannot encode."""
    result = prove.satisfiable(model, condition, timeout_ms=timeout_ms)
    if isinstance(result, Instance):
        return FindAnswer(result, found=found(model, result))
    if isinstance(result, Proof):
        return FindAnswer(result, relies_on=tuple((r, model.rules[r].title, model.rules[r].cite)
                                                  for r in result.core if r in model.rules))
    return FindAnswer(result)


def found(model: Model, instance: Instance) -> Found:
    """The instance as a user reads it, with its determination."""
    spec = model.spec
    tx = complete(spec, instance.transaction)
    params = {k: v for k, v in instance.params.items() if model.params.get(k) != v}
    m = fixed(model, instance.params)
    det = determine(m, tx, evaluate.run(m, tx), engine=instance.engine or "smt")
    return Found(non_default(spec, tx), params, tx, det)
