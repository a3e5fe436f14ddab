"""Minimal covering test sets: few transactions meeting every feasible coverage goal.

The goals come from coverage.py; each is a boolean IR expression. The search runs in z3 over the
same encoding as the proofs (smt.py), loaded once into one incremental solver in which goal i is
asserted under an indicator literal, so "some transaction meets goals A" is one `check(A)`.

1. Candidates (greedy by construction). Take the open goals in order. For an open goal, z3 either
   proves that no transaction meets it (*infeasible*, proved), answers unknown (retried through
   `prove.satisfiable`, which relaxes integrality; still unknown: reported *unknown*), or gives a
   transaction. That transaction is then grown: every open goal it already meets is kept, and the
   other open goals are tried one by one (short per-check time limit, bounded time per candidate),
   keeping those z3 can add. The transaction is decoded and run through the reference evaluator:
   every goal it was built to meet must hold (EngineDisagreement otherwise); every goal it meets is closed.
   These candidates, in order, are the greedy set.
2. The set. Each candidate is shrunk (inputs put back to their defaults while it still meets all
   the goals it meets), then an exact set cover over the candidate pool (clingo ``#minimize``:
   fewest transactions, then fewest inputs off their defaults) picks the set. When clingo finishes,
   the set is optimal *over the candidate pool*.
3. A lower bound over all transactions: goals that are pairwise disjoint (no transaction meets two
   of them; z3 proves each pair unsatisfiable) need one transaction each. A clique of such goals
   is grown greedily among the goals no candidate meets together. When its size equals the set's
   size the set is proved optimal over all transactions.
4. Each chosen transaction is shrunk again, keeping only the goals it is the first to meet: it is
   1-minimal (no input can go back to its default without losing one of them).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction

import z3

from .. import ir
from ..ir.values import non_default
from . import coverage
from .smt import prove
from .asp import program as asp_program
from .replay import EngineDisagreement
from .countries import CountryClasses
from .coverage import Goal
from ..ir import Model, Value
from .results import Instance, Proof
from .smt.compile import Compiler
from .smt.encode import CompileError, VarPool
from .transaction import complete

__all__ = ["Generated", "generate", "GenerateError"]


class GenerateError(Exception):
    """The model uses something the generator cannot encode (reported to the user)."""


@dataclass
class Generated:
    model: Model
    goals: list[Goal]
    transactions: list[dict[str, Value]]          # complete transactions
    given: list[dict[str, Value]]                 # the inputs off their defaults
    met: list[list[str]]                          # goal ids each transaction meets
    status: dict[str, str]                        # goal id -> met | infeasible | unknown
    greedy_size: int
    lower_bound: int
    optimal: bool                                 # proved optimal over all transactions
    pool_size: int = 0                            # candidates the set was chosen from
    pool_optimal: bool = False                    # the set is a proved optimum over the pool
    clique: list[str] = field(default_factory=list)   # pairwise-disjoint goals (the bound)
    times: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.transactions)

    def counts(self) -> dict[str, int]:
        out = {"total": len(self.goals), "met": 0, "infeasible": 0, "unknown": 0}
        for s in self.status.values():
            out[s] += 1
        return out


# --------------------------------------------------------------------------- the z3 side

class _Z3:
    """The model compiled once; goal i asserted under the literal `lits[i]` (None: not encodable)."""

    def __init__(self, model: Model, goals: list[Goal], step_ms: int):
        self.model = model
        self.step_ms = step_ms
        self.pool = VarPool(model.spec, CountryClasses.of(model))
        self.comp = Compiler(model, self.pool)
        for name in model.free_params:
            self.comp.expr(model.spec.param_ref(name))
        self.solver = z3.Solver()
        self.lits: list[z3.BoolRef | None] = []
        for i, g in enumerate(goals):
            if g.contrast is not None:     # a pair of models: searched for by proofs.equivalent
                self.lits.append(None)
                continue
            try:
                t = self.comp.expr(g.expr)
            except CompileError:
                self.lits.append(None)
                continue
            lit = z3.Bool(f"goal!{i}")
            self.solver.add(z3.Implies(lit, t))
            self.lits.append(lit)
        self.solver.add(*self.pool.domain)
        self.terms = {i: self.comp.expr(g.expr) for i, g in enumerate(goals)
                      if self.lits[i] is not None}

    def check(self, idxs, timeout_ms: int):
        self.solver.set("timeout", max(1, int(timeout_ms)))
        return self.solver.check(*[self.lits[i] for i in idxs])

    def holds(self, m: z3.ModelRef, i: int) -> bool:
        return z3.is_true(m.eval(self.terms[i], model_completion=True))

    def given(self, m: z3.ModelRef) -> dict[str, Value] | None:
        """The inputs off their defaults in a z3 model (None: a value with no exact form)."""
        spec = self.model.spec
        try:
            values = {p: self.pool.decode(d.type, m.eval(self.pool.inputs[p], model_completion=True))
                      for p, d in spec.inputs.items()}
        except (ValueError, CompileError):
            return None
        for p, d in spec.inputs.items():
            if isinstance(d.type, ir.Num) and d.type.integer and Fraction(values[p]).denominator != 1:
                return None
        return non_default(spec, values)


def _shrink(model: Model, given: dict[str, Value], keep: list[Goal]) -> dict[str, Value]:
    """Put inputs back to their defaults while the transaction still meets every goal of `keep`."""
    spec = model.spec
    keep = list(keep)
    given = dict(given)
    changed = True
    while changed:          # to a fixpoint: removing one input can make another removable
        changed = False
        for path in list(given):
            trial = {p: v for p, v in given.items() if p != path}
            if coverage.meets_all(model, complete(spec, trial), keep):
                given = trial
                changed = True
    return given


# --------------------------------------------------------------------------- 1. candidates

@dataclass
class _Candidate:
    given: dict[str, Value]
    met: frozenset[int]


def _candidates(model: Model, gs: list[Goal], zs: _Z3, sat: dict, seeds: list[int], *,
                grow_ms: int, grow_budget: float, deadline: float, say):
    """Candidates for the open goals, `seeds` first; a seed's growth skips the other seeds
    (proved disjoint from it)."""
    status: dict[int, str] = {}
    pool: list[_Candidate] = []
    open_ = set(range(len(gs)))
    skip = set(seeds)
    for i in list(seeds) + [k for k in range(len(gs)) if k not in skip]:
        if i not in open_:
            continue
        given = None
        built: set[int] = {i}
        r = _single(zs, sat, i)
        if r == z3.unsat:
            status[i] = "infeasible"
            open_.discard(i)
            continue
        if r == z3.sat:
            r = zs.check([i], zs.step_ms)
        if r == z3.sat:
            m = zs.solver.model()
            built |= {j for j in open_ if j != i and zs.lits[j] is not None and zs.holds(m, j)}
            if time.monotonic() < deadline:
                try_ = [j for j in sorted(open_) if j not in built and j not in skip]
                m = _grow(zs, m, built, try_, open_, grow_ms,
                          min(deadline, time.monotonic() + grow_budget))
            given = zs.given(m)
        if given is None:
            # a mutant goal, or z3 gave no usable answer: the proof primitive (relaxation,
            # exact witness)
            res = _witness(model, gs[i], zs.step_ms * 4)
            built = {i}
            if isinstance(res, Proof):
                status[i] = "infeasible"
                open_.discard(i)
                continue
            if not isinstance(res, Instance):
                status[i] = "unknown"
                open_.discard(i)
                continue
            given = non_default(model.spec, res.transaction)
        tx = complete(model.spec, given)
        met = set(coverage.met_goals(model, tx, gs))
        met_idx = frozenset(k for k, g in enumerate(gs) if g.id in met)
        missing = [gs[k].id for k in built if k not in met_idx]
        if missing:
            raise EngineDisagreement(f"z3 built a transaction for {missing[:3]} the reference evaluator "
                            f"does not confirm: {given}")
        pool.append(_Candidate(given, met_idx))
        open_ -= met_idx
    say(f"{len(pool)} candidates")
    return pool, status


def _witness(model: Model, goal: Goal, timeout_ms: int):
    """A transaction meeting `goal` (Instance), a proof that none exists, or Unknown."""
    if goal.contrast is None:
        return prove.satisfiable(model, goal.expr, timeout_ms=timeout_ms, explain=False)
    # the mutant first: the pair's query is cached on the first model, which lives as long as
    # the goal
    return prove.equivalent_models(goal.contrast, model, [model.spec.outcome_ref(o) for o in model.outcomes],
                             timeout_ms=timeout_ms)


def _grow(zs: _Z3, m: z3.ModelRef, built: set[int], try_: list[int], open_: set[int],
          check_ms: int, until: float) -> z3.ModelRef:
    """Add the goals of `try_` to `built` one by one while z3 can meet them together (in place);
    open goals the new model meets on the way are added too."""
    for j in try_:
        if time.monotonic() > until:
            break
        if j in built or zs.lits[j] is None:
            continue
        if zs.check(sorted(built | {j}), check_ms) == z3.sat:
            m = zs.solver.model()
            built.add(j)
            built |= {k for k in open_ if k not in built and zs.lits[k] is not None
                      and zs.holds(m, k)}
    return m


# --------------------------------------------------------------------------- 3. lower bound

def _family(g: Goal):
    """Goals of one family exclude one another (one value per scalar
    outcome, one failing condition per rule): where pairwise-disjoint goals are looked for first."""
    if g.kind == "outcome" and "=" in g.id:
        return ("outcome", g.id.split("=", 1)[0])
    if g.kind in ("applies", "mcdc"):
        return ("rule", g.rule)
    return None


class _Disjoint:
    """Pairwise disjointness of goals, each proved by z3 (memoised)."""

    def __init__(self, zs: _Z3, check_ms: int):
        self.zs, self.check_ms, self.memo = zs, check_ms, {}

    def __call__(self, a: int, b: int) -> bool:
        key = (min(a, b), max(a, b))
        if key not in self.memo:
            self.memo[key] = self.zs.check(list(key), self.check_ms) == z3.unsat
        return self.memo[key]


def _family_clique(zs: _Z3, gs: list[Goal], sat: dict[int, object], disjoint: _Disjoint,
                   until: float) -> list[int]:
    """The largest set of pairwise-disjoint satisfiable goals found within one family."""
    fams: dict[object, list[int]] = {}
    for i, g in enumerate(gs):
        k = _family(g)
        if k is not None and zs.lits[i] is not None:
            fams.setdefault(k, []).append(i)
    best: list[int] = []
    for members in sorted(fams.values(), key=len, reverse=True):
        if len(members) <= len(best) or time.monotonic() > until:
            break
        clique: list[int] = []
        for j in members:
            if _single(zs, sat, j) != z3.sat:
                continue
            if all(disjoint(j, c) for c in clique):
                clique.append(j)
        if len(clique) > len(best):
            best = clique
    return best


def _extend_clique(clique: list[int], feasible: list[int], pool: list[_Candidate],
                   disjoint: _Disjoint, until: float) -> list[int]:
    """Add feasible goals disjoint from every member (no candidate meets one with a member)."""
    clique = list(clique)
    together: set[int] = set()
    for c in pool:
        if c.met & set(clique):
            together |= c.met
    for j in feasible:
        if time.monotonic() > until:
            break
        if j in together or j in clique or disjoint.zs.lits[j] is None:
            continue
        if all(disjoint(j, c) for c in clique):
            clique.append(j)
            together |= {k for c in pool if j in c.met for k in c.met}
    return clique


def _single(zs: _Z3, sat: dict[int, object], i: int):
    """z3's answer for goal i alone (memoised)."""
    if i not in sat:
        sat[i] = zs.check([i], zs.step_ms) if zs.lits[i] is not None else z3.unknown
    return sat[i]


# --------------------------------------------------------------------------- the driver

def generate(model: Model, *, timeout: float = 60.0, step_timeout: float = 2.0,
             goals: list[Goal] | None = None, grow: bool = True, bound: bool = True,
             log=None) -> Generated:
    """A minimal covering set of `model` (use coverage.fixed_model to fix the parameters).

    `timeout` bounds the whole run (softly: each phase stops early when it runs out);
    `step_timeout` bounds one z3 feasibility check. `grow=False` skips growing candidates (each
    then meets its goal and whatever else it happens to meet); `bound=False` skips the lower
    bound search."""
    say = log or (lambda _msg: None)
    times: dict[str, float] = {}
    t0 = time.monotonic()
    deadline = t0 + timeout
    gs = goals if goals is not None else coverage.goals(model)
    step_ms = int(step_timeout * 1000)
    try:
        zs = _Z3(model, gs, step_ms)
    except CompileError as e:
        raise GenerateError(f"cannot encode the spec for generation: {e}") from None
    times["encoding"] = time.monotonic() - t0
    say(f"{len(gs)} goals; z3 encoding built in {times['encoding']:.1f}s")

    # ---- pairwise-disjoint goals within a family: the lower bound, and the seeds
    t1 = time.monotonic()
    sat: dict[int, object] = {}
    disjoint = _Disjoint(zs, min(step_ms, 1000))
    clique = (_family_clique(zs, gs, sat, disjoint, t0 + 0.15 * timeout) if bound else [])
    times["bound"] = time.monotonic() - t1

    # ---- candidates: greedy by construction
    t2 = time.monotonic()
    pool, status_idx = _candidates(model, gs, zs, sat, clique, grow_ms=min(step_ms, 300),
                                   grow_budget=(max(0.3, timeout / 60) if grow else 0.0),
                                   deadline=(t0 + 0.7 * timeout) if grow else t0, say=say)
    greedy_size = len(pool)
    times["candidates"] = time.monotonic() - t2
    feasible = [i for i in range(len(gs)) if i not in status_idx]
    need = set(feasible)
    say(f"greedy: {greedy_size} transactions, {len(feasible)} feasible goals "
        f"({times['candidates']:.1f}s)")

    # ---- shrink the candidates, then the exact cover over the pool
    t3 = time.monotonic()
    for c in pool:
        keep = [gs[i] for i in sorted(c.met)]
        c.given = _shrink(model, c.given, keep)
        met = set(coverage.met_goals(model, complete(model.spec, c.given), gs))
        c.met = frozenset(k for k, g in enumerate(gs) if g.id in met)
    chosen, pool_optimal = asp_program.cover([c.met for c in pool], need,
                                             [len(c.given) for c in pool],
                                             max(1.0, min(timeout / 4, deadline - time.monotonic())))
    if chosen is None:
        chosen, pool_optimal = list(range(len(pool))), False
    times["cover"] = time.monotonic() - t3
    say(f"cover: {len(chosen)} of {len(pool)} candidates"
        f"{' (optimal over the candidates)' if pool_optimal else ''} ({times['cover']:.1f}s)")

    # ---- extend the lower bound while time is left
    t4 = time.monotonic()
    clique = [i for i in clique if i in need]
    if bound and feasible and len(clique) < len(chosen):
        clique = _extend_clique(clique, feasible, pool, disjoint,
                                max(time.monotonic() + 0.5, deadline))
    lower = max(1 if feasible else 0, len(clique))
    times["bound"] += time.monotonic() - t4
    say(f"lower bound {lower} ({times['bound']:.1f}s)")

    # ---- shrink the chosen transactions to the goals each is the first to meet
    t4 = time.monotonic()
    # in order: a transaction keeps the goals no earlier (final) transaction meets
    txs, givens, mets = [], [], []
    done: set[str] = set()
    for c in chosen:
        keep = [gs[i] for i in sorted(pool[c].met & need) if gs[i].id not in done]
        if not keep:
            continue
        given = _shrink(model, pool[c].given, keep)
        tx = complete(model.spec, given)
        txs.append(tx)
        givens.append(given)
        mets.append(coverage.met_goals(model, tx, gs))
        done |= set(mets[-1])
    reached = set().union(*map(set, mets)) if mets else set()
    status: dict[str, str] = {}
    for i, g in enumerate(gs):
        if i in status_idx:
            status[g.id] = status_idx[i]
        elif g.id in reached:
            status[g.id] = "met"
        else:
            raise EngineDisagreement(f"the chosen set lost the goal {g.id}")
    times["shrink"] = time.monotonic() - t4
    times["total"] = time.monotonic() - t0
    optimal = len(txs) <= lower
    notes = ["each transaction is 1-minimal: no input can go back to its default without losing "
             "a goal it is the first to meet",
             f"chosen by an exact set cover over {len(pool)} candidate transactions built by z3 "
             + ("(optimum over the candidates proved)" if pool_optimal
                else "(time limit: optimum over the candidates not proved)"),
             f"lower bound: {lower} goals no two of which one transaction can meet (z3 proofs)"
             + ("; the set is proved optimal over all transactions" if optimal else "")]
    if any(s == "unknown" for s in status.values()):
        notes.append("unknown goals: z3 gave no answer in the time limit (not proved infeasible)")
    return Generated(model=model, goals=gs, transactions=txs, given=givens, met=mets,
                     status=status, greedy_size=greedy_size, lower_bound=min(lower, len(txs)),
                     optimal=optimal, pool_size=len(pool), pool_optimal=pool_optimal,
                     clique=[gs[i].id for i in clique], times=times, notes=notes)
