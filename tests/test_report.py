"""Report formats: GitHub annotation escaping, JUnit counts, literal rendering of spec examples."""
from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from fractions import Fraction

from earl.parser import load_spec
from earl.present import console, report
from earl.ir.values import non_default
from earl.ir.values import spec_literal
from earl.ir import Pos
from earl.solver.transaction import complete
from earl.solver.verify.run import verify

from test_verify_support import DEFECTS, BruteForce


def test_annotation_escapes_data_and_properties():
    line = report.annotation("error", Pos("spec/a,b.earl", 3, 7), "50% of\nthe: items", "t:1, 2")
    assert line == "::error file=spec/a%2Cb.earl,line=3,col=7,title=t%3A1%2C 2::50%25 of%0Athe: items"
    assert report.annotation("warning", None, "x") == "::warning::x"


def test_literals_round_trip_through_the_language():
    assert spec_literal(Fraction(26_900_000)) == "26900000"
    assert spec_literal(Fraction(592, 100)) == "5.92"
    assert spec_literal(None) == "none" and spec_literal(True) == "true"
    assert spec_literal(datetime.date(2025, 5, 15)) == "2025-05-15"
    assert spec_literal(frozenset({"b", "a"})) == '{"a", "b"}'
    assert spec_literal('say "hi"') == '"say \\"hi\\""'


def test_non_default_completes_back():
    spec = load_spec(str(DEFECTS / "clean"))
    tx = complete(spec, {"controlled": True})
    assert non_default(spec, tx) == {"controlled": True}
    assert complete(spec, non_default(spec, tx)) == tx


def test_junit_counts_match_testcases():
    spec = load_spec(str(DEFECTS / "failing"))
    result = verify(spec, primitives=BruteForce(), spec_dir="failing")
    root = ET.fromstring(report.junit_xml(result, spec))
    for suite in root.findall("testsuite"):
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        assert int(suite.get("failures")) == sum(c.find("failure") is not None for c in cases)
    strict = root.find("testsuite[@name='properties.strict']")
    failed = [c.get("name") for c in strict.findall("testcase") if c.find("failure") is not None]
    assert failed == ["no_exception_for_controlled"]
    text = strict.find("testcase[@name='no_exception_for_controlled']/failure").text
    assert "counterexample" in text and "because:" in text


def test_human_summary_line(capsys):
    from rich.console import Console
    spec = load_spec(str(DEFECTS / "clean"))
    result = verify(spec, primitives=BruteForce(), spec_dir="clean")
    console.human(result, spec, Console(highlight=False, soft_wrap=True, color_system=None))
    out = capsys.readouterr().out
    last = out.strip().splitlines()[-1]
    assert last.startswith("OK: 4 property checks (2 reading(s)): 3 proved, 1 failed as expected")
    assert "✓ embargoed_denied" in out


def _analysis_cases(result, spec, reading):
    suite = ET.fromstring(report.junit_xml(result, spec)).find(f"testsuite[@name='analyses.{reading}']")
    return [c.get("name") for c in suite.findall("testcase")]


def test_junit_analysis_cases_are_the_analyses_run():
    from earl.solver.verify.analyses import names
    spec = load_spec(str(DEFECTS / "dead"))
    everything = verify(spec, primitives=BruteForce(), spec_dir="dead")
    reading = everything.readings[0]
    assert _analysis_cases(everything, spec, reading) == list(names())
    only_dead = verify(spec, primitives=BruteForce(), spec_dir="dead", analyses=("dead",))
    assert _analysis_cases(only_dead, spec, reading) == ["dead"]
    assert {f.kind for f in only_dead.findings} == {"dead"}
