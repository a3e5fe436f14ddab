"""Differential test: every available engine returns the identical Trace.

Engines: the reference evaluator (`eval`), z3 (`earl.solver.smt.SmtEngine`) and clingo
(`earl.solver.asp.AspEngine`). An engine is skipped only when its module does not exist at all;
once the module exists, any failure to import or construct it fails these tests.

Run at scale (not in CI):  python tests/test_engines_agree.py 100000 [smt|asp ...]
"""
from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from earl.solver import ir
from earl.solver.evaluate import Evaluator
from earl.solver.transaction import complete, to_json
from earl.testing import random_transactions, transactions

from test_smt_specs import diffusion_spec

ENGINES = {"smt": ("earl.solver.smt", "SmtEngine"), "asp": ("earl.solver.asp", "AspEngine")}
OK_SPEC = Path(__file__).parent / "specs" / "ok"


def engine(name: str):
    module, cls = ENGINES[name]
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} does not exist yet (engine {name!r} not written)")
    return getattr(importlib.import_module(module), cls)()   # any error here fails the test


def shipped_spec():
    from earl.parser import load_spec
    return load_spec()


def compare(spec, model, txs, other) -> list[str]:
    """Differences between the evaluator's traces and `other`'s, one message per transaction."""
    ref = Evaluator().run_batch(model, txs)
    got = other.run_batch(model, txs)
    assert len(got) == len(txs)
    out = []
    for tx, a, b in zip(txs, ref, got):
        if a != b:
            fields = [f for f in ("outcomes", "applicable", "fired", "first_failing", "conflicts")
                      if getattr(a, f) != getattr(b, f)]
            detail = "; ".join(f"{f}: eval={getattr(a, f)!r} {other.name}={getattr(b, f)!r}" for f in fields)
            out.append(f"reading {model.reading}: {json.dumps(to_json(spec, tx))}: {detail}")
    return out


def example_cases(spec):
    return [(ex, ir.resolve(spec, ex.reading, ex.params), complete(spec, ex.given))
            for ex in spec.examples.values()]


@pytest.mark.parametrize("name", list(ENGINES))
@pytest.mark.parametrize("which", ["shipped", "ok"])
def test_examples_agree(name, which):
    from earl.parser import load_spec
    spec = shipped_spec() if which == "shipped" else load_spec(OK_SPEC)
    eng = engine(name)
    cases = example_cases(spec)
    if which == "ok":
        assert cases, "the toy spec has examples"
    problems = []
    for ex, model, tx in cases:
        problems += [f"example {ex.name}: {p}" for p in compare(spec, model, [tx], eng)]
    assert not problems, "\n".join(problems[:10])


# 1,500 random transactions in all: 1,000 on the shipped spec (spread over its readings), 500 on
# the hand-built toy spec; hypothesis draws them in batches so clingo can ground a batch at once.
BATCH = 25


def _agree_random(spec, name, readings, n_batches):
    eng = engine(name)
    models = {r: ir.resolve(spec, r) for r in readings}

    @settings(max_examples=n_batches, deadline=None, suppress_health_check=list(HealthCheck),
              derandomize=True)
    @given(st.sampled_from(sorted(models)), st.lists(transactions(spec), min_size=BATCH, max_size=BATCH))
    def check(reading, txs):
        problems = compare(spec, models[reading], txs, eng)
        assert not problems, "\n".join(problems[:5])

    check()


@pytest.mark.parametrize("name", list(ENGINES))
def test_random_transactions_agree_on_shipped_spec(name):
    spec = shipped_spec()
    _agree_random(spec, name, list(spec.readings), 1000 // BATCH)


@pytest.mark.parametrize("name", list(ENGINES))
def test_random_transactions_agree_on_toy_spec(name):
    spec = diffusion_spec()
    _agree_random(spec, name, list(spec.readings), 500 // BATCH)


def bench(n: int = 100_000, names=("smt", "asp"), seed: int = 0, batch: int = 1000) -> dict[str, int]:
    """Run `n` random transactions of the shipped spec (every reading in turn) through each named
    engine and the evaluator; print disagreements; return the number of disagreements per engine."""
    import time
    spec = shipped_spec()
    readings = list(spec.readings)
    failures = {}
    for name in names:
        module, cls = ENGINES[name]
        eng = getattr(importlib.import_module(module), cls)()
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
