"""Golden examples: run every `example` block of a spec on the engines and compare.

The one runner of examples: `verify` (as one of its checks), `earl test` and the project's own
pytest tests all call `run_examples`, so an example means the same thing everywhere.

Each example is determined under its reading (the spec's default when it names none) with its
`with` parameters fixed, on each requested engine (`eval`, `smt`, `asp`); examples that share a
reading and parameters share one Model, so each engine compiles it once. For every engine an
example gets one `ExampleResult`:

- "pass": every expected outcome has the expected value and no provisions conflict;
- "fail": some outcome differs (each `(outcome, expected, actual)` is listed), or firing
  provisions decide one outcome two ways; `explanation` is that engine's determination (why it
  concluded what it did);
- "error": the engine raised on the example's model (the message says what it raised).

    >>> from earl.parser import load_spec_sources
    >>> spec = load_spec_sources({"t.earl": '''
    ... reading r default
    ... countries iso3166
    ... input date : date = 2025-05-15
    ... input x : bool = false
    ... outcome y : bool = false
    ... rule r1 "Y when x"
    ...   cite "T 1"
    ...   when x
    ...   then y = true
    ... example e "x gives y"
    ...   cite "T 1"
    ...   given x = true
    ...   expect y = false
    ... '''})
    >>> [(r.name, r.engine, r.status, r.message) for r in run_examples(spec, ("eval",))]
    [('e', 'eval', 'fail', 'y: expected false, got true')]
"""
from __future__ import annotations

import fnmatch
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

from ..ir import ExampleDecl, NOWHERE, Pos, Spec, Value, resolve
from .engines import ENGINES, load_engine

@dataclass
class ExampleResult:
    """One example on one engine. status: "pass", "fail" or "error"."""
    name: str
    engine: str
    reading: str
    status: str
    mismatches: tuple[tuple[str, Value, Value], ...] = ()     # (outcome, expected, actual)
    conflicts: tuple[tuple[str, str | None, tuple[str, ...]], ...] = ()
    message: str = ""
    explanation: str = ""
    pos: Pos = NOWHERE
    cite: str = ""
    title: str = ""
    seconds: float = 0.0
    params: dict = field(default_factory=dict)


def matches(name: str, pattern: str | None) -> bool:
    """`-k PATTERN`: a case-insensitive substring of the example's name, or a shell glob
    (`lpp_*`, `*ceiling`) when it holds a wildcard."""
    if not pattern:
        return True
    name, pattern = name.lower(), pattern.lower()
    if any(c in pattern for c in "*?["):
        return fnmatch.fnmatchcase(name, pattern)
    return pattern in name


def select(spec: Spec, pattern: str | None = None,
           readings: Iterable[str] | None = None) -> list[ExampleDecl]:
    """The examples `pattern` selects (and, given `readings`, only those under one of them),
    in the spec's order."""
    keep = None if readings is None else set(readings)
    return [ex for ex in spec.examples.values() if matches(ex.name, pattern)
            and (keep is None or (ex.reading or spec.default_reading) in keep)]


def run_examples(spec: Spec, engines: Iterable[str] = tuple(ENGINES), *, pattern: str | None = None,
                 readings: Iterable[str] | None = None,
                 engine_factory: Callable[[str], object] = load_engine) -> list[ExampleResult]:
    """Every selected example (`select`) on every engine, example by example in spec order,
    engines in the order given. `engine_factory(name)` builds an engine (tests inject faulty
    ones here)."""
    from .transaction import complete
    examples = select(spec, pattern, readings)
    groups: dict[tuple, list[ExampleDecl]] = {}
    for ex in examples:
        key = (ex.reading, tuple(sorted(ex.params.items())))
        groups.setdefault(key, []).append(ex)
    by_example: dict[tuple[str, str], ExampleResult] = {}
    engines = list(engines)
    for name in engines:
        try:
            engine = engine_factory(name)
        except Exception as e:  # an engine that cannot load fails its examples, with the reason
            for ex in examples:
                by_example[ex.name, name] = _result(ex, name, ex.reading or spec.default_reading,
                                                    "error", message=f"engine {name} could not be "
                                                    f"loaded: {type(e).__name__}: {e}")
            continue
        for (reading, params), exs in groups.items():
            model = resolve(spec, reading, dict(params))
            txs = [complete(spec, ex.given) for ex in exs]
            t0 = time.perf_counter()
            try:
                traces = engine.run_batch(model, txs)
            except Exception as e:  # the engine's fault, reported at each example it was running
                for ex in exs:
                    by_example[ex.name, name] = _result(
                        ex, name, model.reading, "error",
                        message=f"engine {name} failed: {type(e).__name__}: {e}")
                continue
            each = (time.perf_counter() - t0) / len(exs)
            for ex, tx, trace in zip(exs, txs, traces):
                res = _compare(ex, name, model, tx, trace)
                res.seconds = each
                by_example[ex.name, name] = res
    return [by_example[ex.name, name] for ex in examples for name in engines]


def _result(ex: ExampleDecl, engine: str, reading: str, status: str, **kw) -> ExampleResult:
    return ExampleResult(ex.name, engine, reading, status, pos=ex.pos, cite=ex.cite, title=ex.title,
                         params=dict(ex.params), **kw)


def _compare(ex: ExampleDecl, engine: str, model, tx: dict, trace) -> ExampleResult:
    from ..ir.values import render_value
    from .explain import determine
    wrong = tuple((o, want, trace.outcomes.get(o)) for o, want in ex.expect.items()
                  if trace.outcomes.get(o) != want)
    if not wrong and not trace.conflicts:
        return _result(ex, engine, model.reading, "pass")
    parts = [f"{o}: expected {render_value(want)}, got {render_value(got)}" for o, want, got in wrong]
    parts += [f"conflict on {o}{f'[{slot}]' if slot else ''}: {', '.join(rules)} decide it two ways"
              for o, slot, rules in trace.conflicts]
    return _result(ex, engine, model.reading, "fail", mismatches=wrong, conflicts=trace.conflicts,
                   message="; ".join(parts),
                   explanation=determine(model, tx, trace, engine=engine).text())


def counts(results: Iterable[ExampleResult]) -> dict[str, int]:
    """{"examples": distinct examples, "runs": example × engine runs, "passed", "failed", "errors"}."""
    results = list(results)
    return {"examples": len({r.name for r in results}), "runs": len(results),
            "passed": sum(r.status == "pass" for r in results),
            "failed": sum(r.status == "fail" for r in results),
            "errors": sum(r.status == "error" for r in results)}
