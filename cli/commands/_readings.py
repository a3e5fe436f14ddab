"""`earl ask --all-readings` (and `--reading` given more than once): each transaction answered
under several readings side by side, with the outcomes that depend on the reading flagged."""
from __future__ import annotations

import json
from typing import Iterable

import click

from ..ir.values import UNKNOWN
from ..screening import Screener
from ..solver.explain import all_readings, all_readings_json, all_readings_text
from ..solver.transaction import TransactionError, complete

EXIT_INPUT = 2
EXIT_INTERNAL = 70


def answer_under_readings(spec, records: Iterable, readings: tuple[str, ...], fixed: dict, engine: str,
                          as_json: bool) -> int:
    """Print each record (earl.screening.Record) answered under `readings` (all when empty); the
    exit status."""
    reader = Screener(spec, readings[0] if readings else None, fixed, engine)
    status = 0
    for record in records:
        line = record.line
        try:
            given = reader.given(record)
        except TransactionError as e:
            click.echo(f"earl ask: {e}", err=True)
            status = max(status, EXIT_INPUT)
            continue
        unknown = [p for p, v in complete(spec, given).items() if v is UNKNOWN]
        if unknown:
            click.echo(f"earl ask: {'line %d: ' % line if line else ''}comparing readings needs every "
                       f"fact known; unknown: {', '.join(unknown)}", err=True)
            status = max(status, EXIT_INPUT)
            continue
        try:
            answers, dependent = all_readings(spec, given, fixed, reader.engine, readings=readings or None)
        except Exception as e:  # noqa: BLE001 - never a traceback; the other lines still answer
            click.echo(f"earl ask: engine {engine} failed: {type(e).__name__}: {e}", err=True)
            status = max(status, EXIT_INTERNAL)
            continue
        if any(d.conflicts for d in answers.values()):
            status = max(status, 1)
        if as_json:
            out = all_readings_json(answers, dependent)
            if line is not None:
                out["line"] = line
            click.echo(json.dumps(out, ensure_ascii=False))
        else:
            if record.n:
                click.echo("")
            click.echo(all_readings_text(spec, answers, dependent))
    return status
