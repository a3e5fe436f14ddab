"""Determinations: what a user reads, built from (model, transaction, trace).

The explanation depends only on the Trace, so it is the same whichever engine produced it, and it
knows nothing of what the outcomes mean: the verdict lists every outcome in declaration order, the
explanation lists every rule that fired with the facts its conditions read, and the "why not" list
covers every rule that would have added an element to a set outcome or set an outcome to true but
did not fire (its first failing condition, or the rule that overrode it).
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from ..ir import (And, Arith, Cmp, Conclusion, DefRef, Expr, Implies, InGroup, InputRef, InSet, Ite,
                 Lit, MinMax, Model, Not, Notice, OutcomeRef, Or, ParamRef, Rule, RuleApplies,
                 RuleFires, SetOf, SOURCE_KINDS, Source, Value, resolve, walk)
from ..ir.values import UNKNOWN, literal, render_value
from .eval import interpret, run
from .store import STORE
from .trace import Trace
from .transaction import complete, nested_paths, value_to_json

__all__ = ["Determination", "Fired", "WhyNot", "determine", "in_force", "not_in_force",
           "all_readings", "all_readings_json", "all_readings_text", "render_expr",
           "rule_reads"]


# --------------------------------------------------------------------------- rendering values

_PREC = {"ite": 0, "implies": 1, "or": 2, "and": 3, "not": 4, "cmp": 5, "add": 6, "mul": 7, "atom": 8}


def render_expr(e: Expr) -> str:
    """An expression in the language's own syntax (docs/language.md)."""
    return _render(e)[0]


def _render(e: Expr) -> tuple[str, int]:
    def sub(x, prec):
        s, p = _render(x)
        return f"({s})" if p < prec else s
    if isinstance(e, Lit):
        return literal(e.value), _PREC["atom"]
    if isinstance(e, InputRef):
        return e.path, _PREC["atom"]
    if isinstance(e, (ParamRef, DefRef, OutcomeRef)):
        return e.name, _PREC["atom"]
    if isinstance(e, RuleApplies):
        return f"applies({e.rule})", _PREC["atom"]
    if isinstance(e, RuleFires):
        return f"fires({e.rule})", _PREC["atom"]
    if isinstance(e, Not):
        if isinstance(e.arg, InGroup):
            return f"{sub(e.arg.country, 6)} not in {e.arg.group}", _PREC["cmp"]
        if isinstance(e.arg, InSet):
            return f"{sub(e.arg.element, 6)} not in {sub(e.arg.collection, 6)}", _PREC["cmp"]
        return f"not {sub(e.arg, _PREC['not'])}", _PREC["not"]
    if isinstance(e, And):
        return " and ".join(sub(a, _PREC["and"] + 1) for a in e.args) or "true", _PREC["and"]
    if isinstance(e, Or):
        return " or ".join(sub(a, _PREC["or"] + 1) for a in e.args) or "false", _PREC["or"]
    if isinstance(e, Implies):
        return f"{sub(e.premise, 2)} implies {sub(e.conclusion, 1)}", _PREC["implies"]
    if isinstance(e, Ite):
        return f"if {sub(e.cond, 1)} then {sub(e.then, 1)} else {sub(e.orelse, 0)}", _PREC["ite"]
    if isinstance(e, Cmp):
        return f"{sub(e.left, 6)} {e.op} {sub(e.right, 6)}", _PREC["cmp"]
    if isinstance(e, Arith):
        if e.op == "*":
            return f"{sub(e.left, 7)} * {sub(e.right, 8)}", _PREC["mul"]
        return f"{sub(e.left, 6)} {e.op} {sub(e.right, 7)}", _PREC["add"]
    if isinstance(e, MinMax):
        return f"{e.op}({', '.join(render_expr(a) for a in e.args)})", _PREC["atom"]
    if isinstance(e, InGroup):
        return f"{sub(e.country, 6)} in {e.group}", _PREC["cmp"]
    if isinstance(e, InSet):
        return f"{sub(e.element, 6)} in {sub(e.collection, 6)}", _PREC["cmp"]
    return repr(e), _PREC["atom"]


def render_conclusion(c: Conclusion) -> str:
    if c.slot is not None:
        return f'{c.outcome} {"+=" if c.value else "-="} "{c.slot}"'
    return f"{c.outcome} = {literal(c.value)}"


# --------------------------------------------------------------------------- facts

def _reads(model: Model, exprs) -> tuple[list[str], list[str], list[str]]:
    """(inputs, outcomes, params) read by `exprs`, through definitions and rule tests; inputs
    and outcomes in declaration order."""
    read = set().union(*(walk.reads(e, model.defs, model.rules) for e in exprs))

    def named(kind: str, order) -> list[str]:
        rank = {name: i for i, name in enumerate(order)}
        return sorted((n for k, n in read if k == kind), key=lambda n: (rank.get(n, len(rank)), n))
    return named("input", model.inputs), named("out", model.outcomes), named("param", ())


def rule_reads(model: Model, rule: str, condition: int | None = None) -> tuple[list[str], list[str], list[str]]:
    """(inputs, outcomes, parameters) the rule's conditions (or one condition) read."""
    # one store entry per model (not per rule: a model's rules would crowd out its compilations)
    known = STORE.get("explain.rule_reads", model, dict)
    key = (rule, condition)
    if key not in known:
        r = model.rules[rule]
        conds = r.conditions if condition is None else (r.conditions[condition],)
        known[key] = _reads(model, [c.expr for c in conds])
    return known[key]


def _facts(model: Model, tx: dict, trace: Trace, reads) -> dict[str, Value]:
    inputs, outcomes, params = reads
    facts = {p: tx[p] for p in inputs if p in tx}
    for o in outcomes:
        facts[o] = trace.outcomes.get(o)
    # a threshold a query may move (--param) is part of why a condition failed
    facts.update((p, model.params[p]) for p in params if p in model.params)
    return facts


# --------------------------------------------------------------------------- determination

@dataclass(frozen=True)
class Fired:
    provision: str
    title: str
    cite: str
    outcome: str                     # the conclusions, rendered: 'exceptions += "LPP"'
    facts: dict[str, Value]         # inputs, outcomes and parameters the conditions read
    sources: tuple[Source, ...] = ()

    def to_json(self) -> dict:
        return {"provision": self.provision, "title": self.title, "cite": self.cite,
                "outcome": self.outcome, "facts": {k: value_to_json(v) for k, v in self.facts.items()},
                **source_json(self.sources)}

    @property
    def secondary(self) -> bool:
        return any(s.kind != "verbatim" for s in self.sources)


def source_kind(sources: tuple[Source, ...]) -> str | None:
    """The weakest kind among a provision's sources: a conclusion is only as firm as the least
    authoritative text it rests on (None: the provision states no source)."""
    kinds = {s.kind for s in sources}
    return next((kind for kind in reversed(SOURCE_KINDS) if kind in kinds), None)


def _source_names(sources: tuple[Source, ...], kind: str | None) -> str:
    return "; ".join(s.name for s in sources if s.kind == kind)


def source_json(sources: tuple[Source, ...]) -> dict:
    kind = source_kind(sources)
    return {"source": kind, "source_name": _source_names(sources, kind) or None}


def source_note(sources: tuple[Source, ...]) -> str:
    """The marker a text answer puts on a provision whose text is not verbatim regulation text."""
    kind = source_kind(sources)
    if kind in (None, "verbatim"):
        return ""
    return f" ‡ {kind}: {_source_names(sources, kind)}"


@dataclass(frozen=True)
class WhyNot:
    """A rule that would have concluded something positive and did not fire."""
    provision: str
    title: str
    cite: str
    outcome: str
    condition: int | None = None     # index of the first failing condition
    label: str = ""
    expr: str = ""                   # the failing condition, rendered (for a negation: what holds)
    facts: dict[str, Value] = field(default_factory=dict)
    overridden_by: tuple[tuple[str, str], ...] = ()   # (rule, cite) of the firing overriders
    negated: bool = False            # the failing condition is an `unless`: what it names holds

    def to_json(self) -> dict:
        d: dict[str, Any] = {"provision": self.provision, "title": self.title, "cite": self.cite,
                             "outcome": self.outcome}
        if self.overridden_by:
            d["overridden_by"] = [{"provision": r, "cite": c} for r, c in self.overridden_by]
        else:
            d.update(condition=self.condition, label=self.label, expression=self.expr,
                     facts={k: value_to_json(v) for k, v in self.facts.items()})
        return d

    def line(self) -> str:
        """One line a lawyer reads: what is missing, which provision would have given it, and why
        it does not (its first failing condition, or the provision that defeats it)."""
        head = f"{self.outcome} not concluded — {self.title or self.provision} [{self.cite}]"
        if self.overridden_by:
            by = ", ".join(f"{r} [{c}]" for r, c in self.overridden_by)
            return f"{head}: overridden by {by}"
        facts = ", ".join(f"{k} = {render_value(v)}" for k, v in self.facts.items())
        here = f" ({facts})" if facts else ""
        what = self.label or self.expr
        # the label names what the rule requires, or for an `unless` what must not hold; either
        # way the line says which, so "outside X (destination = X)" cannot be read as the reason
        if self.negated:
            return f"{head}: blocked by an exception to it: {what} — and so it is here{here}"
        return f"{head}: fails: {what} — not so here{here}"


@dataclass(frozen=True)
class Determination:
    reading: str
    outcomes: dict[str, Value]
    explanation: tuple[Fired, ...]
    not_applicable: tuple[WhyNot, ...]
    conflicts: tuple[tuple[str, str | None, tuple[str, ...]], ...]
    transaction: dict[str, Value]
    outcome_types: dict[str, Any] = field(default_factory=dict)
    engine: str = "eval"
    in_force: bool | None = True     # None: the date is unknown
    not_in_force: str = ""           # why no outcome is decided (when in_force is False)
    notices: tuple[Notice, ...] = ()
    defaults_used: dict[str, Value] | None = None   # read facts the user did not give (None: not asked)

    # ------------------------------------------------------------- views
    def verdict(self) -> str:
        return "; ".join(f"{k}: {render_value(v)}" for k, v in self.outcomes.items())

    def to_json(self) -> dict:
        outcomes = {k: value_to_json(v) for k, v in self.outcomes.items()}
        # every outcome also stands at the top level: the public contract of `earl ask --json`
        return {
            **outcomes,
            "outcomes": outcomes,
            "reading": self.reading,
            "in_force": self.in_force,
            "explanation": ([{"provision": "in_force", "in_force": False, "text": self.not_in_force}]
                            if self.in_force is False else [f.to_json() for f in self.explanation]),
            "notices": [{"notice": n.name, "title": n.title, "text": n.doc} for n in self.notices],
            **({} if self.defaults_used is None else
               {"defaults_used": {k: value_to_json(v) for k, v in self.defaults_used.items()}}),
            "not_applicable": [w.to_json() for w in self.not_applicable],
            "conflicts": [{"outcome": o, "slot": s, "rules": list(rs)} for o, s, rs in self.conflicts],
            "transaction": nested_paths({k: value_to_json(v) for k, v in self.transaction.items()}),
        }

    def text(self) -> str:
        """Plain-text rendering (no colour): verdict, fired provisions, why-not lines."""
        if self.in_force is False:
            return self.not_in_force
        lines = [self.verdict(), f"reading: {self.reading}"]
        if self.defaults_used:
            lines.append("not given, so taken at their defaults: "
                         + ", ".join(f"{k} = {render_value(v)}" for k, v in self.defaults_used.items()))
        if self.conflicts:
            for o, s, rs in self.conflicts:
                lines.append(f"CONFLICT: {o}{'' if s is None else f' [{s}]'} decided two ways by "
                             + ", ".join(rs))
        if self.explanation:
            lines.append("because:")
            for f in self.explanation:
                lines.append(f"  {f.title or f.provision} [{f.cite}]{source_note(f.sources)}")
                lines.append(f"    → {f.outcome}")
                if f.facts:
                    lines.append("    facts: " + ", ".join(f"{k} = {render_value(v)}"
                                                          for k, v in f.facts.items()))
        else:
            lines.append("no provision applies: every outcome keeps its default")
        for w in self.not_applicable:
            lines.append(w.line())
        if any(f.secondary for f in self.explanation):
            lines.append("‡ this conclusion rests on provisions whose text is not verbatim regulation "
                         "text: see the source named on each")
        for n in self.notices:
            lines.append(f"note — {n.title}: {n.doc}")
        return "\n".join(lines)

    def rich(self):
        """A rich renderable (for terminals)."""
        from rich.console import Group as RGroup
        from rich.text import Text
        from rich.tree import Tree
        if self.in_force is False:
            return Text(self.not_in_force, style="bold yellow")
        parts: list[Any] = []
        verdict = Text()
        for i, (k, v) in enumerate(self.outcomes.items()):
            if i:
                verdict.append("   ")
            verdict.append(f"{k}: ", style="bold")
            verdict.append(render_value(v), style="cyan")
        parts.append(verdict)
        parts.append(Text(f"reading: {self.reading}", style="dim"))
        if self.defaults_used:
            parts.append(Text("not given, so taken at their defaults: " + ", ".join(
                f"{k} = {render_value(v)}" for k, v in self.defaults_used.items()), style="dim"))
        for o, s, rs in self.conflicts:
            parts.append(Text(f"CONFLICT: {o}{'' if s is None else f' [{s}]'} decided two ways by "
                              + ", ".join(rs), style="bold red"))
        tree = Tree(Text("because", style="bold"))
        for f in self.explanation:
            node = tree.add(Text.assemble((f.title or f.provision, "bold green"), "  ",
                                          (f"[{f.cite}]", "dim"), (source_note(f.sources), "magenta")))
            node.add(Text("→ " + f.outcome, style="cyan"))
            for k, v in f.facts.items():
                node.add(Text(f"{k} = {render_value(v)}"))
        if self.explanation:
            parts.append(tree)
        else:
            parts.append(Text("no provision applies: every outcome keeps its default", style="dim"))
        for w in self.not_applicable:
            parts.append(Text(w.line(), style="yellow"))
        if any(f.secondary for f in self.explanation):
            parts.append(Text("‡ this conclusion rests on provisions whose text is not verbatim "
                              "regulation text: see the source named on each", style="magenta"))
        for n in self.notices:
            parts.append(Text(f"note — {n.title}: {n.doc}", style="dim"))
        return RGroup(*parts)


def _missing(rule: Rule, model: Model, outcomes: dict[str, Value]) -> list[Conclusion]:
    """The rule's positive conclusions that the determination does not have: an element it would
    add to a set outcome that is not in it, or a true it would give a boolean outcome that is false.
    These are what a reader asks "why not?" about; the rest would only be noise."""
    out = []
    for c in rule.conclusions:
        decl = model.outcomes.get(c.outcome)
        if decl is None or c.value is not True:
            continue
        if c.slot is not None and isinstance(decl.type, SetOf):
            if c.slot not in outcomes.get(c.outcome, frozenset()):
                out.append(c)
        elif c.slot is None and outcomes.get(c.outcome) is not True:
            out.append(c)
    return out


def not_in_force_text(model: Model, day: datetime.date) -> str:
    spec_in_force = model.spec.in_force
    cite = f" [{spec_in_force.cite}]" if spec_in_force.cite else ""
    text = (f"not in force on {day.isoformat()}: under reading {model.reading} the rule applies from "
            f"{model.in_force_from.isoformat()}{cite}; earl does not model the law before that date, "
            "so no outcome is determined.")
    return text + (f" {spec_in_force.doc}" if spec_in_force.doc else "")


def in_force(model: Model, tx: dict[str, Value]) -> bool | None:
    """Whether the spec is in force on the transaction's date (None: the date is unknown)."""
    day = tx.get("date")
    if not isinstance(day, datetime.date):
        return None if model.in_force_from is not None else True
    return model.in_force_on(day)


def _with_outcomes(e: Expr, model: Model, outcomes: dict[str, Value]) -> Expr:
    """`e` with every outcome replaced by its decided value."""
    return walk.transform(e, lambda n: Lit(outcomes[n.name], model.outcomes[n.name].type)
                          if isinstance(n, OutcomeRef) else n)


def _notices(model: Model, outcomes: dict[str, Value]) -> tuple[Notice, ...]:
    """The notices whose condition (over outcomes only, as the checker ensures) holds; a notice
    that reads an unknown outcome is not shown."""
    out = []
    for n in model.spec.notices.values():
        if any(kind == "out" and outcomes.get(name) is UNKNOWN for kind, name in walk.refs(n.condition)):
            continue
        if interpret(model, {}, _with_outcomes(n.condition, model, outcomes)) is True:
            out.append(n)
    return tuple(out)


def not_in_force(model: Model, tx: dict[str, Value], *, engine: str = "eval") -> Determination | None:
    """The answer for a transaction dated before the spec is in force (every outcome None, the
    explanation says so); None when the spec is in force on its date or the date is unknown."""
    if in_force(model, tx) is not False:
        return None
    return Determination(reading=model.reading, outcomes={k: None for k in model.outcomes},
                         explanation=(), not_applicable=(), conflicts=(), transaction=dict(tx),
                         outcome_types={k: d.type for k, d in model.outcomes.items()},
                         engine=engine, in_force=False, not_in_force=not_in_force_text(model, tx["date"]))


def determine(model: Model, tx: dict[str, Value], trace: Trace, *, engine: str = "eval",
              given: dict[str, Value] | None = None) -> Determination:
    """The determination a user reads, from a trace (of any engine). On a date before the spec is
    in force every outcome is None and the explanation says why. With `given` (the facts the
    user stated), it names the facts it read that took their defaults instead."""
    outside = not_in_force(model, tx, engine=engine)
    if outside is not None:
        return outside
    fired = []
    for name, rule in model.rules.items():
        if name in trace.fired:
            reads = rule_reads(model, name)
            fired.append(Fired(
                provision=name, title=rule.title, cite=rule.cite,
                outcome=", ".join(render_conclusion(c) for c in rule.conclusions),
                facts=_facts(model, tx, trace, reads), sources=rule.sources))
    why_not = []
    for name, rule in model.rules.items():
        if name in trace.fired:
            continue
        pos = _missing(rule, model, trace.outcomes)
        if not pos:
            continue
        outcome = ", ".join(render_conclusion(c) for c in pos)
        if name in trace.applicable:
            by = tuple((o.name, o.cite) for o in model.rules.values()
                       if name in o.overrides and o.name in trace.fired)
            why_not.append(WhyNot(name, rule.title, rule.cite, outcome, overridden_by=by))
        else:
            i = trace.first_failing.get(name)
            if i is None or i >= len(rule.conditions):
                continue
            cond = rule.conditions[i]
            reads = rule_reads(model, name, i)
            why_not.append(WhyNot(name, rule.title, rule.cite, outcome, condition=i,
                                  label=cond.label,
                                  expr=render_expr(cond.expr.arg if cond.unless else cond.expr),
                                  negated=cond.unless,
                                  facts=_facts(model, tx, trace, reads)))
    return Determination(reading=model.reading, outcomes=dict(trace.outcomes),
                         explanation=tuple(fired), not_applicable=tuple(why_not),
                         conflicts=tuple(trace.conflicts), transaction=dict(tx),
                         outcome_types={k: d.type for k, d in model.outcomes.items()}, engine=engine,
                         in_force=in_force(model, tx), notices=_notices(model, trace.outcomes),
                         defaults_used=_defaults_used(model, tx, given, fired, why_not))


def _defaults_used(model: Model, tx: dict, given: dict | None, fired, why_not) -> dict[str, Value] | None:
    if given is None:
        return None
    read = {k for f in (*fired, *why_not) for k in f.facts}
    return {p: tx[p] for p in model.inputs if p in read and p not in given}


def all_readings(spec, given: dict[str, Value], fixed_params: dict[str, Value] | None = None,
                 engine=None, *, readings=None, model_for=None) -> tuple[dict[str, Determination], list[str]]:
    """The determination of one transaction under every reading of the spec (or those named),
    and the outcomes whose value differs between them (in declaration order). `model_for(name)`
    gives a reading's model when the caller keeps them (so their compilations are reused)."""
    tx = complete(spec, given)
    answers = {}
    for name in readings or spec.readings:
        model = model_for(name) if model_for is not None else resolve(spec, name, fixed_params)
        trace = engine.run(model, tx) if engine is not None else run(model, tx)
        answers[name] = determine(model, tx, trace, engine=getattr(engine, "name", "eval"), given=given)
    dependent = [o for o in spec.outcomes
                 if len({repr(value_to_json(d.outcomes[o])) for d in answers.values()}) > 1]
    return answers, dependent


def all_readings_json(answers: dict[str, Determination], dependent: list[str]) -> dict:
    """`earl ask --all-readings --json`: {"readings": {NAME: answer}, "reading_dependent": [outcomes]}."""
    return {"readings": {n: d.to_json() for n, d in answers.items()}, "reading_dependent": dependent}


def all_readings_text(spec, answers: dict[str, Determination], dependent: list[str]) -> str:
    lines = []
    if dependent:
        lines.append("depends on the reading: " + ", ".join(dependent))
    else:
        lines.append("no outcome depends on the reading")
    for name, det in answers.items():
        lines += ["", f"── reading {name}: {spec.readings[name].doc}", det.text()]
    return "\n".join(lines)
