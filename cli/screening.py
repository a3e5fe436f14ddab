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
- `Screener` answers one record: the memoising `TransactionReader` in front of `parse_json`/
  `complete` (solver/transaction.py: the reference reader whenever anything is unusual, so its
  errors and answers are the reference's), and, when no explanation is wanted, the evaluator's outcomes-only
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
from typing import Any, Callable, Iterable, Iterator, NamedTuple

from . import ir
from .answers import Answer, answer_json
from .commands._common import parse_params
from .ir.values import UNKNOWN
from .parser import load_spec
from .solver.eval import compile_model, compile_outcomes
from .solver.engines import load_engine
from .solver.explain import determine, in_force, not_in_force
from .solver.transaction import (TransactionError, TransactionReader, Unusual, did_you_mean, loads_json,
                                 parse_json, read_jsonl, value_to_json)

__all__ = ["FIELDS", "Record", "Screener", "screen", "json_records", "csv_records",
           "answer_in_order", "growing_chunks", "dumps", "spec_of", "params_of"]

FIELDS = ("outcomes", "explanation")

try:  # optional (the `fast` extra): several times faster than json. It reads fractional and
    # exponent numbers, and integers beyond 64 bits, as floats: a transaction where the fast reader
    # meets a float is read again by the exact reader (solver.transaction.TransactionReader.value)
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
            raise InputError(f"line 1: column {name!r} is not an input{did_you_mean(name, spec.inputs)}")
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
    """A CSV cell as the JSON value it writes (present.testset.cell's inverse): "" is null, sets are
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
                             f"{did_you_mean(name, model.outcomes)}; outcomes: {', '.join(model.outcomes)}")
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
        self.spec = spec
        self.model = ir.resolve(spec, reading, params or {})
        self.names = outcome_names(self.model, fields)
        self.fields = "outcomes" if self.names else fields
        self.engine = load_engine(engine)
        self.reader = TransactionReader(spec)
        self.fast = None
        self.pick = None
        if engine == "eval" and self.names:
            self.pick = compile_outcomes(self.model, self.names)
        elif engine == "eval" and self.fields == "outcomes":
            self.fast = compile_model(self.model).outcomes

    def given(self, record: Record) -> dict[str, Any]:
        if record.kind == "row":
            cells = record.payload
            if "$row" in cells:
                raise TransactionError("$", cells["$row"], record.line)
            return self.reader.given_flat({p: _cell_value(self.spec.inputs[p].type, c) for p, c in cells.items()},
                                          record.line)
        if record.kind == "flat":
            return self.reader.given_flat(record.payload, record.line)
        if record.kind == "object":
            return self.reader.given(record.payload, record.line)
        text = record.payload
        long_digits = _LONG_DIGITS if isinstance(text, str) else _LONG_DIGITS_BYTES
        if orjson is not None and not long_digits.search(text):
            try:
                return self.reader.fast(orjson.loads(record.payload))
            except (orjson.JSONDecodeError, Unusual, TransactionError):
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
        # z3 is loaded only when a transaction has unknown facts: screening known facts never
        # pays for it
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

def spec_of(spec) -> ir.Spec:
    """A spec folder (None: the shipped spec) loaded, or a loaded Spec as it is."""
    if isinstance(spec, ir.Spec):
        return spec
    return load_spec(spec)


def params_of(spec: ir.Spec, params: dict | None) -> dict:
    """Parameter values given as a dict (name -> value, read as `--param NAME=VALUE` reads it)."""
    if not params:
        return {}
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
    the_spec = spec_of(spec)
    screener = Screener(the_spec, reading, params_of(the_spec, params), engine, fields)
    for n, tx in enumerate(transactions):
        kind = "json" if isinstance(tx, (str, bytes, bytearray)) else "object"
        yield answer_json(screener.answer(Record(n, None, kind, tx)), screener.model)
