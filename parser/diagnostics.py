"""Diagnostics: what is wrong, where, shown with the source line and a caret.

    spec/foo.earl:12:7: error: undefined name 'end_user.hqq'
       input x : country = end_user.hqq
                           ^~~~~~~~~~~~
    hint: did you mean 'end_user.hq'?
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable, Optional

from ..ir import Pos


@dataclass
class Diagnostic:
    severity: str            # "error" or "warning"
    message: str
    pos: Pos
    hint: str = ""
    source_line: Optional[str] = None   # the text of line `pos.line`, without its newline
    length: int = 1                     # how many columns the caret underlines

    def render(self) -> str:
        out = [f"{self.pos.file}:{self.pos.line}:{self.pos.column}: {self.severity}: {self.message}"]
        if self.source_line is not None and self.pos.line > 0:
            line = self.source_line.rstrip("\r\n")
            col = max(self.pos.column, 1)
            # keep tabs so that the caret lines up under the same characters
            prefix = "".join(ch if ch == "\t" else " " for ch in line[:col - 1])
            prefix += " " * max(0, col - 1 - len(line))
            length = max(1, min(self.length, max(1, len(line) - col + 1)))
            out.append("    " + line)
            out.append("    " + prefix + "^" + "~" * (length - 1))
        if self.hint:
            out.append(f"hint: {self.hint}")
        return "\n".join(out)

    def __str__(self) -> str:
        return self.render()


class SpecError(Exception):
    """A spec (or a condition) that cannot be loaded: carries every diagnostic found."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = list(diagnostics)
        errors = [d for d in self.diagnostics if d.severity == "error"]
        first = errors[0] if errors else (self.diagnostics[0] if self.diagnostics else None)
        summary = (f"{first.pos}: {first.message}" if first else "invalid spec")
        if len(errors) > 1:
            summary += f" (and {len(errors) - 1} more error{'s' if len(errors) > 2 else ''})"
        super().__init__(summary)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    def render(self) -> str:
        return render_all(self.diagnostics)


def render_all(diagnostics: Iterable[Diagnostic]) -> str:
    return "\n".join(d.render() for d in diagnostics)


def did_you_mean(name: str, candidates: Iterable[str], n: int = 1) -> str:
    """`did you mean 'x'?` for the closest candidate, or "" if none is close."""
    cands = sorted(set(c for c in candidates if c is not None))
    matches = difflib.get_close_matches(name, cands, n=n, cutoff=0.6)
    if not matches:
        lower = {c.lower(): c for c in cands}
        if name.lower() in lower:
            matches = [lower[name.lower()]]
        else:
            m = difflib.get_close_matches(name.lower(), list(lower), n=n, cutoff=0.6)
            matches = [lower[x] for x in m]
    if not matches:
        return ""
    return "did you mean " + " or ".join(f"'{m}'" for m in matches) + "?"


class Reporter:
    """Collects diagnostics; knows the source text of every file so it can show the line."""

    def __init__(self) -> None:
        self.sources: dict[str, list[str]] = {}
        self.diagnostics: list[Diagnostic] = []

    def add_source(self, file: str, text: str) -> None:
        self.sources[file] = text.split("\n")

    def line_of(self, pos: Pos) -> Optional[str]:
        lines = self.sources.get(pos.file)
        if lines is None or not (1 <= pos.line <= len(lines)):
            return None
        return lines[pos.line - 1]

    def error(self, pos: Pos, message: str, hint: str = "", length: int = 1) -> Diagnostic:
        return self._add("error", pos, message, hint, length)

    def warning(self, pos: Pos, message: str, hint: str = "", length: int = 1) -> Diagnostic:
        return self._add("warning", pos, message, hint, length)

    def _add(self, severity: str, pos: Pos, message: str, hint: str, length: int) -> Diagnostic:
        d = Diagnostic(severity, message, pos, hint, self.line_of(pos), length)
        self.diagnostics.append(d)
        return d

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.diagnostics, key=lambda d: (d.pos.file, d.pos.line, d.pos.column))
