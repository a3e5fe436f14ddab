"""`earl provisions [--spec DIR] [--markdown]`: every rule of the spec, in a table.

Columns: rule, pin cite, title, source of its text (verbatim regulation text with the version, a
named secondary source, or an assumption), readings it exists under, how many examples fire it (each example
determined under its own reading and parameters), and the properties that touch it (a property
touches a rule when its expression reads an outcome the rule concludes, or the rule itself,
directly or through definitions, under some reading).
"""
from __future__ import annotations

import sys

import click


@click.command("provisions")
@click.option("--spec", "spec_dir", type=click.Path(exists=True), default=None, metavar="DIR",
              help="The spec folder (default: the shipped spec).")
@click.option("--markdown", "as_markdown", is_flag=True, help="A Markdown table (for the README).")
def command(spec_dir, as_markdown):
    """List every provision (rule): cite, title, readings, examples firing it, properties touching it."""
    from ..parser import SpecError, load_spec
    from ..present.provisions import markdown, plain, table
    from ..solver.provisions import provision_rows
    try:
        spec = load_spec(spec_dir)
    except SpecError as e:
        click.echo(e.render(), err=True)
        sys.exit(2)
    rows, problems = provision_rows(spec)
    if as_markdown:
        click.echo(markdown(rows))
    elif sys.stdout.isatty():
        from rich.console import Console
        Console().print(table(rows))
    else:
        click.echo(plain(rows))
    for p in problems:
        click.echo(f"earl provisions: {p}", err=True)
    sys.exit(2 if problems else 0)
