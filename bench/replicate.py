"""Grown and shrunk copies of a spec, for the scaling benchmark. Generic: nothing here knows
what the spec regulates.

replicate(src, dst, k): the spec in `src` plus k-1 renamed copies of its parameters, definitions,
outcomes, rules, properties and examples (every declared name of those kinds suffixed `_2`,
`_3`, ...; the vocabulary - readings, enums, countries, inputs, country groups - stays shared).
Renaming works on the lexer's tokens: NAME tokens that are not part of a dotted input path.

cut_countries(spec, n): the parsed Spec with its country list cut to n countries (every country
the spec names kept, then one country of each group-membership signature, then the rest in
code order), the groups keeping only those countries.
"""
from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

TOKEN = re.compile(r"""(?P<comment>\#[^\n]*)|(?P<string>"(?:[^"\\\n]|\\.)*")|(?P<date>\d{4}-\d{2}-\d{2})
                       |(?P<number>\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?%?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)
                       |(?P<other>\s+|.)""", re.X | re.S)
DECLS = ("reading", "enum", "countries", "group", "input", "param", "def", "outcome", "rule",
         "property", "example")
REPLICATED = ("param", "def", "outcome", "rule", "property", "example")


def tokens(text: str):
    return [(m.lastgroup, m.group(), m.start(), m.end()) for m in TOKEN.finditer(text)]


def declarations(text: str) -> list[tuple[str, str, str]]:
    """[(keyword, declared name, text)]: the file cut at each declaration keyword in column 0
    (text before the first declaration: keyword '')."""
    toks = tokens(text)
    starts = []
    for i, (kind, val, s, _e) in enumerate(toks):
        if kind == "name" and val in DECLS and (s == 0 or text[s - 1] == "\n"):
            name = next((v for k, v, _s, _e in toks[i + 1:] if k == "name"), "")
            starts.append((s, val, name))
    out = []
    if not starts or starts[0][0] > 0:
        out.append(("", "", text[:starts[0][0] if starts else len(text)]))
    for j, (s, kw, name) in enumerate(starts):
        end = starts[j + 1][0] if j + 1 < len(starts) else len(text)
        out.append((kw, name, text[s:end]))
    return out


def rename(text: str, names: set[str], suffix: str) -> str:
    toks = tokens(text)
    parts = []
    for i, (kind, val, s, e) in enumerate(toks):
        if kind == "name" and val in names:
            before = text[s - 1] if s > 0 else ""
            after = text[e] if e < len(text) else ""
            if before != "." and after != ".":
                val = val + suffix
        elif kind == "comment":
            val = ""
        parts.append(val)
    return "".join(parts)


def replicate(src: str | Path, dst: str | Path, k: int) -> dict:
    """Write the spec of `src` grown k times into `dst`; returns counts."""
    src, dst = Path(src), Path(dst)
    dst.mkdir(parents=True, exist_ok=True)
    decls = []
    for p in sorted(src.glob("*.earl")):
        shutil.copy(p, dst / p.name)
        decls += declarations(p.read_text(encoding="utf-8"))
    shared = {name for kw, name, _ in decls if kw in DECLS and kw not in REPLICATED}
    names = {name for kw, name, _ in decls if kw in REPLICATED} - shared
    copied = [text for kw, _name, text in decls if kw in REPLICATED]
    for i in range(2, k + 1):
        body = "\n".join(rename(t, names, f"_{i}") for t in copied)
        (dst / f"zz-copy-{i}.earl").write_text(body, encoding="utf-8")
    return {"copies": k, "declarations_per_copy": len(copied), "renamed_names": len(names)}


def _walk(x):
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        yield x
        for f in dataclasses.fields(x):
            yield from _walk(getattr(x, f.name))
    elif isinstance(x, (tuple, list, frozenset, set)):
        for y in x:
            yield from _walk(y)
    elif isinstance(x, dict):
        for y in x.values():
            yield from _walk(y)
    else:
        yield x


def named_countries(spec) -> set[str]:
    """Every country a declaration names (literals, sets, input defaults, examples, params)."""
    out = set()
    roots = [spec.inputs, spec.params, spec.defs, spec.rules, spec.properties, spec.examples]
    for root in roots:
        for v in _walk(root):
            if isinstance(v, str) and v in spec.countries:
                out.add(v)
    out &= set(spec.countries)
    return out


def cut_countries(spec, n: int = 20):
    named = named_countries(spec)
    keep = set(named)
    sig: dict[str, set] = {}
    for g in spec.groups.values():
        for m in g.members:
            sig.setdefault(m.country, set()).add((g.name, m.since, m.until))
    reps = {}
    for code in sorted(sig):
        reps.setdefault(frozenset(sig[code]), code)
    for code in sorted(reps.values()):
        if len(keep) >= n:
            break
        keep.add(code)
    for code in sorted(spec.countries):
        if len(keep) >= n:
            break
        keep.add(code)
    spec.countries = {c: i for c, i in spec.countries.items() if c in keep}
    spec.groups = {name: dataclasses.replace(g, members=tuple(m for m in g.members if m.country in keep))
                   for name, g in spec.groups.items()}
    return spec, {"kept": len(keep), "named": len(named)}
