"""What every command does the same way: open the spec, check the reading, read --param values.

Each step either returns what the command needs or prints one line and exits with the usage
status (2), so a user never sees a traceback for a wrong name or value.
"""
from __future__ import annotations

import sys
from typing import Any

import click

EXIT_USAGE = 2


class UsageProblem(Exception):
    pass


def fail(prog: str, msg: str, code: int = EXIT_USAGE):
    click.echo(f"earl {prog}: {msg}", err=True)
    sys.exit(code)


def open_spec(prog: str, spec_dir, reading: str | None):
    """The checked spec in `spec_dir` (None: the shipped one), with `reading` known to it."""
    from ..parser import SpecError, load_spec
    try:
        spec = load_spec(spec_dir)
    except SpecError as e:
        click.echo(e.render(), err=True)
        sys.exit(EXIT_USAGE)
    except OSError as e:
        fail(prog, f"cannot read the spec: {e}")
    if reading is not None and reading not in spec.readings:
        fail(prog, f"no reading named {reading!r}; readings: {', '.join(spec.readings)}")
    return spec


def parsed_condition(spec, condition: str):
    """CONDITION (a boolean expression in the spec's language) checked against `spec`; a spec
    error is printed at its column and the command exits with the usage status."""
    from ..parser import SpecError, parse_expression
    try:
        return parse_expression(spec, condition)
    except SpecError as e:
        click.echo(e.render(), err=True)
        sys.exit(EXIT_USAGE)


def fixed_params(prog: str, spec, items: tuple[str, ...]) -> dict[str, Any]:
    """The --param values, or a usage error."""
    try:
        return parse_params(spec, items)
    except UsageProblem as e:
        fail(prog, str(e))


def parse_params(spec, items: tuple[str, ...]) -> dict[str, Any]:
    """--param NAME=VALUE values, each parsed with the parameter's type (exact numbers)."""
    import difflib
    from .. import ir
    from ..ir.values import UNKNOWN
    from ..solver.transaction import TransactionError, parse_value
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise UsageProblem(f"--param {item!r}: expected NAME=VALUE")
        name, text = (s.strip() for s in item.split("=", 1))
        if name not in spec.params:
            close = difflib.get_close_matches(name, list(spec.params), n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            known = ", ".join(spec.params) or "(none)"
            raise UsageProblem(f"--param {name}: no such parameter{hint}; parameters: {known}")
        decl = spec.params[name]
        raw: Any = text
        if isinstance(decl.type, ir.Bool):
            raw = {"true": True, "false": False}.get(text.lower(), text)
        elif isinstance(decl.type, ir.Enum) and decl.type.optional and text in ("none", "null"):
            raw = None
        try:
            v = parse_value(spec, decl.type, raw, f"--param {name}", minimum=decl.minimum)
        except TransactionError as e:
            raise UsageProblem(f"{e.path}: {e.message}") from None
        if v is UNKNOWN:
            raise UsageProblem(f"--param {name}: a parameter needs a value")
        out[name] = v
    return out
