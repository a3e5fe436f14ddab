"""The names a spec declares, as expressions see them; the country domain; the reserved words."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Iterable, Optional

from ... import ir
from ..parse import get_parser

COUNTRY_SOURCES = ("iso3166",)


@functools.lru_cache(maxsize=len(COUNTRY_SOURCES))
def _source_countries(source: str) -> tuple[tuple[str, str], ...]:
    import pycountry  # it reads its database when imported: only once a spec is checked
    if source == "iso3166":
        return tuple((c.alpha_2, getattr(c, "common_name", None) or c.name) for c in pycountry.countries)
    return ()


def country_domain(source: str, extras: Iterable[tuple[str, str]]) -> dict[str, str]:
    """code -> name: ISO 3166-1 alpha-2 (pycountry) plus user-assigned extras."""
    out = dict(_source_countries(source))
    for code, name in extras:
        out[code] = name
    return out




@functools.lru_cache(maxsize=1)
def reserved_words() -> frozenset[str]:
    """The keywords of the grammar: a name spelt like one could not always be referred to."""
    words: set[str] = set()
    for t in get_parser().terminals:
        if t.pattern.type == "str":
            if t.pattern.value.isidentifier():
                words.add(t.pattern.value)
        else:
            # alternatives of regex keywords such as "holds" | "fails", (max|min)(?=\()
            words.update(w for w in re.findall(r"[A-Za-z_]+", t.pattern.value)
                         if t.name not in ("NAME", "STRING", "NUMBER", "DATE", "COMMENT", "WS")
                         and len(w) > 2)
    return frozenset(words)


@dataclass
class Scope:
    inputs: dict[str, object] = field(default_factory=dict)     # path -> ir type
    params: dict[str, object] = field(default_factory=dict)
    defs: dict[str, object] = field(default_factory=dict)
    outcomes: dict[str, object] = field(default_factory=dict)
    groups: set[str] = field(default_factory=set)
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    countries: dict[str, str] = field(default_factory=dict)     # code -> name
    rules: dict[str, frozenset[str]] = field(default_factory=dict)  # name -> the readings it exists under

    def lookup(self, name: str) -> Optional[tuple[str, object]]:
        for kind, table in (("input", self.inputs), ("param", self.params), ("def", self.defs),
                            ("outcome", self.outcomes)):
            if name in table:
                return kind, table[name]
        if name in self.groups:
            return "group", None
        return None

    def all_names(self) -> list[str]:
        return [*self.inputs, *self.params, *self.defs, *self.outcomes]

    @classmethod
    def of_spec(cls, spec: ir.Spec) -> "Scope":
        return cls(inputs={k: v.type for k, v in spec.inputs.items()},
                   params={k: v.type for k, v in spec.params.items()},
                   defs={k: v.type for k, v in spec.defs.items()},
                   outcomes={k: v.type for k, v in spec.outcomes.items()},
                   groups=set(spec.groups),
                   enums={k: v.members for k, v in spec.enums.items()},
                   countries={k: v.name for k, v in spec.countries.items()},
                   rules={k: r.readings or frozenset(spec.readings) for k, r in spec.rules.items()})

