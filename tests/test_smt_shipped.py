"""The z3 engine against the reference evaluator on the toy spec and the shipped spec: every
example, and hypothesis transactions aimed at the specs' boundaries."""
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from earl.parser import load_spec
from earl import ir
from earl.solver import eval as evaluate
from earl.solver.countries import CountryClasses
from earl.solver.smt import SmtEngine
from earl.solver.transaction import complete
from earl.testing import transactions

TOY = Path(__file__).parent / "specs" / "ok"


@pytest.fixture(scope="module", params=["toy", "shipped"])
def spec(request):
    return load_spec(TOY if request.param == "toy" else None)


def _example_model(spec, ex):
    return ir.resolve(spec, ex.reading, ex.params or None)


def test_examples_agree_with_evaluator_and_expectations(spec):
    eng = SmtEngine()
    if not spec.examples:
        pytest.skip("this spec has no examples yet")
    for ex in spec.examples.values():
        m = _example_model(spec, ex)
        tx = complete(spec, ex.given)
        got = eng.run(m, tx)
        assert got == evaluate.run(m, tx), ex.name
        for o, v in ex.expect.items():
            assert got.outcomes[o] == v, (ex.name, o)


def test_random_transactions_agree_with_evaluator(spec):
    eng = SmtEngine()
    models = [ir.resolve(spec, r) for r in spec.readings]

    @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
    @given(transactions(spec))
    def check(tx):
        for m in models:
            assert eng.run(m, tx) == evaluate.run(m, tx)

    check()


def test_country_classes_of_a_real_spec(spec):
    cc = CountryClasses.of(spec)
    assert sum(len(c) for c in cc.classes) == len(spec.countries)
    assert len(cc) < len(spec.countries)
    for code in cc.named:
        assert cc.classes[cc.class_of(code)] == frozenset({code})
    # every class member behaves like its representative in every group on every boundary
    days = list(cc.boundary_dates()) or []
    for g in spec.groups:
        for i, cl in enumerate(cc.classes):
            for day in days[:3] + days[-3:]:
                members = spec.group_tables[g].members_on(day)
                inside = {c in members for c in cl}
                assert len(inside) == 1 and inside.pop() == cc.member_in_group(i, g, day)
