"""The evaluator's outcomes-only paths: run_outcomes (every outcome and the conflicts, no Trace;
what `earl ask --fields outcomes` runs) and compile_outcomes (only the named outcomes, only what
they depend on) decide as `run` does, and the slot code the generator writes for them (and for
every outcome a condition reads) decides as `trace.decide` does. Their speed is measured in
bench/ (determinations)."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from earl import ir
from earl.solver.eval import EvalError, compile_outcomes, run, run_interpreted, run_outcomes
from earl.testing import random_transactions, transactions

from test_evaluate import chain_spec, conflict_spec
from test_smt_specs import add, base_spec, cmp, diffusion_spec, inp, lit, num, out, remove, rule, setv


def reader_spec():
    """Conditions that read outcomes decided with conflicts, by overridden rules and by defaults."""
    eccn = ir.Enum("Eccn", True)
    return base_spec(rules=[
        rule("a", [inp("direct")], [setv("eccn", "4E091"), add("exceptions", "LPP")]),
        rule("b", [cmp(">=", inp("item.tpp"), num(1))], [setv("eccn", "3A090.a"), remove("exceptions", "LPP")]),
        rule("c", [cmp(">=", inp("item.tpp"), num(2))], [setv("eccn", "3A090.a")], overrides=["b"]),
        rule("d", [cmp("==", out("eccn"), lit("4E091", eccn))], [setv("license_required", True)]),
        rule("e", [ir.InSet(lit("LPP", ir.Enum("Exception")), out("exceptions"))],
             [setv("license_required", False)]),
    ])


@pytest.mark.parametrize("spec_fn", [diffusion_spec, chain_spec, conflict_spec, reader_spec])
def test_generated_slot_code_decides_as_trace_decide(spec_fn):
    s = spec_fn()
    for reading in s.readings:
        m = ir.resolve(s, reading)
        every = compile_outcomes(m, m.outcomes)

        @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
        @given(transactions(s))
        def check(t):
            assert every(t) == run_interpreted(m, t).outcomes

        check()


def test_outcomes_paths_agree_with_run_under_every_reading():
    s = diffusion_spec()
    for reading in s.readings:
        m = ir.resolve(s, reading)
        names = list(m.outcomes)[::2]
        some = compile_outcomes(m, names)
        for t in random_transactions(s, 2_000, seed=5):
            full = run(m, t)
            outcomes, conflicts = run_outcomes(m, t)
            assert outcomes == full.outcomes and conflicts == full.conflicts
            assert some(t) == {n: full.outcomes[n] for n in names}


def test_unknown_outcome_and_incomplete_transaction_are_errors():
    m = ir.resolve(diffusion_spec())
    with pytest.raises(EvalError, match="no outcome"):
        compile_outcomes(m, ["nope"])
    t = random_transactions(m.spec, 1, seed=1)[0]
    del t["item.tpp"]
    with pytest.raises(EvalError, match="item.tpp"):
        run_outcomes(m, t)
