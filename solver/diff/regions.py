"""Regions where the two sides differ, each proved to imply its change and shrunk to the
conditions that change needs (the package docstring says how), and the `no-new`/`no-less`
checks.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Sequence

import z3

from ... import ir
from ..countries import CountryClasses
from ..smt.prove import satisfiable
from ..replay import EngineDisagreement
from ..results import Instance, Proof, Unknown
from ..smt.compile import Compiler
from ..smt.encode import VarPool
from .crosscheck import clingo_answer, replay_changes
from .product import (LEFT, RIGHT, SIDES, Change, DiffError, Pair, Side, all_of, any_of, atoms,
                      change_keys, changes_between, key_differs, pair, rewrite, side_model)

# --------------------------------------------------------------------------- regions

@dataclass
class Region:
    """Transactions satisfying `condition` (a conjunction of `literals`), on every one of which
    each of `changes` happens. `witness` is a minimal such transaction, replayed on each side."""
    literals: list[ir.Expr]
    changes: list[Change]
    witness: Instance
    left_outcomes: dict[str, ir.Value]
    right_outcomes: dict[str, ir.Value]
    left_fired: frozenset[str]
    right_fired: frozenset[str]
    # fields (set elements) that change on some but not all of the region, beside `changes`
    may_also_change: list[tuple[str, str | None]] = field(default_factory=list)

    @property
    def condition(self) -> ir.Expr:
        return all_of(self.literals)

    @property
    def fields(self) -> list[str]:
        return list(dict.fromkeys(c.field for c in self.changes))


@dataclass
class Check:
    """A forbidden change (`no_new` / `no_less` on a field): found (with a witness) or not."""
    kind: str                 # "no-new" or "no-less"
    field: str
    value: ir.Value | None    # the element / enum value checked, None: any
    expr: ir.Expr
    result: Proof | Instance | Unknown | None = None
    changes: list[Change] = field(default_factory=list)
    cross_check: str = ""     # clingo's answer when z3 proved the change impossible


@dataclass
class DiffResult:
    pair: Pair
    equivalent: bool | None           # None: not known (timeout)
    complete: bool
    regions: list[Region]
    uncovered: Instance | None = None  # a differing transaction no region covers
    reason: str = ""                  # why incomplete / unknown
    cross_check: str = ""             # clingo's answer on the same question
    checks: list[Check] = field(default_factory=list)
    seconds: float = 0.0
    sides: tuple[Side, Side] | None = None


class Deadline:
    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def ms(self) -> int:
        return max(1, int((self.end - time.monotonic()) * 1000))

    def over(self) -> bool:
        return time.monotonic() >= self.end


def forbidden(p: Pair, kind: str, name: str, value: ir.Value | None = None) -> Check:
    """The check that no transaction gains (`no-new`) or loses (`no-less`) on the right: a set
    field an element (`value`, or any), a bool field the value true, an enum field `value` (an
    optional enum without a value: any value where the other side has none)."""
    if name not in p.fields:
        known = ", ".join(p.fields)
        raise DiffError(f"--{kind} {name}: no outcome of that name on both sides; outcomes: {known}")
    t = p.left.spec.outcomes[name].type
    gain, lose = (RIGHT, LEFT) if kind == "no-new" else (LEFT, RIGHT)
    has, lacks = p.outcome(gain, name), p.outcome(lose, name)
    if isinstance(t, ir.SetOf):
        members = p.left.spec.enums[t.enum].members
        if value is not None and value not in members:
            raise DiffError(f"--{kind} {name}={value}: not an element of {t.enum} ({', '.join(members)})")
        elems = [value] if value is not None else list(members)
        lit = lambda e: ir.Lit(e, ir.Enum(t.enum))  # noqa: E731
        expr = any_of([ir.And((ir.InSet(lit(e), has), ir.Not(ir.InSet(lit(e), lacks)))) for e in elems])
    elif isinstance(t, ir.Bool):
        if value is not None:
            raise DiffError(f"--{kind} {name}: a true/false outcome takes no value "
                            f"(--no-new {name}: becomes true; --no-less {name}: becomes false)")
        expr = ir.And((has, ir.Not(lacks)))
    elif isinstance(t, ir.Enum):
        members = p.left.spec.enums[t.name].members
        if value is None:
            if not t.optional:
                raise DiffError(f"--{kind} {name}: say which value: --{kind} {name}=VALUE "
                                f"({', '.join(members)})")
            none = ir.Lit(None, t)
            expr = ir.And((ir.Cmp("!=", has, none), ir.Cmp("==", lacks, none)))
        else:
            if value not in members:
                raise DiffError(f"--{kind} {name}={value}: not a value of {t.name} ({', '.join(members)})")
            v = ir.Lit(value, t)
            expr = ir.And((ir.Cmp("==", has, v), ir.Cmp("!=", lacks, v)))
    else:
        raise DiffError(f"--{kind} {name}: checks apply to set, true/false and enum outcomes, "
                        f"not to a {t} outcome")
    return Check(kind, name, value, expr)


def diff(left: Side, right: Side, *, timeout_s: float = 60.0, max_regions: int = 60,
         checks: Sequence[tuple[str, str, str | None]] = (), cross_check: bool = True) -> DiffResult:
    """Compare two sides (see the module docstring). `checks`: (kind, field, value) triples."""
    start = time.monotonic()
    deadline = Deadline(timeout_s)
    p = pair(side_model(left), side_model(right))
    planned = [forbidden(p, kind, name, value) for kind, name, value in checks]
    # the checks first: a CI job's answer must not wait for (or time out on) the regions
    for c in planned:
        c.result = _search(p, c.expr, deadline)
        if isinstance(c.result, Instance):
            c.changes = replay_changes(p, c.result)[0]
        elif isinstance(c.result, Proof) and cross_check and not deadline.over():
            c.cross_check = clingo_answer(p, c.expr, deadline.ms())
    result = _regions(p, deadline, max_regions)
    if result.equivalent is None and any(isinstance(c.result, Instance) for c in planned):
        result.equivalent = False       # a check's replayed witness already shows a difference
    result.checks = planned
    result.sides = (left, right)
    if cross_check and not deadline.over() and result.complete:
        result.cross_check = clingo_answer(p, uncovered(p, result.regions), deadline.ms())
    result.seconds = time.monotonic() - start
    return result


def _search(p: Pair, expr: ir.Expr, deadline: Deadline):
    if deadline.over():
        return Unknown("timeout before the search started")
    return satisfiable(p.product, expr, timeout_ms=deadline.ms(), explain=False)


def unchanged_fields(p: Pair, deadline: Deadline) -> list[str]:
    """The fields proved to take the same value on both sides on every transaction."""
    return [name for name in p.fields
            if isinstance(_search(p, p.differs([name]), deadline), Proof)]


def derived_atoms(p: Pair, unchanged: Sequence[str]) -> list[ir.Expr]:
    """Conditions on the fields both sides decide alike (`eccn == "X"`, `"E" in f`, a true/false
    field), read on the left: functions of the inputs that read as the rule does."""
    out: list[ir.Expr] = []
    for name in unchanged:
        t = p.left.spec.outcomes[name].type
        ref = p.outcome(LEFT, name)
        if isinstance(t, ir.Bool):
            out.append(ref)
        elif isinstance(t, ir.Enum):
            values = list(p.left.spec.enums[t.name].members) + ([None] if t.optional else [])
            out += [ir.Cmp("==", ref, ir.Lit(v, t)) for v in values]
        elif isinstance(t, ir.SetOf):
            out += [ir.InSet(ir.Lit(e, ir.Enum(t.enum)), ref) for e in p.left.spec.enums[t.enum].members]
    return out


def agreed_definitions(p: Pair, deadline: Deadline) -> list[ir.Expr]:
    """The true/false definitions both sides define alike (shared ones by construction, the
    others proved equal on every transaction), the most derived first: a region names them as
    the spec does (`chip_item`, `hq_d5_macau`) instead of spelling out their bodies."""
    out: list[ir.Expr] = []
    for name in reversed(p.left.defs):
        if not isinstance(p.left.spec.defs[name].type, ir.Bool):
            continue
        if name in p.product.defs:
            out.append(ir.DefRef(name, p.product.defs[name].type))
            continue
        left, right = (ir.DefRef(f"{s}.{name}", p.product.defs[f"{LEFT}.{name}"].type) for s in (LEFT, RIGHT))
        if right.name in p.product.defs and \
                isinstance(_search(p, ir.Cmp("!=", left, right), deadline), Proof):
            p.agreed.add(name)
            out.append(left)
    return out


def agreement_atoms(p: Pair, changed: Sequence[str]) -> list[ir.Expr]:
    """For the fields that do change somewhere: "the field has this value on both sides" (a set
    field: "both have this element"), so a region can say where a change rests on a value the
    sides share (`eccn == "X"` on both) however each side reaches it."""
    out: list[ir.Expr] = []
    for name in changed:
        conds = derived_atoms(p, [name])
        if not isinstance(p.left.spec.outcomes[name].type, ir.Enum):   # false / lacks it, too
            conds += [ir.Not(c) for c in conds]
        for cond in conds:
            out.append(ir.And((cond, rewrite(cond, lambda x: p.outcome(RIGHT, name)
                                              if x == p.outcome(LEFT, name) else None))))
    return out


def uncovered(p: Pair, regions: Sequence[Region]) -> ir.Expr:
    """Some field differs on a transaction outside every region. Unsatisfiable = the regions
    are complete."""
    return ir.And((p.differs(), ir.Not(any_of([r.condition for r in regions])))) if regions else p.differs()


def _regions(p: Pair, deadline: Deadline, max_regions: int) -> DiffResult:
    cc = CountryClasses.of(p.product)
    comp = Compiler(p.product, VarPool(p.product.spec, cc))
    unchanged = unchanged_fields(p, deadline)
    agreements = agreement_atoms(p, [f for f in p.fields if f not in unchanged])
    derived = derived_atoms(p, unchanged) + agreements + agreed_definitions(p, deadline)
    atom_exprs = derived + atoms(p.product)
    atom_terms = [comp.expr(a) for a in atom_exprs]
    finder = z3.Solver()
    finder.add(*comp.pool.domain)
    finder.add(comp.expr(p.differs()))
    prover = z3.Solver()
    prover.add(*comp.pool.domain)
    regions: list[Region] = []
    while True:
        if deadline.over():
            return _incomplete(p, regions, deadline, "the time limit ran out")
        if len(regions) >= max_regions:
            return _incomplete(p, regions, deadline, f"stopped after {max_regions} regions (--max-regions)")
        finder.set("timeout", deadline.ms())
        r = finder.check()
        if r == z3.unknown:
            return _incomplete(p, regions, deadline, f"z3: {finder.reason_unknown()}")
        if r == z3.unsat:
            break
        m = finder.model()
        left_vals, right_vals = _decode_outcomes(p, comp, m)
        changes = changes_between(p, left_vals, right_vals)
        # generalise for one change (the broadest region), then state every other change that
        # happens throughout that region too
        first = changes[0]
        literals = _literals(p, comp, m, atom_exprs, atom_terms, set(agreements))
        n_atoms = len(literals) - len(p.product.spec.inputs)
        n_derived = n_atoms - (len(atom_exprs) - len(derived))
        kept = _implicant(prover, comp.expr(first.expr(p)), literals, n_derived, n_atoms, deadline)
        if kept is None:
            return _incomplete(p, regions, deadline, "z3 could not generalise a region")
        cube = all_of([e for e, _t in kept])
        changes = [c for c in changes if c == first or _implied(prover, [t for _e, t in kept],
                                                                 comp.expr(c.expr(p)), deadline)]
        target = all_of([c.expr(p) for c in changes])
        witness = _search(p, ir.And((cube, target)), deadline)
        if not isinstance(witness, Instance):
            return _incomplete(p, regions, deadline,
                               f"no witness for a region ({getattr(witness, 'reason', 'proved empty')})")
        got, traces = replay_changes(p, witness)
        if not set(changes) <= set(got):
            raise EngineDisagreement(f"the witness of a region does not show its change on replay: "
                                     f"{witness.transaction}")
        stated = {(c.field, c.slot) for c in changes}
        cube_terms = [t for _e, t in kept]
        maybe = [k for k in change_keys(p) if k not in stated and not _implied(
            prover, cube_terms, z3.Not(comp.expr(key_differs(p, k))), deadline)]
        regions.append(Region([e for e, _t in kept], changes, witness,
                              traces[LEFT].outcomes, traces[RIGHT].outcomes,
                              traces[LEFT].fired, traces[RIGHT].fired, maybe))
        finder.add(z3.Not(z3.And(*cube_terms)))
    regions = _without_redundant(prover, comp, regions, deadline)
    # z3 found no differing transaction outside the regions; the proof layer proves it again
    # over the IR (with its own integrality handling) and replays any transaction it finds
    leftover = _search(p, uncovered(p, regions), deadline)
    if isinstance(leftover, Proof):
        return DiffResult(p, equivalent=not regions, complete=True, regions=regions)
    if isinstance(leftover, Instance):
        return DiffResult(p, equivalent=False, complete=False, regions=regions, uncovered=leftover,
                          reason="the proof layer found a differing transaction outside the regions")
    return DiffResult(p, equivalent=None if not regions else False, complete=False,
                      regions=regions, reason=leftover.reason)


def _without_redundant(prover: z3.Solver, comp: Compiler, regions: list[Region],
                       deadline: Deadline) -> list[Region]:
    """Drop a region inside another kept one that states all its changes (found later, a broader
    region can swallow an earlier, narrower one)."""
    kept: list[Region] = []
    terms = [[comp.expr(x) for x in r.literals] for r in regions]
    for i, r in enumerate(regions):
        if not any(j != i and (regions[j] in kept or j > i) and set(r.changes) <= set(regions[j].changes)
                   and _implied(prover, terms[i], z3.And(*terms[j]), deadline)
                   for j in range(len(regions))):
            kept.append(r)
    return kept


def _incomplete(p: Pair, regions, deadline: Deadline, reason: str) -> DiffResult:
    """Stopped early: say what is not covered, with a witness if one can still be found."""
    leftover = _search(p, uncovered(p, regions), deadline) if not deadline.over() else None
    if isinstance(leftover, Proof):       # the regions found so far happen to cover everything
        return DiffResult(p, equivalent=not regions, complete=True, regions=regions)
    return DiffResult(p, equivalent=False if regions or isinstance(leftover, Instance) else None,
                      complete=False, regions=regions,
                      uncovered=leftover if isinstance(leftover, Instance) else None, reason=reason)


def _decode_outcomes(p: Pair, comp: Compiler, m: z3.ModelRef):
    out = {LEFT: {}, RIGHT: {}}
    for side in SIDES:
        for name in p.fields:
            t = p.left.spec.outcomes[name].type
            term = comp.outcome(f"{side}.{name}")
            if isinstance(t, ir.SetOf):
                out[side][name] = frozenset(e for e, b in term.items()
                                            if z3.is_true(m.eval(b, model_completion=True)))
            else:
                out[side][name] = comp.pool.decode(t, m.eval(term, model_completion=True))
    return out[LEFT], out[RIGHT]


def _literals(p: Pair, comp: Compiler, m: z3.ModelRef, atom_exprs, atom_terms, positive_only):
    """Each atom as it holds in `m` (those in `positive_only` only where true: "not the same on
    both sides" would restate the change), then each input at its value in `m` (the fallback)."""
    out = []
    for e, t in zip(atom_exprs, atom_terms):
        if z3.is_true(m.eval(t, model_completion=True)):
            out.append((e, t))
        elif e not in positive_only:
            out.append((ir.Not(e), z3.Not(t)))
    for path, decl in p.product.spec.inputs.items():
        var = comp.pool.inputs[path]
        value = comp.pool.decode(decl.type, m.eval(var, model_completion=True))
        out.append((_point(p, path, decl.type, value), var == comp.pool.encode_as(var, decl.type, value)))
    return out


def _point(p: Pair, path: str, t: ir.Type, value: ir.Value) -> ir.Expr:
    ref = ir.InputRef(path, t)
    if isinstance(t, ir.Bool):
        return ref if value else ir.Not(ref)
    if isinstance(t, ir.Country):
        cc = CountryClasses.of(p.product)
        members = cc.classes[cc.class_of(value)]
        if len(members) > 1:
            return ir.InSet(ref, ir.Lit(frozenset(members), t))
    return ir.Cmp("==", ref, ir.Lit(value, t))


def _implicant(prover: z3.Solver, target: z3.BoolRef, literals, n_derived: int, n_atoms: int,
               deadline: Deadline):
    """A subset of `literals` (each holding in a model of `target`; the first `n_atoms` are the
    spec's atoms, the rest points) that implies `target`: the unsat core of literals ∧ ¬target,
    then each remaining literal dropped if the rest suffice."""
    prover.push()
    try:
        prover.add(z3.Not(target))
        marks = [z3.Bool(f"__lit{i}") for i in range(len(literals))]
        for mark, (_e, t) in zip(marks, literals):
            prover.add(z3.Implies(mark, t))
        # the spec's atoms alone first: a core may otherwise pick the points that imply them
        for tried in (marks[:n_atoms], marks):
            prover.set("timeout", deadline.ms())
            answer = prover.check(*tried)
            if answer != z3.sat:
                break
        if answer != z3.unsat:
            return None
        core = {str(c) for c in prover.unsat_core()}
        # the derived atoms (first) stay in play, so they replace the input atoms they imply
        keep = [i for i, mk in enumerate(marks) if str(mk) in core or i < n_derived]
        for i in reversed(keep):
            trial = [marks[j] for j in keep if j != i]
            prover.set("timeout", max(1, min(deadline.ms(), 2_000)))
            if prover.check(*trial) == z3.unsat:
                keep = [j for j in keep if j != i]
        return [literals[i] for i in sorted(keep)]
    finally:
        prover.pop()


def _implied(prover: z3.Solver, cube: list, goal: z3.BoolRef, deadline: Deadline) -> bool:
    """The cube implies the goal (proved; a timeout counts as no)."""
    prover.push()
    try:
        prover.add(*cube)
        prover.add(z3.Not(goal))
        prover.set("timeout", max(1, min(deadline.ms(), 2_000)))
        return prover.check() == z3.unsat
    finally:
        prover.pop()
