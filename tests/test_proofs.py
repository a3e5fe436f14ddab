"""Proof primitives: proofs with provenance, minimal replayed instances, honest unknowns."""
import dataclasses
from fractions import Fraction as F

import pytest
import z3

from earl import ir
from earl.solver.smt import SmtEngine, prove
from earl.solver.replay import EngineDisagreement, replay
from earl.solver.results import Instance, Proof, Unknown
from earl.solver.transaction import complete

from test_smt_specs import (BOOL, CTRY, D, NUM, add, base_spec, cmp, diffusion_spec, inp, lit, num, out, par, rule, setv)

EXC = ir.SetOf("Exception")
ECCN = ir.Enum("Eccn", True)
HQ_D5 = ir.InGroup(inp("end_user.hq"), "D5", inp("date"))
NO_EXC = cmp("==", out("exceptions"), lit(frozenset(), EXC))
HAS_LPP = ir.InSet(lit("LPP", ir.Enum("Exception")), out("exceptions"))


def _changed(spec, inst):
    base = complete(spec, {})
    out = []
    for p, d in spec.inputs.items():
        default = inst.transaction[d.default.path] if isinstance(d.default, ir.InputRef) else d.default.value
        if inst.transaction[p] != default:
            out.append(p)
    return out


@pytest.fixture(scope="module")
def model():
    return ir.resolve(diffusion_spec())


def test_valid_claim_is_proved_with_core_naming_the_overriding_rule(model):
    r = prove.valid(model, ir.Implies(HQ_D5, NO_EXC))
    assert isinstance(r, Proof)
    assert "no_exc_d5" in r.core
    assert set(r.core) <= set(model.rules)
    assert "license" not in r.core or "aia" in r.core   # core is about the exceptions


def test_core_is_small_for_a_single_rule_fact(model):
    # lpp needs eccn 3A090.a, so it can never fire alongside eccn 4E091: relies on lpp alone
    r = prove.satisfiable(model, ir.And((cmp("==", out("eccn"), lit("4E091", ECCN)),
                                          ir.RuleFires("lpp"))))
    assert r == Proof(core=("lpp",), engine="smt")


def test_invalid_claim_gives_minimal_replayed_counterexample(model):
    spec = model.spec
    r = prove.valid(model, NO_EXC)           # false: LPP reaches plain exports at 4800 TPP
    assert isinstance(r, Instance)
    assert _changed(spec, r) == ["item.tpp"]  # one input changed: the minimum
    assert r.transaction["item.tpp"] == 4800  # at the threshold the spec names
    replay(model, NO_EXC, r, False)


def test_minimality_two_inputs(model):
    spec = model.spec
    # LPP with more than one unit: needs tpp and quantity, nothing else
    r = prove.satisfiable(model, ir.And((HAS_LPP, cmp(">", inp("item.quantity"), num(1)))))
    assert isinstance(r, Instance)
    assert sorted(_changed(spec, r)) == ["item.quantity", "item.tpp"]
    assert r.transaction["item.quantity"] == 2 and r.transaction["item.tpp"] == 4800


def test_country_instances_use_representatives_and_defaults(model):
    spec = model.spec
    r = prove.satisfiable(model, ir.And((HQ_D5, cmp("==", out("license_required"), lit(True, BOOL)))))
    assert isinstance(r, Instance)
    # the headquarters default (= destination) lets one change do: destination in D:5
    # (plus what makes a licence required: a 3A090 TPP or a 4E091 model)
    changed = sorted(_changed(spec, r))
    assert changed in (["destination", "item.ops"], ["destination", "item.tpp"])
    assert r.transaction["end_user.hq"] == r.transaction["destination"]
    assert r.transaction["destination"] in {"AF", "BY", "KH"}   # class representatives


def test_dated_membership_gives_segment_start():
    # a D:5 destination that only NI satisfies (NI singled out by a rule naming nobody else)
    spec = diffusion_spec()
    model = ir.resolve(spec)
    only_ni = ir.And((ir.InGroup(inp("destination"), "D5", inp("date")),
                      ir.Not(ir.InGroup(inp("destination"), "D5", lit(D(2024, 1, 1), ir.Date())))))
    r = prove.satisfiable(model, ir.And((only_ni, cmp("<", inp("date"), lit(D(2025, 1, 1), ir.Date())))))
    assert isinstance(r, Instance)
    assert r.transaction["destination"] == "NI"
    assert r.transaction["date"] == D(2024, 3, 14)


def test_exactness_at_1e26_thresholds():
    spec = diffusion_spec()
    fixed = ir.resolve(spec, fixed_params={"note2": F(4 * 10**26)})   # threshold max(2.5e25, 1e26)
    is_4e091 = cmp("==", out("eccn"), lit("4E091", ECCN))
    ops = inp("item.ops")
    assert isinstance(SmtEngine().implies(fixed, cmp("<=", ops, num(10**26)), ir.Not(is_4e091)), Proof)
    r = prove.satisfiable(fixed, is_4e091)
    assert isinstance(r, Instance) and r.transaction["item.ops"] == 10**26 + 1
    # 10^26 - 1 is not enough; 2.5e25 is below the threshold too
    assert isinstance(prove.satisfiable(fixed, ir.And((is_4e091, cmp("==", ops, num(10**26 - 1))))), Proof)
    assert isinstance(prove.satisfiable(fixed, ir.And((is_4e091, cmp("==", ops, num(25 * 10**24))))), Proof)


def test_free_parameters_are_quantified():
    spec = diffusion_spec()
    model = ir.resolve(spec)                          # note2 free, min 0
    is_4e091 = cmp("==", out("eccn"), lit("4E091", ECCN))
    claim = ir.Implies(cmp("<=", inp("item.ops"), num(10**26)), ir.Not(is_4e091))
    r = prove.valid(model, claim)                    # false: the floor is 2.5e25 whatever note2 is
    assert isinstance(r, Instance)
    assert r.transaction["item.ops"] == 25 * 10**24 + 1
    assert r.params["note2"] == 10**26                # the parameter left at its value


def test_disjoint_and_implies(model):
    assert isinstance(SmtEngine().disjoint(model, HQ_D5, HAS_LPP), Proof)
    r = SmtEngine().disjoint(model, HAS_LPP, cmp(">", inp("item.tpp"), num(10_000)))
    assert isinstance(r, Instance) and r.transaction["item.tpp"] > 10_000


def test_equivalent_expressions_within_one_model(model):
    # the Prover protocol's `equivalent`: two conditions with the same value on every transaction
    no_lpp = ir.Not(HAS_LPP)
    assert isinstance(SmtEngine().equivalent(model, ir.Implies(HAS_LPP, HQ_D5), ir.Or((no_lpp, HQ_D5))), Proof)
    r = SmtEngine().equivalent(model, HAS_LPP, NO_EXC)        # LPP granted: the set is not empty
    assert isinstance(r, Instance)
    replay(model, cmp("==", HAS_LPP, NO_EXC), r, False)       # the evaluator sees them differ
    # and on numbers: an outcome-free comparison of two arithmetic terms
    tpp = inp("item.tpp")
    assert isinstance(SmtEngine().equivalent(model, ir.Arith("+", tpp, tpp), ir.Arith("*", num(2), tpp)), Proof)


def test_equivalent_readings():
    spec = diffusion_spec()
    reg, summ = ir.resolve(spec, "regulation"), ir.resolve(spec, "summary")
    outs = [out(o) for o in spec.outcomes]
    # note2 free in both: the readings differ only in its default, so they agree
    assert isinstance(prove.equivalent_models(reg, summ, outs), Proof)
    reg_f = ir.resolve(spec, "regulation", {"note2": F(10**26)})
    summ_f = ir.resolve(spec, "summary", {"note2": F(10**26)})
    assert isinstance(prove.equivalent_models(reg_f, summ_f, outs), Proof)
    # a summary rule that reads the LPP ceiling as a per-unit limit
    spec2 = diffusion_spec()
    lpp = spec2.rules["lpp"]
    spec2.rules["lpp"] = dataclasses.replace(lpp, readings=frozenset({"regulation"}))
    spec2.rules["lpp_summary"] = dataclasses.replace(
        lpp, name="lpp_summary", readings=frozenset({"summary"}),
        conditions=(lpp.conditions[0], ir.Condition(cmp("<=", inp("item.tpp"), par("lpp_ceiling"))),
                    lpp.conditions[2]))
    spec2.rules["no_exc_d5"] = dataclasses.replace(spec2.rules["no_exc_d5"], overrides=("lpp", "lpp_summary", "aia"))
    a, b = ir.resolve(spec2, "regulation"), ir.resolve(spec2, "summary")
    r = prove.equivalent_models(a, b, outs)
    assert isinstance(r, Instance)
    tx = r.transaction
    assert tx["item.tpp"] * tx["item.quantity"] > r.params["lpp_ceiling"] >= tx["item.tpp"]
    assert sorted(_changed(spec2, r)) == ["item.quantity", "item.tpp"]


def test_replay_catches_a_wrong_instance(model):
    spec = model.spec
    wrong = Instance(transaction=complete(spec, {}), params={}, engine="test")
    with pytest.raises(EngineDisagreement):
        replay(model, NO_EXC, wrong, False)      # at the defaults there is no exception
    replay(model, NO_EXC, wrong, True)


def test_engine_bug_is_caught_before_returning(model, monkeypatch):
    # an engine that decodes the wrong transaction must not get an Instance out
    orig = prove.Query.instance

    def bad(self, m):
        inst = orig(self, m)
        return dataclasses.replace(inst, transaction=complete(self.models[0].spec, {}))
    monkeypatch.setattr(prove.Query, "instance", bad)
    with pytest.raises(EngineDisagreement):
        prove.valid(model, NO_EXC)


def test_timeout_is_unknown_never_proof():
    # a hard nonlinear claim: x*y*z == 2*w*w with large bounds
    inputs = {
        "date": ir.InputDecl("date", ir.Date(), lit(D(2025, 1, 1), ir.Date())),
        **{n: ir.InputDecl(n, ir.Num(integer=True), num(1), minimum=F(1)) for n in "xyzw"},
    }
    spec = base_spec(inputs=inputs, outcomes={}, params={})
    m = ir.resolve(spec)
    x, y, z, w = (spec.input_ref(n) for n in "xyzw")
    lhs = ir.Arith("*", ir.Arith("*", x, ir.Arith("*", x, x)), ir.Arith("*", y, y))
    rhs = ir.Arith("+", ir.Arith("*", ir.Arith("*", z, ir.Arith("*", z, z)), ir.Arith("*", w, w)), num(7))
    r = prove.valid(m, cmp("!=", lhs, rhs), timeout_ms=1)
    # under load z3 occasionally finds the small counterexample within 1 ms; it must never prove it
    assert not isinstance(r, Proof)
    if isinstance(r, Unknown):
        assert r.reason


def test_z3_unknown_is_reported_as_unknown(model, monkeypatch):
    monkeypatch.setattr(z3.Solver, "check", lambda self, *a: z3.unknown)
    monkeypatch.setattr(z3.Solver, "reason_unknown", lambda self: "smt tactic failed")
    r = prove.valid(model, NO_EXC)
    assert isinstance(r, Unknown) and "unknown" in r.reason
