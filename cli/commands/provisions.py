"""`earl provisions [--spec DIR] [--markdown]`: every rule of the spec, in a table.

Columns: rule, pin cite, title, source of its text (verbatim regulation text with the version, a
named secondary source, or an assumption), readings it exists under, how many examples fire it (each example
determined under its own reading and parameters), and the properties that touch it (a property
touches a rule when its expression reads an outcome the rule concludes, or the rule itself,
directly or through definitions, under some reading).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass

import click

from ..ir import walk


@dataclass(frozen=True)
class ProvisionRow:
    name: str
    cite: str
    title: str
    source: str
    readings: tuple[str, ...]
    examples: int
    properties: tuple[str, ...]
    example_names: tuple[str, ...] = ()


def _touched(spec, expr, defs_by_reading) -> tuple[set[str], set[str]]:
    """(outcomes, rules) an expression reads, through definitions under every reading."""
    read = set().union(*(walk.reads(expr, defs) for defs in defs_by_reading))
    return ({name for kind, name in read if kind == "out"},
            {name for kind, name in read if kind in ("app", "fire")})


def provision_rows(spec) -> tuple[list[ProvisionRow], list[str]]:
    """The rows, and problems met evaluating examples (as messages)."""
    from .. import ir
    from ..solver.eval import run
    from ..solver.transaction import complete

    problems: list[str] = []
    fired_by: dict[str, int] = {name: 0 for name in spec.rules}
    named_by: dict[str, list[str]] = {}
    for ex in spec.examples.values():
        try:
            model = ir.resolve(spec, ex.reading, ex.params)
            trace = run(model, complete(spec, ex.given))
        except Exception as e:  # noqa: BLE001 - reported, never a traceback
            problems.append(f"example {ex.name}: {type(e).__name__}: {e}")
            continue
        for r in trace.fired:
            fired_by[r] = fired_by.get(r, 0) + 1
            named_by.setdefault(r, []).append(ex.name)

    defs_by_reading = [ir.resolve(spec, r).defs for r in spec.readings]
    touching: dict[str, list[str]] = {name: [] for name in spec.rules}
    for prop in spec.properties.values():
        outcomes, rules = _touched(spec, prop.body, defs_by_reading)
        for rule in spec.rules.values():
            if rule.name in rules or any(c.outcome in outcomes for c in rule.conclusions):
                touching[rule.name].append(prop.name)

    rows = []
    for rule in spec.rules.values():
        readings = tuple(sorted(rule.readings)) if rule.readings else ()
        source = "; ".join(str(s) for s in rule.sources) or "not stated"
        rows.append(ProvisionRow(rule.name, rule.cite, rule.title, source, readings, fired_by[rule.name],
                                 tuple(touching[rule.name]), tuple(named_by.get(rule.name, ()))))
    return rows, problems


def _md(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def markdown(rows: list[ProvisionRow]) -> str:
    out = ["| rule | cite | title | source | readings | examples firing it | properties touching it |",
           "|---|---|---|---|---|---:|---|"]
    for r in rows:
        out.append(f"| `{r.name}` | {_md(r.cite)} | {_md(r.title)} | {_md(r.source)} "
                   f"| {', '.join(r.readings) or 'all'} "
                   f"| {r.examples} | {', '.join(f'`{p}`' for p in r.properties) or '—'} |")
    return "\n".join(out)


def plain(rows: list[ProvisionRow]) -> str:
    head = ("rule", "cite", "title", "source", "readings", "examples", "properties")
    data = [(r.name, r.cite, r.title, r.source, ", ".join(r.readings) or "all", str(r.examples),
             ", ".join(r.properties) or "-") for r in rows]
    widths = [max([len(h)] + [len(d[i]) for d in data]) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for d in data:
        lines.append("  ".join(x.ljust(w) for x, w in zip(d, widths)).rstrip())
    return "\n".join(lines)


@click.command("provisions")
@click.option("--spec", "spec_dir", type=click.Path(exists=True), default=None, metavar="DIR",
              help="The spec folder (default: the shipped spec).")
@click.option("--markdown", "as_markdown", is_flag=True, help="A Markdown table (for the README).")
def command(spec_dir, as_markdown):
    """List every provision (rule): cite, title, readings, examples firing it, properties touching it."""
    from ..parser import SpecError, load_spec
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
        from rich.table import Table
        t = Table(title=f"{len(rows)} provisions")
        for h in ("rule", "cite", "title", "source", "readings", "examples", "properties"):
            t.add_column(h, justify="right" if h == "examples" else "left")
        for r in rows:
            t.add_row(r.name, r.cite, r.title, r.source, ", ".join(r.readings) or "all", str(r.examples),
                      ", ".join(r.properties) or "—")
        Console().print(t)
    else:
        click.echo(plain(rows))
    for p in problems:
        click.echo(f"earl provisions: {p}", err=True)
    sys.exit(2 if problems else 0)
