"""The `earl` command line: a click group whose subcommands live in cli/commands/.

Each module of cli/commands/ (check, ask, verify, find, generate, provisions, ...) exposes a
click command named `command`; a subcommand is registered when its module exists and imported only
when it runs (or when `earl --help` lists them), so start-up stays fast.

No input ever produces a Python traceback: an unexpected exception becomes a one-line
"internal error" message and exit status 70 (set EARL_DEBUG=1 to see the traceback). A reader
that stops reading (`earl ask big.jsonl | head -1`) ends the command quietly with the status of a
process killed by SIGPIPE (141), as Unix filters do.
"""
from __future__ import annotations

import importlib
import os
import pkgutil
import sys

import click

INTERNAL_ERROR = 70
CLOSED_PIPE = 128 + 13  # the shell's status for a process killed by SIGPIPE (signal 13)
COMMANDS_PACKAGE = "earl.commands"


def _debug() -> bool:
    return os.environ.get("EARL_DEBUG", "") not in ("", "0")


def _report_internal_error(prog: str, e: BaseException) -> None:
    msg = str(e).strip().splitlines()[0] if str(e).strip() else ""
    click.echo(f"{prog}: internal error: {type(e).__name__}" + (f": {msg}" if msg else "")
               + " (set EARL_DEBUG=1 to see the traceback)", err=True)


def _report_spec_error(e) -> None:
    click.echo(e.render(), err=True)


def run_guarded(prog: str, fn, *args, **kwargs):
    """Run a click entry point; turn stray exceptions into a one-line message (exit 70)."""
    from earl.parser.diagnostics import SpecError
    try:
        return fn(*args, **kwargs)
    except SystemExit as e:
        if _output_pipe_closed(e):
            _end_on_closed_pipe()
        raise
    except BrokenPipeError:
        _end_on_closed_pipe()
    except KeyboardInterrupt:
        raise
    except SpecError as e:
        if _debug():
            raise
        _report_spec_error(e)
        sys.exit(2)
    except Exception as e:  # noqa: BLE001 - the whole point: never a traceback
        if _debug():
            raise
        _report_internal_error(prog, e)
        sys.exit(INTERNAL_ERROR)


def _output_pipe_closed(e: SystemExit) -> bool:
    """Did click end the command because standard output's reader went away? (click answers EPIPE
    by wrapping the standard streams in PacifyFlushWrapper and exiting 1, the status earl
    documents for a conflict.)"""
    from click.utils import PacifyFlushWrapper
    return e.code == 1 and isinstance(sys.stdout, PacifyFlushWrapper)


def _end_on_closed_pipe() -> None:
    # the output still buffered has nowhere to go: send it to /dev/null so that Python's final
    # flush does not report the closed pipe again
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no file descriptor behind stdout (an in-process runner)
        pass
    sys.exit(CLOSED_PIPE)


def _command_modules() -> list[str]:
    pkg = importlib.import_module(COMMANDS_PACKAGE)
    return sorted(m.name for m in pkgutil.iter_modules(pkg.__path__)
                  if not m.name.startswith("_") and not m.ispkg)


class LazyGroup(click.Group):
    """Subcommands discovered from the modules of cli/commands/, imported on use."""

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(_command_modules()))

    def get_command(self, ctx, name):
        cmd = super().get_command(ctx, name)
        if cmd is not None:
            return cmd
        if name not in _command_modules():
            return None
        try:
            module = importlib.import_module(f"{COMMANDS_PACKAGE}.{name}")
            cmd = getattr(module, "command")
            if not isinstance(cmd, click.Command):
                raise TypeError(f"{COMMANDS_PACKAGE}.{name}.command is not a click command")
        except Exception as e:  # a broken subcommand must not break the others (or --help)
            if _debug():
                raise
            return _unavailable(name, e)
        return cmd

    def main(self, *args, **kwargs):
        kwargs.setdefault("prog_name", "earl")
        return run_guarded("earl", super().main, *args, **kwargs)


def _unavailable(name: str, error: Exception) -> click.Command:
    @click.command(name, help=f"(unavailable: {type(error).__name__})",
                   context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
    def broken():
        _report_internal_error(f"earl {name}", error)
        sys.exit(INTERNAL_ERROR)
    return broken


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="earl", prog_name="earl")
def main():
    """earl: a formal verifier of a rule written as a spec (.earl files).

    Run `earl COMMAND --help` for the options of a command."""


def verify_main() -> None:
    """The `verify [SPEC_DIR]` entry point: the same as `earl verify`."""
    try:
        module = importlib.import_module(f"{COMMANDS_PACKAGE}.verify")
    except ModuleNotFoundError as e:
        if e.name != f"{COMMANDS_PACKAGE}.verify" or _debug():
            if _debug():
                raise
            _report_internal_error("verify", e)
            sys.exit(INTERNAL_ERROR)
        click.echo("verify: the verify command is not available in this installation "
                   "(cli/commands/verify.py is missing)", err=True)
        sys.exit(2)
    except Exception as e:  # noqa: BLE001
        if _debug():
            raise
        _report_internal_error("verify", e)
        sys.exit(INTERNAL_ERROR)
    run_guarded("verify", module.command.main, prog_name="verify")


if __name__ == "__main__":  # pragma: no cover
    main()
