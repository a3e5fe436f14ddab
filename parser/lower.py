"""Checked syntax tree -> the typed IR (earl.ir.Spec).

Runs only on a spec the checker accepted: every expression node has its type in `checked.types`
and every name its kind in `checked.refs`.
"""
from __future__ import annotations

from typing import Optional

from .. import ir
from . import ast, decls
from .check import Checked


class Lowerer:
    def __init__(self, types: dict[int, object], refs: dict[int, str]):
        self.types = types
        self.refs = refs

    # -------------------------------------------------------------- expressions
    def expr(self, e) -> ir.Expr:
        if isinstance(e, ast.LITERAL_TYPES):
            return ir.Lit(self.value(e), self.types[id(e)])
        if isinstance(e, ast.Name):
            kind = self.refs[id(e)]
            if kind == "input":
                return ir.InputRef(e.path, self.types[id(e)])
            if kind == "param":
                return ir.ParamRef(e.path, self.types[id(e)])
            if kind == "def":
                return ir.DefRef(e.path, self.types[id(e)])
            if kind == "outcome":
                return ir.OutcomeRef(e.path, self.types[id(e)])
            raise ValueError(f"{e.pos}: name '{e.path}' of kind {kind} in value position")
        if isinstance(e, ast.IfThenElse):
            return ir.Ite(self.expr(e.cond), self.expr(e.then), self.expr(e.orelse))
        if isinstance(e, ast.Implies):
            return ir.Implies(self.expr(e.premise), self.expr(e.conclusion))
        if isinstance(e, ast.BoolOp):
            cls = ir.And if e.op == "and" else ir.Or
            args: list[ir.Expr] = []
            for side in (e.left, e.right):  # flatten a and b and c into one And
                lowered = self.expr(side)
                if isinstance(side, ast.BoolOp) and side.op == e.op and isinstance(lowered, cls):
                    args.extend(lowered.args)
                else:
                    args.append(lowered)
            return cls(tuple(args))
        if isinstance(e, ast.Negation):
            return ir.Not(self.expr(e.arg))
        if isinstance(e, ast.Compare):
            return ir.Cmp(e.op, self.expr(e.left), self.expr(e.right))
        if isinstance(e, ast.Membership):
            coll = e.collection
            if isinstance(coll, ast.Name) and self.refs.get(id(coll)) == "group":
                out: ir.Expr = ir.InGroup(self.expr(e.element), coll.path, ir.InputRef("date", ir.Date()))
            else:
                out = ir.InSet(self.expr(e.element), self.expr(coll))
            return ir.Not(out) if e.negated else out
        if isinstance(e, ast.ArithExpr):
            return ir.Arith(e.op, self.expr(e.left), self.expr(e.right))
        if isinstance(e, ast.MinMaxExpr):
            return ir.MinMax(e.op, tuple(self.expr(a) for a in e.args))
        if isinstance(e, ast.RuleTest):
            return (ir.RuleApplies if e.test == "applies" else ir.RuleFires)(e.rule.name)
        raise TypeError(f"cannot lower {type(e).__name__}")

    def value(self, e) -> ir.Value:
        """The Python value of a (checked) literal."""
        if isinstance(e, (ast.NumberLit, ast.DateLit, ast.BoolLit, ast.StringLit)):
            return e.value
        if isinstance(e, ast.NoneLit):
            return None
        if isinstance(e, ast.SetLit):
            return frozenset(item.value for item in e.items)
        raise TypeError(f"not a literal: {type(e).__name__}")

    def lit(self, e) -> ir.Lit:
        return ir.Lit(self.value(e), self.types[id(e)])

    def conditions(self, rule: decls.RuleDecl) -> tuple[ir.Condition, ...]:
        out: list[ir.Condition] = []
        for c in rule.conditions:
            if rule.when_kind == "single" and not c.negated and c.label is None:
                # `when A and B` without labels: each conjunct is a condition of its own
                for part in _conjuncts(c.expr):
                    out.append(ir.Condition(self.expr(part), "", part.pos))
                continue
            x = self.expr(c.expr)
            out.append(ir.Condition(ir.Not(x) if c.negated else x, c.label or "", c.pos, unless=c.negated))
        return tuple(out)


def _conjuncts(e) -> list:
    if isinstance(e, ast.BoolOp) and e.op == "and":
        return _conjuncts(e.left) + _conjuncts(e.right)
    return [e]


def group_expr(g) -> ir.GroupExpr:
    if isinstance(g, decls.GroupName):
        return ir.GroupName(g.name)
    if isinstance(g, decls.GroupUnion):
        parts: list[ir.GroupExpr] = []
        for side in (g.left, g.right):
            low = group_expr(side)
            if isinstance(side, decls.GroupUnion) and isinstance(low, ir.GroupUnion):
                parts.extend(low.groups)
            else:
                parts.append(low)
        return ir.GroupUnion(tuple(parts))
    if isinstance(g, decls.GroupDiff):
        return ir.GroupDiff(group_expr(g.left), group_expr(g.right))
    raise TypeError(type(g).__name__)


def lower(checked: Checked, files: tuple[str, ...] = ()) -> ir.Spec:
    lw = Lowerer(checked.types, checked.refs)
    dt = checked.decl_types

    enums = {n: ir.EnumDecl(n, tuple(dict.fromkeys(m.value for m in d.members)), d.meta("doc"), d.pos)
             for n, d in checked.enums.items()}
    countries = {code: ir.CountryInfo(code, name) for code, name in sorted(checked.countries.items())}
    groups: dict[str, ir.Group] = {}
    for n, g in checked.groups.items():
        title = g.title.value if g.title else ""
        if g.members is not None:
            members = tuple(ir.Membership(m.code, m.since, m.until) for m in g.members)
            groups[n] = ir.Group(n, title, g.meta("cite"), members=members, doc=g.meta("doc"), pos=g.pos)
        else:
            groups[n] = ir.Group(n, title, g.meta("cite"), definition=group_expr(g.definition),
                                 doc=g.meta("doc"), pos=g.pos)
    readings = {n: ir.Reading(n, r.meta("doc"), r.is_default, r.pos) for n, r in checked.readings.items()}

    inputs: dict[str, ir.InputDecl] = {}
    for p, d in checked.inputs.items():
        t = dt[id(d)]
        if isinstance(d.default, ast.Name):
            default: ir.Expr = ir.InputRef(d.default.path, t)
        else:
            default = ir.Lit(lw.value(d.default), t)
        inputs[p] = ir.InputDecl(p, t, default, d.meta("doc"), _min(d.minimum), d.pos)

    params: dict[str, ir.ParamDecl] = {}
    for n, d in checked.params.items():
        t = dt[id(d)]
        params[n] = ir.ParamDecl(
            n, t, ir.Lit(lw.value(d.default), t),
            by_reading={u.reading.name: ir.Lit(lw.value(u.value), t) for u in d.unders},
            minimum=_min(d.minimum), doc=d.meta("doc"), cite=d.meta("cite"), pos=d.pos)

    defs: dict[str, ir.DefDecl] = {}
    for n, d in checked.defs.items():
        defs[n] = ir.DefDecl(n, dt[id(d)], lw.expr(d.body),
                             by_reading={u.reading.name: lw.expr(u.value) for u in d.unders},
                             doc=d.meta("doc"), cite=d.meta("cite"), pos=d.pos)

    outcomes: dict[str, ir.OutcomeDecl] = {}
    for n, d in checked.outcomes.items():
        t = dt[id(d)]
        if isinstance(t, ir.SetOf):
            default_lit = ir.Lit(frozenset(), t)
        elif d.default is None:  # an optional enum without a default
            default_lit = ir.Lit(None, t)
        else:
            default_lit = ir.Lit(lw.value(d.default), t)
        outcomes[n] = ir.OutcomeDecl(n, t, default_lit, d.meta("doc"), d.pos)

    rules: dict[str, ir.Rule] = {}
    for n, r in checked.rules.items():
        conclusions = []
        for c in r.conclusions:
            if c.op == "=":
                conclusions.append(ir.Conclusion(c.target.name, None, lw.value(c.value), c.pos))
            else:
                conclusions.append(ir.Conclusion(c.target.name, c.value.value, c.op == "+=", c.pos))
        rules[n] = ir.Rule(
            name=n, title=r.title.value if r.title else "", cite=r.meta("cite"),
            conditions=lw.conditions(r), conclusions=tuple(conclusions),
            overrides=tuple(o.name for o in r.overrides),
            readings=_readings(r, checked.readings), quote=_quote(r),
            intended=tuple(t.value for t in r.intended), pos=r.pos,
            sources=tuple(ir.Source(s.kind, s.name.value) for s in r.sources))

    properties: dict[str, ir.PropertyDecl] = {}
    for n, p in checked.properties.items():
        default_expect = "holds"
        by_reading: dict[str, str] = {}
        for x in p.expects:
            if not x.readings:
                default_expect = x.result
            for rd in x.readings:
                by_reading[rd.name] = x.result
        properties[n] = ir.PropertyDecl(n, p.title.value if p.title else "", p.meta("cite"), lw.expr(p.body),
                                        default_expect, by_reading, p.meta("doc"), p.pos,
                                        readings=_readings(p, checked.readings))

    examples: dict[str, ir.ExampleDecl] = {}
    for n, x in checked.examples.items():
        examples[n] = ir.ExampleDecl(
            n, x.title.value if x.title else "", x.meta("cite"),
            given={b.target.name: lw.value(b.value) for b in x.given},
            expect={b.target.name: lw.value(b.value) for b in x.expect},
            reading=x.under[0].name if x.under else None,
            params={b.target.name: lw.value(b.value) for b in x.params},
            doc=x.meta("doc"), pos=x.pos)

    in_force = None
    if checked.in_force is not None:
        f = checked.in_force
        in_force = ir.InForce(f.since, {u.reading.name: u.since for u in f.unders},
                              doc=f.meta("doc"), cite=f.meta("cite"), pos=f.pos)
    notices = {n: ir.Notice(n, d.title.value if d.title else "", d.meta("doc"), lw.expr(d.condition), d.pos)
               for n, d in checked.notices.items()}

    return ir.Spec(in_force=in_force, notices=notices, enums=enums, countries=countries, groups=groups, readings=readings, inputs=inputs,
                   params=params, defs=defs, outcomes=outcomes, rules=rules, properties=properties,
                   examples=examples, files=tuple(files))


def _readings(d, all_readings) -> frozenset[str]:
    """The readings a rule or property exists under (empty = all)."""
    if d.except_under:
        return frozenset(all_readings) - {x.name for x in d.except_under}
    return frozenset(x.name for x in d.only_under)


def _min(n: Optional[ast.NumberLit]):
    return n.value if n is not None else None


def _quote(d: decls.Decl) -> str:
    return "\n".join(m.text for m in d.metas if m.kind == "quote")
