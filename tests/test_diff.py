"""`earl diff` through click's CliRunner, on the toy spec in tests/specs/diff (made up: its
readings differ only in the small-shipment ceiling, 100 vs 200, and Iran joins WATCH on
2026-01-01) and, for equivalence, on the shipped spec."""
import datetime
import itertools
import json
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from earl.commands.diff import UsageProblem, command, parse_side
from earl.parser import load_spec
from earl.solver.diff.product import LEFT, RIGHT, Side
from earl.solver.diff.regions import diff
from earl.solver.eval import eval_expr, run
from earl.solver.transaction import complete

TOY = Path(__file__).parent / "specs" / "diff"


def invoke(*args, spec=TOY):
    return CliRunner().invoke(command, (["--spec", str(spec)] if spec else []) + list(args))


def test_readings_differ_in_exactly_one_region():
    r = invoke("--json", "--left", "reading=strict", "--right", "reading=lenient")
    assert r.exit_code == 1, r.output
    out = json.loads(r.output)
    assert out["equivalent"] is False and out["complete"] is True
    assert out["cross_check"] == "clingo agrees"
    [region] = out["regions"]
    assert region["condition"] == "item.power > 100 and item.power <= 200"
    assert region["fields"] == ["exceptions"]
    assert region["left"] == {"exceptions": {"lacks": ["SMALL"]}}
    assert region["right"] == {"exceptions": {"has": ["SMALL"]}}
    assert region["witness"] == {"item": {"power": 101}}
    assert region["decided_by"]["right"]["exceptions SMALL"][0]["cite"] == "Toy Reg. 2"


def test_dates_differ_where_a_country_joins_a_group():
    r = invoke("--left", "date=2025-06-01", "--right", "date=2026-06-01")
    assert r.exit_code == 1, r.output
    assert "1 region;" in r.output and "proved by z3; clingo agrees" in r.output
    assert "destination not in WATCH on 2025-06-01 and destination in WATCH on 2026-06-01" in r.output
    assert "license_required: false → true" in r.output
    assert 'witness: {"destination": "IR"}' in r.output
    assert "(destination: IR)" in r.output         # the countries the region's condition admits
    out = json.loads(invoke("--json", "--left", "date=2025-06-01", "--right", "date=2026-06-01").output)
    assert out["regions"][0]["countries"] == {"destination": ["IR"]}


def test_identical_sides_are_proved_equivalent():
    r = invoke("--json", "--left", "reading=lenient", "--right", "reading=lenient")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["equivalent"] is True and out["complete"] is True and out["regions"] == []
    # a parameter fixed to the value the other side's reading gives it: the same rule
    r = invoke("--left", "reading=lenient", "--right", "param=ceiling=200")
    assert r.exit_code == 0 and "Equivalent" in r.output, r.output


def test_identical_sides_of_the_shipped_spec_are_proved_equivalent():
    r = invoke("--left", "reading=regulation", "--right", "reading=regulation", spec=None)
    assert r.exit_code == 0, r.output
    assert "Equivalent" in r.output and "proved by z3; clingo agrees" in r.output


def test_regions_are_exact_against_the_evaluator():
    """Each region implies its change and every differing transaction lies in a region, on a
    grid through every threshold of the toy spec (evaluated, not solved)."""
    spec = load_spec(TOY)
    result = diff(Side(spec, "strict"), Side(spec, "lenient", params={"ceiling": Fraction(200)}))
    p = result.pair
    powers = [Fraction(x) for x in (0, 50, 100, Fraction(201, 2), 101, 150, 200, Fraction(401, 2), 300)]
    seen_region = 0
    for power, dest, gov in itertools.product(powers, ["FR", "KP", "IR"], [False, True]):
        tx = complete(spec, {"item.power": power, "destination": dest, "end_user.government": gov})
        left, right = run(p.left, tx).outcomes, run(p.right, tx).outcomes
        inside = [r for r in result.regions if eval_expr(p.product, tx, r.condition)]
        assert bool(inside) == (left != right), tx
        for r in inside:
            seen_region += 1
            for c in r.changes:
                assert (c.slot in left[c.field]) == c.left and (c.slot in right[c.field]) == c.right
    assert seen_region > 0


def test_no_new_fails_with_a_witness_and_no_less_holds():
    r = invoke("--json", "--left", "reading=strict", "--right", "reading=lenient",
               "--no-new", "exceptions")
    assert r.exit_code == 1, r.output
    [check] = json.loads(r.output)["checks"]
    assert check["result"] == "found" and check["witness"] == {"item": {"power": 101}}
    assert check["right"] == {"exceptions": {"has": ["SMALL"]}}
    r = invoke("--left", "reading=strict", "--right", "reading=lenient", "--no-less", "exceptions")
    assert r.exit_code == 0, r.output
    assert "--no-less exceptions: holds" in r.output
    # the other sides' change is no new exception: the check passes though the sides differ
    r = invoke("--left", "reading=lenient", "--right", "reading=strict", "--no-new", "exceptions=SMALL")
    assert r.exit_code == 0, r.output
    r = invoke("--left", "date=2025-06-01", "--right", "date=2026-06-01", "--no-less", "license_required")
    assert r.exit_code == 0, r.output
    r = invoke("--left", "date=2025-06-01", "--right", "date=2026-06-01", "--no-new", "license_required")
    assert r.exit_code == 1 and "FAILS" in r.output, r.output


def test_spec_from_a_git_revision(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    shutil.copytree(TOY, repo / "rules")
    git = lambda *a: subprocess.run(["git", *a], cwd=repo, check=True, capture_output=True)  # noqa: E731
    git("init", "-q")
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "add", ".")
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "toy")
    toy = repo / "rules" / "toy.earl"
    toy.write_text(toy.read_text().replace("param ceiling : number = 100", "param ceiling : number = 150"))
    monkeypatch.chdir(repo)
    r = invoke("--json", "--left", "spec=git:HEAD", "--right", f"spec={repo / 'rules'}",
               "--no-new", "exceptions", spec=repo / "rules")
    assert r.exit_code == 1, r.output
    out = json.loads(r.output)
    assert [x["condition"] for x in out["regions"]] == ["item.power > 100 and item.power <= 150"]
    assert out["left"].startswith("git:HEAD")
    r = invoke("--left", "spec=git:HEAD", "--right", "spec=git:HEAD", spec=repo / "rules")
    assert r.exit_code == 0, r.output
    r = invoke("--left", "spec=git:no-such-rev", spec=repo / "rules")
    assert r.exit_code == 2 and "git:no-such-rev" in r.output and "Traceback" not in r.output


@pytest.mark.parametrize("args, message", [
    (["--left", "reading"], "expected KEY=VALUE"),
    (["--left", "redaing=strict"], "did you mean reading?"),
    (["--left", "reading=nope"], "no reading named 'nope'"),
    (["--left", "date=2025-13-01"], "a date is YYYY-MM-DD"),
    (["--left", "date=1/2/2025"], "a date is YYYY-MM-DD"),
    (["--left", "param=ceilng=3"], "no such parameter"),
    (["--left", "param=ceiling=-1"], "param"),
    (["--left", "reading=strict", "--left", "reading=lenient"], "given twice"),
    (["--left", "spec=/no/such/folder"], "no such folder"),
    (["--no-new", "nothing"], "no outcome of that name"),
    (["--no-new", "license_required=true"], "takes no value"),
    (["--no-less", "exceptions=NOPE"], "not an element"),
])
def test_bad_keys_exit_2_with_a_clear_message(args, message):
    r = invoke(*args)
    assert r.exit_code == 2, r.output
    assert message in r.output and "Traceback" not in r.output


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(
    st.text(max_size=30),
    st.builds(lambda k, v: f"{k}={v}", st.sampled_from(["spec", "reading", "date", "param", "x", ""]),
              st.text(max_size=20)))))
def test_key_value_parser_answers_or_names_the_problem(items):
    try:
        keys = parse_side(items, "--left")
    except UsageProblem as e:
        assert str(e).startswith("--left")
        return
    assert all("=" in p for p in keys.params)
    assert keys.date is None or isinstance(keys.date, datetime.date)


def test_timeout_is_unknown_never_equivalent():
    r = invoke("--json", "--timeout", "0.000001", "--left", "reading=strict", "--right", "reading=strict")
    assert r.exit_code == 3, r.output
    out = json.loads(r.output)
    assert out["equivalent"] is False and out["unknown"] is True and out["complete"] is False
    r = invoke("--timeout", "0.000001", "--left", "reading=strict", "--right", "reading=lenient")
    assert r.exit_code == 3 and "Unknown" in r.output, r.output
    # a check that could not run is unknown too, never a pass
    r = invoke("--timeout", "0.000001", "--right", "reading=lenient", "--no-less", "exceptions")
    assert r.exit_code == 3 and "--no-less exceptions: unknown" in r.output, r.output


def test_witnesses_replay_on_each_side():
    spec = load_spec(TOY)
    result = diff(Side(spec, "strict"), Side(spec, "lenient"))
    for r in result.regions:
        tx = complete(spec, r.witness.transaction)
        assert run(result.pair.side(LEFT), tx).outcomes == r.left_outcomes
        assert run(result.pair.side(RIGHT), tx).outcomes == r.right_outcomes
        assert r.left_outcomes != r.right_outcomes


def test_specs_over_different_inputs_are_a_usage_error(tmp_path):
    other = tmp_path / "other"
    shutil.copytree(TOY, other)
    toy = other / "toy.earl"
    toy.write_text(toy.read_text().replace("input end_user.government : bool = false",
                                           "input end_user.government : bool = false\ninput extra : bool = false"))
    r = invoke("--right", f"spec={other}")
    assert r.exit_code == 2, r.output
    assert "declare different inputs (extra)" in r.output and "Traceback" not in r.output


def test_a_change_the_atoms_cannot_separate_falls_back_to_input_values():
    """`tier == item.declared` compares an outcome with an input: no atom of the spec says which
    value the input takes, so the region names it (and stays exact and complete)."""
    from earl.parser import load_spec_sources
    extra = '''
enum Tier { "watch", "other" }
input item.declared : Tier = "other"
outcome tier : Tier = "other"
outcome flagged : bool = false

rule tier_watch "Watched tier"
  cite "Toy Reg. 4"
  when destination in WATCH
  then tier = "watch"

rule flag "Declared tier matches"
  cite "Toy Reg. 5"
  only under lenient
  when tier == item.declared
  then flagged = true
'''
    spec = load_spec_sources({"toy.earl": (TOY / "toy.earl").read_text() + extra})
    result = diff(Side(spec, "strict", params={"ceiling": Fraction(200)}), Side(spec, "lenient"))
    assert result.complete and result.cross_check == "clingo agrees"
    from earl.solver.diff.render import render_condition
    conditions = sorted(render_condition(r.condition) for r in result.regions)
    # a watched destination is also where a licence is required (a field both sides share)
    assert conditions == ['license_required and item.declared == "watch"',
                          'not license_required and item.declared == "other"']
    p = result.pair
    for dest, declared in itertools.product(["FR", "KP"], ["watch", "other"]):
        tx = complete(spec, {"destination": dest, "item.declared": declared})
        inside = any(eval_expr(p.product, tx, r.condition) for r in result.regions)
        assert inside == (run(p.left, tx).outcomes != run(p.right, tx).outcomes)
    # cut short after one region: not complete, with a replayed differing transaction outside it
    cut = diff(Side(spec, "strict", params={"ceiling": Fraction(200)}), Side(spec, "lenient"),
               max_regions=1)
    assert not cut.complete and cut.equivalent is False and "--max-regions" in cut.reason
    tx = complete(spec, cut.uncovered.transaction)
    assert not eval_expr(p.product, tx, cut.regions[0].condition)
    assert run(p.left, tx).outcomes != run(p.right, tx).outcomes


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["--left", "--right", "--no-new", "--no-less"]),
                          st.one_of(st.sampled_from(["reading=strict", "reading=lenient", "date=2026-06-01",
                                                     "param=ceiling=150", "exceptions", "license_required",
                                                     "exceptions=SMALL", "spec=", "date=", "param=ceiling"]),
                                    st.text(max_size=12))), max_size=4))
def test_any_command_line_answers_without_a_traceback(options):
    r = invoke(*[x for pair in options for x in pair])
    assert r.exit_code in (0, 1, 2), r.output
    assert "Traceback" not in r.output and "internal error" not in r.output


def test_specs_whose_groups_differ_compare_each_sides_group(tmp_path):
    other = tmp_path / "other"
    shutil.copytree(TOY, other)
    toy = other / "toy.earl"
    toy.write_text(toy.read_text().replace('"IR" from 2026-01-01', '"IR" from 2026-01-01, "SY"'))
    r = invoke("--json", "--right", f"spec={other}")
    assert r.exit_code == 1, r.output
    out = json.loads(r.output)
    assert out["complete"] is True and out["cross_check"] == "clingo agrees"
    [region] = out["regions"]
    assert "WATCH (left)" in region["condition"] and "WATCH (right)" in region["condition"]
    assert region["witness"] == {"destination": "SY"}
    assert region["left"] == {"license_required": False} and region["right"] == {"license_required": True}
