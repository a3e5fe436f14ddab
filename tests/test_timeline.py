"""The rule through time and the provenance of its text, through the public interfaces: `earl
ask` (in_force, source, notices), `earl find` and `verify` (proofs over in-force dates only), and
the shipped spec's dated provisions (91 FR 1684, non-enforcement, the storage compliance date)."""
from __future__ import annotations

import datetime
import json

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from earl.commands.ask import command as ask_command
from earl.commands.find import command as find_command
from earl.commands.verify import command as verify_command

GPUS_TO_FRANCE = {"item": {"kind": "ic", "tpp": 4800, "quantity": 1000}, "destination": "FR"}
H200_TO_CHINA = {"item": {"kind": "ic", "tpp": 15832, "performance_density": 19,
                          "dram_bandwidth": 4800},
                 "destination": "CN", "china_exporter_certified": True}
TOY = '''
reading text default
reading early
countries iso3166
in_force from 2025-05-15
  cite "Toy Rule, DATES"
  doc "Toy compliance date."
  under early from 2025-01-13
input date : date = 2025-05-15
input x : number = 0, min 0
outcome ok : bool = false
rule big "Big" cite "Toy 1" source verbatim "Toy Reg. as of 2025" source secondary "Toy alert"
  when x > 5 "big"
  then ok = true
notice small "Small" doc "Not covered here." when not ok
property dated "Every transaction is dated from the compliance date on"
  expect holds
  expect fails under early
  always date >= 2025-05-15
'''


def ask(args, tx):
    return CliRunner().invoke(ask_command, [*args, "-"], input=json.dumps(tx), catch_exceptions=False)


def ask_json(tx, *args):
    r = ask(["--json", *args], tx)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def dated(tx, day):
    return {**tx, "date": day}


# ---------------------------------------------------------------- before the rule

def test_a_date_before_the_rule_is_not_in_force():
    # the case: a 3A090.a export to France dated 2024-06-01, before 90 FR 4544 existed
    out = ask_json(dated(GPUS_TO_FRANCE, "2024-06-01"))
    assert out["in_force"] is False
    assert all(v is None for v in out["outcomes"].values())
    assert out["license_required"] is None and out["exceptions"] is None
    [entry] = out["explanation"]
    assert entry["in_force"] is False and "not in force on 2024-06-01" in entry["text"]
    assert "2025-05-15" in entry["text"]
    text = ask([], dated(GPUS_TO_FRANCE, "2024-06-01")).stdout
    assert text.startswith("not in force on 2024-06-01") and "license_required" not in text


def test_between_effectiveness_and_compliance_depends_on_the_reading():
    # 90 FR 4544 DATES: effective Jan. 13, 2025; compliance (BIS) May 15, 2025
    tx = dated(GPUS_TO_FRANCE, "2025-03-01")
    assert ask_json(tx)["in_force"] is False
    early = ask_json(tx, "--reading", "effective_date")
    assert early["in_force"] is True and early["license_required"] is True
    assert early["exceptions"] == ["AIA", "LPP"]     # 4,800,000 TPP: within the LPP ceiling too


def test_in_force_from_the_compliance_date_and_unknown_when_the_date_is():
    assert ask_json(dated(GPUS_TO_FRANCE, "2025-05-15"))["in_force"] is True
    assert ask_json(dated(GPUS_TO_FRANCE, None))["in_force"] is None
    # a date before the rule wins over unknown facts: nothing to settle
    out = ask_json({**dated(GPUS_TO_FRANCE, "2024-06-01"), "end_user": {"hq": None}})
    assert out["in_force"] is False and all(v is None for v in out["outcomes"].values())


@settings(max_examples=25, deadline=None)
@given(day=st.dates(min_value=datetime.date(2024, 1, 1), max_value=datetime.date(2027, 12, 31)),
       reading=st.sampled_from(["regulation", "effective_date"]))
def test_every_answer_says_whether_the_rule_was_in_force(day, reading):
    start = datetime.date(2025, 5, 15) if reading == "regulation" else datetime.date(2025, 1, 13)
    r = ask(["--json", "--reading", reading], dated(GPUS_TO_FRANCE, day.isoformat()))
    assert r.exit_code == 0 and "Traceback" not in r.output, r.output
    out = json.loads(r.stdout)
    assert out["in_force"] is (day >= start)
    assert all(v is None for v in out["outcomes"].values()) is (day < start)


# ---------------------------------------------------------------- proofs over in-force dates

def test_find_never_returns_a_date_before_the_rule():
    r = CliRunner().invoke(find_command, ["--json", "date < 2025-05-15"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["result"] == "none"
    r = CliRunner().invoke(find_command, ["--json", "--reading", "effective_date", "date < 2025-05-15"])
    found = json.loads(r.output)
    assert found["result"] == "found"
    assert "2025-01-13" <= found["complete_transaction"]["date"] < "2025-05-15"


def test_verify_proves_over_in_force_dates_with_both_engines(tmp_path):
    (tmp_path / "toy.earl").write_text(TOY)
    r = CliRunner().invoke(verify_command, [str(tmp_path), "--counterexamples", str(tmp_path / "cx")],
                           env={"GITHUB_ACTIONS": ""})
    assert r.exit_code == 0, r.output
    assert "dated" in r.output and "proved [z3+clingo]" in r.output
    assert "fails as expected [z3+clingo]" in r.output          # under `early`
    stored = json.loads((tmp_path / "cx" / "dated.early.json").read_text())
    assert "2025-01-13" <= stored["transaction"]["date"] < "2025-05-15"


# ---------------------------------------------------------------- provenance and notices

def test_toy_spec_sources_and_notices(tmp_path):
    (tmp_path / "toy.earl").write_text(TOY)
    big = ask_json({"x": 7}, "--spec", str(tmp_path))
    [fired] = big["explanation"]
    assert fired["source"] == "secondary" and fired["source_name"] == "Toy alert"
    assert big["notices"] == []
    text = ask(["--spec", str(tmp_path)], {"x": 7}).stdout
    assert "[Toy 1] ‡ secondary: Toy alert" in text and "not verbatim regulation text" in text
    small = ask_json({"x": 1}, "--spec", str(tmp_path))
    assert small["notices"] == [{"notice": "small", "title": "Small", "text": "Not covered here."}]
    assert "note — Small: Not covered here." in ask(["--spec", str(tmp_path)], {"x": 1}).stdout


def test_shipped_answers_name_their_sources():
    out = ask_json(GPUS_TO_FRANCE)
    sources = {e["provision"]: (e["source"], e["source_name"]) for e in out["explanation"]}
    assert sources["aia_advanced_ics"][0] == "verbatim" and "Jan. 16, 2025" in sources["aia_advanced_ics"][1]
    assert sources["policy_chips_approval_aia_destinations"][0] == "secondary"
    assert out["notices"] == []       # a licence is required: inside the rule
    text = ask([], GPUS_TO_FRANCE).stdout
    assert "‡ secondary" in text


def test_outside_the_rule_says_what_earl_does_not_cover():
    out = ask_json({"item": {"kind": "ic", "tpp": 100}, "destination": "FR"})
    assert out["eccn"] is None
    [notice] = out["notices"]
    assert "3A991" in notice["text"] and "NAC/ACA" in notice["text"] and "part 744" in notice["text"]


# ---------------------------------------------------------------- dated provisions of the spec

def test_h200_to_china_case_by_case_only_from_91_fr_1684():
    # 91 FR 1684, effective Jan. 15, 2026 (FR DATES); thresholds per s-w-kelly notes
    after = ask_json(dated(H200_TO_CHINA, "2026-02-01"))
    assert after["policy"] == "case_by_case"
    fired = {e["provision"]: e for e in after["explanation"]}
    assert fired["policy_chips_case_by_case_china_macau"]["source"] == "assumption"
    assert ask_json(dated(H200_TO_CHINA, "2025-12-01"))["policy"] == "denial"
    uncertified = {**dated(H200_TO_CHINA, "2026-02-01"), "china_exporter_certified": False}
    assert ask_json(uncertified)["policy"] == "denial"


def test_derived_model_explanation_names_note_1_and_its_numbers():
    weights = {"item": {"kind": "model_weights", "training_operations": "2e26",
                        "derived_from_published": True, "additional_operations": "4.5e25"},
               "destination": "FR"}
    out = ask_json(weights)
    fired = {e["provision"]: e for e in out["explanation"]}
    note1 = fired["note1_derived_model_controlled"]
    assert "Note 1" in note1["cite"]
    assert note1["facts"]["note2_operations"] == 10 ** 26
    assert "item.additional_operations" in note1["facts"]
    assert ask_json(weights, "--reading", "note1_own_training")["eccn"] is None


def test_storage_paragraphs_from_their_compliance_date():
    # supplement no. 10 to part 748 paras. 14, 15, 18: compliance Jan. 15, 2026 (bis.gov)
    weights = {"item": {"kind": "model_weights", "training_operations": "2e26"}, "destination": "DE",
               "storage_compliant": False}
    assert ask_json(dated(weights, "2026-01-14"))["exceptions"] == ["AIA"]
    assert ask_json(dated(weights, "2026-01-15"))["exceptions"] == []


def test_a_stored_counterexample_dated_before_the_rule_is_stale(tmp_path):
    (tmp_path / "toy.earl").write_text(TOY)
    args = [str(tmp_path), "--counterexamples", str(tmp_path / "cx")]
    assert CliRunner().invoke(verify_command, args, env={"GITHUB_ACTIONS": ""}).exit_code == 0
    stored = tmp_path / "cx" / "dated.early.json"
    record = json.loads(stored.read_text())
    record["transaction"]["date"] = "2024-12-31"          # before `early` starts (2025-01-13)
    stored.write_text(json.dumps(record))
    r = CliRunner().invoke(verify_command, args, env={"GITHUB_ACTIONS": ""})
    assert r.exit_code == 1, r.output
    assert "dated 2024-12-31, before the spec is in force under early (2025-01-13)" in r.output
    rewritten = json.loads(stored.read_text())["transaction"]["date"]
    assert "2025-01-13" <= rewritten < "2025-05-15"
