"""`earl whatif [--spec DIR] [--reading NAME] [--param NAME=VALUE ...] [--timeout SECONDS] [--json] FILE CONDITION`

What would have to change in the transaction of FILE (one JSON object; `-` = stdin) for CONDITION
(e.g. `"LPP" in exceptions`, `not license_required`) to hold: the nearest transaction — the fewest
facts changed, found with z3's optimisation — with its determination; or the proof that no
transaction satisfies CONDITION, with the provisions the proof relies on.

Exit status: 0 answered (a nearest transaction, or a proof that none exists); 2 a usage, spec or
input error; 3 the solver gave no answer in time; 70 an internal error.
"""
from __future__ import annotations

import json
import sys

import click

from ._common import fail, fixed_params, open_spec, parsed_condition

EXIT_UNKNOWN = 3
EXIT_INTERNAL = 70


def whatif_answer(model, condition: str, expr, given: dict, *, timeout_ms: int) -> dict:
    """The what-if answer as JSON (what `earl whatif --json` prints and the web API returns).
    Raises TransactionError when a fact is unknown."""
    from ..solver import eval as evaluate
    from ..solver.explain import determine
    from ..solver.results import Proof
    from ..ir.values import UNKNOWN
    from ..solver.transaction import TransactionError, complete, to_json, value_to_json
    from ..solver.whatif import Nearest, nearest
    tx = complete(model.spec, given)
    unknown = [p for p, v in tx.items() if v is UNKNOWN]
    if unknown:
        raise TransactionError(unknown[0], "a what-if needs every fact known (this one is null)")
    result = nearest(model, expr, tx, given=given, timeout_ms=timeout_ms)
    head = {"condition": condition, "reading": model.reading}
    if isinstance(result, Nearest):
        det = determine(model, result.transaction, evaluate.run(model, result.transaction))
        new = result.transaction

        def change(path, old, value) -> dict:
            out = {"field": path, "old": value_to_json(old), "new": value_to_json(value)}
            default = model.spec.inputs[path].default
            if path not in given and hasattr(default, "path") and new[default.path] == value:
                out["follows"] = default.path
            return out
        return {**head, "result": "found",
                "changes": [change(p, a, b) for p, a, b in result.changes],
                "transaction": to_json(model.spec, result.transaction),
                "determination": det.to_json()}
    if isinstance(result, Proof):
        return {**head, "result": "none", "proved": True,
                "relies_on": [{"rule": r, "title": model.rules[r].title, "cite": model.rules[r].cite}
                              for r in result.core if r in model.rules]}
    return {**head, "result": "unknown", "reason": result.reason}


def whatif_text(answer: dict) -> str:
    cond, reading = answer["condition"], answer["reading"]
    if answer["result"] == "found":
        changes = [c for c in answer["changes"] if "follows" not in c]
        if not changes:
            return f"{cond} already holds for this transaction (reading {reading})."
        n = len(changes)
        lines = [f"{cond} holds if {n} fact{'s' if n != 1 else ''} change{'s' if n == 1 else ''} "
                 f"(the fewest possible; reading {reading}):"]
        lines += [f"  {c['field']}: {json.dumps(c['old'])} → {json.dumps(c['new'])}"
                  + (f" (not given: it follows {c['follows']})" if "follows" in c else "")
                  for c in answer["changes"]]
        outcomes = answer["determination"]["outcomes"]
        lines.append("the answer then: " + "; ".join(f"{k}: {json.dumps(v)}" for k, v in outcomes.items()))
        return "\n".join(lines)
    if answer["result"] == "none":
        lines = [f"No transaction satisfies {cond}, whatever changes — proved (reading {reading})."]
        lines += ["relies on:"] + [f"  {r['rule']}: {r['title']} [{r['cite']}]" for r in answer["relies_on"]]
        return "\n".join(lines)
    return (f"Unknown: the solver gave no answer for {cond} ({answer['reason']}). "
            "Nothing is proved; try a longer --timeout.")


@click.command("whatif")
@click.option("--spec", "spec_dir", type=click.Path(exists=True), default=None, metavar="DIR",
              help="The spec folder (default: the shipped spec).")
@click.option("--reading", default=None, metavar="NAME", help="The reading (default: the spec's default).")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="Fix a parameter (repeatable).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=10.0, show_default=True,
              metavar="SECONDS", help="Time limit of each solver call.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as one JSON object.")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.argument("condition")
def command(spec_dir, reading, params, timeout, as_json, file, condition):
    """The nearest transaction to FILE's on which CONDITION holds, or a proof that none does."""
    from .. import ir
    from ..solver.replay import EngineDisagreement
    from ..solver.transaction import TransactionError, parse_json
    spec = open_spec("whatif", spec_dir, reading)
    fixed = fixed_params("whatif", spec, params)
    expr = parsed_condition(spec, condition)
    try:
        text = file.read()
    except (OSError, UnicodeDecodeError) as e:
        fail("whatif", f"cannot read {getattr(file, 'name', 'the input')}: {e}")
    model = ir.resolve(spec, reading, fixed)
    try:
        answer = whatif_answer(model, condition, expr, parse_json(spec, text),
                               timeout_ms=max(1, int(timeout * 1000)))
    except TransactionError as e:
        fail("whatif", str(e))
    except EngineDisagreement as e:
        fail("whatif", f"internal error: {e}", EXIT_INTERNAL)
    except ValueError as e:
        fail("whatif", str(e))
    click.echo(json.dumps(answer, ensure_ascii=False, indent=2) if as_json else whatif_text(answer))
    sys.exit(EXIT_UNKNOWN if answer["result"] == "unknown" else 0)
