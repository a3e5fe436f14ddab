"""Coverage goals of a test set, computed from the spec (nothing is listed by hand).

For a Model (one reading, every parameter fixed at the reading's value) the goals are:

- ``outcome``: every value of every outcome is reached: each member of an enum outcome (and
  ``none`` for an optional enum), ``true`` and ``false`` for a bool outcome, each element of a
  set outcome present and absent;
- ``fires``: every rule fires;
- ``applies`` + ``mcdc``: every condition of every rule is shown to matter on its own (MC/DC).
  Per rule, "all its conditions hold" (``applies:R``) and, per condition i, "condition i is false
  while every other condition of R holds" (``mcdc:R:i``). The two transactions meeting them form
  the MC/DC pair: only condition i changes truth value among R's conditions, and R's
  applicability flips with it;
- ``threshold``: every numeric threshold is hit exactly and one step either side. The thresholds
  are the numeric atoms (numeric.py) the rules and definitions use: each comparison of a form
  ``L`` over the numeric inputs (an input, a linear form, or a product such as
  ``quantity * tpp``) against a constant ``c``. The goals are ``L == c``, ``L == c - d`` and
  ``L == c + d`` where the step ``d`` is 1 (one day for dates) when ``c`` is a whole number, and
  otherwise the smallest decimal step of ``c`` (0.01 for 5.92; 1/q for a ``c = p/q`` whose
  decimal expansion does not terminate).

Each goal carries a boolean IR expression: a transaction meets the goal exactly when the reference
evaluator says the expression is true on it (``meets``). The solvers compile the same expressions.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable

from . import ir, numeric
from .ir import (And, Arith, Bool, Cmp, Date, Enum, InputRef, InSet, Lit, Model, Not, Num,
                 OutcomeRef, RuleApplies, RuleFires, SetOf)
from .numeric import AtomLit
from .transaction import decimal_places, format_fraction

__all__ = ["Goal", "goals", "fixed_model", "meets", "met_goals", "threshold_atoms", "step_of"]

KINDS = ("outcome", "fires", "applies", "mcdc", "threshold")


@dataclass(frozen=True)
class Goal:
    """One coverage goal. `expr` is a boolean IR expression over the model."""
    id: str
    kind: str
    text: str
    expr: ir.Expr
    rule: str | None = None
    condition: int | None = None
    # threshold goals: the form L (a polynomial over variables, no constant term) and the point
    form: numeric.Poly | None = None
    point: Fraction | None = None


def fixed_model(spec: ir.Spec, reading: str | None = None) -> Model:
    """The spec under `reading` with every parameter fixed at the reading's value: a test set
    is a set of transactions under that reading, not a quantification over parameters."""
    reading = reading or spec.default_reading
    values = {n: p.by_reading.get(reading, p.default).value for n, p in spec.params.items()}
    return ir.resolve(spec, reading, values)


# --------------------------------------------------------------------------- values as literals

def _render(v) -> str:
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, Fraction):
        return str(format_fraction(v))
    return str(v)


def _outcome_goals(model: Model) -> list[Goal]:
    out = []
    for name, decl in model.outcomes.items():
        t = decl.type
        if isinstance(t, Bool):
            for v in (True, False):
                e = OutcomeRef(name) if v else Not(OutcomeRef(name))
                out.append(Goal(f"outcome:{name}={_render(v)}", "outcome",
                                f"{name} is {_render(v)}", e))
        elif isinstance(t, Enum):
            members = list(model.spec.enums[t.name].members) + ([None] if t.optional else [])
            for m in members:
                e = Cmp("==", OutcomeRef(name), Lit(m, t))
                out.append(Goal(f"outcome:{name}={_render(m)}", "outcome",
                                f"{name} is {_render(m)}", e))
        elif isinstance(t, SetOf):
            for m in model.spec.enums[t.enum].members:
                inside = InSet(Lit(m, Enum(t.enum)), OutcomeRef(name))
                out.append(Goal(f"outcome:{name}+{m}", "outcome", f"{m} in {name}", inside))
                out.append(Goal(f"outcome:{name}-{m}", "outcome", f"{m} not in {name}",
                                Not(inside)))
        # other outcome types (numbers, dates, countries) have no finite set of values to reach
    return out


def _rule_goals(model: Model) -> list[Goal]:
    out = []
    for name, rule in model.rules.items():
        out.append(Goal(f"fires:{name}", "fires", f"rule {name} fires", RuleFires(name), rule=name))
    for name, rule in model.rules.items():
        conds = [c.expr for c in rule.conditions]
        if not conds:
            continue
        out.append(Goal(f"applies:{name}", "applies",
                        f"all conditions of rule {name} hold", RuleApplies(name), rule=name))
        for i, c in enumerate(rule.conditions):
            others = [e for j, e in enumerate(conds) if j != i]
            label = c.label or f"condition {i + 1}"
            out.append(Goal(f"mcdc:{name}:{i}", "mcdc",
                            f"rule {name}: only condition {i + 1} ({label}) fails",
                            And(tuple([Not(conds[i])] + others)), rule=name, condition=i))
    return out


# --------------------------------------------------------------------------- thresholds

def _walk_atoms(abs_: numeric.NumericAbstraction, roots: Iterable[object]) -> set[int]:
    """The numeric atoms reachable from abstract expressions (through definitions and groups)."""
    found: set[int] = set()
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        e = stack.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, AtomLit):
            found.add(e.atom)
        elif isinstance(e, (Not,)):
            stack.append(e.arg)
        elif isinstance(e, (And, ir.Or)):
            stack.extend(e.args)
        elif isinstance(e, ir.Implies):
            stack += [e.premise, e.conclusion]
        elif isinstance(e, ir.Ite):
            stack += [e.cond, e.then, e.orelse]
        elif isinstance(e, Cmp):
            stack += [e.left, e.right]
        elif isinstance(e, InSet):
            stack += [e.element, e.collection]
        elif isinstance(e, ir.DefRef):
            if e.name in abs_.defs:
                stack.append(abs_.defs[e.name])
        elif isinstance(e, ir.InGroup):
            stack.append(e.country)
            for day in abs_.group_dates(e.group):
                stack.append(abs_.date_before(e.date, day))
    return found


def threshold_atoms(model: Model) -> list[numeric.NumAtom]:
    """The numeric atoms the rules and definitions of `model` use (not those of properties)."""
    abs_ = numeric.abstraction(model)
    roots = list(abs_.defs.values()) + [c for cs in abs_.conditions.values() for c in cs]
    return [abs_.atoms[i] for i in sorted(_walk_atoms(abs_, roots))]


def step_of(c: Fraction, integral: bool) -> Fraction:
    """The step around threshold `c`: 1 for a whole number (or an all-integer form), else the
    smallest decimal step of `c` (1/q when its decimal expansion does not terminate)."""
    c = Fraction(c)
    if c.denominator == 1 or integral:
        return Fraction(1)
    places = decimal_places(c)
    return Fraction(1, c.denominator) if places is None else Fraction(1, 10 ** places)


def _form_expr(abs_: numeric.NumericAbstraction, form: numeric.Poly) -> ir.Expr | None:
    terms = []
    for mono, coef in form:
        factors: list[ir.Expr] = []
        for v in mono:
            var = abs_.variables[v]
            if not var.is_input:
                return None
            factors.append(InputRef(var.key))
        e = factors[0]
        for f in factors[1:]:
            e = Arith("*", e, f)
        if coef != 1:
            e = Arith("*", Lit(Fraction(coef), Num()), e)
        terms.append(e)
    out = terms[0]
    for t in terms[1:]:
        out = Arith("+", out, t)
    return out


def _form_text(abs_: numeric.NumericAbstraction, form: numeric.Poly) -> str:
    parts = []
    for mono, coef in form:
        name = "*".join(abs_.variables[v].key for v in mono)
        parts.append(name if coef == 1 else f"{_render(Fraction(coef))}*{name}")
    return " + ".join(parts)


def _threshold_goals(model: Model) -> list[Goal]:
    abs_ = numeric.abstraction(model)
    out: list[Goal] = []
    seen: set[tuple] = set()
    for atom in threshold_atoms(model):
        form = tuple((m, c) for m, c in atom.poly if m != ())
        const = sum((c for m, c in atom.poly if m == ()), Fraction(0))
        if not form:
            continue
        threshold = -const
        vars_ = [abs_.variables[v] for m, _c in form for v in m]
        if not all(v.is_input for v in vars_):
            continue   # a parameter left free: not a threshold of the transaction
        is_date = any(isinstance(v.type, Date) for v in vars_)
        if is_date and not (len(form) == 1 and len(form[0][0]) == 1 and form[0][1] == 1):
            continue   # date arithmetic: no way to state the point in the language
        integral = all(v.is_integer for v in vars_) and all(c.denominator == 1 for _m, c in form)
        d = step_of(threshold, integral)
        text = _form_text(abs_, form)
        for k, where in ((0, "at"), (-1, "just below"), (1, "just above")):
            point = threshold + k * d
            key = (form, point)
            if key in seen:
                continue
            seen.add(key)
            if is_date:
                try:
                    day = datetime.date.fromordinal(int(point))
                except (ValueError, OverflowError):
                    continue
                expr = Cmp("==", InputRef(vars_[0].key), Lit(day, Date()))
                shown = day.isoformat()
            else:
                expr = Cmp("==", _form_expr(abs_, form), Lit(point, Num()))
                shown = _render(point)
            out.append(Goal(f"threshold:{text}={shown}", "threshold",
                            f"{text} = {shown} ({where} the threshold {_render_threshold(threshold, is_date)})",
                            expr, form=form, point=point))
    return out


def _render_threshold(c: Fraction, is_date: bool) -> str:
    if is_date:
        try:
            return datetime.date.fromordinal(int(c)).isoformat()
        except (ValueError, OverflowError):
            pass
    return _render(c)


def goals(model: Model) -> list[Goal]:
    """Every coverage goal of `model`, in a stable order."""
    return _outcome_goals(model) + _rule_goals(model) + _threshold_goals(model)


# --------------------------------------------------------------------------- checking goals

def meets(model: Model, tx: dict, goal: Goal) -> bool:
    """Does the complete transaction `tx` meet `goal`? (The reference evaluator decides.)"""
    return goal.id in met_goals(model, tx, [goal])


def met_goals(model: Model, tx: dict, gs: Iterable[Goal]) -> list[str]:
    """The ids of the goals the complete transaction `tx` meets, decided by the reference
    evaluator's interpreter (one memoised run of the transaction for all the goals)."""
    from .evaluate import _Interp
    run = _Interp(model, tx)
    return [g.id for g in gs if run.ev(g.expr)]
