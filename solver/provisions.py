"""The spec's provisions (rules) at a glance: where each comes from, under which readings it
exists, which examples make it fire and which properties touch it (`earl provisions`, the
workbench's provision list).

A property touches a rule when its expression reads an outcome the rule concludes, or the rule
itself, directly or through definitions, under some reading. An example fires a rule when the
reference evaluator, under the example's reading and parameters, finds it firing.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..ir import Spec, resolve, walk
from .eval import run
from .transaction import complete


@dataclass(frozen=True)
class ProvisionRow:
    name: str
    cite: str
    title: str
    source: str
    readings: tuple[str, ...]
    examples: int
    properties: tuple[str, ...]
    example_names: tuple[str, ...] = ()


def _touched(expr, defs_by_reading) -> tuple[set[str], set[str]]:
    """(outcomes, rules) an expression reads, through definitions under every reading."""
    read = set().union(*(walk.reads(expr, defs) for defs in defs_by_reading))
    return ({name for kind, name in read if kind == "out"},
            {name for kind, name in read if kind in ("app", "fire")})


def provision_rows(spec: Spec) -> tuple[list[ProvisionRow], list[str]]:
    """The rows, and problems met evaluating examples (as messages)."""
    problems: list[str] = []
    fired_by: dict[str, int] = {name: 0 for name in spec.rules}
    named_by: dict[str, list[str]] = {}
    for ex in spec.examples.values():
        try:
            model = resolve(spec, ex.reading, ex.params)
            trace = run(model, complete(spec, ex.given))
        except Exception as e:  # noqa: BLE001 - reported, never a traceback
            problems.append(f"example {ex.name}: {type(e).__name__}: {e}")
            continue
        for r in trace.fired:
            fired_by[r] = fired_by.get(r, 0) + 1
            named_by.setdefault(r, []).append(ex.name)

    defs_by_reading = [resolve(spec, r).defs for r in spec.readings]
    touching: dict[str, list[str]] = {name: [] for name in spec.rules}
    for prop in spec.properties.values():
        outcomes, rules = _touched(prop.body, defs_by_reading)
        for rule in spec.rules.values():
            if rule.name in rules or any(c.outcome in outcomes for c in rule.conclusions):
                touching[rule.name].append(prop.name)

    rows = []
    for rule in spec.rules.values():
        readings = tuple(sorted(rule.readings)) if rule.readings else ()
        source = "; ".join(str(s) for s in rule.sources) or "not stated"
        rows.append(ProvisionRow(rule.name, rule.cite, rule.title, source, readings, fired_by[rule.name],
                                 tuple(touching[rule.name]), tuple(named_by.get(rule.name, ()))))
    return rows, problems
