"""earl generate: coverage goals, minimality, the pytest module it writes, and --check."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from earl.commands.generate import command
from earl.parser import load_spec
from earl.solver import coverage, testset
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
    # every value of every outcome, every rule, MC/DC per condition, thresholds with steps
    assert {"outcome:code=none", "outcome:code=W1", "outcome:exceptions+SMALL",
            "outcome:exceptions-SMALL", "outcome:license_required=true"} <= ids
    assert {f"fires:{r}" for r in model.rules} <= ids
    assert {"mcdc:license:0", "mcdc:license:1", "mcdc:license:2", "applies:license"} <= ids
    assert {"threshold:item.power=0.25", "threshold:item.power=0.24", "threshold:item.power=0.26",
            "threshold:item.power*item.quantity=999", "threshold:date=2030-01-01"} <= ids
    assert coverage.step_of(coverage.Fraction(148, 25), False) == coverage.Fraction(1, 100)


def test_infeasible_goals_are_proved_and_the_rest_met(toy):
    _spec, model, g = toy
    assert {k for k, v in g.status.items() if v == "infeasible"} == {
        "outcome:code=EAR99", "outcome:tier=friendly"}
    assert all(v in ("met", "infeasible") for v in g.status.values())
    # independent re-check with the reference evaluator
    met = set()
    for tx in g.transactions:
        met |= set(coverage.met_goals(model, tx, g.goals))
    assert met == {k for k, v in g.status.items() if v == "met"}


def test_minimal_set_on_the_toy(toy):
    _spec, _model, g = toy
    # nine date points on one form: no transaction can hit two, so 9 is a lower bound; reached
    assert g.size == 9 and g.lower_bound == 9 and g.optimal
    assert g.greedy_size >= g.size
    assert len(g.clique) == 9 and all(x.startswith("threshold:date=") for x in g.clique)


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
from earl.solver import evaluate
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
    """One pytest run of the written module twice: against the reference (passes) and against a
    broken implementation (fails exactly on the cases where a licence is required)."""
    _spec, _model, g = toy
    testset.write(g, str(tmp_path), "pytest")
    text = (tmp_path / testset.FILES["pytest"]).read_text()
    (tmp_path / testset.FILES["pytest"]).unlink()
    for name, fn in (("ok", "determine"), ("broken", "broken")):
        (tmp_path / f"test_{name}.py").write_text(
            text.replace('DETERMINE = os.environ.get("EARL_DETERMINE", "")',
                         f'DETERMINE = "refdet:{fn}"'))
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
    assert f"{len(g.transactions) * 2 - len(licensed)} passed" in r.stdout


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
