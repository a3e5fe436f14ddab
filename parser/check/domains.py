"""Readings, enums, the country domain and country groups (members by date, definitions, cycles)."""
from __future__ import annotations

import datetime

from ...ir import Pos
from .. import ast, decls
from ..diagnostics import did_you_mean
from .checked import Checked
from .scope import COUNTRY_SOURCES, country_domain
from .types import BUILTIN_TYPES


def check_readings(c: Checked) -> None:
    defaults = [r for r in c.readings.values() if r.is_default]
    if not defaults:
        anchor = (next(iter(c.readings.values())).name if c.readings else
                  (ast.Ident(Pos(c.files[0].path, 1, 1), "") if c.files else None))
        if anchor is not None:
            c.err(anchor, "no default reading: exactly one reading must be marked 'default'",
                  "write e.g. 'reading regulation default'")
        else:
            c.r.error(Pos("<spec>", 0, 0), "the spec is empty: no .earl files")
    for extra in defaults[1:]:
        c.err(extra.name, f"a second default reading '{extra.name.name}': "
                             f"'{defaults[0].name.name}' is already the default (at {defaults[0].pos})")


def check_enums(c: Checked) -> None:
    for e in c.enums.values():
        if e.name.name in BUILTIN_TYPES:
            c.err(e.name, f"'{e.name.name}' is a built-in type and cannot be an enum name")
        if not e.members:
            c.err(e.name, f"enum {e.name.name} has no members")
        seen: set[str] = set()
        for m in e.members:
            if m.value in seen:
                c.err(m, f"\"{m.value}\" is listed twice in enum {e.name.name}", length=len(m.value) + 2)
            seen.add(m.value)
        c.scope.enums[e.name.name] = tuple(dict.fromkeys(m.value for m in e.members))


def check_countries(c: Checked, declared: list[decls.CountriesDecl]) -> None:
    if not declared:
        anchor = c.files[0].path if c.files else "<spec>"
        c.r.error(Pos(anchor, 1, 1), "no 'countries' declaration: the spec must declare its countries once",
                  "write e.g. 'countries iso3166'")
        return
    for extra in declared[1:]:
        c.err(extra, f"a second 'countries' declaration: there is exactly one (the first is at {declared[0].pos})")
    d = declared[0]
    if d.name.name not in COUNTRY_SOURCES:
        c.err(d.name, f"unknown country source '{d.name.name}'",
              did_you_mean(d.name.name, COUNTRY_SOURCES) or "the known source is 'iso3166'",
              len(d.name.name))
        base = {}
    else:
        base = country_domain(d.name.name, ())
    out = dict(base)
    for x in d.extras:
        if x.code in base:
            c.err(x, f"\"{x.code}\" is already a country code ({base[x.code]})", length=len(x.code) + 2)
        elif x.code in out:
            c.err(x, f"\"{x.code}\" is listed twice", length=len(x.code) + 2)
        elif not x.code.strip():
            c.err(x, "an empty country code")
        out[x.code] = x.name
    c.scope.countries.update(out)


def check_groups(c: Checked) -> None:
    deps: dict[str, list[decls.GroupName]] = {}
    for g in c.groups.values():
        if g.members is not None:
            spans: dict[str, list] = {}
            for m in g.members:
                if m.code not in c.scope.countries:
                    c.err(m, f"\"{m.code}\" is not a known country code",
                          did_you_mean(m.code, c.scope.countries), len(m.code) + 2)
                if m.since is not None and m.until is not None and not m.since < m.until:
                    c.r.error(m.until_pos or m.pos, f"the membership of \"{m.code}\" ends (until {m.until}) "
                                               f"before it begins (from {m.since})", length=10)
                lo = m.since or datetime.date.min
                hi = m.until or datetime.date.max
                for (plo, phi, pm) in spans.get(m.code, []):
                    if lo < phi and plo < hi:
                        c.err(m, f"\"{m.code}\" is listed twice in group {g.name.name} for overlapping "
                                    f"dates (also at line {pm.pos.line})", length=len(m.code) + 2)
                        break
                spans.setdefault(m.code, []).append((lo, hi, m))
        else:
            refs: list[decls.GroupName] = []
            _group_refs(g.definition, refs)
            for ref in refs:
                if ref.name not in c.groups:
                    c.err(ref, f"undefined group '{ref.name}'", did_you_mean(ref.name, c.groups),
                          len(ref.name))
            deps[g.name.name] = [x for x in refs if x.name in c.groups]
    # cycles among defined groups
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(name: str) -> None:
        state[name] = 1
        stack.append(name)
        for ref in deps.get(name, []):
            if state.get(ref.name) == 1:
                cycle = stack[stack.index(ref.name):] + [ref.name]
                c.err(ref, "circular group definition: " + " -> ".join(cycle), length=len(ref.name))
            elif ref.name not in state:
                visit(ref.name)
        stack.pop()
        state[name] = 2

    for name in deps:
        if name not in state:
            visit(name)


def _group_refs(g, out: list) -> None:
    if isinstance(g, decls.GroupName):
        out.append(g)
    elif g is not None:
        _group_refs(g.left, out)
        _group_refs(g.right, out)
