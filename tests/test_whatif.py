"""`earl whatif`, `earl groups`, `earl ask --all-readings` and the reworded explanations, on the
shipped spec through click's CliRunner. Each expectation cites the rule text it follows from."""
import json

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from earl.commands.ask import command as ask
from earl.commands.groups import command as groups
from earl.commands.whatif import command as whatif

# an advanced IC (3A090.a: TPP 4800, 15 CFR 774 supp. 1) for a data center in China
CHINA = {"item": {"kind": "ic", "tpp": 4800, "performance_density": 6},
         "destination": "CN", "end_user": {"hq": "CN"}}


def run(command, *args, stdin=None):
    return CliRunner().invoke(command, list(args), input=stdin)


def tx_file(tmp_path, tx, name="tx.json"):
    path = tmp_path / name
    path.write_text(json.dumps(tx))
    return str(path)


def test_whatif_lpp_needs_destination_and_headquarters_out_of_d5(tmp_path):
    # 740.2(a)(9)(ii) bars LPP both for D:5 destinations and for entities headquartered in D:5
    # (or Macau): the nearest LPP transaction moves both; the ultimate parent, not given, follows hq
    r = run(whatif, "--json", tx_file(tmp_path, CHINA), '"LPP" in exceptions')
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["result"] == "found"
    moved = {c["field"]: c for c in out["changes"]}
    assert {f for f, c in moved.items() if "follows" not in c} == {"destination", "end_user.hq"}
    assert moved["end_user.ultimate_parent_hq"]["follows"] == "end_user.hq"
    assert moved["destination"]["old"] == "CN" and moved["destination"]["new"] != "CN"
    assert "LPP" in out["determination"]["exceptions"]
    assert out["transaction"]["item"]["tpp"] == 4800


def test_whatif_already_holding_changes_nothing(tmp_path):
    r = run(whatif, tx_file(tmp_path, CHINA), "license_required")
    assert r.exit_code == 0, r.output
    assert "already holds" in r.output


def test_whatif_impossible_condition_is_proved_with_provisions(tmp_path):
    # no exception reaches an entity headquartered in D:5 or Macau (740.2(a)(9)(ii), 740.28(c))
    r = run(whatif, tx_file(tmp_path, CHINA), "end_user.hq in D5_OR_MACAU and exceptions != {}")
    assert r.exit_code == 0, r.output
    assert "proved" in r.output and "15 CFR 740.2(a)(9)(ii)" in r.output
    r = run(whatif, "--json", tx_file(tmp_path, CHINA), "end_user.hq in D5_OR_MACAU and exceptions != {}")
    out = json.loads(r.output)
    assert out["result"] == "none" and out["proved"] is True
    assert any(x["rule"] == "lpp" for x in out["relies_on"])


@pytest.mark.parametrize("args, message", [
    (["bogus"], "undefined name"),
    (["license_required +"], "error"),
])
def test_whatif_bad_condition_is_a_usage_error(tmp_path, args, message):
    r = run(whatif, tx_file(tmp_path, CHINA), *args)
    assert r.exit_code == 2 and message in r.output and "Traceback" not in r.output


def test_whatif_unknown_fact_and_bad_field_name_their_path(tmp_path):
    r = run(whatif, tx_file(tmp_path, {**CHINA, "destination": None}), '"LPP" in exceptions')
    assert r.exit_code == 2 and "destination" in r.output
    r = run(whatif, tx_file(tmp_path, {"item": {"tpp": "lots"}}), "license_required")
    assert r.exit_code == 2 and "$.item.tpp" in r.output


def test_groups_cambodia_leaves_d5_on_7_november_2025():
    # the note to D:5: a removal from 22 CFR 126.1 changes D:5 at once; State removed Cambodia on
    # Nov. 7, 2025 (FACTS.md D5-hist; the CHOICE in country-groups.earl); it keeps D:1
    r = run(groups, "--json", "Cambodia")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["country"] == "KH"
    assert out["groups"]["D5"] == [{"from": None, "until": "2025-11-07"}]
    assert out["groups"]["D1"] == [{"from": None, "until": None}]
    r = run(groups, "--date", "2025-11-07", "KH")
    assert "D1" in r.output and "D5 " not in r.output
    r = run(groups, "--date", "2025-11-06", "--json")
    assert "KH" in json.loads(r.output)["groups"]["D5"]


@pytest.mark.parametrize("args, message", [
    (["Narnia"], "unknown country 'Narnia'"),
    (["--date", "2025-13-01", "KH"], "--date: not a valid date"),
    (["--date", "yesterday"], "expected a date written YYYY-MM-DD"),
])
def test_groups_bad_input_is_one_line(args, message):
    r = run(groups, *args)
    assert r.exit_code == 2 and message in r.output and "Traceback" not in r.output


def test_all_readings_flags_the_reading_dependent_outcome(tmp_path):
    # Armenia is in D:1 only: 740.2(a)(9)(ii) read literally bars LPP there; the reading
    # lpp_survives_d1_d4 (secondary sources) keeps it
    armenia = {**CHINA, "destination": "AM", "end_user": {"hq": "AM"}}
    r = run(ask, "--all-readings", "--json", tx_file(tmp_path, armenia))
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["reading_dependent"] == ["exceptions"]
    assert out["readings"]["regulation"]["exceptions"] == []
    assert out["readings"]["lpp_survives_d1_d4"]["exceptions"] == ["LPP"]
    assert out["readings"]["summary"]["reading"] == "summary"
    r = run(ask, "--all-readings", tx_file(tmp_path, armenia))
    assert r.output.startswith("depends on the reading: exceptions")
    assert "── reading lpp_survives_d1_d4:" in r.output


def test_repeated_reading_answers_under_each_or_names_the_unknown_one(tmp_path):
    path = tx_file(tmp_path, CHINA)
    r = run(ask, "--reading", "regulation", "--reading", "summary", "--json", path)
    assert r.exit_code == 0, r.output
    assert list(json.loads(r.output)["readings"]) == ["regulation", "summary"]
    r = run(ask, "--reading", "regulation", "--reading", "nope", path)
    assert r.exit_code == 2 and "no reading named 'nope'" in r.output


def test_text_answer_names_reading_and_defaults(tmp_path):
    r = run(ask, tx_file(tmp_path, CHINA))
    lines = r.output.splitlines()
    assert lines[1] == "reading: regulation"
    # the date was not given: 15 CFR 742.6 and the dated groups read it at its default
    assert lines[2].startswith("not given, so taken at their defaults: date = 2025-05-15")
    assert json.loads(run(ask, "--json", tx_file(tmp_path, CHINA)).output)["defaults_used"]["date"] == "2025-05-15"


def test_blocked_condition_cannot_be_read_backwards(tmp_path):
    # 748.15(b)(2)(i): UVEU data centers may be anywhere "except in Macau or destinations
    # specified in Country Group D:5" - a data center in China fails that condition
    uveu_in_china = {**CHINA, "end_user": {"hq": "GB", "veu": "uveu"}}
    r = run(ask, tx_file(tmp_path, uveu_in_china))
    line = next(x for x in r.output.splitlines() if "748.15(b)(2)(i)" in x and "not concluded" in x)
    assert "fails: the data center is outside Macau and D:5 — not so here (date = 2025-05-15, destination = CN)" in line
    assert "excluded because" not in r.output


@settings(max_examples=40, deadline=None)
@given(text=st.text(max_size=40))
def test_hostile_country_date_and_condition_text_is_a_usage_error_or_an_answer(text):
    for command, args in ((groups, [text]), (groups, ["--date", text]),
                          (whatif, ["-", text])):
        r = CliRunner().invoke(command, args, input="{}")
        assert r.exit_code in (0, 2, 3), (args, r.output)
        assert "Traceback" not in r.output and "internal error" not in r.output
