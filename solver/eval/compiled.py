"""The compiled evaluator: a model as one generated Python function per transaction.

`compile_model` generates (codegen.py) one straight-line function computing every definition and
rule condition once, in dependency order. The rest of the Trace depends only on which condition
fails first in each rule: that pattern is one int key (mixed radix, one digit per rule: the
index of its first failing condition, or the number of its conditions when it applies), and the
Trace's rule sets, outcomes and conflicts are computed from it by `trace.decide`, memoised on the
key (there are few distinct ones). This is the fast path of batch determinations and of the
differential tests; the interpreter (interpreter.py) is the oracle it is tested against.

Compiled artifacts live in `STORE`, keyed by the (frozen) model.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from ...ir import Expr, Model, Value, walk
from ..store import STORE, Identity
from ..trace import Trace, decide
from .codegen import Codegen, drop_unread_sets, emit_body, input_loads, namespace
from .interpreter import as_value
from .order import EvalError

# distinct first-failing patterns kept per model; beyond that the memo starts again
_MEMO_SIZE = 1 << 16


@dataclass(frozen=True)
class Compiled:
    """A model compiled to one Python function `run(tx) -> Trace`, and its source (for debugging).

    `outcomes(tx) -> (outcomes, conflicts)` is `run` without the rest of the Trace (for callers
    that want no explanation); the outcomes dict is shared between transactions that fail the
    same conditions, so it must not be changed."""
    run: Callable[[dict[str, Value]], Trace]
    outcomes: Callable[[dict[str, Value]], tuple[dict[str, Value], tuple]]
    source: str


def _decider(model: Model, order: list, overriders: dict[str, list[str]]) -> Callable[[int], tuple]:
    """key -> (outcomes, applicable, fired, first_failing, conflicts), by `trace.decide`."""
    radices = [(r, len(rule.conditions)) for r, rule in model.rules.items()]
    # firing in dependency order: a rule's overriders are decided before it
    fire_order = [name for kind, name in order if kind == "fire"]
    # first_failing in the order the rules are evaluated
    app_order = [name for kind, name in order if kind == "app"]

    def finish(key: int) -> tuple:
        digits = {}
        for rule, n in radices:
            key, digits[rule] = divmod(key, n + 1)
        applicable = {r for r, n in radices if digits[r] == n}
        fired: set[str] = set()
        for r in fire_order:
            if r in applicable and not any(o in fired for o in overriders[r]):
                fired.add(r)
        first_failing = {r: digits[r] for r in app_order if r not in applicable}
        t = decide(model, applicable, fired, first_failing)
        return t.outcomes, t.applicable, t.fired, t.first_failing, t.conflicts
    return finish


def _compile_model(model: Model) -> Compiled:
    g = Codegen(model)
    roots = [("app", r) for r in model.rules] + [("fire", r) for r in model.rules] + \
            [("out", o) for o in model.outcomes]
    order = g.deps.order(roots)
    weights: dict[str, int] = {}
    w = 1
    for r, rule in model.rules.items():
        weights[r] = w
        w *= len(rule.conditions) + 1
    # run(tx): definitions and rule conditions, and only those firings and outcomes they read;
    # each rule adds (index of its first failing condition) * weight to k
    body: list[str] = []
    emit_body(g, order, body, only=g.deps.needed(order), weights=weights)
    head = input_loads(g) + drop_unread_sets(g, body)
    # the frozen Trace is filled by object.__setattr__ directly (the dataclass __init__ wraps the
    # same calls in a Python frame); the dicts are copied: every Trace owns its own
    lines = ["def run(tx):", "    k = 0", *head,
             "    m = _memo.get(k)",
             "    if m is None: m = _miss(k)",
             "    t = _new(_Trace)",
             "    _set(t, 'outcomes', m[0].copy()); _set(t, 'applicable', m[1]); _set(t, 'fired', m[2])",
             "    _set(t, 'first_failing', m[3].copy()); _set(t, 'conflicts', m[4])",
             "    return t",
             "",
             # the same body without building a Trace: the memoised entry's outcomes are shared
             "def outcomes(tx):", "    k = 0", *head,
             "    m = _memo.get(k)",
             "    if m is None: m = _miss(k)",
             "    return m[0], m[4]"]
    source = "\n".join(lines) + "\n"
    finish = _decider(model, order, g.deps.overriders)
    memo: dict[int, tuple] = {}

    def miss(key: int) -> tuple:
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        out = memo[key] = finish(key)
        return out

    ns = namespace(g)
    ns.update(_memo=memo, _miss=miss)
    exec(compile(source, f"<earl model {model.reading}>", "exec"), ns)
    return Compiled(run=ns["run"], outcomes=ns["outcomes"], source=source)


def compile_model(model: Model) -> Compiled:
    """The model compiled (once per model, kept in STORE)."""
    return STORE.get("eval.model", model, lambda: _compile_model(model))


def incomplete(e: KeyError) -> EvalError:
    return EvalError(f"incomplete transaction: no value for input {e.args[0]!r}")


def _compile_expr(model: Model, expr: Expr) -> Callable[[dict[str, Value]], Value]:
    compile_model(model)  # validates the model (no cycle, every name known)
    g = Codegen(model)
    g.expr(expr)  # registers the inputs and nodes it reads
    order = g.deps.order(sorted(d for d in walk.refs(expr) if d[0] not in ("input", "param")))
    body: list[str] = []
    emit_body(g, order, body)
    result = g.expr(expr)
    lines = ["def value(tx):"] + input_loads(g) + drop_unread_sets(g, body) + [f"    return {result}"]
    ns = namespace(g)
    exec(compile("\n".join(lines) + "\n", "<earl expression>", "exec"), ns)
    inner = ns["value"]

    def value(tx: dict[str, Value]) -> Value:
        try:
            return as_value(inner(tx))
        except KeyError as e:
            raise incomplete(e) from None
    return value


def compile_expr(model: Model, expr: Expr) -> Callable[[dict[str, Value]], Value]:
    """One expression over the model compiled to a function of a complete transaction (kept in
    STORE by the expression's identity: hashing a deep expression costs more than evaluating it)."""
    return STORE.get("eval.expr", (model, Identity(expr)), lambda: _compile_expr(model, expr))


def eval_expr(model: Model, tx: dict[str, Value], expr: Expr) -> Value:
    """The value of `expr` on a complete transaction (parameters from `model.params`)."""
    return compile_expr(model, expr)(tx)


def run(model: Model, tx: dict[str, Value]) -> Trace:
    """Determine one complete transaction."""
    fn = compile_model(model).run
    try:
        return fn(tx)
    except KeyError as e:
        raise incomplete(e) from None


def run_batch(model: Model, transactions: Iterable[dict[str, Value]]) -> list[Trace]:
    """Determine complete transactions, in order."""
    fn = compile_model(model).run
    try:
        return [fn(tx) for tx in transactions]
    except KeyError as e:
        raise incomplete(e) from None


class Evaluator:
    """The compiled evaluator as an engine (solver/engines.py)."""
    name = "eval"

    def run(self, model: Model, transaction: dict[str, Value]) -> Trace:
        return run(model, transaction)

    def run_batch(self, model: Model, transactions: Iterable[dict[str, Value]]) -> list[Trace]:
        return run_batch(model, transactions)
