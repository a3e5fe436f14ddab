"""Gap: an outcome that the rules decide under a boolean outcome can stay undecided while it holds.

Definition (generic: the engine knows no outcome names). Let O be an optional-enum outcome (its
default is `none`, "undecided") and B a boolean outcome. O is *decided under B = v* when some rule
concluding a (non-none) value for O has a condition that reads B, directly or through
definitions; v is read off the condition's form (`B`, `B == true` -> true; `not B`,
`unless B`, `B == false` -> false; any other form reading B -> true). Then every transaction
with B = v is expected to decide O, and

    gap(O, B, v)  :=  satisfiable(B == v and O == none)

reports a transaction where B = v but no rule decided O (in a rule set where "a requirement
holds" is B and "the treatment decided under it" is O: the requirement holds but no treatment
was decided), with a minimal witness. The finding is intended (reported, does not
fail the run) when a rule concluding O is marked `intended "gap"`.
"""
from __future__ import annotations

from ....ir import And, Bool, Cmp, Enum, Lit, Not, OutcomeRef
from ...results import Instance, Unknown
from .context import Context, Finding, cited, intended, outcomes_read

KIND = "gap"
# what it saves queries with: the spec's examples run first (Context.observe_examples), and
# sampled transactions too (Context.explore)
USES_EXAMPLES = False
USES_EXPLORATION = False


def polarity(expr, outcome: str) -> bool:
    """The value of boolean outcome `outcome` under which condition `expr` can hold."""
    if isinstance(expr, OutcomeRef) and expr.name == outcome:
        return True
    if isinstance(expr, Not):
        return not polarity(expr.arg, outcome)
    if isinstance(expr, Cmp) and expr.op in ("==", "!="):
        for ref, lit in ((expr.left, expr.right), (expr.right, expr.left)):
            if isinstance(ref, OutcomeRef) and ref.name == outcome and isinstance(lit, Lit) \
                    and isinstance(lit.value, bool):
                return lit.value if expr.op == "==" else not lit.value
    return True


def decided_under(model):
    """{(O, B, v): [rules concluding O with a condition reading B with polarity v]}."""
    bools = [o.name for o in model.outcomes.values() if isinstance(o.type, Bool)]
    optionals = {o.name for o in model.outcomes.values()
                 if isinstance(o.type, Enum) and o.type.optional}
    out: dict[tuple[str, str, bool], list[str]] = {}
    for rule in model.rules.values():
        targets = {c.outcome for c in rule.conclusions if c.outcome in optionals and c.value is not None}
        if not targets:
            continue
        for cond in rule.conditions:
            read = outcomes_read(model, cond.expr)
            for b in bools:
                if b in read:
                    v = polarity(cond.expr, b)
                    for o in sorted(targets):
                        out.setdefault((o, b, v), [])
                        if rule.name not in out[(o, b, v)]:
                            out[(o, b, v)].append(rule.name)
    return out


def run(ctx: Context) -> list[Finding]:
    model = ctx.model
    findings = []
    for (o, b, v), rules in decided_under(model).items():
        otype = model.outcomes[o].type
        query = And((Cmp("==", OutcomeRef(b, Bool()), Lit(v, Bool())),
                     Cmp("==", OutcomeRef(o, otype), Lit(None, otype))))
        result = ctx.satisfiable(query)
        subject = f"{o} under {b} = {str(v).lower()}"
        first = model.rules[rules[0]]
        if isinstance(result, Unknown):
            findings.append(Finding(KIND, ctx.reading, subject,
                                    f"could not decide whether {o} can stay none when "
                                    f"{b} = {str(v).lower()}: {result.reason}",
                                    status="unknown", rules=tuple(rules), pos=first.pos))
        elif isinstance(result, Instance):
            status = "intended" if any(intended(model.rules[r], KIND) for r in rules) else "finding"
            findings.append(Finding(
                KIND, ctx.reading, subject,
                f"{b} = {str(v).lower()} but no rule decides {o} (it stays none), although "
                + ", ".join(cited(model, r) for r in rules)
                + f" decide{'s' if len(rules) == 1 else ''} {o} under {b}",
                status=status, rules=tuple(rules), witness=result, pos=first.pos, query=query))
    return findings
