"""Transactions: completing them with defaults, reading them from JSON, writing them back.

A transaction maps input paths (`"item.tpp"`) to values (see ir.py for the value of each type).
A *complete* transaction has a value for every input of the spec; `complete` applies the
defaults. A transaction read from JSON may also hold `UNKNOWN` for a field the user gave as
`null` (a fact the user does not know); engines only ever see complete, known transactions, and
the unknown-facts analysis (`earl.solver.unknowns`) handles the rest.

Numbers are exact: JSON numbers are read as decimals (never floats) and become Fractions.
"""
from __future__ import annotations

import datetime
import difflib
import json
import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from .ir import Bool, Country, Date, Enum, InputRef, Lit, Num, SetOf, Spec, Type, Value

__all__ = ["UNKNOWN", "TransactionError", "complete", "parse_json", "parse_value", "to_json",
           "value_to_json", "format_fraction", "parse_number"]


class _Unknown:
    """A fact the user says they do not know (JSON `null` for a non-optional input)."""
    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __reduce__(self):
        return (_Unknown, ())


UNKNOWN = _Unknown()


class TransactionError(ValueError):
    """A transaction that cannot be read: `path` is the JSON path (`$.item.tpp`), `line` the line
    of a JSON Lines file (or None)."""

    def __init__(self, path: str, message: str, line: int | None = None):
        self.path = path
        self.message = message
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}{self.path}: {self.message}"


# --------------------------------------------------------------------------- completion

def complete(spec: Spec, given: dict[str, Any]) -> dict[str, Any]:
    """Every input of `spec` with a value: the given ones, the rest from their defaults.

    A default naming another input takes that input's completed value (which may itself be a
    default, or UNKNOWN). Raises TransactionError for a path that is not an input.
    """
    for path in given:
        if path not in spec.inputs:
            raise TransactionError(_json_path(path), "no such input" + _suggest(path, spec.inputs))
    out: dict[str, Any] = {}

    def value_of(path: str, seen: tuple[str, ...]) -> Any:
        if path in out:
            return out[path]
        if path in given:
            v = given[path]
        else:
            default = spec.inputs[path].default
            if isinstance(default, Lit):
                v = default.value
            elif isinstance(default, InputRef):
                if default.path in seen:
                    raise TransactionError(_json_path(path), "input defaults form a cycle: "
                                           + " -> ".join(seen + (default.path,)))
                v = value_of(default.path, seen + (default.path,))
            else:  # pragma: no cover - the checker only allows literals and input paths
                raise TransactionError(_json_path(path), f"unsupported default {default!r}")
        out[path] = v
        return v

    for path in spec.inputs:
        value_of(path, (path,))
    return {path: out[path] for path in spec.inputs}


# --------------------------------------------------------------------------- numbers

_NUMBER_RE = re.compile(r"[+-]?(\d[\d_]*)?(\.\d[\d_]*|\.)?([eE][+-]?\d+)?%?")
_RATIO_RE = re.compile(r"[+-]?\d+\s*/\s*\d+")


def parse_number(text: str) -> Fraction | None:
    """An exact number from text: `4800`, `1_000_000`, `5.92`, `1e26`, `2.5e25`, `25%`, `1/3`.
    None if the text is not a number."""
    s = text.strip()
    if not s:
        return None
    if _RATIO_RE.fullmatch(s):
        num, den = s.split("/")
        if int(den) == 0:
            return None
        return Fraction(int(num), int(den))
    m = _NUMBER_RE.fullmatch(s)
    if not m or not (m.group(1) or (m.group(2) and len(m.group(2)) > 1)):
        return None
    pct = s.endswith("%")
    body = s[:-1] if pct else s
    try:
        value = _decimal_fraction(body.replace("_", ""))
    except Exception:
        return None
    if not isinstance(value, Fraction):
        return None
    return value / 100 if pct else value


def decimal_places(x: Fraction) -> int | None:
    """How many decimal places write `x` exactly (0 for a whole number), or None when its
    decimal expansion does not terminate (the denominator has a prime factor other than 2, 5)."""
    d = Fraction(x).denominator
    twos = fives = 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    return max(twos, fives) if d == 1 else None


def format_fraction(x: Fraction) -> int | str:
    """Exact JSON form of a number: an int when integral, else a decimal string when the
    decimal expansion is finite, else "p/q"."""
    x = Fraction(x)
    if x.denominator == 1:
        return x.numerator
    digits = decimal_places(x)
    if digits is None:
        return f"{x.numerator}/{x.denominator}"
    n = (x * 10 ** digits).numerator
    sign = "-" if n < 0 else ""
    s = str(abs(n)).rjust(digits + 1, "0")
    return f"{sign}{s[:-digits]}.{s[-digits:]}"


class _BadConstant:
    def __init__(self, text: str):
        self.text = text


_MAX_EXPONENT = 400  # |exponent| beyond this is refused rather than expanded exactly


def _decimal_fraction(text: str) -> Fraction | _BadConstant:
    try:
        d = Decimal(text)
    except InvalidOperation:  # an exponent beyond even Decimal's range
        return _BadConstant(f"{text} (too large or too small to be a quantity)")
    if not d.is_finite() or abs(d.adjusted()) > _MAX_EXPONENT:
        return _BadConstant(f"{text} (too large or too small to be a quantity)")
    return Fraction(d)


def _loads(text: str | bytes) -> Any:
    return json.loads(text, parse_float=_decimal_fraction, parse_constant=_BadConstant)


# --------------------------------------------------------------------------- JSON -> transaction

def _json_path(path: str) -> str:
    return "$." + path if path else "$"


def _suggest(word: str, choices, n: int = 3) -> str:
    close = difflib.get_close_matches(word, list(choices), n=n, cutoff=0.6)
    if not close:
        return ""
    if len(close) == 1:
        return f" (did you mean {close[0]!r}?)"
    return " (did you mean " + ", ".join(repr(c) for c in close[:-1]) + f" or {close[-1]!r}?)"


def _describe(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, Fraction)):
        return f"the number {format_fraction(Fraction(v))}"
    if isinstance(v, str):
        return f"the string {v!r}"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "an object"
    if isinstance(v, _BadConstant):
        return v.text
    return type(v).__name__


def _as_number(v: Any) -> Fraction | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return Fraction(v)
    if isinstance(v, Fraction):
        return v
    if isinstance(v, (Decimal, float)):
        if v != v or v in (float("inf"), float("-inf")):
            return None
        x = _decimal_fraction(repr(v) if isinstance(v, float) else str(v))
        return x if isinstance(x, Fraction) else None
    if isinstance(v, str):
        return parse_number(v)
    return None


def parse_value(spec: Spec, typ: Type, v: Any, where: str, *, minimum: Fraction | None = None) -> Any:
    """One JSON value as a value of `typ` (raises TransactionError naming `where`).
    `null` is UNKNOWN, except for an optional enum, where it is `none`."""
    if v is None:
        if isinstance(typ, Enum) and typ.optional:
            return None
        return UNKNOWN
    if isinstance(typ, Bool):
        if isinstance(v, bool):
            return v
        raise TransactionError(where, f"expected true or false, got {_describe(v)}")
    if isinstance(typ, Num):
        x = _as_number(v)
        if x is None:
            raise TransactionError(where, f"expected {'a whole number' if typ.integer else 'a number'}"
                                   f", got {_describe(v)}")
        if typ.integer and x.denominator != 1:
            raise TransactionError(where, f"expected a whole number, got {format_fraction(x)}")
        if minimum is not None and x < minimum:
            raise TransactionError(where, f"must be at least {format_fraction(minimum)}, "
                                   f"got {format_fraction(x)}")
        return x
    if isinstance(typ, Date):
        if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v.strip()):
            try:
                return datetime.date.fromisoformat(v.strip())
            except ValueError as e:
                raise TransactionError(where, f"not a valid date: {v!r} ({e})") from None
        raise TransactionError(where, f"expected a date written YYYY-MM-DD, got {_describe(v)}")
    if isinstance(typ, Country):
        if not isinstance(v, str):
            raise TransactionError(where, f"expected a country code such as \"US\", got {_describe(v)}")
        code = v.strip().upper()
        if code in spec.countries:
            return code
        by_name = {c.name.casefold(): c.code for c in spec.countries.values()}
        if v.strip().casefold() in by_name:
            return by_name[v.strip().casefold()]
        hint = _suggest(code, spec.countries) or _suggest(v.strip().casefold(), by_name)
        if hint:
            # name suggestions come back as names; show the code with them
            close = difflib.get_close_matches(v.strip().casefold(), list(by_name), n=3, cutoff=0.6)
            if close and not difflib.get_close_matches(code, list(spec.countries), n=1, cutoff=0.6):
                hint = " (did you mean " + ", ".join(
                    f"{by_name[c]!r} ({spec.countries[by_name[c]].name})" for c in close) + "?)"
        return _raise(where, f"unknown country {v!r}: expected an ISO 3166-1 alpha-2 code"
                             f" such as \"FR\"{hint}")
    if isinstance(typ, Enum):
        members = spec.enums[typ.name].members
        if isinstance(v, str) and v in members:
            return v
        if isinstance(v, str):
            folded = {m.casefold(): m for m in members}
            if v.casefold() in folded:
                return _raise(where, f"unknown {typ.name} {v!r} (did you mean {folded[v.casefold()]!r}?)")
        allowed = _allowed(members) + (" or null (none)" if typ.optional else "")
        what = f"{v!r}" if isinstance(v, str) else _describe(v)
        hint = _suggest(v, members) if isinstance(v, str) else ""
        return _raise(where, f"unknown {typ.name} {what}{hint}; expected one of {allowed}")
    if isinstance(typ, SetOf):
        if not isinstance(v, list):
            raise TransactionError(where, f"expected a list of {typ.enum}, got {_describe(v)}")
        elem = Enum(typ.enum)
        return frozenset(parse_value(spec, elem, x, f"{where}[{i}]") for i, x in enumerate(v))
    raise TransactionError(where, f"unsupported type {typ}")  # pragma: no cover


def _raise(where: str, message: str):
    raise TransactionError(where, message)


def _allowed(members) -> str:
    shown = [repr(m) for m in members]
    if len(shown) > 25:
        shown = shown[:25] + [f"... ({len(members) - 25} more)"]
    return ", ".join(shown)


def _input_tree(spec: Spec) -> dict:
    """Nested dict of path segments; leaves are the full input path (str)."""
    tree: dict = {}
    for path in spec.inputs:
        node = tree
        parts = path.split(".")
        for part in parts[:-1]:
            nxt = node.setdefault(part, {})
            if isinstance(nxt, str):  # an input is also a prefix: the checker forbids it
                break
            node = nxt
        else:
            node[parts[-1]] = path
    return tree


def parse_json(spec: Spec, obj: Any, *, line: int | None = None) -> dict[str, Any]:
    """The inputs given in one JSON transaction (a nested object, or its text).

    Returns path -> value for the fields present (absent fields are omitted: `complete` gives
    them their defaults); `null` gives UNKNOWN (for an optional enum: none). Dotted keys
    (`{"item.tpp": 4800}`) are accepted too. Raises TransactionError naming the JSON path.
    """
    try:
        if isinstance(obj, (str, bytes, bytearray)):
            try:
                obj = _loads(obj)
            except json.JSONDecodeError as e:
                raise TransactionError("$", f"malformed JSON: {e.msg} at column {e.colno}") from None
            except (ValueError, RecursionError) as e:
                raise TransactionError("$", f"malformed JSON: {e}") from None
        if not isinstance(obj, dict):
            raise TransactionError("$", f"a transaction is a JSON object, got {_describe(obj)}")
        out: dict[str, Any] = {}
        _walk(spec, _input_tree(spec), obj, "", out)
        return out
    except TransactionError as e:
        if line is not None and e.line is None:
            e.line = line
            e.args = (str(e),)
        raise


def _walk(spec: Spec, tree: dict, obj: dict, prefix: str, out: dict) -> None:
    for key, v in obj.items():
        if not isinstance(key, str):
            raise TransactionError(_json_path(prefix), f"field names must be strings, got {key!r}")
        full = f"{prefix}.{key}" if prefix else key
        node = tree.get(key)
        if node is None and "." in key and full in spec.inputs:
            node = full
        if node is None:
            siblings = list(tree)
            hint = _suggest(key, siblings)
            if not hint:
                hint = _suggest(full, spec.inputs)
            known = ", ".join(repr(s) for s in siblings[:20])
            raise TransactionError(_json_path(full), f"unknown field {key!r}{hint}; "
                                   f"{'the fields here are' if prefix else 'the fields are'} {known}")
        if isinstance(node, str):
            decl = spec.inputs[node]
            if node in out:
                raise TransactionError(_json_path(full), "given twice")
            out[node] = parse_value(spec, decl.type, v, _json_path(node), minimum=decl.minimum)
        else:
            if not isinstance(v, dict):
                raise TransactionError(_json_path(full), f"expected an object with fields "
                                       + ", ".join(repr(s) for s in node) + f", got {_describe(v)}")
            _walk(spec, node, v, full, out)


# --------------------------------------------------------------------------- transaction -> JSON

def value_to_json(v: Any, typ: Type | None = None) -> Any:
    """One value in its exact JSON form (numbers: int, or a decimal/fraction string)."""
    if v is UNKNOWN or v is None:
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, Fraction)):
        return format_fraction(Fraction(v))
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, (frozenset, set)):
        return sorted(v)
    return v


def to_json(spec: Spec, tx: dict[str, Any]) -> dict:
    """A transaction as a nested JSON object (round-trips through parse_json)."""
    out: dict = {}
    for path, v in tx.items():
        typ = spec.inputs[path].type if path in spec.inputs else None
        node = out
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value_to_json(v, typ)
    return out
