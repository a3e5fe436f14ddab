"""`earl find`'s answer as text and as JSON (the workbench's find answers the same JSON)."""
from __future__ import annotations

import json

from ..ir import Model, Value
from ..ir.values import render_value
from ..solver.find import FindAnswer
from ..solver.transaction import to_json, value_to_json


def answer_json(model: Model, condition: str, answer: FindAnswer, fixed: dict[str, Value]) -> dict:
    """`fixed`: the parameters the question fixed (shown with a proof)."""
    if answer.found is not None:
        f = answer.found
        return {"condition": condition, "reading": model.reading, "result": "found",
                "transaction": to_json(model.spec, f.changed),
                "params": {k: value_to_json(v) for k, v in f.params.items()},
                "complete_transaction": to_json(model.spec, f.transaction),
                "determination": f.determination.to_json()}
    if answer.proved:
        return {"condition": condition, "reading": model.reading, "result": "none", "proved": True,
                "params": {k: value_to_json(v) for k, v in fixed.items()},
                "relies_on": [{"rule": r, "title": t, "cite": c} for r, t, c in answer.relies_on]}
    return {"condition": condition, "reading": model.reading, "result": "unknown",
            "reason": answer.result.reason}


def answer_text(model: Model, condition: str, answer: FindAnswer) -> str:
    if answer.found is not None:
        f = answer.found
        n = len(f.changed)
        lines = [f"Found a transaction (reading {model.reading}): "
                 + (f"{n} input{'s' if n != 1 else ''} differ{'s' if n == 1 else ''} from the defaults"
                    if n else "the defaults themselves")]
        lines.append(json.dumps(to_json(model.spec, f.changed), ensure_ascii=False, indent=2))
        if f.params:
            lines.append("with parameters: " + ", ".join(f"{k} = {render_value(v)}"
                                                         for k, v in f.params.items()))
        lines.append("")
        lines.append(f.determination.text())
        return "\n".join(lines)
    if answer.proved:
        lines = [f"No transaction satisfies {condition} — proved (reading {model.reading})."]
        if answer.relies_on:
            lines.append("relies on:")
            lines += [f"  {r}: {t} [{c}]" for r, t, c in answer.relies_on]
        else:
            lines.append("relies on no provision: the condition is impossible by itself "
                         "(or by the definitions and domains it uses)")
        return "\n".join(lines)
    return (f"Unknown: the solver gave no answer for {condition} ({answer.result.reason}). "
            "Nothing is proved; try a longer --timeout.")
