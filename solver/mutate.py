"""Mutation adequacy: semantic mutants of a spec, and how many of them its own checks kill.

A mutant is the checked spec (the IR, `ir.Spec`) with one small semantic change. The operators
know the IR only, never what a name means:

- expression operators (`EXPR_OPERATORS`), applied at every node of every rule condition and
  every definition body (each reading's body too): a number literal one unit of its precision up
  and down (`coverage.step_of`: 1 for a whole number, 0.01 for 5.92), a date literal one day up
  and down, `<`<->`<=` and `>`<->`>=`, `==`<->`!=`, `in`<->`not in`, `and`<->`or`;
- declaration operators (`DECL_OPERATORS`): each condition of each rule dropped and negated,
  each rule removed, each conclusion changed (a bool flipped, an enum to the next member, a set
  element added <-> removed), each `overrides` removed, each listed member of a country group
  removed, each membership date moved by one day, each number or date parameter moved by one
  unit under each reading.

A mutant is judged only under the readings it changes (under the others it is the spec
itself). It is *killed* when a check fails on it: an example whose expected outcome (or freedom
from conflicts) the reference evaluator no longer reproduces, or a property whose z3 result under
some reading no longer matches its expectation. Against a test set (`testset=`), it is killed
when some stored case's expected outcomes change. Examples (or cases) run first, being cheap; a
mutant they miss is then compared with the original — first on sampled transactions (the
examples' and pseudo-random ones over the values the spec names), else by z3
(`smt.prove.equivalent_models`, every outcome, every parameter at its reading's value). Proved the same on
every transaction under every reading, it is *equivalent* — no check could kill it — and is
listed apart; otherwise the properties run, and a mutant they miss *survives*, reported with a
transaction that tells it apart. Score = killed / (total - equivalent). A z3 `unknown` never
makes a mutant equivalent or killed: it stays a survivor, with the reason.
"""
from __future__ import annotations

import dataclasses
import datetime
import multiprocessing
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Sequence

from .. import ir
from .coverage import fixed_model, step_of
from ..ir.values import render_value
from ..ir import And, Cmp, InGroup, InSet, Lit, Not, Or
from .replay import EngineDisagreement
from .results import Instance, Proof

__all__ = ["Mutation", "Mutant", "Verdict", "Score", "mutants", "run", "EXPR_OPERATORS",
           "DECL_OPERATORS"]


# --------------------------------------------------------------------------- mutants

@dataclass(frozen=True)
class Mutation:
    """What one mutant changed: the operator, in words, in which declaration, where."""
    operator: str
    kind: str          # threshold, comparison, membership, logic, condition, rule, conclusion,
    #                    overrides, group
    text: str
    owner: str         # the rule, definition, parameter or country group changed
    pos: ir.Pos


@dataclass(frozen=True)
class Mutant:
    mutation: Mutation
    spec: ir.Spec


@dataclass(frozen=True)
class ExprOperator:
    """A rewrite of one expression node: `apply(node)` yields (what changed, the new node)."""
    name: str
    kind: str
    apply: Callable[[ir.Expr], Iterable[tuple[str, ir.Expr]]]


def _shift(v: ir.Value, up: bool) -> ir.Value:
    """One unit of the value's precision up or down: a day for a date."""
    if isinstance(v, datetime.date):
        return v + datetime.timedelta(days=1 if up else -1)
    d = step_of(v, False)
    return v + d if up else v - d


def _shifted(v: ir.Value) -> Iterator[tuple[str, ir.Value]]:
    for up in (False, True):
        try:
            w = _shift(v, up)
        except OverflowError:       # a date at the calendar's edge has no neighbour there
            continue
        yield f"{render_value(v)} -> {render_value(w)}", w


def _threshold(e: ir.Expr):
    if isinstance(e, Lit) and isinstance(e.type, (ir.Num, ir.Date)) and e.value is not None:
        for text, w in _shifted(e.value):
            yield text, Lit(w, e.type)


_BOUNDARY = {"<": "<=", "<=": "<", ">": ">=", ">=": ">"}
_EQUALITY = {"==": "!=", "!=": "=="}


def _cmp_swap(table: dict[str, str]):
    def apply(e: ir.Expr):
        if isinstance(e, Cmp) and e.op in table:
            yield f"{e.op} -> {table[e.op]}", Cmp(table[e.op], e.left, e.right)
    return apply


def _is_membership(e: ir.Expr) -> bool:
    return isinstance(e, (InSet, InGroup))


def _membership(e: ir.Expr):
    if _is_membership(e):
        yield "in -> not in", Not(e)
    elif isinstance(e, Not) and _is_membership(e.arg):
        yield "not in -> in", e.arg


def _logic(e: ir.Expr):
    if isinstance(e, And):
        yield "and -> or", Or(e.args)
    elif isinstance(e, Or):
        yield "or -> and", And(e.args)


EXPR_OPERATORS: tuple[ExprOperator, ...] = (
    ExprOperator("threshold", "threshold", _threshold),
    ExprOperator("boundary", "comparison", _cmp_swap(_BOUNDARY)),
    ExprOperator("equality", "comparison", _cmp_swap(_EQUALITY)),
    ExprOperator("membership", "membership", _membership),
    ExprOperator("and/or", "logic", _logic),
)

_EXPR_TYPES = tuple(t for t in ir.Expr.__args__)


def negate(e: ir.Expr) -> ir.Expr:
    return e.arg if isinstance(e, Not) else Not(e)


def _rebuilt(node: ir.Expr, name: str, value) -> ir.Expr:
    new = dataclasses.replace(node, **{name: value})
    # a rewrite under a `not` may negate again: keep one canonical form, so no two mutants differ
    # only by a double negation
    if isinstance(new, Not) and isinstance(new.arg, Not):
        return new.arg.arg
    return new


def expr_mutants(e: ir.Expr) -> Iterator[tuple[ExprOperator, str, ir.Expr]]:
    """Every single-node rewrite of `e` by `EXPR_OPERATORS`, each as the whole rewritten tree."""
    seen = {e}
    for op, text, new in _expr_mutants(e):
        if new not in seen:
            seen.add(new)
            yield op, text, new


def _expr_mutants(e: ir.Expr) -> Iterator[tuple[ExprOperator, str, ir.Expr]]:
    for op in EXPR_OPERATORS:
        for text, new in op.apply(e):
            yield op, text, new
    for f in dataclasses.fields(e):
        child = getattr(e, f.name)
        if isinstance(child, tuple):
            for i, c in enumerate(child):
                if isinstance(c, _EXPR_TYPES):
                    for op, text, new in _expr_mutants(c):
                        yield op, text, _rebuilt(e, f.name, child[:i] + (new,) + child[i + 1:])
        elif isinstance(child, _EXPR_TYPES):
            for op, text, new in _expr_mutants(child):
                yield op, text, _rebuilt(e, f.name, new)


def _with_rule(spec: ir.Spec, rule: ir.Rule) -> ir.Spec:
    return dataclasses.replace(spec, rules={**spec.rules, rule.name: rule})


def _condition_mutants(spec: ir.Spec) -> Iterator[Mutant]:
    for rule in spec.rules.values():
        conds = rule.conditions
        for i, c in enumerate(conds):
            label = c.label or f"condition {i + 1}"

            def put(new_conds, operator, kind, text, _rule=rule, _c=c):
                return Mutant(Mutation(operator, kind, text, _rule.name, _c.pos),
                              _with_rule(spec, dataclasses.replace(_rule, conditions=tuple(new_conds))))

            yield put(conds[:i] + conds[i + 1:], "drop condition", "condition", f"dropped: {label}")
            yield put(conds[:i] + (dataclasses.replace(c, expr=negate(c.expr)),) + conds[i + 1:],
                      "negate condition", "condition", f"negated: {label}")
            for op, text, new in expr_mutants(c.expr):
                if new == negate(c.expr):     # the negated condition, already yielded
                    continue
                yield put(conds[:i] + (dataclasses.replace(c, expr=new),) + conds[i + 1:],
                          op.name, op.kind, f"{text} in: {label}")


def _def_mutants(spec: ir.Spec) -> Iterator[Mutant]:
    for d in spec.defs.values():
        bodies = [(None, d.body)] + list(d.by_reading.items())
        for reading, body in bodies:
            where = "" if reading is None else f" (under {reading})"
            for op, text, new in expr_mutants(body):
                changed = (dataclasses.replace(d, body=new) if reading is None else
                           dataclasses.replace(d, by_reading={**d.by_reading, reading: new}))
                yield Mutant(Mutation(op.name, op.kind, f"{text}{where}", d.name, d.pos),
                             dataclasses.replace(spec, defs={**spec.defs, d.name: changed}))


def _param_mutants(spec: ir.Spec) -> Iterator[Mutant]:
    for p in spec.params.values():
        for reading, lit in [(None, p.default)] + list(p.by_reading.items()):
            if not isinstance(p.type, (ir.Num, ir.Date)):
                continue
            where = "" if reading is None else f" (under {reading})"
            for text, w in _shifted(lit.value):
                new = Lit(w, lit.type)
                changed = (dataclasses.replace(p, default=new) if reading is None else
                           dataclasses.replace(p, by_reading={**p.by_reading, reading: new}))
                yield Mutant(Mutation("threshold", "threshold", f"{text}{where}", p.name, p.pos),
                             dataclasses.replace(spec, params={**spec.params, p.name: changed}))


def _named_rules(spec: ir.Spec) -> set[str]:
    """Rules some expression names (`RuleApplies`/`RuleFires`): removing one would leave a
    dangling name, which the checker refuses — not a mutant of a well-formed spec."""
    names: set[str] = set()

    def walk(e):
        if isinstance(e, (ir.RuleApplies, ir.RuleFires)):
            names.add(e.rule)
        if dataclasses.is_dataclass(e):
            for f in dataclasses.fields(e):
                c = getattr(e, f.name)
                for x in (c if isinstance(c, tuple) else (c,)):
                    if isinstance(x, _EXPR_TYPES):
                        walk(x)

    for d in spec.defs.values():
        for body in [d.body, *d.by_reading.values()]:
            walk(body)
    for r in spec.rules.values():
        for c in r.conditions:
            walk(c.expr)
    for p in spec.properties.values():
        walk(p.body)
    return names


def _rule_mutants(spec: ir.Spec) -> Iterator[Mutant]:
    named = _named_rules(spec)
    for rule in spec.rules.values():
        if rule.name in named:
            continue
        rules = {n: (dataclasses.replace(r, overrides=tuple(o for o in r.overrides if o != rule.name))
                     if rule.name in r.overrides else r)
                 for n, r in spec.rules.items() if n != rule.name}
        yield Mutant(Mutation("remove rule", "rule", f"removed rule {rule.name}", rule.name, rule.pos),
                     dataclasses.replace(spec, rules=rules))


def _changed_value(spec: ir.Spec, c: ir.Conclusion) -> ir.Value | object:
    """The value the conclusion is changed to; `_NONE` when its type has no other value."""
    if c.slot is not None or isinstance(c.value, bool):
        return not c.value
    t = spec.outcomes[c.outcome].type
    if isinstance(t, ir.Enum):
        members = list(spec.enums[t.name].members) + ([None] if t.optional else [])
        if c.value in members and len(members) > 1:
            return members[(members.index(c.value) + 1) % len(members)]
    return _NONE


_NONE = object()


def _conclusion_mutants(spec: ir.Spec) -> Iterator[Mutant]:
    for rule in spec.rules.values():
        for i, c in enumerate(rule.conclusions):
            new = _changed_value(spec, c)
            if new is _NONE:
                continue
            changed = dataclasses.replace(c, value=new)
            concl = rule.conclusions[:i] + (changed,) + rule.conclusions[i + 1:]
            yield Mutant(Mutation("change conclusion", "conclusion", f"{c} -> {changed}", rule.name,
                                  c.pos if c.pos != ir.NOWHERE else rule.pos),
                         _with_rule(spec, dataclasses.replace(rule, conclusions=concl)))


def _overrides_mutants(spec: ir.Spec) -> Iterator[Mutant]:
    for rule in spec.rules.values():
        for o in rule.overrides:
            kept = tuple(x for x in rule.overrides if x != o)
            yield Mutant(Mutation("remove overrides", "overrides", f"no longer overrides {o}",
                                  rule.name, rule.pos),
                         _with_rule(spec, dataclasses.replace(rule, overrides=kept)))


def _group_mutants(spec: ir.Spec) -> Iterator[Mutant]:
    for g in spec.groups.values():
        for i, m in enumerate(g.members):
            def put(members, operator, text, _g=g):
                return Mutant(Mutation(operator, "group", text, _g.name, _g.pos),
                              dataclasses.replace(spec, groups={**spec.groups, _g.name: dataclasses.replace(
                                  _g, members=tuple(members))}))

            yield put(g.members[:i] + g.members[i + 1:], "remove member", f"removed {m.country}")
            for bound in ("since", "until"):
                day = getattr(m, bound)
                if day is None:
                    continue
                for text, w in _shifted(day):
                    moved = dataclasses.replace(m, **{bound: w})
                    word = "from" if bound == "since" else "until"
                    yield put(g.members[:i] + (moved,) + g.members[i + 1:], "move date",
                              f"{m.country} {word} {text}")


DECL_OPERATORS: tuple[Callable[[ir.Spec], Iterator[Mutant]], ...] = (
    _condition_mutants, _def_mutants, _param_mutants, _rule_mutants, _conclusion_mutants,
    _overrides_mutants, _group_mutants,
)


def mutants(spec: ir.Spec) -> list[Mutant]:
    """Every mutant of `spec`, in a stable order (the order of the operators and declarations)."""
    return [m for op in DECL_OPERATORS for m in op(spec)]


# --------------------------------------------------------------------------- checking

@dataclass(frozen=True)
class Verdict:
    """What became of one mutant: killed (by), equivalent, or survived (with a witness)."""
    status: str        # "killed", "equivalent", "survived"
    detail: str = ""   # the check that killed it; for a survivor, a transaction telling them apart


def same_model(a: ir.Model, b: ir.Model) -> bool:
    """The two models decide every transaction alike because they are the same model (a
    mutation of another reading's body, or of a rule that reading does not have)."""
    return (a.params == b.params and a.defs == b.defs and a.rules == b.rules
            and a.spec.groups == b.spec.groups)


def _changed_readings(original: ir.Spec, spec: ir.Spec, readings: Sequence[str]) -> list[str]:
    return [r for r in readings if not same_model(ir.resolve(spec, r), ir.resolve(original, r))]


def _example_kill(spec: ir.Spec, readings: Sequence[str]) -> str:
    from .evaluate import run as run_model
    from ..ir.values import render_value as show
    from .transaction import complete
    models: dict = {}
    for ex in spec.examples.values():
        reading = ex.reading or spec.default_reading
        if reading not in readings:
            continue
        key = (reading, tuple(sorted(ex.params.items())))
        if key not in models:
            models[key] = ir.resolve(spec, reading, ex.params)
        trace = run_model(models[key], complete(spec, ex.given))
        if trace.conflicts:
            return f"example {ex.name} (conflict on {trace.conflicts[0][0]})"
        for name, want in ex.expect.items():
            if trace.outcomes[name] != want:
                return (f"example {ex.name} ({name}: expected {show(want)}, "
                        f"got {show(trace.outcomes[name])})")
    return ""


def _property_kill(spec: ir.Spec, readings: Sequence[str], timeout_ms: int) -> str:
    """A property whose z3 result no longer matches its expectation (`readings`: those the
    mutation changes; under the others the mutant is the original)."""
    from .smt import prove
    from .results import Unknown
    from .verify import expectation
    for reading in readings:
        model = ir.resolve(spec, reading)
        for prop in spec.properties.values():
            r = prove.valid(model, prop.body, timeout_ms=timeout_ms, minimize=False, explain=False)
            if isinstance(r, Unknown):
                continue
            got = "holds" if isinstance(r, Proof) else "fails"
            if got != expectation(prop, reading):
                return f"property {prop.name} {got} under {reading}"
    return ""


def _testset_kill(spec: ir.Spec, reading: str, cases: list[dict]) -> str:
    from .testset import changes
    found = changes(spec, reading, cases)
    if found:
        c = found[0]
        return f"case {c.case}" + (f" ({c.outcome})" if c.outcome else "")
    return ""


def _samples(original: ir.Spec, reading: str) -> tuple[list[dict], list[dict]]:
    """(complete transactions, the original's outcomes on them) under `reading`: the examples'
    transactions and pseudo-random ones over the values the spec names (fixed seed), on which
    a mutant that differs usually shows it without a proof. Only transactions dated while the
    spec is in force: before, no outcome is determined and the proofs do not look. Memoised per
    worker."""
    import random
    from .analyses import sample_domains
    from .evaluate import run_batch
    from .explain import in_force
    from .transaction import complete
    key = ("samples", reading)
    if key not in _STATE:
        model = fixed_model(original, reading)
        txs = [complete(original, ex.given) for ex in original.examples.values()]
        domains = sample_domains(model)
        rng = random.Random(0)
        txs += [complete(original, {p: rng.choice(vs) for p, vs in domains.items() if rng.random() < 0.5})
                for _ in range(SAMPLES)]
        txs = [tx for tx in txs if in_force(model, tx) is not False]
        _STATE[key] = (txs, [t.outcomes for t in run_batch(model, txs)])
    return _STATE[key]


SAMPLES = 400


def _witness(original: ir.Spec, spec: ir.Spec, reading: str, tx: dict) -> str:
    import json
    from ..ir.values import non_default
    from .transaction import to_json
    given = json.dumps(to_json(original, non_default(original, tx)), ensure_ascii=False, sort_keys=True)
    return f"differs under {reading} on {given}"


def _sampled_difference(original: ir.Spec, spec: ir.Spec, readings: Sequence[str]) -> str:
    from .evaluate import run_batch
    for reading in readings:
        txs, outcomes = _samples(original, reading)
        for tx, mine, theirs in zip(txs, run_batch(fixed_model(spec, reading), txs), outcomes):
            if mine.outcomes != theirs:
                return _witness(original, spec, reading, tx)
    return ""


def _proved_difference(original: ir.Spec, spec: ir.Spec, readings: Sequence[str],
                       timeout_ms: int) -> Verdict | str:
    """"equivalent" (a Verdict) when z3 proves every outcome the same under every reading
    (parameters at the reading's values); else a transaction telling them apart, or why z3
    could not tell (a string)."""
    from .smt import prove
    from .transaction import complete
    unknown = ""
    outcomes = [original.outcome_ref(o) for o in original.outcomes]
    for reading in readings:
        mine, theirs = fixed_model(spec, reading), fixed_model(original, reading)
        try:
            # the mutant first: the pair's z3 query is cached on the first model, which dies
            # with the mutant
            r = prove.equivalent_models(mine, theirs, outcomes, timeout_ms=timeout_ms, minimize=True)
        except EngineDisagreement as e:
            return f"engines disagree under {reading}: {e}"
        if isinstance(r, Instance):
            return _witness(original, spec, reading, complete(original, r.transaction))
        if not isinstance(r, Proof):
            unknown = unknown or f"not proved equivalent under {reading}: {r.reason}"
    return unknown or Verdict("equivalent")


# state of a worker process: set once (by fork or by the initializer), read by `_judge`
_STATE: dict = {}


def _init(state: dict) -> None:
    _STATE.clear()
    _STATE.update(state)


def _judge(index: int) -> tuple[int, Verdict]:
    """Examples (or the test set) first, as they are cheap; then whether the mutant differs at
    all (sampled transactions, else a z3 proof): an equivalent mutant needs no property; last
    the properties, with z3."""
    s = _STATE
    original, m = s["spec"], s["mutants"][index]
    try:
        changed = _changed_readings(original, m.spec, s["readings"])
        if not changed:
            return index, Verdict("equivalent")
        if s["cases"] is not None:
            killer = _testset_kill(m.spec, changed[0], s["cases"])
        else:
            killer = _example_kill(m.spec, changed)
        if killer:
            return index, Verdict("killed", killer)
        difference = (_sampled_difference(original, m.spec, changed)
                      or _proved_difference(original, m.spec, changed, s["timeout_ms"]))
        if isinstance(difference, Verdict):
            return index, difference
        if s["cases"] is None:
            killer = _property_kill(m.spec, changed, s["timeout_ms"])
            if killer:
                return index, Verdict("killed", killer)
        return index, Verdict("survived", difference)
    except Exception as e:  # an engine failing on a mutant is no kill: report it, never crash
        return index, Verdict("survived", f"could not be checked: {type(e).__name__}: {e}")


@dataclass
class Score:
    mutants: list[Mutant]
    verdicts: list[Verdict]
    readings: list[str]
    against: str = "the spec's examples and properties"
    seconds: float = 0.0

    def _count(self, status: str, kinds: Iterable[str] | None = None) -> int:
        kinds = None if kinds is None else set(kinds)
        return sum(1 for m, v in zip(self.mutants, self.verdicts)
                   if v.status == status and (kinds is None or m.mutation.kind in kinds))

    @property
    def total(self) -> int:
        return len(self.mutants)

    @property
    def killed(self) -> int:
        return self._count("killed")

    @property
    def equivalent(self) -> int:
        return self._count("equivalent")

    @property
    def survived(self) -> int:
        return self._count("survived")

    @property
    def score(self) -> float:
        counted = self.total - self.equivalent
        return self.killed / counted if counted else 1.0

    def by_kind(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for m, v in zip(self.mutants, self.verdicts):
            row = out.setdefault(m.mutation.kind, {"total": 0, "killed": 0, "survived": 0,
                                                   "equivalent": 0})
            row["total"] += 1
            row[v.status] += 1
        return out

    def _rows(self, status: str) -> list[dict]:
        return [{"file": m.mutation.pos.file, "line": m.mutation.pos.line, "rule": m.mutation.owner,
                 "operator": m.mutation.operator, "kind": m.mutation.kind,
                 "mutation": m.mutation.text, "detail": v.detail}
                for m, v in zip(self.mutants, self.verdicts) if v.status == status]

    def survivors(self) -> list[dict]:
        return self._rows("survived")

    def to_json(self) -> dict:
        return {"against": self.against, "readings": self.readings, "total": self.total,
                "killed": self.killed, "survived": self.survived, "equivalent": self.equivalent,
                "score": round(self.score, 4), "seconds": round(self.seconds, 1),
                "by_kind": self.by_kind(), "survivors": self.survivors(),
                "equivalents": self._rows("equivalent")}


def run(spec: ir.Spec, *, readings: Sequence[str] | None = None, jobs: int = 1,
        timeout_ms: int = 10_000, testset: tuple[str, list[dict]] | None = None,
        progress: Callable[[int, int], None] | None = None) -> Score:
    """Judge every mutant of `spec`. `testset`: (reading, stored cases) to kill with instead of
    the spec's examples and properties. `jobs`: worker processes."""
    import time
    t0 = time.perf_counter()
    if testset is not None:
        readings = [testset[0]]
    readings = list(readings or spec.readings)
    ms = mutants(spec)
    state = {"spec": spec, "mutants": ms, "readings": readings, "timeout_ms": timeout_ms,
             "cases": None if testset is None else testset[1]}
    verdicts: list[Verdict | None] = [None] * len(ms)
    done = 0
    jobs = max(1, min(jobs, len(ms)))
    if jobs == 1:
        _init(state)
        results: Iterable[tuple[int, Verdict]] = map(_judge, range(len(ms)))
        pool = None
    else:
        ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods()
                                          else None)
        pool = ctx.Pool(jobs, initializer=_init, initargs=(state,))
        results = pool.imap_unordered(_judge, range(len(ms)), chunksize=4)
    try:
        for i, v in results:
            verdicts[i] = v
            done += 1
            if progress:
                progress(done, len(ms))
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
    against = ("the spec's examples and properties" if testset is None
               else f"a test set of {len(testset[1])} cases")
    return Score(ms, [v for v in verdicts if v is not None], readings, against,
                 time.perf_counter() - t0)
