"""Every example of the shipped spec (and of the toy spec) holds on every engine, through the one
runner `verify` and `earl test` use (earl.solver.examples); a changed expectation is caught at
the example's file:line; and the tests read the checkout's spec/, not the installed copy."""
from __future__ import annotations

import doctest
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import earl.solver.examples as examples_mod
from earl.parser import load_spec
from earl.solver.engines import ENGINES, load_engine
from earl.solver.examples import matches, run_examples, select

OK = Path(__file__).parent / "specs" / "ok"
SHIPPED = load_spec()      # the checkout's spec/ (tests/conftest.py)


@pytest.fixture(scope="module")
def shipped_results(shipped_spec):
    return {(r.name, r.engine): r for r in run_examples(shipped_spec)}


def test_the_shipped_spec_has_examples():
    assert len(SHIPPED.examples) >= 10


@pytest.mark.parametrize("name", sorted(SHIPPED.examples))
def test_shipped_example(name, engine_name, shipped_results):
    r = shipped_results[name, engine_name]
    assert r.status == "pass", f"{r.pos.file}:{r.pos.line}: {name} [{engine_name}] ({r.cite}): {r.message}"


def test_toy_examples(engine_name):
    results = run_examples(load_spec(OK), [engine_name])
    assert results and [r.message for r in results if r.status != "pass"] == []


def test_the_runner_docstring():
    assert doctest.testmod(examples_mod).failed == 0


# --------------------------------------------------------------------------- mutations

def changed_expectation(tmp_path: Path, source: Path, example: str, old: str, new: str) -> tuple[Path, int]:
    """A copy of the spec folder `source` where `example` expects `new` in place of `old`;
    (the copy, the line of the example's `example` keyword)."""
    copy = tmp_path / "spec"
    shutil.copytree(source, copy)
    for f in sorted(copy.glob("*.earl")):
        text = f.read_text(encoding="utf-8")
        m = re.search(rf"^example {re.escape(example)}\b.*?(?=^\S|\Z)", text, re.M | re.S)
        if m:
            block = m.group(0)
            assert old in block, block
            f.write_text(text[:m.start()] + block.replace(old, new, 1) + text[m.end():], encoding="utf-8")
            return copy, text.count("\n", 0, m.start()) + 1
    raise AssertionError(f"no example {example}")


def test_a_changed_expectation_fails_on_every_engine_at_its_line(tmp_path, spec_dir):
    copy, line = changed_expectation(tmp_path, spec_dir, "lpp_exactly_at_ceiling",
                                     'exceptions = {"LPP"}', "exceptions = {}")
    results = run_examples(load_spec(copy), pattern="lpp_exactly_at_ceiling")
    assert [(r.engine, r.status) for r in results] == [(e, "fail") for e in ENGINES]
    for r in results:
        assert r.pos.file.endswith("examples-exceptions.earl") and r.pos.line == line
        assert r.mismatches == (("exceptions", frozenset(), frozenset({"LPP"})),)
        assert r.message == "exceptions: expected {}, got {LPP}"
        assert "LPP: up to 26,900,000 TPP" in r.explanation     # why the engine concluded LPP


class Broken:
    name = "broken"

    def run_batch(self, model, transactions):
        raise RuntimeError("solver fell over")


def test_an_engine_failure_is_an_error_of_each_example_it_ran():
    results = run_examples(load_spec(OK), ["eval", "broken"],
                           engine_factory=lambda n: Broken() if n == "broken" else load_engine(n))
    assert {r.status for r in results if r.engine == "eval"} == {"pass"}
    broken = [r for r in results if r.engine == "broken"]
    assert broken and all(r.status == "error" and "solver fell over" in r.message for r in broken)


def test_pattern_selects_by_substring_or_glob():
    assert matches("lpp_exactly_at_ceiling", "CEILING") and matches("lpp_exactly_at_ceiling", "lpp_*")
    assert not matches("aia_needs_certification", "lpp_*") and matches("anything", None)
    assert {ex.name for ex in select(SHIPPED, "lpp_*")} == {n for n in SHIPPED.examples if n.startswith("lpp_")}


# --------------------------------------------------------------------------- the checkout's spec

def test_the_tests_read_the_checkouts_spec_not_the_installed_copy(tmp_path, repo_root):
    """A checkout whose spec/ differs from the installed package's fails its own tests: the
    copy's tests run against the copy's spec/, although `earl` is installed from elsewhere."""
    checkout = tmp_path / "checkout"
    shutil.copytree(repo_root / "tests", checkout / "tests",
                    ignore=shutil.ignore_patterns("__pycache__", "generated"))
    _, line = changed_expectation(checkout, repo_root / "spec", "lpp_exactly_at_ceiling",
                                  'exceptions = {"LPP"}', "exceptions = {}")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "tests/test_examples.py", "-k", "test_shipped_example and lpp_exactly_at_ceiling"],
                       cwd=checkout, capture_output=True, text=True, timeout=300)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "3 failed" in r.stdout
    assert f"examples-exceptions.earl:{line}: lpp_exactly_at_ceiling [smt]" in r.stdout


# --------------------------------------------------------------------------- earl test

def earl_test(*args, env=None):
    from click.testing import CliRunner
    from earl.commands.test import command
    return CliRunner().invoke(command, [str(a) for a in args], env=env or {"GITHUB_ACTIONS": ""})


def test_earl_test_passes_on_the_shipped_spec():
    r = earl_test()
    assert r.exit_code == 0, r.output
    n = len(SHIPPED.examples)
    assert r.output.startswith(f"OK: {n} examples × 3 engines (eval, smt, asp): {3 * n} passed, "
                               "0 failed, 0 error(s); ")


def test_earl_test_fails_a_changed_expectation_at_its_line(tmp_path, spec_dir):
    copy, line = changed_expectation(tmp_path, spec_dir, "lpp_exactly_at_ceiling",
                                     'exceptions = {"LPP"}', "exceptions = {}")
    junit = tmp_path / "j.xml"
    r = earl_test(copy, "-k", "lpp_", "--junit", junit, env={"GITHUB_ACTIONS": "true"})
    assert r.exit_code == 1
    where = f"{copy / 'examples-exceptions.earl'}:{line}"
    assert (f"✗ {where}: example lpp_exactly_at_ceiling FAILS [eval, smt, asp] under regulation "
            "(15 CFR 740.29(a)): exceptions: expected {}, got {LPP}") in r.output
    assert f"::error file={copy / 'examples-exceptions.earl'},line={line},col=1," in r.output
    n = len(select(SHIPPED, "lpp_"))
    assert f"FAILED: {n} examples × 3 engines (eval, smt, asp): {3 * n - 3} passed, 3 failed, 0 error(s)" in r.output
    import xml.etree.ElementTree as ET
    failed = [(t.get("classname"), t.get("line")) for t in ET.parse(junit).getroot().iter("testcase")
              if t.find("failure") is not None]
    assert failed == [(f"examples.{e}", str(line)) for e in ENGINES]


def test_earl_test_json_engine_and_reading_selection(tmp_path):
    import json
    r = earl_test(OK, "--engine", "asp", "--reading", "guidance", "--json")
    data = json.loads(r.output)
    assert r.exit_code == data["exit_code"] == 0
    assert [(e["example"], e["engine"], e["reading"], e["status"]) for e in data["examples"]] == [
        ("guidance_small", "asp", "guidance", "pass")]


def test_earl_test_usage_and_spec_errors_exit_2_with_documents(tmp_path):
    import json
    assert earl_test(OK, "-k", "no_such_example").exit_code == 2
    assert earl_test(OK, "--reading", "nonsense").exit_code == 2
    assert earl_test(OK, "--engine", "prolog").exit_code == 2
    bad = tmp_path / "bad.earl"
    bad.write_text("reading r default\nrule oops\n")
    junit = tmp_path / "j.xml"
    r = earl_test(bad, "--json", "--junit", junit)
    assert r.exit_code == 2 and "Traceback" not in r.output
    [d] = json.loads(r.stdout)["diagnostics"]
    assert d["file"].endswith("bad.earl") and d["line"] == 2
    assert junit.read_text().count("<failure") == 1


def test_earl_check_is_static_and_says_so(tmp_path, spec_dir):
    """`earl check` does not run examples: a wrong expectation still checks ok (well-formed),
    and neither its output nor its help claims that the examples hold."""
    from click.testing import CliRunner
    from earl.commands.check import command as check
    copy, _ = changed_expectation(tmp_path, spec_dir, "lpp_exactly_at_ceiling",
                                  'exceptions = {"LPP"}', "exceptions = {}")
    r = CliRunner().invoke(check, [str(copy)])
    assert r.exit_code == 0 and ": ok: " in r.output
    assert not re.search(r"pass|hold|verified", r.output)
    assert "not run: `earl test` runs them" in " ".join(CliRunner().invoke(check, ["--help"]).output.split())


TOY_TEXT = (OK / "rules.earl").read_text(encoding="utf-8")


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_earl_test_documents_whatever_the_spec(tmp_path_factory, data):
    """The toy spec damaged anywhere (a slice cut, something inserted): `earl test` exits 0, 1
    or 2 without a traceback, prints one JSON document and writes a JUnit file."""
    import json
    import xml.etree.ElementTree as ET
    start = data.draw(st.integers(0, len(TOY_TEXT) - 1))
    cut = data.draw(st.integers(0, 20))
    insert = data.draw(st.sampled_from(["", "(", '"', "expect", "= 1", "ß", "\r", "example x"]))
    folder = tmp_path_factory.mktemp("damaged")
    shutil.copy(OK / "domains.earl", folder / "domains.earl")
    (folder / "rules.earl").write_text(TOY_TEXT[:start] + insert + TOY_TEXT[start + cut:], encoding="utf-8")
    junit = folder / "j.xml"
    r = earl_test(folder, "--engine", "eval", "--json", "--junit", junit)
    assert r.exit_code in (0, 1, 2) and "Traceback" not in r.output
    doc = json.loads(r.stdout)
    assert doc["exit_code"] == r.exit_code
    ET.parse(junit)
    if r.exit_code == 2:
        assert doc["diagnostics"] and all(d["file"] for d in doc["diagnostics"])
