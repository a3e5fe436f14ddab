"""Each built-in analysis catches its seeded defect (tests/specs/defects/<kind>) and stays quiet
on the clean spec. Run on the brute-force primitives (exact on these small specs) and, when the
z3 backend is available, on the real primitives too."""
from __future__ import annotations

import pytest

from earl.parser import load_spec
from earl.solver.verify.analyses import conflict, dead, gap, shadowed, vacuous
from earl.solver.verify.analyses.context import Context
from earl.ir import resolve
from earl.solver.results import Instance

from test_verify_support import DEFECTS, BruteForce


def _real():
    try:
        from earl.solver.smt import prove  # noqa: F401
    except ImportError:
        pytest.skip("z3 proof primitives not available")
    from earl.solver.verify.primitives import Primitives
    return Primitives()


@pytest.fixture(params=["brute", "z3"])
def prims(request):
    return BruteForce() if request.param == "brute" else _real()


def ctx_for(name, prims, reading=None):
    spec = load_spec(str(DEFECTS / name))
    return Context(resolve(spec, reading), prims, 10_000)


def failing(findings):
    return [f for f in findings if f.failing]


@pytest.mark.parametrize("module", [conflict, gap, dead, shadowed])
def test_clean_spec_has_no_findings(module, prims):
    for reading in ("strict", "lenient"):
        assert failing(module.run(ctx_for("clean", prims, reading))) == []


def test_clean_spec_properties_are_not_vacuous(prims):
    found = vacuous.run(ctx_for("clean", prims))
    assert {f.subject for f in found} == {"embargoed_denied", "no_exception_when_embargoed"}
    assert all(f.status == "ok" and isinstance(f.witness, Instance) for f in found)


def test_conflict_names_both_rules_with_cites_and_a_witness(prims):
    ctx = ctx_for("conflict", prims)
    [f] = failing(conflict.run(ctx))
    assert set(f.rules) == {"deny_embargoed", "approve_trusted"}
    assert "T 2(a)" in f.message and "T 4" in f.message and "policy" in f.message
    trace = prims.trace(ctx.model, f.witness.transaction, f.witness.params)
    assert {"deny_embargoed", "approve_trusted"} <= trace.fired
    assert trace.conflicts  # the evaluator sees the same conflict


def test_gap_reports_licence_required_without_policy(prims):
    ctx = ctx_for("gap", prims)
    [f] = failing(gap.run(ctx))
    assert f.subject == "policy under license_required = true"
    trace = prims.trace(ctx.model, f.witness.transaction, f.witness.params)
    assert trace.outcomes["license_required"] is True and trace.outcomes["policy"] is None


def test_dead_rule(prims):
    found = failing(dead.run(ctx_for("dead", prims)))
    assert [f.subject for f in found] == ["never"]
    assert "no transaction satisfies" in found[0].message and "T 5" in found[0].message


def test_shadowed_exception(prims):
    ctx = ctx_for("shadowed", prims, "strict")
    [f] = failing(shadowed.run(ctx))
    assert f.subject == "exception_x" and "revoke_x" in f.rules
    assert "exception_x" in prims.trace(ctx.model, f.witness.transaction, {}).applicable
    # the same rule never fires: dead reports it as "applies but never fires"
    [d] = failing(dead.run(ctx))
    assert d.subject == "exception_x" and "applies but never fires" in d.message
    # under the reading without the overrider nothing is shadowed
    assert failing(shadowed.run(ctx_for("shadowed", prims, "lenient"))) == []


def test_intended_findings_are_reported_but_do_not_fail(prims):
    ctx = ctx_for("intended", prims, "strict")
    found = shadowed.run(ctx) + dead.run(ctx)
    assert [f.status for f in found] == ["intended", "intended"]
    assert not any(f.failing for f in found)


def test_vacuous_property(prims):
    found = vacuous.run(ctx_for("vacuous", prims))
    bad = failing(found)
    assert [f.subject for f in bad] == ["vacuous_denial"]
    assert {f.subject for f in found if f.status == "ok"} == {"embargoed_denied",
                                                               "no_exception_when_embargoed"}


def test_witnesses_of_rules_seen_firing_spare_dead_queries():
    prims = BruteForce()
    ctx = ctx_for("clean", prims)
    dead.run(ctx)
    first = len(prims.calls)
    # one batched query finds a transaction firing the rules; later rounds cover the rest
    assert first <= len(ctx.model.rules)
    assert ctx.fired_seen >= set(ctx.model.rules)


def test_exploration_spares_queries_and_keeps_dead_rules_dead():
    prims = BruteForce()
    ctx = ctx_for("dead", prims)
    ctx.explore()
    assert ctx.fired_seen == set(ctx.model.rules) - {"never"}   # sampling can't fire a dead rule
    found = dead.run(ctx)
    assert [f.subject for f in found] == ["never"]
    assert ctx.queries == 2    # RuleFires(never), then RuleApplies(never) to classify it


def test_gap_polarity_of_conditions():
    from earl.solver.verify.analyses.gap import polarity
    from earl.ir import Bool, Cmp, Lit, Not, OutcomeRef
    b = OutcomeRef("b", Bool())
    assert polarity(b, "b") is True
    assert polarity(Not(b), "b") is False
    assert polarity(Cmp("==", b, Lit(False, Bool())), "b") is False
    assert polarity(Cmp("!=", Lit(False, Bool()), b), "b") is True
    assert polarity(Not(Not(b)), "b") is True


def test_gap_pairs_come_from_the_rules_conditions(prims):
    """Only (policy, license_required = true) is checked: both policy rules read
    license_required positively; no other optional outcome is decided under a boolean one."""
    from earl.solver.verify.analyses.gap import decided_under
    ctx = ctx_for("gap", prims)
    pairs = decided_under(ctx.model)
    assert set(pairs) == {("policy", "license_required", True)}


def test_analyses_are_listed_once_in_run_order():
    import doctest
    from earl.solver.verify import analyses
    assert doctest.testmod(analyses).failed == 0
    assert analyses.names() == tuple(a.KIND for a in analyses.ANALYSES)
    assert len(set(analyses.names())) == len(analyses.ANALYSES)
