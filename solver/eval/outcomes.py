"""The outcomes-only path: outcomes without the rest of the Trace, for callers that want no
explanation (`earl ask --fields`, screening).

`run_outcomes` runs the compiled model's body and returns its memoised outcomes and conflicts.
`compile_outcomes` compiles only what the named outcomes depend on and looks for no conflict;
its slot code is the code generator's, which tests/test_evaluate_outcomes.py checks against
`trace.decide`.
"""
from __future__ import annotations

from typing import Callable, Iterable

from ...ir import Model, Value
from .codegen import Codegen, drop_unread_sets, emit_body, input_loads, namespace
from .compiled import compile_model, incomplete
from .order import EvalError


def run_outcomes(model: Model, tx: dict[str, Value]) -> tuple[dict[str, Value], tuple]:
    """(outcomes, conflicts) of one complete transaction, as `run` decides them, without the rest
    of the Trace. The outcomes dict is shared (memoised): read it, never change it."""
    fn = compile_model(model).outcomes
    try:
        return fn(tx)
    except KeyError as e:
        raise incomplete(e) from None


def compile_outcomes(model: Model, names: Iterable[str]) -> Callable[[dict[str, Value]], dict[str, Value]]:
    """A function computing only the named outcomes of a complete transaction (a dict, in the
    order given): only the definitions and rules they depend on are compiled, and no conflict
    is looked for (`run_outcomes` reports conflicts)."""
    names = tuple(names)
    for name in names:
        if name not in model.outcomes:
            raise EvalError(f"no outcome named {name!r}")
    g = Codegen(model)
    order = g.deps.order([("out", name) for name in names])
    g.whole_refs.update(names)
    body: list[str] = []
    emit_body(g, order, body)
    result = "{" + ", ".join(f"{name!r}: {g.var(('out', name))}" for name in names) + "}"
    lines = ["def outcomes(tx):"] + input_loads(g) + drop_unread_sets(g, body) + [f"    return {result}"]
    ns = namespace(g)
    exec(compile("\n".join(lines) + "\n", f"<earl outcomes {model.reading}>", "exec"), ns)
    inner = ns["outcomes"]

    def outcomes(tx: dict[str, Value]) -> dict[str, Value]:
        try:
            return inner(tx)
        except KeyError as e:
            raise incomplete(e) from None
    return outcomes
