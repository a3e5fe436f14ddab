"""The code generator: a model (or one expression) as straight-line Python source.

Every definition and rule condition becomes one statement, in dependency order (order.py), so a
transaction computes each once. Numbers are compared exactly as integer numerator/denominator
pairs, cross-multiplied (no Fraction arithmetic); country groups are looked up by the
transaction's date in the group's table (`ir.GroupTable`), hoisted when the date is an input.
An outcome a condition reads is computed in place: the first firing rule's value, else the
default, which is `trace.decide`'s statement of a slot (tests/test_evaluate.py checks the two
agree). compiled.py and outcomes.py turn the source into functions.
"""
from __future__ import annotations

from bisect import bisect_right
from fractions import Fraction
from itertools import compress
from math import gcd
from operator import itemgetter
from typing import Any

from ...ir import (And, Arith, Cmp, DefRef, Expr, Implies, InGroup, InputRef, InSet, Ite, Lit,
                   MinMax, Model, Not, Num, OutcomeRef, Or, ParamRef, RuleApplies, RuleFires,
                   SetOf, Value, walk)
from ..store import Identity
from ..trace import Trace, slot_rules, value_key
from .interpreter import Interpreter
from .order import Dependencies, EvalError, Node


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


class Codegen:
    """Python code for the expressions of one model; it records the inputs, constants and
    hoisted group lookups the code reads, for `input_loads` and `namespace`."""

    def __init__(self, model: Model):
        self.model = model
        self.deps = Dependencies(model)
        self.consts: dict[str, Any] = {}
        self._const_ids: dict[Any, str] = {}
        self.inputs: dict[str, str] = {}      # path -> variable (every input read, either form)
        self.value_inputs: set[str] = set()   # read as a value (int or Fraction)
        self.pair_inputs: set[str] = set()    # read as numerator n<k> / denominator q<k>
        self.pair_defs: dict[str, tuple[str, int, tuple[str, ...]]] = {}
        self.whole_refs: set[str] = set()     # outcomes read as values (not just set membership)
        self.rule_index = {name: i for i, name in enumerate(model.rules)}
        self.overridden = {name: bool(o) for name, o in self.deps.overriders.items()}
        self.def_index = {name: i for i, name in enumerate(model.defs)}
        self.out_index = {name: i for i, name in enumerate(model.outcomes)}
        self.hoisted: dict[tuple[str, str], tuple[str, str]] = {}
        self._const_memo: dict[Identity, bool] = {}

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

    def var(self, node: Node) -> str:
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

    def constant(self, e: Expr) -> Any:
        """The value of an expression that reads no input (`is_const`)."""
        return Interpreter(self.model, {}).value(e)

    def is_const(self, e: Expr) -> bool:
        """No input, definition, outcome or rule is read: folded at compile time."""
        if isinstance(e, (Lit, ParamRef)):
            return True
        key = Identity(e)
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
                c = self.constant(e)
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
            return self.lit(self.constant(e))
        if isinstance(e, Cmp):
            code = self.pair_cmp(e)
            if code is not None:
                return code
        if isinstance(e, Cmp) and e.op in ("==", "!=", "<", "<=", ">", ">="):
            # exact comparison with a non-integral constant p/q, in integers: L op p/q <=> L*q op p
            for const_side, other, flip in ((e.right, e.left, False), (e.left, e.right, True)):
                if self.is_const(const_side):
                    c = self.constant(const_side)
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
                el = self.constant(e.element)
                elems = _set_elems(self.model, col.name)
                if el not in elems:
                    return "False"
                return f"{self.var(('out', col.name))}_{elems.index(el)}"
            return f"({x(e.element)} in {x(e.collection)})"
        raise EvalError(f"unknown expression node {type(e).__name__}")


_SET_TAG = "# set outcome "


def _set_elems(model: Model, name: str) -> list[str]:
    """A set outcome's decided elements (concluded by some rule, or in the default), sorted."""
    default = model.outcomes[name].default.value or frozenset()
    return sorted({s for (o, s) in slot_rules(model) if o == name} | set(default))


def drop_unread_sets(g: Codegen, lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        i = line.find(_SET_TAG)
        if i >= 0:
            if line[i + len(_SET_TAG):] not in g.whole_refs:
                continue
            line = line[:i].rstrip()
        out.append(line)
    return out


def emit_body(g: Codegen, order: list[Node], lines: list[str], only=None,
              weights: dict[str, int] | None = None) -> None:
    """Statements computing the nodes of `order` (fire/out nodes only if in `only`, when given). A rule's applicability is a<k> (bool); with `weights`, the index of its
    first failing condition i (len(conditions) when it applies) is added to `k` as i * weight."""
    model = g.model
    slots = slot_rules(model)
    ov = g.deps.overriders
    for node in order:
        kind, name = node
        if only is not None and kind in ("fire", "out") and node not in only:
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
            lines.append("    else:")
            lines.append(f"        {v} = True{add(len(rule.conditions))}")
        elif kind == "fire":
            v = g.var(node)
            a = g.var(("app", name))
            if ov[name]:
                lines.append(f"    {v} = {a} and not ({' or '.join(g.var(('fire', o)) for o in ov[name])})")
        elif kind == "out":
            decl = model.outcomes[name]
            v = g.var(node)
            if isinstance(decl.type, SetOf):
                default = decl.default.value or frozenset()
                elems = _set_elems(model, name)
                exprs = []
                for j, el in enumerate(elems):  # one bool variable per element: o<k>_<j>
                    rs = slots.get((name, el), [])
                    lines.append(f"    {v}_{j} = {_slot_expr(g, rs, el in default)}")
                    exprs.append(f"{v}_{j}")
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


def _slot_expr(g: Codegen, rs: list[tuple[str, Value]], default: Value) -> str:
    """The first firing rule's value, else the default: trailing rules concluding the default are
    dropped, and adjacent rules concluding the same value share one test (f<k> are bools)."""
    def code(v):
        return g.lit(v) if not isinstance(v, (int, Fraction)) or isinstance(v, bool) else g.const(v)
    rs = list(rs)
    while rs and value_key(rs[-1][1]) == value_key(default):
        rs.pop()
    groups: list[tuple[Value, list[str]]] = []
    for r, val in rs:
        if groups and value_key(groups[-1][0]) == value_key(val):
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


def input_loads(g: Codegen) -> list[str]:
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


def namespace(g: Codegen) -> dict[str, Any]:
    ns: dict[str, Any] = dict(g.consts)
    ns.update(_new=object.__new__, _set=object.__setattr__, _bisect=bisect_right, _compress=compress,
              _Fraction=Fraction, _Trace=Trace, _nd=_nd, _val=_val)
    return ns
