"""Minimal covering test sets: the fewest transactions meeting every feasible coverage goal.

The goals come from coverage.py. The search runs in clingo over the same finite abstraction as
the clingo backend (asp.py): country signature classes, enum/bool inputs, and per component of
numeric atoms one feasible truth combination (numeric.py) -- here extended with the combinations
that also hit a threshold point (thresholds.py), so threshold goals are optimised with the rest.

1. Greedy (the baseline, and the feasibility proof): one transaction slot; maximise the number of
   still-open goals it meets (clingo, time-limited per step), take it, repeat. When clingo proves
   that no transaction meets any open goal, those goals are *proved infeasible* (exhaustive search
   over an exact abstraction; if some numeric combination lacks a witness the abstraction is not
   exact and they are reported as unknown instead).
2. Optimum: k = greedy-size slots, each guessing a whole transaction; every feasible goal must be
   met by a used slot; ``#minimize`` the used slots (priority 2), then the inputs off their
   defaults (priority 1). Symmetry breaking: the used slots form a prefix, ordered by the smallest
   goal they meet. clingo's ``usc`` strategy reports a proved lower bound; when it finishes the
   optimum is proved (lower bound = size).
3. Every transaction is concretised (class representatives, exact witnesses), replayed through the
   reference evaluator (every goal the solver claims must be met), then shrunk: each input is put
   back to its default while the transaction still meets the goals it is the first to meet.

Restriction (reported with the result): a transaction hits at most one threshold point per
numeric component, so "optimal" is relative to that encoding.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction

import clingo

from . import coverage, numeric
from .asp import AspCompiler, AspEngine, EngineBug
from .asp_program import (Atom, Choice, Compare, Int, Minimize, Neg, Rule, Show, Statement, Succ,
                          Var, fact, render_program)
from .coverage import Goal
from .ir import Bool, Country, Enum, InputRef, Lit, Model, SetOf, Value
from .thresholds import Domains, domains
from .transaction import complete

__all__ = ["Generated", "generate", "GenerateError"]

T, V, W, I, J, K, C, G, N, IA, IB = (Var(x) for x in "T V W I J K C G N IA IB".split())


class GenerateError(Exception):
    """The model uses something the generator cannot abstract (reported to the user)."""


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
    optimal: bool
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


# --------------------------------------------------------------------------- the program

class _Problem:
    def __init__(self, model: Model, goals: list[Goal]):
        self.model = model
        self.goals = goals
        try:
            self.abs = numeric.abstraction(model)
            self.comp = AspCompiler(model, self.abs)
            self.nodes: dict[int, int] = {}
            for gi, g in enumerate(goals):
                if g.kind != "threshold":
                    self.nodes[gi] = self.comp.bool_node(self.abs.abstract(g.expr))
        except Exception as e:   # NumericError, AspError: a construct outside the abstraction
            raise GenerateError(f"cannot abstract the spec for generation: {e}") from None
        self.dom: Domains = domains(self.abs, goals)
        self.engine = AspEngine()
        self.base = self.comp.base_program() + self._guess()
        self.deviation = self._deviation()

    @staticmethod
    def _deviation() -> list[Statement]:
        used = Atom.of("used", T)
        out: list[Statement] = []
        # fewest inputs off their defaults (tags keep the sums apart)
        out.append(Minimize(Int(1), 1, (Int(0), T, I), (used, Atom.of("inp", T, I, V),
                                                         Atom.of("idef", I, W), Compare(V, "!=", W))))
        out.append(Minimize(Int(1), 1, (Int(1), T, I), (used, Atom.of("inp", T, I, V),
                                                         Atom.of("idefref", I, J),
                                                         Atom.of("inp", T, J, W), Compare(V, "!=", W))))
        out.append(Minimize(W, 1, (Int(2), T, C), (used, Atom.of("combo", T, C, J),
                                                    Atom.of("ccost", C, J, W))))
        return out

    def _guess(self) -> list[Statement]:
        comp, model = self.comp, self.model
        out: list[Statement] = []
        for name, i in comp.finite_vars.items():
            kind, key = name.split(":", 1)
            if kind == "param":
                out.append(fact("fixed", i, comp.finite_value(name, model.params[key])))
                continue
            out.append(fact("gvar", i))
            for d in self.engine._domain(comp, name):
                out.append(fact("dom", i, d))
            default = self.engine._default_id(comp, name)
            if default is not None:
                out.append(fact("idef", i, default))
            ref = model.inputs[key].default
            if isinstance(ref, InputRef) and "input:" + ref.path in comp.finite_vars:
                out.append(fact("idefref", i, comp.finite_vars["input:" + ref.path]))
        tx = Atom.of("tx", T)
        out.append(Rule(Atom.of("inp", T, I, V), (tx, Atom.of("fixed", I, V))))
        out.append(Choice(1, 1, Atom.of("inp", T, I, V), (Atom.of("dom", I, V),),
                          (tx, Atom.of("gvar", I))))
        # country pairs (as in asp.py): same country only within a class; singletons force it
        for i, cl in enumerate(comp.classes.classes):
            if len(cl) == 1:
                out.append(fact("single", i))
        pairs = comp.country_pairs
        for (a, b), k in pairs.items():
            out.append(fact("pair", k, comp.finite_vars["input:" + a], comp.finite_vars["input:" + b]))
        out.append(Choice(0, 1, Atom.of("ceq", T, K), (), (tx, Atom.of("pair", K, IA, IB))))
        out.append(Rule(None, (Atom.of("ceq", T, K), Atom.of("pair", K, IA, IB),
                               Atom.of("inp", T, IA, V), Atom.of("inp", T, IB, W), Compare(V, "!=", W))))
        out.append(Rule(None, (tx, Atom.of("pair", K, IA, IB), Neg(Atom.of("ceq", T, K)),
                               Atom.of("inp", T, IA, V), Atom.of("inp", T, IB, V), Atom.of("single", V))))
        for (a, b), k1 in pairs.items():
            for (c, d), k2 in pairs.items():
                if k2 <= k1 or len({a, b} & {c, d}) != 1:
                    continue
                rest = tuple(sorted({a, b} ^ {c, d}))
                if rest in pairs:
                    out.append(Rule(None, (Atom.of("ceq", T, k1), Atom.of("ceq", T, k2),
                                           Neg(Atom.of("ceq", T, pairs[rest])))))
        # numeric components: plain combinations and threshold-point combinations
        for cid, entries in enumerate(self.dom.entries):
            out.append(fact("ncomp", cid))
            base = min(range(len(entries)), key=lambda j: (entries[j].cost, j)) if entries else None
            atoms = self.abs.components()[cid].atoms
            for j, e in enumerate(entries):
                out.append(fact("cdom", cid, j))
                if e.cost:
                    out.append(fact("ccost", cid, j, e.cost))
                if j == base:
                    out.append(fact("cbase", cid, j))
                if e.point is not None:
                    out.append(fact("cpoint", cid, j, e.point))
                for k, b in zip(atoms, e.values):
                    if b:
                        out.append(fact("ctrue", cid, j, k))
        out.append(Choice(1, 1, Atom.of("combo", T, C, J), (Atom.of("cdom", C, J),),
                          (tx, Atom.of("ncomp", C))))
        out.append(Rule(Atom.of("atom", T, K), (Atom.of("combo", T, C, J), Atom.of("ctrue", C, J, K))))
        # goals
        for gi, n in self.nodes.items():
            out.append(fact("gnode", gi, n))
        used = Atom.of("used", T)
        out.append(Rule(Atom.of("covers", T, G), (used, Atom.of("gnode", G, N), Atom.of("h", T, N))))
        out.append(Rule(Atom.of("covers", T, G), (used, Atom.of("combo", T, C, J),
                                                  Atom.of("cpoint", C, J, G))))
        out += [Show("inp", 3), Show("combo", 3), Show("ceq", 2), Show("covers", 2), Show("used", 1)]
        return out

    # ------------------------------------------------------------------ concretising

    def concretise(self, symbols, slot: int) -> tuple[dict[str, Value], set[int]]:
        comp = self.comp
        names = {i: name for name, i in comp.finite_vars.items()}
        chosen: dict[str, int] = {}
        combos: dict[int, int] = {}
        same: set[int] = set()
        claimed: set[int] = set()
        for sym in symbols:
            args = [a.number for a in sym.arguments]
            if not args or args[0] != slot:
                continue
            if sym.name == "inp":
                chosen[names[args[1]]] = args[2]
            elif sym.name == "combo":
                combos[args[1]] = args[2]
            elif sym.name == "ceq":
                same.add(args[1])
            elif sym.name == "covers":
                claimed.add(args[1])
        countries = self.engine._countries(comp, chosen, same)
        if countries is None:
            raise EngineBug("a slot's countries cannot be concretised")
        given: dict[str, Value] = {}
        for name, vid in chosen.items():
            kind, key = name.split(":", 1)
            if kind != "input":
                continue
            t = comp.finite_types[name]
            given[key] = countries[key] if isinstance(t, Country) else comp.value_of[vid]
        for cid, j in combos.items():
            for var, number in self.dom.entries[cid][j].witness.items():
                v = self.abs.variables[var]
                if v.is_input:
                    given[v.key] = numeric.from_number(number, v.type)
        return complete(self.model.spec, given), claimed

    def slots(self, symbols, *, check: bool) -> list[dict[str, Value]]:
        """The used slots' transactions; with `check`, every goal the solver claims a slot meets
        is confirmed by the reference evaluator (EngineBug otherwise)."""
        used = sorted({s.arguments[0].number for s in symbols if s.name == "used"})
        out = []
        for s in used:
            tx, claimed = self.concretise(symbols, s)
            if check:
                gs = [self.goals[i] for i in claimed]
                met = set(coverage.met_goals(self.model, tx, gs))
                missing = [g.id for g in gs if g.id not in met]
                if missing:
                    raise EngineBug(f"slot {s}: the evaluator does not confirm {missing[:3]}")
            out.append(tx)
        return out

    # ------------------------------------------------------------------ solving

    def control(self, extra: list[Statement], raw: str = "", strategy: str = "usc") -> clingo.Control:
        """usc proves bounds (the optimum); bb gives models early (greedy steps, anytime)."""
        ctl = clingo.Control(["--warn=none", f"--opt-strategy={strategy}", "--opt-mode=opt"])
        ctl.add("base", [], render_program(self.base + extra) + raw)
        ctl.ground([("base", [])])
        return ctl


def _solve(ctl: clingo.Control, timeout: float, assumptions=()):
    """(best symbols or None, finished, unsatisfiable, lower bound of the top priority or None)"""
    best: list = []

    def on_model(m: clingo.Model):
        best[:] = [list(m.symbols(shown=True))]
    with ctl.solve(on_model=on_model, async_=True, assumptions=list(assumptions)) as h:
        finished = h.wait(max(0.01, timeout))
        if not finished:
            h.cancel()
        result = h.get()
    lower = None
    try:
        low = ctl.statistics["summary"]["lower"]
        if low:
            lower = int(low[0])
    except (KeyError, IndexError, TypeError, RuntimeError):
        lower = None
    return (best[0] if best else None), finished, bool(result.unsatisfiable), lower


def _non_default(spec, tx: dict[str, Value]) -> dict[str, Value]:
    out = {}
    for p, v in tx.items():
        d = spec.inputs[p].default
        default = tx[d.path] if isinstance(d, InputRef) else d.value
        if v != default:
            out[p] = v
    return out


def _shrink(model: Model, given: dict[str, Value], keep: list[Goal]) -> dict[str, Value]:
    spec = model.spec
    ids = {g.id for g in keep}
    given = dict(given)
    for path in list(given):
        trial = {p: v for p, v in given.items() if p != path}
        tx = complete(spec, trial)
        if ids <= set(coverage.met_goals(model, tx, keep)):
            given = trial
    return given


# --------------------------------------------------------------------------- the driver

def generate(model: Model, *, timeout: float = 60.0, step_timeout: float = 10.0,
             goals: list[Goal] | None = None, log=None) -> Generated:
    """The minimal covering set of `model` (use coverage.fixed_model to fix the parameters)."""
    say = log or (lambda _msg: None)
    times: dict[str, float] = {}
    t0 = time.monotonic()
    gs = goals if goals is not None else coverage.goals(model)
    prob = _Problem(model, gs)
    times["abstraction"] = time.monotonic() - t0
    say(f"{len(gs)} goals; abstraction built in {times['abstraction']:.1f}s")

    # ---- greedy: baseline and feasibility
    t1 = time.monotonic()
    ctl = prob.control([fact("tx", 0), fact("used", 0)] + prob.deviation,
                       raw="#external open(G) : gid(G).\n"
                           + "".join(f"gid({i}).\n" for i in range(len(gs)))
                           + "gain(G) :- covers(0,G), open(G).\nanygain :- gain(G).\n:- not anygain.\n"
                           + "#minimize{1@2,G: open(G), not gain(G)}.\n", strategy="bb")
    open_ = set(range(len(gs)))
    status: dict[str, str] = {}
    greedy: list[dict[str, Value]] = []
    while open_:
        for i in range(len(gs)):
            ctl.assign_external(clingo.Function("open", [clingo.Number(i)]), i in open_)
        syms, finished, unsat, _low = _solve(ctl, step_timeout)
        if syms is None:
            verdict = "infeasible" if (finished and unsat and prob.dom.exact) else "unknown"
            for i in open_:
                status[gs[i].id] = verdict
            if verdict == "unknown":
                say(f"{len(open_)} goals undecided ({'timeout' if not finished else 'inexact abstraction'})")
            break
        tx, _claimed = prob.concretise(syms, 0)
        met = set(coverage.met_goals(model, tx, [gs[i] for i in open_]))
        hit = {i for i in open_ if gs[i].id in met}
        if not hit:
            raise EngineBug("the greedy step's transaction meets none of the goals it claims")
        greedy.append(tx)
        open_ -= hit
    feasible = [i for i in range(len(gs)) if gs[i].id not in status]
    times["greedy"] = time.monotonic() - t1
    say(f"greedy: {len(greedy)} transactions, {len(feasible)} feasible goals ({times['greedy']:.1f}s)")

    # ---- optimum over k = greedy size slots
    t2 = time.monotonic()
    k = len(greedy)
    best_txs = greedy
    lower = 0
    optimal = False
    deviation_proved = False
    alternative = None
    if k > 1:
        extra: list[Statement] = [fact("tx", s) for s in range(k)]
        extra += [fact("need", i) for i in feasible]
        extra += [fact("gidx", i) for i in range(len(gs))]
        used = Atom.of("used", T)
        extra.append(Choice(0, 1, used, (), (Atom.of("tx", T),)))
        extra.append(Rule(None, (Atom.of("used", Succ(T)), Neg(used), Atom.of("tx", T))))
        extra.append(Rule(Atom.of("covered", G), (Atom.of("covers", T, G),)))
        extra.append(Rule(None, (Atom.of("need", G), Neg(Atom.of("covered", G)))))
        extra.append(Minimize(Int(1), 2, (T,), (used,)))
        # symmetry breaking: used slots ordered by the smallest goal they meet
        extra.append(Rule(Atom.of("nb", T, G), (Atom.of("covers", T, G),)))
        extra.append(Rule(Atom.of("nb", T, Succ(G)), (Atom.of("nb", T, G), Atom.of("gidx", Succ(G)))))
        extra.append(Rule(None, (Atom.of("used", Succ(T)), Atom.of("nb", Succ(T), G),
                                 Neg(Atom.of("nb", T, G)), Atom.of("tx", T))))
        # unused slots stay at the defaults (no search among them)
        nu = Neg(used)
        extra.append(Rule(None, (Atom.of("tx", T), nu, Atom.of("inp", T, I, V), Atom.of("idef", I, W),
                                 Compare(V, "!=", W))))
        extra.append(Rule(None, (Atom.of("tx", T), nu, Atom.of("combo", T, C, J),
                                 Neg(Atom.of("cbase", C, J)))))
        structural = _structural_bound(gs, feasible)
        if structural >= k:
            optimal, lower, n = True, k, k       # the greedy set already meets the bound
        else:
            ctl = prob.control(extra)
            syms, finished, unsat, low = _solve(ctl, max(0.01, timeout))
            if syms is None:
                if finished and unsat:
                    raise EngineBug("the greedy set is a solution the optimiser says does not exist")
                lower = low or 0
                n = k
            else:
                txs = prob.slots(syms, check=True)
                if len(txs) <= k:
                    best_txs = txs
                optimal = finished and not unsat
                lower = len(best_txs) if optimal else (low or 0)
                n = len(best_txs)
        # fewest inputs off their defaults over a set of that size (time-limited)
        left = max(1.0, min(step_timeout, timeout - (time.monotonic() - t2)))
        ctl = prob.control(extra + prob.deviation + ([Rule(None, (Atom.of("used", n),))]
                                                     if n < k else []))
        syms2, finished2, _u, _l = _solve(ctl, left)
        if syms2 is not None:
            txs2 = prob.slots(syms2, check=True)
            if len(txs2) <= len(best_txs):
                alternative = txs2
                deviation_proved = finished2
    else:
        optimal = True
        lower = k
    times["optimum"] = time.monotonic() - t2
    lower = max(lower, _structural_bound(gs, feasible))
    if lower >= len(best_txs):
        optimal, lower = True, len(best_txs)
    say(f"optimum: {len(best_txs)} transactions (lower bound {lower}"
        f"{', proved optimal' if optimal else ''}; {times['optimum']:.1f}s)")

    # ---- shrink each transaction, then the final coverage by the evaluator
    t3 = time.monotonic()
    feasible_goals = [gs[i] for i in feasible]
    pick = _shrunk(model, best_txs, feasible_goals, gs)
    if alternative is not None:
        other = _shrunk(model, alternative, feasible_goals, gs)
        if (len(other[0]), sum(map(len, other[1]))) <= (len(pick[0]), sum(map(len, pick[1]))):
            pick = other
        else:
            deviation_proved = False
    txs_out, given_out, met_out = pick
    reached = set().union(*map(set, met_out)) if met_out else set()
    for i in feasible:
        status[gs[i].id] = "met" if gs[i].id in reached else "unknown"
    if any(status[gs[i].id] != "met" for i in feasible):
        raise EngineBug("the shrunk set lost a goal")
    times["shrink"] = time.monotonic() - t3
    times["total"] = time.monotonic() - t0
    notes = [("the fewest inputs off their defaults over the whole set was proved minimal; "
              if deviation_proved else "")
             + "each transaction is 1-minimal (no input can go back to its default without "
               "losing a goal it is the first to meet)",
             "a transaction hits at most one threshold point per numeric component; "
             "optimality is relative to that encoding"]
    if not prob.dom.exact:
        notes.append("some numeric combinations have no witness: goals needing them are unknown")
    return Generated(model=model, goals=gs, transactions=txs_out, given=given_out, met=met_out,
                     status={g.id: status[g.id] for g in gs}, greedy_size=len(greedy),
                     lower_bound=min(lower, len(txs_out)), optimal=optimal and lower >= len(txs_out),
                     times=times, notes=notes)


def _shrunk(model: Model, txs, feasible_goals: list[Goal], gs: list[Goal]):
    """Each transaction shrunk (keeping the goals it is the first to meet); redundant ones
    dropped. Returns (complete transactions, inputs off default, goal ids met)."""
    owner: dict[str, int] = {}
    mets = [set(coverage.met_goals(model, tx, feasible_goals)) for tx in txs]
    for g in feasible_goals:
        for n, m in enumerate(mets):
            if g.id in m:
                owner[g.id] = n
                break
    txs_out, given_out, met_out = [], [], []
    for n, tx in enumerate(txs):
        keep = [g for g in feasible_goals if owner.get(g.id) == n]
        if not keep:
            continue
        given = _shrink(model, _non_default(model.spec, tx), keep)
        full = complete(model.spec, given)
        txs_out.append(full)
        given_out.append(given)
        met_out.append(coverage.met_goals(model, full, gs))
    return txs_out, given_out, met_out


def _structural_bound(gs: list[Goal], feasible: list[int]) -> int:
    """A transaction has one value per scalar outcome and one value per threshold form: the most
    feasible goals of one such family is a lower bound on any covering set."""
    fam: dict[tuple, int] = {}
    for i in feasible:
        g = gs[i]
        if g.kind == "threshold":
            key = ("form", g.form)
        elif g.kind == "outcome" and "=" in g.id:
            key = ("outcome", g.id.split("=", 1)[0])
        else:
            continue
        fam[key] = fam.get(key, 0) + 1
    return max(fam.values(), default=0)
