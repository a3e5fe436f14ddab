"""The z3 backend: a `Model` compiled to SMT terms.

A symbolic transaction has one z3 constant per input (and per free parameter):
- bool → Bool; number → Real (integer → Int, unless the query relaxes integrality); date → Int
  (the date's ordinal); country → Int over signature-class indices (solver/countries.py);
  enum → Int over member indices (an optional enum's `none` is the index after the last member).
- set-valued expressions are Python dicts member → Bool term (one slot per element).
Numbers are exact: literals become z3 rationals built from numerator and denominator.

Definitions, rule applicability and firing, outcome slots and conflicts are z3 terms built once
per compiler and cached. Two modes:
- inline: every name is expanded into its body (used for concrete runs: one packed term whose
  value under a z3 model encodes the whole trace);
- tracked: each rule's applicability and firing and each definition is a fresh constant, tied to
  its meaning by an axiom under a tracking literal named after the provision, so an unsat core
  names the provisions a proof relies on (proofs.py).

An outcome slot takes the value of the first firing rule (in the model's rule order) that
concludes it, else the outcome's default; firing rules that conclude different values for one
slot are reported as a conflict.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Iterable

import z3

from .. import ir
from .countries import CountryClasses
from .trace import Trace

_MIN_ORD = 1
_MAX_ORD = datetime.date.max.toordinal()


class CompileError(ValueError):
    """The model uses a construct the z3 backend cannot encode (a checker bug upstream)."""


def q(x: Fraction | int) -> z3.ArithRef:
    """An exact z3 rational (or integer) constant."""
    x = Fraction(x)
    if x.denominator == 1:
        return z3.RealVal(x.numerator)
    return z3.Q(x.numerator, x.denominator)


# --------------------------------------------------------------------------- variables

class VarPool:
    """The symbolic transaction and free parameters, shared by every model compiled into one query
    (so two readings or two specs are compared on the same transaction)."""

    def __init__(self, spec: ir.Spec, cc: CountryClasses, *, relax_integers: bool = False,
                 prefix: str = ""):
        self.spec = spec
        self.cc = cc
        self.relax_integers = relax_integers
        self.prefix = prefix
        self.inputs: dict[str, z3.ExprRef] = {}
        self.params: dict[str, z3.ExprRef] = {}
        self.param_types: dict[str, ir.Type] = {}
        self.domain: list[z3.BoolRef] = []
        for path, decl in spec.inputs.items():
            self.inputs[path] = self._make(f"{prefix}{path}", decl.type, decl.minimum)

    def param(self, name: str, decl: ir.ParamDecl) -> z3.ExprRef:
        if name not in self.params:
            self.params[name] = self._make(f"{self.prefix}param:{name}", decl.type, decl.minimum)
            self.param_types[name] = decl.type
        return self.params[name]

    def _make(self, name: str, t: ir.Type, minimum: Fraction | None) -> z3.ExprRef:
        if isinstance(t, ir.Bool):
            return z3.Bool(name)
        if isinstance(t, ir.Num):
            v = z3.Int(name) if (t.integer and not self.relax_integers) else z3.Real(name)
            if minimum is not None:
                self.domain.append(v >= q(minimum))
            return v
        v = z3.Int(name)
        if isinstance(t, ir.Date):
            self.domain.append(z3.And(v >= _MIN_ORD, v <= _MAX_ORD))
        elif isinstance(t, ir.Country):
            self.domain.append(z3.And(v >= 0, v < len(self.cc)))
        elif isinstance(t, ir.Enum):
            n = len(self.spec.enums[t.name].members) + (1 if t.optional else 0)
            self.domain.append(z3.And(v >= 0, v < n))
        else:
            raise CompileError(f"an input or parameter of type {t} is not supported")
        return v

    # ------------------------------------------------------------------ values

    def encode(self, t: ir.Type, value: ir.Value) -> Any:
        """A concrete value as a z3 term (sets: dict member -> BoolVal)."""
        if isinstance(t, ir.Bool):
            return z3.BoolVal(bool(value))
        if isinstance(t, ir.Num):
            return q(value)
        if isinstance(t, ir.Date):
            return z3.IntVal(value.toordinal())
        if isinstance(t, ir.Country):
            try:
                return z3.IntVal(self.cc.class_of(value))
            except KeyError:
                raise CompileError(f"unknown country {value!r}") from None
        if isinstance(t, ir.Enum):
            return z3.IntVal(self.enum_index(t, value))
        if isinstance(t, ir.SetOf):
            members = self.spec.enums[t.enum].members
            bad = set(value) - set(members)
            if bad:
                raise CompileError(f"{sorted(bad)} not members of {t.enum}")
            return {m: z3.BoolVal(m in value) for m in members}
        raise CompileError(f"cannot encode a value of type {t}")

    def encode_as(self, var: z3.ExprRef, t: ir.Type, value: ir.Value) -> Any:
        """`encode`, in the sort of `var` (an `integer` input's whole value as an Int)."""
        if isinstance(t, ir.Num) and z3.is_int(var):
            x = Fraction(value)
            if x.denominator != 1:
                raise CompileError(f"{var} is a whole number, not {x}")
            return z3.IntVal(x.numerator)
        return self.encode(t, value)

    def enum_index(self, t: ir.Enum, value: ir.Value) -> int:
        members = self.spec.enums[t.name].members
        if value is None:
            if not t.optional:
                raise CompileError(f"none is not a value of {t}")
            return len(members)
        try:
            return members.index(value)
        except ValueError:
            raise CompileError(f"{value!r} is not a member of {t.name}") from None

    def decode(self, t: ir.Type, v: z3.ExprRef) -> ir.Value:
        """A z3 value (from a model, completed) back to an IR value. Raises ValueError for an
        irrational number (a nonlinear witness with no exact rational form)."""
        if isinstance(t, ir.Bool):
            return z3.is_true(v)
        if isinstance(t, ir.Num):
            return numeral(v)
        n = int(v.as_long())
        if isinstance(t, ir.Date):
            return datetime.date.fromordinal(n)
        if isinstance(t, ir.Country):
            return self.cc.representative(n)
        if isinstance(t, ir.Enum):
            members = self.spec.enums[t.name].members
            return None if n == len(members) else members[n]
        raise CompileError(f"cannot decode a value of type {t}")


def numeral(v: z3.ExprRef) -> Fraction:
    if z3.is_int_value(v):
        return Fraction(v.as_long())
    if z3.is_rational_value(v):
        return Fraction(v.numerator_as_long(), v.denominator_as_long())
    if z3.is_algebraic_value(v):
        raise ValueError(f"irrational value {v}")
    raise ValueError(f"not a numeral: {v}")


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
        # label (so a query can find which tracked axioms a term relies on: `track_labels`)
        self.track_const: dict[str, str] = {}
        self.rule_order = list(model.rules)
        self._concluders: dict[tuple[str, str | None], list[tuple[str, ir.Value]]] = {}
        for r in model.rules.values():
            for c in r.conclusions:
                self._concluders.setdefault((c.outcome, c.slot), []).append((r.name, c.value))
        if model.in_force_from is not None and "date" in pool.inputs:
            # proofs range over the dates on which the spec is in force
            pool.domain.append(pool.inputs["date"] >= model.in_force_from.toordinal())

    # ------------------------------------------------------------------ types

    def type_of(self, e: ir.Expr) -> ir.Type:
        if isinstance(e, ir.Lit):
            return e.type
        if isinstance(e, ir.InputRef):
            return self.spec.inputs[e.path].type
        if isinstance(e, ir.ParamRef):
            return self.spec.params[e.name].type
        if isinstance(e, ir.DefRef):
            return self.spec.defs[e.name].type
        if isinstance(e, ir.OutcomeRef):
            return self.spec.outcomes[e.name].type
        if isinstance(e, ir.Ite):
            t = self.type_of(e.then)
            return self.type_of(e.orelse) if isinstance(e.then, ir.Lit) else t
        if isinstance(e, (ir.Arith, ir.MinMax)):
            return ir.Num()
        return ir.Bool()

    # ------------------------------------------------------------------ expressions

    def expr(self, e: ir.Expr, hint: ir.Type | None = None) -> Any:
        key = (e, hint) if isinstance(e, ir.Lit) else e
        hit = self._expr_cache.get(key)
        if hit is not None:
            return hit
        out = self._expr(e, hint)
        self._expr_cache[key] = out
        return out

    def _lit(self, e: ir.Lit, hint: ir.Type | None) -> Any:
        t = e.type
        v = e.value
        if hint is not None and isinstance(v, (str, type(None), frozenset)) and not isinstance(hint, ir.Bool):
            t = hint
        if isinstance(v, frozenset) and not isinstance(t, ir.SetOf):
            raise CompileError(f"a set literal {sorted(v)} where a {t} is expected")
        return self.pool.encode(t, v)

    def _expr(self, e: ir.Expr, hint: ir.Type | None) -> Any:
        if isinstance(e, ir.Lit):
            return self._lit(e, hint)
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
            t = self.type_of(e)
            c = self.expr(e.cond)
            a, b = self.expr(e.then, t), self.expr(e.orelse, t)
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
        lt, rt = self.type_of(e.left), self.type_of(e.right)
        # literals take the type of the other side (strings are enum members or countries)
        lhint = rt if isinstance(e.left, ir.Lit) and not isinstance(e.right, ir.Lit) else None
        rhint = lt if isinstance(e.right, ir.Lit) and not isinstance(e.left, ir.Lit) else None
        a, b = self.expr(e.left, lhint), self.expr(e.right, rhint)
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
        c = self.expr(e.country, ir.Country())
        d = self.expr(e.date, ir.Date())
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
        ct = self.type_of(e.collection)
        elem_t = self.type_of(e.element)
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
            out = self.expr(self.model.defs[name], t)
            self._def_cache[name] = out
            return out
        label = f"{self.tag}def:{name}"
        if isinstance(t, ir.SetOf):
            out = {m: z3.Bool(f"{self.tag}def:{name}[{m}]") for m in self.spec.enums[t.enum].members}
            for m in out:
                self.track_const[f"{self.tag}def:{name}[{m}]"] = label
        else:
            out = _fresh(f"{self.tag}def:{name}", t, self.pool)
            self.track_const[f"{self.tag}def:{name}"] = label
        self._def_cache[name] = out   # before the body: the checker forbids cycles
        body = self.expr(self.model.defs[name], t)
        if isinstance(out, dict):
            self._track("def", name, *[out[m] == body[m] for m in out])
        else:
            self._track("def", name, out == body)
        return out

    def conditions(self, rule: str) -> list[z3.BoolRef]:
        hit = self._conds.get(rule)
        if hit is None:
            r = self.model.rules[rule]
            hit = [self.expr(c.expr, ir.Bool()) for c in r.conditions]
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
        return self._concluders.get((outcome, slot), [])

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


def _fresh(name: str, t: ir.Type, pool: VarPool) -> z3.ExprRef:
    if isinstance(t, ir.Bool):
        return z3.Bool(name)
    if isinstance(t, ir.Num):
        return z3.Real(name)
    return z3.Int(name)


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


# --------------------------------------------------------------------------- concrete runs

class _Runner:
    """A Model compiled once (inline) into one packed integer term that encodes, digit by digit,
    each rule's first failing condition and whether it fires; a run assigns the inputs in a z3
    model and evaluates that single term."""

    def __init__(self, model: ir.Model):
        self.model = model
        cc = CountryClasses.of(model)
        self.pool = VarPool(model.spec, cc)
        self.comp = Compiler(model, self.pool)
        for name in model.free_params:
            self.comp.expr(model.spec.param_ref(name))
        self.rules = list(model.rules)
        digits = []
        self.layout: list[tuple[str, int, int]] = []   # rule, n conditions, weight
        weight = 1
        for r in self.rules:
            conds = self.comp.conditions(r)
            n = len(conds)
            term = z3.IntVal(n)
            for i in reversed(range(n)):
                term = z3.If(conds[i], term, z3.IntVal(i))
            fires = z3.If(self.comp.fires(r), z3.IntVal(n + 1), term) if self.model.overriders(r) else \
                z3.If(self.comp.applies(r), z3.IntVal(n + 1), term)
            # digit: i < n = first failing condition; n = applies but defeated; n+1 = fires
            digits.append(fires * weight if weight != 1 else fires)
            self.layout.append((r, n, weight))
            weight *= n + 2
        # simplified once (an equivalent, smaller term: every run evaluates it)
        self.packed = z3.simplify(z3.Sum(*digits)) if digits else z3.IntVal(0)
        self.zmodel = z3.Model()
        self._values: dict = {}
        # one entry per input, then per free parameter: (name, variable, declaration AST, type)
        self._input_slots = [(p, v, v.decl().ast, model.spec.inputs[p].type) for p, v in self.pool.inputs.items()]
        self._param_slots = [(n, v, v.decl().ast, self.pool.param_types[n]) for n, v in self.pool.params.items()]
        self._assigned: list = [None] * (len(self._input_slots) + len(self._param_slots))
        self._ctx = self.packed.ctx_ref()
        self._ast = self.packed.as_ast()
        self.slots: list[tuple[str, str | None, list[tuple[str, ir.Value]]]] = []
        for o in model.outcomes:
            for s in self.comp.slots(o):
                self.slots.append((o, s, self.comp.concluders(o, s)))
        self._decoded: dict[int, tuple] = {}    # packed value -> decoded trace parts

    def _value_ast(self, i: int, var: z3.ExprRef, t: ir.Type, value: ir.Value):
        """The AST of `value` in the sort of slot i's variable (kept alive by the cache)."""
        key = (i, value if not isinstance(value, frozenset) else tuple(sorted(value)))
        hit = self._values.get(key)
        if hit is None:
            term = self.pool.encode_as(var, t, value)
            hit = (term, term.as_ast())      # keep the Python object: it owns the reference
            if len(self._values) < 100_000:
                self._values[key] = hit
        return hit

    def _assign(self, i: int, var: z3.ExprRef, decl, t: ir.Type, value: ir.Value) -> None:
        ast = self._value_ast(i, var, t, value)[1]
        # the z3 model holds a reference to each value assigned, so an equal address is the same
        # (hash-consed) value: nothing to do
        if self._assigned[i] != ast.value:
            _add_const_interp(self._ctx, self.zmodel.model, decl, ast)
            self._assigned[i] = ast.value

    def run(self, tx: dict[str, ir.Value]) -> Trace:
        ctx = self._ctx
        n_inputs = len(self._input_slots)
        try:
            for i, (path, var, decl, t) in enumerate(self._input_slots):
                try:
                    value = tx[path]
                except KeyError:
                    raise ValueError(f"the transaction has no value for input {path!r}") from None
                self._assign(i, var, decl, t, value)
            for j, (name, var, decl, t) in enumerate(self._param_slots):
                self._assign(n_inputs + j, var, decl, t, self.model.params[name])
        except BaseException:
            self._assigned = [None] * len(self._assigned)   # unsure what the model now holds
            raise
        code = _get_error_code(ctx)   # the assignments skip z3py's per-call error check
        if code != z3.Z3_OK:
            self._assigned = [None] * len(self._assigned)
            raise z3.Z3Exception(z3.Z3_get_error_msg(ctx, code))
        r = z3.Ast(0)
        if not z3.Z3_model_eval(ctx, self.zmodel.model, self._ast, True, z3.byref(r)):
            raise RuntimeError("z3 could not evaluate the model")   # pragma: no cover
        packed = int(z3.Z3_get_numeral_string(ctx, r))
        parts = self._decoded.get(packed)
        if parts is None:
            parts = self._decode(packed)
            if len(self._decoded) < 10_000:
                self._decoded[packed] = parts
        outcomes, applicable, fired, first_failing, conflicts = parts
        trace = _new(Trace)      # filled through __dict__, as the evaluator does: the frozen
        trace.__dict__.update(outcomes=dict(outcomes), applicable=applicable, fired=fired,
                              first_failing=dict(first_failing), conflicts=conflicts)
        return trace

    def _decode(self, packed: int) -> tuple:
        spec = self.model.spec
        applicable, fired, first_failing = set(), set(), {}
        for rule, n, weight in self.layout:
            d = (packed // weight) % (n + 2)
            if d < n:
                first_failing[rule] = d
            else:
                applicable.add(rule)
                if d == n + 1:
                    fired.add(rule)
        outcomes: dict[str, ir.Value] = {}
        conflicts = []
        sets: dict[str, set] = {}
        for o, slot, cs in self.slots:
            decl = spec.outcomes[o]
            firing = [(rn, v) for rn, v in cs if rn in fired]
            if slot is None:
                outcomes[o] = firing[0][1] if firing else decl.default.value
            else:
                s = sets.setdefault(o, set())
                present = firing[0][1] if firing else slot in (decl.default.value or frozenset())
                if present:
                    s.add(slot)
            if len({v for _, v in firing}) > 1:
                conflicts.append((o, slot, tuple(sorted(rn for rn, _ in firing))))
        for o, s in sets.items():
            outcomes[o] = frozenset(s)
        if len(conflicts) > 1:
            order = {o: i for i, o in enumerate(spec.outcomes)}
            conflicts.sort(key=lambda c: (order[c[0]], c[1] or ""))
        outcomes = {o: outcomes[o] for o in spec.outcomes}
        return outcomes, frozenset(applicable), frozenset(fired), first_failing, tuple(conflicts)


def _unchecked(api):
    """The C function behind a z3py API wrapper, without the wrapper's error check after every
    call (the run loop checks the error code once per run); the checked wrapper if this z3py
    does not expose it."""
    elementaries = (getattr(api, "__defaults__", None) or (None,))[-1]
    return getattr(elementaries, "f", None) or api


_add_const_interp = _unchecked(z3.Z3_add_const_interp)
_get_error_code = z3.Z3_get_error_code
_new = object.__new__


def _runner(model: ir.Model) -> _Runner:
    """The model's compiled runner, cached on the Model (recompiled if its parameters or rules
    were changed since)."""
    key = (tuple(model.params.items()), model.free_params, id(model.rules), len(model.rules),
           id(model.defs), len(model.defs))
    hit = model.__dict__.get("_earl_smt_runner")
    if hit is not None and hit[0] == key:
        return hit[1]
    made = _Runner(model)
    model.__dict__["_earl_smt_runner"] = (key, made)
    return made


class SmtEngine:
    """The z3 engine: concrete runs by model evaluation of one packed term, proofs by z3."""
    name = "smt"

    def run(self, model: ir.Model, transaction: dict[str, ir.Value]) -> Trace:
        return _runner(model).run(transaction)

    def run_batch(self, model: ir.Model, transactions: Iterable[dict[str, ir.Value]]) -> list[Trace]:
        runner = _runner(model)
        return [runner.run(tx) for tx in transactions]

    def valid(self, model: ir.Model, claim: ir.Expr, *, timeout_ms: int = 10_000):
        from .proofs import valid
        return valid(model, claim, timeout_ms=timeout_ms)
