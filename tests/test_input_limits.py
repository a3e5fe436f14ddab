"""Bounded, exact input (docs/input.md): the same number limits in a transaction, a --param value
and a spec literal; JSON depth and line length; JSON Lines split on "\\n" only; countries read
exactly; any line-ending convention in a spec; a closed output pipe."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from earl.cli import main
from earl.parser import SpecError, load_spec, load_spec_sources
from earl.ir.limits import (MAX_DIGITS, MAX_EXPONENT, MAX_LINE_LENGTH, MAX_NESTING,
                                NumberBeyondLimits, NumberError, read_number)
from earl.ir.values import format_fraction
from earl.solver.transaction import TransactionError, loads_json, parse_json, read_jsonl

OK = Path(__file__).parent / "specs" / "ok"
TOY = load_spec(OK)


def earl(args, stdin=None):
    return CliRunner().invoke(main, args, input=stdin, catch_exceptions=False)


def toy_sources() -> dict[str, str]:
    return {f.name: f.read_text() for f in sorted(OK.glob("*.earl"))}


# ------------------------------------------------------------------------- numbers

@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40) | st.from_regex(r"[+-]?[0-9_]{0,8}(\.[0-9_]{0,4})?([eE][+-]?[0-9]{1,5})?%?",
                                            fullmatch=True))
def test_any_text_is_a_number_or_refused_in_words(text):
    try:
        value = read_number(text)
    except NumberError as e:
        assert str(e)
        return
    assert isinstance(value, Fraction)


@settings(max_examples=200, deadline=None)
@given(st.integers(-10 ** MAX_DIGITS + 1, 10 ** MAX_DIGITS - 1), st.integers(0, 30))
def test_numbers_within_the_limits_are_exact(n, places):
    x = Fraction(n, 10 ** places)
    assert read_number(str(format_fraction(x))) == x
    assert read_number(f"{n}e-{places}") == x


@given(st.integers(MAX_DIGITS + 1, 4_400))
@settings(max_examples=20, deadline=None)
def test_too_many_digits_are_refused(digits):
    with pytest.raises(NumberBeyondLimits, match=f"{digits:,} digits"):
        read_number("7" * digits)


@given(st.integers(MAX_EXPONENT + 1, 10 ** 30))
@settings(max_examples=20, deadline=None)
def test_too_large_an_exponent_is_refused(exponent):
    with pytest.raises(NumberBeyondLimits, match="exponent"):
        read_number(f"1e{exponent}")
    assert read_number(f"1e{MAX_EXPONENT}") == 10 ** MAX_EXPONENT


def test_the_limits_module_examples_run():
    import doctest
    from earl.ir import limits
    assert doctest.testmod(limits).failed == 0


def test_only_ascii_digits_are_read():
    with pytest.raises(NumberError):
        read_number("٣")        # ARABIC-INDIC DIGIT THREE
    with pytest.raises(NumberError):
        read_number("１２")      # fullwidth digits


def test_a_50_mb_number_is_refused_at_once():
    huge = "9" * 50_000_000
    started = time.process_time()
    with pytest.raises(NumberBeyondLimits):
        read_number(huge)
    with pytest.raises(TransactionError, match="longer than 1,000,000 characters"):
        loads_json('{"item": {"power": ' + huge + "}}")
    assert time.process_time() - started < 5   # linear work only; a quadratic conversion takes minutes


BIG = "1" * 4_301   # one digit past Python's int-conversion limit


def test_the_same_limit_in_a_transaction_a_param_and_a_spec_literal():
    r = earl(["ask", "--spec", str(OK), "-"], "{\"item\": {\"power\": " + BIG + "}}")
    assert r.exit_code == 2 and "$.item.power: the number has 4,301 digits; at most 400 are read" in r.output
    r = earl(["ask", "--spec", str(OK), "-"], json.dumps({"item": {"power": BIG}}))
    assert r.exit_code == 2 and "$.item.power: the number has 4,301 digits" in r.output
    r = earl(["ask", "--spec", str(OK), "--param", f"small_ceiling={BIG}", "-"], "{}")
    assert r.exit_code == 2 and "--param small_ceiling: the number has 4,301 digits" in r.output
    sources = toy_sources()
    sources["rules.earl"] = sources["rules.earl"].replace("1_000, min 0", BIG + ", min 0", 1)
    with pytest.raises(SpecError) as e:
        load_spec_sources(sources)
    assert "rules.earl:1:" in e.value.render() and "the number has 4,301 digits" in e.value.render()


def test_a_constant_computed_from_literals_is_held_to_the_value_limit():
    sources = toy_sources()
    product = " * ".join(["1e400"] * 3)
    sources["rules.earl"] += f"\ndef huge : number = {product} * item.power\n"
    with pytest.raises(SpecError) as e:
        load_spec_sources(sources)
    assert "this constant expression is too large: the value has more than 1,000 digits" in e.value.render()
    sources["rules.earl"] = sources["rules.earl"].replace(product, "1e400 * 1e400")
    assert "huge" in load_spec_sources(sources).defs


# ------------------------------------------------------------------------- JSON

def test_nesting_beyond_the_limit_is_refused():
    ok = "[" * MAX_NESTING + "]" * MAX_NESTING
    assert loads_json(ok) is not None
    for depth in (MAX_NESTING + 1, 100_000):
        with pytest.raises(TransactionError, match=f"nested more than {MAX_NESTING}"):
            loads_json("[" * depth + "]" * depth)


def test_a_line_over_the_limit_is_refused_by_its_length():
    line = '{"item": {"power": "' + "x" * MAX_LINE_LENGTH + '"}}'
    with pytest.raises(TransactionError, match="longer than 1,000,000 characters"):
        loads_json(line)
    (number, head), (second, tail) = read_jsonl(io.BytesIO(line.encode() + b"\n{}\n"))
    assert (number, second, tail) == (1, 2, "{}") and len(head) > MAX_LINE_LENGTH


def test_bytes_that_are_not_utf8_are_refused_with_their_column():
    with pytest.raises(TransactionError, match=r"not UTF-8 text \(byte 0xff at column 7\)"):
        loads_json(b'{"a": \xff}')


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",))), max_size=6), st.booleans())
def test_json_lines_split_on_newline_only(strings, binary):
    lines = [json.dumps({"s": s}, ensure_ascii=False) for s in strings]
    text = "\n".join(lines)
    stream = io.BytesIO(text.encode()) if binary else io.StringIO(text, newline="")
    assert list(read_jsonl(stream)) == list(enumerate(lines, start=1)) if lines else True


def test_a_line_separator_inside_a_string_keeps_the_line_numbers():
    text = '{"destination": "x\u2028y"}\n{"destination": "a\u0085b"}\n{"item": {"power": true}}\n'
    r = earl(["ask", "--spec", str(OK), "-"], text)
    assert r.exit_code == 2
    errors = [line for line in r.stderr.splitlines() if line.startswith("earl ask:")]
    assert [e.split(":")[1].strip() for e in errors] == ["line 1", "line 2", "line 3"]


# ------------------------------------------------------------------------- countries

@pytest.mark.parametrize("text", ["ß", "ﬁ", "ｆｒ", "Ｆｒａｎｃｅ", "ＦＲ", "FRANCE\u0307", "İT"])
def test_no_unicode_case_mapping_makes_a_country(text):
    with pytest.raises(TransactionError, match="unknown country"):
        parse_json(TOY, {"destination": text})


@pytest.mark.parametrize("text,code", [("FR", "FR"), ("fr", "FR"), (" Fr ", "FR"), ("France", "FR"),
                                        ("FRANCE", "FR")])
def test_codes_and_table_names_are_read(text, code):
    assert parse_json(TOY, {"destination": text}) == {"destination": code}


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=4))
def test_what_is_read_as_a_country_is_an_ascii_code_or_a_table_name(text):
    try:
        code = parse_json(TOY, {"destination": text})["destination"]
    except TransactionError:
        return
    stripped = text.strip()
    assert (stripped.isascii() and stripped.upper() == code) or stripped.isascii() and any(
        stripped.lower() == c.name.lower() for c in TOY.countries.values())


def test_dates_are_read_in_ascii_digits_only():
    with pytest.raises(TransactionError, match="YYYY-MM-DD"):
        parse_json(TOY, {"date": "２０２５-０１-０１"})


# ------------------------------------------------------------------------- spec line endings

@pytest.mark.parametrize("ending", ["\r\n", "\r"])
def test_every_line_ending_convention_gives_the_same_spec(ending):
    sources = toy_sources()
    converted = {name: text.replace("\n", ending) for name, text in sources.items()}
    assert load_spec_sources(converted) == load_spec_sources(sources)


def test_a_cr_only_file_whose_first_line_is_a_comment_keeps_its_rules(tmp_path):
    for name, text in toy_sources().items():
        (tmp_path / name).write_bytes(("# first line: a comment\n" + text).replace("\n", "\r").encode())
    spec = load_spec(tmp_path)
    assert set(spec.rules) == set(TOY.rules) and spec.rules
    r = earl(["check", str(tmp_path)])
    assert r.exit_code == 0, r.output


def test_an_error_in_a_crlf_file_is_located_on_the_line_an_editor_shows():
    sources = toy_sources()
    sources["rules.earl"] = ("# one\r\n# two\r\nrule broken \"t\" then\r\n" + sources["rules.earl"])
    with pytest.raises(SpecError) as e:
        load_spec_sources(sources)
    assert e.value.diagnostics[0].pos.line == 3


def test_a_spec_line_over_the_limit_is_refused_at_its_position():
    sources = toy_sources()
    sources["rules.earl"] = sources["rules.earl"] + "\n# " + "x" * MAX_LINE_LENGTH + "\n"
    with pytest.raises(SpecError) as e:
        load_spec_sources(sources)
    d = e.value.diagnostics[0]
    assert d.pos.column == MAX_LINE_LENGTH + 1 and "at most 1,000,000 are read" in d.message


# ------------------------------------------------------------------------- a closed output pipe

def test_a_closed_output_pipe_ends_quietly_with_the_sigpipe_status(tmp_path):
    many = tmp_path / "many.jsonl"
    many.write_text("".join(json.dumps({"item": {"power": i}}) + "\n" for i in range(3_000)))
    proc = subprocess.Popen([sys.executable, "-c", "from earl.cli import main; main()", "ask",
                             "--spec", str(OK), str(many)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline()
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 141 and err == b""
