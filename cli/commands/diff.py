"""`earl diff [--spec DIR] --left KEY=VALUE ... --right KEY=VALUE ... [--no-new F] [--no-less F] [--json]`

What changes between two sides, each the spec under a configuration. Keys (repeat --left/--right):

    spec=DIR        a spec folder;  spec=git:REV  the spec folder at revision REV of the current
                    git repository (`git:REV:PATH` for another folder than the --spec one)
    reading=NAME    a reading (default: the spec's default reading)
    date=YYYY-MM-DD fixes the transaction date (the spec's one date input)
    param=NAME=V    fixes a parameter (repeatable)

A key named on one side only keeps its default (--spec, default reading, free date, the reading's
parameter values) on the other side.

Output: the regions where the outcomes differ (a condition over the inputs, the fields that change
from left to right, the provisions that decide them on each side, a minimal witness replayed
through the reference evaluator on both sides) and whether the regions are proved to cover every
differing transaction. `--no-new FIELD[=VALUE]` / `--no-less FIELD[=VALUE]` fail when some
transaction gains / loses on the right: an element of a set outcome (VALUE: that element, else
any), the value true of a true/false outcome, VALUE of an enum outcome (an optional enum without
VALUE: any value where the other side has none).

Exit status (as diff(1)): 0 the sides are equivalent (with --no-new/--no-less: no forbidden
change); 1 they differ (a forbidden change exists); 2 usage or spec error; 3 unknown — the solver
ran out of time before it could decide (never reported as equivalent); 70 internal error.
"""
from __future__ import annotations

import datetime
import difflib
import json
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import click

from ._common import EXIT_USAGE, UsageProblem, fail, parse_params

EXIT_DIFFER = 1
EXIT_UNKNOWN = 3
EXIT_INTERNAL = 70
KEYS = ("spec", "reading", "date", "param")


@dataclass
class SideKeys:
    """One side's KEY=VALUE options, parsed but not yet checked against a spec."""
    spec: str | None = None
    reading: str | None = None
    date: datetime.date | None = None
    params: list[str] = field(default_factory=list)


def parse_side(items: tuple[str, ...] | list[str], option: str) -> SideKeys:
    """The KEY=VALUE items of one side; UsageProblem (one line, naming the item) if malformed.

    >>> parse_side(["reading=summary", "date=2026-06-01", "param=x=1"], "--left")
    SideKeys(spec=None, reading='summary', date=datetime.date(2026, 6, 1), params=['x=1'])
    """
    out = SideKeys()
    seen: set[str] = set()
    for item in items:
        if "=" not in item:
            raise UsageProblem(f"{option} {item!r}: expected KEY=VALUE with KEY one of {', '.join(KEYS)}")
        key, value = item.split("=", 1)
        key = key.strip()
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise UsageProblem(f"{option} {item!r}: unknown key {key!r}{hint}; keys: {', '.join(KEYS)}")
        if key != "param" and key in seen:
            raise UsageProblem(f"{option}: {key}= given twice")
        seen.add(key)
        if not value.strip():
            raise UsageProblem(f"{option} {item!r}: {key}= needs a value")
        if key == "spec":
            out.spec = value
        elif key == "reading":
            out.reading = value.strip()
        elif key == "date":
            try:
                out.date = datetime.date.fromisoformat(value.strip())
            except ValueError:
                raise UsageProblem(f"{option} {item!r}: a date is YYYY-MM-DD") from None
            if len(value.strip()) != 10:
                raise UsageProblem(f"{option} {item!r}: a date is YYYY-MM-DD")
        else:
            if "=" not in value:
                raise UsageProblem(f"{option} {item!r}: expected param=NAME=VALUE")
            out.params.append(value)
    return out


def parse_check(item: str, kind: str) -> tuple[str, str, str | None]:
    name, _sep, value = item.partition("=")
    if not name.strip():
        raise UsageProblem(f"--{kind} {item!r}: expected FIELD or FIELD=VALUE")
    return kind, name.strip(), value.strip() or None


def git_spec(rev_path: str, default_dir: Path, stack: ExitStack) -> Path:
    """The spec folder at a revision of the current repository, extracted into a temp folder.
    `rev_path` is `REV` or `REV:PATH`; PATH defaults to `default_dir` relative to the repository."""
    def git(*args: str, cwd: Path | None = None) -> bytes:
        try:
            return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=True,
                                  timeout=60).stdout
        except FileNotFoundError:
            raise UsageProblem("spec=git:...: git is not installed") from None
        except subprocess.CalledProcessError as e:
            msg = e.stderr.decode(errors="replace").strip().splitlines()
            raise UsageProblem(f"spec=git:{rev_path}: {msg[-1] if msg else 'git failed'}") from None
    top = Path(git("rev-parse", "--show-toplevel").decode().strip())
    rev, _, path = rev_path.partition(":")
    if not rev:
        raise UsageProblem("spec=git:REV: the revision is missing")
    if not path:
        try:
            path = default_dir.resolve().relative_to(top.resolve()).as_posix()
        except ValueError:
            path = "spec"
    git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", cwd=top)
    names = [n for n in git("ls-tree", "-r", "-z", "--name-only", rev, "--", path, cwd=top)
             .decode().split("\0") if n]
    if not names:
        raise UsageProblem(f"spec=git:{rev_path}: no folder {path} at that revision")
    tree = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="earl-diff-")))
    for name in names:      # the blobs themselves: nothing from the revision runs or links out
        target = tree / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(git("show", f"{rev}:{name}", cwd=top))
    return tree / path


def _side(keys: SideKeys, spec_dir, stack: ExitStack, option: str):
    from ..parser import load_spec, shipped_spec_dir
    from ..solver.diff.product import Side
    default_dir = Path(spec_dir) if spec_dir else Path(shipped_spec_dir())
    where = keys.spec
    if where is None:
        folder, label = default_dir, str(spec_dir) if spec_dir else "the shipped spec"
    elif where.startswith("git:"):
        folder, label = git_spec(where[4:], default_dir, stack), where
    else:
        folder, label = Path(where), where
        if not folder.is_dir():
            raise UsageProblem(f"{option} spec={where}: no such folder")
    try:
        spec = load_spec(folder)
    except OSError as e:
        raise UsageProblem(f"{option}: cannot read the spec {label}: {e}") from None
    if keys.reading is not None and keys.reading not in spec.readings:
        close = difflib.get_close_matches(keys.reading, list(spec.readings), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise UsageProblem(f"{option}: no reading named {keys.reading!r}{hint}; "
                           f"readings: {', '.join(spec.readings)}")
    return Side(spec, keys.reading, parse_params(spec, tuple(keys.params)), keys.date, label)


@click.command("diff")
@click.option("--spec", "spec_dir", type=click.Path(exists=True, file_okay=False), default=None,
              metavar="DIR", help="The spec both sides start from (default: the shipped spec).")
@click.option("--left", "left", multiple=True, metavar="KEY=VALUE",
              help="The left side: spec=DIR|git:REV, reading=NAME, date=YYYY-MM-DD, param=NAME=VALUE.")
@click.option("--right", "right", multiple=True, metavar="KEY=VALUE", help="The right side (same keys).")
@click.option("--no-new", "no_new", multiple=True, metavar="FIELD[=VALUE]",
              help="Fail (exit 1) if some transaction gains this on the right.")
@click.option("--no-less", "no_less", multiple=True, metavar="FIELD[=VALUE]",
              help="Fail (exit 1) if some transaction loses this on the right.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=120.0,
              show_default=True, metavar="SECONDS", help="Time limit of the whole comparison.")
@click.option("--max-regions", type=click.IntRange(min=1), default=200, show_default=True,
              help="Stop listing regions after this many (the answer then says what is not covered).")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as one JSON object.")
def command(spec_dir, left, right, no_new, no_less, timeout, max_regions, as_json):
    """What changes between two readings, dates or versions of the spec — proved."""
    from ..parser import SpecError
    from ..solver.diff.product import DiffError
    from ..solver.diff.regions import diff
    from ..solver.replay import EngineDisagreement
    with ExitStack() as stack:
        try:
            sides = [_side(parse_side(items, opt), spec_dir, stack, opt)
                     for items, opt in ((left, "--left"), (right, "--right"))]
            checks = [parse_check(i, "no-new") for i in no_new] + [parse_check(i, "no-less") for i in no_less]
            result = diff(*sides, timeout_s=timeout, max_regions=max_regions, checks=checks)
        except SpecError as e:
            click.echo(e.render(), err=True)
            sys.exit(EXIT_USAGE)
        except (UsageProblem, DiffError) as e:
            fail("diff", str(e))
        except EngineDisagreement as e:
            fail("diff", f"internal error: {e}", EXIT_INTERNAL)
    from ..solver.diff.render import exit_status, to_json, to_text
    if as_json:
        click.echo(json.dumps(to_json(result), ensure_ascii=False, indent=2))
    else:
        click.echo(to_text(result))
    sys.exit(exit_status(result))
