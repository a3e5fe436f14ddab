"""`earl generate [--spec DIR] [--reading NAME] [--out DIR] [--format json|jsonl|csv|pytest ...] [--timeout S]`
and `earl generate --check DIR`.

Generate the smallest set of transactions meeting every feasible coverage goal of the spec (every
outcome value, every rule firing, every condition mattering on its own (MC/DC), every numeric
threshold hit exactly and one step either side, every other mutant of `earl mutate` told apart),
each with its expected determination; goals no transaction can meet are proved infeasible and
reported (they are not failures). The set is written to --out (testset.<format> per --format, and coverage.json); without --out it is printed as JSON.

`--check DIR` re-derives the expected outcomes of a stored set (testset.json or testset.jsonl)
under its reading and lists every change.

Exit status: 0 done (check: nothing changed); 1 check: some expectation changed; 2 usage or spec
error; 70 internal error (an engine disagreed with the reference evaluator).
"""
from __future__ import annotations

import json
import sys
import time

import click

from . import _common as common
from ._common import EXIT_USAGE

EXIT_CHANGED = 1
EXIT_INTERNAL = 70


@click.command("generate")
@click.option("--spec", "spec_dir", type=click.Path(exists=True, file_okay=False), default=None,
              metavar="DIR", help="The spec folder (default: the shipped spec).")
@click.option("--reading", default=None, metavar="NAME", help="The reading (default: the spec's default).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None, metavar="DIR",
              help="Write the set and its coverage report here.")
@click.option("--format", "fmt", type=click.Choice(["json", "jsonl", "csv", "pytest"]),
              default=["json"], show_default=True, multiple=True,
              help="Format of the set (repeat the option for several).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=60.0,
              show_default=True, metavar="SECONDS",
              help="Time budget of the search (candidates, cover, lower bound).")
@click.option("--check", "check_dir", type=click.Path(exists=True), default=None, metavar="DIR",
              help="Check a stored set against the spec instead of generating one.")
def command(spec_dir, reading, out_dir, fmt, timeout, check_dir):
    """Generate a minimal covering test set, or check a stored one (--check)."""
    def fail(msg: str, code: int = EXIT_USAGE):
        common.fail("generate", msg, code)

    spec = common.open_spec("generate", spec_dir, reading)
    if check_dir is not None:
        _check(spec, check_dir, fail)
        return
    _generate(spec, reading, out_dir, fmt, timeout, fail)


def _check(spec, path, fail):
    from ..present.text import set_changes
    from ..solver.testset import StoredSetError, check
    try:
        reading, n, changes = check(spec, path)
    except StoredSetError as e:
        fail(str(e))
    click.echo(set_changes(reading, n, changes))
    sys.exit(EXIT_CHANGED if changes else 0)


def _generate(spec, reading, out_dir, fmt, timeout, fail):
    from ..present import testset
    from ..present.text import generated_summary
    from ..solver.coverage import fixed_model
    from ..solver.generate import GenerateError, generate
    from ..solver.replay import EngineDisagreement
    model = fixed_model(spec, reading)
    start = time.monotonic()
    try:
        g = generate(model, timeout=timeout, log=lambda m: click.echo(m, err=True))
    except GenerateError as e:
        fail(str(e))
    except EngineDisagreement as e:
        fail(f"internal error: {e}", EXIT_INTERNAL)
    lines = generated_summary(g, time.monotonic() - start)
    if out_dir is None:
        cs = testset.cases(g)
        click.echo(json.dumps({**testset.report(g, cs), "transactions": cs}, ensure_ascii=False,
                              indent=1))
        click.echo("\n".join(lines), err=True)
        return
    try:
        paths = []
        for f in dict.fromkeys(fmt):
            paths += [p for p in testset.write(g, out_dir, f) if p not in paths]
    except OSError as e:
        fail(f"cannot write {out_dir}: {e}")
    click.echo("\n".join(lines))
    for p in paths:
        click.echo(f"wrote {p}")
