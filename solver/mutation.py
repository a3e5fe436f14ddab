"""Semantic mutants of a spec: the mutation operators, which know the IR only.

A mutant is the checked spec (the IR, `ir.Spec`) with one small semantic change; solver/mutate.py
judges them and solver/coverage.py turns each into a coverage goal.

- expression operators (`EXPR_OPERATORS`), applied at every node of every rule condition and
  every definition body (each reading's body too): a number literal one unit of its precision up
  and down (`step_of`: 1 for a whole number, 0.01 for 5.92), a date literal one day up and down,
  `<`<->`<=` and `>`<->`>=`, `==`<->`!=`, `in`<->`not in`, `and`<->`or`;
- declaration operators (`DECL_OPERATORS`): each condition of each rule dropped and negated,
  each rule removed, each conclusion changed (a bool flipped, an enum to the next member, a set
  element added <-> removed), each `overrides` removed, each listed member of a country group
  removed, each membership date moved by one day, each number or date parameter moved by one
  unit under each reading.
"""
from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Iterable, Iterator

from .. import ir
from ..ir import And, Cmp, InGroup, InSet, Lit, Not, Or
from ..ir.values import decimal_places, render_value

__all__ = ["Mutation", "Mutant", "ExprOperator", "EXPR_OPERATORS", "DECL_OPERATORS", "mutants",
           "expr_mutants", "negate", "same_model", "step_of"]


def step_of(c: Fraction, integral: bool) -> Fraction:
    """The step around threshold `c`: 1 for a whole number (or an all-integer form), else the
    smallest decimal step of `c` (1/q when its decimal expansion does not terminate)."""
    c = Fraction(c)
    if c.denominator == 1 or integral:
        return Fraction(1)
    places = decimal_places(c)
    return Fraction(1, c.denominator) if places is None else Fraction(1, 10 ** places)


# --------------------------------------------------------------------------- mutants

@dataclass(frozen=True)
class Mutation:
    """What one mutant changed: the operator, in words, in which declaration, where."""
    operator: str
    kind: str          # threshold, comparison, membership, logic, condition, rule, conclusion,
    #                    overrides, group
    text: str
    owner: str         # the rule, definition, parameter or country group changed
    pos: ir.Pos


@dataclass(frozen=True)
class Mutant:
    mutation: Mutation
    spec: ir.Spec


@dataclass(frozen=True)
class ExprOperator:
    """A rewrite of one expression node: `apply(node)` yields (what changed, the new node)."""
    name: str
    kind: str
    apply: Callable[[ir.Expr], Iterable[tuple[str, ir.Expr]]]


def _shift(v: ir.Value, up: bool) -> ir.Value:
    """One unit of the value's precision up or down: a day for a date."""
    if isinstance(v, datetime.date):
        return v + datetime.timedelta(days=1 if up else -1)
    d = step_of(v, False)
    return v + d if up else v - d


def _shifted(v: ir.Value) -> Iterator[tuple[str, ir.Value]]:
    for up in (False, True):
        try:
            w = _shift(v, up)
        except OverflowError:       # a date at the calendar's edge has no neighbour there
            continue
        yield f"{render_value(v)} -> {render_value(w)}", w


def _threshold(e: ir.Expr):
    if isinstance(e, Lit) and isinstance(e.type, (ir.Num, ir.Date)) and e.value is not None:
        for text, w in _shifted(e.value):
            yield text, Lit(w, e.type)


_BOUNDARY = {"<": "<=", "<=": "<", ">": ">=", ">=": ">"}
_EQUALITY = {"==": "!=", "!=": "=="}


def _cmp_swap(table: dict[str, str]):
    def apply(e: ir.Expr):
        if isinstance(e, Cmp) and e.op in table:
            yield f"{e.op} -> {table[e.op]}", Cmp(table[e.op], e.left, e.right)
    return apply


def _is_membership(e: ir.Expr) -> bool:
    return isinstance(e, (InSet, InGroup))


def _membership(e: ir.Expr):
    if _is_membership(e):
        yield "in -> not in", Not(e)
    elif isinstance(e, Not) and _is_membership(e.arg):
        yield "not in -> in", e.arg


def _logic(e: ir.Expr):
    if isinstance(e, And):
        yield "and -> or", Or(e.args)
    elif isinstance(e, Or):
        yield "or -> and", And(e.args)


EXPR_OPERATORS: tuple[ExprOperator, ...] = (
    ExprOperator("threshold", "threshold", _threshold),
    ExprOperator("boundary", "comparison", _cmp_swap(_BOUNDARY)),
    ExprOperator("equality", "comparison", _cmp_swap(_EQUALITY)),
    ExprOperator("membership", "membership", _membership),
    ExprOperator("and/or", "logic", _logic),
)

def negate(e: ir.Expr) -> ir.Expr:
    return e.arg if isinstance(e, Not) else Not(e)


def _canonical(new: ir.Expr) -> ir.Expr:
    # a rewrite under a `not` may negate again: keep one canonical form, so no two mutants differ
    # only by a double negation
    if isinstance(new, Not) and isinstance(new.arg, Not):
        return new.arg.arg
    return new


def expr_mutants(e: ir.Expr) -> Iterator[tuple[ExprOperator, str, ir.Expr]]:
    """Every single-node rewrite of `e` by `EXPR_OPERATORS`, each as the whole rewritten tree."""
    seen = {e}
    for op, text, new in _expr_mutants(e):
        if new not in seen:
            seen.add(new)
            yield op, text, new


def _expr_mutants(e: ir.Expr) -> Iterator[tuple[ExprOperator, str, ir.Expr]]:
    for op in EXPR_OPERATORS:
        for text, new in op.apply(e):
            yield op, text, new
    kids = e.children()
    for i, child in enumerate(kids):
        for op, text, new in _expr_mutants(child):
            yield op, text, _canonical(e.replace_children(kids[:i] + (new,) + kids[i + 1:]))


def _with_rule(spec: ir.Spec, rule: ir.Rule) -> ir.Spec:
    return dataclasses.replace(spec, rules={**spec.rules, rule.name: rule})


def _condition_mutants(spec: ir.Spec) -> Iterator[Mutant]:
    for rule in spec.rules.values():
        conds = rule.conditions
        for i, c in enumerate(conds):
            label = c.label or f"condition {i + 1}"

            def put(new_conds, operator, kind, text, _rule=rule, _c=c):
                return Mutant(Mutation(operator, kind, text, _rule.name, _c.pos),
                              _with_rule(spec, dataclasses.replace(_rule, conditions=tuple(new_conds))))

            yield put(conds[:i] + conds[i + 1:], "drop condition", "condition", f"dropped: {label}")
            yield put(conds[:i] + (dataclasses.replace(c, expr=negate(c.expr)),) + conds[i + 1:],
                      "negate condition", "condition", f"negated: {label}")
            for op, text, new in expr_mutants(c.expr):
                if new == negate(c.expr):     # the negated condition, already yielded
                    continue
                yield put(conds[:i] + (dataclasses.replace(c, expr=new),) + conds[i + 1:],
                          op.name, op.kind, f"{text} in: {label}")


def _def_mutants(spec: ir.Spec) -> Iterator[Mutant]:
    for d in spec.defs.values():
        bodies = [(None, d.body)] + list(d.by_reading.items())
        for reading, body in bodies:
            where = "" if reading is None else f" (under {reading})"
            for op, text, new in expr_mutants(body):
                changed = (dataclasses.replace(d, body=new) if reading is None else
                           dataclasses.replace(d, by_reading={**d.by_reading, reading: new}))
                yield Mutant(Mutation(op.name, op.kind, f"{text}{where}", d.name, d.pos),
                             dataclasses.replace(spec, defs={**spec.defs, d.name: changed}))


def _param_mutants(spec: ir.Spec) -> Iterator[Mutant]:
    for p in spec.params.values():
        for reading, lit in [(None, p.default)] + list(p.by_reading.items()):
            if not isinstance(p.type, (ir.Num, ir.Date)):
                continue
            where = "" if reading is None else f" (under {reading})"
            for text, w in _shifted(lit.value):
                new = Lit(w, lit.type)
                changed = (dataclasses.replace(p, default=new) if reading is None else
                           dataclasses.replace(p, by_reading={**p.by_reading, reading: new}))
                yield Mutant(Mutation("threshold", "threshold", f"{text}{where}", p.name, p.pos),
                             dataclasses.replace(spec, params={**spec.params, p.name: changed}))


def _named_rules(spec: ir.Spec) -> set[str]:
    """Rules some expression names (`RuleApplies`/`RuleFires`): removing one would leave a
    dangling name, which the checker refuses — not a mutant of a well-formed spec."""
    bodies = [b for d in spec.defs.values() for b in (d.body, *d.by_reading.values())]
    bodies += [c.expr for r in spec.rules.values() for c in r.conditions]
    bodies += [p.body for p in spec.properties.values()]
    return {e.rule for b in bodies for e in b.find_all(ir.RuleApplies, ir.RuleFires)}


def _rule_mutants(spec: ir.Spec) -> Iterator[Mutant]:
    named = _named_rules(spec)
    for rule in spec.rules.values():
        if rule.name in named:
            continue
        rules = {n: (dataclasses.replace(r, overrides=tuple(o for o in r.overrides if o != rule.name))
                     if rule.name in r.overrides else r)
                 for n, r in spec.rules.items() if n != rule.name}
        yield Mutant(Mutation("remove rule", "rule", f"removed rule {rule.name}", rule.name, rule.pos),
                     dataclasses.replace(spec, rules=rules))


def _changed_value(spec: ir.Spec, c: ir.Conclusion) -> ir.Value | object:
    """The value the conclusion is changed to; `_NONE` when its type has no other value."""
    if c.slot is not None or isinstance(c.value, bool):
        return not c.value
    t = spec.outcomes[c.outcome].type
    if isinstance(t, ir.Enum):
        members = list(spec.enums[t.name].members) + ([None] if t.optional else [])
        if c.value in members and len(members) > 1:
            return members[(members.index(c.value) + 1) % len(members)]
    return _NONE


_NONE = object()


def _conclusion_mutants(spec: ir.Spec) -> Iterator[Mutant]:
    for rule in spec.rules.values():
        for i, c in enumerate(rule.conclusions):
            new = _changed_value(spec, c)
            if new is _NONE:
                continue
            changed = dataclasses.replace(c, value=new)
            concl = rule.conclusions[:i] + (changed,) + rule.conclusions[i + 1:]
            yield Mutant(Mutation("change conclusion", "conclusion", f"{c} -> {changed}", rule.name,
                                  c.pos if c.pos != ir.NOWHERE else rule.pos),
                         _with_rule(spec, dataclasses.replace(rule, conclusions=concl)))


def _overrides_mutants(spec: ir.Spec) -> Iterator[Mutant]:
    for rule in spec.rules.values():
        for o in rule.overrides:
            kept = tuple(x for x in rule.overrides if x != o)
            yield Mutant(Mutation("remove overrides", "overrides", f"no longer overrides {o}",
                                  rule.name, rule.pos),
                         _with_rule(spec, dataclasses.replace(rule, overrides=kept)))


def _group_mutants(spec: ir.Spec) -> Iterator[Mutant]:
    for g in spec.groups.values():
        for i, m in enumerate(g.members):
            def put(members, operator, text, _g=g):
                return Mutant(Mutation(operator, "group", text, _g.name, _g.pos),
                              dataclasses.replace(spec, groups={**spec.groups, _g.name: dataclasses.replace(
                                  _g, members=tuple(members))}))

            yield put(g.members[:i] + g.members[i + 1:], "remove member", f"removed {m.country}")
            for bound in ("since", "until"):
                day = getattr(m, bound)
                if day is None:
                    continue
                for text, w in _shifted(day):
                    moved = dataclasses.replace(m, **{bound: w})
                    word = "from" if bound == "since" else "until"
                    yield put(g.members[:i] + (moved,) + g.members[i + 1:], "move date",
                              f"{m.country} {word} {text}")


DECL_OPERATORS: tuple[Callable[[ir.Spec], Iterator[Mutant]], ...] = (
    _condition_mutants, _def_mutants, _param_mutants, _rule_mutants, _conclusion_mutants,
    _overrides_mutants, _group_mutants,
)


def mutants(spec: ir.Spec) -> list[Mutant]:
    """Every mutant of `spec`, in a stable order (the order of the operators and declarations)."""
    return [m for op in DECL_OPERATORS for m in op(spec)]


def same_model(a: ir.Model, b: ir.Model) -> bool:
    """The two models decide every transaction alike because they are the same model (a
    mutation of another reading's body, or of a rule that reading does not have)."""
    return (a.params == b.params and a.defs == b.defs and a.rules == b.rules
            and a.spec.groups == b.spec.groups)
