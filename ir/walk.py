"""Passes over expressions, written once: rebuild bottom-up, collect references, follow names.

Every analysis, engine and view that needs "what does this read" or "the same expression with
these parts changed" uses these, so each node kind is handled in one place (nodes.py).

>>> from fractions import Fraction
>>> from earl.ir import Bool, Cmp, DefRef, InputRef, Lit, Num, Or
>>> e = Or((InputRef("a", Bool()), Cmp("<", DefRef("d", Num()), Lit(Fraction(1), Num()))))
>>> sorted(refs(e))
[('def', 'd'), ('input', 'a')]
>>> transform(e, lambda n: Lit(True, Bool()) if isinstance(n, InputRef) else n).args[0]
Lit(value=True, type=Bool())
>>> sorted(reads(e, {"d": InputRef("b", Num())}))
[('def', 'd'), ('input', 'a'), ('input', 'b')]
"""
from __future__ import annotations

from typing import Callable, Mapping

from .decls import Rule
from .nodes import DefRef, Expr, InputRef, OutcomeRef, ParamRef, RuleApplies, RuleFires

# the kind of model node each reference reads, as the evaluator orders them
REF_KINDS: dict[type, tuple[str, str]] = {
    InputRef: ("input", "path"), ParamRef: ("param", "name"), DefRef: ("def", "name"),
    OutcomeRef: ("out", "name"), RuleApplies: ("app", "rule"), RuleFires: ("fire", "rule"),
}


def ref(node: Expr) -> tuple[str, str] | None:
    """("input"|"param"|"def"|"out"|"app"|"fire", name) for a reference, else None."""
    kind = REF_KINDS.get(type(node))
    return (kind[0], getattr(node, kind[1])) if kind else None


def refs(expr: Expr) -> set[tuple[str, str]]:
    """The model nodes `expr` reads directly (definitions not followed)."""
    return {r for n in expr.walk() if (r := ref(n)) is not None}


def transform(expr: Expr, fn: Callable[[Expr], Expr]) -> Expr:
    """`fn` applied bottom-up: to each node after its children were transformed."""
    return fn(expr.replace_children(tuple(transform(c, fn) for c in expr.children())))


def reads(expr: Expr, defs: Mapping[str, Expr], rules: Mapping[str, Rule] | None = None) -> set[tuple[str, str]]:
    """What `expr` reads, following definitions through `defs` (name -> body) and, when `rules`
    are given, rule tests through the rules' conditions (`fires(r)` also through the conditions
    of the rules that override r); the definitions and rules passed through are included."""
    seen: set[tuple[str, str]] = set()
    todo: list[Expr] = [expr]
    while todo:
        for r in refs(todo.pop()):
            if r in seen:
                continue
            seen.add(r)
            kind, name = r
            if kind == "def" and name in defs:
                todo.append(defs[name])
            elif kind in ("app", "fire") and rules is not None and name in rules:
                todo.extend(c.expr for c in rules[name].conditions)
                if kind == "fire":
                    todo.extend(RuleFires(other.name) for other in rules.values() if name in other.overrides)
    return seen
