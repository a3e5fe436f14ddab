"""`earl ask [--spec DIR] [--reading NAME] [--param NAME=VALUE ...] [--engine eval|smt|asp] [--json] FILE|-`

Determine transactions. FILE (or `-`, standard input) holds one JSON transaction, or JSON Lines
(one transaction per line; blank lines are skipped). One determination per transaction, in order;
with `--json`, one JSON object per line.

A field given as `null` is an unknown fact: the answer then says which outcomes are settled
whatever the unknown facts are and, for each unsettled one, which unknown facts it turns on.

Exit status: 0 all answered; 1 some determination has a conflict (two provisions decide one
outcome two ways); 2 some transaction could not be read (each such line is reported on stderr
with its JSON path and line number; the other lines are still answered) or a usage error;
70 an engine failed on some transaction.
"""
from __future__ import annotations

import json
import sys
from typing import Any

import click

from ._common import UsageProblem, fixed_params, open_spec

EXIT_CONFLICT = 1
EXIT_INPUT = 2
EXIT_INTERNAL = 70

ENGINES = {"eval": None, "smt": ("earl.solver.smt", "SmtEngine"), "asp": ("earl.solver.asp", "AspEngine")}


def load_engine(name: str):
    """The engine called `name` (eval, smt, asp); UsageProblem if its module is missing."""
    if name == "eval":
        from ..solver.evaluate import Evaluator
        return Evaluator()
    if name not in ENGINES:
        raise UsageProblem(f"unknown engine {name!r}; engines: {', '.join(ENGINES)}")
    import importlib
    module, cls = ENGINES[name]
    try:
        mod = importlib.import_module(module)
        return getattr(mod, cls)()
    except ImportError as e:
        raise UsageProblem(f"engine {name!r} is not available ({module}: {e})") from None
    except AttributeError:
        raise UsageProblem(f"engine {name!r} is not available ({module} has no {cls})") from None


def split_transactions(text: bytes) -> list[tuple[int | None, str | bytes]]:
    """[(line number or None, JSON text)]: the whole text if it is one JSON value, else its lines."""
    import io
    from ..solver.transaction import TransactionError, loads_json, read_jsonl
    stripped = text.strip()
    if not stripped:
        return []
    try:
        loads_json(stripped)
        return [(None, stripped)]
    except TransactionError:  # not one JSON document: JSON Lines (or malformed)
        pass
    lines = [(i, line) for i, line in read_jsonl(io.BytesIO(text)) if line.strip()]
    if len(lines) == 1:
        return [(None, lines[0][1])]
    return lines


def _settle_json(model, settled: dict, unknown: tuple[str, ...]) -> dict:
    from ..solver.transaction import value_to_json
    out: dict[str, Any] = {"reading": model.reading, "unknown_facts": list(unknown),
                           "settled": {}, "unsettled": {}}
    for name, s in settled.items():
        if hasattr(s, "value"):
            out["settled"][name] = value_to_json(s.value)
        else:
            out["unsettled"][name] = {"depends_on": list(s.depends_on),
                                      "exact": bool(getattr(s, "exact", True))}
    return out


def _settle_text(model, settled: dict, unknown: tuple[str, ...]) -> str:
    from ..solver.explain import render_value
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


@click.command("ask")
@click.option("--spec", "spec_dir", type=click.Path(exists=True), default=None, metavar="DIR",
              help="The spec folder (default: the shipped spec).")
@click.option("--reading", default=None, metavar="NAME", help="The reading (default: the spec's default).")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Fix a parameter (repeatable); the value is read with the parameter's type.")
@click.option("--engine", default="eval", type=click.Choice(list(ENGINES)), show_default=True,
              help="Which engine determines the transactions.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per transaction, one per line.")
@click.argument("file", type=click.File("rb"))
def command(spec_dir, reading, params, engine, as_json, file):
    """Determine the transactions in FILE (one JSON object, or JSON Lines; `-` = stdin)."""
    from ..solver import ir
    from ..solver.explain import determine
    from ..solver.transaction import UNKNOWN, TransactionError, complete, parse_json

    def fail(msg: str, code: int = EXIT_INPUT):
        click.echo(f"earl ask: {msg}", err=True)
        sys.exit(code)

    spec = open_spec("ask", spec_dir, reading)
    fixed = fixed_params("ask", spec, params)
    try:
        eng = load_engine(engine)
    except UsageProblem as e:
        fail(str(e))
    model = ir.resolve(spec, reading, fixed)
    try:
        text = file.read()
    except (OSError, UnicodeDecodeError) as e:
        fail(f"cannot read {getattr(file, 'name', 'the input')}: {e}")

    console = None
    if not as_json and sys.stdout.isatty():
        from rich.console import Console
        console = Console(highlight=False)

    status = 0
    items = split_transactions(text)
    if not items:
        fail("no transaction in the input")

    def emit(n: int, line: int | None, as_object, as_text, as_rich=None) -> None:
        """One answer: a JSON line, or a human block (separated, numbered in a batch). The
        renderings are callables so only the one asked for is built."""
        if as_json:
            out = as_object()
            if line is not None:
                out["line"] = line
            click.echo(json.dumps(out, ensure_ascii=False))
            return
        if n:
            click.echo("")
        if len(items) > 1:
            click.echo(f"── transaction {n + 1}" + (f" (line {line})" if line else ""))
        if console is not None and as_rich is not None:
            console.print(as_rich())
        else:
            click.echo(as_text())

    for n, (line, chunk) in enumerate(items):
        where = f"line {line}: " if line is not None else ""
        try:
            given = parse_json(spec, chunk, line=line)
            partial = complete(spec, given)
        except TransactionError as e:
            click.echo(f"earl ask: {e}", err=True)
            status = max(status, EXIT_INPUT)
            continue
        if any(v is UNKNOWN for v in partial.values()):
            from ..solver.unknowns import settle
            try:
                settled = settle(model, given)
            except TransactionError as e:
                click.echo(f"earl ask: {where}{e}", err=True)
                status = max(status, EXIT_INPUT)
                continue
            except Exception as e:  # noqa: BLE001 - never a traceback; the other lines still answer
                click.echo(f"earl ask: {where}internal error in the unknowns analysis: "
                           f"{type(e).__name__}: {e}", err=True)
                status = max(status, EXIT_INTERNAL)
                continue
            unknown = tuple(p for p, v in given.items() if v is UNKNOWN)
            emit(n, line, lambda: _settle_json(model, settled, unknown),
                 lambda: _settle_text(model, settled, unknown))
            continue
        try:
            trace = eng.run(model, partial)
        except Exception as e:  # noqa: BLE001
            click.echo(f"earl ask: {where}engine {engine} failed: {type(e).__name__}: {e}", err=True)
            status = max(status, EXIT_INTERNAL)
            continue
        det = determine(model, partial, trace, engine=eng.name)
        if det.conflicts:
            status = max(status, EXIT_CONFLICT)
            for o, s, rs in det.conflicts:
                click.echo(f"earl ask: {where}conflict: {o}{'' if s is None else f' [{s}]'} is decided "
                           f"two ways by {', '.join(rs)}", err=True)
        emit(n, line, det.to_json, det.text, det.rich)
    sys.exit(status)
