"""`Model`: a spec under one reading, what the engines evaluate and compile."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, replace

from .decls import InputDecl, OutcomeDecl, Rule, Spec
from .groups import Group
from .nodes import Expr
from .types import Value

__all__ = ["Model", "resolve"]

@dataclass(frozen=True, eq=False)
class Model:
    """A spec under one reading: what the engines evaluate and compile.

    `params` holds each parameter's value under the reading, or the value a query fixed.
    `free_params` are the parameters a proof quantifies over (all those not fixed by the query).
    Definitions, outcomes and rules are in dependency order. A model never changes (it compares
    and hashes by identity, so compiled artifacts can be stored against it); `with_params` and
    `with_rules` make new ones.
    """
    spec: Spec
    reading: str
    defs: dict[str, Expr]
    params: dict[str, Value]
    free_params: tuple[str, ...]   # sorted: solvers declare them in this order, on every machine
    rules: dict[str, Rule]

    @property
    def inputs(self) -> dict[str, InputDecl]:
        return self.spec.inputs

    @property
    def outcomes(self) -> dict[str, OutcomeDecl]:
        return self.spec.outcomes

    @property
    def groups(self) -> dict[str, Group]:
        return self.spec.groups

    @property
    def in_force_from(self) -> datetime.date | None:
        """The first date the spec applies under this reading (None = every date)."""
        return self.spec.in_force.start(self.reading) if self.spec.in_force else None

    def input_minimum(self, path: str) -> Value:
        """The lowest value the proof layer lets an input take: its `min`, and for the input
        `date` the first day the spec is in force (dates before it are outside every proof)."""
        if path == "date" and self.in_force_from is not None:
            return self.in_force_from
        return self.spec.inputs[path].minimum

    def in_force_on(self, day: datetime.date) -> bool:
        start = self.in_force_from
        return start is None or day >= start

    def with_params(self, params: dict[str, Value]) -> Model:
        """This model with `params` fixed and no parameter left free (a replayed instance)."""
        return replace(self, params={**self.params, **params}, free_params=())

    def with_rules(self, rules: dict[str, Rule]) -> Model:
        return replace(self, rules=rules)

    def overriders(self, rule: str) -> tuple[str, ...]:
        """The rules (present under this reading) that defeat `rule`."""
        return tuple(r.name for r in self.rules.values() if rule in r.overrides)


def resolve(spec: Spec, reading: str | None = None, fixed_params: dict[str, Value] | None = None) -> Model:
    """The spec as `reading` sees it; `fixed_params` pins parameters (queries, `--param`)."""
    reading = reading or spec.default_reading
    if reading not in spec.readings:
        raise KeyError(reading)
    fixed_params = dict(fixed_params or {})
    params = {
        name: fixed_params.get(name, p.by_reading.get(reading, p.default).value)
        for name, p in spec.params.items()
    }
    defs = {name: d.by_reading.get(reading, d.body) for name, d in spec.defs.items()}
    rules = {name: r for name, r in spec.rules.items() if not r.readings or reading in r.readings}
    return Model(spec=spec, reading=reading, defs=defs, params=params,
                 free_params=tuple(sorted(set(spec.params) - set(fixed_params))), rules=rules)
