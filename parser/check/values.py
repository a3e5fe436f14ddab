"""Inputs (defaults, nesting, minimums, default cycles), parameters, definitions and outcomes."""
from __future__ import annotations

from ... import ir
from ...ir import Pos
from .. import ast, decls
from ..diagnostics import did_you_mean
from .checked import Checked
from .expressions import Reader
from .types import assignable, type_str


def check_inputs(c: Checked) -> None:
    date = c.inputs.get("date")
    if date is None:
        anchor = c.files[0].path if c.files else "<spec>"
        c.r.error(Pos(anchor, 1, 1), "no input named 'date': every spec declares 'input date : date' "
                                        "(the transaction's date, which selects dated group members)")
    elif c.decl_types[id(date)] is not None and c.decl_types[id(date)] != ir.Date():
        c.err(date.type, f"the input 'date' must have type date, not {date.type}")
    paths = set(c.inputs)
    for p, d in c.inputs.items():
        parts = p.split(".")
        for i in range(1, len(parts)):
            prefix = ".".join(parts[:i])
            if prefix in paths:
                c.err(d.name, f"input '{p}' is inside input '{prefix}', which is not an object "
                                 f"(declared at {c.inputs[prefix].pos})", length=len(p))
    edges: dict[str, ast.Name] = {}
    for p, d in c.inputs.items():
        t = c.decl_types[id(d)]
        e = d.default
        if isinstance(e, ast.Name):
            other = c.inputs.get(e.path)
            if other is None:
                c.err(e, f"the default of an input is a literal or another input, and '{e.path}' is not an input",
                      did_you_mean(e.path, c.inputs), len(e.path))
                continue
            c.ec.refs[id(e)] = "input"
            ot = c.decl_types[id(other)]
            if t is not None and ot is not None:
                if not assignable(ot, t):
                    c.err(e, f"input '{p}' has type {type_str(t)} but its default, input '{e.path}', "
                                f"has type {type_str(ot)}", length=len(e.path))
                else:
                    c.ec.types[id(e)] = ot
            edges[p] = e
        elif t is not None:
            if not isinstance(e, ast.LITERAL_TYPES):
                c.err(e, f"the default of input '{p}' must be a literal or another input's path")
                continue
            c.ec.check(e, t, f"the default of input '{p}'")
        _minimum(c, d, t, e)
    # cycles among input defaults
    for start in edges:
        seen = [start]
        cur = start
        while cur in edges:
            nxt = edges[cur].path
            if nxt == start:
                if start == min(seen):
                    c.err(edges[start], "circular input defaults: " + " -> ".join(seen + [start]),
                          length=len(edges[start].path))
                break
            if nxt in seen:
                break
            seen.append(nxt)
            cur = nxt


def _minimum(c: Checked, d, t, default) -> None:
    if d.minimum is None:
        return
    if t is not None and not isinstance(t, ir.Num):
        c.err(d.minimum, f"'min' bounds numbers, and {d.kind} '{d.name.name}' has type {type_str(t)}")
        return
    if isinstance(default, ast.NumberLit) and default.value < d.minimum.value:
        c.err(default, f"the default {default.text} is below the minimum {d.minimum.text}",
              length=len(default.text))


def check_params(c: Checked) -> None:
    for name, d in c.params.items():
        t = c.decl_types[id(d)]
        if t is None:
            continue
        c.ec.check_literal(d.default, t, f"the default of parameter '{name}'")
        _minimum(c, d, t, d.default)
        seen: dict[str, decls.UnderClause] = {}
        for u in d.unders:
            if c.reading_ref(u.reading) and u.reading.name in seen:
                c.err(u.reading, f"parameter '{name}' already has a value under '{u.reading.name}'",
                      length=len(u.reading.name))
            seen.setdefault(u.reading.name, u)
            c.ec.check_literal(u.value, t, f"the value of parameter '{name}' under {u.reading.name}")
            _minimum(c, d, t, u.value)


def check_defs(c: Checked) -> None:
    for name, d in c.defs.items():
        t = c.decl_types[id(d)]
        everywhere_else = frozenset(c.readings) - {u.reading.name for u in d.unders}
        c.check_expr(d.body, t, f"the body of definition '{name}'", Reader(f"definition '{name}'", everywhere_else))
        seen: set[str] = set()
        for u in d.unders:
            if c.reading_ref(u.reading) and u.reading.name in seen:
                c.err(u.reading, f"definition '{name}' already has a body under '{u.reading.name}'",
                      length=len(u.reading.name))
            seen.add(u.reading.name)
            c.check_expr(u.value, t, f"the body of definition '{name}' under {u.reading.name}",
                         Reader(f"definition '{name}' under {u.reading.name}", frozenset({u.reading.name})))


def check_outcomes(c: Checked) -> None:
    for name, d in c.outcomes.items():
        t = c.decl_types[id(d)]
        if t is None:
            continue
        if d.default is None:
            if not isinstance(t, ir.SetOf) and not (isinstance(t, ir.Enum) and t.optional):
                c.err(d.name, f"outcome '{name}' needs a default (the value when no rule decides it)",
                      f"write e.g. 'outcome {name} : {d.type} = ...'", len(name))
            continue
        if isinstance(t, ir.SetOf):
            if not (isinstance(d.default, ast.SetLit) and not d.default.items):
                c.err(d.default, f"the default of set outcome '{name}' is always {{}}: "
                                    "rules add and remove members")
                continue
        c.ec.check_literal(d.default, t, f"the default of outcome '{name}'")
