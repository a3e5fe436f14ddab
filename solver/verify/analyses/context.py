"""What every analysis works on: `Context` (one reading's model plus the proof primitives) and
what it reports, `Finding`.

`Context` memoises every query (analyses share them) and keeps the traces of every witness it
has seen, so that a rule seen firing in any witness needs no query of its own.
"""
from __future__ import annotations

import datetime
import random
import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable

from ....ir import Bool, Country, Date, Enum, Expr, Lit, Model, NOWHERE, Num, Pos, Rule, walk
from ...countries import boundary_dates_of, named_countries
from ...eval import run_batch
from ...smt.minimize import numeric_thresholds
from ...results import Instance, Result
from ...transaction import complete


@dataclass
class Finding:
    """One analysis result.

    status: "finding" (a defect: fails the run), "error" (its witness does not replay: an engine
    bug, fails the run), "intended" (the spec documents it as intended via
    `intended "<kind>"`: reported, does not fail), "unknown" (a solver gave no answer: exit 3), or
    "ok" (informational, e.g. a non-vacuous property with its witness).
    """
    kind: str
    reading: str
    subject: str
    message: str
    status: str = "finding"
    rules: tuple[str, ...] = ()
    witness: Instance | None = None
    pos: Pos = NOWHERE
    query: Expr | None = None     # what the witness satisfies (verify replays it in the evaluator)

    @property
    def failing(self) -> bool:
        return self.status in ("finding", "error")


@dataclass
class Context:
    """One reading: its model, the primitives, a query memo and the traces of witnesses seen."""
    model: Model
    primitives: object            # primitives.Primitives (duck-typed: satisfiable, implies, trace)
    timeout_ms: int
    fired_seen: set[str] = field(default_factory=set)
    applied_seen: set[str] = field(default_factory=set)
    samples: list = field(default_factory=list)   # concrete Instances seen (examples, witnesses)
    queries: int = 0
    query_seconds: float = 0.0
    _memo: dict = field(default_factory=dict)

    @property
    def reading(self) -> str:
        return self.model.reading

    # -- primitives, memoised -----------------------------------------------------------
    def _ask(self, key, call: Callable[[], Result]) -> Result:
        if key not in self._memo:
            t0 = time.perf_counter()
            result = call()
            self.query_seconds += time.perf_counter() - t0
            self.queries += 1
            self._memo[key] = result
            if isinstance(result, Instance):
                self.observe(result)
        return self._memo[key]

    def satisfiable(self, expr: Expr, *, minimize: bool = True) -> Result:
        return self._ask(("sat", expr, minimize), lambda: self.primitives.satisfiable(
            self.model, expr, timeout_ms=self.timeout_ms, minimize=minimize))

    def implies(self, premise: Expr, conclusion: Expr) -> Result:
        return self._ask(("implies", premise, conclusion), lambda: self.primitives.implies(
            self.model, premise, conclusion, timeout_ms=self.timeout_ms))

    def observe(self, instance: Instance) -> None:
        """Run a witness through the reference evaluator and remember which rules it fires."""
        try:
            trace = self.primitives.trace(self.model, instance.transaction, instance.params)
        except Exception:  # a witness the evaluator rejects is caught by replay elsewhere
            return
        self.fired_seen |= trace.fired
        self.applied_seen |= trace.applicable
        self.samples.append(instance)

    def observe_examples(self) -> None:
        """Run the spec's examples (concrete transactions) through the reference evaluator under
        this reading and remember which rules they make fire (with the example's parameters: a
        valid parameter choice, since proofs range over every parameter value)."""
        for ex in self.model.spec.examples.values():
            try:
                inst = Instance(complete(self.model.spec, ex.given), dict(ex.params),
                                engine=f"example {ex.name}")
            except Exception:   # an optimisation only: a broken example is `earl test`'s business
                continue
            self.observe(inst)

    def find_sample(self, expr: Expr) -> Instance | None:
        """A concrete transaction already seen (example, witness) on which `expr` holds, by the
        reference evaluator; None if there is none."""
        for inst in self.samples:
            try:
                if self.primitives.value(self.model, expr, inst.transaction, inst.params) is True:
                    return inst
            except Exception:
                continue
        return None

    def explore(self, samples: int = 3000, seed: int = 0) -> None:
        """Run `samples` pseudo-random transactions (fixed seed: reproducible) through the
        reference evaluator and remember which rules they make apply and fire. Sound: a rule seen
        firing on a real transaction is live, so dead/shadowed need no query for it; it only
        saves solver queries (every rule not seen still gets one)."""
        if self.fired_seen >= set(self.model.rules):
            return
        try:
            domains = sample_domains(self.model)
        except Exception:   # exploration is an optimisation only
            return
        rng = random.Random(seed)
        paths = list(domains)
        spec, total = self.model.spec, len(self.model.rules)
        stale, batch = 0, 200
        for _ in range(0, samples, batch):
            before = len(self.fired_seen)
            txs = [complete(spec, {p: rng.choice(domains[p]) for p in paths if rng.random() < 0.5})
                   for _ in range(batch)]
            try:
                traces = run_batch(self.model, txs)
            except Exception:
                return
            for t in traces:
                self.fired_seen |= t.fired
                self.applied_seen |= t.applicable
            stale = stale + 1 if len(self.fired_seen) == before else 0
            if len(self.fired_seen) == total or stale >= 3:   # nothing new for 600 samples
                return

    def rule_pos(self, name: str) -> Pos:
        rule = self.model.rules.get(name) or self.model.spec.rules.get(name)
        return rule.pos if rule else NOWHERE


def sample_domains(model: Model) -> dict[str, list]:
    """Candidate values of each input, derived from the spec only: every bool and enum member,
    the numbers the model names (and their neighbours), the group boundary dates, the countries
    named by the spec plus one member of each listed group and one country in no group."""
    spec = model.spec
    numbers = sorted({t + d for t in numeric_thresholds([model]) for d in (-1, 0, 1)} | {Fraction(0)})
    days = set()
    for b in boundary_dates_of(spec):
        days |= {b, b - datetime.timedelta(days=1)}
    countries = _country_sample(spec)
    out: dict[str, list] = {}
    for path, decl in spec.inputs.items():
        t = decl.type
        default = [decl.default.value] if isinstance(decl.default, Lit) else []
        if isinstance(t, Bool):
            vals = [False, True]
        elif isinstance(t, Enum):
            vals = list(spec.enums[t.name].members) + ([None] if t.optional else [])
        elif isinstance(t, Num):
            vals = [x for x in numbers if decl.minimum is None or x >= decl.minimum]
            if t.integer:
                vals = sorted({Fraction(x.numerator // x.denominator) for x in vals}
                              | {Fraction(-(-x.numerator // x.denominator)) for x in vals})
                vals = [x for x in vals if decl.minimum is None or x >= decl.minimum]
        elif isinstance(t, Date):
            floor = model.input_minimum(path)
            vals = sorted(d for d in days | set(default) | ({floor} if floor else set())
                          if floor is None or d >= floor)
        elif isinstance(t, Country):
            vals = sorted(countries | set(default))
        else:
            continue
        if vals:
            out[path] = vals
    return out


def _country_sample(spec) -> set[str]:
    """Named countries, one member of each listed group, one country in no group."""
    grouped: set[str] = set()
    countries: set[str] = set(named_countries(spec))
    for g in spec.groups.values():
        if g.members:
            countries.add(g.members[0].country)
            grouped |= {m.country for m in g.members}
    outside = sorted(set(spec.countries) - grouped)
    countries |= set(outside[:1])
    return countries


def intended(rule: Rule, *kinds: str) -> bool:
    return any(k in rule.intended for k in kinds)


def cited(model: Model, name: str) -> str:
    rule = model.rules.get(name) or model.spec.rules.get(name)
    return f"{name} ({rule.cite})" if rule and rule.cite else name


def outcomes_read(model: Model, expr: Expr) -> set[str]:
    """The outcomes an expression reads, directly or through definitions."""
    return {name for kind, name in walk.reads(expr, model.defs) if kind == "out"}
