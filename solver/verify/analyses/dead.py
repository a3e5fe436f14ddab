"""Dead provision: a rule that no transaction (and no value of the free parameters) makes fire.

For each rule r not already seen firing in some witness of this run:
`satisfiable(RuleFires(r))`. When there is no instance, `satisfiable(RuleApplies(r))` tells the
two kinds apart: its conditions can never all hold together ("never applies"), or it applies
(witness given) but a rule overriding it always fires then ("applies but never fires": also a
`shadowed` finding). The first query is batched: `satisfiable(RuleFires(r1) or ... or
RuleFires(rn))` over the rules not yet seen firing; each witness marks the rules it fires, and
an unsatisfiable disjunction proves every remaining rule dead at once.
Intended when the rule is marked `intended "dead"` (or, for "applies but never fires",
`intended "shadowed"`).
"""
from __future__ import annotations

from ....ir import Or, RuleApplies, RuleFires
from ...results import Instance, Unknown
from .context import Context, Finding, cited, intended

KIND = "dead"
# what it saves queries with: the spec's examples run first (Context.observe_examples), and
# sampled transactions too (Context.explore)
USES_EXAMPLES = True
USES_EXPLORATION = True


def run(ctx: Context) -> list[Finding]:
    model = ctx.model
    findings: list[Finding] = []
    remaining = [r for r in model.rules if r not in ctx.fired_seen]
    dead: list[str] = []
    while remaining:
        query = RuleFires(remaining[0]) if len(remaining) == 1 else \
            Or(tuple(RuleFires(r) for r in remaining))
        result = ctx.satisfiable(query, minimize=False)
        if isinstance(result, Instance):
            still = [r for r in remaining if r not in ctx.fired_seen]
            if len(still) == len(remaining):
                # the evaluator does not reproduce the witness: fall back to one query per rule
                return findings + _one_by_one(ctx, remaining)
            remaining = still
            continue
        if isinstance(result, Unknown):
            return findings + _one_by_one(ctx, remaining)
        dead = remaining
        break
    for r in dead:
        findings.append(_classify(ctx, r))
    return findings


def _one_by_one(ctx, rules):
    out = []
    for r in rules:
        result = ctx.satisfiable(RuleFires(r))
        if isinstance(result, Unknown):
            out.append(Finding(KIND, ctx.reading, r, f"could not decide whether {cited(ctx.model, r)} "
                               f"can fire: {result.reason}", status="unknown", rules=(r,),
                               pos=ctx.rule_pos(r)))
        elif not isinstance(result, Instance):
            out.append(_classify(ctx, r))
    return out


def _classify(ctx, r):
    model = ctx.model
    rule = model.rules[r]
    applies = ctx.satisfiable(RuleApplies(r))
    if isinstance(applies, Instance):
        overriders = model.overriders(r)
        return Finding(KIND, ctx.reading, r,
                       f"{cited(model, r)} applies but never fires: whenever it applies, "
                       + ", ".join(cited(model, o) for o in overriders) + " overrides it",
                       status="intended" if intended(rule, KIND, "shadowed") else "finding",
                       rules=(r,) + overriders, witness=applies, pos=rule.pos,
                       query=RuleApplies(r))
    if isinstance(applies, Unknown):
        return Finding(KIND, ctx.reading, r, f"{cited(model, r)} never fires; could not decide "
                       f"whether it ever applies: {applies.reason}", status="unknown", rules=(r,),
                       pos=rule.pos)
    return Finding(KIND, ctx.reading, r,
                   f"{cited(model, r)} never fires: no transaction satisfies all its conditions",
                   status="intended" if intended(rule, KIND) else "finding", rules=(r,), pos=rule.pos)
