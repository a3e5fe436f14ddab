"""`earl ask` through click's CliRunner (on the toy spec tests/specs/ok, and the shipped spec)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from earl.commands.ask import command
from earl.solver import engines

OK = str(Path(__file__).parent / "specs" / "ok")
IRAN = {"item": {"power": 10}, "destination": "IR", "date": "2025-06-01"}
SMALL = {"item": {"power": "0.5", "quantity": 3}}


def ask(args, stdin=None):
    return CliRunner().invoke(command, args, input=stdin, catch_exceptions=False)


def test_single_transaction_human_output_has_verdict_and_cites():
    r = ask(["--spec", OK, "-"], json.dumps(IRAN))
    assert r.exit_code == 0, r.output
    first = r.stdout.splitlines()[0]
    assert first == "code: W1; license_required: true; exceptions: {}; tier: watch"
    assert "[Toy Reg. 4]" in r.stdout and "[Toy Reg. 1(a)]" in r.stdout
    assert "destination = IR" in r.stdout
    assert 'exceptions += "SMALL" not concluded — Small shipments' in r.stdout and "[Toy Reg. 5]" in r.stdout
    assert "Traceback" not in r.output


def test_json_contract():
    r = ask(["--spec", OK, "--json", "-"], json.dumps(SMALL))
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert set(out) >= {"outcomes", "reading", "explanation", "not_applicable", "conflicts"}
    assert out["outcomes"] == {"code": "W1", "license_required": False, "exceptions": ["SMALL"], "tier": "other"}
    assert out["reading"] == "statute"
    fired = {e["provision"]: e for e in out["explanation"]}
    assert set(fired) == {"classify_widget", "small"}
    assert fired["small"]["cite"] == "Toy Reg. 5"
    assert fired["small"]["facts"]["item.quantity"] == 3 and fired["small"]["facts"]["item.power"] == "0.5"
    why = {w["provision"]: w for w in out["not_applicable"]}
    assert why["license"]["label"] == "a watched destination" and why["license"]["cite"] == "Toy Reg. 4"
    assert out["conflicts"] == []


def test_json_lines_bad_line_in_the_middle(tmp_path):
    f = tmp_path / "txs.jsonl"
    f.write_text("\n".join([json.dumps(IRAN), '{"destinaton": "FR"}', "",
                            '{"item": {"power": -1}}', json.dumps(SMALL), "{not json"]) + "\n")
    r = ask(["--spec", OK, "--json", str(f)])
    assert r.exit_code == 2
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["line"] for x in lines] == [1, 5]
    assert lines[0]["outcomes"]["license_required"] is True
    assert lines[1]["outcomes"]["exceptions"] == ["SMALL"]
    err = r.stderr.splitlines()
    assert len(err) == 3
    assert err[0].startswith("earl ask: line 2: $.destinaton: unknown field") and "did you mean 'destination'" in err[0]
    assert err[1].startswith("earl ask: line 4: $.item.power:") and "at least 0" in err[1]
    assert err[2].startswith("earl ask: line 6: $: malformed JSON")


def test_pretty_printed_single_object_is_one_transaction():
    r = ask(["--spec", OK, "--json", "-"], json.dumps(IRAN, indent=2))
    assert r.exit_code == 0 and len(r.stdout.splitlines()) == 1


@pytest.mark.parametrize("tx, path, words", [
    ({"destination": "ZZ"}, "$.destination", "unknown country"),
    ({"item": {"kind": "gizmo"}}, "$.item.kind", "'widget', 'gadget', 'other'"),
    ({"item": {"quantity": 1.5}}, "$.item.quantity", "whole number"),
    ({"date": "yesterday"}, "$.date", "YYYY-MM-DD"),
    ([1], "$", "object"),
])
def test_errors_exit_2_with_json_path(tx, path, words):
    r = ask(["--spec", OK, "-"], json.dumps(tx))
    assert r.exit_code == 2
    assert r.stdout == ""
    assert f"{path}:" in r.stderr and words in r.stderr and "Traceback" not in r.stderr


def test_params_and_readings():
    tx = json.dumps({"item": {"power": 1}})
    # statute: ceiling 1,000 -> SMALL; with the ceiling at 0.5 it is not small
    assert json.loads(ask(["--spec", OK, "--json", "-"], tx).stdout)["outcomes"]["exceptions"] == ["SMALL"]
    r = ask(["--spec", OK, "--json", "--param", "small_ceiling=0.5", "-"], tx)
    assert json.loads(r.stdout)["outcomes"]["exceptions"] == []
    r = ask(["--spec", OK, "--json", "--param", "small_ceiling=1", "-"], tx)
    assert json.loads(r.stdout)["outcomes"]["exceptions"] == ["SMALL"]     # exact: 1 <= 1
    r = ask(["--spec", OK, "--json", "--reading", "guidance", "-"], tx)
    out = json.loads(r.stdout)
    assert out["reading"] == "guidance" and out["outcomes"]["exceptions"] == []   # `small` is statute-only


@pytest.mark.parametrize("args, words", [
    (["--reading", "nope"], "no reading named 'nope'"),
    (["--param", "small_ceilng=3"], "did you mean small_ceiling"),
    (["--param", "small_ceiling=-3"], "at least 0"),
    (["--param", "small_ceiling=lots"], "number"),
    (["--param", "small_ceiling"], "NAME=VALUE"),
])
def test_bad_usage_exit_2(args, words):
    r = ask(["--spec", OK, *args, "-"], "{}")
    assert r.exit_code == 2 and words in r.stderr and "Traceback" not in r.output


def test_unknown_facts_settled_and_unsettled():
    r = ask(["--spec", OK, "--json", "-"], json.dumps({"destination": None, "item": {"power": 10}}))
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["unknown_facts"] == ["destination"]
    assert out["settled"]["code"] == "W1"
    assert out["unsettled"]["tier"]["depends_on"] == ["destination"]
    r = ask(["--spec", OK, "-"], json.dumps({"destination": None, "item": {"power": 10}}))
    assert "settled whatever the unknown facts are: code: W1" in r.stdout
    assert "unsettled: tier turns on destination" in r.stdout


def test_every_engine_gives_the_same_json(engine_name):
    lines = "\n".join(json.dumps(t) for t in (IRAN, SMALL))
    ref = ask(["--spec", OK, "--json", "-"], lines)
    got = ask(["--spec", OK, "--json", "--engine", engine_name, "-"], lines)
    assert got.exit_code == 0 and got.stdout == ref.stdout


def test_an_engine_that_cannot_load_is_a_usage_error(monkeypatch):
    def missing_solver():
        raise ImportError("No module named 'clingo'")
    monkeypatch.setitem(engines.ENGINES, "asp", missing_solver)
    r = ask(["--spec", OK, "--engine", "asp", "-"], json.dumps(SMALL))
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert "engine 'asp' is not available (No module named 'clingo')" in r.stderr


def test_shipped_spec_cites_the_regulation():
    r = ask(["--json", "-"], json.dumps({"item": {"kind": "ic", "tpp": 4800}, "destination": "CN"}))
    assert r.exit_code in (0, 1), r.output
    out = json.loads(r.stdout)
    assert out["explanation"] and all("CFR" in e["cite"] or e["cite"] for e in out["explanation"])
    assert any("CFR" in e["cite"] for e in out["explanation"])
