"""earl generate: coverage goals, minimality, the pytest module it writes, and --check."""
from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from earl.commands.generate import command
from earl.parser import load_spec
from earl.present import testset
from earl.solver import eval as evaluate
from earl.solver import coverage, mutation
from earl.solver.asp.program import cover
from earl.solver.generate import generate
from earl.solver.transaction import complete

TOY = Path(__file__).parent / "specs" / "ok"


@pytest.fixture(scope="module")
def toy():
    spec = load_spec(str(TOY))
    model = coverage.fixed_model(spec)
    return spec, model, generate(model, timeout=10, step_timeout=1)


def test_every_goal_is_met_proved_infeasible_or_unknown(toy):
    _spec, _model, g = toy
    assert set(g.status) == {x.id for x in g.goals}
    c = g.counts()
    assert c["met"] + c["infeasible"] + c["unknown"] == c["total"] == len(g.goals)
    assert g.pool_optimal and g.pool_size >= g.size


def test_goals_are_derived_from_the_spec(toy):
    _spec, model, g = toy
    ids = {x.id for x in g.goals}
    # every value of every outcome, every rule, MC/DC per condition, every boundary mutant
    assert {"outcome:code=none", "outcome:code=W1", "outcome:exceptions+SMALL",
            "outcome:exceptions-SMALL", "outcome:license_required=true"} <= ids
    assert {f"fires:{r}" for r in model.rules} <= ids
    assert {"mcdc:license:0", "mcdc:license:1", "mcdc:license:2", "applies:license"} <= ids
    assert {"threshold:is_small:<= -> <", "threshold:small_ceiling:1,000 -> 999",
            "threshold:small_ceiling:1,000 -> 1,001", "threshold:power_threshold:0.25 -> 0.24",
            "threshold:power_threshold:0.25 -> 0.26", "threshold:powerful:> -> >=",
            "threshold:WATCH:DE from 2030-01-01 -> 2029-12-31"} <= ids
    # `under guidance` bodies and values are not boundaries of the statute reading
    assert not any("guidance" in i for i in ids)
    assert mutation.step_of(Fraction(148, 25), False) == Fraction(1, 100)


def test_infeasible_goals_are_proved_and_the_rest_met(toy):
    _spec, model, g = toy
    # no rule concludes EAR99 or friendly; `max(power_threshold, 0.1, 1e-1)` is 0.25 whatever
    # 0.1 becomes; GB, XK and FR are in no WATCH, so neither their FRIENDS dates nor their
    # removal from FRIENDS ever changes NOT_FRIENDS (the only reader of FRIENDS)
    assert {k for k, v in g.status.items() if v == "infeasible"} == {
        "outcome:code=EAR99", "outcome:tier=friendly",
        "threshold:powerful:0.1 -> 0", "threshold:powerful:0.1 -> 0.2",
        "threshold:powerful:0.1 -> 0'", "threshold:powerful:0.1 -> 0.2'",
        "threshold:FRIENDS:GB until 2020-02-01 -> 2020-01-31",
        "threshold:FRIENDS:GB until 2020-02-01 -> 2020-02-02",
        "threshold:FRIENDS:XK from 2024-01-01 -> 2023-12-31",
        "threshold:FRIENDS:XK from 2024-01-01 -> 2024-01-02",
        "mutant:FRIENDS:removed GB", "mutant:FRIENDS:removed XK", "mutant:FRIENDS:removed FR"}
    assert all(v in ("met", "infeasible") for v in g.status.values())
    # independent re-check with the reference evaluator
    met = set()
    for tx in g.transactions:
        met |= set(coverage.met_goals(model, tx, g.goals))
    assert met == {k for k, v in g.status.items() if v == "met"}


def test_minimal_set_on_the_toy(toy):
    _spec, _model, g = toy
    # rule `license` applying, and each of its three conditions failing alone: no transaction
    # meets two of these, so 4 is a lower bound
    assert g.clique == ["applies:license", "mcdc:license:0", "mcdc:license:1", "mcdc:license:2"]
    # the cover is optimal over the candidates z3 grew, and which candidates those are varies
    # from run to run (8 to 10 seen): only the bounds are fixed
    assert g.lower_bound == 4 and g.lower_bound <= g.size <= g.greedy_size


def test_boundaries_are_met_where_they_decide_an_outcome(toy):
    """`is_small: total_power <= small_ceiling` grants SMALL (Toy Reg. 5) unless the destination
    is KP or the headquarters watched: the boundary goals sit at total power 1,000 (against `<`
    and a ceiling of 999) and 1,001 (against 1,001), with SMALL otherwise available."""
    spec, model, g = toy
    at = {gid: tx for tx, met in zip(g.transactions, g.met) for gid in met}
    for gid, total, small in (("threshold:is_small:<= -> <", 1000, True),
                              ("threshold:small_ceiling:1,000 -> 999", 1000, True),
                              ("threshold:small_ceiling:1,000 -> 1,001", 1001, False)):
        tx = at[gid]
        assert tx["item.power"] * tx["item.quantity"] == total, gid
        assert tx["destination"] != "KP" and tx["end_user.hq"] not in {"KP", "IR"}, gid
        assert ("SMALL" in evaluate.run(model, tx).outcomes["exceptions"]) is small, gid


def test_the_set_kills_every_mutant_it_can_tell_apart(toy):
    """The set's own mutation score (`earl mutate --testset`) is 100 %: one goal per mutant of
    every operator (a member removed from WATCH, a condition dropped, a rule removed ...), and
    a mutant whose goal is proved infeasible is one z3 proves equivalent under the reading."""
    from earl.solver import mutate
    spec, _model, g = toy
    score = mutate.run(spec, testset=(g.model.reading, testset.cases(g)))
    assert score.survived == 0 and score.score == 1.0, score.survivors()
    kinds = {x.id: x.kind for x in g.goals}
    met = [k for k, v in g.status.items() if kinds[k] in ("threshold", "mutant") and v == "met"]
    assert score.killed == len(met)
    assert {"mutant:WATCH:removed KP", "mutant:WATCH:removed IR",
            "mutant:FRIENDS:removed DE"} <= set(met)


def test_each_transaction_is_one_minimal(toy):
    spec, model, g = toy
    done: set[str] = set()
    for tx, given, met in zip(g.transactions, g.given, g.met):
        own = [x for x in g.goals if x.id in met and x.id not in done]
        assert own
        assert complete(spec, given) == tx
        for path in given:
            trial = complete(spec, {p: v for p, v in given.items() if p != path})
            assert len(coverage.met_goals(model, trial, own)) < len(own), path
        done |= set(met)


def test_without_growth_or_bound_the_set_still_covers(toy):
    _spec, model, g = toy
    h = generate(model, timeout=5, step_timeout=1, grow=False, bound=False)
    assert h.status == g.status
    assert h.lower_bound == 1 and not h.clique
    met = set().union(*map(set, h.met))
    assert met == {k for k, v in h.status.items() if v == "met"}


def test_minimal_covering_beats_greedy_on_a_tiny_spec(tmp_path):
    shutil.copy(TOY / "domains.earl", tmp_path / "domains.earl")
    (tmp_path / "rules.earl").write_text(
        'outcome tier : Tier = "other"\n'
        'rule a "A"\n  cite "x"\n  when end_user.government "gov"\n   and item.kind == "widget" "w"\n'
        '  then tier = "watch"\n')
    spec = load_spec(str(tmp_path))
    model = coverage.fixed_model(spec)
    g = generate(model, timeout=10, step_timeout=1)
    # goals: tier watch/other (friendly infeasible), fires a, applies a, mcdc a:0, a:1 plus the
    # date thresholds of the groups (none read by rules here). Optimum: {apply, gov false,
    # kind not widget} = 3 transactions.
    assert g.size == 3 and g.optimal and g.lower_bound == 3
    assert g.status["outcome:tier=friendly"] == "infeasible"


def _reference_module(tmp_path: Path) -> None:
    (tmp_path / "refdet.py").write_text(f'''
from earl.parser import load_spec
from earl.solver import eval as evaluate
from earl.solver.coverage import fixed_model
from earl.solver.explain import determine as _det
from earl.solver.transaction import complete, parse_json
SPEC = load_spec({str(TOY)!r})
MODEL = fixed_model(SPEC)
def determine(tx):
    t = complete(SPEC, parse_json(SPEC, tx))
    return _det(MODEL, t, evaluate.run(MODEL, t)).to_json()["outcomes"]
def broken(tx):
    out = determine(tx)
    if out.get("license_required"):
        out["license_required"] = False
    return out
''')


def test_generated_pytest_module(toy, tmp_path):
    """One pytest run of the written module three times: against the reference (passes), against
    a broken implementation (fails exactly on the cases where a licence is required), and against
    it again comparing only the outcomes it is said to produce (OUTCOMES: passes)."""
    _spec, _model, g = toy
    testset.write(g, str(tmp_path), "pytest")
    text = (tmp_path / testset.FILES["pytest"]).read_text()
    (tmp_path / testset.FILES["pytest"]).unlink()
    for name, fn in (("ok", "determine"), ("broken", "broken"), ("unchecked", "broken")):
        module = text.replace('DETERMINE = os.environ.get("EARL_DETERMINE", "")',
                              f'DETERMINE = "refdet:{fn}"')
        if name == "unchecked":     # a system that does not decide licences is not asked about them
            module = module.replace("OUTCOMES = [", 'OUTCOMES = ["code", "tier"] or [', 1)
        (tmp_path / f"test_{name}.py").write_text(module)
    _reference_module(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(tmp_path) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("EARL_DETERMINE", None)
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rf",
                        str(tmp_path)], cwd=tmp_path, env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 1, r.stdout + r.stderr
    failed = [line for line in r.stdout.splitlines() if line.startswith("FAILED")]
    licensed = [c["id"] for c in testset.cases(g) if c["expected"].get("license_required")]
    assert licensed and len(failed) == len(licensed)
    assert all("test_broken.py" in line for line in failed)
    assert "license_required" in r.stdout
    assert f"{len(g.transactions) * 3 - len(licensed)} passed" in r.stdout


def test_formats_and_check_detects_a_spec_change(toy, tmp_path):
    _spec, _model, g = toy
    for fmt in ("json", "jsonl", "csv"):
        paths = testset.write(g, str(tmp_path / fmt), fmt)
        assert all(os.path.getsize(p) > 0 for p in paths)
    assert (tmp_path / "csv" / "testset.csv").read_text().startswith("id,date,destination")
    spec_copy = tmp_path / "spec"
    shutil.copytree(TOY, spec_copy)
    runner = CliRunner()
    for fmt in ("json", "jsonl"):
        r = runner.invoke(command, ["--spec", str(spec_copy), "--check", str(tmp_path / fmt)])
        assert r.exit_code == 0, r.output
        assert "no expectation changed" in r.output
    rules = spec_copy / "rules.earl"
    rules.write_text(rules.read_text().replace('then tier = "watch"', 'then tier = "friendly"'))
    r = runner.invoke(command, ["--spec", str(spec_copy), "--check", str(tmp_path / "json")])
    assert r.exit_code == 1, r.output
    assert 'tier: "watch" -> "friendly"' in r.output


def test_check_of_a_folder_without_a_set(tmp_path):
    r = CliRunner().invoke(command, ["--spec", str(TOY), "--check", str(tmp_path)])
    assert r.exit_code == 2 and "no testset.json" in r.output


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.frozensets(st.integers(0, 7), min_size=1, max_size=4),
                          st.integers(0, 5)), min_size=1, max_size=7))
def test_the_set_cover_is_optimal(candidates):
    """generate's exact cover (clingo): fewest candidates meeting every needed goal, then the
    least total weight — checked against every subset."""
    sets = [s for s, _w in candidates]
    weights = [w for _s, w in candidates]
    need = set().union(*sets)
    chosen, optimal = cover(sets, need, weights, 10.0)
    assert optimal and set().union(*(sets[c] for c in chosen)) >= need
    best = min((len(sub), sum(weights[c] for c in sub))
               for k in range(1, len(sets) + 1) for sub in itertools.combinations(range(len(sets)), k)
               if set().union(*(sets[c] for c in sub)) >= need)
    assert (len(chosen), sum(weights[c] for c in chosen)) == best
