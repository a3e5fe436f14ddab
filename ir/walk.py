"""Passes over expressions, written once: rebuild bottom-up, collect references, follow names.

Every analysis, engine and view that needs "what does this read" or "the same expression with
these parts changed" uses these, so each node kind is handled in one place (nodes.py).

>>> from fractions import Fraction
>>> from earl.ir import Bool, Cmp, Lit, Num
>>> e = Or((InputRef("a", Bool()), Cmp("<", DefRef("d", Num()), Lit(Fraction(1), Num()))))
>>> sorted(refs(e))
[('def', 'd'), ('input', 'a')]
>>> transform(e, lambda n: Lit(True, Bool()) if isinstance(n, InputRef) else n).args[0]
Lit(value=True, type=Bool())
"""
from __future__ import annotations

from typing import Callable, Mapping

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


def reads(expr: Expr, defs: Mapping[str, Expr]) -> set[tuple[str, str]]:
    """What `expr` reads, following definitions through `defs` (name -> body); the definitions
    passed through are included."""
    seen: set[tuple[str, str]] = set()
    todo: list[Expr] = [expr]
    while todo:
        for r in refs(todo.pop()):
            if r not in seen:
                seen.add(r)
                if r[0] == "def" and r[1] in defs:
                    todo.append(defs[r[1]])
    return seen
