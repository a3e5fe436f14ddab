"""What screening one record gives (`Answer`), and that answer as the JSON object `earl ask
--json`, the workbench's API and `earl.screen` print."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .solver.transaction import TransactionError, value_to_json

__all__ = ["Answer", "answer_json", "settle_json", "outcomes_json", "conflicts_json"]


@dataclass
class Answer:
    """What screening one record gives: a determination (full, or outcomes and conflicts only),
    the settled/unsettled outcomes of a transaction with unknown facts, or an error."""
    n: int
    line: int | None
    key: Any = None
    error: TransactionError | None = None
    failure: str | None = None          # an engine or analysis failed (exit 70)
    outcomes: dict | None = None        # shared (memoised by the evaluator): never changed
    conflicts: tuple = ()
    determination: Any = None
    settled: dict | None = None
    unknown: tuple[str, ...] = ()
    in_force: bool | None = True        # False: dated before the spec is in force (outcomes None)


def settle_json(model, settled: dict, unknown: tuple[str, ...], in_force: bool | None) -> dict:
    out: dict[str, Any] = {"reading": model.reading, "in_force": in_force, "unknown_facts": list(unknown),
                           "settled": {}, "unsettled": {}}
    for name, s in settled.items():
        if hasattr(s, "value"):
            out["settled"][name] = value_to_json(s.value)
        else:
            out["unsettled"][name] = {"depends_on": list(s.depends_on),
                                      "exact": bool(getattr(s, "exact", True))}
    return out


def outcomes_json(outcomes: dict, reading: str, in_force: bool | None = True) -> dict:
    """The outcomes of a determination by name, the reading and whether the spec is in force on
    the transaction's date (`--fields outcomes`)."""
    return {**{k: value_to_json(v) for k, v in outcomes.items()}, "reading": reading, "in_force": in_force}


def conflicts_json(conflicts) -> list[dict]:
    return [{"outcome": o, "slot": s, "rules": list(rs)} for o, s, rs in conflicts]


def answer_json(answer, model) -> dict:
    """One answer as the JSON object `--format json` prints: the
    determination (fields "explanation") or its outcomes; unknown facts settled; or an error."""
    if answer.error is not None:
        out: dict[str, Any] = {"error": answer.error.message, "path": answer.error.path}
    elif answer.failure is not None:
        out = {"error": answer.failure}
    elif answer.settled is not None:
        out = settle_json(model, answer.settled, answer.unknown, answer.in_force)
    elif answer.determination is not None:
        out = answer.determination.to_json()
    else:
        out = outcomes_json(answer.outcomes, model.reading, answer.in_force)
        if answer.conflicts:
            out["conflicts"] = conflicts_json(answer.conflicts)
    if answer.line is not None:
        out["line"] = answer.line
    if answer.key is not None:
        out["id"] = answer.key
    return out
