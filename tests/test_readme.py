"""README.md shows real output: every `$ earl ...` and `$ verify ...` line of its fenced code blocks
is rerun and its output compared with the lines shown under it, timings ("2.37 s", "4 ms") aside.

`$ cat FILE` lines show an input: the lines under them are written to FILE before any command
runs. Each command runs in a fresh Python process, from a copy of the repository root (spec/ and
counterexamples/ copied, so that `verify` can rewrite counterexample files without touching the
checkout; every other top-level entry linked), with the checkout's spec as the default spec
(tests/conftest.py, imported by the launcher), and with PYTHONHASHSEED=0: which of several
equally small counterexamples z3 returns, and which unsat core a proof "relies on", follow
Python's set order, so a fixed seed makes a run reproducible (any seed gives a true output).

Refresh the README after a change of output (review the diff before committing):

    EARL_README_UPDATE=1 python -m pytest tests/test_readme.py
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
UPDATE = os.environ.get("EARL_README_UPDATE", "") not in ("", "0")
TIMING = re.compile(r" *\b\d+(?:\.\d+)? m?s\b")
COPIED = ("spec", "counterexamples")      # verify writes beside the spec folder it resolves


@dataclass(frozen=True)
class Shown:
    """One `$ command` of a code block and the output lines README.md shows under it
    (README lines [start, end))."""
    command: str
    output: tuple[str, ...]
    start: int
    end: int


def shown_commands(text: str) -> list[Shown]:
    """Every `$ ` line of every fenced code block, with the lines up to the next `$ ` line or the
    end of the block.

    >>> [(s.command, s.output) for s in shown_commands("x\\n```\\n$ earl a\\n1\\n$ cat f\\n2\\n```\\n")]
    [('earl a', ('1',)), ('cat f', ('2',))]
    """
    lines = text.split("\n")
    out: list[Shown] = []
    fenced = False
    command, start = None, 0
    for i, line in enumerate(lines):
        ends_block = fenced and line.lstrip().startswith("```")
        if command is not None and (ends_block or line.startswith("$ ")):
            out.append(Shown(command, tuple(lines[start:i]), start, i))
            command = None
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif fenced and line.startswith("$ "):
            command, start = line[2:], i + 1
    return out


SHOWN = shown_commands(README.read_text(encoding="utf-8"))
RUN = [s for s in SHOWN if not s.command.startswith("cat ")]
_updates: dict[Shown, list[str]] = {}


def normalised(lines) -> list[str]:
    return [TIMING.sub(" <time>", line) for line in lines]


@pytest.fixture(scope="module")
def workdir(repo_root):
    """A stand-in for the repository root, holding the `cat` inputs the README shows."""
    # one fixed folder, not a numbered temporary one: z3's choice among equally small unsat cores
    # ("relies on") follows the order of sets whose members hash the spec's file paths, so the
    # same folder name is what makes two runs on two checkouts print the same
    root = Path(tempfile.gettempdir()) / "earl-readme"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir()
    for entry in repo_root.iterdir():
        if entry.name.startswith("."):
            continue
        if entry.name in COPIED:
            shutil.copytree(entry, root / entry.name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (root / entry.name).symlink_to(entry)
    for s in SHOWN:
        if s.command.startswith("cat "):
            [name] = shlex.split(s.command)[1:]
            (root / name).unlink(missing_ok=True)
            (root / name).write_text("\n".join(s.output) + "\n", encoding="utf-8")
    yield root
    if UPDATE and _updates:
        rewrite(_updates)


def rewrite(updates: dict[Shown, list[str]]) -> None:
    lines = README.read_text(encoding="utf-8").split("\n")
    for s in sorted(updates, key=lambda s: s.start, reverse=True):
        lines[s.start:s.end] = updates[s]
    README.write_text("\n".join(lines), encoding="utf-8")


LAUNCHER = ("import sys; sys.path.insert(0, sys.argv.pop(1)); import conftest; "
            "from earl.cli import main, verify_main; sys.argv = sys.argv[1:]; "
            "(verify_main if sys.argv[0] == 'verify' else main)()")


def rerun(command: str, cwd: Path) -> str:
    """What `command` prints (stdout and stderr, as a terminal shows them)."""
    import subprocess
    import sys
    argv = shlex.split(command)
    assert argv[0] in ("earl", "verify"), f"README.md shows `$ {command}`: only earl, verify and cat are rerun"
    env = {**os.environ, "PYTHONHASHSEED": "0", "GITHUB_ACTIONS": "", "EARL_DEBUG": ""}
    r = subprocess.run([sys.executable, "-c", LAUNCHER, str(Path(__file__).parent), *argv], cwd=cwd,
                       env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900)
    return r.stdout


def test_the_readme_shows_commands():
    assert any(s.command.startswith("earl ") for s in RUN) and any(s.command.startswith("verify") for s in RUN)


@pytest.mark.parametrize("shown", RUN, ids=[s.command for s in RUN])
def test_readme_output_is_what_earl_prints(shown, workdir):
    actual = rerun(shown.command, workdir).rstrip("\n").split("\n")
    assert not any(l.startswith("$ ") or l.lstrip().startswith("```") for l in actual), \
        "output that README.md cannot show verbatim"
    if UPDATE:
        if normalised(actual) != normalised(shown.output):
            _updates[shown] = actual
        return
    assert normalised(actual) == normalised(shown.output), (
        f"README.md line {shown.start}: `$ {shown.command}` prints something else; refresh with "
        "EARL_README_UPDATE=1 python -m pytest tests/test_readme.py")


def test_the_parser_docstring():
    import doctest
    import sys
    assert doctest.testmod(sys.modules[__name__]).failed == 0
