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
    from ..solver.smt.prove import satisfiable
    from ..solver.replay import EngineDisagreement
    from ..solver.results import Instance, Proof

    spec = open_spec("find", spec_dir, reading)
    fixed = fixed_params("find", spec, params)
    expr = parsed_condition(spec, condition)
    model = ir.resolve(spec, reading, fixed)

    try:
        result = satisfiable(model, expr, timeout_ms=max(1, int(timeout * 1000)))
    except EngineDisagreement as e:
        fail("find", f"internal error: {e}", EXIT_INTERNAL)
    except ValueError as e:
        fail("find", str(e))

    if isinstance(result, Instance):
        out = _found(model, condition, result)
        if as_json:
            click.echo(json.dumps(out["json"], ensure_ascii=False, indent=2))
        else:
            click.echo(out["text"])
        sys.exit(0)
    if isinstance(result, Proof):
        relies = [(r, model.rules[r].title, model.rules[r].cite) for r in result.core if r in model.rules]
        if as_json:
            click.echo(json.dumps({
                "condition": condition, "reading": model.reading, "result": "none",
                "proved": True, "params": _params_json(model, fixed),
                "relies_on": [{"rule": r, "title": t, "cite": c} for r, t, c in relies],
            }, ensure_ascii=False, indent=2))
        else:
            lines = [f"No transaction satisfies {condition} — proved (reading {model.reading})."]
            if relies:
                lines.append("relies on:")
                lines += [f"  {r}: {t} [{c}]" for r, t, c in relies]
            else:
                lines.append("relies on no provision: the condition is impossible by itself "
                             "(or by the definitions and domains it uses)")
            click.echo("\n".join(lines))
        sys.exit(0)
    if as_json:
        click.echo(json.dumps({"condition": condition, "reading": model.reading, "result": "unknown",
                               "reason": result.reason}, ensure_ascii=False, indent=2))
    else:
        click.echo(f"Unknown: the solver gave no answer for {condition} ({result.reason}). "
                   "Nothing is proved; try a longer --timeout.")
    sys.exit(EXIT_UNKNOWN)


def _params_json(model, fixed) -> dict:
    from ..solver.transaction import value_to_json
    return {k: value_to_json(v) for k, v in fixed.items()}


def _found(model, condition: str, inst) -> dict:
    from ..solver import evaluate
    from ..solver.explain import determine
    from ..solver.replay import fixed
    from ..solver.transaction import complete, to_json, value_to_json
    spec = model.spec
    tx = complete(spec, inst.transaction)
    changed = {}
    for path, decl in spec.inputs.items():
        d = decl.default
        default = tx[d.path] if hasattr(d, "path") else d.value
        if tx[path] != default:
            changed[path] = tx[path]
    params = {k: v for k, v in inst.params.items() if model.params.get(k) != v}
    m = fixed(model, inst.params)
    det = determine(m, tx, evaluate.run(m, tx), engine=inst.engine or "smt")
    js = {
        "condition": condition, "reading": model.reading, "result": "found",
        "transaction": to_json(spec, changed),
        "params": {k: value_to_json(v) for k, v in params.items()},
        "complete_transaction": to_json(spec, tx),
        "determination": det.to_json(),
    }
    n = len(changed)
    lines = [f"Found a transaction (reading {model.reading}): "
             + (f"{n} input{'s' if n != 1 else ''} differ{'s' if n == 1 else ''} from the defaults"
                if n else "the defaults themselves")]
    lines.append(json.dumps(to_json(spec, changed), ensure_ascii=False, indent=2))
    if params:
        from ..ir.values import render_value
        lines.append("with parameters: " + ", ".join(f"{k} = {render_value(v)}" for k, v in params.items()))
    lines.append("")
    lines.append(det.text())
    return {"json": js, "text": "\n".join(lines)}
