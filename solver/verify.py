"""`verify`: every property under every reading, the built-in analyses, stored counterexamples.

The orchestration is a list of checks, each giving a result:

1. Properties. Each property under each reading is proved with z3 (`smt.prove.valid`) and
   cross-checked with clingo (`AspEngine.valid`). The engines must agree (both Proof or both
   Instance); a disagreement is an *error*, never resolved silently. Every Instance is replayed
   through the reference evaluator before it is reported (an unreplayable counterexample is an
   engine bug: an error). The outcome is compared with the property's expectation under the
   reading (`expect holds` / `expect fails [under R]`).
2. Analyses (solver/analyses/): conflict, gap, dead, shadowed, vacuous. Findings the spec marks
   `intended "<kind>"` are reported as intended and do not fail the run.
3. Stored counterexamples (counterexamples/*.json) are replayed on every run; see
   counterexamples.py for when a stale one fails the run.
4. Golden examples: every `example` block on every engine (eval, smt, asp) under its reading
   (examples.py, the runner `earl test` and the tests share); a mismatch fails the run.

Exit status (`VerifyResult.exit_code`): 0 all as expected; 1 a property, an analysis, an example
or a stored counterexample fails, or the engines disagree / an engine errs (failures win over unknowns: a
definite failure is the more useful signal); 3 a solver gave no answer (timeout, unknown) and
nothing failed. (2, a spec or usage error, is the command's.)

Performance: one `Model` per reading, built once; the primitives object keeps each engine's
encoding of a model for the whole run, and the analyses share one memo of queries and the traces
of every witness (a rule seen firing needs no dead/shadowed query).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from ..ir import Expr, Model, NOWHERE, Pos, PropertyDecl, Spec, Value, resolve
from .replay import EngineDisagreement, replay
from .results import Instance, Proof, Result, Unknown
from .analyses import Context, Finding
from .examples import ENGINES as EXAMPLE_ENGINES, ExampleResult, load_engine, run_examples

ANALYSES = ("vacuous", "conflict", "gap", "dead", "shadowed")


# --------------------------------------------------------------------------- primitives seam

class Primitives:
    """The proof primitives verify uses, behind one seam (tests inject faults by subclassing).

    Engines are created once per run and each model's encodings are kept on the engines /
    the model, so a reading is compiled once however many checks run on it.
    """

    def __init__(self) -> None:
        from . import evaluate
        self._evaluate = evaluate
        self._asp = None
        self._fixed: dict = {}

    @property
    def _proofs(self):
        from .smt import prove
        return prove

    # -- the engines -------------------------------------------------------------------
    def prove(self, model: Model, claim: Expr, *, timeout_ms: int) -> Result:
        """z3: Proof, or a minimal counterexample."""
        return self._proofs.valid(model, claim, timeout_ms=timeout_ms, minimize=True)

    def cross_check(self, model: Model, claim: Expr, *, timeout_ms: int) -> Result:
        """clingo: Proof or Instance (the second opinion)."""
        if self._asp is None:
            from .asp import AspEngine
            self._asp = AspEngine()
        return self._asp.valid(model, claim, timeout_ms=timeout_ms)

    def example_engine(self, name: str):
        """The engine (eval, smt, asp) that determines the spec's examples."""
        return load_engine(name)

    def satisfiable(self, model: Model, expr: Expr, *, timeout_ms: int, minimize: bool = True) -> Result:
        return self._proofs.satisfiable(model, expr, timeout_ms=timeout_ms, minimize=minimize)

    def implies(self, model: Model, premise: Expr, conclusion: Expr, *, timeout_ms: int) -> Result:
        from .smt import SmtEngine
        return SmtEngine().implies(model, premise, conclusion, timeout_ms=timeout_ms)

    # -- the reference evaluator -------------------------------------------------------
    def model_with(self, model: Model, params: dict[str, Value]) -> Model:
        """`model` with its parameters fixed to `params` (cached: compiled once per values)."""
        if not params:
            return model
        key = (id(model.spec), model.reading, tuple(sorted(params.items(), key=lambda kv: kv[0])))
        fixed = self._fixed.get(key)
        if fixed is None:
            fixed = resolve(model.spec, model.reading, params)
            self._fixed[key] = fixed
        return fixed

    def trace(self, model: Model, transaction: dict[str, Value], params: dict[str, Value]):
        from .transaction import complete
        return self._evaluate.run(self.model_with(model, params), complete(model.spec, transaction))

    def value(self, model: Model, expr: Expr, transaction: dict[str, Value],
              params: dict[str, Value]) -> Value:
        from .transaction import complete
        return self._evaluate.eval_expr(self.model_with(model, params),
                                        complete(model.spec, transaction), expr)

    def replay(self, model: Model, expr: Expr, instance: Instance, expected: bool) -> None:
        """Raise EngineDisagreement unless the evaluator gives `expr` the value `expected` on
        `instance` (with the instance's parameters)."""
        replay(self.model_with(model, instance.params), expr, instance, expected)

    def determination(self, model: Model, transaction: dict[str, Value],
                      params: dict[str, Value]) -> tuple[str, dict]:
        """(plain text, public JSON) of the determination of one transaction."""
        from .explain import determine
        from .transaction import complete
        fixed = self.model_with(model, params)
        tx = complete(model.spec, transaction)
        det = determine(fixed, tx, self._evaluate.run(fixed, tx))
        return det.text(), det.to_json()


# --------------------------------------------------------------------------- results

@dataclass
class PropertyResult:
    """One property under one reading.

    outcome: "holds", "fails", "unknown" (a solver gave no answer) or "error" (engines disagree,
    an engine raised, or its counterexample does not replay).
    """
    name: str
    reading: str
    expected: str
    outcome: str
    z3: Result | None = None
    clingo: Result | None = None
    message: str = ""
    counterexample: Instance | None = None
    determination_text: str = ""
    determination: dict = field(default_factory=dict)
    core: tuple[tuple[str, str], ...] = ()      # (rule, cite) the proof relies on
    cx_file: str = ""
    seconds: float = 0.0
    pos: Pos = NOWHERE
    cite: str = ""
    title: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome == self.expected

    @property
    def status(self) -> str:
        """"pass", "fail", "error" or "unknown"."""
        if self.outcome in ("error", "unknown"):
            return self.outcome
        return "pass" if self.ok else "fail"


@dataclass
class StoredResult:
    """A stored counterexample replayed. status: "pass" (still reproduces), "fail", "note"."""
    file: str
    property: str
    reading: str
    status: str
    message: str
    pos: Pos = NOWHERE
    instance: Instance | None = None


@dataclass
class VerifyResult:
    spec_dir: str
    readings: list[str]
    properties: list[PropertyResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    stored: list[StoredResult] = field(default_factory=list)
    examples: list[ExampleResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)     # engine failures outside any one check
    seconds: float = 0.0
    queries: int = 0
    cx_dir: str = ""

    def reading_dependent(self) -> list[tuple[str, list[str], list[str]]]:
        """(property, readings where it holds, readings where it fails), when they differ."""
        by: dict[str, dict[str, list[str]]] = {}
        for p in self.properties:
            if p.outcome in ("holds", "fails"):
                by.setdefault(p.name, {"holds": [], "fails": []})[p.outcome].append(p.reading)
        return [(n, d["holds"], d["fails"]) for n, d in by.items() if d["holds"] and d["fails"]]

    @property
    def failed(self) -> bool:
        return bool(self.errors) or any(p.status in ("fail", "error") for p in self.properties) \
            or any(f.failing for f in self.findings) or any(s.status == "fail" for s in self.stored) \
            or any(e.status != "pass" for e in self.examples)

    @property
    def unknown(self) -> bool:
        return any(p.status == "unknown" for p in self.properties) \
            or any(f.status == "unknown" for f in self.findings)

    @property
    def exit_code(self) -> int:
        if self.failed:
            return 1
        if self.unknown:
            return 3
        return 0


# --------------------------------------------------------------------------- the checks

def expectation(prop: PropertyDecl, reading: str) -> str:
    return prop.expect_by_reading.get(reading, prop.expect)


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
           spec_dir: str = "", analyses: tuple[str, ...] = ANALYSES, explore: bool = True,
           jobs: int = 1, example_engines: tuple[str, ...] = tuple(EXAMPLE_ENGINES)) -> VerifyResult:
    """Run every check on `spec`. `readings`: default all (in declaration order).
    `cx_dir`: where counterexamples are replayed from and written to (None: neither).
    `explore`: first run the spec's examples, then sampled transactions, through the evaluator
    so that rules seen firing need no dead/shadowed query (an optimisation only).
    `jobs`: how many readings are verified at once, each in a fresh forked process
    (`_fresh_processes`; without fork, one after the other in this process).
    `example_engines`: the engines every example runs on (empty: examples are not run)."""
    from . import counterexamples as cxs
    t0 = time.perf_counter()
    readings = list(readings) if readings else list(spec.readings)
    result = VerifyResult(spec_dir=spec_dir, readings=readings, cx_dir=str(cx_dir or ""))
    prims = primitives or Primitives()
    models = {r: resolve(spec, r) for r in readings}

    if cx_dir is not None:
        result.stored = cxs.replay_stored(spec, models, prims, Path(cx_dir))
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
        cxs.prefer_stored(models, prims, result.properties, result.stored)
        written = cxs.write_all(spec, models, prims, Path(cx_dir), result.properties)
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
    import multiprocessing
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
    from .analyses import conflict, dead, gap, shadowed, vacuous
    modules = {"conflict": conflict, "gap": gap, "dead": dead, "shadowed": shadowed,
               "vacuous": vacuous}
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
    if explore and any(a in analyses for a in ("vacuous", "dead", "shadowed")):
        ctx.observe_examples()
    if explore and any(a in analyses for a in ("dead", "shadowed")):
        ctx.explore()
    for name in analyses:
        try:
            found = modules[name].run(ctx)
        except Exception as e:
            errors.append(f"{name} analysis under {reading}: {type(e).__name__}: {e}")
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
