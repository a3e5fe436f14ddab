"""What changes between two sides — two readings, two dates, two versions of a spec — proved.

A *side* is a spec under a configuration: a reading, parameter values, and optionally a fixed
transaction date. `diff(left, right)` answers with:

- **regions**: conjunctions of atomic conditions over the inputs on which some outcome fields
  change in one stated way (left value → right value) for *every* transaction of the region;
- **completeness**: a z3 proof that every transaction on which any outcome differs lies in some
  region (the union covers the difference), cross-checked by clingo on its finite abstraction —
  or, if the budget ran out first, a replayed transaction that no region covers;
- **checks** (`no_new`/`no_less`): whether some transaction gains (or loses) an element, a
  truth value or an enum value on the right, with a replayed witness.

How: both sides are renamed into one *product* model (`left.`/`right.` prefixes on their rules,
outcomes and the definitions that differ; parameters folded to their values; a fixed date folded
into every expression), so one symbolic transaction feeds both sides and the ordinary proof layer
(smt/prove.py with its minimiser and replay, and asp.py's search) answers every question about the
pair. Regions are prime implicants of a change found by z3: a model of "outcomes differ and no
region so far covers it" gives a cube of atomic conditions at their values there; the unsat core
of "cube and not this change", then a deletion pass, shrinks it to the conditions the change
needs. The atoms, most abstract first (the deletion pass tries them last, so they stay):
the values of fields both sides are proved to decide alike (`eccn == "X"`), "this value on both
sides" for the fields that do change (only where true: its negation would restate the change),
the true/false definitions both sides define alike, then the spec's own comparisons, group and
set memberships and truth-valued inputs. So a region reads as the spec does (`hq_d5_macau`,
`destination in SOME_GROUP`, `item.tpp >= 4800`). Point conditions on the inputs (`x == value`)
are the fallback for changes no atom separates. The region then states every other change that
holds on all of it, and lists those that happen on part of it.

Never from sampling: every region is proved to imply its change, every witness is found by z3
and replayed through the reference evaluator on each original side.
"""
from __future__ import annotations

import dataclasses
import datetime
import json
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import z3

from .. import ir
from .countries import CountryClasses
from .results import Instance, Proof, Unknown
from .smt.compile import Compiler
from .smt.encode import VarPool
from .smt.minimize import constant_value

LEFT, RIGHT = "left", "right"
_SIDES = (LEFT, RIGHT)
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
        from ..ir.values import render_value
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
    """`e` with every subexpression `x` for which `f(x)` is not None replaced by `f(x)`."""
    hit = f(e)
    if hit is not None:
        return hit
    changes = {}
    for fl in dataclasses.fields(e):
        v = getattr(e, fl.name)
        if isinstance(v, tuple) and v and all(_is_expr(x) for x in v):
            new = tuple(rewrite(x, f) for x in v)
        elif _is_expr(v):
            new = rewrite(v, f)
        else:
            continue
        if new != v:
            changes[fl.name] = new
    return dataclasses.replace(e, **changes) if changes else e


def _is_expr(v) -> bool:
    return isinstance(v, ir.Node)


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
        return _or([ir.Cmp("!=", self.outcome(LEFT, n), self.outcome(RIGHT, n)) for n in names])

    def side(self, name: str) -> ir.Model:
        return self.left if name == LEFT else self.right


def _or(xs: list[ir.Expr]) -> ir.Expr:
    return xs[0] if len(xs) == 1 else ir.Or(tuple(xs)) if xs else ir.Lit(False, ir.Bool())


def _and(xs: list[ir.Expr]) -> ir.Expr:
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


# --------------------------------------------------------------------------- regions

@dataclass
class Region:
    """Transactions satisfying `condition` (a conjunction of `literals`), on every one of which
    each of `changes` happens. `witness` is a minimal such transaction, replayed on each side."""
    literals: list[ir.Expr]
    changes: list[Change]
    witness: Instance
    left_outcomes: dict[str, ir.Value]
    right_outcomes: dict[str, ir.Value]
    left_fired: frozenset[str]
    right_fired: frozenset[str]
    # fields (set elements) that change on some but not all of the region, beside `changes`
    may_also_change: list[tuple[str, str | None]] = field(default_factory=list)

    @property
    def condition(self) -> ir.Expr:
        return _and(self.literals)

    @property
    def fields(self) -> list[str]:
        return list(dict.fromkeys(c.field for c in self.changes))


@dataclass
class Check:
    """A forbidden change (`no_new` / `no_less` on a field): found (with a witness) or not."""
    kind: str                 # "no-new" or "no-less"
    field: str
    value: ir.Value | None    # the element / enum value checked, None: any
    expr: ir.Expr
    result: Proof | Instance | Unknown | None = None
    changes: list[Change] = field(default_factory=list)
    cross_check: str = ""     # clingo's answer when z3 proved the change impossible


@dataclass
class DiffResult:
    pair: Pair
    equivalent: bool | None           # None: not known (timeout)
    complete: bool
    regions: list[Region]
    uncovered: Instance | None = None  # a differing transaction no region covers
    reason: str = ""                  # why incomplete / unknown
    cross_check: str = ""             # clingo's answer on the same question
    checks: list[Check] = field(default_factory=list)
    seconds: float = 0.0
    sides: tuple[Side, Side] | None = None


class _Deadline:
    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def ms(self) -> int:
        return max(1, int((self.end - time.monotonic()) * 1000))

    def over(self) -> bool:
        return time.monotonic() >= self.end


def forbidden(p: Pair, kind: str, name: str, value: ir.Value | None = None) -> Check:
    """The check that no transaction gains (`no-new`) or loses (`no-less`) on the right: a set
    field an element (`value`, or any), a bool field the value true, an enum field `value` (an
    optional enum without a value: any value where the other side has none)."""
    if name not in p.fields:
        known = ", ".join(p.fields)
        raise DiffError(f"--{kind} {name}: no outcome of that name on both sides; outcomes: {known}")
    t = p.left.spec.outcomes[name].type
    gain, lose = (RIGHT, LEFT) if kind == "no-new" else (LEFT, RIGHT)
    has, lacks = p.outcome(gain, name), p.outcome(lose, name)
    if isinstance(t, ir.SetOf):
        members = p.left.spec.enums[t.enum].members
        if value is not None and value not in members:
            raise DiffError(f"--{kind} {name}={value}: not an element of {t.enum} ({', '.join(members)})")
        elems = [value] if value is not None else list(members)
        lit = lambda e: ir.Lit(e, ir.Enum(t.enum))  # noqa: E731
        expr = _or([ir.And((ir.InSet(lit(e), has), ir.Not(ir.InSet(lit(e), lacks)))) for e in elems])
    elif isinstance(t, ir.Bool):
        if value is not None:
            raise DiffError(f"--{kind} {name}: a true/false outcome takes no value "
                            f"(--no-new {name}: becomes true; --no-less {name}: becomes false)")
        expr = ir.And((has, ir.Not(lacks)))
    elif isinstance(t, ir.Enum):
        members = p.left.spec.enums[t.name].members
        if value is None:
            if not t.optional:
                raise DiffError(f"--{kind} {name}: say which value: --{kind} {name}=VALUE "
                                f"({', '.join(members)})")
            none = ir.Lit(None, t)
            expr = ir.And((ir.Cmp("!=", has, none), ir.Cmp("==", lacks, none)))
        else:
            if value not in members:
                raise DiffError(f"--{kind} {name}={value}: not a value of {t.name} ({', '.join(members)})")
            v = ir.Lit(value, t)
            expr = ir.And((ir.Cmp("==", has, v), ir.Cmp("!=", lacks, v)))
    else:
        raise DiffError(f"--{kind} {name}: checks apply to set, true/false and enum outcomes, "
                        f"not to a {t} outcome")
    return Check(kind, name, value, expr)


def diff(left: Side, right: Side, *, timeout_s: float = 60.0, max_regions: int = 60,
         checks: Sequence[tuple[str, str, str | None]] = (), cross_check: bool = True) -> DiffResult:
    """Compare two sides (see the module docstring). `checks`: (kind, field, value) triples."""
    start = time.monotonic()
    deadline = _Deadline(timeout_s)
    p = pair(side_model(left), side_model(right))
    planned = [forbidden(p, kind, name, value) for kind, name, value in checks]
    # the checks first: a CI job's answer must not wait for (or time out on) the regions
    for c in planned:
        c.result = _search(p, c.expr, deadline)
        if isinstance(c.result, Instance):
            c.changes = _replay_changes(p, c.result)[0]
        elif isinstance(c.result, Proof) and cross_check and not deadline.over():
            c.cross_check = _clingo(p, c.expr, deadline)
    result = _regions(p, deadline, max_regions)
    if result.equivalent is None and any(isinstance(c.result, Instance) for c in planned):
        result.equivalent = False       # a check's replayed witness already shows a difference
    result.checks = planned
    result.sides = (left, right)
    if cross_check and not deadline.over() and result.complete:
        result.cross_check = _clingo(p, uncovered(p, result.regions), deadline)
    result.seconds = time.monotonic() - start
    return result


def _search(p: Pair, expr: ir.Expr, deadline: _Deadline):
    from .smt.prove import satisfiable
    if deadline.over():
        return Unknown("timeout before the search started")
    return satisfiable(p.product, expr, timeout_ms=deadline.ms(), explain=False)


def unchanged_fields(p: Pair, deadline: _Deadline) -> list[str]:
    """The fields proved to take the same value on both sides on every transaction."""
    return [name for name in p.fields
            if isinstance(_search(p, p.differs([name]), deadline), Proof)]


def derived_atoms(p: Pair, unchanged: Sequence[str]) -> list[ir.Expr]:
    """Conditions on the fields both sides decide alike (`eccn == "X"`, `"E" in f`, a true/false
    field), read on the left: functions of the inputs that read as the rule does."""
    out: list[ir.Expr] = []
    for name in unchanged:
        t = p.left.spec.outcomes[name].type
        ref = p.outcome(LEFT, name)
        if isinstance(t, ir.Bool):
            out.append(ref)
        elif isinstance(t, ir.Enum):
            values = list(p.left.spec.enums[t.name].members) + ([None] if t.optional else [])
            out += [ir.Cmp("==", ref, ir.Lit(v, t)) for v in values]
        elif isinstance(t, ir.SetOf):
            out += [ir.InSet(ir.Lit(e, ir.Enum(t.enum)), ref) for e in p.left.spec.enums[t.enum].members]
    return out


def agreed_definitions(p: Pair, deadline: _Deadline) -> list[ir.Expr]:
    """The true/false definitions both sides define alike (shared ones by construction, the
    others proved equal on every transaction), the most derived first: a region names them as
    the spec does (`chip_item`, `hq_d5_macau`) instead of spelling out their bodies."""
    out: list[ir.Expr] = []
    for name in reversed(p.left.defs):
        if not isinstance(p.left.spec.defs[name].type, ir.Bool):
            continue
        if name in p.product.defs:
            out.append(ir.DefRef(name, p.product.defs[name].type))
            continue
        left, right = (ir.DefRef(f"{s}.{name}", p.product.defs[f"{LEFT}.{name}"].type) for s in (LEFT, RIGHT))
        if right.name in p.product.defs and \
                isinstance(_search(p, ir.Cmp("!=", left, right), deadline), Proof):
            p.agreed.add(name)
            out.append(left)
    return out


def agreement_atoms(p: Pair, changed: Sequence[str]) -> list[ir.Expr]:
    """For the fields that do change somewhere: "the field has this value on both sides" (a set
    field: "both have this element"), so a region can say where a change rests on a value the
    sides share (`eccn == "X"` on both) however each side reaches it."""
    out: list[ir.Expr] = []
    for name in changed:
        conds = derived_atoms(p, [name])
        if not isinstance(p.left.spec.outcomes[name].type, ir.Enum):   # false / lacks it, too
            conds += [ir.Not(c) for c in conds]
        for cond in conds:
            out.append(ir.And((cond, rewrite(cond, lambda x: p.outcome(RIGHT, name)
                                              if x == p.outcome(LEFT, name) else None))))
    return out


def uncovered(p: Pair, regions: Sequence[Region]) -> ir.Expr:
    """Some field differs on a transaction outside every region. Unsatisfiable = the regions
    are complete."""
    return ir.And((p.differs(), ir.Not(_or([r.condition for r in regions])))) if regions else p.differs()


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
    left, right = (ir.InSet(ir.Lit(slot, ir.Enum(t.enum)), p.outcome(s, name)) for s in _SIDES)
    return ir.Or((ir.And((left, ir.Not(right))), ir.And((ir.Not(left), right))))


def _regions(p: Pair, deadline: _Deadline, max_regions: int) -> DiffResult:
    cc = CountryClasses.of(p.product)
    comp = Compiler(p.product, VarPool(p.product.spec, cc))
    unchanged = unchanged_fields(p, deadline)
    agreements = agreement_atoms(p, [f for f in p.fields if f not in unchanged])
    derived = derived_atoms(p, unchanged) + agreements + agreed_definitions(p, deadline)
    atom_exprs = derived + atoms(p.product)
    atom_terms = [comp.expr(a) for a in atom_exprs]
    finder = z3.Solver()
    finder.add(*comp.pool.domain)
    finder.add(comp.expr(p.differs()))
    prover = z3.Solver()
    prover.add(*comp.pool.domain)
    regions: list[Region] = []
    while True:
        if deadline.over():
            return _incomplete(p, regions, deadline, "the time limit ran out")
        if len(regions) >= max_regions:
            return _incomplete(p, regions, deadline, f"stopped after {max_regions} regions (--max-regions)")
        finder.set("timeout", deadline.ms())
        r = finder.check()
        if r == z3.unknown:
            return _incomplete(p, regions, deadline, f"z3: {finder.reason_unknown()}")
        if r == z3.unsat:
            break
        m = finder.model()
        left_vals, right_vals = _decode_outcomes(p, comp, m)
        changes = changes_between(p, left_vals, right_vals)
        # generalise for one change (the broadest region), then state every other change that
        # happens throughout that region too
        first = changes[0]
        literals = _literals(p, comp, m, atom_exprs, atom_terms, set(agreements))
        n_atoms = len(literals) - len(p.product.spec.inputs)
        n_derived = n_atoms - (len(atom_exprs) - len(derived))
        kept = _implicant(prover, comp.expr(first.expr(p)), literals, n_derived, n_atoms, deadline)
        if kept is None:
            return _incomplete(p, regions, deadline, "z3 could not generalise a region")
        cube = _and([e for e, _t in kept])
        changes = [c for c in changes if c == first or _implied(prover, [t for _e, t in kept],
                                                                 comp.expr(c.expr(p)), deadline)]
        target = _and([c.expr(p) for c in changes])
        witness = _search(p, ir.And((cube, target)), deadline)
        if not isinstance(witness, Instance):
            return _incomplete(p, regions, deadline,
                               f"no witness for a region ({getattr(witness, 'reason', 'proved empty')})")
        got, traces = _replay_changes(p, witness)
        if not set(changes) <= set(got):
            from .replay import EngineDisagreement
            raise EngineDisagreement(f"the witness of a region does not show its change on replay: "
                                     f"{witness.transaction}")
        stated = {(c.field, c.slot) for c in changes}
        cube_terms = [t for _e, t in kept]
        maybe = [k for k in change_keys(p) if k not in stated and not _implied(
            prover, cube_terms, z3.Not(comp.expr(key_differs(p, k))), deadline)]
        regions.append(Region([e for e, _t in kept], changes, witness,
                              traces[LEFT].outcomes, traces[RIGHT].outcomes,
                              traces[LEFT].fired, traces[RIGHT].fired, maybe))
        finder.add(z3.Not(z3.And(*cube_terms)))
    regions = _without_redundant(prover, comp, regions, deadline)
    # z3 found no differing transaction outside the regions; the proof layer proves it again
    # over the IR (with its own integrality handling) and replays any transaction it finds
    leftover = _search(p, uncovered(p, regions), deadline)
    if isinstance(leftover, Proof):
        return DiffResult(p, equivalent=not regions, complete=True, regions=regions)
    if isinstance(leftover, Instance):
        return DiffResult(p, equivalent=False, complete=False, regions=regions, uncovered=leftover,
                          reason="the proof layer found a differing transaction outside the regions")
    return DiffResult(p, equivalent=None if not regions else False, complete=False,
                      regions=regions, reason=leftover.reason)


def _without_redundant(prover: z3.Solver, comp: Compiler, regions: list[Region],
                       deadline: _Deadline) -> list[Region]:
    """Drop a region inside another kept one that states all its changes (found later, a broader
    region can swallow an earlier, narrower one)."""
    kept: list[Region] = []
    terms = [[comp.expr(x) for x in r.literals] for r in regions]
    for i, r in enumerate(regions):
        if not any(j != i and (regions[j] in kept or j > i) and set(r.changes) <= set(regions[j].changes)
                   and _implied(prover, terms[i], z3.And(*terms[j]), deadline)
                   for j in range(len(regions))):
            kept.append(r)
    return kept


def _incomplete(p: Pair, regions, deadline: _Deadline, reason: str) -> DiffResult:
    """Stopped early: say what is not covered, with a witness if one can still be found."""
    leftover = _search(p, uncovered(p, regions), deadline) if not deadline.over() else None
    if isinstance(leftover, Proof):       # the regions found so far happen to cover everything
        return DiffResult(p, equivalent=not regions, complete=True, regions=regions)
    return DiffResult(p, equivalent=False if regions or isinstance(leftover, Instance) else None,
                      complete=False, regions=regions,
                      uncovered=leftover if isinstance(leftover, Instance) else None, reason=reason)


def _decode_outcomes(p: Pair, comp: Compiler, m: z3.ModelRef):
    out = {LEFT: {}, RIGHT: {}}
    for side in _SIDES:
        for name in p.fields:
            t = p.left.spec.outcomes[name].type
            term = comp.outcome(f"{side}.{name}")
            if isinstance(t, ir.SetOf):
                out[side][name] = frozenset(e for e, b in term.items()
                                            if z3.is_true(m.eval(b, model_completion=True)))
            else:
                out[side][name] = comp.pool.decode(t, m.eval(term, model_completion=True))
    return out[LEFT], out[RIGHT]


def _literals(p: Pair, comp: Compiler, m: z3.ModelRef, atom_exprs, atom_terms, positive_only):
    """Each atom as it holds in `m` (those in `positive_only` only where true: "not the same on
    both sides" would restate the change), then each input at its value in `m` (the fallback)."""
    out = []
    for e, t in zip(atom_exprs, atom_terms):
        if z3.is_true(m.eval(t, model_completion=True)):
            out.append((e, t))
        elif e not in positive_only:
            out.append((ir.Not(e), z3.Not(t)))
    for path, decl in p.product.spec.inputs.items():
        var = comp.pool.inputs[path]
        value = comp.pool.decode(decl.type, m.eval(var, model_completion=True))
        out.append((_point(p, path, decl.type, value), var == comp.pool.encode_as(var, decl.type, value)))
    return out


def _point(p: Pair, path: str, t: ir.Type, value: ir.Value) -> ir.Expr:
    ref = ir.InputRef(path, t)
    if isinstance(t, ir.Bool):
        return ref if value else ir.Not(ref)
    if isinstance(t, ir.Country):
        cc = CountryClasses.of(p.product)
        members = cc.classes[cc.class_of(value)]
        if len(members) > 1:
            return ir.InSet(ref, ir.Lit(frozenset(members), t))
    return ir.Cmp("==", ref, ir.Lit(value, t))


def _implicant(prover: z3.Solver, target: z3.BoolRef, literals, n_derived: int, n_atoms: int,
               deadline: _Deadline):
    """A subset of `literals` (each holding in a model of `target`; the first `n_atoms` are the
    spec's atoms, the rest points) that implies `target`: the unsat core of literals ∧ ¬target,
    then each remaining literal dropped if the rest suffice."""
    prover.push()
    try:
        prover.add(z3.Not(target))
        marks = [z3.Bool(f"__lit{i}") for i in range(len(literals))]
        for mark, (_e, t) in zip(marks, literals):
            prover.add(z3.Implies(mark, t))
        # the spec's atoms alone first: a core may otherwise pick the points that imply them
        for tried in (marks[:n_atoms], marks):
            prover.set("timeout", deadline.ms())
            answer = prover.check(*tried)
            if answer != z3.sat:
                break
        if answer != z3.unsat:
            return None
        core = {str(c) for c in prover.unsat_core()}
        # the derived atoms (first) stay in play, so they replace the input atoms they imply
        keep = [i for i, mk in enumerate(marks) if str(mk) in core or i < n_derived]
        for i in reversed(keep):
            trial = [marks[j] for j in keep if j != i]
            prover.set("timeout", max(1, min(deadline.ms(), 2_000)))
            if prover.check(*trial) == z3.unsat:
                keep = [j for j in keep if j != i]
        return [literals[i] for i in sorted(keep)]
    finally:
        prover.pop()


def _implied(prover: z3.Solver, cube: list, goal: z3.BoolRef, deadline: _Deadline) -> bool:
    """The cube implies the goal (proved; a timeout counts as no)."""
    prover.push()
    try:
        prover.add(*cube)
        prover.add(z3.Not(goal))
        prover.set("timeout", max(1, min(deadline.ms(), 2_000)))
        return prover.check() == z3.unsat
    finally:
        prover.pop()


def _replay_changes(p: Pair, inst: Instance):
    """The witness run through the reference evaluator on each original side: its changes and
    the two traces."""
    from .evaluate import run
    from .transaction import complete
    tx = complete(p.left.spec, inst.transaction)
    traces = {LEFT: run(p.left, tx), RIGHT: run(p.right, complete(p.right.spec, inst.transaction))}
    return changes_between(p, traces[LEFT].outcomes, traces[RIGHT].outcomes), traces


def _clingo(p: Pair, question: ir.Expr, deadline: _Deadline) -> str:
    """clingo's answer, on its finite abstraction, to a question z3 proved has no answer."""
    from .asp import AspEngine
    try:
        answer = AspEngine().satisfiable(p.product, question, timeout_ms=deadline.ms())
    except Exception as e:   # noqa: BLE001 - an abstraction clingo cannot take is reported, not fatal
        return f"clingo could not check ({type(e).__name__}: {e})"
    if isinstance(answer, Proof):
        return "clingo agrees"
    if isinstance(answer, Instance):
        from .replay import EngineDisagreement
        raise EngineDisagreement(f"clingo finds a transaction where z3 proved there is none: "
                                 f"{answer.transaction}")
    return f"clingo gave no answer ({answer.reason})"


def provisions_deciding(model: ir.Model, fired: frozenset[str], change: Change) -> list[ir.Rule]:
    """The fired rules of one side that conclude the changed field (slot)."""
    out = []
    for r in model.rules.values():
        if r.name in fired and any(c.outcome == change.field and (change.slot is None or c.slot == change.slot)
                                   for c in r.conclusions):
            out.append(r)
    return out


# --------------------------------------------------------------------------- reports

EXIT_SAME, EXIT_DIFFER, EXIT_UNKNOWN = 0, 1, 3


def exit_status(result: DiffResult) -> int:
    """diff(1)'s convention: 0 same, 1 different, 3 not decided. With checks, only they count:
    0 no forbidden change (proved), 1 one exists."""
    if result.checks:
        if any(isinstance(c.result, Instance) for c in result.checks):
            return EXIT_DIFFER
        if all(isinstance(c.result, Proof) for c in result.checks):
            return EXIT_SAME
        return EXIT_UNKNOWN
    if result.equivalent is True and result.complete:
        return EXIT_SAME
    if result.equivalent is False:
        return EXIT_DIFFER
    return EXIT_UNKNOWN


_NEGATED = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}


def _tidy(literals: Sequence[ir.Expr]) -> list[ir.Expr]:
    """The same conjunction, shorter: `x != a and x != b` → `x not in {a, b}`, and no `x != b`
    beside an `x == a`."""
    def unequal(e):
        if isinstance(e, ir.Not) and isinstance(e.arg, ir.Cmp) and e.arg.op == "==":
            e = ir.Cmp("!=", e.arg.left, e.arg.right)
        if isinstance(e, ir.Cmp) and e.op == "!=" and isinstance(e.right, ir.Lit) \
                and e.right.value is not None and not isinstance(e.right.value, frozenset):
            return e
        return None
    equal = {e.left for e in literals if isinstance(e, ir.Cmp) and e.op == "==" and isinstance(e.right, ir.Lit)}
    grouped: dict[ir.Expr, list[ir.Lit]] = {}
    slots: list[ir.Expr | None] = []        # None: where a group of `!=` goes (its first place)
    order: list[ir.Expr] = []
    for e in literals:
        u = unequal(e)
        if u is None:
            slots.append(e)
        elif u.left not in equal:
            if u.left not in grouped:
                grouped[u.left] = []
                order.append(u.left)
                slots.append(None)
            grouped[u.left].append(u.right)
    groups = iter(order)
    out = []
    for e in slots:
        if e is not None:
            out.append(e)
            continue
        x = next(groups)
        lits = grouped[x]
        out.append(ir.Cmp("!=", x, lits[0]) if len(lits) == 1 else
                   ir.Not(ir.InSet(x, ir.Lit(frozenset(v.value for v in lits), lits[0].type))))
    return out


def render_condition(e: ir.Expr, agreed: set[str] = frozenset()) -> str:
    """A region's condition as the spec writes it; a field or definition (`agreed`) both sides
    decide alike is named plainly, a definition that differs between the sides says whose it is."""
    from .explain import render_expr

    def plain(x):
        if isinstance(x, ir.And) and len(x.args) == 2 and \
                rewrite(x.args[0], lambda y: ir.OutcomeRef(f"{RIGHT}.{y.name[len(LEFT) + 1:]}", y.type)
                        if isinstance(y, ir.OutcomeRef) else None) == x.args[1]:
            # an agreement atom: one condition on a field, read on both sides
            both = lambda y: ir.OutcomeRef(f"{y.name[len(LEFT) + 1:]} (both sides)", y.type) \
                if isinstance(y, ir.OutcomeRef) else None   # noqa: E731
            return rewrite(x.args[0], both)
        if isinstance(x, ir.OutcomeRef) and x.name.startswith(f"{LEFT}."):
            return ir.OutcomeRef(x.name[len(LEFT) + 1:], x.type)
        if isinstance(x, ir.DefRef) and x.name.split(".", 1)[0] in _SIDES:
            side, name = x.name.split(".", 1)
            return ir.DefRef(name if name in agreed else f"{name} ({side})", x.type)
        if isinstance(x, ir.InGroup):
            group = x.group
            if group.split(".", 1)[0] in _SIDES:
                side, name = group.split(".", 1)
                group = f"{name} ({side})"
            if isinstance(x.date, ir.Lit):    # a side's fixed date
                group = f"{group} on {x.date.value.isoformat()}"
            return ir.InGroup(rewrite(x.country, plain), group, x.date)
        if isinstance(x, (ir.Arith, ir.MinMax)) and constant_value(x, {}) is not None:
            return ir.Lit(constant_value(x, {}), ir.Num())       # a threshold as one number
        if isinstance(x, ir.Not) and isinstance(x.arg, ir.Cmp):
            return rewrite(ir.Cmp(_NEGATED[x.arg.op], x.arg.left, x.arg.right), plain)
        return None
    if isinstance(e, ir.And):
        e = _and(_tidy(e.args))
    return render_expr(rewrite(e, plain))


def _change_json(c: Change, side: str):
    v = c.left if side == LEFT else c.right
    if c.slot is not None:
        return {"has" if v else "lacks": c.slot}
    from .transaction import value_to_json
    return value_to_json(v)


def _side_values(changes: list[Change], side: str) -> dict:
    out: dict = {}
    for c in changes:
        v = _change_json(c, side)
        if c.slot is None:
            out[c.field] = v
        else:
            slot = out.setdefault(c.field, {})
            for k, x in v.items():
                slot.setdefault(k, []).append(x)
    return out


def _change_text(c: Change) -> str:
    from ..ir.values import render_value
    if c.slot is not None:
        return f"{c.field}: {'has' if c.left else 'lacks'} {c.slot} → {'has' if c.right else 'lacks'} {c.slot}"
    return f"{c.field}: {render_value(c.left)} → {render_value(c.right)}"


def countries_of(p: Pair, region: Region, most: int = 8) -> dict[str, list[str]]:
    """For each country input the region's condition reads on its own (no other input, no
    definition), the countries that satisfy it, when there are at most `most`."""
    from .evaluate import eval_expr
    from .transaction import complete
    spec = p.product.spec
    out: dict[str, list[str]] = {}
    for path, decl in spec.inputs.items():
        if not isinstance(decl.type, ir.Country):
            continue
        own = [e for e in region.literals if _reads_only(e, path)]
        if not own:
            continue
        cond = _and(own)
        fits = [code for code in spec.countries
                if eval_expr(p.product, complete(spec, {path: code}), cond)]
        if len(fits) <= most:
            out[path] = fits
    return out


def _reads_only(e: ir.Expr, path: str) -> bool:
    reads = {x.path for x in e.walk() if isinstance(x, ir.InputRef)}
    return reads == {path} and not any(isinstance(x, (ir.DefRef, ir.OutcomeRef, ir.RuleApplies, ir.RuleFires))
                                       for x in e.walk())


def _key_text(key: tuple[str, str | None]) -> str:
    return key[0] if key[1] is None else f"{key[0]} {key[1]}"


def _deciders(p: Pair, region: Region, side: str) -> dict[str, list[dict]]:
    fired = region.left_fired if side == LEFT else region.right_fired
    out: dict[str, list[dict]] = {}
    for c in region.changes:
        out[_key_text((c.field, c.slot))] = [{"rule": r.name, "title": r.title, "cite": r.cite}
                    for r in provisions_deciding(p.side(side), fired, c)]
    return out


def _witness_json(p: Pair, inst: Instance) -> dict:
    from ..ir.values import non_default
    from .transaction import complete, to_json as tx_json
    spec = p.left.spec
    return tx_json(spec, non_default(spec, complete(spec, inst.transaction)))


def to_json(result: DiffResult) -> dict:
    """{"equivalent", "complete", "regions": [{"condition", "fields", "witness", "left", "right"}]}
    and what a CI job needs besides (sides, checks, uncovered witness, the clingo cross-check)."""
    from .transaction import value_to_json
    p = result.pair
    regions = []
    for r in result.regions:
        regions.append({
            "condition": render_condition(r.condition, p.agreed), "fields": r.fields,
            "witness": _witness_json(p, r.witness),
            "left": _side_values(r.changes, LEFT), "right": _side_values(r.changes, RIGHT),
            "witness_outcomes": {
                side: {f: value_to_json(outs[f]) for f in r.fields}
                for side, outs in ((LEFT, r.left_outcomes), (RIGHT, r.right_outcomes))},
            "decided_by": {side: _deciders(p, r, side) for side in _SIDES},
            "may_also_change": [_key_text(k) for k in r.may_also_change],
            "countries": countries_of(p, r),
        })
    checks = []
    for c in result.checks:
        entry = {"check": f"--{c.kind} {c.field}" + (f"={c.value}" if c.value is not None else ""),
                 "result": "found" if isinstance(c.result, Instance) else
                 "none (proved)" if isinstance(c.result, Proof) else "unknown"}
        if isinstance(c.result, Instance):
            entry["witness"] = _witness_json(p, c.result)
            entry["left"] = _side_values(c.changes, LEFT)
            entry["right"] = _side_values(c.changes, RIGHT)
        elif isinstance(c.result, Unknown):
            entry["reason"] = c.result.reason
        else:
            entry["cross_check"] = c.cross_check or None
        checks.append(entry)
    return {
        "left": _describe_side(result, LEFT), "right": _describe_side(result, RIGHT),
        "equivalent": result.equivalent is True and result.complete,
        "complete": result.complete,
        "unknown": result.equivalent is None,
        "regions": regions,
        "uncovered": None if result.uncovered is None else _witness_json(p, result.uncovered),
        "reason": result.reason or None,
        "cross_check": result.cross_check or None,
        "fields_on_one_side_only": p.one_sided,
        "checks": checks,
        "seconds": round(result.seconds, 3),
    }


def _describe_side(result: DiffResult, side: str) -> str:
    return result.sides[0 if side == LEFT else 1].describe()


def to_text(result: DiffResult) -> str:
    """The comparison for people: verdict, regions with deciding provisions and witnesses, checks."""
    p = result.pair
    lines = [f"left:  {_describe_side(result, LEFT)}", f"right: {_describe_side(result, RIGHT)}"]
    proof = "proved by z3" + (f"; {result.cross_check}" if result.cross_check else "")
    if result.equivalent is True and result.complete:
        lines.append(f"Equivalent: every outcome is the same on both sides for every transaction — {proof}.")
    elif result.equivalent is None:
        lines.append(f"Unknown: the solver could not decide whether the sides differ ({result.reason}). "
                     "Nothing is proved; try a longer --timeout.")
    else:
        n = len(result.regions)
        cover = (f"the regions cover every differing transaction — {proof}" if result.complete
                 else f"NOT complete: {result.reason}")
        lines.append(f"The sides differ: {n} region{'s' if n != 1 else ''}; {cover}." if n else
                     f"The sides differ (the witness below shows it), but no region was found: "
                     f"{result.reason}.")
    for c in result.checks:
        name = f"--{c.kind} {c.field}" + (f"={c.value}" if c.value is not None else "")
        if isinstance(c.result, Instance):
            lines.append(f"{name}: FAILS — a transaction {'gains' if c.kind == 'no-new' else 'loses'} it:")
            lines += [f"  {_change_text(x)}" for x in c.changes]
            lines.append("  witness: " + json.dumps(_witness_json(p, c.result), ensure_ascii=False))
        elif isinstance(c.result, Proof):
            lines.append(f"{name}: holds — no transaction {'gains' if c.kind == 'no-new' else 'loses'} it "
                         f"(proved by z3{'; ' + c.cross_check if c.cross_check else ''})")
        else:
            lines.append(f"{name}: unknown ({c.result.reason if c.result else 'not run'})")
    if len(result.regions) > 1:
        lines.append("what changes, by region:")
        where: dict[str, list[int]] = {}
        for i, r in enumerate(result.regions, 1):
            for c in r.changes:
                where.setdefault(_change_text(c), []).append(i)
        lines += [f"  {text} — region{'s' if len(ids) > 1 else ''} {', '.join(map(str, ids))}"
                  for text, ids in where.items()]
    for i, r in enumerate(result.regions, 1):
        lines.append("")
        lines.append(f"region {i}: {render_condition(r.condition, p.agreed)}")
        for path, codes in countries_of(p, r).items():
            lines.append(f"  ({path}: {', '.join(codes) if codes else 'no country'})")
        for c in r.changes:
            lines.append(f"  {_change_text(c)}")
        for side in _SIDES:
            for key, rules in _deciders(p, r, side).items():
                who = "; ".join(f"{x['title']} [{x['cite']}]" for x in rules) or \
                    "no provision concludes it (the default)"
                lines.append(f"  {side:5} {key}: {who}")
        if r.may_also_change:
            lines.append("  may also change (on part of the region): "
                         + ", ".join(_key_text(k) for k in r.may_also_change))
        lines.append("  witness: " + json.dumps(_witness_json(p, r.witness), ensure_ascii=False))
    if result.uncovered is not None:
        lines.append("")
        lines.append("not covered by any region, e.g.: "
                     + json.dumps(_witness_json(p, result.uncovered), ensure_ascii=False))
    if p.one_sided:
        lines.append("")
        lines.append("outcomes declared on one side only (not compared): " + ", ".join(p.one_sided))
    return "\n".join(lines)
