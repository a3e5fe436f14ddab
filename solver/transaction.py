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
from decimal import Decimal
from fractions import Fraction
from typing import Any, Iterator

from ..ir import Bool, Country, Date, Enum, InputRef, Lit, Num, SetOf, Spec, Type
from ..ir.limits import MAX_LINE_LENGTH, MAX_NESTING, NumberBeyondLimits, NumberError, read_number
from ..ir.values import UNKNOWN, format_fraction

__all__ = ["TransactionError", "complete", "parse_json", "parse_value", "to_json", "value_to_json",
           "loads_json", "read_jsonl", "TransactionReader", "Unusual", "json_path", "did_you_mean"]





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
            raise TransactionError(json_path(path), "no such input" + did_you_mean(path, spec.inputs))
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
                    raise TransactionError(json_path(path), "input defaults form a cycle: "
                                           + " -> ".join(seen + (default.path,)))
                v = value_of(default.path, seen + (default.path,))
            else:  # pragma: no cover - the checker only allows literals and input paths
                raise TransactionError(json_path(path), f"unsupported default {default!r}")
        out[path] = v
        return v

    for path in spec.inputs:
        value_of(path, (path,))
    return {path: out[path] for path in spec.inputs}


# --------------------------------------------------------------------------- numbers

class _BadConstant:
    """A JSON value earl refuses (NaN, Infinity, a number beyond the limits), kept in place so
    the refusal names the field it stands in."""

    def __init__(self, text: str, beyond_limits: bool = False):
        self.text = text
        self.beyond_limits = beyond_limits


def _json_number(text: str) -> Fraction | _BadConstant:
    try:
        return read_number(text)
    except NumberError as e:
        return _BadConstant(str(e), beyond_limits=True)


# A byte that is not UTF-8, as `read_jsonl` and `loads_json` keep it (surrogateescape).
_UNDECODED_BYTE = re.compile("[\udc80-\udcff]")


def loads_json(text: str | bytes) -> Any:
    """One JSON value, read within the limits of `earl.ir.limits`: numbers exact (Fractions),
    the text at most MAX_LINE_LENGTH characters, arrays and objects nested at most MAX_NESTING
    deep. Raises TransactionError at `$` for text that is not such a value."""
    if len(text) > MAX_LINE_LENGTH:
        raise TransactionError("$", f"the transaction is longer than {MAX_LINE_LENGTH:,} characters, "
                               "the most that is read")
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", "surrogateescape")
    undecoded = _UNDECODED_BYTE.search(text)
    if undecoded:
        raise TransactionError("$", f"not UTF-8 text (byte {ord(undecoded.group()) - 0xDC00:#04x} "
                               f"at column {undecoded.start() + 1})")
    try:
        value = json.loads(text, parse_int=_json_number, parse_float=_json_number,
                           parse_constant=_BadConstant)
    except json.JSONDecodeError as e:
        raise TransactionError("$", f"malformed JSON: {e.msg} at column {e.colno}") from None
    except RecursionError:
        raise _too_deep() from None
    except ValueError as e:
        raise TransactionError("$", f"malformed JSON: {e}") from None
    if _depth(value) > MAX_NESTING:
        raise _too_deep()
    return value


def _too_deep() -> TransactionError:
    return TransactionError("$", f"arrays and objects are nested more than {MAX_NESTING} deep")


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 0)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, (list, dict)):
            depth += 1
            deepest = max(deepest, depth)
            if depth <= MAX_NESTING:
                stack.extend((x, depth) for x in (v.values() if isinstance(v, dict) else v))
    return deepest


def read_jsonl(stream) -> Iterator[tuple[int, str]]:
    r"""(line number from 1, text) of each line of a JSON Lines stream (bytes or text), split on
    "\n" only: U+2028, U+0085 or a lone "\r" inside a line do not end it, and a "\r" before
    the "\n" is JSON whitespace. A line longer than MAX_LINE_LENGTH characters is never held
    whole: a head of it longer than the limit stands for it (so `loads_json` refuses it by its
    length) and the rest is skipped. Bytes not UTF-8 are kept as lone surrogates, which
    `loads_json` refuses with their column."""
    binary = isinstance(stream.read(0), bytes)
    newline = b"\n" if binary else "\n"
    # UTF-8 spends at most 4 bytes on a character: a head of 4 * limit + 4 bytes decodes to more
    # characters than the limit
    head_size = 4 * MAX_LINE_LENGTH + 4 if binary else MAX_LINE_LENGTH + 1
    number = 0
    while True:
        head = stream.readline(head_size)
        if not head:
            return
        number += 1
        rest = head
        while len(rest) == head_size and not rest.endswith(newline):
            rest = stream.readline(head_size)
        text = head.decode("utf-8", "surrogateescape") if binary else head
        yield number, text.removesuffix("\n")


# --------------------------------------------------------------------------- JSON -> transaction

def json_path(path: str) -> str:
    return "$." + path if path else "$"


def did_you_mean(word: str, choices, n: int = 3) -> str:
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
        return f"a number beyond the limits ({v.text})" if v.beyond_limits else v.text
    return type(v).__name__


def _as_number(v: Any, where: str, expected: str) -> Fraction:
    if isinstance(v, Fraction):
        return v
    if isinstance(v, _BadConstant) and v.beyond_limits:
        raise TransactionError(where, v.text)
    if isinstance(v, int) and not isinstance(v, bool):
        return Fraction(v)
    if isinstance(v, (str, float, Decimal)):
        try:
            return read_number(repr(v) if isinstance(v, float) else str(v))
        except NumberBeyondLimits as e:
            raise TransactionError(where, str(e)) from None
        except NumberError:
            pass
    raise TransactionError(where, f"expected {expected}, got {_describe(v)}")


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
        x = _as_number(v, where, "a whole number" if typ.integer else "a number")
        if typ.integer and x.denominator != 1:
            raise TransactionError(where, f"expected a whole number, got {format_fraction(x)}")
        if minimum is not None and x < minimum:
            raise TransactionError(where, f"must be at least {format_fraction(minimum)}, "
                                   f"got {format_fraction(x)}")
        return x
    if isinstance(typ, Date):
        if isinstance(v, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", v.strip()):
            try:
                return datetime.date.fromisoformat(v.strip())
            except ValueError as e:
                raise TransactionError(where, f"not a valid date: {v!r} ({e})") from None
        raise TransactionError(where, f"expected a date written YYYY-MM-DD, got {_describe(v)}")
    if isinstance(typ, Country):
        if not isinstance(v, str):
            raise TransactionError(where, f"expected a country code such as \"US\", got {_describe(v)}")
        return _country(spec, v, where)
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
        hint = did_you_mean(v, members) if isinstance(v, str) else ""
        return _raise(where, f"unknown {typ.name} {what}{hint}; expected one of {allowed}")
    if isinstance(typ, SetOf):
        if not isinstance(v, list):
            raise TransactionError(where, f"expected a list of {typ.enum}, got {_describe(v)}")
        elem = Enum(typ.enum)
        return frozenset(parse_value(spec, elem, x, f"{where}[{i}]") for i, x in enumerate(v))
    raise TransactionError(where, f"unsupported type {typ}")  # pragma: no cover


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _ascii_lower(text: str) -> str:
    """Lower case for A-Z only: Unicode case mapping would read "ß" as "ss" and "ﬁ" as "fi"."""
    return text.translate(_ASCII_LOWER)


def _country(spec: Spec, v: str, where: str) -> str:
    """An ISO 3166-1 alpha-2 code in ASCII letters (either case), or a country's name as the spec's
    country table writes it (A-Z in either case); nothing else is read as a country."""
    text = v.strip()
    code = _ascii_lower(text).upper() if re.fullmatch("[A-Za-z]{2}", text) else None
    if code in spec.countries:
        return code
    by_name = {_ascii_lower(c.name): c.code for c in spec.countries.values()}
    if _ascii_lower(text) in by_name:
        return by_name[_ascii_lower(text)]
    hint = did_you_mean(code, spec.countries) if code else ""
    if not hint:
        close = difflib.get_close_matches(_ascii_lower(text), list(by_name), n=3, cutoff=0.6)
        if close:
            hint = " (did you mean " + ", ".join(
                f"{by_name[c]!r} ({spec.countries[by_name[c]].name})" for c in close) + "?)"
    return _raise(where, f"unknown country {v!r}: expected an ISO 3166-1 alpha-2 code"
                         f" such as \"FR\"{hint}")


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
            obj = loads_json(obj)
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
            raise TransactionError(json_path(prefix), f"field names must be strings, got {key!r}")
        full = f"{prefix}.{key}" if prefix else key
        node = tree.get(key)
        if node is None and "." in key and full in spec.inputs:
            node = full
        if node is None:
            siblings = list(tree)
            hint = did_you_mean(key, siblings)
            if not hint:
                hint = did_you_mean(full, spec.inputs)
            known = ", ".join(repr(s) for s in siblings[:20])
            raise TransactionError(json_path(full), f"unknown field {key!r}{hint}; "
                                   f"{'the fields here are' if prefix else 'the fields are'} {known}")
        if isinstance(node, str):
            decl = spec.inputs[node]
            if node in out:
                raise TransactionError(json_path(full), "given twice")
            out[node] = parse_value(spec, decl.type, v, json_path(node), minimum=decl.minimum)
        else:
            if not isinstance(v, dict):
                raise TransactionError(json_path(full), "expected an object with fields "
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


def nested_paths(flat: dict[str, Any]) -> dict:
    """Values by dotted path as a nested object.

    >>> nested_paths({"item.kind": "ic", "item.tpp": 1, "date": "2025-06-01"})
    {'item': {'kind': 'ic', 'tpp': 1}, 'date': '2025-06-01'}
    """
    out: dict = {}
    for path, v in flat.items():
        node = out
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = v
    return out


def to_json(spec: Spec, tx: dict[str, Any]) -> dict:
    """A transaction as a nested JSON object (round-trips through parse_json)."""
    return nested_paths({path: value_to_json(v, spec.inputs[path].type if path in spec.inputs else None)
                         for path, v in tx.items()})


# --------------------------------------------------------------------------- many transactions

class Unusual(Exception):
    """The fast reader (`TransactionReader.fast`) leaves this transaction to `parse_json`."""


class TransactionReader:
    """`complete(spec, parse_json(spec, obj))`, faster: each input's values are memoised (a
    nightly order book repeats its countries, kinds and flags), completion is one dict merge
    planned once, and anything the fast walk does not expect (dotted keys, a field that is not
    an input, a value that is not right) goes to `parse_json` itself, for its answer or error."""

    _CACHE_LIMIT = 1 << 12   # values memoised per input (bounded: memory stays flat)

    def __init__(self, spec: Spec):
        self.spec = spec
        self.tree = _input_tree(spec)
        self.values: dict[str, dict] = {path: {} for path in spec.inputs}
        self.defaults, self.copied = self._completion_plan()

    def _completion_plan(self) -> tuple[dict[str, Any], list[tuple[str, str]]] | tuple[None, None]:
        """(the literal defaults of every input, [(input, the input its default names)] with
        every named input before those naming it); (None, None) on a cycle (`complete` then
        reports it)."""
        copied: list[tuple[str, str]] = []
        done: set[str] = set()
        busy: set[str] = set()

        def visit(path: str) -> bool:
            if path in done:
                return True
            if path in busy:
                return False
            busy.add(path)
            default = self.spec.inputs[path].default
            if isinstance(default, InputRef):
                if not visit(default.path):
                    return False
                copied.append((path, default.path))
            done.add(path)
            return True
        if not all(visit(p) for p in self.spec.inputs):
            return None, None
        return {p: getattr(d.default, "value", None) for p, d in self.spec.inputs.items()}, copied

    def value(self, path: str, v: Any) -> Any:
        """parse_value of input `path`'s JSON value, memoised (per value and its type: 1 is not
        true). A float is Unusual: the exact reader reads its text again."""
        if v.__class__ is float:
            raise Unusual
        cache = self.values[path]
        try:
            hit = cache.get(v)
        except TypeError:  # a list (a set input): not memoised
            hit = None
            cache = None
        if hit is not None and hit[0] is v.__class__:
            return hit[1]
        decl = self.spec.inputs[path]
        out = parse_value(self.spec, decl.type, v, json_path(path), minimum=decl.minimum)
        if cache is not None:
            if len(cache) >= self._CACHE_LIMIT:
                cache.clear()
            cache[v] = (v.__class__, out)
        return out

    def _walk(self, obj: dict, tree: dict, out: dict) -> None:
        values = self.values
        for key, v in obj.items():
            node = tree.get(key)
            if node.__class__ is str:
                try:
                    hit = values[node].get(v)
                except TypeError:
                    hit = None
                if hit is not None and hit[0] is v.__class__:
                    out[node] = hit[1]
                else:
                    out[node] = self.value(node, v)
            elif node is None or v.__class__ is not dict:
                raise Unusual
            else:
                self._walk(v, node, out)

    def fast(self, obj: Any) -> dict[str, Any]:
        """The inputs given in a parsed JSON transaction; Unusual when parse_json must decide."""
        if obj.__class__ is not dict:
            raise Unusual
        out: dict[str, Any] = {}
        self._walk(obj, self.tree, out)
        return out

    def given(self, obj: Any, line: int | None) -> dict[str, Any]:
        """The inputs given in a parsed JSON transaction (as parse_json reads them)."""
        try:
            return self.fast(obj)
        except (Unusual, TransactionError):
            return parse_json(self.spec, obj, line=line)

    def given_flat(self, values: dict[str, Any], line: int | None) -> dict[str, Any]:
        """The inputs given as JSON values by input path (a table's row)."""
        try:
            for path in values:
                if path not in self.spec.inputs:
                    raise TransactionError(json_path(path), "no such input" + did_you_mean(path, self.spec.inputs))
            return {p: self.value(p, v) for p, v in values.items()}
        except TransactionError as e:
            e.line = line
            e.args = (str(e),)
            raise

    def complete(self, given: dict[str, Any]) -> dict[str, Any]:
        """complete(spec, given) for the inputs `given` holds (paths of the spec's inputs)."""
        if self.defaults is None:
            return complete(self.spec, given)
        out = {**self.defaults, **given}  # the spec's input order: given keys are all in defaults
        for path, src in self.copied:
            if path not in given:
                out[path] = out[src]
        return out
