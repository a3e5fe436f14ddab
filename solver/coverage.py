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
- ``threshold``: every boundary is shown to decide an outcome. Per boundary mutant of the spec
  (solver/mutation.py: a number one unit of its precision up or down, a date one day, `<`<->`<=`,
  `==`<->`!=`, a group membership's start or end one day) that changes the model, one goal: a
  transaction on which the mutant decides some outcome differently. For `L <= c` these are the
  point `L = c` (against `<`, and `c` one unit down) and the point one unit across (against
  `c` one unit up), each with the rule's other conditions holding — a point where the
  comparison is met but decides nothing does not count. A boundary no outcome can observe is
  proved infeasible (z3 proves the mutant equivalent under the reading).
- ``mutant``: every other semantic mutant of solver/mutation.py (a condition dropped or negated,
  `in`<->`not in`, `and`<->`or`, a rule removed, a conclusion changed, an `overrides` removed, a
  country-group member removed) that changes the model is told apart: one goal per mutant, met
  by a transaction on which the mutant decides some outcome differently — for a removed member,
  a transaction that visits that country where its membership decides an outcome. So a set
  meeting every goal kills every mutant `earl mutate --testset` can kill: the same mutants, the
  same test (some stored outcome changes).

Each goal carries a boolean IR expression: a transaction meets the goal exactly when the reference
evaluator says the expression is true on it and, for a threshold or mutant goal, the mutant's
outcomes differ (``meets``). The solvers compile the same expressions; a threshold or mutant goal
is searched for with `smt.prove.equivalent_models` on the pair of models.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from .. import ir
from ..ir import And, Bool, Cmp, Enum, InSet, Lit, Model, Not, OutcomeRef, RuleApplies, RuleFires, SetOf
from ..ir.values import render_value
from .eval import Interpreter, run as run_model
from .mutation import mutants, same_model

__all__ = ["Goal", "goals", "fixed_model", "meets", "meets_all", "met_goals", "BOUNDARY_OPERATORS"]

KINDS = ("outcome", "fires", "applies", "mcdc", "threshold", "mutant")


@dataclass(frozen=True)
class Goal:
    """One coverage goal. `expr` is a boolean IR expression over the model."""
    id: str
    kind: str
    text: str
    expr: ir.Expr
    rule: str | None = None
    condition: int | None = None
    # boundary goals: the goal is met where `expr` holds and this model (the spec with one
    # threshold or comparison mutated) decides some outcome differently
    contrast: Model | None = field(default=None, compare=False, hash=False, repr=False)


def fixed_model(spec: ir.Spec, reading: str | None = None) -> Model:
    """The spec under `reading` with every parameter fixed at the reading's value: a test set
    is a set of transactions under that reading, not a quantification over parameters."""
    reading = reading or spec.default_reading
    values = {n: p.by_reading.get(reading, p.default).value for n, p in spec.params.items()}
    return ir.resolve(spec, reading, values)


def _outcome_goals(model: Model) -> list[Goal]:
    out = []
    for name, decl in model.outcomes.items():
        t = decl.type
        if isinstance(t, Bool):
            for v in (True, False):
                e = OutcomeRef(name, t) if v else Not(OutcomeRef(name, t))
                out.append(Goal(f"outcome:{name}={render_value(v)}", "outcome",
                                f"{name} is {render_value(v)}", e))
        elif isinstance(t, Enum):
            members = list(model.spec.enums[t.name].members) + ([None] if t.optional else [])
            for m in members:
                e = Cmp("==", OutcomeRef(name, t), Lit(m, t))
                out.append(Goal(f"outcome:{name}={render_value(m)}", "outcome",
                                f"{name} is {render_value(m)}", e))
        elif isinstance(t, SetOf):
            for m in model.spec.enums[t.enum].members:
                inside = InSet(Lit(m, Enum(t.enum)), OutcomeRef(name, t))
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


# --------------------------------------------------------------------------- boundaries

# the mutation operators (solver/mutation.py) whose mutants move a boundary
BOUNDARY_OPERATORS = ("threshold", "boundary", "equality", "move date")


def _mutant_goals(model: Model) -> list[Goal]:
    """One goal per mutant (solver/mutation.py) that changes this model: a transaction on which
    the mutant decides some outcome differently. A boundary mutant (one threshold moved by a unit,
    a date by a day, `<` turned into `<=`, `==` into `!=`) gives a ``threshold`` goal, which sits
    where the comparison decides an outcome with the rule's other conditions holding; any other
    mutant a ``mutant`` goal. A mutant no transaction tells apart is proved infeasible."""
    spec = model.spec
    out: list[Goal] = []
    ids: set[str] = set()
    for m in mutants(spec):
        mut = m.mutation
        fixed = {n: v for n, v in model.params.items() if n not in model.free_params}
        for n, p in m.spec.params.items():
            if p != spec.params[n]:
                fixed[n] = p.by_reading.get(model.reading, p.default).value
        contrast = ir.resolve(m.spec, model.reading, fixed)
        if same_model(contrast, model):
            continue
        kind = "threshold" if mut.operator in BOUNDARY_OPERATORS else "mutant"
        gid = f"{kind}:{mut.owner}:{mut.text}"
        while gid in ids:
            gid += "'"
        ids.add(gid)
        out.append(Goal(gid, kind,
                        f"{mut.text} ({mut.owner}, {mut.pos.file}:{mut.pos.line}) changes an outcome",
                        Lit(True, Bool()), rule=mut.owner, contrast=contrast))
    return out


def goals(model: Model) -> list[Goal]:
    """Every coverage goal of `model`, in a stable order."""
    return _outcome_goals(model) + _rule_goals(model) + _mutant_goals(model)


# --------------------------------------------------------------------------- checking goals

def meets(model: Model, tx: dict, goal: Goal) -> bool:
    """Does the complete transaction `tx` meet `goal`? (The reference evaluator decides.)"""
    return goal.id in met_goals(model, tx, [goal])


def meets_all(model: Model, tx: dict, gs: list[Goal]) -> bool:
    """Does the complete transaction `tx` meet every goal of `gs`? Stops at the first goal it
    misses, and moves that goal to the front of `gs` (in place): a caller asking again about a
    nearby transaction, as shrinking does, then usually learns "no" after one goal."""
    met = _judge(model, tx)
    for k, g in enumerate(gs):
        if not met(g):
            gs.insert(0, gs.pop(k))
            return False
    return True


def met_goals(model: Model, tx: dict, gs: Iterable[Goal]) -> list[str]:
    """The ids of the goals the complete transaction `tx` meets."""
    met = _judge(model, tx)
    return [g.id for g in gs if met(g)]


def _judge(model: Model, tx: dict):
    """Whether the complete transaction `tx` meets a goal, decided by the reference evaluator's
    interpreter (one memoised run of the transaction for all the goals; a mutant goal compares
    the outcomes of one run of each model)."""
    interp = Interpreter(model, tx)
    outcomes: list = []

    def met(g: Goal) -> bool:
        if not interp.value(g.expr):
            return False
        if g.contrast is None:
            return True
        if not outcomes:
            outcomes.append(run_model(model, tx).outcomes)
        return run_model(g.contrast, tx).outcomes != outcomes[0]
    return met
