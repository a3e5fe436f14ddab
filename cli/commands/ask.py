"""`earl ask [--spec DIR] [--reading NAME] [--param NAME=VALUE ...] [--engine eval|smt|asp]
[--reading NAME ... | --all-readings] [--format text|json|csv | --json] [--fields outcomes|explanation|NAME,...] [--input json|csv] [--jobs N] FILE|-`

Determine transactions. FILE (or `-`, standard input) holds one JSON transaction, JSON Lines
(one transaction per line, split on "\\n" only; blank lines are skipped) or CSV (a header of
dotted input paths, as `earl generate --format csv` writes it; `--input csv`, the default for a
`.csv` file). The input is read and answered as it streams: one answer per transaction, in input
order, the first before the last line is read, memory flat however long the input.

`--format json` (or `--json`): one JSON object per line; `--format csv`: one row per transaction.
`--fields outcomes` gives only the outcomes (computed without building the explanation: much
faster); `--fields eccn,license_required` only the outcomes named (only what they depend on is
computed; conflicts are not looked for); `--fields explanation` (the default) the whole
determination. `--jobs N` answers in N worker processes (default: the CPUs available), each
compiling the model once; a short input is answered in this process.

A field given as `null` (an empty CSV cell) is an unknown fact: the answer then says which
outcomes are settled whatever the unknown facts are and, for each unsettled one, which unknown
facts it turns on.

Exit status: 0 all answered; 1 some determination has a conflict (two provisions decide one
outcome two ways); 2 some transaction could not be read (each such line is reported on stderr
with its JSON path and line number; the other lines are still answered) or a usage error;
70 an engine failed on some transaction.
"""
from __future__ import annotations

import functools
import itertools
import io
import os
import sys
from dataclasses import dataclass

import click

from ..answers import answer_json, outcomes_json
from ..screening import (InputError, Screener, answer_in_order, csv_records, dumps, growing_chunks,
                         json_records)
from ..solver.engines import ENGINES, EngineUnavailable, load_engine
from ._common import fixed_params, open_spec
from ._readings import answer_under_readings

EXIT_CONFLICT = 1
EXIT_INPUT = 2
EXIT_INTERNAL = 70
FORMATS = ("text", "json", "csv")


# --------------------------------------------------------------------------- renderings

def settle_text(model, settled: dict, unknown: tuple[str, ...]) -> str:
    from ..ir.values import render_value
    lines = [f"unknown facts: {', '.join(unknown)}"]
    done = [(n, s) for n, s in settled.items() if hasattr(s, "value")]
    todo = [(n, s) for n, s in settled.items() if not hasattr(s, "value")]
    if done:
        lines.append("settled whatever the unknown facts are: "
                     + "; ".join(f"{n}: {render_value(s.value)}" for n, s in done))
    for n, s in todo:
        deps = ", ".join(s.depends_on) or "a combination of the unknown facts"
        approx = "" if getattr(s, "exact", True) else " (the solver ran out of time: possibly incomplete)"
        lines.append(f"unsettled: {n} turns on {deps}{approx}")
    return "\n".join(lines)


def answer_messages(answer) -> tuple[int, list[str]]:
    """(exit status, stderr lines) of one answer."""
    where = f"line {answer.line}: " if answer.line is not None else ""
    if answer.error is not None:
        return EXIT_INPUT, [f"earl ask: {answer.error}"]
    if answer.failure is not None:
        return EXIT_INTERNAL, [f"earl ask: {where}{answer.failure}"]
    return (EXIT_CONFLICT if answer.conflicts else 0), [
        f"earl ask: {where}conflict: {o}{'' if s is None else f' [{s}]'} is decided "
        f"two ways by {', '.join(rs)}" for o, s, rs in answer.conflicts]


class Renderer:
    """Answers as the text `earl ask` prints in one format (text, json or csv)."""

    def __init__(self, model, fmt: str, fields: str, *, keyed: bool = False,
                 rich_width: int | None = None, names: tuple[str, ...] | None = None):
        self.model = model
        self.fmt = fmt
        self.fields = fields
        self.names = names                    # only these outcomes (--fields NAME,...)
        self.outcomes = list(names or model.outcomes)
        self.keyed = keyed
        self.rich_width = rich_width
        self._outcome_lines: dict[int, tuple[dict, str]] = {}

    def header(self) -> str:
        """What precedes the answers (the CSV header row), or ""."""
        if self.fmt != "csv":
            return ""
        return self._row(self.columns())

    def columns(self) -> list[str]:
        cols = ["line"] + (["id"] if self.keyed else []) + self.outcomes + ["unsettled"]
        return cols + (["explanation"] if self.fields == "explanation" else [])

    def render(self, answer) -> str:
        if answer.error is not None or answer.failure is not None:
            return ""
        if self.fmt == "json":
            return self._json(answer)
        if self.fmt == "csv":
            return self._csv(answer)
        return self._text(answer)

    def _json(self, answer) -> str:
        outcomes = answer.outcomes
        if outcomes is None or answer.conflicts or self.names or answer.in_force is not True:
            return dumps(answer_json(answer, self.model)) + "\n"
        # transactions that fail the same conditions share one outcomes dict: render it once
        hit = self._outcome_lines.get(id(outcomes))
        if hit is None or hit[0] is not outcomes:
            if len(self._outcome_lines) >= 1 << 16:
                self._outcome_lines.clear()
            hit = self._outcome_lines[id(outcomes)] = (
                outcomes, dumps(outcomes_json(outcomes, self.model.reading))[:-1])
        tail = "" if answer.line is None else f',"line":{answer.line}'
        if answer.key is not None:
            tail += f',"id":{dumps(answer.key)}'
        return hit[1] + tail + "}\n"

    def _csv(self, answer) -> str:
        from ..present.testset import cell
        obj = answer_json(answer, self.model)
        values = obj.get("settled", obj)
        unsettled = "; ".join(f"{o} ({', '.join(u['depends_on'])})"
                              for o, u in obj.get("unsettled", {}).items())
        row = [answer.line if answer.line is not None else ""] + ([answer.key] if self.keyed else [])
        row += [cell(values.get(o)) for o in self.outcomes] + [unsettled]
        if self.fields == "explanation":
            row.append("; ".join(f"{e['provision']} [{e['cite']}]" for e in obj.get("explanation", [])))
        return self._row(row)

    @staticmethod
    def _row(cells: list) -> str:
        import csv
        buf = io.StringIO()
        csv.writer(buf).writerow(cells)
        return buf.getvalue()

    def _text(self, answer) -> str:
        from ..ir.values import render_value
        head = "\n" if answer.n else ""
        if answer.line is not None:
            head += f"── transaction {answer.n + 1} (line {answer.line})" + \
                (f" id {answer.key}" if answer.key is not None else "") + "\n"
        if answer.settled is not None:
            return head + settle_text(self.model, answer.settled, answer.unknown) + "\n"
        if answer.determination is None:
            return head + "; ".join(f"{k}: {render_value(v)}" for k, v in answer.outcomes.items()) + "\n"
        if self.rich_width is None:
            return head + answer.determination.text() + "\n"
        from rich.console import Console
        console = Console(highlight=False, force_terminal=True, width=self.rich_width)
        with console.capture() as captured:
            console.print(answer.determination.rich())
        return head + captured.get()


# --------------------------------------------------------------------------- answering chunks

@dataclass(frozen=True)
class Settings:
    """What a worker needs to answer as this command does (picklable)."""
    spec_dir: str | None
    reading: str | None
    params: tuple
    engine: str
    fields: str
    fmt: str
    keyed: bool
    rich_width: int | None


class ChunkAnswerer:
    """Answers a chunk of records: (printed text, stderr lines, exit status). The spec is loaded
    (and the model compiled) once, when it is made: once per worker process."""

    def __init__(self, settings: Settings, spec=None):
        if spec is None:
            from ..parser import load_spec
            spec = load_spec(settings.spec_dir)
        self.screener = Screener(spec, settings.reading, dict(settings.params), settings.engine,
                                 settings.fields)
        self.renderer = Renderer(self.screener.model, settings.fmt, self.screener.fields,
                                 keyed=settings.keyed, rich_width=settings.rich_width,
                                 names=self.screener.names)

    def __call__(self, chunk) -> tuple[str, list[str], int]:
        out, messages, status = [], [], 0
        for record in chunk:
            answer = self.screener.answer(record)
            out.append(self.renderer.render(answer))
            code, said = answer_messages(answer)
            status = max(status, code)
            messages += said
        return "".join(out), messages, status


def _available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


@click.command("ask")
@click.option("--spec", "spec_dir", type=click.Path(exists=True), default=None, metavar="DIR",
              help="The spec folder (default: the shipped spec).")
@click.option("--reading", "readings", multiple=True, metavar="NAME",
              help="The reading (default: the spec's default); given more than once, each transaction is "
                   "answered under each, side by side.")
@click.option("--all-readings", "every_reading", is_flag=True,
              help="Answer each transaction under every reading, side by side, flagging the outcomes that "
                   "depend on the reading.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Fix a parameter (repeatable); the value is read with the parameter's type.")
@click.option("--engine", default="eval", type=click.Choice(list(ENGINES)), show_default=True,
              help="Which engine determines the transactions.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Output: text (default), json (one object per line) or csv (one row per transaction).")
@click.option("--json", "as_json", is_flag=True, help="The same as --format json.")
@click.option("--fields", default="explanation", show_default=True, metavar="outcomes|explanation|NAME,...",
              help="outcomes: only the outcomes (fast); explanation: the whole determination; "
                   "outcome names (eccn,license_required): only those, computing only what they "
                   "depend on (no conflict check).")
@click.option("--input", "input_format", type=click.Choice(["json", "csv"]), default=None,
              help="How FILE is written (default: csv for a .csv file, else json).")
@click.option("--jobs", type=click.IntRange(min=1), default=None, metavar="N",
              help="Worker processes (default: the CPUs available).")
@click.argument("file", type=click.File("rb"))
def command(spec_dir, readings, every_reading, params, engine, fmt, as_json, fields, input_format, jobs, file):
    """Determine the transactions in FILE (one JSON object, JSON Lines or CSV; `-` = stdin)."""

    def fail(msg: str, code: int = EXIT_INPUT):
        click.echo(f"earl ask: {msg}", err=True)
        sys.exit(code)

    if as_json and fmt not in (None, "json"):
        fail(f"--json and --format {fmt} ask for two formats")
    fmt = "json" if as_json else (fmt or "text")
    reading = readings[0] if readings else None
    spec = open_spec("ask", spec_dir, reading)
    for other in readings[1:]:
        if other not in spec.readings:
            fail(f"no reading named {other!r}; readings: {', '.join(spec.readings)}")
    fixed = fixed_params("ask", spec, params)
    try:
        load_engine(engine)
    except EngineUnavailable as e:
        fail(str(e))
    name = getattr(file, "name", "-")
    if input_format is None:
        input_format = "csv" if str(name).lower().endswith(".csv") else "json"
    records = csv_records(spec, file) if input_format == "csv" else json_records(file)
    try:
        first = next(records, None)
    except (OSError, InputError) as e:
        fail(f"cannot read {name}: {e}")
    if first is None:
        fail("no transaction in the input")
    if every_reading or len(readings) > 1:
        if fmt == "csv":
            fail("answers under several readings are written as text or JSON, not CSV")
        sys.exit(answer_under_readings(spec, itertools.chain([first], records),
                                       () if every_reading else readings, fixed, engine, fmt == "json"))
    rich_width = None
    if fmt == "text" and sys.stdout.isatty():
        import shutil
        rich_width = shutil.get_terminal_size().columns
    settings = Settings(spec_dir, reading, tuple(fixed.items()), engine, fields, fmt,
                        input_format == "csv" and first.key is not None, rich_width)
    status = 0

    def all_records():
        yield first
        try:
            yield from records
        except OSError as e:  # reading fails; a failing write is not caught here
            raise InputError(str(e)) from None

    try:
        inline = ChunkAnswerer(settings, spec)
    except ValueError as e:
        fail(str(e))
    try:
        sys.stdout.write(inline.renderer.header())
        for text, messages, code in answer_in_order(growing_chunks(all_records()), inline,
                                                     functools.partial(ChunkAnswerer, settings),
                                                     jobs or _available_cpus()):
            sys.stdout.write(text)
            sys.stdout.flush()
            for m in messages:
                click.echo(m, err=True)
            status = max(status, code)
    except InputError as e:
        sys.stdout.flush()
        fail(f"cannot read {name}: {e}")
    sys.exit(status)
