"""Country groups: declarations, membership on a date, and the dates membership changes on.

The one place that says who was in a group when; the evaluator, the z3 country classes and the
clingo abstraction all read `GroupTable`s.

>>> import datetime
>>> day = datetime.date
>>> g = Group("G", "a group", "cite", members=(Membership("AA"), Membership("BB", until=day(2025, 3, 1))))
>>> t = tables({"G": g})["G"]
>>> sorted(t.members_on(day(2025, 1, 1))), sorted(t.members_on(day(2025, 3, 1)))
(['AA', 'BB'], ['AA'])
>>> t.breaks
(datetime.date(2025, 3, 1),)
"""
from __future__ import annotations

import datetime
from bisect import bisect_right
from dataclasses import dataclass
from typing import Mapping, Union

from .types import NOWHERE, Pos

__all__ = ["GroupError", "Membership", "GroupUnion", "GroupDiff", "GroupName", "GroupExpr", "Group", "GroupTable", "breaks", "members", "table", "tables"]


class GroupError(Exception):
    """A group that is not declared, or groups defined in terms of each other in a cycle."""


@dataclass(frozen=True)
class Membership:
    """A country's membership of a group: `since` inclusive, `until` exclusive; None = open."""
    country: str
    since: datetime.date | None = None
    until: datetime.date | None = None
    note: str = ""

    def holds_on(self, day: datetime.date) -> bool:
        return (self.since is None or self.since <= day) and (self.until is None or day < self.until)


@dataclass(frozen=True)
class GroupUnion:
    groups: tuple[GroupExpr, ...]


@dataclass(frozen=True)
class GroupDiff:
    base: GroupExpr
    minus: GroupExpr


@dataclass(frozen=True)
class GroupName:
    name: str


GroupExpr = Union[GroupUnion, GroupDiff, GroupName]


@dataclass(frozen=True)
class Group:
    """A country group: either listed members (`members`) or defined from others (`definition`)."""
    name: str
    title: str
    cite: str
    members: tuple[Membership, ...] = ()
    definition: GroupExpr | None = None
    doc: str = ""
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class GroupTable:
    """A group's members over time: `sets[bisect_right(breaks, day)]` are the members on `day`."""
    breaks: tuple[datetime.date, ...]
    sets: tuple[frozenset[str], ...]

    def members_on(self, day: datetime.date) -> frozenset[str]:
        return self.sets[bisect_right(self.breaks, day)]

    @property
    def static(self) -> bool:
        return not self.breaks


def _named(groups: Mapping[str, Group], name: str, seen: tuple[str, ...]) -> Group:
    if name in seen:
        raise GroupError("country groups defined in a cycle: " + " -> ".join(seen + (name,)))
    if name not in groups:
        raise GroupError(f"no country group named {name!r}")
    return groups[name]


def breaks(groups: Mapping[str, Group], g: GroupExpr | str, seen: tuple[str, ...] = ()) -> set[datetime.date]:
    """The dates on which membership of `g` (a name or a group expression) may change."""
    if isinstance(g, str):
        g = GroupName(g)
    if isinstance(g, GroupName):
        grp = _named(groups, g.name, seen)
        if grp.definition is not None:
            return breaks(groups, grp.definition, seen + (g.name,))
        return {d for m in grp.members for d in (m.since, m.until) if d is not None}
    if isinstance(g, GroupUnion):
        return set().union(*(breaks(groups, x, seen) for x in g.groups))
    if isinstance(g, GroupDiff):
        return breaks(groups, g.base, seen) | breaks(groups, g.minus, seen)
    raise GroupError(f"not a group expression: {g!r}")


def members(groups: Mapping[str, Group], g: GroupExpr | str, day: datetime.date,
            seen: tuple[str, ...] = ()) -> frozenset[str]:
    """The members of `g` (a name or a group expression) on `day`."""
    if isinstance(g, str):
        g = GroupName(g)
    if isinstance(g, GroupName):
        grp = _named(groups, g.name, seen)
        if grp.definition is not None:
            return members(groups, grp.definition, day, seen + (g.name,))
        return frozenset(m.country for m in grp.members if m.holds_on(day))
    if isinstance(g, GroupUnion):
        return frozenset().union(*(members(groups, x, day, seen) for x in g.groups))
    if isinstance(g, GroupDiff):
        return members(groups, g.base, day, seen) - members(groups, g.minus, day, seen)
    raise GroupError(f"not a group expression: {g!r}")


def table(groups: Mapping[str, Group], name: str) -> GroupTable:
    """`name`'s piecewise-constant membership."""
    days = tuple(sorted(breaks(groups, name)))
    return GroupTable(days, tuple(members(groups, name, d) for d in (datetime.date.min,) + days))


def tables(groups: Mapping[str, Group]) -> dict[str, GroupTable]:
    return {name: table(groups, name) for name in groups}
