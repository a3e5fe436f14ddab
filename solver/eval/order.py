"""The model's nodes in dependency order: what a definition, a rule's applicability, its firing
and an outcome read, and an order that computes each after what it reads.

A node is (kind, name) as `ir.walk.ref` names references: "def", "app" (a rule applies), "fire"
(a rule fires) and "out" (an outcome); inputs and parameters read nothing.
"""
from __future__ import annotations

from typing import Iterable

from ...ir import Model, walk
from ..trace import slot_rules

Node = tuple[str, str]


class EvalError(Exception):
    """The model cannot be evaluated (a dependency cycle, an incomplete transaction, ...)."""


def overriders(model: Model) -> dict[str, list[str]]:
    """For every rule, the rules (present under the reading) that override it."""
    ov: dict[str, list[str]] = {name: [] for name in model.rules}
    for r in model.rules.values():
        for victim in r.overrides:
            if victim in ov:
                ov[victim].append(r.name)
    return ov


def deciding_rules(model: Model) -> dict[str, list[str]]:
    """For every outcome some rule concludes, those rules (each once, in rule order)."""
    out: dict[str, list[str]] = {}
    for (outcome, _slot), rs in slot_rules(model).items():
        rules = out.setdefault(outcome, [])
        rules.extend(r for r, _v in rs if r not in rules)
    return out


class Dependencies:
    """What each node of one model reads."""

    def __init__(self, model: Model):
        self.model = model
        self.overriders = overriders(model)
        self.deciding = deciding_rules(model)

    def of(self, node: Node) -> set[Node]:
        kind, name = node
        model = self.model
        if kind == "def":
            if name not in model.defs:
                raise EvalError(f"no definition named {name!r}")
            return walk.refs(model.defs[name])
        if kind in ("app", "fire") and name not in model.rules:
            raise EvalError(f"no rule named {name!r} under reading {model.reading!r}")
        if kind == "app":
            return set().union(*(walk.refs(c.expr) for c in model.rules[name].conditions))
        if kind == "fire":
            return {("app", name)} | {("fire", o) for o in self.overriders[name]}
        if kind == "out":
            if name not in model.outcomes:
                raise EvalError(f"no outcome named {name!r}")
            return {("fire", r) for r in self.deciding.get(name, ())}
        return set()

    def order(self, roots: Iterable[Node]) -> list[Node]:
        """The nodes reachable from `roots`, dependencies first; EvalError on a cycle."""
        order: list[Node] = []
        state: dict[Node, int] = {}  # 1 = in progress, 2 = done
        for root in roots:
            if state.get(root) == 2:
                continue
            stack = [(root, None)]
            path: list[Node] = []
            while stack:
                node, it = stack.pop()
                if it is None:
                    if state.get(node) == 2:
                        continue
                    if state.get(node) == 1:
                        _cycle(path, node)
                    state[node] = 1
                    path.append(node)
                    it = iter(sorted(d for d in self.of(node) if d[0] not in ("input", "param")))
                nxt = next(it, None)
                if nxt is None:
                    state[node] = 2
                    path.pop()
                    order.append(node)
                    continue
                stack.append((node, it))
                if state.get(nxt) != 2:
                    if state.get(nxt) == 1:
                        _cycle(path, nxt)
                    stack.append((nxt, None))
        return order

    def needed(self, order: list[Node]) -> set[Node]:
        """The fire/out nodes that definitions and rule conditions of `order` read (directly or
        through other fire/out nodes)."""
        need: set[Node] = set()
        for node in order:
            if node[0] in ("def", "app"):
                need |= self.of(node)
        for node in reversed(order):
            if node in need and node[0] in ("fire", "out"):
                need |= self.of(node)
        return need


def _cycle(path: list[Node], node: Node):
    cyc = path[path.index(node):] + [node]
    raise EvalError("dependency cycle: " + " -> ".join(f"{k} {n}" for k, n in cyc))
