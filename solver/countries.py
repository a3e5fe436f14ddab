"""Country signature classes: the finite abstraction every solver backend uses for countries.

Two countries behave identically under a spec when they belong to exactly the same listed groups
over exactly the same date intervals and no expression, definition, rule, property, input default
or conclusion names either of them individually. Such countries form one *signature class*; a
solver ranges a country variable over class indices and concretises a class by its
representative. Named countries always get a class of their own, so `c == "XX"` and `c in {...}`
stay exact.

The classes are derived from the spec (all readings together) and its group tables
(`spec.group_tables`, the one statement of membership by date), never written by hand; a model's
classes are built once and kept in the store. A question asked about the spec (a query, a fixed parameter value) may name
countries the spec does not: `refined(codes)` splits those out of their classes, keeping each
class's pieces next to each other (the class's representative first), so the spec's group
memberships still read as a few index ranges while every named code is a value of its own.
"""
from __future__ import annotations

import datetime
from typing import Iterable, Iterator

from .. import ir
from .store import STORE

Interval = tuple["datetime.date | None", "datetime.date | None"]   # since (incl.), until (excl.)


# --------------------------------------------------------------------------- countries named

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


def countries_named_in(spec: ir.Spec, exprs: Iterable[ir.Expr]) -> set[str]:
    """The country codes the expressions' literals name."""
    codes = spec.countries
    return {s for top in exprs for e in top.find_all(ir.Lit) for s in _strings_of(e.value) if s in codes}


def question_countries(model: ir.Model, exprs: Iterable[ir.Expr]) -> frozenset[str]:
    """The countries a question about `model` names: its expressions' literals and the values
    of the model's parameters (a `--param` may fix one to any country)."""
    named = countries_named_in(model.spec, exprs)
    named.update(s for v in model.params.values() for s in _strings_of(v) if s in model.spec.countries)
    return frozenset(named)


def named_countries(spec: ir.Spec) -> frozenset[str]:
    """Every country code the spec names individually outside group listings."""
    codes = spec.countries
    named = countries_named_in(spec, _spec_expressions(spec))
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
    """Every date on which some group's membership changes, sorted."""
    return tuple(sorted(set().union(*(t.breaks for t in spec.group_tables.values()))))


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

    @classmethod
    def of(cls, model_or_spec: ir.Model | ir.Spec) -> "CountryClasses":
        """The classes of one spec (a Model's spec)."""
        return cls.joint(model_or_spec)

    @classmethod
    def joint(cls, *models_or_specs: ir.Model | ir.Spec) -> "CountryClasses":
        """Classes valid for several specs at once (the common refinement: two countries share a
        class only if they do in every spec). The specs must declare the same countries. Built
        once per tuple of models (kept in the store); specs given directly are built afresh."""
        specs: list[ir.Spec] = []
        for m in models_or_specs:
            spec = m.spec if isinstance(m, ir.Model) else m
            if all(spec is not s for s in specs):
                specs.append(spec)
        if all(isinstance(m, ir.Model) for m in models_or_specs):
            return STORE.get("country_classes", models_or_specs, lambda: cls(*specs))
        return cls(*specs)

    def __init__(self, *specs: ir.Spec):
        if not specs:
            raise ValueError("CountryClasses needs at least one spec")
        self.specs = specs
        self.spec = specs[0]
        codes = list(self.spec.countries)
        for other in specs[1:]:
            if set(other.countries) != set(codes):
                raise ValueError("the specs declare different countries")
        self.named: frozenset[str] = frozenset().union(*(named_countries(s) for s in specs))
        self._bounds = tuple(sorted(set().union(*(boundary_dates_of(s) for s in specs))))
        self._segments = _segments(self._bounds)
        # a country's signature: its membership of every group in every piece of the group's
        # timeline, in every spec
        tables = [t for spec in specs for _name, t in sorted(spec.group_tables.items())]
        by_sig: dict[tuple, list[str]] = {}
        singles: list[frozenset[str]] = []
        for code in codes:
            if code in self.named:
                singles.append(frozenset({code}))
                continue
            sig = tuple(tuple(code in members for members in t.sets) for t in tables)
            by_sig.setdefault(sig, []).append(code)
        defaults = frozenset().union(*(input_default_countries(s) for s in specs))
        classes = singles + [frozenset(v) for v in by_sig.values()]
        reps = [_pick_rep(c, defaults) for c in classes]
        order = sorted(range(len(classes)), key=lambda i: reps[i])
        self.classes: list[frozenset[str]] = [classes[i] for i in order]
        self._reps: list[str] = [reps[i] for i in order]
        self._index: dict[str, int] = {c: i for i, cl in enumerate(self.classes) for c in cl}
        # per spec, per group (listed and defined), per class: merged membership intervals
        self._intervals_by_spec: list[dict[str, list[tuple[Interval, ...]]]] = []
        for spec in specs:
            table: dict[str, list[tuple[Interval, ...]]] = {}
            for gname in spec.groups:
                table[gname] = [
                    _merge([s for s in self._segments
                            if self._reps[i] in spec.group_tables[gname].members_on(_sample_day(s))])
                    for i in range(len(self.classes))]
            self._intervals_by_spec.append(table)
        self._intervals = self._intervals_by_spec[0]

    def refined(self, codes: Iterable[str]) -> "CountryClasses":
        """These classes with each of `codes` split out as a class of its own (kept in the store;
        the classes of the unrefined spec when no code needs splitting).

        >>> from earl.parser import load_spec
        >>> cc = CountryClasses.of(load_spec())
        >>> len(cc.classes[cc.class_of("FR")]) > 1
        True
        >>> fine = cc.refined(["FR"])
        >>> fine.classes[fine.class_of("FR")], fine.representative(fine.class_of("FR"))
        (frozenset({'FR'}), 'FR')
        >>> cc.refined(cc.spec.countries).classes == [frozenset({c}) for c in cc.order()]
        True
        """
        split = frozenset(c for c in codes if len(self.classes[self.class_of(c)]) > 1)
        if not split:
            return self
        return STORE.get("refined_country_classes", (self, split), lambda: _Refinement(self, split))

    def order(self) -> list[str]:
        """Every country, class by class in index order (within a class its representative first)."""
        return [c for i, cl in enumerate(self.classes)
                for c in [self._reps[i]] + sorted(cl - {self._reps[i]})]

    def intervals_for(self, spec: ir.Spec, group: str, i: int) -> tuple[Interval, ...]:
        """Membership intervals of class `i` in `group` as `spec` (one of the joint specs) defines it."""
        for s, table in zip(self.specs, self._intervals_by_spec):
            if s is spec:
                return table[group][i]
        raise KeyError("spec not among those the classes were built for")

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


class _Refinement(CountryClasses):
    """A `CountryClasses` with some codes split out of their classes (see `refined`). Each
    coarse class becomes a run of adjacent indices: its representative's piece first, then the
    split codes in class order; every piece keeps its class's membership intervals."""

    def __init__(self, coarse: CountryClasses, split: frozenset[str]):
        self.specs, self.spec, self.named = coarse.specs, coarse.spec, coarse.named | split
        self._bounds, self._segments = coarse._bounds, coarse._segments
        classes: list[frozenset[str]] = []
        reps: list[str] = []
        parents: list[int] = []
        for i, cl in enumerate(coarse.classes):
            rest = cl - split
            first = coarse._reps[i]
            pieces = [c for c in [first] + sorted(cl - {first}) if c in split]
            if rest:
                rest_rep = first if first in rest else min(rest)
                at = 0 if first in rest else 1
                pieces.insert(at, rest_rep)
            for rep in pieces:
                classes.append(rest if rep not in split else frozenset({rep}))
                reps.append(rep)
                parents.append(i)
        self.classes, self._reps = classes, reps
        self._index = {c: i for i, cl in enumerate(classes) for c in cl}
        self._intervals_by_spec = [{g: [table[g][p] for p in parents] for g in table}
                                   for table in coarse._intervals_by_spec]
        self._intervals = self._intervals_by_spec[0]


def _pick_rep(cls: frozenset[str], defaults: frozenset[str]) -> str:
    preferred = sorted(cls & defaults)
    return preferred[0] if preferred else min(cls)
