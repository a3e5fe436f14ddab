"""Screening many transactions: streamed input, answers in input order, worker processes.

    >>> import earl
    >>> answers = earl.screen([{"item": {"kind": "ic", "tpp": 4800}, "destination": "FR"}])
    >>> next(answers)["license_required"]
    True

`screen(transactions, spec=..., reading=..., fields=...)` yields one JSON-ready answer per
transaction, in order: the outcomes (fields="outcomes"), or the whole determination with its
explanation (fields="explanation", what `earl ask --json` prints). A transaction that cannot be
read yields {"error": ..., "path": ...} and the others go on.

The pieces `earl ask` streams with:
- `json_records` / `csv_records` read a byte stream record by record (JSON Lines split on "\\n"
  only, one JSON document, or CSV with dotted input paths as the header);
- `Screener` answers one record: a fast reader in front of `parse_json`/`complete` (values
  memoised per input, and the reference reader whenever anything is unusual, so its errors and
  answers are the reference's), and, when no explanation is wanted, the evaluator's outcomes-only
  path (`run_outcomes`: no Trace, no determination);
- `answer_in_order` runs the answers in worker processes, each compiling the model once, with a
  bounded number of chunks in flight, and gives them back in input order.
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections import deque
from itertools import repeat
from operator import is_
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, NamedTuple

from . import ir
from .solver.explain import determine, in_force, not_in_force
from .ir.values import UNKNOWN
from .solver.transaction import (TransactionError, _input_tree, _json_path, loads_json, read_jsonl,
                                 _suggest, complete, parse_json, parse_value)

__all__ = ["FIELDS", "Answer", "Record", "Screener", "screen", "json_records", "csv_records",
           "answer_in_order", "growing_chunks", "dumps"]

FIELDS = ("outcomes", "explanation")

try:  # optional (the `fast` extra): several times faster than json. It reads fractional and
    # exponent numbers, and integers beyond 64 bits, as floats: a transaction where the fast reader
    # meets a float is read again by the exact reader (TransactionReader.value)
    import orjson
except ImportError:  # pragma: no cover - without it the standard json module does everything
    orjson = None
# 19 digits in a row: an integer orjson would read as a float (or a long decimal string); such a
# line goes to the exact reader at once
_LONG_DIGITS = re.compile(r"\d{19}")
_LONG_DIGITS_BYTES = re.compile(rb"\d{19}")



def dumps(obj: Any) -> str:
    """One JSON value on one line, non-ASCII kept (as json.dumps(..., ensure_ascii=False))."""
    if orjson is not None:
        try:
            return orjson.dumps(obj).decode("utf-8")
        except TypeError:  # an integer beyond 64 bits
            pass
    return json.dumps(obj, ensure_ascii=False)


# --------------------------------------------------------------------------- reading records

class Record(NamedTuple):
    """One transaction as read: `n` its position (0-based), `line` its line (None for a lone
    transaction), `kind` "json" (text), "object" (a parsed JSON object), "row" (CSV cells by
    input path) or "flat" (JSON values by input path), `key` the row's id column (CSV) or None.
    (A tuple: chunks of them go to worker processes, and tuples pickle fastest.)"""
    n: int
    line: int | None
    kind: str
    payload: Any
    key: Any = None


def _is_cut_short(line: str) -> bool:
    """True when the line is the start of a longer JSON document (the parser ran off its end)."""
    try:
        json.loads(line, parse_int=str, parse_float=str)  # only the syntax matters here
    except json.JSONDecodeError as e:
        return e.pos >= len(e.doc.rstrip())
    except Exception:  # noqa: BLE001 - malformed some other way: a (bad) line of its own
        return False
    return False


def json_records(stream) -> Iterator[Record]:
    """The transactions of a stream, read as they come: JSON Lines (`read_jsonl`: lines split on
    "\\n" only, each within the length limit; blank lines skipped), or one JSON document over
    several lines. A lone transaction has line None."""
    numbered = ((i, text) for i, text in read_jsonl(stream) if text.strip())
    first = next(numbered, None)
    if first is None:
        return
    if _is_cut_short(first[1]):
        # a document over several lines (pretty-printed): it is read whole
        lines = [first, *numbered]
        whole = "\n".join(text for _, text in lines)
        try:
            loads_json(whole)
        except TransactionError:  # not one document: lines, each reported on its own
            pass
        else:
            yield Record(0, None, "json", whole)
            return
        numbered = iter(lines)
        first = next(numbered)
    second = next(numbered, None)
    if second is None:
        yield Record(0, None, "json", first[1])
        return
    yield Record(0, first[0], "json", first[1])
    yield Record(1, second[0], "json", second[1])
    for n, (i, text) in enumerate(numbered, start=2):
        yield Record(n, i, "json", text)


class InputError(Exception):
    """Input that cannot be read at all (a CSV header naming no input, undecodable bytes)."""


KEY_COLUMN = "id"
# the columns `earl generate --format csv` adds beside the inputs: what it expects, what it covers
_GENERATED_COLUMNS = re.compile(r"expect\..*|goals")


def _next_row(reader, line: int) -> list[str] | None:
    """The reader's next row (None at the end); a malformed one is an InputError at its line."""
    try:
        return next(reader, None)
    except (csv.Error, UnicodeDecodeError) as e:
        raise InputError(f"line {line}: {e}") from None


def csv_records(spec: ir.Spec, stream) -> Iterator[Record]:
    """The rows of a CSV byte stream whose header names input paths (`item.tpp`), as `earl
    generate` writes them. A column `id` is carried to the answers; generate's `expect.*` and
    `goals` columns are ignored; any other column is an InputError (a misspelt header would
    otherwise leave an input at its default unseen). An empty cell is JSON null: unknown, or none
    for an optional enum."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    header = _next_row(reader, 1)
    if header is None:
        return
    columns: list[str | None] = []
    for name in (h.strip() for h in header):
        if name in spec.inputs:
            if name in columns:
                raise InputError(f"line 1: column {name!r} given twice")
            columns.append(name)
        elif name == KEY_COLUMN or _GENERATED_COLUMNS.fullmatch(name):
            columns.append(None)
        else:
            raise InputError(f"line 1: column {name!r} is not an input{_suggest(name, spec.inputs)}")
    key_at = [h.strip() for h in header].index(KEY_COLUMN) if KEY_COLUMN in (h.strip() for h in header) else None
    start = reader.line_num + 1
    n = 0
    while True:
        row = _next_row(reader, start)
        if row is None:
            return
        if any(c.strip() for c in row):
            if len(row) != len(columns):
                cells = {"$row": f"{len(row)} cells under a header of {len(columns)}"}
            else:
                cells = {p: c for p, c in zip(columns, row) if p is not None}
            yield Record(n, start, "row", cells, row[key_at] if key_at is not None and key_at < len(row) else None)
            n += 1
        start = reader.line_num + 1


def _cell_value(typ: ir.Type, cell: str) -> Any:
    """A CSV cell as the JSON value it writes (testset._cell's inverse): "" is null, sets are
    ";"-separated, booleans true/false."""
    text = cell.strip()
    if not text:
        return None
    if isinstance(typ, ir.Bool):
        return {"true": True, "false": False}.get(text.lower(), text)
    if isinstance(typ, ir.SetOf):
        return [x.strip() for x in text.split(";") if x.strip()]
    return text


# --------------------------------------------------------------------------- one answer

class _Unusual(Exception):
    """The fast reader leaves this transaction to the reference reader."""


class TransactionReader:
    """`complete(spec, parse_json(spec, obj))`, faster: each input's values are memoised (a
    nightly order book repeats its countries, kinds and flags), completion is one dict merge
    planned once, and anything the fast walk does not expect (dotted keys, a field that is not
    an input, a value that is not right) goes to `parse_json` itself, for its answer or error."""

    _CACHE_LIMIT = 1 << 12   # values memoised per input (bounded: memory stays flat)

    def __init__(self, spec: ir.Spec):
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
            if isinstance(default, ir.InputRef):
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
        true). A float is _Unusual: the exact reader reads its text again."""
        if v.__class__ is float:
            raise _Unusual
        cache = self.values[path]
        try:
            hit = cache.get(v)
        except TypeError:  # a list (a set input): not memoised
            hit = None
            cache = None
        if hit is not None and hit[0] is v.__class__:
            return hit[1]
        decl = self.spec.inputs[path]
        out = parse_value(self.spec, decl.type, v, _json_path(path), minimum=decl.minimum)
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
                raise _Unusual
            else:
                self._walk(v, node, out)

    def fast(self, obj: Any) -> dict[str, Any]:
        """The inputs given in a parsed JSON transaction; _Unusual when parse_json must decide."""
        if obj.__class__ is not dict:
            raise _Unusual
        out: dict[str, Any] = {}
        self._walk(obj, self.tree, out)
        return out

    def given(self, obj: Any, line: int | None) -> dict[str, Any]:
        """The inputs given in a parsed JSON transaction (as parse_json reads them)."""
        try:
            return self.fast(obj)
        except (_Unusual, TransactionError):
            return parse_json(self.spec, obj, line=line)

    def given_flat(self, values: dict[str, Any], line: int | None) -> dict[str, Any]:
        """The inputs given as JSON values by input path (a table's row)."""
        try:
            for path in values:
                if path not in self.spec.inputs:
                    raise TransactionError(_json_path(path), "no such input" + _suggest(path, self.spec.inputs))
            return {p: self.value(p, v) for p, v in values.items()}
        except TransactionError as e:
            e.line = line
            e.args = (str(e),)
            raise

    def given_row(self, cells: dict[str, str], line: int | None) -> dict[str, Any]:
        """The inputs given in a CSV row (cells by input path)."""
        if "$row" in cells:
            raise TransactionError("$", cells["$row"], line)
        return self.given_flat({p: _cell_value(self.spec.inputs[p].type, c) for p, c in cells.items()}, line)

    def complete(self, given: dict[str, Any]) -> dict[str, Any]:
        """complete(spec, given) for the inputs `given` holds (paths of the spec's inputs)."""
        if self.defaults is None:
            return complete(self.spec, given)
        out = {**self.defaults, **given}  # the spec's input order: given keys are all in defaults
        for path, src in self.copied:
            if path not in given:
                out[path] = out[src]
        return out


@dataclass
class Answer:
    """What screening one record gives: a determination (full, or outcomes and conflicts only),
    the settled/unsettled outcomes of a transaction with unknown facts, or an error."""
    n: int
    line: int | None
    key: Any = None
    error: TransactionError | None = None
    failure: str | None = None          # an engine or analysis failed (exit 70)
    outcomes: dict | None = None        # shared (memoised by the evaluator): never changed
    conflicts: tuple = ()
    determination: Any = None
    settled: dict | None = None
    unknown: tuple[str, ...] = ()
    in_force: bool | None = True        # False: dated before the spec is in force (outcomes None)


def outcome_names(model: ir.Model, fields: str | Iterable[str]) -> tuple[str, ...] | None:
    """The outcomes `fields` names ("eccn,license_required" or a sequence), or None for
    "outcomes" / "explanation"; ValueError for anything else."""
    if isinstance(fields, str):
        if fields in FIELDS:
            return None
        fields = [f.strip() for f in fields.split(",") if f.strip()]
    names = tuple(fields)
    for name in names:
        if name not in model.outcomes:
            raise ValueError(f"fields: {name!r} is neither {' nor '.join(FIELDS)} nor an outcome"
                             f"{_suggest(name, model.outcomes)}; outcomes: {', '.join(model.outcomes)}")
    if not names:
        raise ValueError(f"fields: {' or '.join(FIELDS)}, or outcome names separated by commas")
    return names


class Screener:
    """Answers records one by one under one model (compiled once).

    fields: "explanation" (the whole determination), "outcomes" (every outcome and the conflicts,
    without the explanation), or outcome names (only those, and only what they depend on is
    computed; no conflict is looked for)."""

    def __init__(self, spec: ir.Spec, reading: str | None = None, params: dict | None = None,
                 engine: str = "eval", fields: str | Iterable[str] = "explanation"):
        from .commands.ask import load_engine
        self.spec = spec
        self.model = ir.resolve(spec, reading, params or {})
        self.names = outcome_names(self.model, fields)
        self.fields = "outcomes" if self.names else fields
        self.engine = load_engine(engine)
        self.reader = TransactionReader(spec)
        self.fast = None
        self.pick = None
        if engine == "eval" and self.names:
            from .solver.evaluate import compile_outcomes
            self.pick = compile_outcomes(self.model, self.names)
        elif engine == "eval" and self.fields == "outcomes":
            from .solver.evaluate import compile_model
            self.fast = compile_model(self.model).outcomes

    def given(self, record: Record) -> dict[str, Any]:
        if record.kind == "row":
            return self.reader.given_row(record.payload, record.line)
        if record.kind == "flat":
            return self.reader.given_flat(record.payload, record.line)
        if record.kind == "object":
            return self.reader.given(record.payload, record.line)
        text = record.payload
        long_digits = _LONG_DIGITS if isinstance(text, str) else _LONG_DIGITS_BYTES
        if orjson is not None and not long_digits.search(text):
            try:
                return self.reader.fast(orjson.loads(record.payload))
            except (orjson.JSONDecodeError, _Unusual, TransactionError):
                pass
        try:  # exact numbers (a float above, or no orjson)
            obj = loads_json(record.payload)
        except TransactionError:  # parse_json reads it again and names the fault at its line
            return parse_json(self.spec, record.payload, line=record.line)
        return self.reader.given(obj, record.line)

    def answer(self, record: Record) -> Answer:
        a = Answer(record.n, record.line, record.key)
        try:
            given = self.given(record)
            tx = self.reader.complete(given)
        except TransactionError as e:
            a.error = e
            return a
        a.in_force = in_force(self.model, tx)
        if a.in_force is False:
            if self.fields == "explanation":
                a.determination = not_in_force(self.model, tx, engine=self.engine.name)
            else:
                a.outcomes = {n: None for n in self.names or self.model.outcomes}
            return a
        if any(map(is_, tx.values(), repeat(UNKNOWN))):
            return self._settle(a, given)
        try:
            if self.pick is not None:
                a.outcomes = self.pick(tx)
                return a
            if self.fast is not None:
                a.outcomes, a.conflicts = self.fast(tx)
                return a
            trace = self.engine.run(self.model, tx)
        except Exception as e:  # noqa: BLE001 - reported for this record; the others go on
            a.failure = f"engine {self.engine.name} failed: {type(e).__name__}: {e}"
            return a
        a.conflicts = trace.conflicts
        if self.names:
            a.outcomes = {n: trace.outcomes[n] for n in self.names}
            a.conflicts = tuple(c for c in trace.conflicts if c[0] in self.names)
            return a
        if self.fields == "outcomes":
            a.outcomes = trace.outcomes
            return a
        a.determination = determine(self.model, tx, trace, engine=self.engine.name, given=given)
        return a

    def _settle(self, a: Answer, given: dict[str, Any]) -> Answer:
        from .solver.smt.unknowns import settle
        try:
            a.settled = settle(self.model, given)
        except TransactionError as e:
            e.line = a.line if e.line is None else e.line
            e.args = (str(e),)
            a.error = e
            return a
        except Exception as e:  # noqa: BLE001
            a.failure = f"internal error in the unknowns analysis: {type(e).__name__}: {e}"
            return a
        if self.names:
            a.settled = {n: a.settled[n] for n in self.names}
        a.unknown = tuple(p for p, v in given.items() if v is UNKNOWN)
        return a


# --------------------------------------------------------------------------- in order, in workers

_WORKER: dict[str, Any] = {}


def _start_worker(make: Callable[[], Any]) -> None:
    _WORKER["handle"] = make()


def _run_chunk(chunk: list) -> Any:
    return _WORKER["handle"](chunk)


def answer_in_order(chunks: Iterable[list], handle: Callable[[list], Any],
                    make_handler: Callable[[], Callable[[list], Any]], jobs: int,
                    inline_chunks: int = 8) -> Iterator[Any]:
    """handle(chunk) for each chunk, in order. The first `inline_chunks` chunks are answered here
    (a short input starts no process); with jobs > 1 the rest go to that many worker processes,
    each calling `make_handler` once (so each compiles its model once). At most 2 x jobs chunks
    are in flight, so memory stays bounded however long `chunks` is. `make_handler` must be
    picklable (a class, a module-level function, or a functools.partial of one)."""
    chunks = iter(chunks)
    for chunk in chunks:
        yield handle(chunk)
        inline_chunks -= 1
        if inline_chunks <= 0 and jobs > 1:
            break
    else:
        return
    import multiprocessing
    import threading
    from concurrent.futures import ProcessPoolExecutor
    # fork when this process has no other thread (the workers are its own children and start at
    # once); otherwise forkserver, as forking a threaded process can deadlock the child
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        method = "fork"
    else:
        method = "forkserver" if "forkserver" in methods else "spawn"
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(method),
                             initializer=_start_worker, initargs=(make_handler,)) as pool:
        pending: deque = deque()
        for chunk in chunks:
            pending.append(pool.submit(_run_chunk, chunk))
            if len(pending) >= 2 * jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def growing_chunks(records: Iterable[Record], largest: int = 512) -> Iterator[list[Record]]:
    """The records in chunks of 1, 2, 4, ... up to `largest`: the first answers come at once, the
    later ones in chunks large enough to keep the workers' overhead small."""
    chunk: list[Record] = []
    size = 1
    for r in records:
        chunk.append(r)
        if len(chunk) >= size:
            yield chunk
            chunk = []
            size = min(2 * size, largest)
    if chunk:
        yield chunk


# --------------------------------------------------------------------------- the Python API

def _spec_of(spec) -> ir.Spec:
    if isinstance(spec, ir.Spec):
        return spec
    from .parser import load_spec
    return load_spec(spec)


def _params_of(spec: ir.Spec, params: dict | None) -> dict:
    """Parameter values given as a dict (name -> value, read as `--param NAME=VALUE` reads it)."""
    if not params:
        return {}
    from .commands._common import parse_params
    from .solver.transaction import value_to_json
    return parse_params(spec, tuple(f"{name}={value_to_json(v) if not isinstance(v, str) else v}"
                                    for name, v in params.items()))


def screen(transactions: Iterable[Any], spec=None, reading: str | None = None,
           fields: str | Iterable[str] = "outcomes", params: dict | None = None,
           engine: str = "eval") -> Iterator[dict]:
    """One JSON-ready answer per transaction, in order, computed as each is drawn.

    transactions: JSON objects (nested, or with dotted keys `"item.tpp"`), or their text.
    spec: a spec folder, a loaded Spec, or None (the shipped spec). fields: "outcomes" (each
    outcome by name, and the reading), "explanation" (what `earl ask --json` prints), or outcome
    names (a list, or separated by commas: only those are computed). params:
    parameter values by name. A transaction that cannot be read gives {"error": message,
    "path": JSON path} (and the others go on); a conflict adds "conflicts".
    """
    from .commands.ask import answer_json
    the_spec = _spec_of(spec)
    screener = Screener(the_spec, reading, _params_of(the_spec, params), engine, fields)
    for n, tx in enumerate(transactions):
        kind = "json" if isinstance(tx, (str, bytes, bytearray)) else "object"
        yield answer_json(screener.answer(Record(n, None, kind, tx)), screener.model)
