"""The z3 query kept per Model: answers do not depend on what was asked before, the solver is left
clean after every kind of answer, and a changed model gets a fresh query. Likewise the runner's
reuse of its z3 model across transactions."""
import dataclasses
import random
from fractions import Fraction as F

import pytest

from earl import ir
from earl.solver import eval as evaluate
from earl.solver import proofs
from earl.solver.replay import EngineDisagreement
from earl.solver.results import Instance, Proof, Unknown
from earl.solver.smt import SmtEngine
from earl.solver.transaction import complete

from test_proofs import ECCN, HAS_LPP, HQ_D5, NO_EXC, _changed
from test_smt import _random_given
from test_smt_specs import (cmp, diffusion_spec, inp, num, out)

IS_4E091 = cmp("==", out("eccn"), lit_4e091 := ir.Lit("4E091", ECCN))
LPP_ALONE = ir.And((IS_4E091, ir.RuleFires("lpp")))


def _queries(model):
    return model.__dict__.get("_earl_proof_queries", {})


def _open_scopes(model):
    return [q.solver.num_scopes() for _, _, q in _queries(model).values()]


def test_one_query_per_model_reused_across_primitives():
    model = ir.resolve(diffusion_spec())
    proofs.valid(model, ir.Implies(HQ_D5, NO_EXC))
    (entry,) = _queries(model).values()
    proofs.satisfiable(model, HAS_LPP)
    proofs.disjoint(model, HQ_D5, HAS_LPP)
    proofs.implies(model, HAS_LPP, cmp(">=", inp("item.tpp"), num(0)))
    (again,) = _queries(model).values()
    assert again[2] is entry[2]
    assert _open_scopes(model) == [0]


def test_core_does_not_depend_on_earlier_queries():
    fresh = ir.resolve(diffusion_spec())
    alone = proofs.satisfiable(fresh, LPP_ALONE)
    assert alone == Proof(core=("lpp",), engine="smt")
    used = ir.resolve(diffusion_spec())
    # compile (and load) every rule and outcome first: their axioms sit in the solver
    for o in used.spec.outcomes:
        proofs.satisfiable(used, cmp("!=", out(o), out(o)))
    proofs.valid(used, ir.Implies(HQ_D5, NO_EXC))
    assert proofs.satisfiable(used, LPP_ALONE) == alone


def test_cached_and_fresh_queries_agree_on_instances():
    spec = diffusion_spec()
    used = ir.resolve(spec)
    proofs.valid(used, ir.Implies(HQ_D5, NO_EXC))
    for claim in (NO_EXC, ir.Not(HAS_LPP)):
        a = proofs.valid(used, claim)
        b = proofs.valid(ir.resolve(spec), claim)
        assert isinstance(a, Instance) and isinstance(b, Instance)
        assert sorted(_changed(spec, a)) == sorted(_changed(spec, b))


def test_changed_parameters_get_their_own_query():
    spec = diffusion_spec()
    free = ir.resolve(spec)                        # note2 free
    fixed = ir.resolve(spec, fixed_params={"note2": F(4 * 10**26)})
    claim = ir.Implies(cmp("<=", inp("item.ops"), num(10**26)), ir.Not(IS_4E091))
    assert isinstance(proofs.valid(free, claim), Instance)
    assert isinstance(proofs.valid(fixed, claim), Proof)
    # a model cannot change in place; with other parameters it is a new model with its own query
    assert isinstance(proofs.valid(free.with_params({"note2": F(4 * 10**26)}), claim), Proof)
    assert isinstance(proofs.valid(free, claim), Instance)


def test_timeout_and_disagreement_leave_the_solver_clean(monkeypatch):
    model = ir.resolve(diffusion_spec())
    assert isinstance(proofs.valid(model, ir.Implies(HQ_D5, NO_EXC)), Proof)
    hard = proofs.valid(model, NO_EXC, timeout_ms=1)
    assert isinstance(hard, (Unknown, Instance))   # never a proof: the claim is false
    assert _open_scopes(model) == [0]
    orig = proofs._Query.instance

    def bad(self, m):
        return dataclasses.replace(orig(self, m), transaction=complete(self.models[0].spec, {}))
    monkeypatch.setattr(proofs._Query, "instance", bad)
    with pytest.raises(EngineDisagreement):
        proofs.valid(model, NO_EXC)
    monkeypatch.undo()
    assert _open_scopes(model) == [0]
    # and the query still answers correctly afterwards
    r = proofs.valid(model, NO_EXC)
    assert isinstance(r, Instance) and r.transaction["item.tpp"] == 4800
    assert isinstance(proofs.valid(model, ir.Implies(HQ_D5, NO_EXC)), Proof)


def test_a_compile_error_drops_the_query():
    model = ir.resolve(diffusion_spec())
    proofs.satisfiable(model, HAS_LPP)
    with pytest.raises(ValueError):
        proofs.valid(model, ir.RuleFires("no_such_rule"))
    assert not _queries(model)
    assert isinstance(proofs.satisfiable(model, LPP_ALONE), Proof)


def test_equivalent_pair_is_cached_per_partner():
    spec = diffusion_spec()
    reg, summ = ir.resolve(spec, "regulation"), ir.resolve(spec, "summary")
    outs = [out(o) for o in spec.outcomes]
    assert isinstance(proofs.equivalent(reg, summ, outs), Proof)
    assert isinstance(proofs.equivalent(reg, summ, outs), Proof)
    other = ir.resolve(spec, "summary", {"note2": F(10**27)})
    r = proofs.equivalent(reg, other, outs)
    assert isinstance(r, Instance)
    assert len(_queries(reg)) == 2


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
