"""The identity harness (`python -m bench identity`): its comparison of two recorded folders, and
the spec reader and transaction maker that write the inputs both sides read. The harness itself
(two checkouts, every command) is run as a benchmark, not here."""
from __future__ import annotations

import gzip
import json

from bench.identity import TransactionMaker, compare, run
from bench.spec_text import read_spec

ANSWER = {"reading": "regulation", "eccn": "3A090.a", "license_required": True, "exceptions": []}


def _record(folder, answers, *, seconds=1.0, counterexample='{"destination": "CN"}\n'):
    """A tiny recorded side as Recorder writes it: answer lines, a verify report, one
    counterexample file."""
    det = folder / "determinations"
    det.mkdir(parents=True)
    with gzip.open(det / "eval.regulation.jsonl.gz", "wt") as f:
        f.write("".join(json.dumps(a) + "\n" for a in answers))
    cx = folder / "verify" / "counterexamples"
    cx.mkdir(parents=True)
    (folder / "verify" / "verify.out").write_text(json.dumps({"summary": {"proved": 3}, "seconds": seconds}))
    (folder / "verify" / "verify.status.json").write_text('{"argv": ["verify", "spec", "--json"], "exit": 0}')
    (cx / "some_property.json").write_text(counterexample)
    return folder


def test_identical_records_differ_only_in_times(tmp_path):
    old = _record(tmp_path / "old", [ANSWER, {**ANSWER, "eccn": None}], seconds=1.0)
    new = _record(tmp_path / "new", [ANSWER, {**ANSWER, "eccn": None}], seconds=7.5)
    result = compare(old, new, ("determinations", "verify"))
    assert {c: (d.items, d.differing) for c, d in result.items()} == {"determinations": (2, 0), "verify": (3, 0)}


def test_a_changed_answer_is_counted_and_shown(tmp_path):
    old = _record(tmp_path / "old", [ANSWER, ANSWER])
    new = _record(tmp_path / "new", [ANSWER, {**ANSWER, "license_required": False}],
                  counterexample='{"destination": "MO"}\n')
    result = compare(old, new, ("determinations", "verify"))
    assert (result["determinations"].items, result["determinations"].differing) == (2, 1)
    shown = result["determinations"].shown[0]
    assert "determinations/eval.regulation.jsonl.gz line 2" in shown
    assert '- "license_required": true,' in shown and '+ "license_required": false,' in shown
    assert result["verify"].differing == 1 and '+ "destination": "MO"' in result["verify"].shown[0]


def test_json_written_differently_is_a_difference_shown_byte_for_byte(tmp_path):
    old = _record(tmp_path / "old", [ANSWER])
    new = _record(tmp_path / "new", [ANSWER], counterexample='{"destination":"CN"}\n')
    (shown,) = compare(old, new, ("verify",))["verify"].shown
    assert '-{"destination": "CN"}' in shown and '+{"destination":"CN"}' in shown


def test_a_missing_answer_or_file_is_a_difference(tmp_path):
    old = _record(tmp_path / "old", [ANSWER, ANSWER])
    new = _record(tmp_path / "new", [ANSWER])
    (new / "verify" / "counterexamples" / "some_property.json").unlink()
    (new / "verify" / "counterexamples" / "other_property.json").write_text("{}\n")
    result = compare(old, new, ("determinations", "verify"))
    assert (result["determinations"].differing, result["verify"].differing) == (1, 2)
    assert "(missing)" in result["determinations"].shown[0]


def test_a_reordered_list_is_a_difference(tmp_path):
    """Order is part of the output: only time fields are normalised away."""
    old = _record(tmp_path / "old", [{**ANSWER, "exceptions": ["AIA", "LPP"]}])
    new = _record(tmp_path / "new", [{**ANSWER, "exceptions": ["LPP", "AIA"]}])
    assert compare(old, new, ("determinations",))["determinations"].differing == 1


SPEC = {
    "vocabulary.earl": '''
enum Kind "kinds" { "ic", "other" }   # a comment with "a string" and 99
countries iso3166 plus { "XK" "Kosovo" } doc "extra"
reading plain default
reading strict doc "another"
input item.kind : Kind = "other"
input item.tpp : number = 0, min 0
input destination : country = "US"
outcome needed : bool = false
rule r "R" when item.tpp >= 4_800 and destination in G then needed = true
''',
    "examples.earl": '''
example big "A big one" cite "x" given item.kind = "ic", item.tpp = 2.5e3,
    destination = "FR" expect needed = true under strict with limit = 25%
''',
}


def test_the_spec_reader_finds_inputs_constants_and_examples():
    facts = read_spec(SPEC)
    assert [(i.path, i.kind) for i in facts.inputs] == [
        ("item.kind", "enum"), ("item.tpp", "number"), ("destination", "country")]
    assert facts.readings == ["plain", "strict"] and facts.extra_countries == ["XK"]
    assert 4800 in facts.numbers and 99 not in facts.numbers
    (big,) = facts.examples
    assert big.given == {"item.kind": "ic", "item.tpp": 2500, "destination": "FR"}
    assert big.readings == ["strict"] and big.params == {"limit": "1/4"}


def test_transactions_are_the_same_for_the_same_seed_and_cover_the_constants():
    facts = read_spec(SPEC)
    first = [TransactionMaker(facts, seed=1).transaction() for _ in range(1)]
    maker_a, maker_b = TransactionMaker(facts, seed=1), TransactionMaker(facts, seed=1)
    a = [maker_a.transaction() for _ in range(300)]
    assert a == [maker_b.transaction() for _ in range(300)] and a[:1] == first
    tpps = {tx["item"]["tpp"] for tx in a if tx.get("item", {}).get("tpp") is not None}
    assert {4800, 4799, 4801} <= tpps
    assert "XK" in {tx.get("destination") for tx in a}


def test_a_baseline_recorded_from_other_inputs_is_refused(tmp_path):
    """`--baseline DIR` made with another revision, --n or --quick is refused before anything
    is run (exit status 2)."""
    (tmp_path / "meta.json").write_text(json.dumps({"rev": "0" * 40, "inputs": "x", "seconds": {}}))
    result = run(quick=True, n=3, rev="HEAD", baseline=tmp_path)
    assert result["exit"] == 2 and "was recorded from revision 0000000000" in result["refused"]
