"""The checker: names, types and the well-formedness rules of docs/language.md.

`check(files, reporter)` checks the syntax trees of all files of a spec together and reports every
problem it finds (it does not stop at the first); `check_condition(spec, tree, reporter)` checks
one condition typed on the command line against a loaded spec. Both record, for the lowering, the
type of every expression node and what every name refers to.

One module per concern: `types` (what compares with what), `scope` (the names a spec declares),
`expressions` (typing one expression), `domains` (readings, enums, countries, groups), `values`
(inputs, parameters, definitions, outcomes), `rules`, `examples` (properties, examples, in_force,
notices), `dependencies` (no cycles, unused names) and `cycles`, over the shared `Checked`.
"""
from __future__ import annotations

from ... import ir
from .. import ast, decls
from ..diagnostics import Reporter, did_you_mean
from . import dependencies, domains, examples, rules, values
from .checked import Checked
from .expressions import ExprChecker, Reader
from .scope import Scope, reserved_words
from .types import BUILTIN_TYPES, COUNTRY_SET, article

__all__ = ["check", "check_condition", "Checked", "COUNTRY_SET"]


def check(files: list[decls.File], reporter: Reporter) -> Checked:
    scope = Scope()
    c = Checked(files, reporter, scope, ExprChecker(scope, reporter))
    decls = [d for f in files for d in f.decls]
    by_kind: dict[str, list] = {}
    for d in decls:
        by_kind.setdefault(d.kind, []).append(d)
        _metas(c, d)
        if d.kind not in ("countries", "in_force"):  # no name of their own
            _reserved(c, d)
    c.readings = _unique(c, by_kind.get("reading", []), "reading")
    c.enums = _unique(c, by_kind.get("enum", []), "enum")
    _unique(c, [d for d in decls if d.kind in ("input", "param", "def", "outcome", "group")], "name")
    c.inputs = _first(by_kind.get("input", []))
    c.params = _first(by_kind.get("param", []))
    c.defs = _first(by_kind.get("def", []))
    c.outcomes = _first(by_kind.get("outcome", []))
    c.groups = _first(by_kind.get("group", []))
    c.rules = _unique(c, by_kind.get("rule", []), "rule")
    c.properties = _unique(c, by_kind.get("property", []), "property")
    c.examples = _unique(c, by_kind.get("example", []), "example")
    c.notices = _unique(c, by_kind.get("notice", []), "notice")
    in_force = by_kind.get("in_force", [])
    for extra in in_force[1:]:
        c.err(extra, f"a second 'in_force' declaration: the first is at {in_force[0].pos}",
              "one 'in_force from DATE' per spec; readings differ with 'under READING from DATE'")
    c.in_force = in_force[0] if in_force else None

    domains.check_readings(c)
    domains.check_enums(c)
    domains.check_countries(c, by_kind.get("countries", []))
    _declare(c)
    domains.check_groups(c)
    values.check_inputs(c)
    values.check_params(c)
    values.check_defs(c)
    values.check_outcomes(c)
    rules.check_rules(c)
    examples.check_properties(c)
    examples.check_examples(c)
    examples.check_in_force(c)
    examples.check_notices(c)
    dependencies.check_dependencies(c)
    if not reporter.errors:  # while there are errors, "unused" is mostly noise
        dependencies.check_unused(c)
    return c


def check_condition(spec: ir.Spec, tree, reporter: Reporter) -> ExprChecker:
    """Type a boolean condition over `spec`'s names; the returned checker holds the types and the
    kinds of names. It may be asked under any reading, so an `applies(R)` / `fires(R)` in it needs
    a rule R that exists under every reading."""
    checker = ExprChecker(Scope.of_spec(spec), reporter)
    checker.reader = Reader("the condition", frozenset(spec.readings))
    checker.check(tree, ir.Bool(), "the condition")
    return checker


def _declare(c: Checked) -> None:
    """The types of every input, parameter, definition and outcome, and the readings of every
    rule, before any expression is checked."""
    for table in (c.inputs, c.params, c.defs, c.outcomes):
        for d in table.values():
            c.decl_types[id(d)] = _type(c, d)
    for table, names in ((c.inputs, c.scope.inputs), (c.params, c.scope.params), (c.defs, c.scope.defs),
                         (c.outcomes, c.scope.outcomes)):
        names.update({n: c.decl_types[id(d)] for n, d in table.items() if c.decl_types[id(d)]})
    c.scope.groups.update(c.groups)
    c.scope.rules.update({n: c.exists_under(r) for n, r in c.rules.items()})


def _reserved(c: Checked, d: decls.Decl) -> None:
    first = d.name.name.split(".")[0]
    if first in reserved_words():
        c.err(d.name, f"'{first}' is a reserved word of the language and cannot name {article(d.kind)}",
              length=len(first))


def _metas(c: Checked, d: decls.Decl) -> None:
    seen: dict[str, ast.MetaClause] = {}
    for m in d.metas:
        if m.kind in ("cite", "doc") and m.kind in seen:
            c.err(m, f"{d.kind} '{d.name.name}' has two '{m.kind}' clauses",
                  f"the first is at line {seen[m.kind].pos.line}; write one '{m.kind}' "
                  "(adjacent strings concatenate)")
        seen.setdefault(m.kind, m)


def _first(decls) -> dict:
    out = {}
    for d in decls:
        out.setdefault(d.name.name, d)
    return out


def _unique(c: Checked, decls, what: str) -> dict:
    out: dict = {}
    for d in decls:
        name = d.name.name
        if name in out:
            prev = out[name]
            c.err(d.name, f"duplicate {what} '{name}': {prev.kind} '{name}' is already declared at "
                          f"{prev.pos}", length=len(name))
        else:
            out[name] = d
    return out


def _type(c: Checked, d):
    tr: ast.TypeRef = d.type
    if tr is None:
        return None
    if tr.is_set:
        if d.kind != "outcome":
            c.err(tr, f"a set type is allowed only for outcomes, not for {article(d.kind)}")
            return None
        if tr.name not in c.enums:
            c.err(tr, f"'set of {tr.name}': undefined enum '{tr.name}'", did_you_mean(tr.name, c.enums),
                  len(str(tr)))
            return None
        return ir.SetOf(tr.name)
    if tr.name in BUILTIN_TYPES:
        if tr.optional:
            c.err(tr, f"only enums can be optional, not {tr.name}")
            return None
        return BUILTIN_TYPES[tr.name]
    if tr.name in c.enums:
        return ir.Enum(tr.name, optional=tr.optional)
    c.err(tr, f"undefined type '{tr.name}'", did_you_mean(tr.name, [*BUILTIN_TYPES, *c.enums]),
          len(tr.name))
    return None
