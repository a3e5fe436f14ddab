"""`verify` end to end through the click command: exit codes, reports, counterexample files,
and the faults verify must catch (wrong instances, engine disagreement, unknown answers),
injected through the `Primitives` seam."""
from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings, strategies as st

import earl.solver.verify.primitives as primitives_mod
import earl.solver.verify.run as verify_mod
from earl.solver.verify.results import expectation
from earl.commands.verify import command
from earl.ir import Implies
from earl.parser import load_spec
from earl.solver.results import Instance, Proof, Unknown
from earl.solver.transaction import complete

from test_verify_support import DEFECTS, BruteForce


def run(args, prims=None, monkeypatch=None, env=None):
    if prims is not None:
        monkeypatch.setattr(primitives_mod, "Primitives", prims)
    return CliRunner().invoke(command, [str(a) for a in args], env=env or {"GITHUB_ACTIONS": ""})


@pytest.fixture
def brute(monkeypatch):
    monkeypatch.setattr(primitives_mod, "Primitives", BruteForce)


# --------------------------------------------------------------------------- real engines

def test_clean_spec_proves_with_both_engines(tmp_path):
    r = run([DEFECTS / "clean", "--counterexamples", tmp_path])
    assert r.exit_code == 0, r.output
    assert "✓ embargoed_denied" in r.output and "proved [z3+clingo]" in r.output
    assert "relies on: deny_embargoed (T 2(a))" in r.output          # proof provenance
    assert "no_exception_when_embargoed: holds under strict; fails under lenient" in r.output
    assert "fails as expected" in r.output
    assert (tmp_path / "no_exception_when_embargoed.lenient.json").exists()
    assert "OK:" in r.output.splitlines()[-1]


def test_failing_property_real_engines_shows_determination(tmp_path):
    r = run([DEFECTS / "failing", "--reading", "strict", "--counterexamples", tmp_path])
    assert r.exit_code == 1, r.output
    assert "no_exception_for_controlled FAILS (expected to hold)" in r.output
    assert "because:" in r.output and "[T 3]" in r.output   # the determination's explanation
    data = json.loads((tmp_path / "no_exception_for_controlled.json").read_text())
    assert data["property"] == "no_exception_for_controlled" and data["reading"] == "strict"
    assert data["expected"] == "holds"
    assert data["transaction"] == {"controlled": True, "trusted": True}   # minimal
    assert data["determination"]["outcomes"]["exceptions"] == ["X"]


# --------------------------------------------------------------------------- exit codes

@pytest.mark.parametrize("name,marker", [
    ("conflict", "conflict: deny_embargoed (T 2(a)) and approve_trusted (T 4)"),
    ("gap", "gap: license_required = true but no rule decides policy"),
    ("dead", "dead: never (T 5) never fires"),
    ("shadowed", "shadowed: exception_x (T 3) is shadowed"),
    ("vacuous", "vacuous: vacuous_denial is vacuous"),
    ("failing", "no_exception_for_controlled FAILS"),
])
def test_each_seeded_defect_fails_the_run(name, marker, brute):
    r = run([DEFECTS / name, "--no-counterexamples"])
    assert r.exit_code == 1, r.output
    assert marker in r.output


def test_clean_and_intended_pass(brute):
    for name in ("clean", "intended"):
        r = run([DEFECTS / name, "--no-counterexamples"])
        assert r.exit_code == 0, (name, r.output)
    assert "shadowed (intended)" in r.output


def test_spec_error_exit_2(tmp_path, brute):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.earl").write_text("reading r default\nrule oops\n")
    r = run([bad])
    assert r.exit_code == 2
    assert "x.earl:2" in r.output and "Traceback" not in r.output


def test_usage_errors_exit_2(tmp_path, brute):
    r = run([DEFECTS / "clean", "--reading", "nonsense"])
    assert r.exit_code == 2 and "no reading 'nonsense'" in r.output
    assert run([tmp_path / "missing"]).exit_code == 2
    assert run([DEFECTS / "clean", "--timeout", "0"]).exit_code == 2


class UnknownClingo(BruteForce):
    def cross_check(self, model, claim, *, timeout_ms):
        return Unknown("timeout after 1 ms", engine="clingo")


def test_unknown_exit_3_never_reported_as_proved(monkeypatch):
    r = run([DEFECTS / "clean", "--no-counterexamples"], UnknownClingo, monkeypatch)
    assert r.exit_code == 3, r.output
    assert "proved" not in r.output.replace("0 proved", "")
    assert "! embargoed_denied" in r.output and "clingo: timeout after 1 ms" in r.output


def test_unknown_from_analysis_exit_3(monkeypatch):
    class UnknownSat(BruteForce):
        def satisfiable(self, model, expr, *, timeout_ms, minimize=True):
            return Unknown("timeout", engine="z3")
    r = run([DEFECTS / "clean", "--no-counterexamples"], UnknownSat, monkeypatch)
    assert r.exit_code == 3, r.output


def test_real_tiny_timeout_is_unknown_or_answered(tmp_path):
    """With a 1 ms budget z3 may or may not answer; it must never claim a proof it lacks:
    exit 0 only if every check was answered, 3 otherwise."""
    r = run([DEFECTS / "clean", "--timeout", "0.001", "--no-counterexamples", "--json"])
    data = json.loads(r.output)
    unknown = [p for p in data["properties"] if p["outcome"] == "unknown"]
    assert r.exit_code == (3 if unknown or data["summary"]["unknown"] else 0)
    for p in unknown:
        assert p["status"] == "unknown" and not p["core"]


# --------------------------------------------------------------------------- injected faults

class DisagreeingClingo(BruteForce):
    def cross_check(self, model, claim, *, timeout_ms):
        return Proof(engine="clingo")       # claims every property holds


def test_engine_disagreement_is_an_error(monkeypatch):
    r = run([DEFECTS / "clean", "--no-counterexamples"], DisagreeingClingo, monkeypatch)
    assert r.exit_code == 1, r.output
    assert "ERROR" in r.output and "engines disagree: z3 says it fails, clingo says it holds" in r.output


class WrongInstance(BruteForce):
    def prove(self, model, claim, *, timeout_ms):
        result = super().prove(model, claim, timeout_ms=timeout_ms)
        # a "counterexample" that is not one: the all-defaults transaction
        return Instance(complete(model.spec, {}), {}, engine="z3")

    def cross_check(self, model, claim, *, timeout_ms):
        return Instance(complete(model.spec, {}), {}, engine="clingo")


def test_unreplayable_counterexample_is_caught(monkeypatch):
    r = run([DEFECTS / "clean", "--no-counterexamples"], WrongInstance, monkeypatch)
    assert r.exit_code == 1, r.output
    assert "does not replay" in r.output


def test_unreplayable_analysis_witness_is_an_error(monkeypatch):
    class WrongWitness(BruteForce):
        def satisfiable(self, model, expr, *, timeout_ms, minimize=True):
            res = super().satisfiable(model, expr, timeout_ms=timeout_ms, minimize=minimize)
            return Instance(complete(model.spec, {}), {}, engine="z3") if isinstance(res, Instance) else res
    r = run([DEFECTS / "clean", "--no-counterexamples", "--json"], WrongWitness, monkeypatch)
    assert r.exit_code == 1
    data = json.loads(r.output)
    assert any(f["status"] == "error" and "does not replay" in f["message"] for f in data["findings"])


def test_engine_exception_is_reported_without_traceback(monkeypatch):
    class Crashing(BruteForce):
        def cross_check(self, model, claim, *, timeout_ms):
            raise RuntimeError("clingo exploded")
    r = run([DEFECTS / "clean", "--no-counterexamples"], Crashing, monkeypatch)
    assert r.exit_code == 1 and "clingo exploded" in r.output and "Traceback" not in r.output


# --------------------------------------------------------------------------- counterexample files

def test_counterexample_files_and_their_spec_example(tmp_path, brute):
    r = run([DEFECTS / "failing", "--counterexamples", tmp_path])
    assert r.exit_code == 1
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["no_exception_for_controlled.json", "no_exception_for_controlled.lenient.json",
                     "no_exception_when_embargoed.lenient.json"]
    data = json.loads((tmp_path / "no_exception_when_embargoed.lenient.json").read_text())
    assert set(data) >= {"property", "reading", "expected", "transaction", "params",
                         "determination", "spec_example"}
    assert data["expected"] == "fails" and data["reading"] == "lenient"
    # the spec_example block pins the counterexample: it loads, and the evaluator agrees with it
    spec_dir = tmp_path / "spec"
    shutil.copytree(DEFECTS / "failing", spec_dir)
    (spec_dir / "pinned.earl").write_text(data["spec_example"])
    spec = load_spec(str(spec_dir))
    [ex] = spec.examples.values()
    assert ex.reading == "lenient" and ex.expect == {"exceptions": frozenset({"X"})}
    from earl.solver.eval import run as evaluate
    from earl.ir import resolve
    trace = evaluate(resolve(spec, "lenient"), complete(spec, ex.given))
    assert trace.outcomes["exceptions"] == frozenset({"X"})


def test_stored_counterexample_replayed_and_stable(tmp_path, brute):
    run([DEFECTS / "clean", "--counterexamples", tmp_path])
    f = tmp_path / "no_exception_when_embargoed.lenient.json"
    before = f.read_text()
    r = run([DEFECTS / "clean", "--counterexamples", tmp_path, "--json"])
    assert r.exit_code == 0
    stored = json.loads(r.output)["stored_counterexamples"]
    assert [s["status"] for s in stored] == ["pass"]
    assert f.read_text() == before


def test_tampered_counterexample_of_documented_finding_fails(tmp_path, brute):
    run([DEFECTS / "clean", "--counterexamples", tmp_path])
    f = tmp_path / "no_exception_when_embargoed.lenient.json"
    data = json.loads(f.read_text())
    data["transaction"] = {"controlled": True, "trusted": True}   # no longer embargoed
    f.write_text(json.dumps(data))
    r = run([DEFECTS / "clean", "--counterexamples", tmp_path])
    assert r.exit_code == 1, r.output
    assert "stale: no_exception_when_embargoed is expected to fail under lenient" in r.output
    # the run rewrote it from the fresh counterexample: the next run passes
    assert run([DEFECTS / "clean", "--counterexamples", tmp_path]).exit_code == 0


def test_fixed_counterexample_of_holding_property_is_a_note(tmp_path, brute):
    (tmp_path / "embargoed_denied.json").write_text(json.dumps({
        "property": "embargoed_denied", "reading": "strict", "expected": "holds",
        "transaction": {"controlled": True, "embargoed": True}, "params": {}}))
    r = run([DEFECTS / "clean", "--counterexamples", tmp_path, "--json"])
    assert r.exit_code == 0, r.output
    [s] = [s for s in json.loads(r.output)["stored_counterexamples"] if s["property"] == "embargoed_denied"]
    assert s["status"] == "note" and s["message"].startswith("fixed")


def test_unreadable_and_stale_files(tmp_path, brute):
    (tmp_path / "garbage.json").write_text("{not json")
    (tmp_path / "gone.json").write_text(json.dumps({"property": "gone", "reading": "strict"}))
    r = run([DEFECTS / "clean", "--counterexamples", tmp_path, "--json"])
    stored = {s["property"]: s for s in json.loads(r.output)["stored_counterexamples"]}
    assert stored["?"]["status"] == "fail" and stored["gone"]["status"] == "note"
    assert r.exit_code == 1


# --------------------------------------------------------------------------- machine outputs

def test_json_shape(brute):
    r = run([DEFECTS / "failing", "--no-counterexamples", "--json"])
    data = json.loads(r.output)
    assert data["exit_code"] == 1 == r.exit_code
    assert data["readings"] == ["strict", "lenient"]
    assert set(data["summary"]) >= {"checks", "proved", "failed_as_expected", "unexpected",
                                    "unknown", "errors", "findings", "intended"}
    p = next(p for p in data["properties"]
             if p["property"] == "no_exception_for_controlled" and p["reading"] == "strict")
    assert p["status"] == "fail" and p["expected"] == "holds" and p["outcome"] == "fails"
    assert p["engines"] == {"z3": "instance", "clingo": "instance"}
    assert p["counterexample"]["transaction"] == {"controlled": True, "trusted": True}
    assert p["file"].endswith("rules.earl") and p["line"] > 0
    assert data["reading_dependent"] == [{"property": "no_exception_when_embargoed",
                                          "holds_under": ["strict"], "fails_under": ["lenient"]}]
    proved = next(p for p in data["properties"] if p["outcome"] == "holds")
    assert proved["core"] and {"rule", "cite"} <= set(proved["core"][0])


def test_junit_xml(tmp_path, monkeypatch):
    out = tmp_path / "junit.xml"
    r = run([DEFECTS / "conflict", "--no-counterexamples", "--junit", out], BruteForce, monkeypatch)
    assert r.exit_code == 1
    root = ET.parse(out).getroot()
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"properties.strict", "properties.lenient", "analyses.strict",
                           "analyses.lenient"}
    props = suites["properties.strict"].findall("testcase")
    assert sorted(t.get("name") for t in props) == ["embargoed_denied", "no_exception_when_embargoed"]
    assert all(t.find("failure") is None and t.find("error") is None for t in props)
    cases = {t.get("name"): t for t in suites["analyses.strict"].findall("testcase")}
    assert set(cases) == {"vacuous", "conflict", "gap", "dead", "shadowed"}
    assert cases["conflict"].find("failure") is not None
    assert "approve_trusted" in cases["conflict"].find("failure").text
    assert cases["gap"].find("failure") is None
    assert suites["analyses.strict"].get("failures") == "1"


def test_junit_errors_and_skips(tmp_path, monkeypatch):
    out = tmp_path / "j.xml"
    run([DEFECTS / "clean", "--no-counterexamples", "--junit", out], DisagreeingClingo, monkeypatch)
    lenient = {t.get("name"): t for t in ET.parse(out).getroot().iter("testcase")
               if t.get("classname") == "properties.lenient"}
    assert lenient["no_exception_when_embargoed"].find("error") is not None
    run([DEFECTS / "clean", "--no-counterexamples", "--junit", out], UnknownClingo, monkeypatch)
    cases = [t for t in ET.parse(out).getroot().iter("testcase") if t.get("classname").startswith("properties")]
    assert cases and all(t.find("skipped") is not None for t in cases)


def test_github_annotations(monkeypatch):
    monkeypatch.setattr(primitives_mod, "Primitives", BruteForce)
    r = run([DEFECTS / "conflict", "--no-counterexamples"], env={"GITHUB_ACTIONS": "true"})
    lines = [l for l in r.output.splitlines() if l.startswith("::")]
    assert lines and all(l.startswith("::error file=") for l in lines)
    assert any("rules.earl,line=" in l and ",col=" in l and "approve_trusted" in l for l in lines)
    # no annotations outside GitHub Actions
    r = run([DEFECTS / "conflict", "--no-counterexamples"])
    assert not [l for l in r.output.splitlines() if l.startswith("::")]


def test_github_annotations_for_spec_errors(tmp_path, brute):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.earl").write_text("reading r default\nrule oops\n")
    r = CliRunner().invoke(command, [str(bad)], env={"GITHUB_ACTIONS": "true"})
    assert r.exit_code == 2
    assert any(l.startswith("::error file=") and "x.earl,line=2" in l for l in r.output.splitlines())


def test_parallel_readings_match_sequential():
    from earl.present.report import to_json
    spec = load_spec(str(DEFECTS / "conflict"))
    a = verify_mod.verify(spec, primitives=BruteForce(), jobs=1)
    b = verify_mod.verify(spec, primitives=BruteForce(), jobs=2)
    strip = lambda d: [{k: v for k, v in p.items() if k != "seconds"} for p in d["properties"]]
    assert strip(to_json(a, spec)) == strip(to_json(b, spec))
    assert to_json(a, spec)["findings"] == to_json(b, spec)["findings"]
    assert a.exit_code == b.exit_code == 1


def test_committed_counterexamples_of_the_shipped_spec_still_reproduce():
    """The regression cases `verify` wrote for the shipped spec's documented findings
    (counterexamples/) replay through the reference evaluator (no solver involved)."""
    from pathlib import Path
    from earl.solver.verify.counterexamples import replay_stored
    from earl.ir import resolve
    folder = Path(__file__).resolve().parent.parent / "counterexamples"
    if not any(folder.glob("*.json")):
        pytest.skip("no committed counterexamples")
    spec = load_spec(None)
    models = {r: resolve(spec, r) for r in spec.readings}
    results = replay_stored(spec, models, primitives_mod.Primitives(), folder)
    assert results and [s for s in results if s.status == "fail"] == []
    for s in results:
        data = json.loads(Path(s.file).read_text())
        assert data["expected"] == expectation(spec.properties[s.property], s.reading)


def test_json_stays_parseable_under_github_actions(monkeypatch):
    monkeypatch.setattr(primitives_mod, "Primitives", BruteForce)
    r = CliRunner().invoke(command, [str(DEFECTS / "conflict"), "--no-counterexamples", "--json"],
                           env={"GITHUB_ACTIONS": "true"})
    assert json.loads(r.stdout)["exit_code"] == 1
    assert any(l.startswith("::error file=") for l in r.stderr.splitlines())


# --------------------------------------------------------------------------- examples

EXAMPLES = '''
example trusted_gets_x "A trusted party gets exception X"
  cite "T 3"
  given controlled = true, trusted = true
  expect license_required = true, policy = "approval", exceptions = {"X"}

example embargoed_lenient "Under the lenient reading X reaches embargoed destinations"
  cite "T 3"
  under lenient
  given controlled = true, trusted = true, embargoed = true
  expect exceptions = {"X"}
'''


def clean_with_examples(tmp_path, examples=EXAMPLES):
    folder = tmp_path / "clean"
    shutil.copytree(DEFECTS / "clean", folder)
    (folder / "examples.earl").write_text(examples)
    return folder


def test_examples_pass_on_every_engine(tmp_path, brute):
    r = run([clean_with_examples(tmp_path), "--no-counterexamples", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["summary"]["examples"] == {"examples": 2, "runs": 6, "passed": 6, "failed": 0, "errors": 0}
    assert [(e["example"], e["engine"], e["reading"]) for e in data["examples"]][:4] == [
        ("trusted_gets_x", "eval", "strict"), ("trusted_gets_x", "smt", "strict"),
        ("trusted_gets_x", "asp", "strict"), ("embargoed_lenient", "eval", "lenient")]


def test_verify_reading_runs_only_that_readings_examples(tmp_path, brute):
    r = run([clean_with_examples(tmp_path), "--no-counterexamples", "--json", "--reading", "lenient"])
    assert {e["example"] for e in json.loads(r.output)["examples"]} == {"embargoed_lenient"}


def test_a_wrong_example_fails_verify_at_its_line_everywhere(tmp_path, brute):
    folder = clean_with_examples(tmp_path, EXAMPLES.replace('exceptions = {"X"}\n\nexample',
                                                            'exceptions = {}\n\nexample'))
    where = f"{folder / 'examples.earl'}:2"
    junit = tmp_path / "j.xml"
    r = CliRunner().invoke(command, [str(folder), "--no-counterexamples", "--junit", str(junit)],
                           env={"GITHUB_ACTIONS": "true"})
    assert r.exit_code == 1, r.output
    assert (f"✗ {where}: example trusted_gets_x FAILS [eval, smt, asp] under strict (T 3): "
            "exceptions: expected {}, got {X}") in r.output
    assert "Exception X for trusted parties [T 3]" in r.output          # the explanation
    assert "; 2 examples × 3 engines (eval, smt, asp): 3 passed, 3 failed, 0 error(s);" in r.output
    assert r.output.count(f"::error file={folder / 'examples.earl'},line=2,col=1,") == 3
    failures = [t for t in ET.parse(junit).getroot().iter("testcase") if t.find("failure") is not None]
    assert sorted(t.get("classname") for t in failures) == ["examples.asp", "examples.eval", "examples.smt"]
    assert {(t.get("name"), t.get("file"), t.get("line")) for t in failures} == {
        ("trusted_gets_x", str(folder / "examples.earl"), "2")}
    r = run([folder, "--no-counterexamples", "--json"])
    [bad] = [e for e in json.loads(r.output)["examples"] if e["status"] != "pass" and e["engine"] == "asp"]
    assert bad["mismatches"] == [{"outcome": "exceptions", "expected": [], "actual": ["X"]}]
    assert bad["line"] == 2 and "because:" in bad["explanation"]


def test_an_example_engine_failure_is_an_error(tmp_path, monkeypatch):
    class BrokenAsp(BruteForce):
        def example_engine(self, name):
            if name == "asp":
                raise RuntimeError("no clingo today")
            return super().example_engine(name)
    r = run([clean_with_examples(tmp_path), "--no-counterexamples"], BrokenAsp, monkeypatch)
    assert r.exit_code == 1
    assert "example trusted_gets_x ERROR [asp] under strict (T 3): engine asp could not be loaded: " \
           "RuntimeError: no clingo today" in r.output


def test_changing_a_shipped_example_fails_verify_at_its_line(tmp_path, spec_dir):
    """The mutation the issue names, on the shipped spec with the real engines."""
    from test_examples import changed_expectation
    copy, line = changed_expectation(tmp_path, spec_dir, "lpp_exactly_at_ceiling",
                                     'exceptions = {"LPP"}', "exceptions = {}")
    r = run([copy, "--reading", "regulation", "--no-counterexamples", "--json"])
    assert r.exit_code == 1
    data = json.loads(r.output)
    bad = [e for e in data["examples"] if e["status"] != "pass"]
    assert [(e["example"], e["engine"], e["line"]) for e in bad] == [
        ("lpp_exactly_at_ceiling", engine, line) for engine in ("eval", "smt", "asp")]
    assert bad[0]["file"].endswith("examples-exceptions.earl")


# --------------------------------------------------------------------------- documents on every exit

def test_spec_error_still_writes_json_and_junit(tmp_path, brute):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.earl").write_text("reading r default\nrule oops\n")
    junit = tmp_path / "j.xml"
    r = CliRunner().invoke(command, [str(bad), "--json", "--junit", str(junit)],
                           env={"GITHUB_ACTIONS": "true"})
    assert r.exit_code == 2
    data = json.loads(r.stdout)                       # stdout stays one JSON document
    assert data["exit_code"] == 2
    [d] = data["diagnostics"]
    assert d["severity"] == "error" and d["file"].endswith("x.earl") and (d["line"], d["column"]) == (2, 10)
    assert any(l.startswith("::error file=") for l in r.stderr.splitlines())
    [case] = ET.parse(junit).getroot().iter("testcase")
    assert case.get("line") == "2" and case.find("failure").get("type") == "spec-error"


def test_usage_and_missing_folder_still_write_documents(tmp_path, brute):
    junit = tmp_path / "j.xml"
    r = run([DEFECTS / "clean", "--reading", "nonsense", "--json", "--junit", junit])
    assert r.exit_code == 2 and "no reading 'nonsense'" in json.loads(r.stdout)["errors"][0]
    assert ET.parse(junit).getroot().find("testsuite/testcase/failure").get("type") == "usage-error"
    r = run([tmp_path / "missing", "--json"])
    assert r.exit_code == 2 and json.loads(r.stdout)["diagnostics"][0]["message"] == "no such file or folder"


def test_help_and_version():
    import subprocess
    import sys
    for flag, text in (("-h", "Usage: verify [OPTIONS] [SPEC_DIR]"), ("--version", "verify, version ")):
        r = subprocess.run([sys.executable, "-c", "import sys; from earl.cli import verify_main; "
                            f"sys.argv = ['verify', '{flag}']; verify_main()"],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0 and text in r.stdout, r.stderr


SPEC_TEXT = (DEFECTS / "clean" / "rules.earl").read_text()


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_json_and_junit_are_written_whatever_the_spec(tmp_path_factory, data):
    """A spec damaged anywhere (a slice cut out, a character changed): verify still prints one
    JSON document and writes a JUnit file, with every spec diagnostic located."""
    start = data.draw(st.integers(0, len(SPEC_TEXT) - 1))
    cut = data.draw(st.integers(0, 30))
    insert = data.draw(st.sampled_from(["", "(", "\"", "when", "0", "é", "\t", "rule"]))
    folder = tmp_path_factory.mktemp("damaged")
    (folder / "rules.earl").write_text(SPEC_TEXT[:start] + insert + SPEC_TEXT[start + cut:])
    junit = folder / "j.xml"
    original = primitives_mod.Primitives
    primitives_mod.Primitives = BruteForce
    try:
        r = CliRunner().invoke(command, [str(folder), "--no-counterexamples", "--json", "--junit",
                                         str(junit)], env={"GITHUB_ACTIONS": ""})
    finally:
        primitives_mod.Primitives = original
    assert r.exit_code in (0, 1, 2, 3) and "Traceback" not in r.output
    doc = json.loads(r.stdout)
    assert doc["exit_code"] == r.exit_code
    cases = list(ET.parse(junit).getroot().iter("testcase"))
    if r.exit_code == 2:
        assert doc["diagnostics"] and all(d["file"] for d in doc["diagnostics"])
        assert sum(c.find("failure") is not None for c in cases) == \
            sum(d["severity"] == "error" for d in doc["diagnostics"]) > 0


class RecordingProver:
    """A prover (backend.Prover's valid, satisfiable, implies) answering by brute force, and
    remembering what it was asked."""

    def __init__(self, name):
        self.name, self.asked, self.brute = name, [], BruteForce()

    def valid(self, model, claim, *, timeout_ms, minimize=True):
        self.asked.append("valid")
        return self.brute._search(model, claim, False, self.name)

    def satisfiable(self, model, expr, *, timeout_ms, minimize=True):
        self.asked.append("satisfiable")
        return self.brute._search(model, expr, True, self.name)

    def implies(self, model, premise, conclusion, *, timeout_ms):
        self.asked.append("implies")
        return self.brute._search(model, Implies(premise, conclusion), False, self.name)


def test_primitives_ask_the_provers_they_are_given():
    """`Primitives(prover, second_opinion)`: every proof and search of the run goes to the
    provers given (none to z3 or clingo), the second one proving each property once more."""
    spec = load_spec(str(DEFECTS / "clean"))
    first, second = RecordingProver("first"), RecordingProver("second")
    result = verify_mod.verify(spec, readings=[spec.default_reading], example_engines=(),
                               primitives=primitives_mod.Primitives(first, second))
    assert result.exit_code == 0
    assert second.asked == ["valid"] * len(result.properties)
    assert first.asked.count("valid") == len(result.properties) and "satisfiable" in first.asked
    assert {p.z3.engine for p in result.properties} == {"first"}
    assert {p.clingo.engine for p in result.properties} == {"second"}
