"""The oracle: a direct, memoised tree-walking interpreter of the rule semantics.

It states the semantics as plainly as the language does (a rule applies when its conditions
hold, and fires when it applies and no rule overriding it fires); how applying and firing rules
decide the outcomes is `trace.decide`, which every engine shares. The compiled evaluator
(compiled.py) is checked against this interpreter, never the other way round.

>>> from earl.parser import load_spec_sources
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
>>> from earl import ir
>>> model = ir.resolve(spec)
>>> run_interpreted(model, {"date": spec.inputs["date"].default.value, "x": True}).outcomes
{'y': True}
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable

from ...ir import (And, Arith, Cmp, DefRef, Expr, Implies, InGroup, InputRef, InSet, Ite, Lit,
                   MinMax, Model, Not, OutcomeRef, Or, ParamRef, RuleApplies, RuleFires, Value)
from ..trace import Trace, decide, slot_rules
from .order import EvalError, overriders

__all__ = ["Interpreter", "interpret", "run_interpreted", "as_value"]

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


def as_value(v: Any) -> Value:
    """Numbers as Fractions (the evaluator may carry integral numbers as ints)."""
    if isinstance(v, int) and not isinstance(v, bool):
        return Fraction(v)
    return v


class Interpreter:
    """Evaluation of expressions over one model and one complete transaction, each model node
    (definition, applicability, firing, outcome) computed once."""

    def __init__(self, model: Model, tx: dict[str, Value]):
        self.model = model
        self.tx = tx
        self.memo: dict[tuple[str, str], Any] = {}
        self.busy: set[tuple[str, str]] = set()
        self.overriders = overriders(model)
        self.slots = slot_rules(model)

    def node(self, key: tuple[str, str], compute: Callable[[], Any]) -> Any:
        if key in self.memo:
            return self.memo[key]
        if key in self.busy:
            raise EvalError(f"dependency cycle through {key[0]} {key[1]}")
        self.busy.add(key)
        v = compute()
        self.busy.discard(key)
        self.memo[key] = v
        return v

    def first_failing(self, rule: str) -> int | None:
        """The index of the rule's first condition that does not hold; None when it applies."""
        if rule not in self.model.rules:
            raise EvalError(f"no rule named {rule!r} under reading {self.model.reading!r}")

        def compute():
            for i, c in enumerate(self.model.rules[rule].conditions):
                if not self.value(c.expr):
                    return i
            return None
        return self.node(("app", rule), compute)

    def applies(self, rule: str) -> bool:
        return self.first_failing(rule) is None

    def fires(self, rule: str) -> bool:
        return self.node(("fire", rule), lambda: self.applies(rule)
                         and not any(self.fires(o) for o in self.overriders[rule]))

    def outcome(self, name: str) -> Value:
        """The outcome as the rules firing on this transaction decide it (an outcome a condition
        reads is decided by the rules it depends on alone)."""
        if name not in self.model.outcomes:
            raise EvalError(f"no outcome named {name!r}")

        def compute():
            deciding = {r for (o, _s), rs in self.slots.items() if o == name for r, _v in rs}
            fired = [r for r in self.model.rules if r in deciding and self.fires(r)]
            return decide(self.model, (), fired, {}).outcomes[name]
        return self.node(("out", name), compute)

    def value(self, e: Expr) -> Any:
        value = self.value
        if isinstance(e, Lit):
            return e.value
        if isinstance(e, InputRef):
            if e.path not in self.tx:
                raise EvalError(f"incomplete transaction: no value for input {e.path!r}")
            return self.tx[e.path]
        if isinstance(e, ParamRef):
            if e.name not in self.model.params:
                raise EvalError(f"no parameter named {e.name!r}")
            return self.model.params[e.name]
        if isinstance(e, DefRef):
            if e.name not in self.model.defs:
                raise EvalError(f"no definition named {e.name!r}")
            return self.node(("def", e.name), lambda: value(self.model.defs[e.name]))
        if isinstance(e, OutcomeRef):
            return self.outcome(e.name)
        if isinstance(e, RuleApplies):
            return self.applies(e.rule)
        if isinstance(e, RuleFires):
            return self.fires(e.rule)
        if isinstance(e, Not):
            return not value(e.arg)
        if isinstance(e, And):
            return all(value(a) for a in e.args)
        if isinstance(e, Or):
            return any(value(a) for a in e.args)
        if isinstance(e, Implies):
            return (not value(e.premise)) or bool(value(e.conclusion))
        if isinstance(e, Ite):
            return value(e.then) if value(e.cond) else value(e.orelse)
        if isinstance(e, Cmp):
            if e.op not in _COMPARE:
                raise EvalError(f"unknown comparison {e.op!r}")
            return _COMPARE[e.op](value(e.left), value(e.right))
        if isinstance(e, Arith):
            a, b = Fraction(value(e.left)), Fraction(value(e.right))
            if e.op not in ("+", "-", "*"):
                raise EvalError(f"unknown arithmetic operator {e.op!r}")
            return a + b if e.op == "+" else a - b if e.op == "-" else a * b
        if isinstance(e, MinMax):
            if e.op not in ("min", "max"):
                raise EvalError(f"unknown operator {e.op!r}")
            vals = [Fraction(value(a)) for a in e.args]
            return max(vals) if e.op == "max" else min(vals)
        if isinstance(e, InGroup):
            return value(e.country) in self.model.spec.group_tables[e.group].members_on(value(e.date))
        if isinstance(e, InSet):
            return value(e.element) in value(e.collection)
        raise EvalError(f"unknown expression node {type(e).__name__}")


def interpret(model: Model, tx: dict[str, Value], expr: Expr) -> Value:
    """The value of `expr` on a complete transaction (parameters from `model.params`)."""
    return as_value(Interpreter(model, tx).value(expr))


def run_interpreted(model: Model, tx: dict[str, Value]) -> Trace:
    """Determine one complete transaction: which rules apply and fire, and from them
    (`trace.decide`) the outcomes and conflicts."""
    it = Interpreter(model, tx)
    first_failing = {r: it.first_failing(r) for r in model.rules}
    return decide(model, applicable=(r for r, i in first_failing.items() if i is None),
                  fired=(r for r in model.rules if it.fires(r)),
                  first_failing={r: i for r, i in first_failing.items() if i is not None})
