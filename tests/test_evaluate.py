"""The reference evaluator on hand-built IR: semantics, exactness, and compiler == interpreter."""
from __future__ import annotations

import datetime
import doctest
from fractions import Fraction as F

import pytest
from hypothesis import HealthCheck, given, settings

from earl import ir
from earl.solver import engines, store
from earl.solver.eval import interpreter
from earl.solver.eval import (EvalError, Evaluator, compile_model, eval_expr, interpret, run,
                             run_batch, run_interpreted)
from earl.solver.transaction import complete
from earl.testing import transactions

from test_smt_specs import (BOOL, CTRY, D, NUM, add, base_spec, cmp, diffusion_spec, dref, inp, lit, num, out, par, remove, rule, setv)

ECCN = ir.Enum("Eccn", True)
EXC = ir.SetOf("Exception")


def model(spec=None, reading=None, **fixed):
    return ir.resolve(spec or diffusion_spec(), reading, fixed or None)


def tx(spec=None, **given):
    spec = spec or diffusion_spec()
    return complete(spec, {k.replace("__", "."): (F(v) if isinstance(v, (int, float, str)) and k.startswith("item__")
                                                 and k != "item__eccn" else v)
                           for k, v in given.items()})


# --------------------------------------------------------------------------- the toy diffusion spec

def test_gpu_to_france_gets_lpp_not_licence():
    t = run(model(), tx(item__tpp=4800, item__quantity=1000, destination="FR"))
    assert t.outcomes == {"exceptions": frozenset({"LPP"}), "license_required": False, "eccn": "3A090.a"}
    assert t.fired == {"classify_3a090", "lpp"}
    assert t.first_failing["license"] == 1          # in A:5: second condition fails
    assert t.first_failing["classify_4e091"] == 0
    assert "lpp" not in t.first_failing


def test_override_stated_eccn_defeats_classification():
    t = run(model(), tx(item__tpp=4800, item__eccn="EAR99"))
    assert "classify_3a090" in t.applicable and "classify_3a090" not in t.fired
    assert "stated_eccn" in t.fired
    assert t.outcomes["eccn"] == "EAR99"
    assert t.conflicts == ()


def test_exception_withdrawn_for_d5_headquarters():
    t = run(model(), tx(item__tpp=4800, destination="CN"))
    assert t.outcomes["license_required"] is True
    t = run(model(), tx(item__tpp=4800, destination="FR", end_user__hq="CN"))
    assert "lpp" in t.applicable and "lpp" not in t.fired and "no_exc_d5" in t.fired
    assert t.outcomes["exceptions"] == frozenset()


def test_lpp_ceiling_exact_with_products():
    m = model()
    at = run(m, tx(item__tpp=F(26_900_000, 1000), item__quantity=1000))
    over = run(m, tx(item__tpp=F(26_900_001, 1000), item__quantity=1000))
    assert at.outcomes["exceptions"] == {"LPP"}
    assert over.outcomes["exceptions"] == frozenset()
    assert over.first_failing["lpp"] == 1


def test_exact_arithmetic_at_1e26_and_2_5e25():
    m = model()
    boundary = F(25) * 10 ** 24       # 2.5e25 = max(2.5e25, 25% * 1e26)
    assert run(m, tx(item__ops=boundary)).outcomes["eccn"] is None
    assert run(m, tx(item__ops=boundary + F(1, 10 ** 30))).outcomes["eccn"] == "4E091"
    # a float would not see the difference
    assert float(boundary) == float(boundary + F(1, 10 ** 30))
    # parameter 1e26 raised to 2e26: the boundary moves to 5e25
    m2 = model(note2=F(2 * 10 ** 26))
    assert run(m2, tx(item__ops=F(5 * 10 ** 25))).outcomes["eccn"] is None
    assert run(m2, tx(item__ops=F(5 * 10 ** 25) + 1)).outcomes["eccn"] == "4E091"
    # the summary reading lowers note2 to 1e25; max keeps 2.5e25
    ms = model(reading="summary")
    assert ms.params["note2"] == 10 ** 25
    assert run(ms, tx(item__ops=boundary)).outcomes["eccn"] is None
    assert eval_expr(m, tx(), ir.MinMax("max", (num(boundary), ir.Arith("*", num(F(1, 4)), par("note2"))))) == boundary


def test_a_model_with_other_params_is_compiled_anew():
    m = model()
    assert run(m, tx(item__ops=F(3 * 10 ** 25))).outcomes["eccn"] == "4E091"
    raised = m.with_params({"note2": F(2 * 10 ** 26)})
    assert run(raised, tx(item__ops=F(3 * 10 ** 25))).outcomes["eccn"] is None
    assert run(m, tx(item__ops=F(3 * 10 ** 25))).outcomes["eccn"] == "4E091"


def test_dated_groups():
    s = diffusion_spec()
    assert "KH" in s.group_tables["D5"].members_on(D(2026, 2, 2))
    assert "KH" not in s.group_tables["D5"].members_on(D(2026, 2, 3))
    assert "NI" not in s.group_tables["D5"].members_on(D(2024, 3, 13))
    assert "NI" in s.group_tables["D5"].members_on(D(2024, 3, 14))
    # HR = (D1 | D5) - A5
    assert s.group_tables["HR"].members_on(D(2025, 1, 1)) >= {"CN", "RU", "KH", "NI"}
    m = model(s)
    e = ir.InGroup(inp("end_user.hq"), "D5", inp("date"))
    for day, expected in [(D(2026, 2, 2), True), (D(2026, 2, 3), False), (D(2020, 1, 1), True)]:
        t = tx(s, end_user__hq="KH", date=day)
        assert eval_expr(m, t, e) is expected
        assert interpret(m, t, e) is expected
        assert run(m, dict(t, **{"item.tpp": F(4800)})).outcomes["exceptions"] == (
            frozenset() if expected else frozenset({"LPP"}))
    hr = ir.InGroup(inp("destination"), "HR", inp("date"))
    assert eval_expr(m, tx(s, destination="NI", date=D(2024, 3, 14)), hr) is True
    assert eval_expr(m, tx(s, destination="NI", date=D(2024, 3, 13)), hr) is False
    assert eval_expr(m, tx(s, destination="FR"), hr) is False


# --------------------------------------------------------------------------- small specs

def chain_spec():
    """r1 adds AIA; r2 (exception) removes it; r3 (exception to the exception) restores it."""
    rules = [
        rule("r1", [inp("direct")], [add("exceptions", "AIA")]),
        rule("r2", [cmp("==", inp("destination"), lit("CN", CTRY))], [remove("exceptions", "AIA")],
             overrides=["r1"]),
        rule("r3", [cmp(">", inp("item.tpp"), num(100))], [add("exceptions", "AIA")], overrides=["r2"]),
    ]
    return base_spec(rules=rules)


def test_exception_to_exception():
    s = chain_spec()
    m = model(s)
    assert run(m, tx(s)).outcomes["exceptions"] == {"AIA"}
    t = run(m, tx(s, destination="CN"))
    assert t.outcomes["exceptions"] == frozenset() and t.fired == {"r2"}
    t = run(m, tx(s, destination="CN", item__tpp=101))
    assert t.outcomes["exceptions"] == {"AIA"}
    assert t.fired == {"r1", "r3"} and t.applicable == {"r1", "r2", "r3"}
    assert t.conflicts == ()
    assert eval_expr(m, tx(s, destination="CN", item__tpp=101), ir.RuleApplies("r2")) is True
    assert eval_expr(m, tx(s, destination="CN", item__tpp=101), ir.RuleFires("r2")) is False


def conflict_spec():
    rules = [
        rule("a", [inp("direct")], [setv("eccn", "4E091"), add("exceptions", "LPP")]),
        rule("b", [cmp(">=", inp("item.tpp"), num(1))], [setv("eccn", "3A090.a")]),
        rule("c", [cmp(">=", inp("item.tpp"), num(2))], [setv("eccn", "4E091"), remove("exceptions", "LPP")]),
        rule("d", [], [setv("license_required", True)]),
        rule("e", [cmp(">=", inp("item.tpp"), num(3))], [setv("license_required", True)]),
    ]
    return base_spec(rules=rules)


def test_conflicts_reported_in_order_first_rule_wins():
    s = conflict_spec()
    m = model(s)
    t = run(m, tx(s, item__tpp=0))
    assert t.conflicts == () and t.outcomes["eccn"] == "4E091"
    t = run(m, tx(s, item__tpp=1))
    assert t.conflicts == (("eccn", None, ("a", "b")),)
    assert t.outcomes["eccn"] == "4E091"        # the first firing rule in rule order
    t = run(m, tx(s, item__tpp=3))
    # exceptions is declared before eccn; two rules agreeing (d, e) are no conflict
    assert t.conflicts == (("exceptions", "LPP", ("a", "c")), ("eccn", None, ("a", "b", "c")))
    assert t.outcomes["exceptions"] == {"LPP"}
    assert "d" in t.fired and "d" not in t.first_failing
    t = run(m, tx(s, item__tpp=1, direct=False))
    assert t.conflicts == () and t.outcomes["eccn"] == "3A090.a"
    assert t.first_failing == {"a": 0, "c": 0, "e": 0}
    assert run_interpreted(m, tx(s, item__tpp=3)) == run(m, tx(s, item__tpp=3))


def test_set_outcomes_and_set_equality():
    s = chain_spec()
    m = model(s)
    t = tx(s)
    assert eval_expr(m, t, ir.Cmp("==", out("exceptions"), lit(frozenset({"AIA"}), EXC))) is True
    assert eval_expr(m, t, ir.Cmp("==", out("exceptions"), lit(frozenset(), EXC))) is False
    assert eval_expr(m, t, ir.InSet(lit("AIA", ir.Enum("Exception")), out("exceptions"))) is True
    assert eval_expr(m, tx(s, direct=False), ir.Cmp("==", out("exceptions"), lit(frozenset(), EXC))) is True


def test_every_expression_node():
    s = diffusion_spec()
    m = model(s)
    t = tx(s, item__tpp=F(5, 2), item__quantity=3)
    T, Fa = lit(True, BOOL), lit(False, BOOL)
    cases = [
        (ir.Arith("*", inp("item.tpp"), inp("item.quantity")), F(15, 2)),
        (ir.Arith("-", inp("item.tpp"), num(3)), F(-1, 2)),
        (ir.Arith("+", inp("item.tpp"), num(F(1, 2))), F(3)),
        (ir.MinMax("min", (inp("item.tpp"), num(2), num(7))), F(2)),
        (ir.MinMax("max", (inp("item.tpp"),)), F(5, 2)),
        (ir.Ite(T, num(1), num(2)), F(1)),
        (ir.Ite(Fa, num(1), num(2)), F(2)),
        (ir.Implies(Fa, Fa), True),
        (ir.Implies(T, Fa), False),
        (ir.And(()), True), (ir.Or(()), False),
        (ir.And((T, Fa)), False), (ir.Or((Fa, T)), True), (ir.Not(T), False),
        (ir.Cmp("!=", inp("destination"), lit("FR", CTRY)), False),
        (ir.Cmp("<", inp("date"), lit(D(2025, 5, 16), ir.Date())), True),
        (ir.Cmp(">=", inp("date"), lit(D(2025, 5, 16), ir.Date())), False),
        (ir.Cmp("==", inp("item.eccn"), lit(None, ECCN)), True),
        (par("lpp_ceiling"), F(26_900_000)),
        (dref("total_tpp"), F(15, 2)),
        (out("eccn"), None),
        (out("license_required"), False),
        (ir.InSet(inp("destination"), lit(frozenset({"FR", "DE"}), ir.SetOf("x"))), True),
        (ir.RuleApplies("lpp"), False),
        (ir.RuleFires("classify_3a090"), False),
    ]
    for e, expected in cases:
        got = eval_expr(m, t, e)
        assert got == expected and type(got) is type(expected), (e, got)
        assert interpret(m, t, e) == expected, e
    assert isinstance(eval_expr(m, t, dref("total_tpp")), F)


def test_cycles_and_incomplete_transactions_are_errors():
    s = base_spec(rules=[rule("r", [out("license_required")], [setv("license_required", True)])])
    with pytest.raises(EvalError, match="cycle"):
        run(model(s), tx(s))
    s = diffusion_spec()
    t = tx(s)
    del t["item.tpp"]
    with pytest.raises(EvalError, match="item.tpp"):
        run(model(s), t)
    with pytest.raises(EvalError, match="item.tpp"):
        eval_expr(model(s), t, dref("total_tpp"))


def test_readings_select_rules():
    rules = [rule("only_summary", [], [setv("license_required", True)], readings={"summary"})]
    s = base_spec(rules=rules)
    assert run(model(s), tx(s)).outcomes["license_required"] is False
    assert run(model(s, "summary"), tx(s)).outcomes["license_required"] is True


def test_engine_protocol():
    s = diffusion_spec()
    m = model(s)
    e = Evaluator()
    assert e.name == "eval"
    txs = [tx(s, item__tpp=n * 1000) for n in range(10)]
    assert e.run_batch(m, txs) == [e.run(m, t) for t in txs] == run_batch(m, txs)


@pytest.mark.parametrize("spec_fn", [diffusion_spec, chain_spec, conflict_spec])
@pytest.mark.parametrize("reading", ["regulation", "summary"])
def test_compiled_equals_interpreted(spec_fn, reading):
    s = spec_fn()
    m = model(s, reading)

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(transactions(s))
    def check(t):
        assert run(m, t) == run_interpreted(m, t)

    check()


@pytest.mark.parametrize("module", [interpreter, engines, store], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    assert doctest.testmod(module).failed == 0
