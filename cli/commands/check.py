"""`earl check [SPEC_DIR]`: parse and check a spec, print its diagnostics and a summary.

A static check, like `opa check` beside `opa test`: "ok" means well-formed. Examples are
type-checked (their inputs, outcomes, values, reading and parameters exist and fit) but not run,
so a wrong expected answer still checks ok: `earl test` runs the examples, `verify` runs them
with everything else.

Exit status: 0 the spec is well-formed (warnings allowed); 2 it has errors.
"""
from __future__ import annotations

from pathlib import Path

import click


@click.command("check")
@click.argument("spec_dir", required=False, type=click.Path(path_type=Path))
@click.option("-q", "--quiet", is_flag=True, help="Do not print warnings.")
def command(spec_dir, quiet):
    """Parse and check SPEC_DIR (a folder of .earl files or one file; default: the shipped spec):
    names, types, citations, overrides, readings, groups, examples. Prints every error and
    warning with its file:line:column, then a one-line summary. Examples are type-checked, not
    run: `earl test` runs them."""
    from ..parser import SpecError, load_spec_with_warnings
    from ..present.text import plural, spec_summary

    label = str(spec_dir) if spec_dir is not None else "the shipped spec"
    try:
        spec, warnings = load_spec_with_warnings(spec_dir)
    except SpecError as e:
        shown = [d for d in e.diagnostics if not (quiet and d.severity == "warning")]
        if shown:
            click.echo("\n".join(d.render() for d in shown), err=True)
        n_err = len(e.errors)
        n_warn = len(e.diagnostics) - n_err
        click.echo(f"{label}: {plural(n_err, 'error')}, {plural(n_warn, 'warning')}", err=True)
        raise SystemExit(2)
    if warnings and not quiet:
        click.echo("\n".join(d.render() for d in warnings), err=True)
    click.echo(f"{label}: ok: {spec_summary(spec)}" + (f" ({plural(len(warnings), 'warning')})" if warnings else ""))
