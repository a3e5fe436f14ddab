"""Fuzzing the front end: any text either loads or raises SpecError with file:line:col diagnostics.

Random text, and mutations (delete / duplicate / swap tokens, delete / insert characters) of the
shipped spec's files and of the toy spec in tests/specs/ok.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from earl.parser import SpecError, load_spec_sources, parse_expression, load_spec

ROOT = Path(__file__).parent.parent
OK_FILES = {str(p.relative_to(ROOT)): p.read_text() for p in sorted((ROOT / "tests" / "specs" / "ok").glob("*.earl"))}
SHIPPED_FILES = {str(p.relative_to(ROOT)): p.read_text() for p in sorted((ROOT / "spec").glob("*.earl"))}
LOCATED = re.compile(r":\d+:\d+: (error|warning): ")
TOKEN = re.compile(r'\s+|[A-Za-z_][A-Za-z0-9_.]*|\d[\d_.eE%-]*|"(?:[^"\\\n]|\\.)*"|#[^\n]*|.', re.S)
INTERESTING = list('"{}()[],.:=+-*<>!?%#\\\n ') + ["and", "or", "not", "in", "when", "unless", "then",
                                                   "none", "true", "2025-13-45", "1__0", "4E091",
                                                   "rule", "def", "reading", "\t", "é", "\x00",
                                                   "applies(", "fires(", "only under", "except under"]
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def must_load_or_explain(sources: dict[str, str]) -> None:
    try:
        load_spec_sources(sources)
    except SpecError as e:
        text = e.render()
        assert e.errors, text
        assert LOCATED.search(text), text
        for d in e.diagnostics:
            assert LOCATED.search(d.render().split("\n")[0]), d.render()


@st.composite
def mutated(draw, files: dict[str, str]):
    name = draw(st.sampled_from(sorted(files)))
    tokens = TOKEN.findall(files[name])
    for _ in range(draw(st.integers(1, 3))):
        if not tokens:
            break
        i = draw(st.integers(0, len(tokens) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "char_delete", "insert"]))
        if op == "delete":
            del tokens[i]
        elif op == "duplicate":
            tokens.insert(i, tokens[i])
        elif op == "swap" and i + 1 < len(tokens):
            tokens[i], tokens[i + 1] = tokens[i + 1], tokens[i]
        elif op == "char_delete" and tokens[i]:
            j = draw(st.integers(0, len(tokens[i]) - 1))
            tokens[i] = tokens[i][:j] + tokens[i][j + 1:]
        elif op == "insert":
            tokens.insert(i, draw(st.sampled_from(INTERESTING)))
    return {**files, name: "".join(tokens)}


def test_the_toy_spec_loads():
    load_spec_sources(OK_FILES)


@FUZZ
@given(st.text(max_size=300))
def test_random_text(text):
    must_load_or_explain({"fuzz.earl": text})


@FUZZ
@given(st.lists(st.sampled_from(INTERESTING + ["x", "item.tpp", '"FR"', "5", "reading r default",
                                               "countries iso3166", "input date : date = 2025-01-01"]),
                max_size=40).map(" ".join))
def test_random_token_soup(text):
    must_load_or_explain({"soup.earl": text})


@FUZZ
@given(mutated(OK_FILES))
def test_mutations_of_the_toy_spec(sources):
    must_load_or_explain(sources)


@pytest.mark.skipif(not SHIPPED_FILES, reason="no shipped spec files yet")
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutations_of_the_shipped_spec(data):
    must_load_or_explain(data.draw(mutated(SHIPPED_FILES)))


@pytest.fixture(scope="module")
def toy_spec():
    return load_spec(ROOT / "tests" / "specs" / "ok")


@FUZZ
@given(text=st.text(max_size=80))
def test_random_conditions(toy_spec, text):
    spec = toy_spec
    try:
        parse_expression(spec, text)
    except SpecError as e:
        assert re.search(r"<condition>:\d+:\d+: error: ", e.render()), e.render()
