"""Differential test: every available engine returns the identical Trace.

Engines: the reference evaluator (`eval`) against each other engine of the registry
(solver/engines.py: z3 and clingo), through the `solver_engine` fixture (tests/conftest.py).

Run at scale (not in CI):  python tests/test_engines_agree.py 100000 [smt|asp ...]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from earl import ir
from earl.solver.engines import ENGINES, EngineUnavailable, load_engine
from earl.solver.eval import Evaluator
from earl.solver.transaction import complete, to_json
from earl.testing import random_transactions, transactions

from test_smt_specs import diffusion_spec

OK_SPEC = Path(__file__).parent / "specs" / "ok"


def shipped_spec():
    from earl.parser import load_spec
    return load_spec()


def _diff(spec, model, tx, a, b, name) -> str:
    if a == b:
        return ""
    fields = [f for f in ("outcomes", "applicable", "fired", "first_failing", "conflicts")
              if getattr(a, f) != getattr(b, f)]
    detail = "; ".join(f"{f}: eval={getattr(a, f)!r} {name}={getattr(b, f)!r}" for f in fields)
    return f"reading {model.reading}: {json.dumps(to_json(spec, tx))}: {detail}"


def compare(spec, model, txs, other) -> list[str]:
    """Differences between the evaluator's traces and `other`'s, one message per disagreement."""
    return [m for m in compare_each(spec, model, txs, other) if m]


def example_cases(spec):
    """(example, model, complete transaction); examples sharing a reading and parameters share
    one Model, so each engine compiles it once."""
    models: dict = {}
    out = []
    for ex in spec.examples.values():
        key = (ex.reading, tuple(sorted((k, repr(v)) for k, v in ex.params.items())))
        if key not in models:
            models[key] = ir.resolve(spec, ex.reading, ex.params)
        out.append((ex, models[key], complete(spec, ex.given)))
    return out


@pytest.mark.parametrize("which", ["shipped", "ok"])
def test_examples_agree(solver_engine, which):
    from earl.parser import load_spec
    spec = shipped_spec() if which == "shipped" else load_spec(OK_SPEC)
    eng = solver_engine
    cases = example_cases(spec)
    assert cases, f"the {which} spec has examples"
    by_model: dict[int, list] = {}
    for ex, model, tx in cases:
        by_model.setdefault(id(model), []).append((ex, model, tx))
    problems = []
    for group in by_model.values():
        model = group[0][1]
        for (ex, _m, _t), p in _pairs(group, compare_each(spec, model, [t for _e, _m, t in group], eng)):
            if p:
                problems.append(f"example {ex.name}: {p}")
    assert not problems, "\n".join(problems[:10])


def _pairs(group, msgs):
    return zip(group, msgs)


def compare_each(spec, model, txs, other) -> list[str]:
    """One message per transaction ("" when the traces are identical)."""
    ref = Evaluator().run_batch(model, txs)
    got = other.run_batch(model, txs)
    assert len(got) == len(txs)
    return [_diff(spec, model, tx, a, b, other.name) for tx, a, b in zip(txs, ref, got)]


# 1,500 transactions per engine: 1,000 seeded random ones and 300 drawn by hypothesis on the
# shipped spec (spread over its readings), 200 on the hand-built toy spec.
BATCH = 25
_RANDOM: dict = {}


def _random_txs(spec, key, n, seed):
    if key not in _RANDOM:
        _RANDOM[key] = random_transactions(spec, n, seed=seed)
    return _RANDOM[key]


def test_random_transactions_agree(solver_engine):
    eng = solver_engine
    problems = []
    for key, spec, n in (("shipped", shipped_spec(), 1000), ("toy", diffusion_spec(), 200)):
        txs = _random_txs(spec, key, n, seed=20250515)
        readings = list(spec.readings)
        for i, reading in enumerate(readings):
            chunk = txs[i::len(readings)]
            problems += compare(spec, ir.resolve(spec, reading), chunk, eng)
    assert not problems, f"{len(problems)} disagreements:\n" + "\n".join(problems[:5])


def test_hypothesis_transactions_agree(solver_engine):
    spec = shipped_spec()
    eng = solver_engine
    models = {r: ir.resolve(spec, r) for r in spec.readings}

    @settings(max_examples=300 // BATCH, deadline=None, suppress_health_check=list(HealthCheck),
              derandomize=True)
    @given(st.sampled_from(sorted(models)), st.lists(transactions(spec), min_size=BATCH, max_size=BATCH))
    def check(reading, txs):
        problems = compare(spec, models[reading], txs, eng)
        assert not problems, "\n".join(problems[:5])

    check()


def bench(n: int = 100_000, names=("smt", "asp"), seed: int = 0, batch: int = 1000) -> dict[str, int]:
    """Run `n` random transactions of the shipped spec (every reading in turn) through each named
    engine and the evaluator; print disagreements; return the number of disagreements per engine."""
    import time
    spec = shipped_spec()
    readings = list(spec.readings)
    failures = {}
    for name in names:
        eng = load_engine(name)
        bad = 0
        t0 = time.perf_counter()
        for start in range(0, n, batch):
            model = ir.resolve(spec, readings[(start // batch) % len(readings)])
            txs = random_transactions(spec, min(batch, n - start), seed=seed + start)
            for p in compare(spec, model, txs, eng):
                bad += 1
                print(p)
        failures[name] = bad
        print(f"{name}: {n} transactions, {bad} disagreements, {time.perf_counter() - t0:.1f} s")
    return failures


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    names = tuple(sys.argv[2:]) or ("smt", "asp")
    sys.exit(1 if any(bench(n, names).values()) else 0)


def test_the_comparison_catches_a_wrong_engine():
    spec = diffusion_spec()
    model = ir.resolve(spec)

    class Wrong:
        name = "wrong"

        def run_batch(self, model, txs):
            out = Evaluator().run_batch(model, txs)
            t = out[-1]
            out[-1] = type(t)(dict(t.outcomes, license_required=not t.outcomes["license_required"]),
                              t.applicable, t.fired, t.first_failing, t.conflicts)
            return out

    txs = random_transactions(spec, 5, seed=1)
    problems = compare(spec, model, txs, Wrong())
    assert len(problems) == 1 and "license_required" in problems[0]


def test_the_registry_builds_each_engine_by_name_and_refuses_others(engine_name, monkeypatch):
    assert load_engine(engine_name).name == engine_name
    with pytest.raises(EngineUnavailable, match="unknown engine 'prolog'; engines: eval, smt, asp"):
        load_engine("prolog")

    def missing_solver():
        raise ImportError("No module named 'z3'")
    monkeypatch.setitem(ENGINES, engine_name, missing_solver)
    with pytest.raises(EngineUnavailable, match=f"engine '{engine_name}' is not available"):
        load_engine(engine_name)
