"""What `verify` answers: a result per property × reading, per stored counterexample, and the run.

Exit status (`VerifyResult.exit_code`): 0 all as expected; 1 a property, an analysis, an example
or a stored counterexample fails, or the engines disagree / an engine errs (failures win over
unknowns: a definite failure is the more useful signal); 3 a solver gave no answer (timeout,
unknown) and nothing failed. (2, a spec or usage error, is the command's.)
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ...ir import NOWHERE, Pos, PropertyDecl
from ..examples import ExampleResult
from ..results import Instance, Result
from .analyses.context import Finding


@dataclass
class PropertyResult:
    """One property under one reading.

    outcome: "holds", "fails", "unknown" (a solver gave no answer) or "error" (engines disagree,
    an engine raised, or its counterexample does not replay).
    """
    name: str
    reading: str
    expected: str
    outcome: str
    z3: Result | None = None
    clingo: Result | None = None
    message: str = ""
    counterexample: Instance | None = None
    determination_text: str = ""
    determination: dict = field(default_factory=dict)
    core: tuple[tuple[str, str], ...] = ()      # (rule, cite) the proof relies on
    cx_file: str = ""
    seconds: float = 0.0
    pos: Pos = NOWHERE
    cite: str = ""
    title: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome == self.expected

    @property
    def status(self) -> str:
        """"pass", "fail", "error" or "unknown"."""
        if self.outcome in ("error", "unknown"):
            return self.outcome
        return "pass" if self.ok else "fail"


@dataclass
class StoredResult:
    """A stored counterexample replayed. status: "pass" (still reproduces), "fail", "note"."""
    file: str
    property: str
    reading: str
    status: str
    message: str
    pos: Pos = NOWHERE
    instance: Instance | None = None


@dataclass
class VerifyResult:
    spec_dir: str
    readings: list[str]
    properties: list[PropertyResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    stored: list[StoredResult] = field(default_factory=list)
    examples: list[ExampleResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)     # engine failures outside any one check
    seconds: float = 0.0
    queries: int = 0
    cx_dir: str = ""
    analyses: tuple[str, ...] = ()    # the names of the analyses run, in ANALYSES order

    def reading_dependent(self) -> list[tuple[str, list[str], list[str]]]:
        """(property, readings where it holds, readings where it fails), when they differ."""
        by: dict[str, dict[str, list[str]]] = {}
        for p in self.properties:
            if p.outcome in ("holds", "fails"):
                by.setdefault(p.name, {"holds": [], "fails": []})[p.outcome].append(p.reading)
        return [(n, d["holds"], d["fails"]) for n, d in by.items() if d["holds"] and d["fails"]]

    @property
    def failed(self) -> bool:
        return bool(self.errors) or any(p.status in ("fail", "error") for p in self.properties) \
            or any(f.failing for f in self.findings) or any(s.status == "fail" for s in self.stored) \
            or any(e.status != "pass" for e in self.examples)

    @property
    def unknown(self) -> bool:
        return any(p.status == "unknown" for p in self.properties) \
            or any(f.status == "unknown" for f in self.findings)

    @property
    def exit_code(self) -> int:
        if self.failed:
            return 1
        if self.unknown:
            return 3
        return 0


def expectation(prop: PropertyDecl, reading: str) -> str:
    """What the spec expects of `prop` under `reading`: "holds" or "fails"."""
    return prop.expect_by_reading.get(reading, prop.expect)
