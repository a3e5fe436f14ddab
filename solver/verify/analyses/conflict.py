"""Conflict: two rules can fire together and conclude different values for the same slot.

A slot is a scalar outcome, or one element of a set outcome (`+=` concludes True, `-=` False).
For each slot, the pairs of rules concluding different values for it are candidates, except a
pair where one rule overrides the other (they can never fire together by the semantics). One
query per slot asks whether any candidate pair can fire together; each witness names the pair(s)
it makes fire, which are then excluded and the query repeated, so a conflict-free slot costs one
query. A finding names both rules with their cites and carries the (minimal) witness.
The finding is intended (reported, not failing) when either rule is marked
`intended "conflict"`: a documented conflict is documented on at least one of its two provisions.
"""
from __future__ import annotations

from itertools import combinations

from ....ir import And, Or, RuleFires
from ...results import Instance, Unknown
from .context import Context, Finding, cited, intended

KIND = "conflict"
# what it saves queries with: the spec's examples run first (Context.observe_examples), and
# sampled transactions too (Context.explore)
USES_EXAMPLES = False
USES_EXPLORATION = False
MAX_ROUNDS = 50  # witnesses per slot before giving up on naming the remaining pairs one by one


def slots(model):
    """(outcome, slot) -> [(rule, value)], in rule order."""
    out: dict[tuple[str, object], list[tuple[str, object]]] = {}
    for rule in model.rules.values():
        for c in rule.conclusions:
            out.setdefault((c.outcome, c.slot), []).append((rule.name, c.value))
    return out


def candidate_pairs(model, concluders):
    pairs = []
    for (a, va), (b, vb) in combinations(concluders, 2):
        if a == b or va == vb:
            continue
        ra, rb = model.rules[a], model.rules[b]
        if b in ra.overrides or a in rb.overrides:
            continue
        pairs.append((a, b, va, vb))
    return pairs


def slot_name(outcome, slot):
    return outcome if slot is None else f"{outcome}[{slot!r}]"


def run(ctx: Context) -> list[Finding]:
    model = ctx.model
    findings: list[Finding] = []
    for (outcome, slot), concluders in slots(model).items():
        pairs = candidate_pairs(model, concluders)
        rounds = 0
        while pairs:
            rounds += 1
            query = Or(tuple(And((RuleFires(a), RuleFires(b))) for a, b, _, _ in pairs)) \
                if len(pairs) > 1 else And((RuleFires(pairs[0][0]), RuleFires(pairs[0][1])))
            result = ctx.satisfiable(query)
            if isinstance(result, Unknown):
                findings.append(Finding(KIND, ctx.reading, slot_name(outcome, slot),
                                        f"could not decide whether rules concluding "
                                        f"{slot_name(outcome, slot)} can conflict: {result.reason}",
                                        status="unknown", rules=tuple(sorted({p[0] for p in pairs} | {p[1] for p in pairs})),
                                        pos=ctx.rule_pos(pairs[0][0])))
                break
            if not isinstance(result, Instance):
                break
            trace = ctx.primitives.trace(model, result.transaction, result.params)
            hit = [p for p in pairs if p[0] in trace.fired and p[1] in trace.fired]
            if not hit or rounds > MAX_ROUNDS:
                # the witness does not reproduce in the evaluator: replay would flag it too
                hit = hit or [pairs[0]]
                findings.append(_finding(ctx, outcome, slot, hit[0], result,
                                         note="" if trace.fired >= {hit[0][0], hit[0][1]}
                                         else " (the witness did not reproduce in the evaluator)"))
                break
            for p in hit:
                findings.append(_finding(ctx, outcome, slot, p, result))
            pairs = [p for p in pairs if p not in hit]
    return findings


def _finding(ctx, outcome, slot, pair, witness, note=""):
    a, b, va, vb = pair
    model = ctx.model
    ra, rb = model.rules[a], model.rules[b]
    status = "intended" if intended(ra, KIND) or intended(rb, KIND) else "finding"
    what = slot_name(outcome, slot)
    return Finding(KIND, ctx.reading, f"{what}: {a} / {b}",
                   f"{cited(model, a)} and {cited(model, b)} can fire together and decide {what} "
                   f"two ways ({_show(slot, va)} vs {_show(slot, vb)}){note}",
                   status=status, rules=(a, b), witness=witness, pos=ra.pos,
                   query=And((RuleFires(a), RuleFires(b))))


def _show(slot, value):
    if slot is not None:
        return "+=" if value else "-="
    return "none" if value is None else repr(value)
