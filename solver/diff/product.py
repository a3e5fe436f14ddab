"""The product of two sides: one model over one transaction, and the changes between them.

Both sides are renamed into one *product* model (`left.`/`right.` prefixes on their rules,
outcomes and the definitions that differ; parameters folded to their values; a fixed date folded
into every expression), so one symbolic transaction feeds both sides and the ordinary proof layer
answers every question about the pair.
"""
from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass, field
from typing import Callable, Sequence

from ... import ir
from ...ir.values import render_value

LEFT, RIGHT = "left", "right"
SIDES = (LEFT, RIGHT)
PRODUCT_READING = "diff"


class DiffError(ValueError):
    """The two sides cannot be compared (different vocabularies, an unknown field...)."""


# --------------------------------------------------------------------------- sides

@dataclass(frozen=True)
class Side:
    """One side of a comparison: `spec` under `reading` (None: the spec's default), with
    parameters fixed to `params` (the rest keep the reading's values) and, if `date` is set, the
    transaction date fixed to it. `label` says where the spec came from."""
    spec: ir.Spec
    reading: str | None = None
    params: dict[str, ir.Value] = field(default_factory=dict)
    date: datetime.date | None = None
    label: str = ""

    def describe(self) -> str:
        parts = [self.label or "spec", f"reading {self.reading or self.spec.default_reading}"]
        parts += [f"{k} = {render_value(v)}" for k, v in sorted(self.params.items())]
        if self.date is not None:
            parts.append(f"date {self.date.isoformat()}")
        return ", ".join(parts)


def date_input(spec: ir.Spec) -> str:
    """The spec's one date-typed input (what `date=` fixes)."""
    found = [p for p, d in spec.inputs.items() if isinstance(d.type, ir.Date)]
    if len(found) != 1:
        raise DiffError(f"date= needs a spec with exactly one date input; this one has "
                        f"{len(found)}" + (f" ({', '.join(found)})" if found else ""))
    return found[0]


def side_model(side: Side) -> ir.Model:
    """The side as a Model with every parameter fixed and the fixed date folded in."""
    reading = side.reading or side.spec.default_reading
    if reading not in side.spec.readings:
        raise DiffError(f"no reading named {reading!r}; readings: {', '.join(side.spec.readings)}")
    base = ir.resolve(side.spec, reading)
    model = ir.resolve(side.spec, reading, {**base.params, **side.params})
    if side.date is None:
        return model
    path = date_input(side.spec)
    day = ir.Lit(side.date, ir.Date())
    pin = lambda e: day if e == side.spec.input_ref(path) else None   # noqa: E731
    return dataclasses.replace(
        model, defs={n: rewrite(b, pin) for n, b in model.defs.items()},
        rules={n: _rewrite_rule(r, pin, lambda s: s, lambda s: s) for n, r in model.rules.items()})


# --------------------------------------------------------------------------- rewriting

def rewrite(e: ir.Expr, f: Callable[[ir.Expr], ir.Expr | None]) -> ir.Expr:
    """`e` with every subexpression `x` for which `f(x)` is not None replaced by `f(x)`, top
    down: a replaced node is not looked into (unlike `ir.transform`, which maps bottom up)."""
    hit = f(e)
    if hit is not None:
        return hit
    return e.replace_children(tuple(rewrite(c, f) for c in e.children()))


def _rewrite_rule(r: ir.Rule, f, rule_name, outcome_name) -> ir.Rule:
    return dataclasses.replace(
        r, name=rule_name(r.name),
        conditions=tuple(dataclasses.replace(c, expr=rewrite(c.expr, f)) for c in r.conditions),
        conclusions=tuple(dataclasses.replace(c, outcome=outcome_name(c.outcome)) for c in r.conclusions),
        overrides=tuple(rule_name(o) for o in r.overrides), readings=frozenset())


def _group_rewrite(g: ir.GroupExpr, name: Callable[[str], str]) -> ir.GroupExpr:
    if isinstance(g, ir.GroupName):
        return ir.GroupName(name(g.name))
    if isinstance(g, ir.GroupUnion):
        return ir.GroupUnion(tuple(_group_rewrite(x, name) for x in g.groups))
    return ir.GroupDiff(_group_rewrite(g.base, name), _group_rewrite(g.minus, name))


# --------------------------------------------------------------------------- the product model

@dataclass
class Pair:
    """Two sides renamed into one model over one transaction."""
    left: ir.Model
    right: ir.Model
    product: ir.Model
    fields: list[str]                 # outcomes both sides declare with one type
    one_sided: list[str]              # outcomes only one side declares (or typed differently)
    agreed: set[str] = field(default_factory=set)   # definitions proved the same on both sides

    def outcome(self, side: str, name: str) -> ir.OutcomeRef:
        return self.product.spec.outcome_ref(f"{side}.{name}")

    def differs(self, names: Sequence[str] | None = None) -> ir.Expr:
        """Some of the fields (all by default) differ between the sides."""
        names = self.fields if names is None else names
        return any_of([ir.Cmp("!=", self.outcome(LEFT, n), self.outcome(RIGHT, n)) for n in names])

    def side(self, name: str) -> ir.Model:
        return self.left if name == LEFT else self.right


def any_of(xs: list[ir.Expr]) -> ir.Expr:
    """The disjunction of `xs` (false when there are none)."""
    return xs[0] if len(xs) == 1 else ir.Or(tuple(xs)) if xs else ir.Lit(False, ir.Bool())


def all_of(xs: list[ir.Expr]) -> ir.Expr:
    """The conjunction of `xs` (true when there are none)."""
    return xs[0] if len(xs) == 1 else ir.And(tuple(xs)) if xs else ir.Lit(True, ir.Bool())


def pair(left: ir.Model, right: ir.Model) -> Pair:
    """The product of two side models (see the module docstring)."""
    a, b = left.spec, right.spec
    if {p: d.type for p, d in a.inputs.items()} != {p: d.type for p, d in b.inputs.items()}:
        only = sorted(set(a.inputs) ^ set(b.inputs)) or sorted(
            p for p in a.inputs if a.inputs[p].type != b.inputs[p].type)
        raise DiffError("the two sides declare different inputs (" + ", ".join(only[:5]) + "); "
                        "earl diff compares specs over one vocabulary")
    if {n: e.members for n, e in a.enums.items()} != {n: e.members for n, e in b.enums.items()}:
        raise DiffError("the two sides declare different enums; earl diff compares specs over one "
                        "vocabulary")
    if set(a.countries) != set(b.countries):
        raise DiffError("the two sides declare different countries")
    shared_groups = a is b or {n: (g.members, g.definition) for n, g in a.groups.items()} == \
        {n: (g.members, g.definition) for n, g in b.groups.items()}
    groups: dict[str, ir.Group] = {}
    if shared_groups:
        groups = dict(a.groups)
    models = {LEFT: _fold_params(left), RIGHT: _fold_params(right)}
    shared_defs = _shared_defs(models[LEFT], models[RIGHT], shared_groups)
    defs: dict[str, ir.DefDecl] = {}
    rules: dict[str, ir.Rule] = {}
    outcomes: dict[str, ir.OutcomeDecl] = {}
    for side, m in models.items():
        def group_name(g, side=side):
            return g if shared_groups else f"{side}.{g}"

        def rename(e, side=side, group_name=group_name):
            if isinstance(e, ir.DefRef) and e.name not in shared_defs:
                return ir.DefRef(f"{side}.{e.name}", e.type)
            if isinstance(e, ir.OutcomeRef):
                return ir.OutcomeRef(f"{side}.{e.name}", e.type)
            if isinstance(e, ir.RuleApplies):
                return ir.RuleApplies(f"{side}.{e.rule}")
            if isinstance(e, ir.RuleFires):
                return ir.RuleFires(f"{side}.{e.rule}")
            if isinstance(e, ir.InGroup):
                return ir.InGroup(rewrite(e.country, rename), group_name(e.group),
                                  rewrite(e.date, rename))
            return None
        if not shared_groups:
            for g in m.spec.groups.values():
                groups[group_name(g.name)] = dataclasses.replace(
                    g, name=group_name(g.name),
                    definition=None if g.definition is None else _group_rewrite(g.definition, group_name))
        for name, body in m.defs.items():
            if name in shared_defs:
                if side == LEFT:
                    defs[name] = ir.DefDecl(name, m.spec.defs[name].type, body)
                continue
            defs[f"{side}.{name}"] = ir.DefDecl(f"{side}.{name}", m.spec.defs[name].type,
                                                rewrite(body, rename))
        for r in m.rules.values():
            rules[f"{side}.{r.name}"] = _rewrite_rule(r, rename, lambda s, side=side: f"{side}.{s}",
                                                      lambda s, side=side: f"{side}.{s}")
        for o in m.spec.outcomes.values():
            outcomes[f"{side}.{o.name}"] = dataclasses.replace(o, name=f"{side}.{o.name}")
    spec = ir.Spec(enums=dict(a.enums), countries=dict(a.countries), groups=groups,
                   readings={PRODUCT_READING: ir.Reading(PRODUCT_READING, "two sides of a diff", True)},
                   inputs=dict(a.inputs), params={}, defs=defs, outcomes=outcomes, rules=rules,
                   properties={}, examples={})
    fields = [n for n, o in a.outcomes.items() if n in b.outcomes and b.outcomes[n].type == o.type]
    one_sided = sorted((set(a.outcomes) | set(b.outcomes)) - set(fields))
    return Pair(left, right, ir.resolve(spec, PRODUCT_READING), fields, one_sided)


def _fold_params(model: ir.Model) -> ir.Model:
    """Parameters replaced by their (fixed) values, so each side keeps its own."""
    decls = model.spec.params
    lit = lambda e: ir.Lit(model.params[e.name], decls[e.name].type) \
        if isinstance(e, ir.ParamRef) else None   # noqa: E731
    return dataclasses.replace(
        model, defs={n: rewrite(b, lit) for n, b in model.defs.items()},
        rules={n: _rewrite_rule(r, lit, lambda s: s, lambda s: s) for n, r in model.rules.items()})


def _shared_defs(left: ir.Model, right: ir.Model, shared_groups: bool) -> set[str]:
    """Definitions that mean the same on both sides and read only inputs: kept under their own
    name, so a region reads them once."""
    shared: set[str] = set()
    for name, body in left.defs.items():
        if right.defs.get(name) != body:
            continue
        ok = True
        for e in body.walk():
            if isinstance(e, (ir.OutcomeRef, ir.RuleApplies, ir.RuleFires)) or \
                    (isinstance(e, ir.DefRef) and e.name not in shared) or \
                    (isinstance(e, ir.InGroup) and not shared_groups):
                ok = False
                break
        if ok:
            shared.add(name)
    return shared


# --------------------------------------------------------------------------- atoms

def _input_level(e: ir.Expr, product: ir.Model, memo: dict[str, bool]) -> bool:
    """`e` reads only inputs and definitions that read only inputs (no outcome, no rule)."""
    for x in e.walk():
        if isinstance(x, (ir.OutcomeRef, ir.RuleApplies, ir.RuleFires, ir.ParamRef)):
            return False
        if isinstance(x, ir.DefRef):
            if x.name not in memo:
                memo[x.name] = False      # a cycle cannot occur; this only guards recursion
                memo[x.name] = _input_level(product.defs[x.name], product, memo)
            if not memo[x.name]:
                return False
    return True


def atoms(product: ir.Model) -> list[ir.Expr]:
    """The product's atomic conditions over the inputs: comparisons, group and set memberships
    and truth-valued inputs that read no outcome, in the order the spec writes them."""
    memo: dict[str, bool] = {}
    seen: dict[ir.Expr, None] = {}
    tops = [c.expr for r in product.rules.values() for c in r.conditions] + list(product.defs.values())
    for top in tops:
        for e in top.walk():
            if e in seen:
                continue
            leaf = isinstance(e, (ir.Cmp, ir.InGroup, ir.InSet)) or \
                (isinstance(e, ir.InputRef) and isinstance(product.spec.inputs[e.path].type, ir.Bool))
            if leaf and _input_level(e, product, memo) and any(
                    isinstance(x, ir.InputRef) for x in e.walk()):
                seen[e] = None
    return list(seen)


# --------------------------------------------------------------------------- changes

@dataclass(frozen=True)
class Change:
    """One field's change: scalar `left` → `right`, or for a set field (`slot` = element) whether
    the element is in the left and the right value."""
    field: str
    slot: str | None
    left: ir.Value
    right: ir.Value

    def expr(self, p: Pair) -> ir.Expr:
        parts = []
        for side, v in ((LEFT, self.left), (RIGHT, self.right)):
            ref = p.outcome(side, self.field)
            if self.slot is not None:
                inset = ir.InSet(ir.Lit(self.slot, ir.Enum(_set_enum(p, self.field))), ref)
                parts.append(inset if v else ir.Not(inset))
            else:
                parts.append(ir.Cmp("==", ref, ir.Lit(v, p.left.spec.outcomes[self.field].type)))
        return ir.And(tuple(parts))


def _set_enum(p: Pair, name: str) -> str:
    t = p.left.spec.outcomes[name].type
    assert isinstance(t, ir.SetOf)
    return t.enum


def changes_between(p: Pair, left: dict[str, ir.Value], right: dict[str, ir.Value]) -> list[Change]:
    """Every field change between two determinations' outcomes (sets element by element)."""
    out = []
    for name in p.fields:
        a, b = left[name], right[name]
        if a == b:
            continue
        if isinstance(p.left.spec.outcomes[name].type, ir.SetOf):
            out += [Change(name, e, e in a, e in b) for e in sorted(a ^ b)]
        else:
            out.append(Change(name, None, a, b))
    return out


def change_keys(p: Pair) -> list[tuple[str, str | None]]:
    """What can change: each scalar field, and each element of each set field."""
    keys: list[tuple[str, str | None]] = []
    for name in p.fields:
        t = p.left.spec.outcomes[name].type
        keys += [(name, e) for e in p.left.spec.enums[t.enum].members] if isinstance(t, ir.SetOf) \
            else [(name, None)]
    return keys


def key_differs(p: Pair, key: tuple[str, str | None]) -> ir.Expr:
    name, slot = key
    if slot is None:
        return p.differs([name])
    t = p.left.spec.outcomes[name].type
    left, right = (ir.InSet(ir.Lit(slot, ir.Enum(t.enum)), p.outcome(s, name)) for s in SIDES)
    return ir.Or((ir.And((left, ir.Not(right))), ir.And((ir.Not(left), right))))
