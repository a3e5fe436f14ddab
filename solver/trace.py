"""What an engine computes for one transaction, before any explanation is written.

Every engine (reference evaluator, z3, clingo) returns a `Trace`; the differential tests compare
traces field by field, and `explain.py` turns a trace into the determination a user reads. So an
explanation never depends on which engine produced it.
"""
from __future__ import annotations

from dataclasses import dataclass

from .ir import Value


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
