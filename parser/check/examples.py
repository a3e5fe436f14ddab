"""Properties (expectations by reading), examples (bindings), `in_force` and notices."""
from __future__ import annotations

from typing import Optional

from ... import ir
from .. import ast, decls
from ..diagnostics import did_you_mean
from .checked import Checked
from .dependencies import names_in
from .expressions import Reader


def check_properties(c: Checked) -> None:
    for name, p in c.properties.items():
        c.reading_scope(p)
        c.check_expr(p.body, ir.Bool(), f"the body of property '{name}'",
                     Reader(f"property '{name}'", c.exists_under(p)))
        default: Optional[decls.Expectation] = None
        seen: set[str] = set()
        for x in p.expects:
            if not x.readings:
                if default is not None:
                    c.err(x, f"property '{name}' has two default expectations",
                          "add 'under READING' to one of them")
                default = x
            for rd in x.readings:
                if c.reading_ref(rd) and rd.name in seen:
                    c.err(rd, f"property '{name}' states two expectations under '{rd.name}'",
                          length=len(rd.name))
                seen.add(rd.name)


def check_examples(c: Checked) -> None:
    for name, ex in c.examples.items():
        if len(ex.under) > 1:
            c.err(ex.under[1], f"example '{name}' names two readings; an example runs under one",
                  length=len(ex.under[1].name))
        for rd in ex.under:
            c.reading_ref(rd)
        _bindings(c, ex.given, c.inputs, "input", name)
        _bindings(c, ex.expect, c.outcomes, "outcome", name)
        _bindings(c, ex.params, c.params, "parameter", name)


def _bindings(c: Checked, bindings: list[decls.Binding], table: dict, what: str, example: str) -> None:
    seen: set[str] = set()
    for b in bindings:
        target = b.target.name
        if target in seen:
            c.err(b.target, f"example '{example}' sets {what} '{target}' twice", length=len(target))
        seen.add(target)
        d = table.get(target)
        if d is None:
            c.err(b.target, f"undefined {what} '{target}'", did_you_mean(target, table), len(target))
            continue
        t = c.decl_types[id(d)]
        if t is None:
            continue
        if c.ec.check_literal(b.value, t, f"the value of {what} '{target}'") is None:
            continue
        low = getattr(d, "minimum", None)
        if low is not None and isinstance(b.value, ast.NumberLit) and b.value.value < low.value:
            c.err(b.value, f"the value of {what} '{target}', {b.value.text}, is below its minimum {low.text}",
                  length=len(b.value.text))


def check_in_force(c: Checked) -> None:
    f = c.in_force
    if f is None:
        return
    if "date" not in c.inputs:
        c.err(f, "'in_force' bounds the input 'date', which the spec does not declare")
    seen: set[str] = set()
    for u in f.unders:
        if c.reading_ref(u.reading) and u.reading.name in seen:
            c.err(u.reading, f"'in_force' states two dates under '{u.reading.name}'",
                  length=len(u.reading.name))
        seen.add(u.reading.name)


def check_notices(c: Checked) -> None:
    for name, n in c.notices.items():
        c.check_expr(n.condition, ir.Bool(), f"the condition of notice '{name}'",
                     Reader(f"notice '{name}'", frozenset(c.readings)))
        used: list = []
        names_in(c, n.condition, used)
        for kind, ref, node in used:
            if kind not in ("outcome", "group", "enum"):
                read = f"{kind}({ref})" if kind in ("applies", "fires") else f"{kind} '{ref}'"
                c.err(node, f"notice '{name}' reads {read}: a notice's condition reads "
                               "outcomes only (it is shown with the answer, from the decided outcomes)",
                      length=len(ref))
        if not n.meta("doc").strip():
            c.err(n.name, f"notice '{name}' has no 'doc': the doc is the text the answer shows",
                  length=len(name))
