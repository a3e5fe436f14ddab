"""What an engine computes for one transaction, before any explanation is written.

Every engine (reference evaluator, z3, clingo) returns a `Trace`; the differential tests compare
traces field by field, and `explain.py` turns a trace into the determination a user reads. So an
explanation never depends on which engine produced it.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable

from ..ir import Model, SetOf, Value
from .store import STORE


@dataclass(frozen=True)
class Trace:
    """One transaction's run of a model.

    outcomes: every outcome's decided value (set outcomes as frozenset; optional enums may be None).
    applicable: rules whose conditions all hold.
    fired: applicable rules that no firing rule overrides (a subset of `applicable`).
    first_failing: for each rule that is not applicable, the index of its first condition that
      does not hold (conditions in the order the spec writes them).
    conflicts: slots that firing rules decide two ways: (outcome, slot-or-None, sorted rule names).
    """
    outcomes: dict[str, Value]
    applicable: frozenset[str]
    fired: frozenset[str]
    first_failing: dict[str, int]
    conflicts: tuple[tuple[str, str | None, tuple[str, ...]], ...] = ()


def slot_rules(model: Model) -> dict[tuple[str, str | None], list[tuple[str, Value]]]:
    """For each decided slot (outcome, element-or-None): [(rule, value)] in model rule order."""
    def build():
        slots: dict[tuple[str, str | None], list[tuple[str, Value]]] = {}
        for r in model.rules.values():
            for c in r.conclusions:
                slots.setdefault((c.outcome, c.slot), []).append((r.name, c.value))
        return slots
    return STORE.get("slot_rules", model, build)


def value_key(v: Value) -> tuple:
    """Equal for equal values of one type (1 == True in Python; a number is never a bool here)."""
    return (type(v).__name__ if not isinstance(v, (int, Fraction)) or isinstance(v, bool) else "num", v)


def decide(model: Model, applicable: Iterable[str], fired: Iterable[str],
           first_failing: dict[str, int]) -> Trace:
    """The trace of a run from which rules apply and fire: the one statement of how slots are
    decided. A slot takes the value of the first firing rule (in rule order) that concludes it,
    or the outcome's default; firing rules concluding two values for one slot are a conflict.
    Conflicts are listed in outcome order, then by slot."""
    fired = frozenset(fired)
    outcomes: dict[str, Value] = {}
    members: dict[str, set] = {}
    conflicts = []
    order = {name: i for i, name in enumerate(model.outcomes)}
    slots = slot_rules(model)
    for (outcome, slot), rs in slots.items():
        firing = [(r, v) for r, v in rs if r in fired]
        default = model.outcomes[outcome].default.value
        if slot is None:
            outcomes[outcome] = firing[0][1] if firing else default
        elif (firing[0][1] if firing else slot in (default or frozenset())):
            members.setdefault(outcome, set()).add(slot)
        if len({value_key(v) for _r, v in firing}) > 1:
            conflicts.append(((order[outcome], slot or ""), (outcome, slot, tuple(sorted(r for r, _v in firing)))))
    for name, decl in model.outcomes.items():
        if isinstance(decl.type, SetOf):
            # a set outcome: its default's members no rule decides stay in
            undecided = {m for m in (decl.default.value or ()) if (name, m) not in slots}
            outcomes[name] = frozenset(members.get(name, set()) | undecided)
        elif name not in outcomes:
            outcomes[name] = decl.default.value
    return Trace(outcomes={name: outcomes[name] for name in model.outcomes},
                 applicable=frozenset(applicable), fired=fired, first_failing=dict(first_failing),
                 conflicts=tuple(c for _k, c in sorted(conflicts)))
