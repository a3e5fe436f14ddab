"""Hypothesis strategies over the transactions of a spec, for users' and earl's own tests.

    from hypothesis import given
    from earl.parser import load_spec
    from earl.testing import transactions

    spec = load_spec()

    @given(transactions(spec))
    def test_something(tx): ...

Everything is derived from the Spec (never from knowledge of what it regulates):
- every enum member (and `none` for optional enums) and every bool;
- countries from every listed country group, countries named in expressions, and countries outside
  every group; one representative of each membership signature is drawn often;
- dates at, just before and just after every group membership change and every date literal,
  plus random dates around them;
- numbers at, just below and just above (±1 and ± a tiny fraction) every numeric literal and
  parameter value (under every reading), plus random values; and, half of the time, one or two
  numeric inputs are then solved for so that a comparison the spec makes lands exactly on (or
  next to) its boundary, through definitions and products of inputs (`tpp * quantity`).

`conditions(spec)` draws questions instead: well-typed conditions in the spec's language (the
text `earl find` takes) over its inputs, definitions, parameters, outcomes and groups, with
literals of every country, the boundary dates and numbers and every enum member.
"""
from __future__ import annotations

import datetime
import math
import random
from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

from . import ir
from .ir import walk
from .ir.values import spec_literal
from .solver.eval import EvalError, compile_expr
from .solver.transaction import complete as complete_tx

__all__ = ["transactions", "random_transactions", "boundary_numbers", "interesting_dates", "country_pool",
           "value_strategy", "conditions", "random_conditions"]

_TINY = Fraction(1, 1000)


def _all_exprs(spec: ir.Spec):
    for d in spec.defs.values():
        yield d.body
        yield from d.by_reading.values()
    for r in spec.rules.values():
        for c in r.conditions:
            yield c.expr
    for p in spec.properties.values():
        yield p.body
    for i in spec.inputs.values():
        yield i.default
    for o in spec.outcomes.values():
        yield o.default


def _sub(expr: ir.Expr):
    """Every node of `expr`, each node's children last to first: the order the boundary targets
    (and so the transactions drawn from a seed) have always come in."""
    stack = [expr]
    while stack:
        e = stack.pop()
        yield e
        stack.extend(e.children())


def _lits(spec: ir.Spec) -> list[Any]:
    out = []
    for top in _all_exprs(spec):
        for e in _sub(top):
            if isinstance(e, ir.Lit):
                out.append(e.value)
    for p in spec.params.values():
        out.append(p.default.value)
        out.extend(l.value for l in p.by_reading.values())
    for ex in spec.examples.values():
        out.extend(ex.given.values())
    return out


def boundary_numbers(spec: ir.Spec) -> list[Fraction]:
    """Every numeric literal and parameter value, with its ±1 and ± tiny-fraction neighbours."""
    base = {Fraction(v) for v in _lits(spec)
            if isinstance(v, (int, Fraction)) and not isinstance(v, bool)}
    base |= {Fraction(0), Fraction(1)}
    out = set()
    for c in base:
        out |= {c, c - 1, c + 1, c - _TINY, c + _TINY}
    return sorted(out)


def interesting_dates(spec: ir.Spec) -> list[datetime.date]:
    """Every group membership change and date literal, with the days either side."""
    days = set()
    for g in spec.groups.values():
        for m in g.members:
            days |= {d for d in (m.since, m.until) if d is not None}
    days |= {v for v in _lits(spec) if isinstance(v, datetime.date)}
    out = set()
    one = datetime.timedelta(days=1)
    for d in days:
        for x in (d - one, d, d + one):
            out.add(x)
    return sorted(out)


def country_pool(spec: ir.Spec) -> tuple[list[str], list[str], list[str]]:
    """(one representative per membership signature, every listed or named country, the rest)."""
    listed: dict[str, set] = {}
    for g in spec.groups.values():
        for m in g.members:
            listed.setdefault(m.country, set()).add((g.name, m.since, m.until))
    named = {v for v in _lits(spec) if isinstance(v, str) and v in spec.countries}
    for v in _lits(spec):
        if isinstance(v, frozenset):
            named |= {x for x in v if isinstance(x, str) and x in spec.countries}
    reps: dict[frozenset, str] = {}
    for code in sorted(listed):
        reps.setdefault(frozenset(listed[code]), code)
    outside = sorted(c for c in spec.countries if c not in listed and c not in named)
    if outside:
        reps.setdefault(frozenset(), outside[0])
    special = sorted(set(reps.values()) | named)
    known = sorted(set(listed) | named)
    return special, known, outside


def value_strategy(spec: ir.Spec, typ: ir.Type, minimum: Fraction | None = None) -> st.SearchStrategy:
    """Values of one type, aimed at the spec's boundaries."""
    if isinstance(typ, ir.Bool):
        return st.booleans()
    if isinstance(typ, ir.Enum):
        members = list(spec.enums[typ.name].members)
        s = st.sampled_from(members)
        return st.one_of(st.none(), s) if typ.optional else s
    if isinstance(typ, ir.SetOf):
        return st.frozensets(st.sampled_from(list(spec.enums[typ.enum].members)))
    if isinstance(typ, ir.Country):
        special, known, outside = country_pool(spec)
        parts = [st.sampled_from(x) for x in (special, known, outside) if x]
        if not parts:
            return st.sampled_from(sorted(spec.countries))
        return st.one_of(*parts)
    if isinstance(typ, ir.Date):
        days = interesting_dates(spec)
        lo = (days[0] if days else datetime.date(2020, 1, 1)) - datetime.timedelta(days=730)
        hi = (days[-1] if days else datetime.date(2030, 1, 1)) + datetime.timedelta(days=730)
        rand = st.dates(min_value=lo, max_value=hi)
        return st.one_of(st.sampled_from(days), rand) if days else rand
    if isinstance(typ, ir.Num):
        lo = minimum
        pts = [x for x in boundary_numbers(spec) if (lo is None or x >= lo)
               and (not typ.integer or x.denominator == 1)]
        base = lo if lo is not None else Fraction(-10 ** 6)
        ints = st.one_of(st.integers(0, 100), st.integers(0, 10 ** 7), st.integers(0, 10 ** 28)) \
            .map(lambda n: Fraction(n) + base)
        parts = [st.sampled_from(pts)] if pts else []
        parts.append(ints)
        if not typ.integer:
            parts.append(st.fractions(min_value=base, max_value=base + 10 ** 9, max_denominator=1000))
            # a random point between two boundaries
            if len(pts) > 1:
                parts.append(st.tuples(st.sampled_from(pts), st.sampled_from(pts),
                                       st.fractions(0, 1, max_denominator=100))
                             .map(lambda t: t[0] + (t[1] - t[0]) * t[2])
                             .filter(lambda x: lo is None or x >= lo))
        return st.one_of(*parts)
    raise TypeError(f"no strategy for type {typ}")


def _numeric_inputs(spec: ir.Spec) -> set[str]:
    return {p for p, d in spec.inputs.items() if isinstance(d.type, ir.Num)}


def _targets(spec: ir.Spec) -> list[tuple[ir.Model, ir.Expr, tuple[str, ...]]]:
    """(model, left - right, numeric inputs it reads) for every comparison the spec makes."""
    nums = _numeric_inputs(spec)
    out = []
    seen = set()
    for reading in spec.readings:
        try:
            model = ir.resolve(spec, reading)
        except Exception:
            continue
        exprs = list(model.defs.values()) + [c.expr for r in model.rules.values() for c in r.conditions] \
            + [p.body for p in spec.properties.values()]
        def_inputs: dict[str, set[str]] = {}

        def reads(e, depth=0) -> set[str]:
            acc = set()
            for kind, name in walk.refs(e):
                if kind == "input" and name in nums:
                    acc.add(name)
                elif kind == "def" and name in model.defs and depth < 50:
                    if name not in def_inputs:
                        def_inputs[name] = set()
                        def_inputs[name] = reads(model.defs[name], depth + 1)
                    acc |= def_inputs[name]
            return acc

        for top in exprs:
            for e in _sub(top):
                if isinstance(e, ir.Cmp) and e.op in ir.CMP_OPS:
                    key = (reading, e)
                    if key in seen:
                        continue
                    seen.add(key)
                    xs = reads(e)
                    if xs:
                        out.append((model, ir.Arith("-", e.left, e.right), tuple(sorted(xs))))
    return out


def _solve(model: ir.Model, diff: ir.Expr, tx: dict, x: str) -> Fraction | None:
    """The value of input `x` where `diff` (linear in x, or treated so) crosses zero."""
    try:
        fn = compile_expr(model, diff)
    except (TypeError, EvalError, KeyError):
        return None

    def f(v):
        t = dict(tx)
        t[x] = v
        r = fn(t)
        if not isinstance(r, Fraction):
            raise TypeError
        return r
    try:
        f0, f1 = f(Fraction(0)), f(Fraction(1))
    except (TypeError, EvalError, KeyError, ArithmeticError):
        return None
    slope = f1 - f0
    if slope == 0:
        try:  # flat near zero (a max() kink): take the secant far out
            big = Fraction(10 ** 30)
            slope = (f(big) - f0) / big
        except (TypeError, EvalError, KeyError, ArithmeticError):
            return None
        if slope == 0:
            return None
    return -f0 / slope


def transactions(spec: ir.Spec, *, complete: bool = True) -> st.SearchStrategy[dict[str, Any]]:
    """Transactions of `spec`: complete ones (every input) by default; with complete=False, the
    given inputs only (absent ones keep their defaults when completed)."""
    strategies = {p: value_strategy(spec, d.type, d.minimum) for p, d in spec.inputs.items()}
    targets = _targets(spec)
    inputs = spec.inputs
    # strategies are built once: building them inside the draw costs more than the draw
    target_st = st.sampled_from([(m, d, st.sampled_from(xs)) for m, d, xs in targets]) if targets else None
    delta_st = st.sampled_from([0, 0, 1, -1, _TINY, -_TINY])
    bools, one_or_two = st.booleans(), st.integers(1, 2)

    @st.composite
    def draw_tx(draw):
        given: dict[str, Any] = {}
        for path, decl in inputs.items():
            # inputs defaulting to another input keep that default half of the time; with
            # complete=False any input may be absent
            may_omit = (not complete) or isinstance(decl.default, ir.InputRef)
            if may_omit and draw(bools):
                continue
            given[path] = draw(strategies[path])
        if target_st is not None and draw(bools):
            for _ in range(draw(one_or_two)):
                model, diff, xs = draw(target_st)
                x = draw(xs)
                root = _solve(model, diff, complete_tx(spec, given), x)
                if root is None:
                    continue
                decl = inputs[x]
                v = root + draw(delta_st)
                if decl.type.integer:
                    v = Fraction(math.ceil(v) if draw(bools) else math.floor(v))
                if decl.minimum is not None and v < decl.minimum:
                    v = decl.minimum
                given[x] = v
        return complete_tx(spec, given) if complete else given

    return draw_tx()


def random_transactions(spec: ir.Spec, n: int, *, seed: int = 0) -> list[dict[str, Any]]:
    """`n` complete transactions drawn with Python's `random` from the same pools as
    `transactions` (boundaries, group representatives, dates around changes, boundary solving),
    without hypothesis: for benchmarks and large differential runs (100,000 transactions)."""
    rnd = random.Random(seed)
    special, known, outside = country_pool(spec)
    country_lists = [x for x in (special, known, outside) if x] or [sorted(spec.countries)]
    days = interesting_dates(spec) or [datetime.date(2025, 1, 1)]
    bnums = boundary_numbers(spec)
    targets = _targets(spec)
    pools: dict[str, list[Fraction]] = {}

    def value(decl: ir.InputDecl):
        t = decl.type
        if isinstance(t, ir.Bool):
            return rnd.random() < 0.5
        if isinstance(t, ir.Enum):
            members = spec.enums[t.name].members
            if t.optional and rnd.random() < 0.3:
                return None
            return rnd.choice(members)
        if isinstance(t, ir.SetOf):
            return frozenset(m for m in spec.enums[t.enum].members if rnd.random() < 0.5)
        if isinstance(t, ir.Country):
            return rnd.choice(rnd.choice(country_lists))
        if isinstance(t, ir.Date):
            d = rnd.choice(days)
            return d if rnd.random() < 0.6 else d + datetime.timedelta(days=rnd.randint(-800, 800))
        if isinstance(t, ir.Num):
            lo = decl.minimum
            pts = pools.get(decl.path)
            if pts is None:
                pts = pools[decl.path] = [x for x in bnums if (lo is None or x >= lo)
                                          and (not t.integer or x.denominator == 1)]
            r = rnd.random()
            if pts and r < 0.5:
                return rnd.choice(pts)
            base = lo if lo is not None else Fraction(-10 ** 6)
            if t.integer or r < 0.8:
                return base + rnd.choice([rnd.randint(0, 100), rnd.randint(0, 10 ** 7), rnd.randint(0, 10 ** 28)])
            return base + Fraction(rnd.randint(0, 10 ** 9), rnd.randint(1, 1000))
        raise TypeError(f"no values for type {t}")

    out = []
    for _ in range(n):
        given = {}
        for path, decl in spec.inputs.items():
            if isinstance(decl.default, ir.InputRef) and rnd.random() < 0.5:
                continue
            given[path] = value(decl)
        if targets and rnd.random() < 0.5:
            for _ in range(rnd.randint(1, 2)):
                model, diff, xs = rnd.choice(targets)
                x = rnd.choice(xs)
                root = _solve(model, diff, complete_tx(spec, given), x)
                if root is None:
                    continue
                decl = spec.inputs[x]
                v = root + rnd.choice([0, 0, 1, -1, _TINY, -_TINY])
                if decl.type.integer:
                    v = Fraction(math.ceil(v) if rnd.random() < 0.5 else math.floor(v))
                if decl.minimum is not None and v < decl.minimum:
                    v = decl.minimum
                given[x] = v
        out.append(complete_tx(spec, given))
    return out


# --------------------------------------------------------------------------- conditions

_CMP = ("==", "!=", "<", "<=", ">", ">=")


class _ConditionMaker:
    """Random well-typed conditions over one spec's vocabulary, written in its language. Every
    choice goes through `pick(options)`, so hypothesis (which shrinks the choices) and Python's
    `random` (for large runs) draw from the same space."""

    def __init__(self, spec: ir.Spec):
        self.spec = spec
        by_type: dict[type, list[tuple[str, ir.Type]]] = {}
        named = [(p, d.type) for p, d in spec.inputs.items()]
        named += [(n, d.type) for n, d in spec.defs.items()]
        named += [(n, d.type) for n, d in spec.params.items()]
        named += [(n, d.type) for n, d in spec.outcomes.items()]
        for name, t in named:
            by_type.setdefault(type(t), []).append((name, t))
        self.names = by_type
        self.groups = sorted(spec.groups)
        self.countries = sorted(spec.countries)
        self.numbers = [x for x in boundary_numbers(spec) if x >= 0]
        self.days = interesting_dates(spec) or [datetime.date(2025, 1, 1)]
        kinds = [k for k, t in (("bool", ir.Bool), ("enum", ir.Enum), ("country", ir.Country),
                                ("set", ir.SetOf), ("number", ir.Num), ("date", ir.Date))
                 if by_type.get(t)]
        if not kinds:
            raise ValueError("the spec declares nothing a condition could be about")
        self.kinds = kinds

    def condition(self, pick, depth: int = 3) -> str:
        shape = pick(["atom", "atom", "atom", "not", "and", "or", "implies", "conjunction"]
                     if depth else ["atom"])
        if shape == "atom":
            return self.atom(pick)
        if shape == "conjunction":
            # several constraints at once: where most questions that have no answer come from
            return " and ".join(f"({self.atom(pick)})" for _ in range(pick([3, 4, 5])))
        if shape == "not":
            return f"not ({self.condition(pick, depth - 1)})"
        return f"({self.condition(pick, depth - 1)}) {shape} ({self.condition(pick, depth - 1)})"

    def atom(self, pick) -> str:
        kind = pick(self.kinds)
        lit = spec_literal
        if kind == "bool":
            name, _ = pick(self.names[ir.Bool])
            return pick([name, f"{name} == {pick(['true', 'false'])}"])
        if kind == "enum":
            name, t = pick(self.names[ir.Enum])
            members = list(self.spec.enums[t.name].members) + ([None] if t.optional else [])
            some = sorted({m for m in (pick(members), pick(members)) if m is not None})
            return pick([f"{name} {pick(['==', '!='])} {lit(pick(members))}",
                         f"{name} {pick(['in', 'not in'])} {lit(frozenset(some))}"])
        if kind == "country":
            name, _ = pick(self.names[ir.Country])
            other, _ = pick(self.names[ir.Country])
            some = frozenset({pick(self.countries), pick(self.countries)})
            forms = [f"{name} {pick(['==', '!='])} {lit(pick(self.countries))}",
                     f"{name} {pick(['in', 'not in'])} {lit(some)}"]
            if self.groups:
                forms.append(f"{name} {pick(['in', 'not in'])} {pick(self.groups)}")
            if other != name:
                forms.append(f"{name} {pick(['==', '!='])} {other}")
            return pick(forms)
        if kind == "set":
            name, t = pick(self.names[ir.SetOf])
            members = list(self.spec.enums[t.enum].members)
            some = frozenset({pick(members), pick(members)})
            return pick([f"{lit(pick(members))} {pick(['in', 'not in'])} {name}",
                         f"{name} {pick(['==', '!='])} {pick([lit(frozenset()), lit(some)])}"])
        if kind == "number":
            a, _ = pick(self.names[ir.Num])
            b, _ = pick(self.names[ir.Num])
            term = pick([a, a, a, f"{a} + {b}", f"{a} - {b}", f"{a} * {b}", f"max({a}, {b})"])
            right = pick([lit(pick(self.numbers)), lit(pick(self.numbers)), b])
            return f"{term} {pick(_CMP)} {right}"
        name, _ = pick(self.names[ir.Date])
        return f"{name} {pick(_CMP)} {lit(pick(self.days))}"


def conditions(spec: ir.Spec, *, depth: int = 3) -> st.SearchStrategy[str]:
    """Well-typed conditions over `spec` (text, as `earl find` takes it): inputs, definitions,
    parameters and outcomes compared with literals or each other, country membership in groups
    and literal sets, set outcomes, and/or/not/implies up to `depth` levels (and conjunctions of
    several such comparisons, where most conditions without an answer come from).

    >>> from hypothesis import given
    >>> from earl.parser import load_spec, parse_expression
    >>> spec = load_spec()
    >>> @given(conditions(spec))
    ... def test_parses(text):
    ...     parse_expression(spec, text)
    >>> test_parses()
    """
    maker = _ConditionMaker(spec)

    @st.composite
    def draw_condition(draw):
        return maker.condition(lambda options: draw(st.sampled_from(options)), depth)

    return draw_condition()


def random_conditions(spec: ir.Spec, n: int, *, seed: int = 0, depth: int = 3) -> list[str]:
    """`n` conditions from the same space as `conditions`, drawn with Python's `random` (for
    large runs such as the findfuzz benchmark)."""
    rnd = random.Random(seed)
    maker = _ConditionMaker(spec)
    return [maker.condition(rnd.choice, depth) for _ in range(n)]
