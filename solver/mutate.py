"""Mutation adequacy: how many of a spec's semantic mutants (solver/mutation.py) its own checks
kill.

A mutant is judged only under the readings it changes (under the others it is the spec
itself). It is *killed* when a check fails on it: an example whose expected outcome (or freedom
from conflicts) the reference evaluator no longer reproduces, or a property whose z3 result under
some reading no longer matches its expectation. Against a test set (`testset=`), it is killed
when some stored case's expected outcomes change. Examples (or cases) run first, being cheap; a
mutant they miss is then compared with the original — first on sampled transactions (the
examples' and pseudo-random ones over the values the spec names), else by z3
(`proofs.equivalent`, every outcome, every parameter at its reading's value). Proved the same on
every transaction under every reading, it is *equivalent* — no check could kill it — and is
listed apart; otherwise the properties run, and a mutant they miss *survives*, reported with a
transaction that tells it apart. Score = killed / (total - equivalent). A z3 `unknown` never
makes a mutant equivalent or killed: it stays a survivor, with the reason.
"""
from __future__ import annotations

import json
import multiprocessing
import random
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from .. import ir
from ..ir.values import non_default, render_value
from .smt import prove
from .verify.analyses.context import sample_domains
from .coverage import fixed_model
from .eval import run as run_model, run_batch
from .explain import in_force
from .mutation import Mutant, mutants, same_model
from .replay import EngineDisagreement
from .results import Instance, Proof, Unknown
from .testset import changes
from .transaction import complete, to_json
from .verify.results import expectation

__all__ = ["Verdict", "Score", "run"]


# --------------------------------------------------------------------------- checking

@dataclass(frozen=True)
class Verdict:
    """What became of one mutant: killed (by), equivalent, or survived (with a witness)."""
    status: str        # "killed", "equivalent", "survived"
    detail: str = ""   # the check that killed it; for a survivor, a transaction telling them apart


def _changed_readings(original: ir.Spec, spec: ir.Spec, readings: Sequence[str]) -> list[str]:
    return [r for r in readings if not same_model(ir.resolve(spec, r), ir.resolve(original, r))]


def _example_kill(spec: ir.Spec, readings: Sequence[str]) -> str:
    models: dict = {}
    for ex in spec.examples.values():
        reading = ex.reading or spec.default_reading
        if reading not in readings:
            continue
        key = (reading, tuple(sorted(ex.params.items())))
        if key not in models:
            models[key] = ir.resolve(spec, reading, ex.params)
        trace = run_model(models[key], complete(spec, ex.given))
        if trace.conflicts:
            return f"example {ex.name} (conflict on {trace.conflicts[0][0]})"
        for name, want in ex.expect.items():
            if trace.outcomes[name] != want:
                return (f"example {ex.name} ({name}: expected {render_value(want)}, "
                        f"got {render_value(trace.outcomes[name])})")
    return ""


def _property_kill(spec: ir.Spec, readings: Sequence[str], timeout_ms: int) -> str:
    """A property whose z3 result no longer matches its expectation (`readings`: those the
    mutation changes; under the others the mutant is the original)."""
    for reading in readings:
        model = ir.resolve(spec, reading)
        for prop in spec.properties.values():
            r = prove.valid(model, prop.body, timeout_ms=timeout_ms, minimize=False, explain=False)
            if isinstance(r, Unknown):
                continue
            got = "holds" if isinstance(r, Proof) else "fails"
            if got != expectation(prop, reading):
                return f"property {prop.name} {got} under {reading}"
    return ""


def _testset_kill(spec: ir.Spec, reading: str, cases: list[dict]) -> str:
    found = changes(spec, reading, cases)
    if found:
        c = found[0]
        return f"case {c.case}" + (f" ({c.outcome})" if c.outcome else "")
    return ""


def _samples(original: ir.Spec, reading: str) -> tuple[list[dict], list[dict]]:
    """(complete transactions, the original's outcomes on them) under `reading`: the examples'
    transactions and pseudo-random ones over the values the spec names (fixed seed), on which
    a mutant that differs usually shows it without a proof. Only transactions dated while the
    spec is in force: before, no outcome is determined and the proofs do not look. Memoised per
    worker."""
    key = ("samples", reading)
    if key not in _STATE:
        model = fixed_model(original, reading)
        txs = [complete(original, ex.given) for ex in original.examples.values()]
        domains = sample_domains(model)
        rng = random.Random(0)
        txs += [complete(original, {p: rng.choice(vs) for p, vs in domains.items() if rng.random() < 0.5})
                for _ in range(SAMPLES)]
        txs = [tx for tx in txs if in_force(model, tx) is not False]
        _STATE[key] = (txs, [t.outcomes for t in run_batch(model, txs)])
    return _STATE[key]


SAMPLES = 400


def _witness(original: ir.Spec, spec: ir.Spec, reading: str, tx: dict) -> str:
    given = json.dumps(to_json(original, non_default(original, tx)), ensure_ascii=False, sort_keys=True)
    return f"differs under {reading} on {given}"


def _sampled_difference(original: ir.Spec, spec: ir.Spec, readings: Sequence[str]) -> str:
    for reading in readings:
        txs, outcomes = _samples(original, reading)
        for tx, mine, theirs in zip(txs, run_batch(fixed_model(spec, reading), txs), outcomes):
            if mine.outcomes != theirs:
                return _witness(original, spec, reading, tx)
    return ""


def _proved_difference(original: ir.Spec, spec: ir.Spec, readings: Sequence[str],
                       timeout_ms: int) -> Verdict | str:
    """"equivalent" (a Verdict) when z3 proves every outcome the same under every reading
    (parameters at the reading's values); else a transaction telling them apart, or why z3
    could not tell (a string)."""
    unknown = ""
    outcomes = [original.outcome_ref(o) for o in original.outcomes]
    for reading in readings:
        mine, theirs = fixed_model(spec, reading), fixed_model(original, reading)
        try:
            # the mutant first: the pair's z3 query is cached on the first model, which dies
            # with the mutant
            r = prove.equivalent_models(mine, theirs, outcomes, timeout_ms=timeout_ms, minimize=True)
        except EngineDisagreement as e:
            return f"engines disagree under {reading}: {e}"
        if isinstance(r, Instance):
            return _witness(original, spec, reading, complete(original, r.transaction))
        if not isinstance(r, Proof):
            unknown = unknown or f"not proved equivalent under {reading}: {r.reason}"
    return unknown or Verdict("equivalent")


# state of a worker process: set once (by fork or by the initializer), read by `_judge`
_STATE: dict = {}


def _init(state: dict) -> None:
    _STATE.clear()
    _STATE.update(state)


def _judge(index: int) -> tuple[int, Verdict]:
    """Examples (or the test set) first, as they are cheap; then whether the mutant differs at
    all (sampled transactions, else a z3 proof): an equivalent mutant needs no property; last
    the properties, with z3."""
    s = _STATE
    original, m = s["spec"], s["mutants"][index]
    try:
        changed = _changed_readings(original, m.spec, s["readings"])
        if not changed:
            return index, Verdict("equivalent")
        if s["cases"] is not None:
            killer = _testset_kill(m.spec, changed[0], s["cases"])
        else:
            killer = _example_kill(m.spec, changed)
        if killer:
            return index, Verdict("killed", killer)
        difference = (_sampled_difference(original, m.spec, changed)
                      or _proved_difference(original, m.spec, changed, s["timeout_ms"]))
        if isinstance(difference, Verdict):
            return index, difference
        if s["cases"] is None:
            killer = _property_kill(m.spec, changed, s["timeout_ms"])
            if killer:
                return index, Verdict("killed", killer)
        return index, Verdict("survived", difference)
    except Exception as e:  # an engine failing on a mutant is no kill: report it, never crash
        return index, Verdict("survived", f"could not be checked: {type(e).__name__}: {e}")


@dataclass
class Score:
    mutants: list[Mutant]
    verdicts: list[Verdict]
    readings: list[str]
    against: str = "the spec's examples and properties"
    seconds: float = 0.0

    def _count(self, status: str, kinds: Iterable[str] | None = None) -> int:
        kinds = None if kinds is None else set(kinds)
        return sum(1 for m, v in zip(self.mutants, self.verdicts)
                   if v.status == status and (kinds is None or m.mutation.kind in kinds))

    @property
    def total(self) -> int:
        return len(self.mutants)

    @property
    def killed(self) -> int:
        return self._count("killed")

    @property
    def equivalent(self) -> int:
        return self._count("equivalent")

    @property
    def survived(self) -> int:
        return self._count("survived")

    @property
    def score(self) -> float:
        counted = self.total - self.equivalent
        return self.killed / counted if counted else 1.0

    def by_kind(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for m, v in zip(self.mutants, self.verdicts):
            row = out.setdefault(m.mutation.kind, {"total": 0, "killed": 0, "survived": 0,
                                                   "equivalent": 0})
            row["total"] += 1
            row[v.status] += 1
        return out

    def _rows(self, status: str) -> list[dict]:
        return [{"file": m.mutation.pos.file, "line": m.mutation.pos.line, "rule": m.mutation.owner,
                 "operator": m.mutation.operator, "kind": m.mutation.kind,
                 "mutation": m.mutation.text, "detail": v.detail}
                for m, v in zip(self.mutants, self.verdicts) if v.status == status]

    def survivors(self) -> list[dict]:
        return self._rows("survived")

    def to_json(self) -> dict:
        return {"against": self.against, "readings": self.readings, "total": self.total,
                "killed": self.killed, "survived": self.survived, "equivalent": self.equivalent,
                "score": round(self.score, 4), "seconds": round(self.seconds, 1),
                "by_kind": self.by_kind(), "survivors": self.survivors(),
                "equivalents": self._rows("equivalent")}


def run(spec: ir.Spec, *, readings: Sequence[str] | None = None, jobs: int = 1,
        timeout_ms: int = 10_000, testset: tuple[str, list[dict]] | None = None,
        progress: Callable[[int, int], None] | None = None) -> Score:
    """Judge every mutant of `spec`. `testset`: (reading, stored cases) to kill with instead of
    the spec's examples and properties. `jobs`: worker processes."""
    t0 = time.perf_counter()
    if testset is not None:
        readings = [testset[0]]
    readings = list(readings or spec.readings)
    ms = mutants(spec)
    state = {"spec": spec, "mutants": ms, "readings": readings, "timeout_ms": timeout_ms,
             "cases": None if testset is None else testset[1]}
    verdicts: list[Verdict | None] = [None] * len(ms)
    done = 0
    jobs = max(1, min(jobs, len(ms)))
    if jobs == 1:
        _init(state)
        results: Iterable[tuple[int, Verdict]] = map(_judge, range(len(ms)))
        pool = None
    else:
        ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods()
                                          else None)
        pool = ctx.Pool(jobs, initializer=_init, initargs=(state,))
        results = pool.imap_unordered(_judge, range(len(ms)), chunksize=4)
    try:
        for i, v in results:
            verdicts[i] = v
            done += 1
            if progress:
                progress(done, len(ms))
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
    against = ("the spec's examples and properties" if testset is None
               else f"a test set of {len(testset[1])} cases")
    return Score(ms, [v for v in verdicts if v is not None], readings, against,
                 time.perf_counter() - t0)
