"""Screening at scale: streamed `earl ask` (JSON Lines, one document, CSV), --fields outcomes
(the evaluator's outcomes-only path and the fast transaction reader), --jobs, and `earl.screen`.

Speed is measured in bench/ (`python -m bench screening`), never here."""
from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import earl
from earl.commands.ask import command
from earl.parser import load_spec
from earl.screening import Record, Screener, json_records
from earl.solver.eval import run
from earl.solver.explain import in_force
from earl.solver.transaction import TransactionError, complete, parse_json, to_json, value_to_json
from earl.testing import random_transactions, transactions

OK = str(Path(__file__).parent / "specs" / "ok")
IRAN = {"item": {"power": 10}, "destination": "IR", "date": "2025-06-01"}
SMALL = {"item": {"power": "0.5", "quantity": 3}}


def ask(args, stdin=None):
    return CliRunner().invoke(command, args, input=stdin, catch_exceptions=False)


def earl_argv(*args: str) -> list[str]:
    exe = shutil.which("earl", path=os.path.dirname(sys.executable)) or shutil.which("earl")
    return [exe, *args] if exe else [sys.executable, "-c", "from earl.cli import main; main()", *args]


@pytest.fixture(scope="module")
def shipped():
    return load_spec()


# --------------------------------------------------------------------------- the fast path

def reference_outcomes(model, tx):
    """The full path's outcomes: the Trace's, or every outcome None on a date before the spec is
    in force (as `determine` answers)."""
    if in_force(model, tx) is False:
        return SimpleNamespace(outcomes={k: None for k in model.outcomes}, conflicts=())
    return run(model, tx)


def test_outcomes_path_gives_the_full_paths_answers_on_100000_random_transactions(shipped):
    """The fast reader + the outcomes-only evaluator on the JSON text of 100,000 random
    transactions (every enum member, boundary numbers, dates around every membership change)
    against the full Trace of the transactions themselves (to_json round-trips through
    parse_json: tests/test_transaction.py)."""
    fast = Screener(shipped, fields="outcomes")
    model = fast.model
    for n, tx in enumerate(random_transactions(shipped, 100_000, seed=13)):
        text = json.dumps(to_json(shipped, tx))
        answer = fast.answer(Record(n, None, "json", text))
        reference = reference_outcomes(model, tx)
        assert {k: value_to_json(v) for k, v in answer.outcomes.items()} == \
            {k: value_to_json(v) for k, v in reference.outcomes.items()}, text
        assert answer.conflicts == reference.conflicts, text


def test_outcomes_path_agrees_under_every_reading(shipped):
    for reading in shipped.readings:
        fast = Screener(shipped, reading=reading, fields="outcomes")
        for n, tx in enumerate(random_transactions(shipped, 2_000, seed=7)):
            answer = fast.answer(Record(n, None, "object", to_json(shipped, tx)))
            assert answer.outcomes == reference_outcomes(fast.model, tx).outcomes, reading


_FIELD_NAMES = st.sampled_from(["item", "destination", "item.power", "itme", "date", "end_user",
                                "end_user.hq", "kind", ""])
_JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=6)
                        | st.floats(allow_nan=False) | st.integers(10**18, 10**30)
                        | st.sampled_from(["FR", "IR", "0.5", "1e3", "widget", "2025-06-01", "none"]),
                        lambda inner: st.lists(inner, max_size=3)
                        | st.dictionaries(_FIELD_NAMES, inner, max_size=3), max_leaves=8)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_fast_reader_reads_as_parse_json_and_complete(data):
    """Valid transactions, and mutations of them (renamed, retyped or dotted fields, floats,
    integers beyond 64 bits), as objects and as JSON text: the same inputs, or the same error
    (message, JSON path, line)."""
    spec = load_spec(OK)
    screener = Screener(spec, fields="outcomes")
    reader = screener.reader
    obj = to_json(spec, data.draw(transactions(spec)))
    for _ in range(data.draw(st.integers(0, 3))):
        obj = dict(obj)
        obj[data.draw(_FIELD_NAMES)] = data.draw(_JSONISH)
    text = json.dumps(obj)
    for record, reference in ((Record(0, 4, "object", obj), obj), (Record(0, 4, "json", text), text),
                              (Record(0, 4, "json", text.encode()), text)):
        try:
            expected = complete(spec, parse_json(spec, reference, line=4))
        except TransactionError as e:
            with pytest.raises(TransactionError) as got:
                reader.complete(screener.given(record))
            assert str(got.value) == str(e)
        else:
            assert reader.complete(screener.given(record)) == expected


# --------------------------------------------------------------------------- reading a stream

def texts(records):
    return [(r.line, r.payload.strip()) for r in records]


def test_json_lines_split_on_newline_only():
    """U+2028, U+2029 and U+0085 are line breaks to str.splitlines but may stand inside a JSON
    string; \\r\\n ends a line like \\n; blank lines are skipped and keep the numbering."""
    odd = json.dumps({"destination": "FR", "note": "a\u2028b\u0085c\u2029d"}, ensure_ascii=False)
    data = (odd + "\r\n\n   \n" + json.dumps(IRAN) + "\n").encode()
    got = texts(json_records(io.BytesIO(data)))
    assert [line for line, _ in got] == [1, 4]
    assert json.loads(got[0][1])["note"] == "a\u2028b\u0085c\u2029d"


def test_a_lone_transaction_and_a_pretty_printed_one_have_no_line():
    assert texts(json_records(io.BytesIO(b"\n" + json.dumps(IRAN).encode() + b"\n"))) == \
        [(None, json.dumps(IRAN))]
    pretty = json.dumps(IRAN, indent=2).encode()
    [(line, text)] = texts(json_records(io.BytesIO(pretty)))
    assert line is None and json.loads(text) == IRAN


def test_a_cut_short_first_line_is_a_bad_line_not_the_end_of_the_stream():
    data = b'{"item": {\n' + json.dumps(IRAN).encode() + b"\n" + json.dumps(SMALL).encode() + b"\n"
    assert [line for line, _ in texts(json_records(io.BytesIO(data)))] == [1, 2, 3]


class EndlessLines(io.RawIOBase):
    """An endless stream of one transaction per line, each line made only when it is read."""

    def __init__(self):
        self.made = 0
        self.pending = b""

    def readable(self):
        return True

    def readinto(self, buffer):
        if not self.pending:
            self.made += 1
            self.pending = json.dumps(SMALL).encode() + b"\n"
        n = min(len(buffer), len(self.pending))
        buffer[:n], self.pending = self.pending[:n], self.pending[n:]
        return n


def test_records_are_read_as_they_are_needed():
    stream = EndlessLines()
    records = json_records(io.BufferedReader(stream, buffer_size=64))
    first = next(records)
    # the second line tells it is not a lone transaction; nothing much beyond it is read
    assert first.line == 1 and stream.made <= 3


def test_screen_yields_each_answer_as_its_transaction_is_drawn():
    drawn = []

    def txs():
        for i in range(10**9):
            drawn.append(i)
            yield SMALL
    answers = earl.screen(txs(), spec=OK)
    assert next(answers)["exceptions"] == ["SMALL"] and len(drawn) == 1
    assert next(answers)["exceptions"] == ["SMALL"] and len(drawn) == 2


def test_first_answer_comes_before_the_input_ends():
    """A producer that has written two lines and not closed the pipe already has an answer."""
    p = subprocess.Popen(earl_argv("ask", "--spec", OK, "--json", "--fields", "outcomes", "--jobs", "1", "-"),
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        p.stdin.write((json.dumps(IRAN) + "\n" + json.dumps(SMALL) + "\n").encode())
        p.stdin.flush()
        first = json.loads(p.stdout.readline())
        assert first["line"] == 1 and first["license_required"] is True
        p.stdin.write((json.dumps(SMALL) + "\n").encode())
        p.stdin.close()
        rest = [json.loads(x) for x in p.stdout.read().splitlines()]
        assert [x["line"] for x in rest] == [2, 3]
    finally:
        p.kill() if p.poll() is None else None
        p.wait(timeout=30)
    assert p.returncode == 0


# --------------------------------------------------------------------------- earl ask

def test_fields_outcomes_json_lines():
    lines = "\n".join(json.dumps(t) for t in (IRAN, SMALL)) + "\n"
    r = ask(["--spec", OK, "--json", "--fields", "outcomes", "--jobs", "1", "-"], lines)
    assert r.exit_code == 0, r.output
    got = [json.loads(x) for x in r.stdout.splitlines()]
    assert got == [
        {"code": "W1", "license_required": True, "exceptions": [], "tier": "watch",
         "reading": "statute", "in_force": True, "line": 1},
        {"code": "W1", "license_required": False, "exceptions": ["SMALL"], "tier": "other",
         "reading": "statute", "in_force": True, "line": 2}]
    full = [json.loads(x) for x in ask(["--spec", OK, "--json", "-"], lines).stdout.splitlines()]
    assert [{k: f[k] for k in g} for f, g in zip(full, got)] == got


def test_fields_outcomes_text_is_the_verdict():
    r = ask(["--spec", OK, "--fields", "outcomes", "-"], json.dumps(IRAN))
    assert r.stdout == "code: W1; license_required: true; exceptions: {}; tier: watch\n"


def test_unknown_facts_with_fields_outcomes():
    r = ask(["--spec", OK, "--json", "--fields", "outcomes", "-"],
            json.dumps({"destination": None, "item": {"power": 10}}))
    out = json.loads(r.stdout)
    assert out["settled"]["code"] == "W1" and out["unsettled"]["tier"]["depends_on"] == ["destination"]


def test_format_json_and_json_flag_agree_and_conflicting_formats_are_refused():
    a = ask(["--spec", OK, "--json", "-"], json.dumps(IRAN))
    b = ask(["--spec", OK, "--format", "json", "-"], json.dumps(IRAN))
    assert a.stdout == b.stdout
    r = ask(["--spec", OK, "--json", "--format", "csv", "-"], json.dumps(IRAN))
    assert r.exit_code == 2 and "two formats" in r.stderr


def test_csv_in_and_out(tmp_path):
    f = tmp_path / "orders.csv"
    f.write_text("id,destination,item.power,item.code,date\n"
                 "A-1,IR,10,,2025-06-01\n"
                 "A-2,FR,0.5,,\n"
                 "A-3,XX,1,,2025-06-01\n"
                 "\n"
                 "A-4,FR,1,,2025-06-01\n"
                 "A-5,,10,,2025-06-01\n")
    r = ask(["--spec", OK, "--format", "csv", "--fields", "outcomes", str(f)])
    assert r.exit_code == 2
    rows = list(__import__("csv").reader(io.StringIO(r.stdout)))
    assert rows[0] == ["line", "id", "code", "license_required", "exceptions", "tier", "unsettled"]
    assert rows[1] == ["2", "A-1", "W1", "true", "", "watch", ""]
    # an empty cell is null: an unknown fact (an optional enum's none); what it does not change
    # is settled, what turns on it is named
    assert rows[2] == ["3", "A-2", "W1", "false", "SMALL", "other", ""]
    assert rows[4] == ["7", "A-5", "W1", "", "", "",
                       "license_required (destination); exceptions (destination); tier (destination)"]
    assert [row[1] for row in rows[1:]] == ["A-1", "A-2", "A-4", "A-5"]
    assert r.stderr.startswith("earl ask: line 4: $.destination: unknown country")


def test_csv_header_must_name_inputs(tmp_path):
    f = tmp_path / "orders.csv"
    f.write_text("destinaton,item.power\nFR,1\n")
    r = ask(["--spec", OK, str(f)])
    assert r.exit_code == 2 and "column 'destinaton' is not an input" in r.stderr
    assert "did you mean 'destination'" in r.stderr and "Traceback" not in r.output


def test_csv_written_by_generate_is_screened_to_its_expectations(tmp_path):
    out = tmp_path / "set"
    g = CliRunner().invoke(__import__("earl.commands.generate", fromlist=["command"]).command,
                           ["--spec", OK, "--format", "csv", "--out", str(out)], catch_exceptions=False)
    assert g.exit_code == 0, g.output
    import csv
    rows = list(csv.DictReader(open(out / "testset.csv", encoding="utf-8")))
    r = ask(["--spec", OK, "--format", "csv", "--fields", "outcomes", str(out / "testset.csv")])
    assert r.exit_code in (0, 1), r.output
    answers = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [a["id"] for a in answers] == [row["id"] for row in rows]
    for row, a in zip(rows, answers):
        for col, expected in row.items():
            if col.startswith("expect."):
                assert a[col[len("expect."):]] == expected, (row["id"], col)


def test_jobs_give_the_same_output_in_the_same_order(tmp_path):
    """More records than are answered in-process, some bad: the workers' output is the
    in-process output, byte for byte, and the same lines are reported."""
    spec = load_spec(OK)
    lines = [json.dumps(to_json(spec, tx)) for tx in random_transactions(spec, 1500, seed=3)]
    lines[700] = '{"item": {"power": -1}}'
    lines[1400] = "{not json"
    f = tmp_path / "many.jsonl"
    f.write_text("\n".join(lines) + "\n")
    one = subprocess.run(earl_argv("ask", "--spec", OK, "--json", "--fields", "outcomes", "--jobs", "1", str(f)),
                         capture_output=True, text=True, timeout=300)
    two = subprocess.run(earl_argv("ask", "--spec", OK, "--json", "--fields", "outcomes", "--jobs", "2", str(f)),
                         capture_output=True, text=True, timeout=300)
    assert one.returncode == two.returncode == 2
    assert one.stdout == two.stdout and one.stderr == two.stderr
    assert [json.loads(x)["line"] for x in two.stdout.splitlines()] == \
        [i for i in range(1, 1501) if i not in (701, 1401)]
    unread = [x for x in two.stderr.splitlines() if "conflict" not in x]   # the toy spec has conflicts
    assert len(unread) == 2 and unread[0].startswith("earl ask: line 701: $.item.power")
    assert unread[1].startswith("earl ask: line 1401: $: malformed JSON")


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.one_of(st.just(json.dumps(IRAN)), st.just(json.dumps(SMALL)),
                          st.text(alphabet=st.characters(blacklist_characters="\n\r", blacklist_categories=("Cs",)),
                                  max_size=30)), min_size=2, max_size=8))
def test_any_lines_answer_or_are_reported_by_line_never_a_traceback(lines):
    r = ask(["--spec", OK, "--json", "--fields", "outcomes", "--jobs", "1", "-"], "\n".join(lines) + "\n")
    assert "Traceback" not in r.output and r.exit_code in (0, 2)
    numbered = [i for i, x in enumerate(lines, start=1) if x.strip()]
    if len(numbered) > 1:  # (a lone transaction is answered without a line number)
        answered = [json.loads(x)["line"] for x in r.stdout.splitlines()]
        reported = [int(x.split("line ")[1].split(":")[0]) for x in r.stderr.splitlines()]
        assert sorted(answered + reported) == numbered and answered == sorted(answered)


# --------------------------------------------------------------------------- earl.screen

def test_screen_api():
    answers = list(earl.screen([IRAN, json.dumps(SMALL), {"destination": "XX"}, {"item.power": 10,
                                                                                 "destination": "IR"}],
                               spec=OK))
    assert answers[0]["license_required"] is True and answers[0]["reading"] == "statute"
    assert answers[1]["exceptions"] == ["SMALL"]
    assert answers[2]["path"] == "$.destination" and "unknown country" in answers[2]["error"]
    assert answers[3]["license_required"] is True          # dotted keys


def test_screen_api_readings_params_and_explanation():
    small = {"item": {"power": 1}}
    assert next(earl.screen([small], spec=OK))["exceptions"] == ["SMALL"]
    assert next(earl.screen([small], spec=OK, params={"small_ceiling": "0.5"}))["exceptions"] == []
    assert next(earl.screen([small], spec=OK, reading="guidance"))["exceptions"] == []
    full = next(earl.screen([small], spec=OK, fields="explanation"))
    assert full["outcomes"]["exceptions"] == ["SMALL"] and full["explanation"]
    with pytest.raises(ValueError):
        next(earl.screen([small], spec=OK, fields="everything"))


def test_screen_api_on_the_shipped_spec_by_default():
    """15 CFR 742.6(a)(6)(iii)(A): a licence for 3A090.a ICs to any destination."""
    a = next(earl.screen([{"item": {"kind": "ic", "tpp": 4800, "performance_density": 6},
                           "destination": "IN"}]))
    assert a["eccn"] == "3A090.a" and a["license_required"] is True


def test_module_docstring_example_runs():
    """The example at the top of earl/screening.py (15 CFR 742.6(a)(6)(iii)(A): a licence for
    3A090.a to any destination, France included)."""
    import doctest

    import earl.screening
    assert doctest.testmod(earl.screening).failed == 0


def test_fields_naming_outcomes_computes_only_those():
    lines = "\n".join(json.dumps(t) for t in (IRAN, SMALL)) + "\n"
    r = ask(["--spec", OK, "--json", "--fields", "license_required,tier", "--jobs", "1", "-"], lines)
    assert r.exit_code == 0, r.output
    assert [json.loads(x) for x in r.stdout.splitlines()] == [
        {"license_required": True, "tier": "watch", "reading": "statute", "in_force": True, "line": 1},
        {"license_required": False, "tier": "other", "reading": "statute", "in_force": True, "line": 2}]
    r = ask(["--spec", OK, "--format", "csv", "--fields", "tier", "-"], lines)
    assert r.stdout.splitlines()[0] == "line,tier,unsettled"
    r = ask(["--spec", OK, "--fields", "teir", "-"], lines)
    assert r.exit_code == 2 and "did you mean 'tier'" in r.stderr and "Traceback" not in r.output
    assert next(earl.screen([IRAN], spec=OK, fields=["code"])) == {"code": "W1", "reading": "statute", "in_force": True}


def test_fields_naming_outcomes_agrees_with_the_full_path(shipped):
    names = ["eccn", "license_required", "exceptions", "policy", "destination_tier"]
    some = Screener(shipped, fields=",".join(names))
    every = Screener(shipped, fields="outcomes")
    for n, tx in enumerate(random_transactions(shipped, 5_000, seed=21)):
        obj = to_json(shipped, tx)
        assert some.answer(Record(n, None, "object", obj)).outcomes == \
            {k: every.answer(Record(n, None, "object", obj)).outcomes[k] for k in names}
