"""IR expressions to z3 terms: the Compiler (one Model's semantics over a VarPool's variables).

Definitions, rule applicability and firing, outcome slots and conflicts are z3 terms built once
per compiler and kept. Every expression carries its type (`expr.type`); the compiler reads it and
infers nothing. Two modes:
- inline: every name is expanded into its body (used for concrete runs: one packed term whose
  value under a z3 model encodes the whole trace, run.py);
- tracked: each rule's applicability and firing and each definition is a fresh constant, tied to
  its meaning by an axiom under a tracking literal named after the provision, so an unsat core
  names the provisions a proof relies on (prove.py).

An outcome slot takes the value of the first firing rule (in the model's rule order) that
concludes it, else the outcome's default; firing rules that conclude different values for one
slot are reported as a conflict.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any, Iterable

import z3

from ... import ir
from ..trace import slot_rules
from .encode import CompileError, VarPool, fresh

# --------------------------------------------------------------------------- compiler

SetTerm = dict  # member -> z3 Bool


@dataclass
class Tracked:
    """An axiom asserted under a tracking literal: `kind` is "rule" or "def"."""
    literal: z3.BoolRef
    kind: str
    name: str
    axioms: list = field(default_factory=list)


class Compiler:
    """One Model's semantics as z3 terms over a VarPool's variables."""

    def __init__(self, model: ir.Model, pool: VarPool, *, tracked: bool = False, tag: str = ""):
        self.model = model
        self.spec = model.spec
        self.pool = pool
        self.cc = pool.cc
        self.tracked = tracked
        self.tag = tag
        self._expr_cache: dict[ir.Expr, Any] = {}
        self._def_cache: dict[str, Any] = {}
        self._applies: dict[str, z3.BoolRef] = {}
        self._fires: dict[str, z3.BoolRef] = {}
        self._conds: dict[str, list[z3.BoolRef]] = {}
        self._outcomes: dict[str, Any] = {}
        self.tracks: dict[str, Tracked] = {}   # tracking-literal name -> Tracked
        # tracked mode: the name of each fresh constant standing for a provision -> its track's
        # label (so a query can find which tracked axioms a term relies on)
        self.track_const: dict[str, str] = {}
        self._slot_rules = slot_rules(model)
        if model.in_force_from is not None and "date" in pool.inputs:
            # proofs range over the dates on which the spec is in force
            pool.domain.append(pool.inputs["date"] >= model.in_force_from.toordinal())

    # ------------------------------------------------------------------ expressions

    def expr(self, e: ir.Expr) -> Any:
        hit = self._expr_cache.get(e)
        if hit is not None:
            return hit
        out = self._expr(e)
        self._expr_cache[e] = out
        return out

    def _expr(self, e: ir.Expr) -> Any:
        if isinstance(e, ir.Lit):
            if isinstance(e.value, frozenset) and not isinstance(e.type, ir.SetOf):
                raise CompileError(f"a set literal {sorted(e.value)} where a {e.type} is expected")
            return self.pool.encode(e.type, e.value)
        if isinstance(e, ir.InputRef):
            return self.pool.inputs[e.path]
        if isinstance(e, ir.ParamRef):
            decl = self.spec.params[e.name]
            if e.name in self.model.free_params:
                return self.pool.param(e.name, decl)
            return self.pool.encode(decl.type, self.model.params[e.name])
        if isinstance(e, ir.DefRef):
            return self.definition(e.name)
        if isinstance(e, ir.OutcomeRef):
            return self.outcome(e.name)
        if isinstance(e, ir.Not):
            return z3.Not(self.expr(e.arg))
        if isinstance(e, ir.And):
            return z3.And(*[self.expr(a) for a in e.args]) if e.args else z3.BoolVal(True)
        if isinstance(e, ir.Or):
            return z3.Or(*[self.expr(a) for a in e.args]) if e.args else z3.BoolVal(False)
        if isinstance(e, ir.Implies):
            return z3.Implies(self.expr(e.premise), self.expr(e.conclusion))
        if isinstance(e, ir.Ite):
            c = self.expr(e.cond)
            a, b = self.expr(e.then), self.expr(e.orelse)
            if isinstance(a, dict):
                return {m: z3.If(c, a[m], b[m]) for m in a}
            return z3.If(c, a, b)
        if isinstance(e, ir.Cmp):
            return self._cmp(e)
        if isinstance(e, ir.Arith):
            a, b = self.expr(e.left), self.expr(e.right)
            if e.op == "+":
                return a + b
            if e.op == "-":
                return a - b
            if e.op == "*":
                return a * b
            raise CompileError(f"unknown operator {e.op}")
        if isinstance(e, ir.MinMax):
            args = [self.expr(a) for a in e.args]
            acc = args[0]
            for x in args[1:]:
                acc = z3.If(x > acc, x, acc) if e.op == "max" else z3.If(x < acc, x, acc)
            return acc
        if isinstance(e, ir.InGroup):
            return self._in_group(e)
        if isinstance(e, ir.InSet):
            return self._in_set(e)
        if isinstance(e, ir.RuleApplies):
            self._check_rule(e.rule)
            return self.applies(e.rule)
        if isinstance(e, ir.RuleFires):
            self._check_rule(e.rule)
            return self.fires(e.rule)
        raise CompileError(f"unsupported expression {e!r}")

    def _check_rule(self, name: str) -> None:
        if name not in self.model.rules:
            raise CompileError(f"rule {name!r} does not exist under reading {self.model.reading!r}")

    def _cmp(self, e: ir.Cmp) -> z3.BoolRef:
        a, b = self.expr(e.left), self.expr(e.right)
        if isinstance(a, dict) or isinstance(b, dict):
            if not (isinstance(a, dict) and isinstance(b, dict)):
                raise CompileError("a set compared with a non-set")
            members = sorted(set(a) | set(b))
            f = z3.BoolVal(False)
            eq = z3.And(*[a.get(m, f) == b.get(m, f) for m in members]) if members else z3.BoolVal(True)
            if e.op == "==":
                return eq
            if e.op == "!=":
                return z3.Not(eq)
            raise CompileError(f"sets cannot be compared with {e.op}")
        op = e.op
        if op == "==":
            return a == b
        if op == "!=":
            return a != b
        if op == "<":
            return a < b
        if op == "<=":
            return a <= b
        if op == ">":
            return a > b
        if op == ">=":
            return a >= b
        raise CompileError(f"unknown comparison {op}")

    def _in_group(self, e: ir.InGroup) -> z3.BoolRef:
        if e.group not in self.spec.groups:
            raise CompileError(f"unknown group {e.group!r}")
        c = self.expr(e.country)
        d = self.expr(e.date)
        patterns: dict[tuple, list[int]] = {}
        for i in range(len(self.cc)):
            ivs = self.cc.intervals_for(self.spec, e.group, i)
            if ivs:
                patterns.setdefault(ivs, []).append(i)
        disj = []
        for ivs, idxs in patterns.items():
            on_day = z3.Or(*[_interval(d, s, u) for s, u in ivs])
            disj.append(z3.And(_index_in(c, idxs), on_day))
        return z3.Or(*disj) if disj else z3.BoolVal(False)

    def _in_set(self, e: ir.InSet) -> z3.BoolRef:
        ct = e.collection.type
        elem_t = e.element.type
        if isinstance(e.collection, ir.Lit) and isinstance(e.collection.value, frozenset):
            if isinstance(e.element, ir.Lit):
                return z3.BoolVal(e.element.value in e.collection.value)
            x = self.expr(e.element)
            if isinstance(elem_t, ir.Bool):
                raise CompileError("a bool tested for membership of a set")
            return z3.Or(*[x == self.pool.encode(elem_t, v) for v in sorted(e.collection.value)]) \
                if e.collection.value else z3.BoolVal(False)
        if not isinstance(ct, ir.SetOf):
            raise CompileError(f"`in` over a {ct}")
        s = self.expr(e.collection)
        if isinstance(e.element, ir.Lit):
            return s.get(e.element.value, z3.BoolVal(False))
        x = self.expr(e.element)
        t = elem_t if isinstance(elem_t, ir.Enum) else ir.Enum(ct.enum)
        return z3.Or(*[z3.And(x == self.pool.enum_index(t, m), b) for m, b in s.items()]) \
            if s else z3.BoolVal(False)

    # ------------------------------------------------------------------ names

    def _track(self, kind: str, name: str, *axioms: z3.BoolRef) -> None:
        label = f"{self.tag}{kind}:{name}"
        t = self.tracks.get(label)
        if t is None:
            t = Tracked(z3.Bool(f"@track:{label}"), kind, name)
            self.tracks[label] = t
        t.axioms.extend(axioms)

    def definition(self, name: str) -> Any:
        hit = self._def_cache.get(name)
        if hit is not None:
            return hit
        if name not in self.model.defs:
            raise CompileError(f"unknown definition {name!r}")
        t = self.spec.defs[name].type
        if not self.tracked:
            out = self.expr(self.model.defs[name])
            self._def_cache[name] = out
            return out
        label = f"{self.tag}def:{name}"
        if isinstance(t, ir.SetOf):
            out = {m: z3.Bool(f"{self.tag}def:{name}[{m}]") for m in self.spec.enums[t.enum].members}
            for m in out:
                self.track_const[f"{self.tag}def:{name}[{m}]"] = label
        else:
            out = fresh(f"{self.tag}def:{name}", t)
            self.track_const[f"{self.tag}def:{name}"] = label
        self._def_cache[name] = out   # before the body: the checker forbids cycles
        body = self.expr(self.model.defs[name])
        if isinstance(out, dict):
            self._track("def", name, *[out[m] == body[m] for m in out])
        else:
            self._track("def", name, out == body)
        return out

    def conditions(self, rule: str) -> list[z3.BoolRef]:
        hit = self._conds.get(rule)
        if hit is None:
            r = self.model.rules[rule]
            hit = [self.expr(c.expr) for c in r.conditions]
            self._conds[rule] = hit
        return hit

    def applies(self, rule: str) -> z3.BoolRef:
        hit = self._applies.get(rule)
        if hit is not None:
            return hit
        if self.tracked:
            v = z3.Bool(f"{self.tag}applies:{rule}")
            self._applies[rule] = v
            self.track_const[f"{self.tag}applies:{rule}"] = f"{self.tag}rule:{rule}"
            conds = self.conditions(rule)
            self._track("rule", rule, v == (z3.And(*conds) if conds else z3.BoolVal(True)))
            return v
        conds = self.conditions(rule)
        v = z3.And(*conds) if conds else z3.BoolVal(True)
        self._applies[rule] = v
        return v

    def fires(self, rule: str) -> z3.BoolRef:
        hit = self._fires.get(rule)
        if hit is not None:
            return hit
        overriders = self.model.overriders(rule)
        if self.tracked:
            v = z3.Bool(f"{self.tag}fires:{rule}")
            self._fires[rule] = v
            self.track_const[f"{self.tag}fires:{rule}"] = f"{self.tag}rule:{rule}"
            body = z3.And(self.applies(rule), *[z3.Not(self.fires(o)) for o in overriders])
            self._track("rule", rule, v == body)
            return v
        v = self.applies(rule)
        if overriders:
            v = z3.And(v, *[z3.Not(self.fires(o)) for o in overriders])
        self._fires[rule] = v
        return v

    def concluders(self, outcome: str, slot: str | None) -> list[tuple[str, ir.Value]]:
        return self._slot_rules.get((outcome, slot), [])

    def slots(self, outcome: str) -> list[str | None]:
        t = self.spec.outcomes[outcome].type
        if isinstance(t, ir.SetOf):
            return list(self.spec.enums[t.enum].members)
        return [None]

    def outcome(self, name: str) -> Any:
        hit = self._outcomes.get(name)
        if hit is not None:
            return hit
        decl = self.spec.outcomes[name]
        t = decl.type
        if isinstance(t, ir.SetOf):
            default = decl.default.value or frozenset()
            out = {}
            for m in self.spec.enums[t.enum].members:
                term = z3.BoolVal(m in default)
                for rname, value in reversed(self.concluders(name, m)):
                    term = z3.If(self.fires(rname), z3.BoolVal(bool(value)), term)
                out[m] = term
        else:
            out = self.pool.encode(t, decl.default.value)
            for rname, value in reversed(self.concluders(name, None)):
                out = z3.If(self.fires(rname), self.pool.encode(t, value), out)
        self._outcomes[name] = out
        return out

    def conflict(self, outcome: str, slot: str | None) -> z3.BoolRef:
        """Two firing rules conclude different values for this slot."""
        cs = self.concluders(outcome, slot)
        pairs = [z3.And(self.fires(a), self.fires(b))
                 for i, (a, va) in enumerate(cs) for (b, vb) in cs[i + 1:] if va != vb]
        return z3.Or(*pairs) if pairs else z3.BoolVal(False)


def constant_names(terms: Iterable[z3.ExprRef]) -> set[str]:
    """The names of the uninterpreted constants the terms contain (a walk of the shared term
    graph, each node once)."""
    seen: set[int] = set()
    out: set[str] = set()
    stack = []
    ctx = None
    for t in terms:
        ctx = t.ctx.ref()
        stack.append(t.as_ast())
    get_id, kind, nargs, arg = z3.Z3_get_ast_id, z3.Z3_get_ast_kind, z3.Z3_get_app_num_args, z3.Z3_get_app_arg
    app = z3.Z3_APP_AST
    while stack:
        a = stack.pop()
        i = get_id(ctx, a)
        if i in seen:
            continue
        seen.add(i)
        if kind(ctx, a) != app:
            continue
        n = nargs(ctx, a)
        if n:
            stack.extend(arg(ctx, a, k) for k in range(n))
            continue
        d = z3.Z3_get_app_decl(ctx, a)
        if z3.Z3_get_decl_kind(ctx, d) == z3.Z3_OP_UNINTERPRETED:
            out.add(z3.Z3_get_symbol_string(ctx, z3.Z3_get_decl_name(ctx, d)))
    return out


def _interval(d: z3.ArithRef, since: datetime.date | None, until: datetime.date | None) -> z3.BoolRef:
    parts = []
    if since is not None:
        parts.append(d >= since.toordinal())
    if until is not None:
        parts.append(d < until.toordinal())
    return z3.And(*parts) if parts else z3.BoolVal(True)


def _index_in(c: z3.ArithRef, idxs: list[int]) -> z3.BoolRef:
    """`c` is one of the (sorted) indices, as a disjunction of ranges."""
    runs: list[list[int]] = []
    for i in idxs:
        if runs and runs[-1][1] == i - 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return z3.Or(*[(c == lo) if lo == hi else z3.And(c >= lo, c <= hi) for lo, hi in runs])

