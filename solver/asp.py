"""The clingo (answer set programming) backend: determinations in batches, and exhaustive search.

The Model is compiled to one logic program (built from the typed objects of asp_program.py),
parameterised by a transaction id `T`, so a whole batch is grounded and solved in one call:

    tx(T)                      a transaction
    inp(T,I,V)                 finite input I (enum, bool, country class) has value id V
    atom(T,K)                  numeric atom K is true (decided in Python, see numeric.py)
    ceq(T,K)                   the two country inputs of pair K are the same country
    h(T,N) / v(T,N,V) / m(T,N,E)   boolean node N holds / finite node N has value V /
                               set node N contains element E (one node per subexpression)
    pre(T,R,I)                 the first I conditions of rule R hold
    ff(T,R,I)                  condition I is the first of rule R to fail
    applies(T,R), fires(T,R), defeated(T,R)
    cand(T,S,R,V)              firing rule R concludes value V for slot S
    val(T,S,V)                 slot S has value V (the first firing rule's, else the default)
    conflict(T,S)              firing rules conclude two values for slot S

For a proof (`valid`) the same rules run on one transaction whose inputs are guessed, each input
separately: every finite input over its domain (countries over signature classes), and every
component of numeric atoms over the truth combinations z3 proved feasible. No quantity of the
spec ever reaches clingo: only ids and truth values do (numeric.py explains why that is sound).
An answer set is turned back into a concrete transaction (class representatives, component
witnesses, free atoms' variables) and replayed through the reference evaluator before it is
reported.

Each model is grounded once per engine (weakly keyed): searches share one kept Control to which
every claim adds a small part behind `#external` switches (_SearchBase), and single
determinations use a ground-once program whose inputs are externals (_Runner).
"""
from __future__ import annotations

import dataclasses
import datetime
import time
import weakref
from fractions import Fraction
from typing import Iterable

import clingo

from . import numeric
from .asp_program import (Atom, Choice, Compare, External, Facts, Int, Minimize, Neg, Rule, Show,
                          Statement, Succ, Var, fact, render_program)
from .countries import CountryClasses, question_countries
from ..ir import (And, Bool, Cmp, Country, Date, DefRef, Enum, Expr, Implies, InGroup, InputRef,
                 InSet, Ite, Lit, Model, Not, Num, Or, OutcomeRef, ParamRef, RuleApplies,
                 RuleFires, SetOf, Type, Value)
from .numeric import AtomLit, NumericAbstraction
from .results import Instance, Proof, Result, Unknown
from .replay import replay
from .trace import Trace

__all__ = ["AspEngine", "AspError", "AspCompiler"]

T, V, W, R, R2, S, I, N, E, C, K, J = (Var(x) for x in "T V W R R2 S I N E C K J".split())


class AspError(Exception):
    """The model uses a construct the clingo backend does not support."""


def _h(t, n):
    return Atom.of("h", t, n)


def _negate(lit):
    return lit.atom if isinstance(lit, Neg) else Neg(lit)


# --------------------------------------------------------------------------- the compiler

class AspCompiler:
    """Compiles one Model (under one numeric abstraction) to rules over transaction ids."""

    def __init__(self, model: Model, abstraction: NumericAbstraction | None = None, *,
                 all_slots: bool = False, countries: Iterable[str] = ()):
        """all_slots: derive val/3 for every slot up front (not only those a condition reads),
        so expressions compiled later never need a `ref/1` fact the grounded rules missed.
        countries: codes a claim names, each then a value of its own (its answer must be that
        very country, not another member of its signature class)."""
        self.model = model
        self.abs = abstraction or numeric.abstraction(model)
        self.classes = CountryClasses.of(model).refined(countries)
        self.rules_out: list[Statement] = []
        self._memo: dict[tuple[str, object], int] = {}
        self._nodes = 0
        # ids
        self.rule_ids = {name: i for i, name in enumerate(model.rules)}
        self.rule_names = list(model.rules)
        self._values: dict[tuple[str, object], int] = {("b", False): 0, ("b", True): 1}
        self.value_of: dict[int, Value] = {0: False, 1: True}
        self.finite_vars: dict[str, int] = {}      # "input:path"/"param:name" -> id
        self.finite_types: dict[str, Type] = {}
        self.country_pairs: dict[tuple[str, str], int] = {}
        self.intervals: dict[tuple[object, object, object], int] = {}
        self.groups: dict[tuple[str, object], int] = {}
        self._refs: set[int] = set()
        self._slots()
        if all_slots:
            for sid in range(len(self.slot_ids)):
                self._refs.add(sid)
                self.rules_out.append(fact("ref", sid))
        self._rules()

    # ---------------------------------------------------------------- ids

    def vid(self, value: Value) -> int:
        """The id of a non-country value (enum member, none, bool, number)."""
        if isinstance(value, bool):
            return int(value)
        key = ("n", Fraction(value)) if isinstance(value, (int, Fraction)) else ("v", value)
        if key not in self._values:
            self._values[key] = len(self._values)
            self.value_of[self._values[key]] = value
        return self._values[key]

    def node(self) -> int:
        self._nodes += 1
        return self._nodes - 1

    def emit(self, head: Atom | None, *body) -> None:
        self.rules_out.append(Rule(head, tuple(body)))

    def type_of(self, e) -> Type:
        if isinstance(e, AtomLit):
            return Bool()
        return self.abs.type_of(e)

    # ---------------------------------------------------------------- slots and rules

    def _slots(self) -> None:
        m = self.model
        self.slot_ids: dict[tuple[str, str | None], int] = {}
        self.slot_default: dict[int, int] = {}
        self.slots_of: dict[str, list[tuple[str, int]]] = {}   # set outcome -> [(elem, slot)]
        concluded: dict[str, set] = {}
        for r in m.rules.values():
            for c in r.conclusions:
                concluded.setdefault(c.outcome, set()).add(c.slot)
        for name, decl in m.outcomes.items():
            if isinstance(decl.type, Country):
                raise AspError(f"outcome {name}: country-valued outcomes are not supported")
            if isinstance(decl.type, SetOf):
                default = decl.default.value or frozenset()
                elems = sorted({s for s in concluded.get(name, ()) if s is not None} | set(default))
                self.slots_of[name] = []
                for el in elems:
                    sid = self.slot_ids[(name, el)] = len(self.slot_ids)
                    self.slot_default[sid] = int(el in default)
                    self.slots_of[name].append((el, sid))
            else:
                sid = self.slot_ids[(name, None)] = len(self.slot_ids)
                self.slot_default[sid] = self.vid(decl.default.value)
        for sid, d in self.slot_default.items():
            self.rules_out.append(fact("sdef", sid, d))
        self.conclusions: dict[int, list[tuple[int, int]]] = {}   # slot -> [(rule, value)]
        for r in m.rules.values():
            rid = self.rule_ids[r.name]
            for c in r.conclusions:
                sid = self.slot_ids[(c.outcome, c.slot)]
                val = int(bool(c.value)) if c.slot is not None else self.vid(c.value)
                self.rules_out.append(fact("concl", rid, sid, val))
                self.conclusions.setdefault(sid, []).append((rid, val))

    def _rules(self) -> None:
        m = self.model
        out = self.rules_out
        tx = Atom.of("tx", T)
        for name, rule in m.rules.items():
            rid = self.rule_ids[name]
            for victim in rule.overrides:
                if victim in self.rule_ids:
                    out.append(fact("ovr", rid, self.rule_ids[victim]))
            # The conditions in order: pre(T,R,I) = the first I hold. Only a first failing
            # condition other than the first is derived (ffn); "not applicable and no ffn"
            # means the first condition failed.
            conds = self.abs.conditions[name]
            prev: Atom = tx
            for i, c in enumerate(conds):
                lit = self.lit(c)
                if i > 0:
                    self.emit(Atom.of("ffn", T, rid, i), prev, _negate(lit))
                nxt = Atom.of("pre", T, rid, i + 1) if i + 1 < len(conds) else \
                    Atom.of("applies", T, rid)
                self.emit(nxt, prev, lit)
                prev = nxt
            if not conds:
                self.emit(Atom.of("applies", T, rid), tx)
        self.emit(Atom.of("fires", T, R), Atom.of("applies", T, R), Neg(Atom.of("defeated", T, R)))
        self.emit(Atom.of("defeated", T, R), Atom.of("ovr", R2, R), Atom.of("fires", T, R2))
        self.emit(Atom.of("cand", T, S, R, V), Atom.of("fires", T, R), Atom.of("concl", R, S, V))
        self.emit(Atom.of("beaten", T, S, R), Atom.of("cand", T, S, R, V),
                  Atom.of("cand", T, S, R2, W), Compare(R2, "<", R))
        self.emit(Atom.of("dval", T, S, V), Atom.of("cand", T, S, R, V),
                  Neg(Atom.of("beaten", T, S, R)))
        self.emit(Atom.of("decided", T, S), Atom.of("cand", T, S, R, V))
        # val/3 (a slot's value, default included) only for slots a condition reads (ref/1)
        self.emit(Atom.of("val", T, S, V), Atom.of("dval", T, S, V), Atom.of("ref", S))
        self.emit(Atom.of("val", T, S, V), Atom.of("tx", T), Atom.of("ref", S),
                  Atom.of("sdef", S, V), Neg(Atom.of("decided", T, S)))
        self.emit(Atom.of("ndval", T, S, V), Atom.of("dval", T, S, V), Neg(Atom.of("sdef", S, V)))
        self.emit(Atom.of("conflict", T, S), Atom.of("cand", T, S, R, V),
                  Atom.of("cand", T, S, R2, W), Compare(V, "!=", W))

    def lit(self, e) -> Atom | Neg:
        """A body literal for the boolean expression `e`: the leaf itself where `e` is a leaf
        (no node of its own), else the node's h/2 atom."""
        if isinstance(e, AtomLit):
            return Atom.of("atom", T, e.atom)
        if isinstance(e, InputRef):
            return Atom.of("inp", T, self.finite_var("input:" + e.path, Bool()), 1)
        if isinstance(e, OutcomeRef):
            return Atom.of("val", T, self.slot_ref(e.name, None), 1)
        if isinstance(e, RuleApplies):
            return Atom.of("applies", T, self._rule(e.rule))
        if isinstance(e, RuleFires):
            return Atom.of("fires", T, self._rule(e.rule))
        if isinstance(e, Not):
            inner = self.lit(e.arg)
            if isinstance(inner, Atom):
                return Neg(inner)
        return _h(T, self.bool_node(e))

    def slot_ref(self, outcome: str, slot) -> int:
        """The id of a slot a condition reads (its val/3 is derived)."""
        sid = self.slot_ids[(outcome, slot)]
        if sid not in self._refs:
            self._refs.add(sid)
            self.rules_out.append(fact("ref", sid))
        return sid

    # ---------------------------------------------------------------- expressions

    def _memoised(self, kind: str, e, build) -> int:
        key = (kind, e)
        n = self._memo.get(key)
        if n is None:
            n = self._memo[key] = self.node()
            build(n)
        return n

    def bool_node(self, e) -> int:
        return self._memoised("h", e, lambda n: self._bool(n, e))

    def value_node(self, e) -> int:
        return self._memoised("v", e, lambda n: self._value(n, e))

    def set_node(self, e) -> int:
        return self._memoised("m", e, lambda n: self._set(n, e))

    def finite_var(self, name: str, type_: Type) -> int:
        if name not in self.finite_vars:
            self.finite_vars[name] = len(self.finite_vars)
            self.finite_types[name] = type_
        return self.finite_vars[name]

    def _bool(self, n: int, e) -> None:
        tx = Atom.of("tx", T)
        head = _h(T, n)
        if isinstance(e, Lit):
            if e.value is True:
                self.emit(head, tx)
        elif isinstance(e, AtomLit):
            self.emit(head, Atom.of("atom", T, e.atom))
        elif isinstance(e, InputRef):
            self.emit(head, Atom.of("inp", T, self.finite_var("input:" + e.path, Bool()), 1))
        elif isinstance(e, ParamRef):
            self.emit(head, Atom.of("inp", T, self.finite_var("param:" + e.name, Bool()), 1))
        elif isinstance(e, DefRef):
            self.emit(head, tx, self.lit(self.abs.defs[e.name]))
        elif isinstance(e, OutcomeRef):
            self.emit(head, Atom.of("val", T, self.slot_ref(e.name, None), 1))
        elif isinstance(e, RuleApplies):
            self.emit(head, Atom.of("applies", T, self._rule(e.rule)))
        elif isinstance(e, RuleFires):
            self.emit(head, Atom.of("fires", T, self._rule(e.rule)))
        elif isinstance(e, Not):
            self.emit(head, tx, _negate(self.lit(e.arg)))
        elif isinstance(e, And):
            self.emit(head, tx, *(self.lit(a) for a in e.args))
        elif isinstance(e, Or):
            for a in e.args:
                self.emit(head, tx, self.lit(a))
        elif isinstance(e, Implies):
            self.emit(head, tx, _negate(self.lit(e.premise)))
            self.emit(head, tx, self.lit(e.conclusion))
        elif isinstance(e, Ite):
            c = self.lit(e.cond)
            self.emit(head, tx, c, self.lit(e.then))
            self.emit(head, tx, _negate(c), self.lit(e.orelse))
        elif isinstance(e, Cmp):
            self._compare(n, e)
        elif isinstance(e, InSet):
            self._inset(n, e)
        elif isinstance(e, InGroup):
            g = self._group(e.group, e.date)
            self.emit(head, self._country(e.country, C), Atom.of("memiv", g, C, I),
                      Atom.of("ivh", T, I))
        else:
            raise AspError(f"unsupported boolean expression: {e}")

    def _rule(self, name: str) -> int:
        if name not in self.rule_ids:
            raise AspError(f"no rule {name!r} under reading {self.model.reading!r}")
        return self.rule_ids[name]

    def _compare(self, n: int, e: Cmp) -> None:
        if e.op == "!=":
            self._bool(n, Not(Cmp("==", e.left, e.right)))
            return
        if e.op != "==":
            raise AspError(f"ordering comparison on a non-numeric value: {e}")
        head = _h(T, n)
        tl, tr = self.type_of(e.left), self.type_of(e.right)
        if isinstance(tl, Bool):
            a, b = self.lit(e.left), self.lit(e.right)
            self.emit(head, Atom.of("tx", T), a, b)
            self.emit(head, Atom.of("tx", T), _negate(a), _negate(b))
        elif isinstance(tl, SetOf) or isinstance(tr, SetOf):
            a, b = self.set_node(e.left), self.set_node(e.right)
            diff = Atom.of("nd", T, n)
            self.emit(diff, Atom.of("m", T, a, E), Neg(Atom.of("m", T, b, E)))
            self.emit(diff, Atom.of("m", T, b, E), Neg(Atom.of("m", T, a, E)))
            self.emit(head, Atom.of("tx", T), Neg(diff))
        elif isinstance(tl, Country) or isinstance(tr, Country):
            left, right = (e.left, e.right) if not isinstance(e.left, Lit) else (e.right, e.left)
            if isinstance(right, Lit):
                self.emit(head, self._country(left, Int(self._named_class(right.value))))
            elif isinstance(left, InputRef) and isinstance(right, InputRef):
                self.emit(head, Atom.of("ceq", T, self._pair(left.path, right.path)))
            else:
                raise AspError(f"comparison of two computed countries is not supported: {e}")
        else:
            if isinstance(e.right, Lit):
                self.emit(head, Atom.of("v", T, self.value_node(e.left), self.vid(e.right.value)))
            elif isinstance(e.left, Lit):
                self.emit(head, Atom.of("v", T, self.value_node(e.right), self.vid(e.left.value)))
            else:
                self.emit(head, Atom.of("v", T, self.value_node(e.left), V),
                          Atom.of("v", T, self.value_node(e.right), V))

    def _pair(self, a: str, b: str) -> int:
        key = tuple(sorted((a, b)))
        for path in key:
            self.finite_var("input:" + path, Country())
        if key not in self.country_pairs:
            self.country_pairs[key] = len(self.country_pairs)
        return self.country_pairs[key]

    def _named_class(self, code: str) -> int:
        i = self.classes.class_of(code)
        if len(self.classes.classes[i]) != 1:
            raise AspError(f"country {code} is named but shares its class: the classes are wrong")
        return i

    def _country(self, e, var) -> Atom:
        """An atom binding `var` to the class of the country expression `e`."""
        if isinstance(e, InputRef):
            return Atom.of("inp", T, self.finite_var("input:" + e.path, Country()), var)
        if isinstance(e, Lit):
            return Atom.of("v", T, self.value_node(e), var)
        return Atom.of("v", T, self.value_node(e), var)

    def _inset(self, n: int, e: InSet) -> None:
        head = _h(T, n)
        coll = e.collection
        el_type = self.type_of(e.element)
        if isinstance(coll, Lit):
            for member in sorted(coll.value, key=repr):
                if isinstance(el_type, Country):
                    self.emit(head, self._country(e.element, Int(self._named_class(member))))
                else:
                    self.emit(head, Atom.of("v", T, self.value_node(e.element), self.vid(member)))
        else:
            self.emit(head, Atom.of("v", T, self.value_node(e.element), V),
                      Atom.of("m", T, self.set_node(coll), V))

    def _group(self, group: str, date_expr) -> int:
        key = (group, date_expr)
        if key in self.groups:
            return self.groups[key]
        gid = self.groups[key] = len(self.groups)
        for i in range(len(self.classes)):
            for since, until in self.classes.membership_intervals(i, group):
                self.rules_out.append(fact("memiv", gid, i, self._interval(date_expr, since, until)))
        return gid

    def _interval(self, date_expr, since, until) -> int:
        key = (date_expr, since, until)
        if key in self.intervals:
            return self.intervals[key]
        iid = self.intervals[key] = len(self.intervals)
        body = [Atom.of("tx", T)]
        if since is not None:
            body.append(_negate(self.lit(self.abs.date_before(date_expr, since))))
        if until is not None:
            body.append(self.lit(self.abs.date_before(date_expr, until)))
        self.emit(Atom.of("ivh", T, iid), *body)
        return iid

    def _value(self, n: int, e) -> None:
        head = Atom.of("v", T, n, V)
        t = self.type_of(e)
        if isinstance(t, Bool):
            b = self.lit(e)
            self.emit(Atom.of("v", T, n, 1), Atom.of("tx", T), b)
            self.emit(Atom.of("v", T, n, 0), Atom.of("tx", T), _negate(b))
        elif isinstance(e, Lit):
            vid = self._named_class(e.value) if isinstance(t, Country) else self.vid(e.value)
            self.emit(Atom.of("v", T, n, vid), Atom.of("tx", T))
        elif isinstance(e, InputRef):
            self.emit(head, Atom.of("inp", T, self.finite_var("input:" + e.path, t), V))
        elif isinstance(e, ParamRef):
            self.emit(head, Atom.of("inp", T, self.finite_var("param:" + e.name, t), V))
        elif isinstance(e, DefRef):
            self.emit(head, Atom.of("v", T, self.value_node(self.abs.defs[e.name]), V))
        elif isinstance(e, OutcomeRef):
            self.emit(head, Atom.of("val", T, self.slot_ref(e.name, None), V))
        elif isinstance(e, Ite):
            c = self.lit(e.cond)
            self.emit(head, Atom.of("v", T, self.value_node(e.then), V), c)
            self.emit(head, Atom.of("v", T, self.value_node(e.orelse), V), _negate(c))
        else:
            raise AspError(f"unsupported value expression: {e}")

    def _set(self, n: int, e) -> None:
        head = Atom.of("m", T, n, E)
        if isinstance(e, Lit):
            for member in sorted(e.value, key=repr):
                self.emit(Atom.of("m", T, n, self.vid(member)), Atom.of("tx", T))
        elif isinstance(e, OutcomeRef):
            for el, sid in self.slots_of[e.name]:
                self.emit(Atom.of("m", T, n, self.vid(el)),
                          Atom.of("val", T, self.slot_ref(e.name, el), 1))
        elif isinstance(e, DefRef):
            self.emit(head, Atom.of("m", T, self.set_node(self.abs.defs[e.name]), E))
        elif isinstance(e, Ite):
            c = self.lit(e.cond)
            self.emit(head, Atom.of("m", T, self.set_node(e.then), E), c)
            self.emit(head, Atom.of("m", T, self.set_node(e.orelse), E), _negate(c))
        else:
            raise AspError(f"unsupported set expression: {e}")

    # ---------------------------------------------------------------- transactions as facts

    def finite_value(self, name: str, value: Value) -> int:
        t = self.finite_types[name]
        if isinstance(t, Country):
            return self.classes.class_of(value)
        return self.vid(value)

    def signature(self, tx: dict[str, Value], params: dict[str, Value] | None = None) -> tuple:
        """A transaction as the engine sees it: the value id of every finite input (in
        finite_vars order), the truth value of every numeric atom, and of every country pair."""
        finite = []
        for name in self.finite_vars:
            kind, key = name.split(":", 1)
            value = tx[key] if kind == "input" else (params or {}).get(key, self.model.params[key])
            finite.append(self.finite_value(name, value))
        pairs = tuple(tx[a] == tx[b] for (a, b) in self.country_pairs)
        return tuple(finite), self.abs.decide(tx, params), pairs

    def base_program(self) -> list[Statement]:
        return list(self.rules_out)


# --------------------------------------------------------------------------- the engine

# Shown for a determination (kept few: reading symbols back costs more than solving): the
# applicable rules, first failing conditions other than the first, defeated rules, slot values
# other than the default, conflicts. The rest follows (see `_trace`).
_SHOW = [Show("applies", 2), Show("ffn", 3), Show("defeated", 2), Show("ndval", 3),
         Show("conflict", 2)]
# Shown for a search: the guessed inputs, combinations, country pairs and numeric atoms.
_SEARCH_SHOW = [Show("inp", 3), Show("combo", 3), Show("ceq", 2), Show("atom", 2)]


#: A batch with at most this many distinct abstract transactions is answered on the model's
#: ground-once determination program (externals switched per transaction, ~0.5 ms each);
#: a bigger one gets one program for the whole batch (grounding it costs more up front, each
#: transaction then costs less).
KEPT_RUN_MAX = 32


def _read_determination(symbols, applies, ffn, defeated, decided, conflicts, offset=0) -> None:
    """Sort the shown symbols of a determination answer set into per-transaction lists
    (transaction id + `offset` indexes them)."""
    # one C call per symbol (str) is cheaper than walking its arguments
    for text in map(str, symbols):
        p, _, rest = text.partition("(")
        args = rest[:-1].split(",")
        t = int(args[0]) + offset
        if p == "applies":
            applies[t].add(int(args[1]))
        elif p == "ffn":
            ffn[t][int(args[1])] = int(args[2])
        elif p == "defeated":
            defeated[t].add(int(args[1]))
        elif p == "ndval":
            decided[t][int(args[1])] = int(args[2])
        else:
            conflicts[t].append(int(args[1]))


class _Runner:
    """The determination program of one model grounded once for one transaction (id 0) whose
    inputs are `#external` atoms: every finite input value, every numeric atom and every country
    pair. A determination switches the externals that differ from the previous one and solves."""

    def __init__(self, engine: "AspEngine", comp: AspCompiler):
        self.comp = comp
        ext: dict[tuple, clingo.Symbol] = {}
        out: list[Statement] = comp.base_program() + [fact("tx", 0)]
        Num_ = clingo.Number

        def external(key, pred, *args):
            out.append(External(Atom.of(pred, 0, *args)))
            ext[key] = clingo.Function(pred, [Num_(0)] + [Num_(a) for a in args])
        for name, i in comp.finite_vars.items():
            for d in engine._domain(comp, name):
                external(("inp", i, d), "inp", i, d)
        for k in range(len(comp.abs.atoms)):
            external(("atom", k), "atom", k)
        for k in comp.country_pairs.values():
            external(("ceq", k), "ceq", k)
        self.externals = ext
        self.ctl = clingo.Control(["--warn=none"])
        self.ctl.add("base", [], render_program(out + _SHOW))
        self.ctl.ground([("base", [])])
        self.true: set[tuple] = set()       # the externals currently assigned true

    def keys_of(self, key: tuple) -> set[tuple] | None:
        """The externals that are true for an abstract transaction (None: a value outside the
        grounded domains, which only a program of its own can answer)."""
        finite, truth, pairs = key
        want = {("inp", i, v) for i, v in enumerate(finite)}
        want.update(("atom", k) for k, b in enumerate(truth) if b)
        want.update(("ceq", k) for k, b in enumerate(pairs) if b)
        return want if want <= self.externals.keys() else None

    def solve(self, want: set[tuple]):
        ctl, ext = self.ctl, self.externals
        for k in self.true - want:
            ctl.assign_external(ext[k], False)
        for k in want - self.true:
            ctl.assign_external(ext[k], True)
        self.true = want
        found = []
        with ctl.solve(yield_=True) as handle:
            for m in handle:
                found.append(m.symbols(shown=True))
        if len(found) != 1:
            raise AspError(f"the determination program has {len(found)} answer sets, not one")
        return found[0]


class _SearchBase:
    """The search program of one model grounded once in a kept clingo Control.

    The base part holds the rules (over transaction 0), the guess of every finite input the
    rules read, the numeric combinations and the objective. A claim adds a small part of its
    own: the nodes of its expression, the guesses of inputs and country pairs only claims read
    (each behind a `use/1` / `usep/1` external) and its goal behind a `goal/1` external. A query
    is one solve with its own externals assigned true; those of other claims stay false, so
    each answer is an answer of the program `AspEngine.search_program` builds for that claim
    alone: the same inputs guessed, the same costs minimised."""

    def __init__(self, engine: "AspEngine", model: Model, abs_: NumericAbstraction,
                 countries: Iterable[str] = ()):
        self.engine = engine
        self.model = model
        comp = self.comp = AspCompiler(model, abs_, all_slots=True, countries=countries)
        self.base_vars = frozenset(comp.finite_vars.values())
        self.base_pairs = frozenset(comp.country_pairs.values())
        self._vars_done: set[int] = set()
        self._idefref_done: set[int] = set()
        self._pairs_done: set[int] = set()
        self._triangles_done: set[tuple[int, int]] = set()
        self._emitted = 0                       # comp.rules_out already in the Control
        self._goals: dict[tuple[int, bool], int] = {}
        self._claims: dict[Expr, tuple[int, frozenset, frozenset]] = {}
        self._def_reads: dict[str, tuple[frozenset, frozenset]] = {}
        self._parts = 0
        self._pending: list[Statement] = []     # compiled, not yet grounded
        self.ctl = clingo.Control(["--warn=none", "--opt-strategy=usc", "--opt-mode=opt"])
        out: list[Statement] = [fact("tx", 0)]
        for i, cl in enumerate(comp.classes.classes):
            if len(cl) == 1:
                out.append(fact("single", i))
        out += self._new_statements()
        # numeric atoms: one feasible combination per component, free atoms guessed
        out += _numeric_statements(abs_)
        out += _SEARCH_SHOW
        self._ground("base", out)

    # ---------------------------------------------------------------- building

    def _ground(self, name: str, statements: list[Statement]) -> None:
        self.ctl.add(name, [], render_program(statements))
        self.ctl.ground([(name, [])])

    def _new_statements(self) -> list[Statement]:
        """Everything compiled since the last part: new rules and facts of the compiler, the
        guesses of new inputs and country pairs (guarded unless the rules read them), the
        cost terms that became complete."""
        comp, model, eng = self.comp, self.model, self.engine
        out: list[Statement] = list(comp.rules_out[self._emitted:])
        self._emitted = len(comp.rules_out)
        for name, i in comp.finite_vars.items():
            if i in self._vars_done:
                continue
            self._vars_done.add(i)
            kind, key = name.split(":", 1)
            if kind == "param" and key not in model.free_params:
                out.append(fact("inp", 0, i, comp.finite_value(name, model.params[key])))
                continue
            guard: tuple = ()
            if i not in self.base_vars:
                out.append(External(Atom.of("use", i)))
                guard = (Atom.of("use", i),)
            for d in eng._domain(comp, name):
                out.append(fact("dom", i, d))
            out.append(Choice(1, 1, Atom.of("inp", 0, i, V), (Atom.of("dom", i, V),), guard))
            # fewest inputs off their defaults (the tags 0/1/2 keep the three sums apart)
            default = eng._default_id(comp, name)
            if default is not None:
                out.append(Minimize(Int(1), 1, (Int(0), Int(0), Int(i)),
                                    (Atom.of("inp", 0, i, V), Compare(V, "!=", Int(default)))))
        for name, i in comp.finite_vars.items():
            kind, key = name.split(":", 1)
            if i in self._idefref_done or kind != "input":
                continue
            ref = model.inputs[key].default
            if not isinstance(ref, InputRef):
                self._idefref_done.add(i)
                continue
            j = comp.finite_vars.get("input:" + ref.path)
            if j is not None:      # counts only while both inputs are guessed
                self._idefref_done.add(i)
                out.append(Minimize(Int(1), 1, (Int(1), Int(0), Int(i)),
                                    (Atom.of("inp", 0, i, V), Atom.of("inp", 0, j, W),
                                     Compare(V, "!=", W))))
        # country pairs: same country only within one class; a singleton class forces it
        pairs = comp.country_pairs
        for (a, b), k in pairs.items():
            if k in self._pairs_done:
                continue
            self._pairs_done.add(k)
            ia, ib = comp.finite_vars["input:" + a], comp.finite_vars["input:" + b]
            guard = ()
            if k not in self.base_pairs:
                out.append(External(Atom.of("usep", k)))
                guard = (Atom.of("usep", k),)
            out.append(Choice(0, 1, Atom.of("ceq", 0, k), (), guard))
            out.append(Rule(None, (Atom.of("ceq", 0, k), Atom.of("inp", 0, ia, V),
                                   Atom.of("inp", 0, ib, W), Compare(V, "!=", W))))
            out.append(Rule(None, (Neg(Atom.of("ceq", 0, k)), Atom.of("inp", 0, ia, V),
                                   Atom.of("inp", 0, ib, V), Atom.of("single", V)) + guard))
        for (a, b), k1 in pairs.items():          # transitivity
            for (c, d), k2 in pairs.items():
                if k2 <= k1 or (k1, k2) in self._triangles_done or len({a, b} & {c, d}) != 1:
                    continue
                rest = tuple(sorted({a, b} ^ {c, d}))
                if rest in pairs:
                    self._triangles_done.add((k1, k2))
                    k3 = pairs[rest]
                    guard = () if k3 in self.base_pairs else (Atom.of("usep", k3),)
                    out.append(Rule(None, (Atom.of("ceq", 0, k1), Atom.of("ceq", 0, k2),
                                           Neg(Atom.of("ceq", 0, k3))) + guard))
        return out

    def _reads(self, e) -> tuple[frozenset, frozenset]:
        """The finite variables ("input:path", "param:name") and the country pairs an abstract
        expression reads, through definitions (rules' reads are the base's)."""
        names: set[str] = set()
        pairs: set[tuple[str, str]] = set()
        stack = [e]
        while stack:
            x = stack.pop()
            if isinstance(x, InputRef):
                names.add("input:" + x.path)
            elif isinstance(x, ParamRef):
                names.add("param:" + x.name)
            elif isinstance(x, DefRef):
                body = self.comp.abs.defs.get(x.name)
                if body is not None:
                    if x.name not in self._def_reads:
                        self._def_reads[x.name] = (frozenset(), frozenset())   # recursion guard
                        self._def_reads[x.name] = self._reads(body)
                    n, p = self._def_reads[x.name]
                    names |= n
                    pairs |= p
            elif isinstance(x, Lit):
                continue
            elif isinstance(x, tuple):
                stack.extend(x)
            elif dataclasses.is_dataclass(x) and not isinstance(x, type):
                if isinstance(x, Cmp) and isinstance(x.left, InputRef) \
                        and isinstance(x.right, InputRef):
                    pairs.add(tuple(sorted((x.left.path, x.right.path))))
                stack.extend(getattr(x, f.name) for f in dataclasses.fields(x))
        return frozenset(names), frozenset(pairs)

    def _claim(self, expr: Expr) -> tuple[int, frozenset, frozenset]:
        """(goal node, finite variable ids, country pair ids) of a claim, compiling it into a
        part of its own the first time."""
        hit = self._claims.get(expr)
        if hit is not None:
            return hit
        comp = self.comp
        abstract = comp.abs.abstract(expr)
        goal = comp.bool_node(abstract)
        statements = self._new_statements()
        names, pairs = self._reads(abstract)
        vids = frozenset(comp.finite_vars[n] for n in names if n in comp.finite_vars)
        pids = frozenset(comp.country_pairs[p] for p in pairs if p in comp.country_pairs)
        hit = self._claims[expr] = (goal, self.base_vars | vids, self.base_pairs | pids)
        self._pending += statements
        return hit

    def _goal(self, node: int, want: bool) -> clingo.Symbol:
        key = (node, want)
        if key not in self._goals:
            g = self._goals[key] = len(self._goals)
            h = _h(0, node)
            self._pending += [External(Atom.of("goal", g)),
                              Rule(None, (Atom.of("goal", g), Neg(h) if want else h))]
        return clingo.Function("goal", [clingo.Number(self._goals[key])])

    # ---------------------------------------------------------------- querying

    def search(self, expr: Expr, want: bool, timeout_ms: int) -> Result:
        deadline = time.monotonic() + timeout_ms / 1000
        goal, vids, pids = self._claim(expr)
        num = clingo.Number
        # this query's externals true for one solve (an external is false unless assigned;
        # as an assumption, a false external makes the problem unsatisfiable)
        on = [self._goal(goal, want)]
        on += [clingo.Function("use", [num(i)]) for i in sorted(vids - self.base_vars)]
        on += [clingo.Function("usep", [num(k)]) for k in sorted(pids - self.base_pairs)]
        if self._pending:           # the claim's and the goal's new statements: one part
            self._parts += 1
            self._ground(f"q{self._parts}", self._pending)
            self._pending = []
        best: list = []

        def on_model(m: clingo.Model):
            best[:] = [list(m.symbols(shown=True))]
        ctl = self.ctl
        for x in on:
            ctl.assign_external(x, True)
        try:
            with ctl.solve(on_model=on_model, async_=True) as handle:
                finished = handle.wait(max(0.0, deadline - time.monotonic()))
                if not finished:
                    handle.cancel()
                result = handle.get()
        finally:
            for x in on:
                ctl.assign_external(x, False)
        return self.engine._answer(self.comp, self.model, expr, want, best, finished, result,
                                   vids, pids)


def _numeric_statements(abs_: NumericAbstraction) -> list[Statement]:
    """The numeric part of a search program (transaction 0): one feasible combination per
    component (its witness's cost counted), and each free atom (numeric.FreeAtom) guessed on
    its own, under its reachability condition, costing one where its variable must leave its
    default."""
    out: list[Statement] = []
    for comp_ in abs_.components():
        n = len(comp_.atoms)
        for j, combo in enumerate(comp_.combinations):
            out.append(fact("cdom", comp_.id, j))
            cost = combo.cost if combo.witness is not None else 1000
            if cost:
                out.append(fact("ccost", comp_.id, j, cost))
            for k, b in zip(comp_.atoms, combo.values):
                if b:
                    out.append(fact("ctrue", comp_.id, j, k))
            for x, b in enumerate(combo.values[n:]):
                if b:
                    out.append(fact("caux", comp_.id, j, n + x))
        out.append(Choice(1, 1, Atom.of("combo", 0, comp_.id, J),
                          (Atom.of("cdom", comp_.id, J),)))
    out.append(Rule(Atom.of("atom", T, K), (Atom.of("combo", T, C, J),
                                             Atom.of("ctrue", C, J, K))))
    out.append(Minimize(W, 1, (Int(2), T, C),
                        (Atom.of("combo", T, C, J), Atom.of("ccost", C, J, W))))

    def holds(x, value: bool) -> tuple | None:
        """Body literals for "auxiliary atom (or constant) x has `value`" (None: never)."""
        if isinstance(x, bool):
            return () if x == value else None
        c, pos = abs_.aux_position(x)
        aux = Atom.of("caux", c, J, pos)
        return (Atom.of("combo", 0, c, J), aux if value else Neg(aux))
    for f in abs_.free_atoms():
        a = Atom.of("atom", 0, f.atom)
        out.append(Choice(0, 1, a, ()))
        lit_other = Neg(a) if f.always else a
        if f.reach is not None:            # the other value only where the smallest value has it
            cond = holds(f.reach, f.always)
            if cond is not None:
                out.append(Rule(None, (lit_other,) + cond))
        if f.at_default is not None:       # off the default unless it gives the atom's value
            for value in (True, False):
                cond = holds(f.at_default, not value)
                if cond is not None:
                    out.append(Minimize(Int(1), 1, (Int(3), Int(0), Int(f.atom)),
                                        ((a if value else Neg(a)),) + cond))
    return out


class AspEngine:
    """Determinations and proofs by clingo (Engine and Prover protocols of backend.py)."""

    name = "asp"

    def __init__(self):
        self._compilers: dict[int, tuple[object, AspCompiler]] = {}
        # per model (weakly referenced): the ground-once determination and search programs
        self._runners: dict[int, tuple[weakref.ref, _Runner]] = {}
        self._bases: dict[int, tuple[weakref.ref, NumericAbstraction, _SearchBase]] = {}
        self._fine_bases: dict[int, tuple[weakref.ref, NumericAbstraction, _SearchBase]] = {}

    def _kept(self, cache: dict, model: Model):
        hit = cache.get(id(model))
        if hit is not None and hit[0]() is model:
            return hit
        return None

    def _keep(self, cache: dict, model: Model, *values) -> None:
        key = id(model)
        cache[key] = (weakref.ref(model, lambda _r, c=cache, k=key: c.pop(k, None)), *values)

    def runner(self, model: Model) -> _Runner:
        """The model's determination program, grounded once (externals as inputs)."""
        comp = self.compiler(model)
        hit = self._kept(self._runners, model)
        if hit is not None and hit[1].comp is comp:
            return hit[1]
        runner = _Runner(self, comp)
        self._keep(self._runners, model, runner)
        return runner

    def search_base(self, model: Model, *, every_country: bool = False) -> _SearchBase:
        """The model's search program, grounded once (claims are added as parts); with
        `every_country`, over single countries rather than signature classes (for claims that
        name countries the spec does not: a second kept program, larger and slower, so claims
        that need no refinement keep the coarse one)."""
        abs_ = numeric.abstraction(model)
        cache = self._fine_bases if every_country else self._bases
        hit = self._kept(cache, model)
        if hit is not None and hit[1] is abs_:
            return hit[2]
        base = _SearchBase(self, model, abs_, model.spec.countries if every_country else ())
        self._keep(cache, model, abs_, base)
        return base

    def compiler(self, model: Model) -> AspCompiler:
        hit = self._compilers.get(id(model))
        abs_ = numeric.abstraction(model)
        if hit is not None and hit[0] is model and hit[1].abs is abs_:
            return hit[1]
        comp = AspCompiler(model, abs_)
        self._compilers[id(model)] = (model, comp)
        return comp

    # ---------------------------------------------------------------- determinations

    def run(self, model: Model, transaction: dict[str, Value]) -> Trace:
        return self.run_batch(model, [transaction])[0]

    def abstract_batch(self, model: Model, transactions: list[dict[str, Value]]
                       ) -> tuple[list[tuple], list[int]]:
        """The distinct abstract transactions of a batch (finite input values, atom truth values,
        country pairs), and for each transaction the index of its abstract one. Transactions
        with the same abstraction have the same trace, so each is solved once."""
        comp = self.compiler(model)
        keys: dict[tuple, int] = {}
        index = []
        for tx in transactions:
            key = comp.signature(tx)
            index.append(keys.setdefault(key, len(keys)))
        return list(keys), index

    def batch_program(self, model: Model, transactions: list[dict[str, Value]]) -> list[Statement]:
        """The whole program for a batch: the rules, then each distinct abstract transaction as
        facts (transaction ids index `abstract_batch(...)[0]`)."""
        return self._program(self.compiler(model), self.abstract_batch(model, transactions)[0])

    def _program(self, comp: AspCompiler, keys: list[tuple]) -> list[Statement]:
        inp, atoms, ceq = [], [], []
        for t, (finite, truth, pairs) in enumerate(keys):
            inp += [(t, i, v) for i, v in enumerate(finite)]
            atoms += [(t, k) for k, b in enumerate(truth) if b]
            ceq += [(t, k) for k, b in enumerate(pairs) if b]
        facts = [Facts("tx", tuple((t,) for t in range(len(keys)))),
                 Facts("inp", tuple(inp)), Facts("atom", tuple(atoms)), Facts("ceq", tuple(ceq))]
        return comp.base_program() + facts + _SHOW

    def run_batch(self, model: Model, transactions: Iterable[dict[str, Value]]) -> list[Trace]:
        all_txs = list(transactions)
        if not all_txs:
            return []
        comp = self.compiler(model)
        keys, index = self.abstract_batch(model, all_txs)
        n = len(keys)
        applies: list[set[int]] = [set() for _ in keys]
        ffn: list[dict[int, int]] = [{} for _ in keys]
        defeated: list[set[int]] = [set() for _ in keys]
        decided: list[dict[int, int]] = [{} for _ in keys]
        conflicts: list[list[int]] = [[] for _ in keys]
        kept = None
        if n <= KEPT_RUN_MAX:
            runner = self.runner(model)
            kept = [runner.keys_of(k) for k in keys]
            if any(w is None for w in kept):
                kept = None
        if kept is not None:
            for t, want in enumerate(kept):
                _read_determination(runner.solve(want), applies, ffn, defeated, decided,
                                    conflicts, offset=t)
        else:
            ctl = clingo.Control(["--warn=none"])
            ctl.add("base", [], render_program(self._program(comp, keys)))
            ctl.ground([("base", [])])
            with ctl.solve(yield_=True) as handle:
                models = 0
                for m in handle:
                    models += 1
                    _read_determination(m.symbols(shown=True), applies, ffn, defeated, decided,
                                        conflicts)
                if models != 1:
                    raise AspError(f"the determination program has {models} answer sets, not one")
        traces = [self._trace(comp, applies[t], ffn[t], defeated[t], decided[t], conflicts[t])
                  for t in range(n)]
        return [dataclasses.replace(traces[i], outcomes=dict(traces[i].outcomes),
                                    first_failing=dict(traces[i].first_failing))
                for i in index]

    def _trace(self, comp: AspCompiler, applies, ffn, defeated, decided, conflicts) -> Trace:
        names = comp.rule_names
        ff = {names[r]: ffn.get(r, 0) for r in range(len(names)) if r not in applies}
        fired = applies - defeated
        def slot_value(sid):
            return decided.get(sid, comp.slot_default[sid])
        outcomes: dict[str, Value] = {}
        for name, decl in comp.model.outcomes.items():
            if isinstance(decl.type, SetOf):
                outcomes[name] = frozenset(el for el, sid in comp.slots_of[name]
                                           if slot_value(sid) == 1)
            else:
                outcomes[name] = comp.value_of[slot_value(comp.slot_ids[(name, None)])]
        conf = []
        order = {name: i for i, name in enumerate(comp.model.outcomes)}
        slot_key = {sid: key for key, sid in comp.slot_ids.items()}
        for sid in set(conflicts):
            outcome, slot = slot_key[sid]
            rules = tuple(sorted(names[r] for r, _v in comp.conclusions[sid] if r in fired))
            conf.append(((order[outcome], slot or ""), (outcome, slot, rules)))
        return Trace(outcomes=outcomes,
                     applicable=frozenset(r for r in names if r not in ff),
                     fired=frozenset(names[r] for r in fired),
                     first_failing=ff,
                     conflicts=tuple(c for _k, c in sorted(conf)))

    # ---------------------------------------------------------------- search

    def valid(self, model: Model, claim: Expr, *, timeout_ms: int = 10_000) -> Result:
        """Proof that `claim` holds for every transaction and free parameter, or a replayed
        counterexample with the fewest inputs off their defaults, or Unknown."""
        return self._search(model, claim, want=False, timeout_ms=timeout_ms)

    def satisfiable(self, model: Model, expr: Expr, *, timeout_ms: int = 10_000) -> Result:
        """An Instance (replayed) where `expr` holds, or Proof that none exists, or Unknown."""
        return self._search(model, expr, want=True, timeout_ms=timeout_ms)

    def search_program(self, model: Model, expr: Expr, want: bool
                       ) -> tuple[AspCompiler, list[Statement]]:
        """The program whose answer sets are the transactions where `expr` is `want`."""
        abs_ = numeric.abstraction_for(model, expr)
        comp = AspCompiler(model, abs_, countries=question_countries(model, [expr]))
        goal = comp.bool_node(abs_.abstract(expr))
        t = 0
        out: list[Statement] = comp.base_program()
        out.append(fact("tx", t))
        out.append(Rule(None, (Neg(_h(t, goal)),) if want else (_h(t, goal),)))
        # every finite input and free finite parameter, guessed separately
        for name, i in comp.finite_vars.items():
            kind, key = name.split(":", 1)
            if kind == "param" and key not in model.free_params:
                out.append(fact("inp", t, i, comp.finite_value(name, model.params[key])))
                continue
            for d in self._domain(comp, name):
                out.append(fact("dom", i, d))
            out.append(Choice(1, 1, Atom.of("inp", t, i, V), (Atom.of("dom", i, V),)))
            default = self._default_id(comp, name)
            if default is not None:
                out.append(fact("idef", i, default))
            ref = comp.model.inputs[key].default if kind == "input" else None
            if isinstance(ref, InputRef):
                j = comp.finite_vars.get("input:" + ref.path)
                if j is not None:
                    out.append(fact("idefref", i, j))
        # fewest inputs off their defaults (the tags 0/1/2 keep the three sums apart)
        out.append(Minimize(Int(1), 1, (Int(0), T, I),
                            (Atom.of("inp", T, I, V), Atom.of("idef", I, W), Compare(V, "!=", W))))
        out.append(Minimize(Int(1), 1, (Int(1), T, I),
                            (Atom.of("inp", T, I, V), Atom.of("idefref", I, J),
                             Atom.of("inp", T, J, W), Compare(V, "!=", W))))
        # country pairs: same country only within one class; a singleton class forces it
        singles = [i for i, cl in enumerate(comp.classes.classes) if len(cl) == 1]
        for i in singles:
            out.append(fact("single", i))
        for (a, b), k in comp.country_pairs.items():
            ia, ib = comp.finite_vars["input:" + a], comp.finite_vars["input:" + b]
            out.append(Choice(0, 1, Atom.of("ceq", t, k), ()))
            out.append(Rule(None, (Atom.of("ceq", t, k), Atom.of("inp", t, ia, V),
                                   Atom.of("inp", t, ib, W), Compare(V, "!=", W))))
            out.append(Rule(None, (Neg(Atom.of("ceq", t, k)), Atom.of("inp", t, ia, V),
                                   Atom.of("inp", t, ib, V), Atom.of("single", V))))
        pairs = comp.country_pairs
        for (a, b), k1 in pairs.items():          # transitivity
            for (c, d), k2 in pairs.items():
                if k2 <= k1 or len({a, b} & {c, d}) != 1:
                    continue
                rest = tuple(sorted({a, b} ^ {c, d}))
                if rest in pairs:
                    out.append(Rule(None, (Atom.of("ceq", t, k1), Atom.of("ceq", t, k2),
                                           Neg(Atom.of("ceq", t, pairs[rest])))))
        # numeric atoms: one feasible combination per component, free atoms guessed
        out += _numeric_statements(abs_)
        out += _SEARCH_SHOW
        return comp, out

    def _domain(self, comp: AspCompiler, name: str) -> list[int]:
        t = comp.finite_types[name]
        if isinstance(t, Bool):
            return [0, 1]
        if isinstance(t, Country):
            return list(range(len(comp.classes)))
        if isinstance(t, Enum):
            members = list(comp.model.spec.enums[t.name].members) + ([None] if t.optional else [])
            return [comp.vid(x) for x in members]
        raise AspError(f"{name}: no finite domain for type {t}")

    def _default_id(self, comp: AspCompiler, name: str) -> int | None:
        kind, key = name.split(":", 1)
        if kind == "param":
            return comp.finite_value(name, comp.model.params[key])
        d = comp.model.inputs[key].default
        if isinstance(d, Lit):
            return comp.finite_value(name, d.value)
        return None

    def _search(self, model: Model, expr: Expr, *, want: bool, timeout_ms: int) -> Result:
        if numeric.abstraction_for(model, expr) is numeric.abstraction(model):
            # the usual case: the claim's numeric atoms are the model's; the kept program
            coarse = CountryClasses.of(model)
            fine = coarse.refined(question_countries(model, [expr])) is not coarse
            base = self.search_base(model, every_country=fine)
            try:
                return base.search(expr, want, timeout_ms)
            except BaseException:
                # a claim that fails to compile may leave half-built nodes: start afresh
                (self._fine_bases if fine else self._bases).pop(id(model), None)
                raise
        comp, program = self.search_program(model, expr, want)
        ctl = clingo.Control(["--warn=none", "--opt-strategy=usc", "--opt-mode=opt"])
        ctl.add("base", [], render_program(program))
        deadline = time.monotonic() + timeout_ms / 1000
        ctl.ground([("base", [])])
        best: list = []

        def on_model(m: clingo.Model):
            best[:] = [list(m.symbols(shown=True))]
        with ctl.solve(on_model=on_model, async_=True) as handle:
            finished = handle.wait(max(0.0, deadline - time.monotonic()))
            if not finished:
                handle.cancel()
            result = handle.get()
        return self._answer(comp, model, expr, want, best, finished, result)

    def _answer(self, comp: AspCompiler, model: Model, expr: Expr, want: bool, best: list,
                finished: bool, result, vids=None, pids=None) -> Result:
        """The Result of a search: Proof, Unknown, or the best answer set concretised and
        replayed (vids / pids: the finite variables and country pairs the query guessed;
        None: all the compiler knows)."""
        if not best:
            if finished and result.unsatisfiable:
                return Proof(engine=self.name)
            return Unknown("clingo timed out" if not finished else "clingo gave no answer",
                           engine=self.name)
        instance = self._concretise(comp, best[0], vids, pids)
        if instance is None:
            return Unknown("the abstract instance has no concrete witness", engine=self.name)
        replay(model, expr, instance, want)
        return instance

    # ---------------------------------------------------------------- back to numbers

    def _concretise(self, comp: AspCompiler, symbols, vids=None, pids=None) -> Instance | None:
        model = comp.model
        names = {i: name for name, i in comp.finite_vars.items()}
        pairs = {key: k for key, k in comp.country_pairs.items() if pids is None or k in pids}
        chosen: dict[str, int] = {}
        combos: dict[int, int] = {}
        same: set[int] = set()
        true_atoms: set[int] = set()
        for sym in symbols:
            args = [a.number for a in sym.arguments]
            if sym.name == "atom":
                true_atoms.add(args[1])
            elif sym.name == "inp":
                if vids is None or args[1] in vids:
                    chosen[names[args[1]]] = args[2]
            elif sym.name == "combo":
                combos[args[1]] = args[2]
            elif sym.name == "ceq":
                if pids is None or args[1] in pids:
                    same.add(args[1])
        given: dict[str, Value] = {}
        params: dict[str, Value] = {}
        # countries: representatives, distinct members where a pair must differ
        countries = self._countries(comp, chosen, same, pairs)
        if countries is None:
            return None
        for name, vid in chosen.items():
            kind, key = name.split(":", 1)
            t = comp.finite_types[name]
            value = countries[key] if isinstance(t, Country) else comp.value_of[vid]
            (given if kind == "input" else params)[key] = value
        for c in comp.abs.components():
            combo = c.combinations[combos[c.id]]
            if combo.witness is None:
                return None
            for var, number in combo.witness.items():
                v = comp.abs.variables[var]
                (given if v.is_input else params)[v.key] = numeric.from_number(number, v.type)
        from .transaction import complete
        frees = comp.abs.free_atoms()
        if frees:
            # each free atom's variable, from the others' final values (no input's default
            # names it, so completing again changes nothing else)
            tx = complete(model.spec, given)
            vals = comp.abs.values(tx, {**model.params, **params})
            for f in frees:
                number = comp.abs.free_value(f, f.atom in true_atoms, vals)
                if number is None:
                    return None
                v = comp.abs.variables[f.var]
                (given if v.is_input else params)[v.key] = numeric.from_number(number, v.type)
        tx = complete(model.spec, given)
        free = {k: params.get(k, model.params[k]) for k in sorted(model.free_params)}
        return Instance(transaction=tx, params=free, engine=self.name)

    def _countries(self, comp: AspCompiler, chosen: dict[str, int], same: set[int],
                   pairs: dict[tuple[str, str], int]) -> dict[str, str] | None:
        roles = {name.split(":", 1)[1]: cls for name, cls in chosen.items()
                 if isinstance(comp.finite_types[name], Country)}
        parent = {r: r for r in roles}

        def find(x):
            while parent[x] != x:
                x = parent[x]
            return x
        for (a, b), k in pairs.items():
            if k in same:
                parent[find(a)] = find(b)
        out: dict[str, str] = {}
        used: dict[int, list[str]] = {}
        for role in sorted(roles, key=lambda r: (find(r) != r, r)):
            root = find(role)
            if root in out:
                out[role] = out[root]
                continue
            cls = roles[role]
            # the representative first; another member only if a pair says "different"
            members = [comp.classes.representative(cls)] + sorted(comp.classes.classes[cls] -
                                                                  {comp.classes.representative(cls)})
            taken = used.setdefault(cls, [])
            pick = next((m for m in members if m not in taken or not self._must_differ(
                pairs, role, out, m, same)), None)
            if pick is None:
                return None
            taken.append(pick)
            out[root] = out[role] = pick
        return out

    @staticmethod
    def _must_differ(pairs, role, assigned, code, same) -> bool:
        for (a, b), k in pairs.items():
            if k in same:
                continue
            other = b if a == role else a if b == role else None
            if other is not None and assigned.get(other) == code:
                return True
        return False
