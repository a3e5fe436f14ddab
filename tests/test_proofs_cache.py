"""The z3 query kept per Model (in solver/store.py's STORE): answers do not depend on what was
asked before, every kind of answer leaves the query usable, and a model with other parameters gets
its own query. Likewise the runner's reuse of its z3 model across transactions."""
import dataclasses
import random
from fractions import Fraction as F

import pytest

from earl import ir
from earl.solver import eval as evaluate
from earl.solver.replay import EngineDisagreement
from earl.solver.results import Instance, Proof, Unknown
from earl.solver.smt import SmtEngine, prove
from earl.solver.store import STORE
from earl.solver.transaction import complete

from test_proofs import ECCN, HAS_LPP, HQ_D5, NO_EXC, _changed
from test_smt import _random_given
from test_smt_specs import (cmp, diffusion_spec, inp, num, out)

IS_4E091 = cmp("==", out("eccn"), lit_4e091 := ir.Lit("4E091", ECCN))
LPP_ALONE = ir.And((IS_4E091, ir.RuleFires("lpp")))


def test_one_query_per_model_reused_across_primitives():
    model = ir.resolve(diffusion_spec())
    smt = SmtEngine()
    STORE.clear()
    assert isinstance(smt.valid(model, ir.Implies(HQ_D5, NO_EXC)), Proof)
    built = len(STORE)          # the query and what it was built from (the country classes)
    assert built > 0
    assert isinstance(smt.disjoint(model, HQ_D5, HAS_LPP), Proof)
    assert isinstance(smt.implies(model, HAS_LPP, cmp(">=", inp("item.tpp"), num(0))), Proof)
    assert isinstance(smt.equivalent(model, NO_EXC, ir.Not(ir.Not(NO_EXC))), Proof)
    assert len(STORE) == built  # nothing compiled again


def test_core_does_not_depend_on_earlier_queries():
    fresh = ir.resolve(diffusion_spec())
    alone = prove.satisfiable(fresh, LPP_ALONE)
    assert alone == Proof(core=("lpp",), engine="smt")
    used = ir.resolve(diffusion_spec())
    # compile (and load) every rule and outcome first: their axioms sit in the solver
    for o in used.spec.outcomes:
        prove.satisfiable(used, cmp("!=", out(o), out(o)))
    prove.valid(used, ir.Implies(HQ_D5, NO_EXC))
    assert prove.satisfiable(used, LPP_ALONE) == alone


def test_cached_and_fresh_queries_agree_on_instances():
    spec = diffusion_spec()
    used = ir.resolve(spec)
    prove.valid(used, ir.Implies(HQ_D5, NO_EXC))
    for claim in (NO_EXC, ir.Not(HAS_LPP)):
        a = prove.valid(used, claim)
        b = prove.valid(ir.resolve(spec), claim)
        assert isinstance(a, Instance) and isinstance(b, Instance)
        assert sorted(_changed(spec, a)) == sorted(_changed(spec, b))


def test_changed_parameters_get_their_own_query():
    spec = diffusion_spec()
    free = ir.resolve(spec)                        # note2 free
    fixed = ir.resolve(spec, fixed_params={"note2": F(4 * 10**26)})
    claim = ir.Implies(cmp("<=", inp("item.ops"), num(10**26)), ir.Not(IS_4E091))
    assert isinstance(prove.valid(free, claim), Instance)
    assert isinstance(prove.valid(fixed, claim), Proof)
    # a model cannot change in place; with other parameters it is a new model with its own query
    assert isinstance(prove.valid(free.with_params({"note2": F(4 * 10**26)}), claim), Proof)
    assert isinstance(prove.valid(free, claim), Instance)


def test_timeout_and_disagreement_leave_the_solver_clean(monkeypatch):
    model = ir.resolve(diffusion_spec())
    assert isinstance(prove.valid(model, ir.Implies(HQ_D5, NO_EXC)), Proof)
    hard = prove.valid(model, NO_EXC, timeout_ms=1)
    assert isinstance(hard, (Unknown, Instance))   # never a proof: the claim is false
    orig = prove.Query.instance

    def bad(self, m):
        return dataclasses.replace(orig(self, m), transaction=complete(self.models[0].spec, {}))
    monkeypatch.setattr(prove.Query, "instance", bad)
    with pytest.raises(EngineDisagreement):
        prove.valid(model, NO_EXC)
    monkeypatch.undo()
    # and the query still answers correctly afterwards
    r = prove.valid(model, NO_EXC)
    assert isinstance(r, Instance) and r.transaction["item.tpp"] == 4800
    assert isinstance(prove.valid(model, ir.Implies(HQ_D5, NO_EXC)), Proof)


def test_a_compile_error_leaves_later_answers_right():
    model = ir.resolve(diffusion_spec())
    prove.satisfiable(model, HAS_LPP)
    with pytest.raises(ValueError):
        prove.valid(model, ir.RuleFires("no_such_rule"))
    with pytest.raises(ValueError):   # a definition's body that fails half-way through
        prove.valid(model, ir.Or((ir.RuleFires("lpp"), ir.RuleFires("no_such_rule"))))
    assert prove.satisfiable(model, LPP_ALONE) == Proof(core=("lpp",), engine="smt")


def test_equivalent_models_keeps_one_query_per_partner():
    spec = diffusion_spec()
    reg, summ = ir.resolve(spec, "regulation"), ir.resolve(spec, "summary")
    outs = [out(o) for o in spec.outcomes]
    assert isinstance(prove.equivalent_models(reg, summ, outs), Proof)
    built = len(STORE)
    assert isinstance(prove.equivalent_models(reg, summ, outs), Proof)
    assert len(STORE) == built
    other = ir.resolve(spec, "summary", {"note2": F(10**27)})
    r = prove.equivalent_models(reg, other, outs)
    assert isinstance(r, Instance)
    assert isinstance(prove.equivalent_models(reg, summ, outs), Proof)


def test_runner_reuses_its_model_across_transactions():
    # transactions that flip single inputs back and forth, repeat, and follow a failed run
    spec = diffusion_spec()
    model = ir.resolve(spec)
    eng = SmtEngine()
    rng = random.Random(11)
    txs = [complete(spec, _random_given(rng)) for _ in range(60)]
    seq = []
    for tx in txs:
        seq += [tx, complete(spec, {}), tx, tx]
    for tx in seq[:50]:
        assert eng.run(model, tx) == evaluate.run(model, tx)
    with pytest.raises(ValueError, match="no value for input"):
        eng.run(model, {k: v for k, v in seq[0].items() if k != "item.tpp"})
    out = eng.run_batch(model, seq)
    assert out == [evaluate.run(model, tx) for tx in seq]
    # results are fresh objects: mutating one does not affect another
    a, b = eng.run(model, seq[0]), eng.run(model, seq[0])
    a.outcomes.clear()
    assert b == evaluate.run(model, seq[0])
