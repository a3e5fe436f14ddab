"""A minimal reader of a spec's text for the identity harness (bench/identity.py): the inputs,
enums, outcomes, readings, groups, number and date constants and examples, found by a tokenizer
and a scan of the declarations, not by earl's parser (whose internals the harness must not use:
they are what the refactor it checks changes)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from fractions import Fraction

_TOKEN = re.compile(r'(?P<ws>\s+)|(?P<comment>#[^\n]*)|(?P<string>"(?:[^"\\\n]|\\.)*")'
                    r'|(?P<date>\d{4}-\d{2}-\d{2})|(?P<number>\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?%?)'
                    r'|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>==|!=|<=|>=|\+=|-=|\S)')
_DECLS = frozenset({"reading", "enum", "countries", "group", "input", "param", "def", "outcome", "rule",
                    "property", "example", "in_force", "notice"})


def tokens(text: str) -> list[tuple[str, str]]:
    """(kind, text) of each token of a spec file, comments and blanks left out.

    >>> tokens('input item.tpp : number = 0, min 0  # TPP')
    [('name', 'input'), ('name', 'item'), ('op', '.'), ('name', 'tpp'), ('op', ':'), ('name', 'number'), ('op', '='), ('number', '0'), ('op', ','), ('name', 'min'), ('number', '0')]
    """
    return [(m.lastgroup, m.group()) for m in _TOKEN.finditer(text) if m.lastgroup not in ("ws", "comment")]


def number(text: str) -> Fraction:
    """A spec number literal, exactly: `26_900_000`, `2.5e25`, `25%`."""
    percent = text.endswith("%")
    value = Fraction(text.rstrip("%").replace("_", ""))
    return value / 100 if percent else value


def number_json(x: Fraction) -> int | str:
    """An exact number as a transaction or `--param` value (earl reads "p/q" exactly)."""
    return x.numerator if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


@dataclass(frozen=True)
class Input:
    path: str
    kind: str                  # bool, number, integer, date, country, enum, set
    enum: str = ""
    optional: bool = False


@dataclass
class Example:
    name: str
    given: dict = field(default_factory=dict)      # dotted input path -> JSON value
    readings: list = field(default_factory=list)
    params: dict = field(default_factory=dict)


@dataclass
class SpecFacts:
    """What the harness needs to know about a spec, read from its text."""
    inputs: list = field(default_factory=list)
    enums: dict = field(default_factory=dict)
    outcomes: dict = field(default_factory=dict)   # name -> Input-like type description
    readings: list = field(default_factory=list)   # the default first
    groups: list = field(default_factory=list)
    extra_countries: list = field(default_factory=list)
    numbers: set = field(default_factory=set)
    dates: set = field(default_factory=set)
    named_countries: set = field(default_factory=set)
    examples: list = field(default_factory=list)


def read_spec(files: dict[str, str]) -> SpecFacts:
    """The inputs, enums, outcomes, readings, groups, constants and examples of a spec given as
    {file name: text}."""
    facts = SpecFacts()
    default_reading = None
    for name in sorted(files):
        toks = tokens(files[name])
        starts = [i for i, (k, t) in enumerate(toks)
                  if k == "name" and t in _DECLS and (i == 0 or toks[i - 1][1] != ".")]
        for a, b in zip(starts, starts[1:] + [len(toks)]):
            decl = toks[a:b]
            default_reading = _read_decl(decl, facts) or default_reading
        for kind, text in toks:
            if kind == "number":
                facts.numbers.add(number(text))
            elif kind == "date":
                facts.dates.add(text)
            elif kind == "string" and re.fullmatch(r'"[A-Z]{2}"', text):
                facts.named_countries.add(text[1:-1])
    if default_reading in facts.readings:
        facts.readings.remove(default_reading)
        facts.readings.insert(0, default_reading)
    return facts


def _path(toks, i) -> tuple[str, int]:
    parts = [toks[i][1]]
    while i + 2 < len(toks) and toks[i + 1][1] == "." and toks[i + 2][0] == "name":
        parts.append(toks[i + 2][1])
        i += 2
    return ".".join(parts), i + 1


def _type(toks, i) -> tuple[str, str, bool, int]:
    """(kind, enum name, optional, next index) of the type at toks[i]."""
    if toks[i][1] == "set" and toks[i + 1][1] == "of":
        return "set", toks[i + 2][1], False, i + 3
    name = toks[i][1]
    optional = i + 1 < len(toks) and toks[i + 1][1] == "?"
    kind = name if name in ("bool", "number", "integer", "date", "country") else "enum"
    return kind, name if kind == "enum" else "", optional, i + (2 if optional else 1)


def _literal(toks, i) -> tuple[object, int]:
    """The JSON value of the literal at toks[i] (numbers exact), and the next index."""
    kind, text = toks[i]
    if text == "-" and toks[i + 1][0] == "number":
        return number_json(-number(toks[i + 1][1])), i + 2
    if kind == "number":
        return number_json(number(text)), i + 1
    if kind == "date":
        return text, i + 1
    if kind == "string":
        return json.loads(text), i + 1
    if text in ("true", "false", "none"):
        return {"true": True, "false": False, "none": None}[text], i + 1
    if text == "{":
        items, i = [], i + 1
        while toks[i][1] != "}":
            if toks[i][1] == ",":
                i += 1
                continue
            value, i = _literal(toks, i)
            items.append(value)
        return items, i + 1
    raise ValueError(f"not a literal: {text}")


def _bindings(toks, i) -> tuple[dict, int]:
    out = {}
    while True:
        path, i = _path(toks, i)
        value, i = _literal(toks, i + 1)           # skip "="
        out[path] = value
        if i < len(toks) and toks[i][1] == ",":
            i += 1
            continue
        return out, i


def _read_decl(decl, facts: SpecFacts) -> str | None:
    """Adds one declaration to `facts`; returns the reading's name when it is the default."""
    kw = decl[0][1]
    if kw == "reading":
        facts.readings.append(decl[1][1])
        return decl[1][1] if len(decl) > 2 and decl[2][1] == "default" else None
    if kw == "enum":
        body = decl[[t for _, t in decl].index("{"):]
        facts.enums[decl[1][1]] = [json.loads(t) for k, t in body[:[t for _, t in body].index("}")] if k == "string"]
    elif kw == "countries" and any(t == "plus" for _, t in decl):
        texts = [t for _, t in decl]
        body = decl[texts.index("{") + 1:texts.index("}")]
        facts.extra_countries.extend(json.loads(t) for k, t in body[::2] if k == "string")
    elif kw == "group":
        facts.groups.append(decl[1][1])
    elif kw in ("input", "outcome"):
        path, i = _path(decl, 1)
        kind, enum, optional, _ = _type(decl, i + 1)
        typ = Input(path, kind, enum, optional)
        (facts.inputs.append(typ) if kw == "input" else facts.outcomes.__setitem__(path, typ))
    elif kw == "example":
        facts.examples.append(_read_example(decl))
    return None


def _read_example(decl) -> Example:
    example = Example(decl[1][1])
    i = 2
    while i < len(decl):
        word = decl[i][1]
        if word == "given":
            given, i = _bindings(decl, i + 1)
            example.given.update(given)
        elif word == "with":
            params, i = _bindings(decl, i + 1)
            example.params.update(params)
        elif word == "under":
            example.readings.append(decl[i + 1][1])
            i += 2
        elif word == "expect":
            _, i = _bindings(decl, i + 1)
        else:
            i += 1
    return example


def nested(flat: dict) -> dict:
    """{"item.tpp": 1} -> {"item": {"tpp": 1}}"""
    out: dict = {}
    for path, value in flat.items():
        *parents, last = path.split(".")
        node = out
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    return out
