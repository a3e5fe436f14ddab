"""The evaluator's outcomes-only paths: run_outcomes (every outcome and the conflicts, no Trace;
what `earl ask --fields outcomes` runs) and compile_outcomes (only the named outcomes, only what
they depend on) decide as `run` does. Their speed is measured in bench/ (determinations)."""
from __future__ import annotations

import pytest

from earl import ir
from earl.solver.evaluate import EvalError, compile_outcomes, run, run_outcomes
from earl.testing import random_transactions

from test_smt_specs import diffusion_spec


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
