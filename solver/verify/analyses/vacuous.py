"""Vacuous property: `always P implies Q` whose premise P no transaction satisfies.

Such a property is proved for a wrong reason (nothing is ever checked). For each property
whose body is an implication: `satisfiable(P)`; no instance -> a `vacuous` finding (fails the
run); an instance -> an "ok" result carrying the witness, so every non-vacuous property shows a
transaction where its premise holds: one already seen (an example of the spec, a
counterexample) when one satisfies the premise, else a minimal one from the solver. Properties
that are not implications have no premise and are not checked.
"""
from __future__ import annotations

from ....ir import Implies
from ...results import Instance, Unknown
from .context import Context, Finding

KIND = "vacuous"
# what it saves queries with: the spec's examples run first (Context.observe_examples), and
# sampled transactions too (Context.explore)
USES_EXAMPLES = True
USES_EXPLORATION = False


def run(ctx: Context) -> list[Finding]:
    findings = []
    for prop in ctx.model.spec.properties.values():
        if not isinstance(prop.body, Implies) or not prop.exists_under(ctx.reading):
            continue
        result = ctx.find_sample(prop.body.premise) or ctx.satisfiable(prop.body.premise)
        if isinstance(result, Unknown):
            findings.append(Finding(KIND, ctx.reading, prop.name, f"could not decide whether the "
                                    f"premise of {prop.name} can hold: {result.reason}",
                                    status="unknown", pos=prop.pos))
        elif isinstance(result, Instance):
            findings.append(Finding(KIND, ctx.reading, prop.name,
                                    f"premise of {prop.name} holds for the witness",
                                    status="ok", witness=result, pos=prop.pos,
                                    query=prop.body.premise))
        else:
            findings.append(Finding(KIND, ctx.reading, prop.name,
                                    f"{prop.name} is vacuous: no transaction satisfies its premise, "
                                    f"so it holds without checking anything",
                                    status="finding", pos=prop.pos))
    return findings
