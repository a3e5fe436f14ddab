"""`earl mutate [SPEC] [--json] [--jobs N] [--testset DIR] [--reading NAME ...] [--timeout S]`

Mutation adequacy of the spec's own checks: every semantic mutant of the spec (solver/mutation.py:
thresholds one unit up and down, `<`/`<=`, `==`/`!=`, `in`/`not in`, `and`/`or`, conditions
dropped and negated, rules removed, conclusions changed, `overrides` removed, country-group
members removed, membership dates moved by a day) is run against the spec's examples (reference
evaluator) and properties (z3), or with --testset against a stored test set's expected outcomes.
Mutants that z3 proves equivalent to the spec are listed apart and not counted:
score = killed / (total - equivalent). Every survivor is printed with file:line, the rule (or
definition, parameter, group) it changed, the mutation and a transaction that tells it apart.

Exit status: 0 done; 2 usage or spec error.
"""
from __future__ import annotations

import json

import click

from . import _common as common


@click.command("mutate")
@click.argument("spec_dir", required=False, type=click.Path(exists=True, file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the score as one JSON document.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, metavar="N",
              help="Worker processes.")
@click.option("--testset", "testset_dir", type=click.Path(exists=True), default=None, metavar="DIR",
              help="Kill with a stored test set's expected outcomes instead of the spec's checks.")
@click.option("--reading", "readings", multiple=True, metavar="NAME",
              help="Check under this reading only (repeatable; default: every reading).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=10.0,
              show_default=True, metavar="SECONDS", help="z3 time limit of one query.")
def command(spec_dir, as_json, jobs, testset_dir, readings, timeout):
    """Score how many semantic mutants of the spec its checks (or a test set) kill."""
    from ..present.text import mutation_score
    from ..solver import mutate
    spec = common.open_spec("mutate", spec_dir, None)
    for r in readings:
        if r not in spec.readings:
            common.fail("mutate", f"no reading named {r!r}; readings: {', '.join(spec.readings)}")
    testset = None
    if testset_dir is not None:
        from ..solver.testset import StoredSetError, current
        try:
            testset = current(spec, testset_dir)
        except StoredSetError as e:
            common.fail("mutate", str(e))

    def progress(done: int, total: int) -> None:
        if done % 50 == 0 or done == total:
            click.echo(f"  {done}/{total} mutants judged", err=True)

    score = mutate.run(spec, readings=list(readings) or None, jobs=jobs,
                       timeout_ms=int(timeout * 1000), testset=testset, progress=progress)
    if as_json:
        click.echo(json.dumps(score.to_json(), ensure_ascii=False, indent=1))
        return
    click.echo(mutation_score(score))
