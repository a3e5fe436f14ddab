"""What `verify` and `earl test` write for machines: JSON, JUnit XML, GitHub Actions annotations
(console.py prints the human report).

JUnit: one <testsuite> per reading for the properties (one <testcase> per property: <failure>
when the outcome is not the expected one, <error> when the engines disagree, an engine fails or
a counterexample does not replay, <skipped> when a solver gave no answer), one per reading for
the analyses (one <testcase> per analysis kind: <failure> listing its findings, intended findings
in <system-out>), one for the stored counterexamples (one <testcase> per file), and one per
engine for the examples (one <testcase> per example, with its file and line: <failure> when an
outcome differs, <error> when the engine failed). `earl test` writes only the example suites.

A run that stops on a spec or usage error still gets a document (`problem_json`,
`problem_junit`): each diagnostic becomes a failure at its file:line:col.
"""
from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

from ..ir import Pos, Spec, resolve
from ..ir.values import non_default
from ..solver.examples import ExampleResult, counts as example_counts
from ..solver.results import Instance, Proof, Unknown
from ..solver.transaction import to_json as transaction_json, value_to_json
from ..solver.verify.results import PropertyResult, VerifyResult

ENGINE_TAG = "[z3+clingo]"


# --------------------------------------------------------------------------- helpers

def relative(file: str) -> str:
    """`file` relative to the working directory when it lies below it, else as given."""
    try:
        p = Path(file)
        if p.is_absolute():
            rel = os.path.relpath(p)
            return file if rel.startswith("..") else rel
    except ValueError:
        pass
    return file


def _where(pos: Pos) -> dict:
    return {"file": relative(pos.file), "line": pos.line, "column": pos.column} if pos.line else {}


def nested(spec: Spec, values: dict) -> dict:
    return transaction_json(spec, non_default(spec, values))


def instance_json(spec: Spec, inst: Instance | None, model_params: dict | None = None) -> dict | None:
    if inst is None:
        return None
    params = {k: v for k, v in inst.params.items()
              if model_params is None or model_params.get(k) != v}
    return {"transaction": nested(spec, inst.transaction),
            "params": {k: value_to_json(v) for k, v in params.items()},
            "engine": inst.engine}


def one_line(spec: Spec, inst: Instance | None, model_params: dict | None = None) -> str:
    data = instance_json(spec, inst, model_params)
    if data is None:
        return ""
    text = json.dumps(data["transaction"], ensure_ascii=False)
    if data["params"]:
        text += " with " + json.dumps(data["params"], ensure_ascii=False)
    return text


def _engines(p: PropertyResult) -> dict:
    def k(r):
        return {Proof: "proof", Instance: "instance", Unknown: "unknown"}.get(type(r))
    return {"z3": k(p.z3), "clingo": k(p.clingo)}


# --------------------------------------------------------------------------- JSON

def to_json(result: VerifyResult, spec: Spec) -> dict:
    params = {r: resolve(spec, r).params for r in result.readings}
    props = []
    for p in result.properties:
        props.append({
            "property": p.name, "reading": p.reading, "title": p.title, "cite": p.cite,
            "expected": p.expected, "outcome": p.outcome, "status": p.status,
            "engines": _engines(p), "message": p.message, **_where(p.pos),
            "seconds": round(p.seconds, 4),
            "core": [{"rule": r, "cite": c} for r, c in p.core],
            "counterexample": instance_json(spec, p.counterexample, params[p.reading]),
            "counterexample_file": p.cx_file or None,
            "determination": p.determination or None,
        })
    findings = []
    for f in result.findings:
        findings.append({
            "kind": f.kind, "reading": f.reading, "subject": f.subject, "status": f.status,
            "message": f.message, **_where(f.pos),
            "rules": [{"rule": r, "cite": spec.rules[r].cite if r in spec.rules else ""}
                      for r in f.rules],
            "witness": instance_json(spec, f.witness, params[f.reading]),
        })
    return {
        "spec": result.spec_dir,
        "readings": result.readings,
        "exit_code": result.exit_code,
        "seconds": round(result.seconds, 3),
        "summary": summary_counts(result),
        "properties": props,
        "reading_dependent": [{"property": n, "holds_under": h, "fails_under": f}
                              for n, h, f in result.reading_dependent()],
        "findings": findings,
        "stored_counterexamples": [{"file": relative(s.file), "property": s.property,
                                    "reading": s.reading, "status": s.status,
                                    "message": s.message} for s in result.stored],
        "examples": [example_json(e) for e in result.examples],
        "errors": result.errors,
        "notes": result.notes,
    }


def summary_counts(result: VerifyResult) -> dict:
    ps = result.properties
    fs = [f for f in result.findings if f.status != "ok"]
    return {
        "checks": len(ps),
        "proved": sum(p.outcome == "holds" and p.ok for p in ps),
        "failed_as_expected": sum(p.outcome == "fails" and p.ok for p in ps),
        "unexpected": sum(p.status == "fail" for p in ps),
        "unknown": sum(p.status == "unknown" for p in ps) + sum(f.status == "unknown" for f in fs),
        "errors": sum(p.status == "error" for p in ps) + sum(f.status == "error" for f in fs)
                  + len(result.errors),
        "findings": sum(f.status == "finding" for f in fs),
        "intended": sum(f.status == "intended" for f in fs),
        "stored_failing": sum(s.status == "fail" for s in result.stored),
        "examples": example_counts(result.examples),
    }


def example_json(e: ExampleResult) -> dict:
    return {"example": e.name, "engine": e.engine, "reading": e.reading, "status": e.status,
            "title": e.title, "cite": e.cite, **_where(e.pos),
            "params": {k: value_to_json(v) for k, v in e.params.items()},
            "mismatches": [{"outcome": o, "expected": value_to_json(want), "actual": value_to_json(got)}
                           for o, want, got in e.mismatches],
            "conflicts": [{"outcome": o, "slot": slot, "rules": list(rules)}
                          for o, slot, rules in e.conflicts],
            "message": e.message, "explanation": e.explanation or None,
            "seconds": round(e.seconds, 4)}


def examples_json(spec_dir: str, results: list[ExampleResult], seconds: float) -> dict:
    """`earl test --json`: the examples alone."""
    return {"spec": spec_dir, "exit_code": int(any(r.status != "pass" for r in results)),
            "seconds": round(seconds, 3), "summary": example_counts(results),
            "examples": [example_json(r) for r in results]}


def problem_json(spec_dir: str, exit_code: int, diagnostics=(), message: str = "") -> dict:
    """The JSON document of a run stopped before any check: a spec or usage error."""
    return {"spec": spec_dir, "exit_code": exit_code,
            "diagnostics": [{"severity": d.severity, "message": d.message, "hint": d.hint or None,
                             **(_where(d.pos) or {"file": relative(d.pos.file)})} for d in diagnostics],
            "errors": [message] if message else []}


# --------------------------------------------------------------------------- JUnit XML

def junit_xml(result: VerifyResult, spec: Spec) -> str:
    root = ET.Element("testsuites", name="earl verify", time=f"{result.seconds:.3f}")

    def suite(name: str) -> ET.Element:
        return ET.SubElement(root, "testsuite", name=name)

    for reading in result.readings:
        s = suite(f"properties.{reading}")
        for p in (p for p in result.properties if p.reading == reading):
            tc = ET.SubElement(s, "testcase", classname=f"properties.{reading}", name=p.name,
                               time=f"{p.seconds:.4f}")
            if p.pos.line:
                tc.set("file", relative(p.pos.file))
                tc.set("line", str(p.pos.line))
            if p.status == "fail":
                what = (f"{p.name} is expected to {'hold' if p.expected == 'holds' else 'fail'} "
                        f"under {reading} but {'fails' if p.outcome == 'fails' else 'holds'}")
                el = ET.SubElement(tc, "failure", message=what, type="unexpected")
                el.text = "\n".join(x for x in (
                    "counterexample: " + one_line(spec, p.counterexample) if p.counterexample else "",
                    p.determination_text) if x)
            elif p.status == "error":
                ET.SubElement(tc, "error", message=p.message, type="engine")
            elif p.status == "unknown":
                ET.SubElement(tc, "skipped", message=f"no answer: {p.message}")
            else:
                out = ET.SubElement(tc, "system-out")
                out.text = (f"{p.outcome} as expected {ENGINE_TAG}"
                            + ("; relies on " + ", ".join(f"{r} ({c})" for r, c in p.core) if p.core else ""))
        a = suite(f"analyses.{reading}")
        for kind in result.analyses:
            fs = [f for f in result.findings if f.reading == reading and f.kind == kind]
            tc = ET.SubElement(a, "testcase", classname=f"analyses.{reading}", name=kind)
            bad = [f for f in fs if f.failing]
            unknown = [f for f in fs if f.status == "unknown"]
            if any(f.status == "error" for f in bad):
                el = ET.SubElement(tc, "error", message=f"{kind}: a witness does not replay",
                                   type="engine")
                el.text = "\n".join(f.message for f in bad)
            elif bad:
                el = ET.SubElement(tc, "failure", message=f"{len(bad)} {kind} finding(s)", type=kind)
                el.text = "\n".join(f"{relative(f.pos.file)}:{f.pos.line}: {f.message}" for f in bad)
            elif unknown:
                ET.SubElement(tc, "skipped", message="; ".join(f.message for f in unknown))
            quiet = [f for f in fs if f.status in ("intended", "ok")]
            if quiet:
                out = ET.SubElement(tc, "system-out")
                out.text = "\n".join(f"{f.status}: {f.message}" for f in quiet)
    if result.stored:
        s = suite("counterexamples")
        for st in result.stored:
            tc = ET.SubElement(s, "testcase", classname="counterexamples", name=Path(st.file).name)
            if st.status == "fail":
                ET.SubElement(tc, "failure", message=st.message, type="stale")
            else:
                ET.SubElement(tc, "system-out").text = f"{st.status}: {st.message}"
    if result.errors:
        s = suite("engine")
        for i, e in enumerate(result.errors):
            tc = ET.SubElement(s, "testcase", classname="engine", name=f"error{i + 1}")
            ET.SubElement(tc, "error", message=e, type="engine")
    examples_junit(root, result.examples)
    return _junit_text(root)


def examples_junit(root: ET.Element, results: list[ExampleResult]) -> None:
    """One <testsuite> per engine, one <testcase> per example (at its file and line)."""
    for engine in dict.fromkeys(e.engine for e in results):
        s = ET.SubElement(root, "testsuite", name=f"examples.{engine}")
        for e in (e for e in results if e.engine == engine):
            tc = ET.SubElement(s, "testcase", classname=f"examples.{engine}", name=e.name,
                               time=f"{e.seconds:.4f}")
            if e.pos.line:
                tc.set("file", relative(e.pos.file))
                tc.set("line", str(e.pos.line))
            if e.status == "fail":
                el = ET.SubElement(tc, "failure", message=example_headline(e), type="example")
                el.text = e.explanation
            elif e.status == "error":
                ET.SubElement(tc, "error", message=example_headline(e), type="engine")
            else:
                ET.SubElement(tc, "system-out").text = f"{e.cite}: as expected under {e.reading}"


def examples_junit_xml(results: list[ExampleResult], seconds: float) -> str:
    """`earl test --junit`: the example suites alone."""
    root = ET.Element("testsuites", name="earl test", time=f"{seconds:.3f}")
    examples_junit(root, results)
    return _junit_text(root)


def problem_junit(name: str, diagnostics=(), message: str = "") -> str:
    """A run stopped by a spec or usage error: one failing <testcase> per diagnostic."""
    root = ET.Element("testsuites", name=name)
    s = ET.SubElement(root, "testsuite", name="spec")
    for d in diagnostics:
        tc = ET.SubElement(s, "testcase", classname="spec", name=f"{relative(d.pos.file)}:{d.pos.line}:{d.pos.column}",
                           file=relative(d.pos.file), line=str(d.pos.line))
        if d.severity == "error":
            ET.SubElement(tc, "failure", message=d.message, type="spec-error").text = d.render()
        else:
            ET.SubElement(tc, "system-out").text = d.render()
    if message:
        tc = ET.SubElement(s, "testcase", classname="spec", name="usage")
        ET.SubElement(tc, "failure", message=message, type="usage-error")
    return _junit_text(root)


def _junit_text(root: ET.Element) -> str:
    for s in root:
        cases = s.findall("testcase")
        s.set("tests", str(len(cases)))
        s.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
        s.set("errors", str(sum(1 for c in cases if c.find("error") is not None)))
        s.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def example_headline(e: ExampleResult) -> str:
    return f"example {e.name} [{e.engine}] under {e.reading} ({e.cite}): {e.message}"


# --------------------------------------------------------------------------- GitHub annotations

def _esc_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _esc_prop(s: str) -> str:
    return _esc_data(s).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, pos: Pos | None, message: str, title: str = "") -> str:
    props = []
    if pos is not None and pos.line:
        props += [f"file={_esc_prop(relative(pos.file))}", f"line={pos.line}", f"col={pos.column}"]
    if title:
        props.append(f"title={_esc_prop(title)}")
    return f"::{level}{' ' + ','.join(props) if props else ''}::{_esc_data(message)}"


def github_annotations(result: VerifyResult, spec: Spec) -> list[str]:
    out = []
    for p in result.properties:
        if p.status == "fail":
            msg = (f"{p.name} is expected to {'hold' if p.expected == 'holds' else 'fail'} under "
                   f"{p.reading} but {'fails' if p.outcome == 'fails' else 'holds'}")
            if p.counterexample:
                msg += f"; counterexample: {one_line(spec, p.counterexample)}"
            out.append(annotation("error", p.pos, msg, f"earl verify: {p.name}"))
        elif p.status == "error":
            out.append(annotation("error", p.pos, f"{p.name} under {p.reading}: {p.message}",
                                  "earl verify: engine error"))
        elif p.status == "unknown":
            out.append(annotation("warning", p.pos, f"{p.name} under {p.reading}: no answer "
                                  f"({p.message})", "earl verify: unknown"))
    for f in result.findings:
        if f.failing:
            out.append(annotation("error", f.pos, f"[{f.reading}] {f.message}", f"earl verify: {f.kind}"))
        elif f.status == "unknown":
            out.append(annotation("warning", f.pos, f"[{f.reading}] {f.message}", f"earl verify: {f.kind}"))
    for s in result.stored:
        if s.status == "fail":
            out.append(annotation("error", s.pos if s.pos.line else None, f"{relative(s.file)}: {s.message}",
                                  "earl verify: stored counterexample"))
    for e in result.errors:
        out.append(annotation("error", None, e, "earl verify: engine error"))
    return out + example_annotations(result.examples)


def example_annotations(results: list[ExampleResult]) -> list[str]:
    return [annotation("error", e.pos, example_headline(e)
                       + (f"\n{e.explanation}" if e.explanation else ""), f"earl: example {e.name}")
            for e in results if e.status != "pass"]


def spec_error_annotations(error) -> list[str]:
    return [annotation("error" if d.severity == "error" else "warning", d.pos,
                       d.message + (f" ({d.hint})" if d.hint else ""), "earl: spec error")
            for d in getattr(error, "diagnostics", [])]
