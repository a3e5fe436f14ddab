"""Compiling a Model to logic-program rules over transaction ids (the vocabulary: schema.py).

One program, parameterised by a transaction id `T`, serves a whole batch of determinations and
the search alike (program.py adds the inputs: facts, externals or guesses):

    tx(T)                      a transaction
    inp(T,I,V)                 finite input I (enum, bool, country class) has value id V
    atom(T,K)                  numeric atom K is true (decided in Python, see numeric.py)
    ceq(T,K)                   the two country inputs of pair K are the same country
    h(T,N) / v(T,N,V) / m(T,N,E)   boolean node N holds / finite node N has value V /
                               set node N contains element E (one node per subexpression)
    pre(T,R,I)                 the first I conditions of rule R hold
    ffn(T,R,I)                 condition I (not the first) is the first of rule R to fail
    applies(T,R), fires(T,R), defeated(T,R)
    val(T,S,V)                 slot S, which a condition reads, has value V (the first firing
                               rule's, else the default)

No quantity of the spec reaches the program: only ids and truth values do (numeric.py).
"""
from __future__ import annotations

from fractions import Fraction
from typing import Iterable

from ...ir import (And, Bool, Cmp, Country, DefRef, Enum, Implies, InGroup, InputRef, InSet, Ite, Lit, Or,
                   Model, Not, OutcomeRef, ParamRef, RuleApplies, RuleFires, SetOf, Type, Value)
from ..countries import CountryClasses
from . import numeric
from .numeric import AtomLit, NumericAbstraction
from .schema import (C, E, I, R, R2, S, T, V, W, Applies, Atom_, Beaten, Candidate, Ceq, Compare,
                     Concludes, Decided, Defeated, DuringInterval, FirstFailing, Fires, Holds, Inp,
                     Member, MemberDuring, Neg, Overrides, Predicate, Prefix, Rule, SetsDiffer,
                     SlotDecided, SlotDefault, SlotRead, SlotValue, Statement, Tx, Value_, negate)

__all__ = ["AspCompiler", "AspError"]


class AspError(Exception):
    """The model uses a construct the clingo backend does not support."""


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
                self.rules_out.append(Rule(SlotRead(sid)))
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

    def emit(self, head: Predicate | None, *body) -> None:
        self.rules_out.append(Rule(head, tuple(body)))

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
            self.rules_out.append(Rule(SlotDefault(sid, d)))
        for r in m.rules.values():
            rid = self.rule_ids[r.name]
            for c in r.conclusions:
                sid = self.slot_ids[(c.outcome, c.slot)]
                val = int(bool(c.value)) if c.slot is not None else self.vid(c.value)
                self.rules_out.append(Rule(Concludes(rid, sid, val)))

    def _rules(self) -> None:
        m = self.model
        out = self.rules_out
        tx = Tx(T)
        for name, rule in m.rules.items():
            rid = self.rule_ids[name]
            for victim in rule.overrides:
                if victim in self.rule_ids:
                    out.append(Rule(Overrides(rid, self.rule_ids[victim])))
            # The conditions in order: pre(T,R,I) = the first I hold. Only a first failing
            # condition other than the first is derived (ffn); "not applicable and no ffn"
            # means the first condition failed.
            conds = self.abs.conditions[name]
            prev: Predicate = tx
            for i, c in enumerate(conds):
                lit = self.lit(c)
                if i > 0:
                    self.emit(FirstFailing(T, rid, i), prev, negate(lit))
                nxt = Prefix(T, rid, i + 1) if i + 1 < len(conds) else \
                    Applies(T, rid)
                self.emit(nxt, prev, lit)
                prev = nxt
            if not conds:
                self.emit(Applies(T, rid), tx)
        self.emit(Fires(T, R), Applies(T, R), Neg(Defeated(T, R)))
        self.emit(Defeated(T, R), Overrides(R2, R), Fires(T, R2))
        self.emit(Candidate(T, S, R, V), Fires(T, R), Concludes(R, S, V))
        self.emit(Beaten(T, S, R), Candidate(T, S, R, V),
                  Candidate(T, S, R2, W), Compare(R2, "<", R))
        self.emit(Decided(T, S, V), Candidate(T, S, R, V),
                  Neg(Beaten(T, S, R)))
        self.emit(SlotDecided(T, S), Candidate(T, S, R, V))
        # val/3 (a slot's value, default included) only for slots a condition reads (ref/1)
        self.emit(SlotValue(T, S, V), Decided(T, S, V), SlotRead(S))
        self.emit(SlotValue(T, S, V), Tx(T), SlotRead(S),
                  SlotDefault(S, V), Neg(SlotDecided(T, S)))

    def lit(self, e) -> Predicate | Neg:
        """A body literal for the boolean expression `e`: the leaf itself where `e` is a leaf
        (no node of its own), else the node's h/2 atom."""
        if isinstance(e, AtomLit):
            return Atom_(T, e.atom)
        if isinstance(e, InputRef):
            return Inp(T, self.finite_var("input:" + e.path, Bool()), 1)
        if isinstance(e, OutcomeRef):
            return SlotValue(T, self.slot_ref(e.name, None), 1)
        if isinstance(e, RuleApplies):
            return Applies(T, self._rule(e.rule))
        if isinstance(e, RuleFires):
            return Fires(T, self._rule(e.rule))
        if isinstance(e, Not):
            inner = self.lit(e.arg)
            if isinstance(inner, Predicate):
                return Neg(inner)
        return Holds(T, self.bool_node(e))

    def slot_ref(self, outcome: str, slot) -> int:
        """The id of a slot a condition reads (its val/3 is derived)."""
        sid = self.slot_ids[(outcome, slot)]
        if sid not in self._refs:
            self._refs.add(sid)
            self.rules_out.append(Rule(SlotRead(sid)))
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
        tx = Tx(T)
        head = Holds(T, n)
        if isinstance(e, Lit):
            if e.value is True:
                self.emit(head, tx)
        elif isinstance(e, AtomLit):
            self.emit(head, Atom_(T, e.atom))
        elif isinstance(e, InputRef):
            self.emit(head, Inp(T, self.finite_var("input:" + e.path, Bool()), 1))
        elif isinstance(e, ParamRef):
            self.emit(head, Inp(T, self.finite_var("param:" + e.name, Bool()), 1))
        elif isinstance(e, DefRef):
            self.emit(head, tx, self.lit(self.abs.defs[e.name]))
        elif isinstance(e, OutcomeRef):
            self.emit(head, SlotValue(T, self.slot_ref(e.name, None), 1))
        elif isinstance(e, RuleApplies):
            self.emit(head, Applies(T, self._rule(e.rule)))
        elif isinstance(e, RuleFires):
            self.emit(head, Fires(T, self._rule(e.rule)))
        elif isinstance(e, Not):
            self.emit(head, tx, negate(self.lit(e.arg)))
        elif isinstance(e, And):
            self.emit(head, tx, *(self.lit(a) for a in e.args))
        elif isinstance(e, Or):
            for a in e.args:
                self.emit(head, tx, self.lit(a))
        elif isinstance(e, Implies):
            self.emit(head, tx, negate(self.lit(e.premise)))
            self.emit(head, tx, self.lit(e.conclusion))
        elif isinstance(e, Ite):
            c = self.lit(e.cond)
            self.emit(head, tx, c, self.lit(e.then))
            self.emit(head, tx, negate(c), self.lit(e.orelse))
        elif isinstance(e, Cmp):
            self._compare(n, e)
        elif isinstance(e, InSet):
            self._inset(n, e)
        elif isinstance(e, InGroup):
            g = self._group(e.group, e.date)
            self.emit(head, self._country(e.country, C), MemberDuring(g, C, I),
                      DuringInterval(T, I))
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
        head = Holds(T, n)
        tl, tr = e.left.type, e.right.type
        if isinstance(tl, Bool):
            a, b = self.lit(e.left), self.lit(e.right)
            self.emit(head, Tx(T), a, b)
            self.emit(head, Tx(T), negate(a), negate(b))
        elif isinstance(tl, SetOf) or isinstance(tr, SetOf):
            a, b = self.set_node(e.left), self.set_node(e.right)
            diff = SetsDiffer(T, n)
            self.emit(diff, Member(T, a, E), Neg(Member(T, b, E)))
            self.emit(diff, Member(T, b, E), Neg(Member(T, a, E)))
            self.emit(head, Tx(T), Neg(diff))
        elif isinstance(tl, Country) or isinstance(tr, Country):
            left, right = (e.left, e.right) if not isinstance(e.left, Lit) else (e.right, e.left)
            if isinstance(right, Lit):
                self.emit(head, self._country(left, self._named_class(right.value)))
            elif isinstance(left, InputRef) and isinstance(right, InputRef):
                self.emit(head, Ceq(T, self._pair(left.path, right.path)))
            else:
                raise AspError(f"comparison of two computed countries is not supported: {e}")
        else:
            if isinstance(e.right, Lit):
                self.emit(head, Value_(T, self.value_node(e.left), self.vid(e.right.value)))
            elif isinstance(e.left, Lit):
                self.emit(head, Value_(T, self.value_node(e.right), self.vid(e.left.value)))
            else:
                self.emit(head, Value_(T, self.value_node(e.left), V),
                          Value_(T, self.value_node(e.right), V))

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

    def _country(self, e, var) -> Predicate:
        """An atom binding `var` to the class of the country expression `e`."""
        if isinstance(e, InputRef):
            return Inp(T, self.finite_var("input:" + e.path, Country()), var)
        if isinstance(e, Lit):
            return Value_(T, self.value_node(e), var)
        return Value_(T, self.value_node(e), var)

    def _inset(self, n: int, e: InSet) -> None:
        head = Holds(T, n)
        coll = e.collection
        el_type = e.element.type
        if isinstance(coll, Lit):
            for member in sorted(coll.value, key=repr):
                if isinstance(el_type, Country):
                    self.emit(head, self._country(e.element, self._named_class(member)))
                else:
                    self.emit(head, Value_(T, self.value_node(e.element), self.vid(member)))
        else:
            self.emit(head, Value_(T, self.value_node(e.element), V),
                      Member(T, self.set_node(coll), V))

    def _group(self, group: str, date_expr) -> int:
        key = (group, date_expr)
        if key in self.groups:
            return self.groups[key]
        gid = self.groups[key] = len(self.groups)
        for i in range(len(self.classes)):
            for since, until in self.classes.membership_intervals(i, group):
                self.rules_out.append(Rule(MemberDuring(gid, i, self._interval(date_expr, since, until))))
        return gid

    def _interval(self, date_expr, since, until) -> int:
        key = (date_expr, since, until)
        if key in self.intervals:
            return self.intervals[key]
        iid = self.intervals[key] = len(self.intervals)
        body = [Tx(T)]
        if since is not None:
            body.append(negate(self.lit(self.abs.date_before(date_expr, since))))
        if until is not None:
            body.append(self.lit(self.abs.date_before(date_expr, until)))
        self.emit(DuringInterval(T, iid), *body)
        return iid

    def _value(self, n: int, e) -> None:
        head = Value_(T, n, V)
        t = e.type
        if isinstance(t, Bool):
            b = self.lit(e)
            self.emit(Value_(T, n, 1), Tx(T), b)
            self.emit(Value_(T, n, 0), Tx(T), negate(b))
        elif isinstance(e, Lit):
            vid = self._named_class(e.value) if isinstance(t, Country) else self.vid(e.value)
            self.emit(Value_(T, n, vid), Tx(T))
        elif isinstance(e, InputRef):
            self.emit(head, Inp(T, self.finite_var("input:" + e.path, t), V))
        elif isinstance(e, ParamRef):
            self.emit(head, Inp(T, self.finite_var("param:" + e.name, t), V))
        elif isinstance(e, DefRef):
            self.emit(head, Value_(T, self.value_node(self.abs.defs[e.name]), V))
        elif isinstance(e, OutcomeRef):
            self.emit(head, SlotValue(T, self.slot_ref(e.name, None), V))
        elif isinstance(e, Ite):
            c = self.lit(e.cond)
            self.emit(head, Value_(T, self.value_node(e.then), V), c)
            self.emit(head, Value_(T, self.value_node(e.orelse), V), negate(c))
        else:
            raise AspError(f"unsupported value expression: {e}")

    def _set(self, n: int, e) -> None:
        head = Member(T, n, E)
        if isinstance(e, Lit):
            for member in sorted(e.value, key=repr):
                self.emit(Member(T, n, self.vid(member)), Tx(T))
        elif isinstance(e, OutcomeRef):
            for el, sid in self.slots_of[e.name]:
                self.emit(Member(T, n, self.vid(el)),
                          SlotValue(T, self.slot_ref(e.name, el), 1))
        elif isinstance(e, DefRef):
            self.emit(head, Member(T, self.set_node(self.abs.defs[e.name]), E))
        elif isinstance(e, Ite):
            c = self.lit(e.cond)
            self.emit(head, Member(T, self.set_node(e.then), E), c)
            self.emit(head, Member(T, self.set_node(e.orelse), E), negate(c))
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

    def domain(self, name: str) -> list[int]:
        """The value ids a finite variable ranges over."""
        t = self.finite_types[name]
        if isinstance(t, Bool):
            return [0, 1]
        if isinstance(t, Country):
            return list(range(len(self.classes)))
        if isinstance(t, Enum):
            members = list(self.model.spec.enums[t.name].members) + ([None] if t.optional else [])
            return [self.vid(x) for x in members]
        raise AspError(f"{name}: no finite domain for type {t}")

    def default_id(self, name: str) -> int | None:
        """The value id of a finite variable's default (None: it defaults to another input)."""
        kind, key = name.split(":", 1)
        if kind == "param":
            return self.finite_value(name, self.model.params[key])
        d = self.model.inputs[key].default
        if isinstance(d, Lit):
            return self.finite_value(name, d.value)
        return None

    def base_program(self) -> list[Statement]:
        return list(self.rules_out)


