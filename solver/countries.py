"""Country signature classes: the finite abstraction every solver backend uses for countries.

Two countries behave identically under a spec when they belong to exactly the same listed groups
over exactly the same date intervals and no expression, definition, rule, property, input default
or conclusion names either of them individually. Such countries form one *signature class*; a
solver ranges a country variable over class indices and concretises a class by its
representative. Named countries always get a class of their own, so `c == "XX"` and `c in {...}`
stay exact.

The classes are derived from the spec (all readings together), never written by hand, and cached
per `Spec` object.
"""
from __future__ import annotations

import dataclasses
import datetime
import weakref
from typing import Iterable, Iterator

from . import ir

Interval = tuple["datetime.date | None", "datetime.date | None"]   # since (incl.), until (excl.)


# --------------------------------------------------------------------------- expression walking

_EXPR_TYPES = (ir.Lit, ir.InputRef, ir.ParamRef, ir.DefRef, ir.OutcomeRef, ir.Not, ir.And, ir.Or,
               ir.Implies, ir.Ite, ir.Cmp, ir.Arith, ir.MinMax, ir.InGroup, ir.InSet,
               ir.RuleApplies, ir.RuleFires)


def subexpressions(expr: ir.Expr) -> Iterator[ir.Expr]:
    """`expr` and every expression inside it (pre-order)."""
    stack = [expr]
    while stack:
        e = stack.pop()
        yield e
        for f in dataclasses.fields(e):
            v = getattr(e, f.name)
            if isinstance(v, _EXPR_TYPES):
                stack.append(v)
            elif isinstance(v, tuple):
                stack.extend(x for x in reversed(v) if isinstance(x, _EXPR_TYPES))


def _strings_of(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, (frozenset, set, tuple, list)):
        for v in value:
            if isinstance(v, str):
                yield v


def _spec_expressions(spec: ir.Spec) -> Iterator[ir.Expr]:
    for inp in spec.inputs.values():
        yield inp.default
    for p in spec.params.values():
        yield p.default
        yield from p.by_reading.values()
    for d in spec.defs.values():
        yield d.body
        yield from d.by_reading.values()
    for o in spec.outcomes.values():
        yield o.default
    for r in spec.rules.values():
        for c in r.conditions:
            yield c.expr
    for p in spec.properties.values():
        yield p.body


def named_countries(spec: ir.Spec) -> frozenset[str]:
    """Every country code the spec names individually outside group listings."""
    codes = spec.countries
    named: set[str] = set()
    for top in _spec_expressions(spec):
        for e in subexpressions(top):
            if isinstance(e, ir.Lit):
                named.update(s for s in _strings_of(e.value) if s in codes)
    for r in spec.rules.values():
        for c in r.conclusions:
            named.update(s for s in _strings_of(c.value) if s in codes)
            if c.slot is not None and c.slot in codes:
                named.add(c.slot)
    return frozenset(named)


def input_default_countries(spec: ir.Spec) -> frozenset[str]:
    return frozenset(
        inp.default.value for inp in spec.inputs.values()
        if isinstance(inp.default, ir.Lit) and isinstance(inp.default.value, str)
        and inp.default.value in spec.countries)


# --------------------------------------------------------------------------- dates

def boundary_dates_of(spec: ir.Spec) -> tuple[datetime.date, ...]:
    days: set[datetime.date] = set()
    for g in spec.groups.values():
        for m in g.members:
            if m.since is not None:
                days.add(m.since)
            if m.until is not None:
                days.add(m.until)
    return tuple(sorted(days))


def _segments(bounds: tuple[datetime.date, ...]) -> list[Interval]:
    """The partition of the timeline the boundary dates induce: (-inf,b0), [b0,b1), ..., [bn,inf)."""
    if not bounds:
        return [(None, None)]
    segs: list[Interval] = [(None, bounds[0])]
    segs += [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]
    segs.append((bounds[-1], None))
    return segs


def _sample_day(seg: Interval) -> datetime.date:
    since, until = seg
    if since is not None:
        return since
    assert until is not None
    return until - datetime.timedelta(days=1)


def _merge(segments: list[Interval]) -> tuple[Interval, ...]:
    out: list[Interval] = []
    for since, until in segments:
        if out and out[-1][1] == since:
            out[-1] = (out[-1][0], until)
        else:
            out.append((since, until))
    return tuple(out)


# --------------------------------------------------------------------------- classes

class CountryClasses:
    """The signature classes of one spec's countries (see the module docstring)."""

    _cache: dict[int, tuple[weakref.ref, "CountryClasses"]] = {}

    @classmethod
    def of(cls, model_or_spec: ir.Model | ir.Spec) -> "CountryClasses":
        spec = model_or_spec.spec if isinstance(model_or_spec, ir.Model) else model_or_spec
        hit = cls._cache.get(id(spec))
        if hit is not None and hit[0]() is spec:
            return hit[1]
        made = cls(spec)
        key = id(spec)
        cls._cache[key] = (weakref.ref(spec, lambda _r, key=key: cls._cache.pop(key, None)), made)
        return made

    def __init__(self, spec: ir.Spec):
        self.spec = spec
        self.named: frozenset[str] = named_countries(spec)
        self._bounds = boundary_dates_of(spec)
        self._segments = _segments(self._bounds)
        listed = sorted(n for n, g in spec.groups.items() if g.definition is None)
        # per listed group: country -> sorted intervals
        ivs: dict[str, dict[str, tuple[Interval, ...]]] = {}
        for g in listed:
            per: dict[str, list[Interval]] = {}
            for m in spec.groups[g].members:
                per.setdefault(m.country, []).append((m.since, m.until))
            ivs[g] = {c: _normalise(v) for c, v in per.items()}
        by_sig: dict[tuple, list[str]] = {}
        singles: list[frozenset[str]] = []
        for code in spec.countries:
            if code in self.named:
                singles.append(frozenset({code}))
                continue
            sig = tuple(ivs[g].get(code, ()) for g in listed)
            by_sig.setdefault(sig, []).append(code)
        defaults = input_default_countries(spec)
        classes = singles + [frozenset(v) for v in by_sig.values()]
        reps = [_pick_rep(c, defaults) for c in classes]
        order = sorted(range(len(classes)), key=lambda i: reps[i])
        self.classes: list[frozenset[str]] = [classes[i] for i in order]
        self._reps: list[str] = [reps[i] for i in order]
        self._index: dict[str, int] = {c: i for i, cl in enumerate(self.classes) for c in cl}
        # per group (listed and defined): per class: merged membership intervals
        self._intervals: dict[str, list[tuple[Interval, ...]]] = {}
        for gname in spec.groups:
            per_class = []
            for i in range(len(self.classes)):
                code = self._reps[i]
                segs = [s for s in self._segments if self._member_on(code, gname, _sample_day(s))]
                per_class.append(_merge(segs))
            self._intervals[gname] = per_class

    # ------------------------------------------------------------------ queries

    def __len__(self) -> int:
        return len(self.classes)

    def class_of(self, code: str) -> int:
        return self._index[code]

    def representative(self, i: int) -> str:
        return self._reps[i]

    def membership_intervals(self, i: int, group: str) -> tuple[Interval, ...]:
        """The date intervals over which class `i` belongs to `group` (sorted, disjoint, merged;
        `((None, None),)` = always, `()` = never)."""
        return self._intervals[group][i]

    def member_in_group(self, i: int, group: str, day: datetime.date) -> bool:
        return any((s is None or s <= day) and (u is None or day < u)
                   for s, u in self._intervals[group][i])

    def boundary_dates(self) -> tuple[datetime.date, ...]:
        """Every `from`/`until` date in the spec's group listings, sorted."""
        return self._bounds

    def date_segments(self) -> list[Interval]:
        """The partition of time between consecutive boundary dates (memberships are constant on each)."""
        return list(self._segments)

    # ------------------------------------------------------------------ internals

    def _member_on(self, code: str, group: str, day: datetime.date) -> bool:
        return _group_member(self.spec, code, ir.GroupName(group), day)


def _normalise(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    lo = datetime.date.min
    hi = datetime.date.max
    items = sorted(((s or lo), (u or hi)) for s, u in intervals)
    out: list[list[datetime.date]] = []
    for s, u in items:
        if s >= u:
            continue
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], u)
        else:
            out.append([s, u])
    return tuple(((None if s == lo else s), (None if u == hi else u)) for s, u in out)


def _pick_rep(cls: frozenset[str], defaults: frozenset[str]) -> str:
    preferred = sorted(cls & defaults)
    return preferred[0] if preferred else min(cls)


def _group_member(spec: ir.Spec, code: str, g: ir.GroupExpr, day: datetime.date) -> bool:
    if isinstance(g, ir.GroupName):
        group = spec.groups[g.name]
        if group.definition is not None:
            return _group_member(spec, code, group.definition, day)
        return any(m.country == code and m.holds_on(day) for m in group.members)
    if isinstance(g, ir.GroupUnion):
        return any(_group_member(spec, code, x, day) for x in g.groups)
    if isinstance(g, ir.GroupDiff):
        return _group_member(spec, code, g.base, day) and not _group_member(spec, code, g.minus, day)
    raise TypeError(f"not a group expression: {g!r}")
