"""The clingo backend: no quantity reaches clingo, agreement with the reference evaluator, and
exhaustive search (proofs, replayed minimal instances)."""
import datetime
import doctest
import random
from fractions import Fraction as F

import clingo
import pytest

from earl import ir
from earl.solver import eval as evaluate
from earl.solver.asp import AspEngine
from earl.solver.replay import EngineDisagreement
from earl.solver.asp import concretise, engine as asp_engine, polynomial, program, schema
from earl.solver.asp.numeric import abstraction, abstraction_for
from earl.solver.asp.schema import SMALL, Facts, Inp, Rule, Tx, render, render_program
from earl.solver.asp.search import Search
from earl.solver.results import Instance, Proof
from earl.solver.transaction import complete
from test_smt_specs import (COUNTRIES, CTRY, add, base_spec, cmp, diffusion_spec, dref, inp, lit, num, out, par, remove, rule, setv)

D = datetime.date
ECCN = ir.Enum("Eccn", True)
EXC = out("exceptions")
EMPTY = lit(frozenset(), ir.SetOf("Exception"))


@pytest.fixture(scope="module")
def engine():
    return AspEngine()


def boundary_txs(spec):
    out = []
    for ops in (0, 25 * 10 ** 24, 25 * 10 ** 24 + 1, 10 ** 26 - 1, 10 ** 26, 10 ** 26 + 1):
        for tpp, qty in ((4799, 1), (4800, 5604), (4800, 5605), (26_900_000, 1), (26_900_001, 1)):
            out.append(complete(spec, {"item.ops": F(ops), "item.tpp": F(tpp), "item.quantity": F(qty)}))
    return out


def random_txs(spec, n, seed=0):
    rng = random.Random(seed)
    codes = sorted(COUNTRIES)
    out = []
    for _ in range(n):
        out.append(complete(spec, {
            "date": rng.choice([D(2024, 3, 13), D(2024, 3, 14), D(2025, 5, 15), D(2026, 2, 2), D(2026, 2, 3)]),
            "destination": rng.choice(codes), "end_user.hq": rng.choice(codes),
            "activity": rng.choice(["export", "reexport", "transfer"]),
            "item.eccn": rng.choice([None, "4E091", "3A090.a", "EAR99"]),
            "item.tpp": F(rng.choice([0, 4799, 4800, 4801, 26_900_000, 26_900_001])),
            "item.quantity": F(rng.choice([0, 1, 2, 5604, 5605])),
            "item.ops": F(rng.choice([0, 25 * 10 ** 24, 25 * 10 ** 24 + 1, 10 ** 26, 10 ** 26 + 1])),
            "direct": rng.random() < 0.5}))
    return out


# --------------------------------------------------------------------------- no quantity in clingo

def test_no_quantity_reaches_clingo(engine):
    spec = diffusion_spec()
    m = ir.resolve(spec)
    txs = boundary_txs(spec)
    program = engine.batch_program(m, txs)
    # every integer of the program is a small id (rendering refuses any other) ...
    text = render_program(program)
    ctl = clingo.Control(["--warn=none"])
    ctl.add("base", [], text)
    ctl.ground([("base", [])])
    numbers = [a.number for s in ctl.symbolic_atoms for a in s.symbol.arguments
               if a.type == clingo.SymbolType.Number]
    assert numbers and max(numbers) < 1000 and min(numbers) >= 0
    # ... and no constant of the spec appears in the program text
    for big in ("26900000", "4800", "25000000000000000000000000", "100000000000000000000000000"):
        assert big not in text
    with pytest.raises(ValueError):
        render(Rule(Tx(10 ** 26)))
    with pytest.raises(ValueError):
        render(Facts(Inp, ((0, 1, SMALL),)))


def test_search_program_carries_no_quantity(engine):
    m = ir.resolve(diffusion_spec())
    claim = cmp("<=", inp("item.ops"), num(10 ** 26))
    search = Search(m, abstraction_for(m, claim))   # the claim's own atoms: a program of its own
    search.query(claim, False, 10.0)
    ctl = search.program.ctl
    assert max(a.number for s in ctl.symbolic_atoms for a in s.symbol.arguments
               if a.type == clingo.SymbolType.Number) < 2000


def test_boundaries_at_1e26_2_5e25_and_26_9_million(engine):
    spec = diffusion_spec()
    m = ir.resolve(spec)
    txs = boundary_txs(spec)
    got = engine.run_batch(m, txs)
    assert got == evaluate.run_batch(m, txs)
    for tx, tr in zip(txs, got):
        controlled = tx["item.ops"] > max(F(25) * 10 ** 24, F(10 ** 26) / 4)
        assert (tr.outcomes["eccn"] == "4E091") == controlled
        lpp = (not controlled and tx["item.tpp"] >= 4800
               and tx["item.tpp"] * tx["item.quantity"] <= 26_900_000)
        assert ("LPP" in tr.outcomes["exceptions"]) == lpp
    # summary reading: note2 = 1e25, so the 2.5e25 floor decides
    ms = ir.resolve(spec, "summary")
    assert engine.run_batch(ms, txs) == evaluate.run_batch(ms, txs)


# --------------------------------------------------------------------------- agreement

@pytest.mark.parametrize("reading", ["regulation", "summary"])
def test_agrees_with_evaluator_on_random_transactions(engine, reading):
    spec = diffusion_spec()
    m = ir.resolve(spec, reading)
    txs = random_txs(spec, 400, seed=hash(reading) % 100)
    assert engine.run_batch(m, txs) == evaluate.run_batch(m, txs)


def test_fixed_params_agree(engine):
    spec = diffusion_spec()
    m = ir.resolve(spec, fixed_params={"lpp_ceiling": F(10 ** 9), "note2": F(10 ** 30)})
    txs = random_txs(spec, 150, seed=3)
    assert engine.run_batch(m, txs) == evaluate.run_batch(m, txs)


def conflict_spec():
    rules = [
        rule("a", [cmp(">=", inp("item.tpp"), num(10))], [setv("eccn", "4E091"), add("exceptions", "AIA")]),
        rule("b", [inp("direct")], [setv("eccn", "EAR99"), remove("exceptions", "AIA")]),
        rule("c", [ir.RuleApplies("a"), ir.Not(ir.RuleFires("b"))], [add("exceptions", "LPP")]),
        rule("d", [cmp("==", EXC, lit(frozenset({"AIA"}), ir.SetOf("Exception"))),
                   ir.Ite(inp("direct"), lit(False, ir.Bool()), lit(True, ir.Bool()))],
             [setv("license_required", True)]),
        rule("e", [cmp("==", inp("end_user.hq"), inp("destination")),
                   ir.Or((cmp("==", inp("destination"), lit("MO", CTRY)),
                          ir.InGroup(inp("destination"), "HR", inp("date"))))],
             [remove("exceptions", "LPP")], overrides=["c"]),
    ]
    return base_spec(rules=rules)


def test_conflicts_overrides_rule_terms_and_set_equality(engine):
    spec = conflict_spec()
    m = ir.resolve(spec)
    txs = []
    for tpp in (0, 10):
        for direct in (False, True):
            for dest, hq in (("FR", "FR"), ("MO", "MO"), ("CN", "CN"), ("CN", "RU"), ("KH", "KH"), ("NI", "NI")):
                for day in (D(2024, 1, 1), D(2025, 5, 15), D(2026, 3, 1)):
                    txs.append(complete(spec, {"item.tpp": F(tpp), "direct": direct, "destination": dest,
                                               "end_user.hq": hq, "date": day}))
    got = engine.run_batch(m, txs)
    want = evaluate.run_batch(m, txs)
    assert got == want
    assert any(t.conflicts for t in got) and any("e" in t.fired for t in got)
    assert any(t.first_failing.get("d") == 1 for t in got)


# --------------------------------------------------------------------------- search

def test_true_claims_are_proved(engine):
    m = ir.resolve(diffusion_spec())
    claims = [
        ir.Implies(dref("hq_d5_macau"), cmp("==", EXC, EMPTY)),
        ir.Implies(ir.InSet(lit("LPP", ir.Enum("Exception")), EXC), cmp(">=", inp("item.tpp"), num(4800))),
        ir.Implies(cmp("==", out("eccn"), lit("4E091", ECCN)),
                   cmp(">", inp("item.ops"), num(25 * 10 ** 24))),
        ir.Implies(out("license_required"),
                   ir.Not(ir.InGroup(inp("destination"), "A5", inp("date")))),
    ]
    for c in claims:
        r = engine.valid(m, c)
        assert isinstance(r, Proof) and r.engine == "asp", c


def test_false_claims_give_minimal_replayed_instances(engine):
    spec = diffusion_spec()
    m = ir.resolve(spec)
    r = engine.valid(m, cmp("<=", inp("item.ops"), num(10 ** 26)))
    assert isinstance(r, Instance)
    assert r.transaction["item.ops"] > 10 ** 26
    defaults = complete(spec, {})
    assert [k for k in defaults if r.transaction[k] != defaults[k]] == ["item.ops"]
    # a counterexample that needs the product at the LPP ceiling and a dated group
    claim = ir.Implies(ir.InSet(lit("LPP", ir.Enum("Exception")), EXC),
                       cmp("<", ir.Arith("*", inp("item.tpp"), inp("item.quantity")), num(26_900_000)))
    r = engine.valid(m, claim)
    assert isinstance(r, Instance)
    tx = r.transaction
    assert tx["item.tpp"] * tx["item.quantity"] == 26_900_000
    assert evaluate.eval_expr(m, tx, claim) is False
    # a free parameter moves when it must
    r = engine.valid(m, cmp("<=", par("lpp_ceiling"), num(26_900_000)))
    assert isinstance(r, Instance) and r.params["lpp_ceiling"] > 26_900_000


def test_country_equality_and_dated_membership_search(engine):
    m = ir.resolve(conflict_spec())
    r = engine.satisfiable(m, ir.RuleFires("e"))
    assert isinstance(r, Instance)
    assert evaluate.run(m, r.transaction).fired >= {"e"}
    r = engine.valid(m, cmp("==", inp("end_user.hq"), inp("destination")))
    assert isinstance(r, Instance) and r.transaction["end_user.hq"] != r.transaction["destination"]
    # KH leaves D5 on 2026-02-03: find a date when KH is restricted, and prove NI is not before 2024-03-14
    kh = ir.And((cmp("==", inp("destination"), lit("KH", CTRY)), ir.InGroup(inp("destination"), "D5", inp("date"))))
    r = engine.satisfiable(m, kh)
    assert isinstance(r, Instance) and r.transaction["date"] < D(2026, 2, 3)
    ni = ir.And((cmp("==", inp("destination"), lit("NI", CTRY)), ir.InGroup(inp("destination"), "D5", inp("date")),
                 cmp("<", inp("date"), ir.Lit(D(2024, 3, 14), ir.Date()))))
    assert isinstance(engine.satisfiable(m, ni), Proof)


def test_a_non_replaying_instance_is_an_engine_bug(engine, monkeypatch):
    m = ir.resolve(diffusion_spec())
    real = concretise.instance

    def broken(*args):
        inst = real(*args)
        tx = dict(inst.transaction, **{"item.ops": F(0)})
        return Instance(tx, inst.params, engine="asp")
    monkeypatch.setattr(concretise, "instance", broken)
    with pytest.raises(EngineDisagreement):
        engine.valid(m, cmp("<=", inp("item.ops"), num(10 ** 26)))


# --------------------------------------------------------------------------- ground-once programs

def test_kept_determination_program_agrees_with_one_program_per_batch(monkeypatch):
    spec = diffusion_spec()
    m = ir.resolve(spec)
    txs = random_txs(spec, 60, seed=7) + boundary_txs(spec)
    kept = AspEngine()
    one_by_one = [kept.run(m, tx) for tx in txs]          # externals switched per transaction
    monkeypatch.setattr(asp_engine, "KEPT_RUN_MAX", 0)
    assert one_by_one == AspEngine().run_batch(m, txs) == evaluate.run_batch(m, txs)


def test_kept_search_program_answers_as_a_program_of_its_own():
    m = ir.resolve(conflict_spec())
    kept = Search(m, abstraction(m))
    claims = [ir.RuleFires("e"),
              cmp("==", inp("end_user.hq"), inp("destination")),       # a claim-only pair
              cmp("==", inp("activity"), lit("export", ir.Enum("Activity"))),
              ir.Not(ir.InGroup(inp("end_user.hq"), "D5", inp("date"))),
              ir.RuleApplies("e"),
              cmp("==", inp("end_user.hq"), inp("destination"))]      # asked again
    for expr in claims:
        for want in (True, False):
            got = kept.query(expr, want, 10.0)
            alone = Search(m, abstraction(m)).query(expr, want, 10.0)
            assert (got.best.symbols is None) == (alone.best.symbols is None), (expr, want)
            assert got.best.unsatisfiable == alone.best.unsatisfiable, (expr, want)
            assert got.best.cost == alone.best.cost, (expr, want)      # the same optimum
            found = AspEngine().satisfiable(m, expr) if want else AspEngine().valid(m, expr)
            if isinstance(found, Instance):
                assert bool(evaluate.eval_expr(m, found.transaction, expr)) is want
    assert kept.claims == len(set(claims))


# --------------------------------------------------------------------------- the typed layer

@pytest.mark.parametrize("module", [schema, program, polynomial])
def test_docstring_examples(module):
    assert doctest.testmod(module).failed == 0


def test_answer_sets_are_read_back_by_type():
    ctl = clingo.Control(["--warn=none"])
    ctl.add("base", [], render_program([Rule(Inp(0, 3, 1)), Rule(Tx(0)), Rule(Tx(1))]))
    ctl.ground([("base", [])])
    with ctl.solve(yield_=True) as handle:
        symbols = next(iter(handle)).symbols(atoms=True)
    assert set(schema.read(symbols, Tx)) == {Tx(0), Tx(1)}
    assert list(schema.read(symbols, Inp)) == [Inp(0, 3, 1)]
