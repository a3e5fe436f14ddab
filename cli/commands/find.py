"""`earl find [--spec DIR] [--reading NAME] [--param NAME=VALUE ...] [--timeout SECONDS] [--json] CONDITION`

Search for a transaction on which CONDITION (a boolean expression in the spec's language over
its inputs, parameters, definitions and outcomes, e.g. `destination in SOME_GROUP and not
some_outcome`) holds, with z3. Free parameters (those no `--param`
fixes) may take any value within their `min`, so a witness may also name parameter values.

- Found: prints the minimal transaction (the inputs that differ from their defaults: the fewest
  possible, at the most ordinary values), any parameter values that differ from the reading's,
  and the determination of that transaction. With `--json`, one JSON object with both the
  minimal and the complete transaction.
- None exists: says so, proved, with the provisions the proof relies on (and their cites).
- The solver gives no answer within the time limit: says so (never reported as "none").

Exit status: 0 answered (a transaction found, or proved that none exists); 2 a usage or spec
error (including an ill-formed or ill-typed condition); 3 the solver gave no answer;
70 an internal error (an engine disagreed with the reference evaluator).
"""
from __future__ import annotations

import json
import sys

import click

from ._common import fail, fixed_params, open_spec, parsed_condition

EXIT_UNKNOWN = 3
EXIT_INTERNAL = 70


@click.command("find")
@click.option("--spec", "spec_dir", type=click.Path(exists=True), default=None, metavar="DIR",
              help="The spec folder (default: the shipped spec).")
@click.option("--reading", default=None, metavar="NAME", help="The reading (default: the spec's default).")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Fix a parameter (repeatable); unfixed parameters range over all their values.")
@click.option("--timeout", "timeout", type=click.FloatRange(min=0, min_open=True), default=10.0,
              show_default=True, metavar="SECONDS", help="Time limit of the search.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as one JSON object.")
@click.argument("condition")
def command(spec_dir, reading, params, timeout, as_json, condition):
    """Find a minimal transaction on which CONDITION holds, or prove that none exists."""
    from .. import ir
    from ..present.find import answer_json, answer_text
    from ..solver.find import find
    from ..solver.replay import EngineDisagreement

    spec = open_spec("find", spec_dir, reading)
    fixed = fixed_params("find", spec, params)
    expr = parsed_condition(spec, condition)
    model = ir.resolve(spec, reading, fixed)

    try:
        answer = find(model, expr, timeout_ms=max(1, int(timeout * 1000)))
    except EngineDisagreement as e:
        fail("find", f"internal error: {e}", EXIT_INTERNAL)
    except ValueError as e:
        fail("find", str(e))

    if as_json:
        click.echo(json.dumps(answer_json(model, condition, answer, fixed), ensure_ascii=False, indent=2))
    else:
        click.echo(answer_text(model, condition, answer))
    sys.exit(0 if answer.found is not None or answer.proved else EXIT_UNKNOWN)
