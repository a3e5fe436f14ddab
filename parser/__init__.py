"""The earl front end: .earl text -> syntax tree -> checked -> typed IR (earl.ir.Spec).

    from earl.parser import load_spec, parse_expression, SpecError
    spec = load_spec()                    # the shipped spec (the earl.spec package)
    spec = load_spec("tests/specs/ok")    # a folder of .earl files, or one file
    cond = parse_expression(spec, 'destination in D5 and not license_required')

Every problem is a `Diagnostic` (file:line:col, message, the source line with a caret, an
optional hint); `SpecError.render()` gives them all as text.
"""
from __future__ import annotations

import contextlib
import os
import sys
from importlib import resources
from pathlib import Path
from typing import Optional, Union

from .. import ir
from .check import check, check_condition
from .diagnostics import Diagnostic, Reporter, SpecError, render_all
from .lower import Lowerer, lower
from .parse import parse_text

__all__ = ["load_spec", "load_spec_with_warnings", "load_spec_sources", "parse_expression", "SpecError", "Diagnostic",
           "render_all", "spec_files", "shipped_spec_dir"]


def shipped_spec_dir():
    """The folder of the shipped spec (works from an editable or a regular install)."""
    return resources.files("earl.spec")


def _display_name(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


def spec_files(path: Union[str, os.PathLike, None] = None) -> list[tuple[str, str]]:
    """The (display name, text) of every .earl file of the spec, sorted by name."""
    if path is None:
        root = shipped_spec_dir()
        out = []
        for entry in sorted(root.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".earl") and entry.is_file():
                try:
                    display = _display_name(Path(str(entry)))
                except Exception:
                    display = f"earl/spec/{entry.name}"
                out.append((display, entry.read_bytes()))
        return out
    p = Path(path)
    if p.is_dir():
        files = sorted(x for x in p.glob("*.earl") if x.is_file())
    else:
        files = [p]
    out = []
    for f in files:
        try:
            out.append((_display_name(f), f.read_bytes()))
        except OSError as e:
            out.append((_display_name(f), e))
    return out


def _load(path, reporter: Reporter) -> Optional[tuple[ir.Spec, list[Diagnostic]]]:
    """(spec, warnings), or None with the errors in `reporter`."""
    if path is not None and not Path(path).exists():
        reporter.error(ir.Pos(str(path), 0, 0), "no such file or folder")
        return None
    files = spec_files(path)
    if not files:
        reporter.error(ir.Pos(str(path) if path is not None else "earl.spec", 0, 0),
                       "no .earl files found")
        return None

    spec = _load_files(files, reporter)
    return None if spec is None or reporter.errors else (spec, reporter.sorted())


@contextlib.contextmanager
def _deep_recursion(limit: int = 20_000):
    """The checker and the lowering walk expressions recursively; allow deeply nested ones."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def _too_deep(reporter: Reporter, file: str) -> None:
    reporter.error(ir.Pos(file, 1, 1), "an expression is nested too deeply to be checked")


def _load_files(files, reporter: Reporter) -> Optional[ir.Spec]:
    try:
        with _deep_recursion():
            return _load_files_inner(files, reporter)
    except RecursionError:
        _too_deep(reporter, files[0][0] if files else "<spec>")
        return None


def _load_files_inner(files, reporter: Reporter) -> Optional[ir.Spec]:
    trees = []
    for name, data in files:
        if isinstance(data, Exception):
            reporter.error(ir.Pos(name, 0, 0), f"cannot read the file: {getattr(data, 'strerror', None) or data}")
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            reporter.error(ir.Pos(name, 1, 1), f"the file is not UTF-8 text ({e.reason} at byte {e.start})")
            continue
        tree = parse_text(text, name, reporter)
        if tree is not None:
            trees.append(tree)
    if reporter.errors:
        return None
    checked = check(trees, reporter)
    if reporter.errors:
        return None
    return lower(checked, tuple(name for name, _ in files))


def load_spec_with_warnings(path: Union[str, os.PathLike, None] = None) -> tuple[ir.Spec, list[Diagnostic]]:
    """Like `load_spec`, also returning the warnings (unused definitions and parameters...)."""
    reporter = Reporter()
    loaded = _load(path, reporter)
    if loaded is None:
        raise SpecError(reporter.sorted())
    return loaded


def load_spec_sources(sources: dict[str, str]) -> ir.Spec:
    """Load a spec from text: {file name: contents} (file names are used in diagnostics)."""
    reporter = Reporter()
    spec = _load_files([(name, text.encode("utf-8", "surrogatepass")) for name, text in sources.items()],
                       reporter)
    if spec is None or reporter.errors:
        raise SpecError(reporter.sorted())
    return spec


def load_spec(path: Union[str, os.PathLike, None] = None) -> ir.Spec:
    """Parse, check and lower a spec: a folder of .earl files, one file, or None for the shipped
    spec. Raises `SpecError` (with every diagnostic) if anything is wrong."""
    return load_spec_with_warnings(path)[0]


CONDITION_FILE = "<condition>"


def parse_expression(spec: ir.Spec, text: str) -> ir.Expr:
    """Parse and type-check one boolean expression in the context of `spec` (names are the spec's
    inputs, parameters, definitions and outcomes; `c in G` tests a country group on `date`).
    Raises `SpecError` with diagnostics located in the text (file name `<condition>`)."""
    reporter = Reporter()
    try:
        with _deep_recursion():
            tree = parse_text(text, CONDITION_FILE, reporter, start="expr")
            if tree is None or reporter.errors:
                raise SpecError(reporter.sorted())
            checker = check_condition(spec, tree, reporter)
            if reporter.errors:
                raise SpecError(reporter.sorted())
            return Lowerer(checker.types, checker.refs).expr(tree)
    except RecursionError:
        _too_deep(reporter, CONDITION_FILE)
        raise SpecError(reporter.sorted()) from None
