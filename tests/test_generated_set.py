"""The shipped generated test set (tests/generated, written by `earl generate --out tests/generated
--format json --format pytest`): its expectations still match the spec (`--check`), and its
coverage report is re-derived independently with the reference evaluator."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from earl.commands.generate import command
from earl.parser import load_spec
from earl.present.testset import REPORT
from earl.solver import coverage, mutation, testset
from earl.solver.smt import SmtEngine, prove
from earl.ir import Num
from earl.solver.results import Proof
from earl.solver.transaction import complete, parse_json

GENERATED = Path(__file__).parent / "generated"


@pytest.fixture(scope="module")
def stored():
    spec = load_spec(None)
    head, cases = testset.load(str(GENERATED))
    report = json.loads((GENERATED / REPORT).read_text(encoding="utf-8"))
    model = coverage.fixed_model(spec, head["reading"])
    txs = [complete(spec, parse_json(spec, c["transaction"])) for c in cases]
    return spec, model, head, cases, report, txs


def test_expectations_still_match_the_spec(stored):
    spec, _model, _head, cases, _report, _txs = stored
    reading, n, changes = testset.check(spec, str(GENERATED))
    assert n == len(cases) > 0
    assert changes == [], changes[:5]
    r = CliRunner().invoke(command, ["--check", str(GENERATED)])
    assert r.exit_code == 0 and "no expectation changed" in r.output, r.output


def test_coverage_report_rechecked_by_the_evaluator(stored):
    _spec, model, _head, cases, report, txs = stored
    goals = coverage.goals(model)
    # the report lists exactly the goals the spec has now
    assert [g["id"] for g in report["goals"]] == [g.id for g in goals]
    met_by: dict[str, set[str]] = {}
    for c, tx in zip(cases, txs):
        met = coverage.met_goals(model, tx, goals)
        assert sorted(met) == sorted(c["goals"]), c["id"]
        for gid in met:
            met_by.setdefault(gid, set()).add(c["id"])
    status = {g["id"]: g["status"] for g in report["goals"]}
    claimed = {gid for gid, s in status.items() if s == "met"}
    assert claimed == set(met_by)
    for g in report["goals"]:
        assert set(g["met_by"]) == met_by.get(g["id"], set()), g["id"]
    summary = report["summary"]
    assert summary["goals"]["met"] == len(claimed)
    assert summary["goals"]["total"] == len(goals)
    assert summary["size"] == len(cases)
    assert summary["goals"]["unknown"] == 0


def test_infeasible_goals_are_proved_by_the_proof_primitive(stored):
    _spec, model, _head, _cases, report, _txs = stored
    by_id = {g.id: g for g in coverage.goals(model)}
    infeasible = [g["id"] for g in report["goals"] if g["status"] == "infeasible"]
    assert len(infeasible) == report["summary"]["goals"]["infeasible"]
    outcomes = [model.spec.outcome_ref(o) for o in model.outcomes]
    for gid in infeasible:
        g = by_id[gid]
        if g.contrast is None:
            assert isinstance(prove.satisfiable(model, g.expr, minimize=False), Proof), gid
        else:   # a boundary no outcome observes: the mutant is proved equivalent
            assert isinstance(prove.equivalent_models(g.contrast, model, outcomes, minimize=False), Proof), gid


def test_numbers_are_json_numbers(stored):
    """A screening function reads 3.2 as a number, not the string "3.2"."""
    spec, _model, _head, cases, _report, _txs = stored
    numeric = [p for p, d in spec.inputs.items() if isinstance(d.type, Num)]
    seen = 0
    for c in cases:
        for path in numeric:
            node = c["transaction"]
            for part in path.split("."):
                node = node[part]
            assert isinstance(node, (int, float)) and not isinstance(node, bool), (c["id"], path, node)
            seen += isinstance(node, float)
    assert seen, "no decimal in the set: the check above saw only integers"


def test_every_mutant_is_killed_by_the_set(stored):
    """The set's own mutation score: every mutant of every operator (thresholds by one unit,
    `<`/`<=`, `==`/`!=`, membership dates by a day, group members removed, conditions dropped
    and negated, rules removed ...) that changes an outcome under the set's reading is caught by
    some case; the rest are proved equivalent under the reading (infeasible goals)."""
    spec, _model, head, cases, report, _txs = stored
    by_id = {g.id: g for g in coverage.goals(coverage.fixed_model(spec, head["reading"]))}
    observable = {gid for gid, g in by_id.items() if g.kind in ("threshold", "mutant")}
    status = {g["id"]: g["status"] for g in report["goals"]}
    assert {gid for gid in observable if status[gid] != "met"} == \
        {gid for gid in observable if status[gid] == "infeasible"}
    killed = sum(1 for m in mutation.mutants(spec) if testset.changes(m.spec, head["reading"], cases))
    assert killed == sum(1 for gid in observable if status[gid] == "met")
    assert killed >= 500


def test_lower_bound_and_disjoint_goals(stored):
    _spec, model, _head, cases, report, txs = stored
    summary = report["summary"]
    clique = summary["disjoint_goals"]
    assert summary["lower_bound"] == len(clique) <= summary["size"] <= summary["greedy_size"]
    assert summary["optimal"] == (summary["lower_bound"] == summary["size"])
    by_id = {g.id: g for g in coverage.goals(model)}
    gs = [by_id[x] for x in clique]
    # each is met, and no stored transaction meets two of them
    for tx in txs:
        assert len(coverage.met_goals(model, tx, gs)) <= 1
    # a sample of the pairs is proved disjoint again by the proof primitive
    for a, b in list(zip(gs, gs[1:]))[:4] + [(gs[0], gs[-1])]:
        assert isinstance(SmtEngine().disjoint(model, a.expr, b.expr, minimize=False), Proof), (a.id, b.id)


def test_each_transaction_is_one_minimal(stored):
    spec, model, _head, cases, report, txs = stored
    goals = coverage.goals(model)
    first: dict[str, int] = {}
    for n, c in enumerate(cases):
        for gid in c["goals"]:
            first.setdefault(gid, n)
    for n, c in enumerate(cases):
        own = [g for g in goals if first.get(g.id) == n]
        assert own, f"{c['id']} is the first to meet no goal: redundant"
        given = parse_json(spec, c["given"])
        assert complete(spec, given) == txs[n]
        for path in given:
            trial = complete(spec, {p: v for p, v in given.items() if p != path})
            assert len(coverage.met_goals(model, trial, own)) < len(own), (c["id"], path)
