"""`earl mutate`: the mutation operators, the verdicts and the score, on small specs.

tests/specs/mutants is built so its mutants can be counted by hand (see the file's comment).
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from earl.cli import main
from earl.parser import load_spec
from earl import ir
from earl.solver import mutate, mutation
from earl.solver.eval import run as run_model
from earl.solver.explain import determine
from earl.solver.transaction import complete, parse_json

SPECS = Path(__file__).parent / "specs"
TOY = SPECS / "mutants"
OK = SPECS / "ok"


@pytest.fixture(scope="module")
def toy():
    return load_spec(TOY)


@pytest.fixture(scope="module")
def toy_score(toy):
    return mutate.run(toy)


def _texts(score, status):
    return sorted(f"{m.mutation.owner}: {m.mutation.text}"
                  for m, v in zip(score.mutants, score.verdicts) if v.status == status)


def test_every_operator_applies_once_per_site(toy):
    kinds = Counter(m.mutation.operator for m in mutation.mutants(toy))
    # 3 conditions: each dropped and negated; `in BANNED` negated is the negated condition, so
    # no separate membership mutant; two `>` and two thresholds (each up and down)
    assert kinds == {"drop condition": 3, "negate condition": 3, "boundary": 2, "threshold": 4,
                     "remove rule": 2, "change conclusion": 2, "remove member": 2, "move date": 2}


def test_the_toy_score_is_what_the_examples_pin(toy_score):
    s = toy_score
    assert (s.total, s.killed, s.survived, s.equivalent) == (20, 13, 3, 4)
    assert s.score == pytest.approx(13 / 16)
    # `power > 50` is implied by `power > 100`: dropping it or moving it is no change at all
    assert _texts(s, "equivalent") == [
        "powerful: 50 -> 49 in: power above 50", "powerful: 50 -> 51 in: power above 50",
        "powerful: > -> >= in: power above 50", "powerful: dropped: power above 50"]
    # no example sends anything to Iran
    assert _texts(s, "survived") == ["BANNED: IR from 2024-01-01 -> 2023-12-31",
                                     "BANNED: IR from 2024-01-01 -> 2024-01-02",
                                     "BANNED: removed IR"]


def test_a_survivor_names_a_transaction_that_tells_it_apart(toy, toy_score):
    row = next(r for r in toy_score.survivors() if r["mutation"] == "removed IR")
    assert row["file"].endswith("toy.earl") and row["line"] == 10 and row["rule"] == "BANNED"
    tx = json.loads(row["detail"].split(" on ", 1)[1])
    assert tx["destination"] == "IR"


def test_a_killer_is_named(toy_score):
    verdicts = {m.mutation.text: v for m, v in zip(toy_score.mutants, toy_score.verdicts)}
    assert verdicts["100 -> 99 in: power above 100"].detail.startswith("example power_100")


def _case(spec, cid, given):
    tx = complete(spec, parse_json(spec, given))
    model = ir.resolve(spec)
    return {"id": cid, "transaction": given,
            "expected": determine(model, tx, run_model(model, tx)).to_json()["outcomes"]}


def test_a_test_set_kills_what_its_cases_observe(toy):
    cases = [_case(toy, "iran", {"destination": "IR"}),
             _case(toy, "iran_first_day", {"destination": "IR", "date": "2024-01-01"})]
    s = mutate.run(toy, testset=("main", cases))
    assert s.against == "a test set of 2 cases"
    survived = {m.mutation.text for m, v in zip(s.mutants, s.verdicts) if v.status == "survived"}
    assert "removed IR" not in survived and "IR from 2024-01-01 -> 2024-01-02" not in survived
    # the day before membership began is no case of the set
    assert "IR from 2024-01-01 -> 2023-12-31" in survived
    assert "removed KP" in survived


def test_cli_refuses_a_test_set_the_spec_no_longer_matches(tmp_path):
    """A stored expectation the spec itself no longer derives would count every mutant as
    killed (a vacuous 100 %): the set must be regenerated first."""
    spec = load_spec(TOY)
    case = _case(spec, "iran", {"destination": "IR"})
    case["expected"]["license_required"] = False
    (tmp_path / "testset.json").write_text(json.dumps(
        {"format": "earl-testset/1", "reading": "main", "transactions": [case]}), encoding="utf-8")
    r = CliRunner().invoke(main, ["mutate", str(TOY), "--testset", str(tmp_path)])
    assert r.exit_code == 2 and "no longer matches the spec: 1 expectation(s) changed" in r.output
    case["expected"]["license_required"] = True
    (tmp_path / "testset.json").write_text(json.dumps(
        {"format": "earl-testset/1", "reading": "main", "transactions": [case]}), encoding="utf-8")
    r = CliRunner().invoke(main, ["mutate", str(TOY), "--testset", str(tmp_path)])
    assert r.exit_code == 0 and "a test set of 1 cases" in r.output, r.output


def test_parallel_jobs_give_the_same_verdicts(toy, toy_score):
    assert mutate.run(toy, jobs=2).verdicts == toy_score.verdicts


def test_cli_json_has_the_documented_fields():
    r = CliRunner().invoke(main, ["mutate", str(TOY), "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert {"total", "killed", "survived", "equivalent", "score", "survivors"} <= set(doc)
    assert (doc["total"], doc["killed"], doc["survived"], doc["equivalent"]) == (20, 13, 3, 4)
    assert {"file", "line", "rule", "mutation"} <= set(doc["survivors"][0])


def test_cli_text_lists_survivors_at_file_and_line():
    r = CliRunner().invoke(main, ["mutate", str(TOY)])
    assert r.exit_code == 0, r.output
    assert "score: 13/16 = 81.2 %" in r.output
    assert "toy.earl:10: BANNED: remove member: removed IR" in r.output


def test_cli_refuses_an_unknown_reading_and_a_non_testset(tmp_path):
    r = CliRunner().invoke(main, ["mutate", str(TOY), "--reading", "nope"])
    assert r.exit_code == 2 and "no reading named 'nope'" in r.output
    r = CliRunner().invoke(main, ["mutate", str(TOY), "--testset", str(tmp_path)])
    assert r.exit_code == 2 and "testset.json" in r.output and "Traceback" not in r.output


OK_MUTANTS = mutation.mutants(load_spec(OK))


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(OK_MUTANTS))
def test_every_mutant_changes_one_declaration_and_still_runs(mutant):
    original = load_spec(OK)
    changed = [kind for kind in ("rules", "defs", "params", "groups")
               if getattr(mutant.spec, kind) != getattr(original, kind)]
    assert len(changed) == 1
    for reading in original.readings:
        model = ir.resolve(mutant.spec, reading)
        for ex in original.examples.values():
            run_model(model, complete(mutant.spec, ex.given))


def test_a_difference_before_the_spec_is_in_force_is_no_difference(tmp_path):
    """Iran joins BANNED on 2024-01-01; with the toy in force from 2024-06-01, moving that date
    by a day changes no outcome the spec determines (before in force earl determines none), so
    those mutants are equivalent, as z3 proves over the in-force dates — even though an example
    dated before the spec applies (pinning another outcome) would show a difference."""
    text = (TOY / "toy.earl").read_text(encoding="utf-8")
    (tmp_path / "toy.earl").write_text(
        text.replace("countries iso3166\n", "countries iso3166\nin_force from 2024-06-01\n")
        + 'outcome banned_destination : bool = false\n'
          'rule flag_banned "Banned destinations are flagged"\n  cite "Toy Reg. 2"\n'
          '  when destination in BANNED "a banned destination"\n  then banned_destination = true\n'
          'example early_power "Power 101 to Iran, before the toy applies" cite "Toy Reg. 3"\n'
          '  given date = 2024-01-01, destination = "IR", item.power = 101\n'
          '  expect license_required = true\n', encoding="utf-8")
    s = mutate.run(load_spec(tmp_path))
    assert {"BANNED: IR from 2024-01-01 -> 2023-12-31",
            "BANNED: IR from 2024-01-01 -> 2024-01-02"} <= set(_texts(s, "equivalent"))
    assert "BANNED: removed IR" in _texts(s, "survived")
