"""What the other engines say about a comparison: the reference evaluator replays every witness
on each original side, and clingo answers, on its finite abstraction, the questions z3 proved
have no answer.
"""
from __future__ import annotations

from ... import ir
from ..asp import AspEngine
from ..eval import run
from ..replay import EngineDisagreement
from ..results import Instance, Proof
from ..transaction import complete
from .product import LEFT, RIGHT, Pair, changes_between

def replay_changes(p: Pair, inst: Instance):
    """The witness run through the reference evaluator on each original side: its changes and
    the two traces."""
    tx = complete(p.left.spec, inst.transaction)
    traces = {LEFT: run(p.left, tx), RIGHT: run(p.right, complete(p.right.spec, inst.transaction))}
    return changes_between(p, traces[LEFT].outcomes, traces[RIGHT].outcomes), traces


def clingo_answer(p: Pair, question: ir.Expr, timeout_ms: int) -> str:
    """clingo's answer, on its finite abstraction, to a question z3 proved has no answer."""
    try:
        answer = AspEngine().satisfiable(p.product, question, timeout_ms=timeout_ms)
    except Exception as e:   # noqa: BLE001 - an abstraction clingo cannot take is reported, not fatal
        return f"clingo could not check ({type(e).__name__}: {e})"
    if isinstance(answer, Proof):
        return "clingo agrees"
    if isinstance(answer, Instance):
        raise EngineDisagreement(f"clingo finds a transaction where z3 proved there is none: "
                                 f"{answer.transaction}")
    return f"clingo gave no answer ({answer.reason})"
