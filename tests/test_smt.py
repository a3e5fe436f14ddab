"""The z3 engine's concrete runs agree with the reference evaluator."""
import random
from fractions import Fraction as F

import pytest

from earl import ir
from earl.solver import eval as evaluate
from earl.solver.smt import SmtEngine
from earl.solver.transaction import complete

from test_smt_specs import D, COUNTRIES, diffusion_spec


def _random_given(rng: random.Random):
    g = {}
    if rng.random() < 0.5:
        g["destination"] = rng.choice(sorted(COUNTRIES))
    if rng.random() < 0.4:
        g["end_user.hq"] = rng.choice(sorted(COUNTRIES))
    if rng.random() < 0.4:
        g["date"] = rng.choice([D(2020, 1, 1), D(2024, 3, 13), D(2024, 3, 14), D(2026, 2, 2), D(2026, 2, 3)])
    if rng.random() < 0.5:
        g["item.tpp"] = F(rng.choice([0, 4799, 4800, 26_900_000, 26_900_001, 10**6])) + (F(1, 3) if rng.random() < 0.1 else 0)
    if rng.random() < 0.5:
        g["item.quantity"] = F(rng.choice([0, 1, 2, 5600, 10**4]))
    if rng.random() < 0.5:
        g["item.ops"] = F(rng.choice([0, 25 * 10**24, 25 * 10**24 + 1, 10**26, 10**26 - 1, 10**27]))
    if rng.random() < 0.3:
        g["item.eccn"] = rng.choice([None, "4E091", "EAR99"])
    if rng.random() < 0.3:
        g["direct"] = rng.random() < 0.5
    if rng.random() < 0.3:
        g["activity"] = rng.choice(["export", "reexport", "transfer"])
    return g


@pytest.mark.parametrize("reading", ["regulation", "summary"])
def test_run_agrees_with_evaluator_on_random_transactions(reading):
    spec = diffusion_spec()
    model = ir.resolve(spec, reading)
    rng = random.Random(7)
    txs = [complete(spec, _random_given(rng)) for _ in range(400)]
    ours = SmtEngine().run_batch(model, txs)
    for tx, got in zip(txs, ours):
        assert got == evaluate.run(model, tx), tx
    # the random set exercises every kind of result
    assert any(t.conflicts for t in ours)
    assert any("no_exc_d5" in t.fired for t in ours)
    assert any("lpp" in t.applicable and "lpp" not in t.fired for t in ours)


def test_exact_numbers_at_1e26():
    spec = diffusion_spec()
    model = ir.resolve(spec)                      # note2 = 1e26: threshold max(2.5e25, 2.5e25)
    eng = SmtEngine()
    run = lambda ops: eng.run(model, complete(spec, {"item.ops": F(ops)})).outcomes["eccn"]
    assert run(25 * 10**24) is None
    assert run(25 * 10**24 + 1) == "4E091"
    fixed = ir.resolve(spec, fixed_params={"note2": F(4 * 10**26)})   # threshold 1e26
    run2 = lambda ops: eng.run(fixed, complete(spec, {"item.ops": F(ops)})).outcomes["eccn"]
    assert run2(10**26) is None
    assert run2(10**26 + 1) == "4E091"
    assert run2(10**26 - 1) is None


def test_dated_groups_on_boundaries():
    spec = diffusion_spec()
    model = ir.resolve(spec)
    eng = SmtEngine()
    def lic(dest, day):
        tx = complete(spec, {"destination": dest, "date": day, "item.tpp": F(5000)})
        return eng.run(model, tx).fired
    assert "no_exc_d5" in lic("KH", D(2026, 2, 2))
    assert "no_exc_d5" not in lic("KH", D(2026, 2, 3))
    assert "no_exc_d5" not in lic("NI", D(2024, 3, 13))
    assert "no_exc_d5" in lic("NI", D(2024, 3, 14))


def test_missing_input_is_an_error():
    spec = diffusion_spec()
    with pytest.raises(ValueError, match="no value for input"):
        SmtEngine().run(ir.resolve(spec), {"date": D(2025, 1, 1)})
