"""The reference evaluator: the ground truth every other engine is tested against.

Semantics (ir.Rule): a rule *applies* when all its conditions hold, and *fires* when it applies
and no rule that overrides it (present under the reading) fires. Each outcome slot (a scalar
outcome, or one element of a set outcome) takes:

- the value concluded by the firing rules for it, if any fire;
- if firing rules conclude different values (a *conflict*), the value of the first firing rule in
  the model's rule order, and the slot is listed in `Trace.conflicts`;
- otherwise the outcome's default (for a set outcome: whether the element is in the default set).

`Trace.conflicts` lists (outcome, slot-or-None, sorted names of every firing rule concluding
that slot), ordered by the outcome's declaration order, then by slot. `first_failing[r]` is the
index of the first condition of `r` that does not hold, for every rule that does not apply.

All arithmetic is exact (Fractions; integral values may be carried as Python ints, which compare
and hash equal to the Fraction). Dates compare as dates; country groups are taken as they stood on
the transaction's date.

Two implementations live here:
- `run` / `Evaluator`: the model is compiled once (cached on the Model) into one straight-line
  Python function computing every definition and rule condition once per transaction, in
  dependency order (and the firings/outcomes those read). Numbers are compared exactly as
  integer numerator/denominator pairs, cross-multiplied (no Fraction arithmetic). The rest of the
  Trace depends only on which condition fails first in each rule: that pattern is one int key,
  and the outcomes, applicable/fired sets, first_failing and conflicts are memoised on it
  (computed by a second generated function on a miss). This is the fast path (batch
  determinations, differential tests). `run_outcomes` runs the same generated body and returns
  only the memoised outcomes and conflicts: no Trace is built when no explanation is wanted.
- `interpret` / `run_interpreted`: a direct tree-walking, memoised interpreter of the same
  semantics, kept deliberately simple; the tests check the two against each other.
"""
from __future__ import annotations

import datetime
from bisect import bisect_right
from dataclasses import dataclass
from fractions import Fraction
from math import gcd
from itertools import compress
from operator import itemgetter
from typing import Any, Callable, Iterable

from ..ir import walk
from ..ir import (And, Arith, Bool, Cmp, DefRef, Enum, Expr, Implies, InGroup, InputRef, InSet, Ite,
                  Lit, MinMax, Model, Not, Num, OutcomeRef, Or, ParamRef, RuleApplies, RuleFires,
                  SetOf, Value)
from .trace import Trace

__all__ = ["EvalError", "Evaluator", "eval_expr", "run", "run_outcomes", "run_batch", "compile_model",
           "compile_outcomes",
           "compile_expr", "interpret", "run_interpreted",
           "slot_rules"]


class EvalError(Exception):
    """The model cannot be evaluated (a dependency cycle, an incomplete transaction, ...)."""


# --------------------------------------------------------------------------- dependencies

def slot_rules(model: Model) -> dict[tuple[str, str | None], list[tuple[str, Value]]]:
    """For each decided slot (outcome, element-or-None): [(rule, value)] in model rule order."""
    cache = model.__dict__.get("_earl_slot_rules")
    if cache is not None and cache[0] is model.rules:
        return cache[1]
    slots: dict[tuple[str, str | None], list[tuple[str, Value]]] = {}
    for r in model.rules.values():
        for c in r.conclusions:
            slots.setdefault((c.outcome, c.slot), []).append((r.name, c.value))
    model.__dict__["_earl_slot_rules"] = (model.rules, slots)
    return slots


def _overriders(model: Model) -> dict[str, list[str]]:
    ov: dict[str, list[str]] = {name: [] for name in model.rules}
    for r in model.rules.values():
        for victim in r.overrides:
            if victim in ov:
                ov[victim].append(r.name)
    return ov


def _node_deps(model: Model, node: tuple[str, str], ov, slots_by_outcome) -> set[tuple[str, str]]:
    kind, name = node
    if kind == "def":
        if name not in model.defs:
            raise EvalError(f"no definition named {name!r}")
        return walk.refs(model.defs[name])
    if kind == "app":
        if name not in model.rules:
            raise EvalError(f"no rule named {name!r} under reading {model.reading!r}")
        out: set = set()
        for c in model.rules[name].conditions:
            out |= walk.refs(c.expr)
        return out
    if kind == "fire":
        if name not in model.rules:
            raise EvalError(f"no rule named {name!r} under reading {model.reading!r}")
        return {("app", name)} | {("fire", o) for o in ov[name]}
    if kind == "out":
        if name not in model.outcomes:
            raise EvalError(f"no outcome named {name!r}")
        return {("fire", r) for r in slots_by_outcome.get(name, ())}
    return set()


def _order(model: Model, roots: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The nodes reachable from `roots`, dependencies first; EvalError on a cycle."""
    ov = _overriders(model)
    slots_by_outcome: dict[str, list[str]] = {}
    for (outcome, _slot), rs in slot_rules(model).items():
        lst = slots_by_outcome.setdefault(outcome, [])
        for r, _v in rs:
            if r not in lst:
                lst.append(r)
    order: list[tuple[str, str]] = []
    state: dict[tuple[str, str], int] = {}  # 1 = in progress, 2 = done
    for root in roots:
        if state.get(root) == 2:
            continue
        stack = [(root, None)]
        path: list[tuple[str, str]] = []
        while stack:
            node, it = stack.pop()
            if it is None:
                if state.get(node) == 2:
                    continue
                if state.get(node) == 1:
                    cyc = path[path.index(node):] + [node]
                    raise EvalError("dependency cycle: " + " -> ".join(f"{k} {n}" for k, n in cyc))
                state[node] = 1
                path.append(node)
                deps = sorted(d for d in _node_deps(model, node, ov, slots_by_outcome)
                              if d[0] not in ("input", "param"))
                it = iter(deps)
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                path.pop()
                order.append(node)
                continue
            stack.append((node, it))
            if state.get(nxt) != 2:
                if state.get(nxt) == 1:
                    cyc = path[path.index(nxt):] + [nxt]
                    raise EvalError("dependency cycle: " + " -> ".join(f"{k} {n}" for k, n in cyc))
                stack.append((nxt, None))
    return order


# --------------------------------------------------------------------------- compiler

def _num(x):
    """Integral Fractions as ints (faster, equal and hash-equal); other values unchanged."""
    if type(x) is Fraction and x.denominator == 1:
        return x.numerator
    return x


def _is_none(e: Expr) -> bool:
    return isinstance(e, Lit) and e.value is None


def _den_code(s: int, atoms: tuple[str, ...]) -> str:
    parts = ([str(s)] if s != 1 else []) + list(atoms)
    return " * ".join(parts) if parts else "1"


def _scale(code: str, s: int, atoms: tuple[str, ...]) -> str:
    """`code` times s times the atoms."""
    parts = ([str(s)] if s != 1 else []) + list(atoms)
    return f"({code} * {' * '.join(parts)})" if parts else code


def _val(n: int, d: int):
    """A pair back to a value: an int when integral, else a Fraction."""
    if d == 1:
        return n
    v = Fraction(n, d)
    return v.numerator if v.denominator == 1 else v


class _Codegen:
    def __init__(self, model: Model):
        self.model = model
        self.consts: dict[str, Any] = {}
        self._const_ids: dict[Any, str] = {}
        self.inputs: dict[str, str] = {}      # path -> variable (every input read, either form)
        self.value_inputs: set[str] = set()   # read as a value (int or Fraction)
        self.pair_inputs: set[str] = set()    # read as numerator n<k> / denominator q<k>
        self.pair_defs: dict[str, tuple[str, int, tuple[str, ...]]] = {}
        self.whole_refs: set[str] = set()     # outcomes read as values (not just set membership)
        self.names: dict[tuple[str, str], str] = {}
        self.rule_index = {name: i for i, name in enumerate(model.rules)}
        self.overridden = {name: bool(o) for name, o in _overriders(model).items()}
        self.def_index = {name: i for i, name in enumerate(model.defs)}
        self.out_index = {name: i for i, name in enumerate(model.outcomes)}
        self.hoisted: dict[tuple[str, str], tuple[str, str]] = {}
        self._const_memo: dict[int, bool] = {}

    def const(self, value: Any) -> str:
        key = (type(value), value) if not isinstance(value, (frozenset,)) else ("set", value)
        try:
            name = self._const_ids.get(key)
        except TypeError:
            name = None
        if name is None:
            name = f"_k{len(self.consts)}"
            self.consts[name] = value
            try:
                self._const_ids[key] = name
            except TypeError:
                pass
        return name

    def lit(self, v: Any) -> str:
        if v is None or isinstance(v, bool):
            return repr(v)
        if isinstance(v, Fraction) or (isinstance(v, int)):
            v = _num(Fraction(v))
            return repr(v) if isinstance(v, int) else self.const(v)
        if isinstance(v, str):
            return repr(v)
        return self.const(v)

    def var(self, node: tuple[str, str]) -> str:
        kind, name = node
        if kind == "input":
            if name not in self.model.inputs:
                raise EvalError(f"no input named {name!r}")
            self.value_inputs.add(name)
            return self.inputs.setdefault(name, f"i{len(self.inputs)}")
        if kind == "def":
            if name in self.pair_defs:
                n, s, atoms = self.pair_defs[name]
                return f"_val({n}, {_den_code(s, atoms)})"
            return f"d{self.def_index[name]}"
        if kind == "out":
            return f"o{self.out_index[name]}"
        if kind == "app":
            return f"a{self.rule_index[name]}"
        if kind == "fire":
            if not self.overridden.get(name, True):  # never overridden: fires iff it applies
                return f"a{self.rule_index[name]}"
            return f"f{self.rule_index[name]}"
        raise EvalError(f"bad node {node!r}")

    def is_const(self, e: Expr) -> bool:
        """No input, definition, outcome or rule is read: folded at compile time."""
        if isinstance(e, (Lit, ParamRef)):
            return True
        key = id(e)
        got = self._const_memo.get(key)
        if got is None:
            got = all(kind == "param" for kind, _n in walk.refs(e))
            self._const_memo[key] = got
        return got

    def group_lookup(self, group: str, date: Expr) -> str:
        """The members of `group` on the date, hoisted to the prologue when the date is an input."""
        table = self.model.spec.group_tables[group]
        if table.static:
            return self.const(table.sets[0])
        if isinstance(date, InputRef):
            key = (group, date.path)
            if key not in self.hoisted:
                self.hoisted[key] = (f"g{len(self.hoisted)}",
                                     f"{self.const(table.sets)}[_bisect({self.const(table.breaks)}, "
                                     f"{self.var(('input', date.path))})]")
            return self.hoisted[key][0]
        return f"{self.const(table.sets)}[_bisect({self.const(table.breaks)}, {self.expr(date)})]"

    # ---- numbers as (numerator, denominator) pairs of ints: exact, and no Fraction arithmetic.
    # A pair is (numerator code, static positive int s, atoms): the denominator is s times the
    # product of the atoms (variables holding positive ints: input denominators, definitions').

    def pair(self, e: Expr) -> tuple[str, int, tuple[str, ...]] | None:
        """`e` as a numerator/denominator pair, or None (not a number, or not expressible so)."""
        if self.is_const(e):
            try:
                c = _Interp(self.model, {}).ev(e)
            except Exception:  # noqa: BLE001 - the value form reports it
                return None
            if isinstance(c, bool) or not isinstance(c, (int, Fraction)):
                return None
            c = Fraction(c)
            return (repr(c.numerator) if c.numerator >= 0 else f"({c.numerator})", c.denominator, ())
        if isinstance(e, InputRef):
            decl = self.model.inputs.get(e.path)
            if decl is None or not isinstance(decl.type, Num):
                return None
            v = self.inputs.setdefault(e.path, f"i{len(self.inputs)}")
            self.pair_inputs.add(e.path)
            return ("n" + v[1:], 1, ("q" + v[1:],))
        if isinstance(e, DefRef):
            return self.pair_defs.get(e.name)
        if isinstance(e, Arith) and e.op in ("+", "-", "*"):
            a, b = self.pair(e.left), self.pair(e.right)
            if a is None or b is None:
                return None
            if e.op == "*":
                return (f"({a[0]} * {b[0]})", a[1] * b[1], tuple(sorted(a[2] + b[2])))
            lcm = a[1] * b[1] // gcd(a[1], b[1])
            if a[2] == b[2]:
                return (f"({_scale(a[0], lcm // a[1], ())} {e.op} {_scale(b[0], lcm // b[1], ())})",
                        lcm, a[2])
            return (f"({_scale(a[0], lcm // a[1], b[2])} {e.op} {_scale(b[0], lcm // b[1], a[2])})",
                    lcm, tuple(sorted(a[2] + b[2])))
        if isinstance(e, (Ite, MinMax)):
            if isinstance(e, MinMax) and e.op not in ("min", "max"):
                return None
            args = [self.pair(a) for a in ((e.then, e.orelse) if isinstance(e, Ite) else e.args)]
            if not args or any(a is None for a in args) or len({a[2] for a in args}) != 1:
                return None
            lcm = 1
            for a in args:
                lcm = lcm * a[1] // gcd(lcm, a[1])
            nums = [_scale(a[0], lcm // a[1], ()) for a in args]
            if isinstance(e, Ite):
                return (f"({nums[0]} if {self.expr(e.cond)} else {nums[1]})", lcm, args[0][2])
            if len(nums) == 1:
                return (nums[0], lcm, args[0][2])
            return (f"{e.op}({', '.join(nums)})", lcm, args[0][2])
        return None

    def pair_cmp(self, e: Cmp) -> str | None:
        """A numeric comparison by cross-multiplication (denominators are positive)."""
        if e.op not in ("==", "!=", "<", "<=", ">", ">="):
            return None
        a = self.pair(e.left)
        if a is None:
            return None
        b = self.pair(e.right)
        if b is None:
            return None
        a_atoms, b_atoms = list(a[2]), list(b[2])
        for t in list(a_atoms):
            if t in b_atoms:
                a_atoms.remove(t)
                b_atoms.remove(t)
        g = gcd(a[1], b[1])
        return f"({_scale(a[0], b[1] // g, tuple(b_atoms))} {e.op} {_scale(b[0], a[1] // g, tuple(a_atoms))})"

    def expr(self, e: Expr) -> str:
        x = self.expr
        if not isinstance(e, (Lit, ParamRef)) and self.is_const(e):
            return self.lit(_Interp(self.model, {}).ev(e))
        if isinstance(e, Cmp):
            code = self.pair_cmp(e)
            if code is not None:
                return code
        if isinstance(e, Cmp) and e.op in ("==", "!=", "<", "<=", ">", ">="):
            # exact comparison with a non-integral constant p/q, in integers: L op p/q <=> L*q op p
            for const_side, other, flip in ((e.right, e.left, False), (e.left, e.right, True)):
                if self.is_const(const_side):
                    c = _Interp(self.model, {}).ev(const_side)
                    if isinstance(c, Fraction) and c.denominator != 1:
                        scaled = f"({x(other)} * {c.denominator})"
                        return f"({c.numerator} {e.op} {scaled})" if flip else f"({scaled} {e.op} {c.numerator})"
                    break
        if isinstance(e, Lit):
            return self.lit(e.value)
        if isinstance(e, InputRef):
            return self.var(("input", e.path))
        if isinstance(e, ParamRef):
            if e.name not in self.model.params:
                raise EvalError(f"no parameter named {e.name!r}")
            return self.lit(self.model.params[e.name])
        if isinstance(e, DefRef):
            return self.var(("def", e.name))
        if isinstance(e, OutcomeRef):
            self.whole_refs.add(e.name)
            return self.var(("out", e.name))
        if isinstance(e, RuleApplies):
            return self.var(("app", e.rule))
        if isinstance(e, RuleFires):
            return self.var(("fire", e.rule))
        if isinstance(e, Not):
            return f"(not {x(e.arg)})"
        if isinstance(e, And):
            return "(" + " and ".join(x(a) for a in e.args) + ")" if e.args else "True"
        if isinstance(e, Or):
            return "(" + " or ".join(x(a) for a in e.args) + ")" if e.args else "False"
        if isinstance(e, Implies):
            return f"((not {x(e.premise)}) or {x(e.conclusion)})"
        if isinstance(e, Ite):
            return f"({x(e.then)} if {x(e.cond)} else {x(e.orelse)})"
        if isinstance(e, Cmp):
            if e.op not in ("==", "!=", "<", "<=", ">", ">="):
                raise EvalError(f"unknown comparison {e.op!r}")
            if e.op in ("==", "!=") and (_is_none(e.left) or _is_none(e.right)):
                # `is`: no rich comparison; the same for every value type (None equals only None)
                return f"({x(e.left)} {'is' if e.op == '==' else 'is not'} {x(e.right)})"
            return f"({x(e.left)} {e.op} {x(e.right)})"
        if isinstance(e, Arith):
            if e.op not in ("+", "-", "*"):
                raise EvalError(f"unknown arithmetic operator {e.op!r}")
            return f"({x(e.left)} {e.op} {x(e.right)})"
        if isinstance(e, MinMax):
            if e.op not in ("min", "max"):
                raise EvalError(f"unknown operator {e.op!r}")
            if len(e.args) == 1:
                return x(e.args[0])
            return f"{e.op}({', '.join(x(a) for a in e.args)})"
        if isinstance(e, InGroup):
            return f"({x(e.country)} in {self.group_lookup(e.group, e.date)})"
        if isinstance(e, InSet):
            col = e.collection
            if isinstance(col, OutcomeRef) and col.name in self.model.outcomes and \
                    isinstance(self.model.outcomes[col.name].type, SetOf) and self.is_const(e.element):
                el = _Interp(self.model, {}).ev(e.element)
                elems = _set_elems(self.model, col.name)
                if el not in elems:
                    return "False"
                return f"{self.var(('out', col.name))}_{elems.index(el)}"
            return f"({x(e.element)} in {x(e.collection)})"
        raise EvalError(f"unknown expression node {type(e).__name__}")


_CONFLICT_HELPER = '''
def _conflict(conf, idx, outcome, slot, cands):
    firing = [(r, v) for r, v, f in cands if f]
    if len({_key(v) for _r, v in firing}) > 1:
        conf.append(((idx, "" if slot is None else slot), (outcome, slot, tuple(sorted(r for r, _v in firing)))))
'''


def _value_key(v):
    return (type(v).__name__ if not isinstance(v, (int, Fraction)) or isinstance(v, bool) else "num", v)


_SET_TAG = "# set outcome "


def _set_elems(model: Model, name: str) -> list[str]:
    """A set outcome's decided elements (concluded by some rule, or in the default), sorted."""
    default = model.outcomes[name].default.value or frozenset()
    return sorted({s for (o, s) in slot_rules(model) if o == name} | set(default))


def _drop_unread_sets(g: _Codegen, lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        i = line.find(_SET_TAG)
        if i >= 0:
            if line[i + len(_SET_TAG):] not in g.whole_refs:
                continue
            line = line[:i].rstrip()
        out.append(line)
    return out


def _needed(model: Model, order: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """The fire/out nodes that definitions and rule conditions read (directly or through others)."""
    ov = _overriders(model)
    slots_by_outcome: dict[str, list[str]] = {}
    for (outcome, _slot), rs in slot_rules(model).items():
        slots_by_outcome.setdefault(outcome, []).extend(r for r, _v in rs)
    need: set[tuple[str, str]] = set()
    for node in order:
        if node[0] in ("def", "app"):
            need |= _node_deps(model, node, ov, slots_by_outcome)
    for node in reversed(order):
        if node in need and node[0] in ("fire", "out"):
            need |= _node_deps(model, node, ov, slots_by_outcome)
    return need


def _emit_body(g: _Codegen, order: list[tuple[str, str]], lines: list[str],
               kinds=("def", "app", "fire", "out"), only=None, conflicts: bool = True,
               weights: dict[str, int] | None = None) -> None:
    """Statements computing the nodes of `order` (of the given kinds; fire/out nodes only if in
    `only`, when given). A rule's applicability is a<k> (bool); with `weights`, the index of its
    first failing condition i (len(conditions) when it applies) is added to `k` as i * weight."""
    model = g.model
    slots = slot_rules(model)
    ov = _overriders(model)
    for node in order:
        kind, name = node
        if kind not in kinds or (only is not None and kind in ("fire", "out") and node not in only):
            continue
        if kind == "def":
            p = g.pair(model.defs[name])
            k = g.def_index[name]
            if p is None:
                lines.append(f"    {g.var(node)} = {g.expr(model.defs[name])}")
            elif not p[2]:
                lines.append(f"    d{k}n = {p[0]}")
                g.pair_defs[name] = (f"d{k}n", p[1], ())
            else:
                lines.append(f"    d{k}n = {p[0]}; d{k}q = {_den_code(p[1], p[2])}")
                g.pair_defs[name] = (f"d{k}n", 1, (f"d{k}q",))
        elif kind == "app":
            rule = model.rules[name]
            v = g.var(node)
            w = weights.get(name, 0) if weights else 0

            def add(i):
                return f"; k += {i * w}" if i * w else ""
            if not rule.conditions:
                lines.append(f"    {v} = True")
                continue
            for i, c in enumerate(rule.conditions):
                kw = "if" if i == 0 else "elif"
                if isinstance(c.expr, Not):
                    lines.append(f"    {kw} {g.expr(c.expr.arg)}:")
                else:
                    lines.append(f"    {kw} not {g.expr(c.expr)}:")
                lines.append(f"        {v} = False{add(i)}")
            lines.append(f"    else:")
            lines.append(f"        {v} = True{add(len(rule.conditions))}")
        elif kind == "fire":
            v = g.var(node)
            a = g.var(("app", name))
            if ov[name]:
                lines.append(f"    {v} = {a} and not ({' or '.join(g.var(('fire', o)) for o in ov[name])})")
        elif kind == "out":
            decl = model.outcomes[name]
            idx = g.out_index[name]
            v = g.var(node)
            if isinstance(decl.type, SetOf):
                default = decl.default.value or frozenset()
                elems = _set_elems(model, name)
                exprs = []
                for j, el in enumerate(elems):  # one bool variable per element: o<k>_<j>
                    rs = slots.get((name, el), [])
                    lines.append(f"    {v}_{j} = {_slot_expr(g, rs, el in default)}")
                    exprs.append(f"{v}_{j}")
                    if conflicts:
                        _emit_conflict(g, lines, idx, name, el, rs)
                tag = f"  {_SET_TAG}{name}"  # dropped when only memberships are read
                if not elems:
                    lines.append(f"    {v} = {g.const(frozenset())}{tag}")
                elif len(elems) <= 10:
                    # every subset precomputed, indexed by the bits of the slots
                    table = tuple(frozenset(el for j, el in enumerate(elems) if m >> j & 1)
                                  for m in range(1 << len(elems)))
                    bits = " + ".join(f"{1 << j} * {x}" if j else x for j, x in enumerate(exprs))
                    lines.append(f"    {v} = {g.const(table)}[{bits}]{tag}")
                else:
                    lines.append(f"    {v} = frozenset(_compress({g.const(tuple(elems))}, "
                                 f"({', '.join(exprs)},))){tag}")
            else:
                rs = slots.get((name, None), [])
                lines.append(f"    {v} = {_slot_expr(g, rs, decl.default.value)}")
                if conflicts:
                    _emit_conflict(g, lines, idx, name, None, rs)


def _slot_expr(g: _Codegen, rs: list[tuple[str, Value]], default: Value) -> str:
    """The first firing rule's value, else the default: trailing rules concluding the default are
    dropped, and adjacent rules concluding the same value share one test (f<k> are bools)."""
    def code(v):
        return g.lit(v) if not isinstance(v, (int, Fraction)) or isinstance(v, bool) else g.const(v)
    rs = list(rs)
    while rs and _value_key(rs[-1][1]) == _value_key(default):
        rs.pop()
    groups: list[tuple[Value, list[str]]] = []
    for r, val in rs:
        if groups and _value_key(groups[-1][0]) == _value_key(val):
            groups[-1][1].append(g.var(("fire", r)))
        else:
            groups.append((val, [g.var(("fire", r))]))
    out = code(default)
    for val, fs in reversed(groups):
        cond = fs[0] if len(fs) == 1 else "(" + " or ".join(fs) + ")"
        if isinstance(val, bool) and out in ("True", "False") and out == repr(not val):
            out = cond if val else f"(not {cond})"
        else:
            out = f"({code(val)} if {cond} else {out})"
    return out


def _emit_conflict(g: _Codegen, lines: list[str], idx: int, outcome: str, slot, rs) -> None:
    if len({_value_key(v) for _r, v in rs}) < 2:
        return
    fs = [g.var(("fire", r)) for r, _v in rs]
    cands = "(" + ", ".join(f"({r!r}, {g.const(v) if not isinstance(v, str) else repr(v)}, {f})"
                            for (r, v), f in zip(rs, fs)) + ",)"
    lines.append(f"    if {' + '.join(fs)} > 1:")
    lines.append(f"        _conflict(conf, {idx}, {outcome!r}, {slot!r}, {cands})")


def _input_loads(g: _Codegen) -> list[str]:
    lines = []
    if len(g.inputs) > 1:  # one C call for all the lookups (KeyError names the missing input)
        lines.append(f"    {', '.join(g.inputs.values())} = {g.const(itemgetter(*g.inputs))}(tx)")
    for path, v in g.inputs.items():
        if len(g.inputs) == 1:
            lines.append(f"    {v} = tx[{path!r}]")
        if path in g.pair_inputs:
            # the slots _numerator/_denominator skip the property calls (CPython's fractions module)
            n, q = "n" + v[1:], "q" + v[1:]
            lines.append(f"    if {v}.__class__ is _Fraction: {n} = {v}._numerator; {q} = {v}._denominator")
            lines.append(f"    else: {n}, {q} = _nd({v})")
        if path in g.value_inputs and isinstance(g.model.inputs[path].type, Num):
            # integral Fractions become ints (int arithmetic is several times faster)
            lines.append(f"    if {v}.__class__ is _Fraction and {v}._denominator == 1: {v} = {v}._numerator")
    for name, code in g.hoisted.values():
        lines.append(f"    {name} = {code}")
    return lines


def _nd(x) -> tuple[int, int]:
    f = Fraction(x)
    return f.numerator, f.denominator


def _namespace(g: _Codegen) -> dict[str, Any]:
    ns: dict[str, Any] = dict(g.consts)
    ns.update(_new=object.__new__, _set=object.__setattr__, _bisect=bisect_right, _compress=compress, _Fraction=Fraction, _Trace=Trace,
              _key=_value_key, _sorted=sorted, _frozenset=frozenset, _nd=_nd, _val=_val)
    exec(_CONFLICT_HELPER, ns)
    return ns


@dataclass
class Compiled:
    """A model compiled to one Python function `run(tx) -> Trace`, and its source (for debugging).

    `outcomes(tx) -> (outcomes, conflicts)` is `run` without the rest of the Trace (for callers
    that want no explanation); the outcomes dict is shared between transactions that fail the
    same conditions, so it must not be changed."""
    run: Callable[[dict[str, Value]], Trace]
    outcomes: Callable[[dict[str, Value]], tuple[dict[str, Value], tuple]]
    source: str
    params: dict[str, Value]
    rules: dict
    defs: dict


def compile_model(model: Model) -> Compiled:
    """Compile the model (cached on the Model; recompiled if its parameters change)."""
    cached = model.__dict__.get("_earl_compiled")
    if cached is not None and cached.rules is model.rules and cached.defs is model.defs \
            and cached.params == model.params:
        return cached
    g = _Codegen(model)
    roots = [("app", r) for r in model.rules] + [("fire", r) for r in model.rules] + \
            [("out", o) for o in model.outcomes]
    order = _order(model, roots)
    rule_names = tuple(model.rules)
    comma = "," if rule_names else ""
    # run(tx): definitions and rule conditions, and only those firings and outcomes that they
    # read. Everything else in the Trace (fired, outcomes, conflicts, applicable, first_failing)
    # is a function of which condition fails first in each rule: that is encoded as one int k
    # (mixed radix, digit = index of the first failing condition, len(conditions) if the rule
    # applies), and _finish(k) computes the rest, memoised on k (there are few distinct ones).
    weights: dict[str, int] = {}
    w = 1
    for r in rule_names:
        weights[r] = w
        w *= len(model.rules[r].conditions) + 1
    body: list[str] = []
    _emit_body(g, order, body, only=_needed(model, order), conflicts=False, weights=weights)
    head = _input_loads(g) + _drop_unread_sets(g, body)
    lines = ["def run(tx):", "    k = 0"] + head
    # the frozen Trace is filled by object.__setattr__ directly (the dataclass __init__ wraps the
    # same calls in a Python frame); the dicts are copied: every Trace owns its own
    lines += [
        f"    m = _memo.get(k)",
        f"    if m is None: m = _miss(k)",
        f"    t = _new(_Trace)",
        f"    _set(t, 'outcomes', m[0].copy()); _set(t, 'applicable', m[1]); _set(t, 'fired', m[2])",
        f"    _set(t, 'first_failing', m[3].copy()); _set(t, 'conflicts', m[4])",
        f"    return t",
        "",
        # the same body without building a Trace: the memoised entry's outcomes are shared
        "def outcomes(tx):", "    k = 0", *head,
        f"    m = _memo.get(k)",
        f"    if m is None: m = _miss(k)",
        f"    return m[0], m[4]",
    ]
    fin = [f"def _finish(k):", f"    conf = []", f"    ff = {{}}"]
    failing = {}
    for r in rule_names:
        n = len(model.rules[r].conditions)
        a = g.var(("app", r))
        if n:
            fin.append(f"    k, e = divmod(k, {n + 1})")
            fin.append(f"    {a} = e == {n}")
            failing[r] = n
            fin.append(f"    e{a[1:]} = e")
        else:
            fin.append(f"    {a} = True")
    _emit_body(g, order, fin, kinds=("fire", "out"))
    outs = ", ".join(f"{name!r}: {g.var(('out', name))}" for name in model.outcomes)
    apps = ", ".join(g.var(("app", r)) for r in rule_names)
    fires = ", ".join(g.var(("fire", r)) for r in rule_names)
    for kind, name in order:  # first_failing in the order the rules are evaluated
        if kind == "app" and name in failing:
            e = "e" + g.var(("app", name))[1:]
            fin.append(f"    if {e} < {failing[name]}: ff[{name!r}] = {e}")
    fin += [
        f"    return ({{{outs}}}, _frozenset(_compress(_names, ({apps}{comma}))),",
        f"            _frozenset(_compress(_names, ({fires}{comma}))), ff,",
        f"            tuple(c for _k, c in _sorted(conf)) if conf else ())",
    ]
    source = "\n".join(lines) + "\n\n" + "\n".join(fin) + "\n"
    ns = _namespace(g)
    memo: dict[int, tuple] = {}

    def miss(key: int) -> tuple:
        if len(memo) >= 1 << 16:
            memo.clear()
        out = memo[key] = ns["_finish"](key)
        return out

    ns.update(_memo=memo, _miss=miss, _names=rule_names)
    exec(compile(source, f"<earl model {model.reading}>", "exec"), ns)
    compiled = Compiled(run=ns["run"], outcomes=ns["outcomes"], source=source,
                        params=dict(model.params), rules=model.rules, defs=model.defs)
    model.__dict__["_earl_compiled"] = compiled
    return compiled


def _to_value(v: Any) -> Value:
    if isinstance(v, int) and not isinstance(v, bool):
        return Fraction(v)
    return v


def compile_expr(model: Model, expr: Expr) -> Callable[[dict[str, Value]], Value]:
    """Compile one expression over the model (cached); the function takes a complete transaction."""
    compiled = compile_model(model)  # validates the model and keeps the cache fresh
    cache = model.__dict__.get("_earl_expr_cache")
    if cache is None or cache[0] is not compiled:
        cache = (compiled, {})
        model.__dict__["_earl_expr_cache"] = cache
    # keyed by identity (hashing a deep frozen expression costs more than evaluating it); the
    # entry keeps the expression alive, so its id cannot be reused while cached
    hit = cache[1].get(id(expr))
    if hit is not None and hit[0] is expr:
        return hit[1]
    g = _Codegen(model)
    result = g.expr(expr)  # registers the inputs and nodes it reads
    roots = sorted(d for d in walk.refs(expr) if d[0] not in ("input", "param"))
    order = _order(model, roots)
    body: list[str] = []
    _emit_body(g, order, body, conflicts=False)
    result = g.expr(expr)
    lines = ["def value(tx):"] + _input_loads(g) + _drop_unread_sets(g, body) + \
            [f"    return {result}"]
    source = "\n".join(lines) + "\n"
    ns = _namespace(g)
    exec(compile(source, "<earl expression>", "exec"), ns)
    inner = ns["value"]

    def fn(tx: dict[str, Value]) -> Value:
        try:
            return _to_value(inner(tx))
        except KeyError as e:
            raise EvalError(f"incomplete transaction: no value for input {e.args[0]!r}") from None

    cache[1][id(expr)] = (expr, fn)
    return fn


def compile_outcomes(model: Model, names: Iterable[str]) -> Callable[[dict[str, Value]], dict[str, Value]]:
    """A function computing only the named outcomes of a complete transaction (a dict, in the
    order given): only the definitions and rules they depend on are compiled, and no conflict
    is looked for (`run_outcomes` reports conflicts)."""
    names = tuple(names)
    for name in names:
        if name not in model.outcomes:
            raise EvalError(f"no outcome named {name!r}")
    g = _Codegen(model)
    order = _order(model, [("out", name) for name in names])
    g.whole_refs.update(names)
    body: list[str] = []
    _emit_body(g, order, body, conflicts=False)
    result = "{" + ", ".join(f"{name!r}: {g.var(('out', name))}" for name in names) + "}"
    lines = ["def outcomes(tx):"] + _input_loads(g) + _drop_unread_sets(g, body) + [f"    return {result}"]
    ns = _namespace(g)
    exec(compile("\n".join(lines) + "\n", f"<earl outcomes {model.reading}>", "exec"), ns)
    inner = ns["outcomes"]

    def fn(tx: dict[str, Value]) -> dict[str, Value]:
        try:
            return inner(tx)
        except KeyError as e:
            raise EvalError(f"incomplete transaction: no value for input {e.args[0]!r}") from None
    return fn


# --------------------------------------------------------------------------- public API

def eval_expr(model: Model, tx: dict[str, Value], expr: Expr) -> Value:
    """The value of `expr` on a complete transaction (parameters from `model.params`)."""
    return compile_expr(model, expr)(tx)


def run(model: Model, tx: dict[str, Value]) -> Trace:
    """Determine one complete transaction."""
    fn = compile_model(model).run
    try:
        return fn(tx)
    except KeyError as e:
        raise EvalError(f"incomplete transaction: no value for input {e.args[0]!r}") from None


def run_batch(model: Model, transactions: Iterable[dict[str, Value]]) -> list[Trace]:
    fn = compile_model(model).run
    try:
        return [fn(tx) for tx in transactions]
    except KeyError as e:
        raise EvalError(f"incomplete transaction: no value for input {e.args[0]!r}") from None


def run_outcomes(model: Model, tx: dict[str, Value]) -> tuple[dict[str, Value], tuple]:
    """(outcomes, conflicts) of one complete transaction, as `run` decides them, without the rest
    of the Trace. The outcomes dict is shared (memoised): read it, never change it."""
    fn = compile_model(model).outcomes
    try:
        return fn(tx)
    except KeyError as e:
        raise EvalError(f"incomplete transaction: no value for input {e.args[0]!r}") from None


class Evaluator:
    """The reference evaluator as an Engine (solver/backend.py)."""
    name = "eval"

    def run(self, model: Model, transaction: dict[str, Value]) -> Trace:
        return run(model, transaction)

    def run_batch(self, model: Model, transactions: Iterable[dict[str, Value]]) -> list[Trace]:
        return run_batch(model, transactions)


# --------------------------------------------------------------------------- interpreter

class _Interp:
    """Tree-walking, memoised evaluation of one transaction (the simple statement of the semantics)."""

    def __init__(self, model: Model, tx: dict[str, Value]):
        self.model = model
        self.tx = tx
        self.memo: dict[tuple[str, str], Any] = {}
        self.busy: set[tuple[str, str]] = set()
        self.ov = _overriders(model)
        self.slots = slot_rules(model)

    def node(self, key: tuple[str, str], compute: Callable[[], Any]) -> Any:
        if key in self.memo:
            return self.memo[key]
        if key in self.busy:
            raise EvalError(f"dependency cycle through {key[0]} {key[1]}")
        self.busy.add(key)
        v = compute()
        self.busy.discard(key)
        self.memo[key] = v
        return v

    def first_failing(self, rule: str) -> int | None:
        if rule not in self.model.rules:
            raise EvalError(f"no rule named {rule!r} under reading {self.model.reading!r}")

        def compute():
            for i, c in enumerate(self.model.rules[rule].conditions):
                if not self.ev(c.expr):
                    return i
            return None
        return self.node(("app", rule), compute)

    def applies(self, rule: str) -> bool:
        return self.first_failing(rule) is None

    def fires(self, rule: str) -> bool:
        return self.node(("fire", rule), lambda: self.applies(rule)
                         and not any(self.fires(o) for o in self.ov[rule]))

    def slot(self, outcome: str, slot: str | None, default: Value) -> Value:
        for r, v in self.slots.get((outcome, slot), []):
            if self.fires(r):
                return v
        return default

    def outcome(self, name: str) -> Value:
        if name not in self.model.outcomes:
            raise EvalError(f"no outcome named {name!r}")

        def compute():
            decl = self.model.outcomes[name]
            if isinstance(decl.type, SetOf):
                default = decl.default.value or frozenset()
                elems = {s for (o, s) in self.slots if o == name} | set(default)
                return frozenset(e for e in elems if self.slot(name, e, e in default))
            return self.slot(name, None, decl.default.value)
        return self.node(("out", name), compute)

    def ev(self, e: Expr) -> Any:
        ev = self.ev
        if isinstance(e, Lit):
            return e.value
        if isinstance(e, InputRef):
            if e.path not in self.tx:
                raise EvalError(f"incomplete transaction: no value for input {e.path!r}")
            return self.tx[e.path]
        if isinstance(e, ParamRef):
            return self.model.params[e.name]
        if isinstance(e, DefRef):
            return self.node(("def", e.name), lambda: ev(self.model.defs[e.name]))
        if isinstance(e, OutcomeRef):
            return self.outcome(e.name)
        if isinstance(e, RuleApplies):
            return self.applies(e.rule)
        if isinstance(e, RuleFires):
            return self.fires(e.rule)
        if isinstance(e, Not):
            return not ev(e.arg)
        if isinstance(e, And):
            return all(ev(a) for a in e.args)
        if isinstance(e, Or):
            return any(ev(a) for a in e.args)
        if isinstance(e, Implies):
            return (not ev(e.premise)) or bool(ev(e.conclusion))
        if isinstance(e, Ite):
            return ev(e.then) if ev(e.cond) else ev(e.orelse)
        if isinstance(e, Cmp):
            a, b = ev(e.left), ev(e.right)
            return {"==": a == b, "!=": a != b}[e.op] if e.op in ("==", "!=") else \
                {"<": lambda: a < b, "<=": lambda: a <= b, ">": lambda: a > b,
                 ">=": lambda: a >= b}[e.op]()
        if isinstance(e, Arith):
            a, b = Fraction(ev(e.left)), Fraction(ev(e.right))
            return a + b if e.op == "+" else a - b if e.op == "-" else a * b
        if isinstance(e, MinMax):
            vals = [Fraction(ev(a)) for a in e.args]
            return max(vals) if e.op == "max" else min(vals)
        if isinstance(e, InGroup):
            return ev(e.country) in self.model.spec.group_tables[e.group].members_on(ev(e.date))
        if isinstance(e, InSet):
            return ev(e.element) in ev(e.collection)
        raise EvalError(f"unknown expression node {type(e).__name__}")


def interpret(model: Model, tx: dict[str, Value], expr: Expr) -> Value:
    """`eval_expr` by direct interpretation (slow; the tests' oracle for the compiler)."""
    return _to_value(_Interp(model, tx).ev(expr))


def run_interpreted(model: Model, tx: dict[str, Value]) -> Trace:
    """`run` by direct interpretation (slow; the tests' oracle for the compiler)."""
    it = _Interp(model, tx)
    outcomes = {name: it.outcome(name) for name in model.outcomes}
    applicable = frozenset(r for r in model.rules if it.applies(r))
    fired = frozenset(r for r in model.rules if it.fires(r))
    ff = {r: it.first_failing(r) for r in model.rules if not it.applies(r)}
    conflicts = []
    order = {name: i for i, name in enumerate(model.outcomes)}
    for (outcome, slot), rs in it.slots.items():
        firing = [(r, v) for r, v in rs if it.fires(r)]
        if len({_value_key(v) for _r, v in firing}) > 1:
            conflicts.append(((order[outcome], slot or ""),
                              (outcome, slot, tuple(sorted(r for r, _v in firing)))))
    return Trace(outcomes=outcomes, applicable=applicable, fired=fired, first_failing=ff,
                 conflicts=tuple(c for _k, c in sorted(conflicts)))
