"""The clingo backend on the shipped spec: its examples, random transactions aimed at its
boundaries, and its properties (clingo's answer against z3's, instances replayed)."""
import pytest
from hypothesis import HealthCheck, given, settings

from earl.parser import load_spec
from earl import ir
from earl.solver import eval as evaluate
from earl.solver.smt import prove
from earl.solver.asp import AspEngine
from earl.solver.results import Instance, Proof
from earl.solver.transaction import complete
from earl.testing import transactions


@pytest.fixture(scope="module")
def spec():
    return load_spec(None)


@pytest.fixture(scope="module")
def engine():
    return AspEngine()


def test_examples_agree_with_evaluator_and_expectations(spec, engine):
    assert spec.examples
    by_model = {}
    for ex in spec.examples.values():
        by_model.setdefault((ex.reading, tuple(sorted(ex.params.items()))), []).append(ex)
    for (reading, params), exs in by_model.items():
        m = ir.resolve(spec, reading, dict(params) or None)
        txs = [complete(spec, ex.given) for ex in exs]
        got = engine.run_batch(m, txs)
        assert got == evaluate.run_batch(m, txs)
        for ex, tr in zip(exs, got):
            for o, v in ex.expect.items():
                assert tr.outcomes[o] == v, (ex.name, o)


def test_random_transactions_agree_with_evaluator(spec, engine):
    models = [ir.resolve(spec, r) for r in spec.readings]
    drawn = []

    @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
    @given(transactions(spec))
    def draw(tx):
        drawn.append(tx)

    draw()
    for m in models:
        assert engine.run_batch(m, drawn) == evaluate.run_batch(m, drawn), m.reading


def test_properties_agree_with_z3(spec, engine):
    m = ir.resolve(spec)
    assert spec.properties
    for p in spec.properties.values():
        a = engine.valid(m, p.body, timeout_ms=30_000)
        z = prove.valid(m, p.body, timeout_ms=30_000)
        assert type(a) is type(z), p.name
        assert isinstance(a, (Proof, Instance)), p.name
        if isinstance(a, Instance):
            mm = m.with_params(a.params)
            assert evaluate.eval_expr(mm, a.transaction, p.body) is False, p.name
