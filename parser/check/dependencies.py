"""What expressions read, the dependency graph of definitions, rules and outcomes (no cycles, also
none through `applies(R)` / `fires(R)`), and unused definitions and parameters."""
from __future__ import annotations

from .. import ast
from .checked import Checked
from .cycles import cycles


def children(e) -> list:
    """The sub-expressions of a syntax-tree expression."""
    if isinstance(e, ast.SetLit):
        return list(e.items)
    if isinstance(e, ast.IfThenElse):
        return [e.cond, e.then, e.orelse]
    if isinstance(e, ast.Implies):
        return [e.premise, e.conclusion]
    if isinstance(e, (ast.BoolOp, ast.Compare, ast.ArithExpr)):
        return [e.left, e.right]
    if isinstance(e, ast.Negation):
        return [e.arg]
    if isinstance(e, ast.Membership):
        return [e.element, e.collection]
    if isinstance(e, ast.MinMaxExpr):
        return list(e.args)
    return []


def names_in(c: Checked, e, out: list) -> None:
    """(kind, name, node) of every name and rule test an expression uses; kind is input, param,
    def, outcome or group for a name, applies or fires for a rule test."""
    if isinstance(e, (ast.Name, ast.RuleTest)):
        kind = c.ec.refs.get(id(e))
        if kind:
            out.append((kind, e.path if isinstance(e, ast.Name) else e.rule.name, e))
        return
    for child in children(e):
        names_in(c, child, out)


def check_dependencies(c: Checked) -> None:
    """A graph over ("def", d), ("outcome", o), ("rule", r) (the rule fires) and ("applies", r)
    (its conditions hold); an edge points at what its source needs first."""
    graph: dict[tuple, list] = {}
    where: dict[tuple, dict[tuple, ast.Node]] = {}
    override_edges: set[tuple[tuple, tuple]] = set()

    def edge(src: tuple, dst: tuple, node: ast.Node) -> None:
        graph.setdefault(src, []).append(dst)
        where.setdefault(src, {}).setdefault(dst, node)

    def add(src: tuple, exprs) -> None:
        used: list = []
        for e in exprs:
            names_in(c, e, used)
        for kind, name, node in used:
            if kind in ("def", "outcome"):
                edge(src, (kind, name), node)
            elif kind == "applies":
                edge(src, ("applies", name), node)
            elif kind == "fires":
                edge(src, ("rule", name), node)

    for name, d in c.defs.items():
        add(("def", name), [d.body, *(u.value for u in d.unders)])
    for name, r in c.rules.items():
        conditions = [condition.expr for condition in r.conditions]
        add(("rule", name), conditions)
        add(("applies", name), conditions)
        for o in r.overrides:
            if o.name in c.rules:
                # a rule fires only if the rules that override it do not
                edge(("rule", o.name), ("rule", name), o)
                override_edges.add((("rule", o.name), ("rule", name)))
        for conclusion in r.conclusions:
            if conclusion.target.name in c.outcomes:
                edge(("outcome", conclusion.target.name), ("rule", name), conclusion)
    for cycle in cycles(graph):
        if all(step in override_edges for step in zip(cycle, cycle[1:])):
            continue  # a cycle of overrides alone: already reported as such
        at_test = next((i for i in range(len(cycle) - 1)
                        if isinstance(where[cycle[i]][cycle[i + 1]], ast.RuleTest)), 0)
        cycle = cycle[at_test:-1] + cycle[:at_test + 1]  # told from the rule test, if one is in it
        node = where[cycle[0]][cycle[1]]
        words = " -> ".join(f"{k} {n}" for k, n in cycle)
        if isinstance(node, ast.Name):
            length = len(node.path)
        elif isinstance(node, ast.RuleTest):
            length = len(f"{node.test}({node.rule.name})")
        else:
            length = 1
        c.err(node, f"circular dependency: {words}", length=length)


def check_unused(c: Checked) -> None:
    used = c.ec.used
    for name, d in c.defs.items():
        if ("def", name) not in used:
            c.r.warning(d.name.pos, f"definition '{name}' is never used", length=len(name))
    for name, d in c.params.items():
        if ("param", name) not in used:
            c.r.warning(d.name.pos, f"parameter '{name}' is never used", length=len(name))

