"""Rules: cites, overrides (and their cycles), readings, sources, conditions and conclusions."""
from __future__ import annotations

from ... import ir
from .. import ast, decls
from ..diagnostics import did_you_mean
from .checked import Checked
from .cycles import cycles
from .expressions import Reader
from .types import article as _a, type_str

INTENDED_KINDS = ("shadowed", "dead", "conflict")


def check_rules(c: Checked) -> None:
    for name, rule in c.rules.items():
        if not rule.meta("cite").strip():
            c.err(rule.name, f"rule '{name}' has no 'cite': every rule cites the provision it transcribes",
                  'add e.g. cite "Reg. 12(a)(3)"', len(name))
        for o in rule.overrides:
            if o.name not in c.rules:
                c.err(o, f"rule '{name}' overrides undefined rule '{o.name}'",
                      did_you_mean(o.name, c.rules), len(o.name))
            elif o.name == name:
                c.err(o, f"rule '{name}' overrides itself", length=len(name))
        c.reading_scope(rule)
        for t in rule.intended:
            if t.value not in INTENDED_KINDS:
                c.err(t, f"unknown intended finding \"{t.value}\": one of "
                            + ", ".join(f'"{k}"' for k in INTENDED_KINDS),
                      did_you_mean(t.value, INTENDED_KINDS), len(t.value) + 2)
        for src in rule.sources:
            if not src.name.value.strip():
                c.err(src, f"rule '{name}': a '{src.kind}' source must say which "
                              + ("version of the text it is" if src.kind == "verbatim" else "source it is"),
                      'e.g. source verbatim "15 CFR as of 2025-01-15" or source secondary "Wiley alert"')
        reader = Reader(f"rule '{name}'", c.exists_under(rule))
        for condition in rule.conditions:
            what = "an 'unless' condition" if condition.negated else "a condition"
            c.check_expr(condition.expr, ir.Bool(), what, reader)
        slots: dict[tuple, decls.ConclusionAst] = {}
        for conclusion in rule.conclusions:
            _conclusion(c, rule, conclusion, slots)
    _check_override_cycles(c)


def _conclusion(ck: Checked, rule: decls.RuleDecl, c: decls.ConclusionAst, slots: dict) -> None:
    target = c.target.name
    d = ck.outcomes.get(target)
    if d is None:
        kind = ck.scope.lookup(target)
        msg = (f"'{target}' is {_a(kind[0])}, not an outcome: rules conclude outcomes" if kind
               else f"undefined outcome '{target}'")
        ck.err(c.target, msg, did_you_mean(target, ck.outcomes), len(target))
        return
    t = ck.decl_types[id(d)]
    if t is None:
        return
    if c.op == "=":
        if isinstance(t, ir.SetOf):
            ck.err(c, f"outcome '{target}' is a set: conclude members with '+=' or '-='",
                   f"write e.g. {target} += \"...\"", len(target))
            return
        ck.ec.check_literal(c.value, t, f"the value concluded for '{target}'")
        key = (target, None)
    else:
        if not isinstance(t, ir.SetOf):
            ck.err(c, f"'{c.op}' adds or removes a member of a set outcome, and '{target}' is "
                        f"{_a(type_str(t))}", f"write {target} = ...", len(target))
            return
        if not isinstance(c.value, ast.StringLit):
            ck.err(c.value, f"'{c.op}' takes one member of enum {t.enum} (a string)")
            return
        if ck.ec.check(c.value, ir.Enum(t.enum)) is None:
            return
        key = (target, c.value.value)
    if key in slots:
        ck.err(c, f"rule '{rule.name.name}' concludes {target}"
                    f"{'' if key[1] is None else ' ' + repr(key[1])} twice", length=len(target))
    slots[key] = c


def _check_override_cycles(c: Checked) -> None:
    graph = {n: [o.name for o in r.overrides if o.name in c.rules and o.name != n]
             for n, r in c.rules.items()}
    for cycle in cycles(graph):
        rule = c.rules[cycle[0]]
        anchor = next((o for o in rule.overrides if o.name == cycle[1]), rule.name)
        c.err(anchor, "circular overrides: " + " -> ".join(cycle), length=len(anchor.name))
