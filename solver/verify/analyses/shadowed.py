"""Shadowed exception: a rule that, whenever it applies, is defeated by a rule overriding it.

For each rule r with overriders o1..on (rules that `overrides r`), not seen firing in any
witness of this run and that can apply at all (a rule that never applies is `dead`, not
shadowed): `implies(RuleApplies(r), RuleFires(o1) or ... or RuleFires(on))` proved means the
exception r never takes effect. The witness shows r applying (and an overrider firing).
Intended when r is marked `intended "shadowed"`.
"""
from __future__ import annotations

from ....ir import Or, RuleApplies, RuleFires
from ...results import Instance, Proof, Unknown
from .context import Context, Finding, cited, intended

KIND = "shadowed"
# what it saves queries with: the spec's examples run first (Context.observe_examples), and
# sampled transactions too (Context.explore)
USES_EXAMPLES = True
USES_EXPLORATION = True


def run(ctx: Context) -> list[Finding]:
    model = ctx.model
    findings = []
    for name, rule in model.rules.items():
        overriders = model.overriders(name)
        if not overriders or name in ctx.fired_seen:
            continue
        fires = [RuleFires(o) for o in overriders]
        result = ctx.implies(RuleApplies(name), fires[0] if len(fires) == 1 else Or(tuple(fires)))
        if isinstance(result, Unknown):
            findings.append(Finding(KIND, ctx.reading, name, f"could not decide whether "
                                    f"{cited(model, name)} is shadowed: {result.reason}",
                                    status="unknown", rules=(name,) + overriders, pos=rule.pos))
            continue
        if not isinstance(result, Proof):
            continue
        applies = ctx.satisfiable(RuleApplies(name))
        if isinstance(applies, Instance):
            findings.append(Finding(
                KIND, ctx.reading, name,
                f"{cited(model, name)} is shadowed: whenever it applies, "
                + " or ".join(cited(model, o) for o in overriders) + " fires and overrides it",
                status="intended" if intended(rule, KIND) else "finding",
                rules=(name,) + overriders, witness=applies, pos=rule.pos,
                query=RuleApplies(name)))
        elif isinstance(applies, Unknown):
            findings.append(Finding(KIND, ctx.reading, name, f"could not decide whether "
                                    f"{cited(model, name)} ever applies: {applies.reason}",
                                    status="unknown", rules=(name,), pos=rule.pos))
    return findings
