"""`earl verify [SPEC_DIR]` (also the `verify` entry point): prove every property, run the
built-in analyses and every example on every engine, replay and write counterexamples.

Exit status: 0 everything as expected; 1 a property, analysis, example or stored counterexample
failed, or the engines disagree; 2 a spec or usage error; 3 a solver gave no answer (and nothing
failed). `--json` and `--junit FILE` write their document on every exit, a spec error included.

Counterexamples folder (`--counterexamples DIR`): by default, the `counterexamples/` folder beside
the spec folder when it exists — for the shipped spec run from a checkout (`verify spec/`, or
`verify` with no argument in an editable install) that is the repository's `counterexamples/`.
When there is no such folder and no option, counterexamples are neither replayed nor written
(the report says so). `--no-counterexamples` turns both off.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click


def shipped_spec_dir() -> Path:
    from .. import parser   # looked up on each call: the tests point it at their checkout
    return Path(str(parser.shipped_spec_dir()))


def default_cx_dir(spec_dir: Path) -> Path | None:
    candidate = spec_dir.resolve().parent / "counterexamples"
    return candidate if candidate.is_dir() else None


@click.command("verify", context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="earl", prog_name="verify")
@click.argument("spec_dir", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--reading", "readings", multiple=True, metavar="NAME",
              help="Verify under this reading only (repeatable; default: every reading).")
@click.option("--junit", "junit", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Also write a JUnit XML report to FILE.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON instead of the report.")
@click.option("--timeout", "timeout", type=click.FloatRange(min=0, min_open=True), default=10.0,
              show_default=True, metavar="SECONDS", help="Time limit of each solver check.")
@click.option("--counterexamples", "cx_dir", type=click.Path(file_okay=False, path_type=Path),
              metavar="DIR", help="Where counterexamples are replayed from and written to "
              "(default: counterexamples/ beside the spec folder, if it exists).")
@click.option("--no-counterexamples", is_flag=True, help="Neither replay nor write counterexamples.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, metavar="N",
              help="Readings verified in parallel processes (default: one per CPU).")
@click.option("-v", "--verbose", is_flag=True, help="Also show intended findings' witnesses and "
              "a witness for every non-vacuous property.")
def command(spec_dir, readings, junit, as_json, timeout, cx_dir, no_counterexamples, jobs, verbose):
    """Prove every property of SPEC_DIR (default: the shipped spec) under every reading with z3,
    cross-check with clingo, run the built-in analyses (conflict, gap, dead, shadowed, vacuous),
    run every example on every engine (eval, smt, asp) and replay stored counterexamples."""
    # imported here, not above: `earl --help` loads every command module, not the solvers
    from rich.console import Console
    from ..parser import SpecError, load_spec
    from ..present import console, report
    from ..solver.verify import primitives, run

    github = bool(os.environ.get("GITHUB_ACTIONS"))
    err = Console(stderr=True, highlight=False)
    spec_dir = spec_dir or shipped_spec_dir()

    def stop(code: int, diagnostics=(), message: str = ""):
        stop_with_documents("earl verify", spec_dir, code, as_json, junit, diagnostics, message)

    try:
        spec = load_spec(str(spec_dir))
    except SpecError as e:
        click.echo(e.render(), err=True)
        if github:
            for line in report.spec_error_annotations(e):
                click.echo(line, err=as_json)
        stop(2, e.diagnostics)
    for r in readings:
        if r not in spec.readings:
            msg = f"no reading {r!r}; the spec has " + ", ".join(spec.readings)
            click.echo(f"verify: --reading: {msg}", err=True)
            stop(2, message=msg)
    if no_counterexamples:
        cx_dir = None
    elif cx_dir is None:
        cx_dir = default_cx_dir(spec_dir)

    try:
        prims = primitives.Primitives()
    except Exception as e:  # an engine that cannot load: not the user's fault, but no traceback
        msg = f"the solvers could not be loaded: {type(e).__name__}: {e}"
        err.print(f"[red]error:[/] {msg}")
        stop(1, message=msg)
    result = run.verify(spec, readings=list(readings) or None,
                        timeout_ms=max(1, int(timeout * 1000)), cx_dir=cx_dir,
                        primitives=prims, spec_dir=str(spec_dir),
                        jobs=jobs or os.cpu_count() or 1)

    if github:
        # with --json the annotations go to stderr (the runner reads workflow commands from
        # both streams), so that stdout stays one JSON document
        for line in report.github_annotations(result, spec):
            click.echo(line, err=as_json)
    if as_json:
        click.echo(json.dumps(report.to_json(result, spec), indent=2, ensure_ascii=False))
    else:
        console.human(result, spec, Console(highlight=False, soft_wrap=True), verbose=verbose)
    if junit is not None:
        write_junit(junit, report.junit_xml(result, spec))
    sys.exit(result.exit_code)


def stop_with_documents(name: str, spec_dir: Path, code: int, as_json: bool, junit: Path | None,
                        diagnostics=(), message: str = "") -> None:
    """End before any check ran (spec or usage error), still writing the --json and --junit
    documents CI reads, each diagnostic a failure at its file:line:col."""
    from ..present import report
    if as_json:
        click.echo(json.dumps(report.problem_json(str(spec_dir), code, diagnostics, message),
                              indent=2, ensure_ascii=False))
    if junit is not None:
        write_junit(junit, report.problem_junit(name, diagnostics, message))
    sys.exit(code)


def write_junit(path: Path, xml: str) -> None:
    try:
        path.write_text(xml, encoding="utf-8")
    except OSError as e:
        click.echo(f"error: cannot write {path}: {e}", err=True)
        sys.exit(2)


def main() -> None:
    """The `verify` console script."""
    command(prog_name="verify")
