"""`verify`: every property under every reading, the built-in analyses, stored counterexamples.

The orchestration is a list of checks, each giving a result:

1. Properties. Each property under each reading is proved with z3 (`prove.valid`) and
   cross-checked with clingo (`AspEngine.valid`). The engines must agree (both Proof or both
   Instance); a disagreement is an *error*, never resolved silently. Every Instance is replayed
   through the reference evaluator before it is reported (an unreplayable counterexample is an
   engine bug: an error). The outcome is compared with the property's expectation under the
   reading (`expect holds` / `expect fails [under R]`).
2. Analyses (analyses/, in `ANALYSES` order): vacuous, conflict, gap, dead, shadowed. Findings the spec marks
   `intended "<kind>"` are reported as intended and do not fail the run.
3. Stored counterexamples (counterexamples/*.json) are replayed on every run; see
   counterexamples.py for when a stale one fails the run.
4. Golden examples: every `example` block on every engine (eval, smt, asp) under its reading
   (examples.py, the runner `earl test` and the tests share); a mismatch fails the run.

What it answers is in results.py (with the exit status).

Performance: one `Model` per reading, built once; the primitives object keeps each engine's
encoding of a model for the whole run, and the analyses share one memo of queries and the traces
of every witness (a rule seen firing needs no dead/shadowed query).
"""
from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

from ...ir import Model, PropertyDecl, Spec, resolve
from ..engines import ENGINES as EXAMPLE_ENGINES
from ..examples import run_examples
from ..replay import EngineDisagreement
from ..results import Instance, Proof, Unknown
from . import counterexamples
from .analyses import ANALYSES, names as analysis_names
from .analyses.context import Context, Finding
from .primitives import Primitives
from .results import PropertyResult, VerifyResult, expectation


# --------------------------------------------------------------------------- the checks

def check_property(prims: Primitives, model: Model, prop: PropertyDecl, timeout_ms: int,
                   *, with_determination: bool = True) -> PropertyResult:
    reading = model.reading
    res = PropertyResult(prop.name, reading, expectation(prop, reading), "error", pos=prop.pos,
                         cite=prop.cite, title=prop.title)
    t0 = time.perf_counter()
    try:
        try:
            res.z3 = prims.prove(model, prop.body, timeout_ms=timeout_ms)
        except EngineDisagreement as e:
            res.message = f"z3 and the reference evaluator disagree: {e}"
            return res
        res.clingo = prims.cross_check(model, prop.body, timeout_ms=timeout_ms)
    except Exception as e:  # an engine crashing is an error of this check, not a traceback
        res.message = f"engine error: {type(e).__name__}: {e}"
        return res
    finally:
        res.seconds = time.perf_counter() - t0
    z3, asp = res.z3, res.clingo
    for r in (z3, asp):
        if isinstance(r, Instance):
            try:
                prims.replay(model, prop.body, r, False)
            except EngineDisagreement as e:
                res.message = f"the {_engine_name(r, z3)} counterexample does not replay: {e}"
                res.counterexample = r
                return res
    if isinstance(z3, Unknown) or isinstance(asp, Unknown):
        res.outcome = "unknown"
        res.message = "; ".join(f"{name}: {r.reason}" for name, r in (("z3", z3), ("clingo", asp))
                                if isinstance(r, Unknown))
        return res
    if type(z3) is not type(asp):
        res.message = (f"engines disagree: z3 says {'it holds' if isinstance(z3, Proof) else 'it fails'}"
                       f", clingo says {'it holds' if isinstance(asp, Proof) else 'it fails'}")
        if isinstance(z3, Instance):
            res.counterexample = z3
        elif isinstance(asp, Instance):
            res.counterexample = asp
        return res
    if isinstance(z3, Proof):
        res.outcome = "holds"
        res.core = tuple((r, model.spec.rules[r].cite if r in model.spec.rules else "")
                         for r in z3.core)
    else:
        res.outcome = "fails"
        res.counterexample = z3
        if with_determination:
            try:
                res.determination_text, res.determination = prims.determination(
                    model, z3.transaction, z3.params)
            except Exception as e:
                res.determination_text = f"(no determination: {type(e).__name__}: {e})"
    return res


def _engine_name(r, z3):
    return "z3" if r is z3 else "clingo"


# --------------------------------------------------------------------------- the run

def verify(spec: Spec, *, readings: list[str] | None = None, timeout_ms: int = 10_000,
           cx_dir: str | Path | None = None, primitives: Primitives | None = None,
           spec_dir: str = "", analyses: tuple[str, ...] = analysis_names(), explore: bool = True,
           jobs: int = 1, example_engines: tuple[str, ...] = tuple(EXAMPLE_ENGINES)) -> VerifyResult:
    """Run every check on `spec`. `readings`: default all (in declaration order).
    `cx_dir`: where counterexamples are replayed from and written to (None: neither).
    `analyses`: the names of the analyses to run (those of `ANALYSES`), run in `ANALYSES` order.
    `explore`: first run the spec's examples, then sampled transactions, through the evaluator
    so that rules seen firing need no dead/shadowed query (an optimisation only).
    `jobs`: how many readings are verified at once, each in a fresh forked process
    (`_fresh_processes`; without fork, one after the other in this process).
    `example_engines`: the engines every example runs on (empty: examples are not run)."""
    t0 = time.perf_counter()
    readings = list(readings) if readings else list(spec.readings)
    result = VerifyResult(spec_dir=spec_dir, readings=readings, cx_dir=str(cx_dir or ""),
                          analyses=tuple(a.KIND for a in ANALYSES if a.KIND in analyses))
    prims = primitives or Primitives()
    models = {r: resolve(spec, r) for r in readings}

    if cx_dir is not None:
        result.stored = counterexamples.replay_stored(spec, models, prims, Path(cx_dir))
    result.examples = run_examples(spec, example_engines, readings=readings,
                                   engine_factory=prims.example_engine)

    global _JOB
    _JOB = (spec, models, prims, timeout_ms, analyses, explore)
    outcomes: dict[str, tuple] = {}
    if len(readings) > 1:
        outcomes = _fresh_processes(readings, jobs)
    for reading in readings:
        if reading not in outcomes:
            outcomes[reading] = _verify_reading(reading)
    _JOB = None
    for reading in readings:
        props, findings, queries, errors = outcomes[reading]
        result.properties += props
        result.findings += findings
        result.queries += queries
        result.errors += errors

    if cx_dir is not None:
        counterexamples.prefer_stored(models, prims, result.properties, result.stored)
        written = counterexamples.write_all(spec, models, prims, Path(cx_dir), result.properties)
        for pr in result.properties:
            pr.cx_file = written.get((pr.name, pr.reading), "")
    elif any(p.outcome == "fails" for p in result.properties):
        result.notes.append("counterexamples were not written: no counterexamples folder "
                            "(pass --counterexamples DIR)")
    result.seconds = time.perf_counter() - t0
    return result


_JOB: tuple | None = None   # what the reading workers inherit (fork): never pickled


def _fresh_processes(readings: list[str], jobs: int) -> dict[str, tuple]:
    """Each reading in a process of its own, forked from this one, `jobs` at a time. z3's
    answers (which of several minimal counterexamples, which unsat core) depend on the queries
    its process asked before; so a reading's report does not depend on which readings ran
    before it, nor on the number of jobs. Falls back to this process (no fork, or a worker that
    died, or results that cannot travel)."""
    try:
        ctx = multiprocessing.get_context("fork")
    except ValueError:
        return {}
    try:
        with ctx.Pool(processes=min(jobs, len(readings)), maxtasksperchild=1) as pool:
            return dict(zip(readings, pool.map(_verify_reading, readings, chunksize=1)))
    except Exception:
        return {}


def _verify_reading(reading: str) -> tuple[list[PropertyResult], list[Finding], int, list[str]]:
    """Every property and analysis under one reading (one Model, reused by every check)."""
    spec, models, prims, timeout_ms, analyses, explore = _JOB
    model = models[reading]
    ctx = Context(model, prims, timeout_ms)
    props: list[PropertyResult] = []
    findings: list[Finding] = []
    errors: list[str] = []
    for prop in spec.properties.values():
        if not prop.exists_under(reading):
            continue
        pr = check_property(prims, model, prop, timeout_ms)
        props.append(pr)
        if pr.counterexample is not None and pr.outcome == "fails":
            ctx.observe(pr.counterexample)
    chosen = [a for a in ANALYSES if a.KIND in analyses]   # analyses: their names
    if explore and any(a.USES_EXAMPLES for a in chosen):
        ctx.observe_examples()
    if explore and any(a.USES_EXPLORATION for a in chosen):
        ctx.explore()
    for analysis in chosen:
        try:
            found = analysis.run(ctx)
        except Exception as e:
            errors.append(f"{analysis.KIND} analysis under {reading}: {type(e).__name__}: {e}")
            continue
        for f in found:     # every witness an analysis reports must replay too
            if f.witness is not None:
                _check_witness(prims, model, f)
        findings.extend(found)
    return props, findings, ctx.queries, errors


def _check_witness(prims: Primitives, model: Model, finding: Finding) -> None:
    """An analysis witness is replayed like a counterexample: the evaluator must reproduce it.
    A witness that does not replay turns the finding into a failure (an engine bug)."""
    if finding.query is None:
        return
    try:
        prims.replay(model, finding.query, finding.witness, True)
    except EngineDisagreement as e:
        finding.status = "error"
        finding.message += f" [witness does not replay: {e}]"
