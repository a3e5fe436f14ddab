"""Queries over a Model, by z3: each answers Proof | Instance | Unknown.

- `valid(model, e)`: e holds for every transaction and free parameter (Instance = counterexample)
- `satisfiable(model, e)`: some transaction makes e true (Instance = witness; Proof = none exists)
- `equivalent_models(model_a, model_b, exprs)`: every expr evaluates the same under both models
  (two readings, or two specs with one vocabulary) on every transaction
`implies`, `disjoint` and `equivalent` within one model are the `Prover` protocol's (backend.py),
on top of `valid`; `SmtEngine` (run.py) offers them.

Provenance: every rule's "applies ⇔ its conditions" and "fires ⇔ applies ∧ no overrider fires",
and every definition's meaning, are asserted under a tracking literal named after the provision;
on unsat the unsat core names the rules the proof relies on (`Proof.core`).

Honesty: a z3 `unknown` (timeout, nonlinear incompleteness) is `Unknown`, never a proof. When z3
answers unknown on a problem with whole-number inputs, it is retried with integrality relaxed:
unsat there is a proof (the relaxation only admits more transactions); a relaxed witness counts
only if its whole-number inputs came out whole. Every Instance is minimised (minimize.py) and
then replayed through the reference evaluator; disagreement raises EngineDisagreement.
"""
from __future__ import annotations

import time
from typing import Callable, Sequence

import z3

from ... import ir
from ..countries import CountryClasses
from ..replay import replay, replay_difference
from ..results import Instance, Proof, Result, Unknown
from ..store import STORE
from ..transaction import complete
from .compile import Compiler, constant_names
from .encode import CompileError, VarPool
from .minimize import Slot, date_boundaries, expr_thresholds, minimal_model, numeric_thresholds

ENGINE = "smt"


# --------------------------------------------------------------------------- queries

class Query:
    """A z3 solver loaded with one or two models' tracked semantics over one symbolic transaction.

    Built once per model (or pair of models) and kept (`query_for`): the compiler's terms and
    the solver's assertions — the variables' domains and every tracked axiom compiled so far, each
    under its tracking literal — persist across queries. A query compiles its goal (reusing every
    term compiled before), loads the axioms that are new, and is answered in a solver scope
    (`push`, goal, `check` assuming the tracking literals of exactly the provisions the goal
    relies on, `pop`): an axiom whose literal is not assumed constrains nothing, so each query
    sees the same problem as on a fresh solver."""

    def __init__(self, models: Sequence[ir.Model], *, relax: bool = False):
        self.models = list(models)
        spec = self.models[0].spec
        for m in self.models[1:]:
            _same_vocabulary(spec, m.spec)
        # every country a value of its own: a question may name any country (a literal of the
        # query, a parameter's value), and its witness must be that very country
        self.cc = CountryClasses.joint(*self.models).refined(spec.countries)
        self.pool = VarPool(spec, self.cc, relax_integers=relax)
        self.comps = [Compiler(m, self.pool, tracked=True, tag=(f"{i}:" if len(self.models) > 1 else ""))
                      for i, m in enumerate(self.models)]
        self.solver = z3.Solver()
        self.solver.set("core.minimize", True)
        for c in self.comps:
            for name in c.model.free_params:
                c.expr(c.model.spec.param_ref(name))
        self.literal_rule: dict[str, str] = {}
        self._domain_loaded = 0
        self._axioms_loaded: dict[tuple[int, str], int] = {}   # (compiler, label) -> axioms asserted
        self._deps: dict[tuple[int, str], frozenset[tuple[int, str]]] = {}
        self._slots: list[Slot] | None = None
        self._thresholds: dict = {}
        self.load_new()

    def load_new(self) -> None:
        """Assert the domain constraints and tracked axioms compiled since the last call."""
        dom = self.pool.domain
        if self._domain_loaded < len(dom):
            self.solver.add(*dom[self._domain_loaded:])
            self._domain_loaded = len(dom)
        for i, c in enumerate(self.comps):
            for label, t in c.tracks.items():
                key = (i, label)
                done = self._axioms_loaded.get(key, 0)
                if done < len(t.axioms):
                    for ax in t.axioms[done:]:
                        self.solver.add(z3.Implies(t.literal, ax))
                    self._axioms_loaded[key] = len(t.axioms)
                    self._deps.pop(key, None)
                    if t.kind == "rule":
                        self.literal_rule[str(t.literal)] = t.name

    def _labels(self, terms) -> set[tuple[int, str]]:
        names = constant_names(terms)
        return {(i, c.track_const[n]) for i, c in enumerate(self.comps) for n in names if n in c.track_const}

    def relied_on(self, goal: z3.BoolRef) -> list[z3.BoolRef]:
        """The tracking literals of the provisions the goal relies on, directly or through other
        provisions' axioms (in the order the provisions were compiled)."""
        todo = list(self._labels([goal]))
        seen = set(todo)
        while todo:
            key = todo.pop()
            deps = self._deps.get(key)
            if deps is None:
                deps = frozenset(self._labels(self.comps[key[0]].tracks[key[1]].axioms))
                self._deps[key] = deps
            for d in deps:
                if d not in seen:
                    seen.add(d)
                    todo.append(d)
        return [t.literal for i, c in enumerate(self.comps) for label, t in c.tracks.items()
                if (i, label) in seen]

    def thresholds(self, extra_exprs: Sequence[ir.Expr]) -> tuple[list, list]:
        """The numbers and boundary dates the minimiser prefers (the models' part computed once)."""
        if not self._thresholds:
            self._thresholds["num"] = set(numeric_thresholds(self.models))
            self._thresholds["date"] = set(date_boundaries(self.models, self.cc.boundary_dates()))
        nums = self._thresholds["num"] | expr_thresholds(self.models, extra_exprs)
        dates = self._thresholds["date"] | set(date_boundaries([], (), extra_exprs))
        return sorted(nums), sorted(dates)

    def slots(self) -> list[Slot]:
        if self._slots is not None:
            return self._slots
        out = []
        spec = self.models[0].spec
        for path, decl in spec.inputs.items():
            var = self.pool.inputs[path]
            if isinstance(decl.default, ir.InputRef):
                default = self.pool.inputs[decl.default.path]
            else:
                default = self.pool.encode(decl.type, decl.default.value)
            out.append(Slot(path, var, decl.type, default,
                            integer=isinstance(decl.type, ir.Num) and decl.type.integer,
                            minimum=decl.minimum))
        base = self.models[0]
        for name, var in self.pool.params.items():
            decl = spec.params[name]
            out.append(Slot(f"param:{name}", var, decl.type, self.pool.encode(decl.type, base.params[name]),
                            integer=isinstance(decl.type, ir.Num) and decl.type.integer,
                            minimum=decl.minimum))
        self._slots = out
        return out

    def core(self, assumptions: Sequence[z3.BoolRef] | None) -> tuple[str, ...]:
        """The rules an unsat answer under `assumptions` relies on: the irreducible subset left by
        dropping each assumption in turn, in rule-name order, while the goal stays unsat. z3's own
        unsat core is one of possibly several irreducible cores, and which one it returns varies
        with the environment (set orders, memory layout); the subset reached from all the
        assumptions in a fixed order does not, so a proof names the same provisions everywhere.
        None: z3's core as it is (for callers that do not show it)."""
        if assumptions is None:
            return tuple(sorted({self.literal_rule[str(lit)] for lit in self.solver.unsat_core()
                                 if str(lit) in self.literal_rule}))
        name = {lit.get_id(): self.literal_rule.get(str(lit), str(lit)) for lit in assumptions}
        ordered = sorted(assumptions, key=lambda lit: (name[lit.get_id()], str(lit)))
        kept = list(ordered)
        for lit in ordered:
            trial = [other for other in kept if not other.eq(lit)]
            if self.solver.check(*trial) == z3.unsat:
                kept = trial
        return tuple(sorted({name[lit.get_id()] for lit in kept if str(lit) in self.literal_rule}))

    def instance(self, m: z3.ModelRef) -> Instance:
        """Decode a z3 model: the inputs that differ from their defaults (the rest are completed
        from defaults by whoever reads the instance) and the free parameters."""
        spec = self.models[0].spec
        values = {path: self.pool.decode(decl.type, m.eval(self.pool.inputs[path], model_completion=True))
                  for path, decl in spec.inputs.items()}
        for path, decl in spec.inputs.items():
            if (isinstance(decl.type, ir.Num) and decl.type.integer
                    and values[path].denominator != 1):
                raise ValueError(f"{path} came out fractional in a relaxed model")
        given = {}
        for path, decl in spec.inputs.items():
            d = decl.default
            default = values[d.path] if isinstance(d, ir.InputRef) else d.value
            if values[path] != default:
                given[path] = values[path]
        tx = complete(spec, given)
        assert tx == values, "decoded transaction does not complete to itself"
        params = {name: self.pool.decode(self.pool.param_types[name], m.eval(var, model_completion=True))
                  for name, var in self.pool.params.items()}
        return Instance(transaction=tx, params=params, engine=ENGINE)


def _same_vocabulary(a: ir.Spec, b: ir.Spec) -> None:
    if {p: d.type for p, d in a.inputs.items()} != {p: d.type for p, d in b.inputs.items()}:
        raise ValueError("the two specs declare different inputs")
    if {n: e.members for n, e in a.enums.items()} != {n: e.members for n, e in b.enums.items()}:
        raise ValueError("the two specs declare different enums")


def _solve(models: Sequence[ir.Model], build_goal: Callable[[list[Compiler]], z3.BoolRef],
           check_instance: Callable[[Instance], None], *, timeout_ms: int, minimize: bool,
           extra_exprs: Sequence[ir.Expr], explain: bool = True) -> Result:
    """Search for a model of the goal. unsat → Proof(core); sat → minimal, replayed Instance.
    With `explain`, the core is the reproducible irreducible one (`Query.core`); without, z3's."""
    start = time.monotonic()
    result = _attempt(models, build_goal, check_instance, timeout_ms=timeout_ms,
                      minimize=minimize, extra_exprs=extra_exprs, relax=False, explain=explain)
    if not (isinstance(result, Unknown) and result.reason.startswith("incomplete")):
        return result
    if not any(isinstance(d.type, ir.Num) and d.type.integer for d in models[0].spec.inputs.values()):
        return result
    left = timeout_ms - int((time.monotonic() - start) * 1000)
    if left <= 0:
        return result
    relaxed = _attempt(models, build_goal, check_instance, timeout_ms=left, minimize=minimize,
                       extra_exprs=extra_exprs, relax=True, explain=explain)
    if isinstance(relaxed, Unknown):
        return Unknown(f"{result.reason}; with whole numbers relaxed: {relaxed.reason}", engine=ENGINE)
    return relaxed


def query_for(models: Sequence[ir.Model], relax: bool) -> Query:
    """The query of a model (or pair of models), built once and kept in the store (models are
    frozen and compare by identity, so a kept query is right for as long as they live)."""
    return STORE.get("smt_query", (relax, *models), lambda: Query(models, relax=relax))


def _attempt(models, build_goal, check_instance, *, timeout_ms, minimize, extra_exprs, relax,
             explain) -> Result:
    try:
        query = query_for(models, relax)
        try:
            goal = build_goal(query.comps)
            query.load_new()
        except BaseException:
            # a compilation cut short may leave the compiler's terms half-built: start afresh
            STORE.forget("smt_query", (relax, *models))
            raise
    except CompileError as e:
        raise ValueError(f"cannot compile the query for z3: {e}") from None
    assumptions = query.relied_on(goal)
    solver = query.solver
    solver.push()
    try:
        solver.add(goal)
        solver.set("timeout", max(1, int(timeout_ms)))
        r = solver.check(*assumptions)
        if r == z3.unsat:
            return Proof(core=query.core(assumptions if explain else None), engine=ENGINE)
        if r == z3.unknown:
            reason = solver.reason_unknown()
            if reason in ("timeout", "canceled") or "timeout" in reason:
                return Unknown(f"timeout after {timeout_ms} ms", engine=ENGINE)
            return Unknown(f"incomplete: z3 answered unknown ({reason})", engine=ENGINE)
        m = solver.model()
        if minimize:
            budget = max(1_000, min(10_000, int(timeout_ms)))
            thresholds, dates = query.thresholds(extra_exprs)
            m, _info = minimal_model(solver, assumptions, query.slots(), m,
                                     thresholds=thresholds, dates=dates,
                                     budget_ms=budget, check_ms=max(200, budget // 5))
        try:
            inst = query.instance(m)
        except ValueError as e:
            return Unknown(f"z3 found a witness with no exact value ({e})", engine=ENGINE)
    finally:
        solver.pop()
    check_instance(inst)
    return inst


# --------------------------------------------------------------------------- primitives

def condition(comp: Compiler, e: ir.Expr) -> z3.BoolRef:
    """`e` compiled as a condition; ValueError if it is not true/false."""
    t = comp.expr(e)
    if not z3.is_bool(t):
        raise ValueError("the expression is not a condition (true/false)")
    return t


def satisfiable(model: ir.Model, expr: ir.Expr, *, timeout_ms: int = 10_000, minimize: bool = True,
                explain: bool = True) -> Result:
    """Instance = a (minimal) transaction on which `expr` holds; Proof = no transaction does."""
    return _solve([model], lambda cs: condition(cs[0], expr),
                  lambda inst: replay(model, expr, inst, True),
                  timeout_ms=timeout_ms, minimize=minimize, extra_exprs=[expr], explain=explain)


def valid(model: ir.Model, expr: ir.Expr, *, timeout_ms: int = 10_000, minimize: bool = True,
          explain: bool = True) -> Result:
    """Proof = `expr` holds on every transaction and free parameter; Instance = a counterexample."""
    return _solve([model], lambda cs: z3.Not(condition(cs[0], expr)),
                  lambda inst: replay(model, expr, inst, False),
                  timeout_ms=timeout_ms, minimize=minimize, extra_exprs=[expr], explain=explain)


def equivalent_models(model_a: ir.Model, model_b: ir.Model, exprs: Sequence[ir.Expr], *,
               timeout_ms: int = 10_000, minimize: bool = True) -> Result:
    """Proof = every expr evaluates the same under both models on every transaction (free
    parameters of the same name are shared); Instance = a transaction on which some differs."""
    exprs = list(exprs)

    def goal(cs: list[Compiler]) -> z3.BoolRef:
        diffs = []
        for e in exprs:
            a, b = cs[0].expr(e), cs[1].expr(e)
            if isinstance(a, dict):
                members = sorted(set(a) | set(b))
                diffs.append(z3.Or(*[a.get(m, z3.BoolVal(False)) != b.get(m, z3.BoolVal(False))
                                     for m in members]) if members else z3.BoolVal(False))
            else:
                diffs.append(a != b)
        return z3.Or(*diffs) if diffs else z3.BoolVal(False)

    return _solve([model_a, model_b], goal,
                  lambda inst: replay_difference(model_a, model_b, exprs, inst),
                  timeout_ms=timeout_ms, minimize=minimize, extra_exprs=exprs, explain=False)
