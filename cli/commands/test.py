"""`earl test [SPEC] [-k PATTERN] [--engine eval|smt|asp ...] [--reading R ...] [--json] [--junit FILE]`

Run only the spec's `example` blocks (the golden determinations), fast: the counterpart of
`clerk test` and `opa test`. Each example is determined under its reading, with its parameters,
on each engine (default: eval, smt and asp), by the same runner `verify` uses
(earl.solver.examples). A failure is reported at the example's file:line with the expected and
actual values and the engine's explanation; `--json` and `--junit` give the same as documents
(written on every exit, a spec error included), and GitHub Actions annotations are printed when
`GITHUB_ACTIONS` is set.

Exit status: 0 every selected example holds on every engine; 1 some example fails or an engine
failed on it; 2 a spec or usage error (including a PATTERN that selects no example).
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import click

from ..solver.engines import ENGINES


@click.command("test")
@click.argument("spec_dir", required=False, type=click.Path(path_type=Path), metavar="[SPEC]")
@click.option("-k", "pattern", metavar="PATTERN",
              help="Only examples whose name contains PATTERN (or matches it as a glob: lpp_*).")
@click.option("--engine", "engines", multiple=True, type=click.Choice(list(ENGINES)),
              help="Run on this engine (repeatable; default: every engine).")
@click.option("--reading", "readings", multiple=True, metavar="NAME",
              help="Only examples under this reading (repeatable; default: every example).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as one JSON document.")
@click.option("--junit", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Also write a JUnit XML report to FILE.")
def command(spec_dir, pattern, engines, readings, as_json, junit):
    """Run the examples of SPEC (a folder of .earl files or one file; default: the shipped spec)
    on every engine and compare each with its expected outcomes."""
    from rich.console import Console
    from ..parser import SpecError, load_spec
    from ..present import console as report_console, report
    from ..solver import examples
    from .verify import shipped_spec_dir, stop_with_documents, write_junit

    spec_dir = spec_dir or shipped_spec_dir()

    def stop(code: int, diagnostics=(), message: str = ""):
        stop_with_documents("earl test", spec_dir, code, as_json, junit, diagnostics, message)

    def usage(message: str):
        click.echo(f"earl test: {message}", err=True)
        stop(2, message=message)

    try:
        spec = load_spec(str(spec_dir))
    except SpecError as e:
        click.echo(e.render(), err=True)
        if os.environ.get("GITHUB_ACTIONS"):
            for line in report.spec_error_annotations(e):
                click.echo(line, err=as_json)
        stop(2, e.diagnostics)
    unknown = [r for r in readings if r not in spec.readings]
    if unknown:
        usage(f"--reading: no reading {unknown[0]!r}; the spec has " + ", ".join(spec.readings))
    if pattern and not examples.select(spec, pattern, readings or None):
        usage(f"-k {pattern}: no example matches; the spec has {len(spec.examples)} examples")

    t0 = time.perf_counter()
    results = examples.run_examples(spec, engines or tuple(ENGINES), pattern=pattern,
                                    readings=readings or None)
    seconds = time.perf_counter() - t0
    failed = any(r.status != "pass" for r in results)

    if os.environ.get("GITHUB_ACTIONS"):
        for line in report.example_annotations(results):
            click.echo(line, err=as_json)
    if as_json:
        click.echo(json.dumps(report.examples_json(str(spec_dir), results, seconds),
                              indent=2, ensure_ascii=False))
    else:
        report_console.examples_report(results, seconds, Console(highlight=False, soft_wrap=True))
    if junit is not None:
        write_junit(junit, report.examples_junit_xml(results, seconds))
    sys.exit(int(failed))
