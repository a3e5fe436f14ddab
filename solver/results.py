"""What a proof primitive answers: a proof, an instance, or an honest "unknown"."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..ir import Value


@dataclass(frozen=True)
class Proof:
    """The claim holds for every transaction and free parameter (for a search: no instance exists).

    `core`: the rules the proof relies on (an unsat core mapped back to provisions), when known.
    """
    core: tuple[str, ...] = ()
    engine: str = ""


@dataclass(frozen=True)
class Instance:
    """A transaction (complete: every input has a value) and parameter values that witness the
    search, or refute the claim. Engines minimise it and replay it through the reference evaluator
    before returning it."""
    transaction: dict[str, Value]
    params: dict[str, Value] = field(default_factory=dict)
    engine: str = ""


@dataclass(frozen=True)
class Unknown:
    """The solver gave no answer (timeout, incompleteness). Never to be reported as proved."""
    reason: str
    engine: str = ""


Result = Proof | Instance | Unknown
