"""`earl check` and the CLI's guarantees (exit codes, no tracebacks)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from earl.cli import main

OK = Path(__file__).parent / "specs" / "ok"


def run(*args, env=None):
    return CliRunner().invoke(main, list(args), env=env)


def test_check_ok():
    r = run("check", str(OK))
    assert r.exit_code == 0, r.output
    assert r.output.strip().endswith(
        "ok: 2 files, 2 readings, 4 enums, 3 groups, 8 inputs, 2 params, 3 defs, 4 outcomes, 6 rules, "
        "2 properties, 2 examples")


def test_check_errors_exit_2(tmp_path):
    f = tmp_path / "bad.earl"
    base = (OK / "domains.earl").read_text()
    f.write_text(base + 'def x : bool = destination == "FRA"\n')
    r = run("check", str(f))
    assert r.exit_code == 2
    line = base.count("\n") + 1
    assert f'bad.earl:{line}:31: error: "FRA" is not a known country code' in r.output
    assert "hint: did you mean 'FR'?" in r.output
    assert "1 error" in r.output


def test_check_prints_warnings_and_still_succeeds(tmp_path):
    f = tmp_path / "w.earl"
    f.write_text((OK / "domains.earl").read_text() + "def spare : bool = item.power > 1\n")
    r = run("check", str(f))
    assert r.exit_code == 0
    assert "warning: definition 'spare' is never used" in r.output
    assert "(1 warning)" in r.output
    quiet = run("check", "-q", str(f))
    assert quiet.exit_code == 0 and "never used" not in quiet.output


def test_check_missing_folder():
    r = run("check", "/no/such/folder")
    assert r.exit_code == 2 and "no such file or folder" in r.output


def test_internal_errors_are_one_line(monkeypatch):
    import earl.parser as parser

    def boom(path=None):
        raise RuntimeError("kaboom\nsecond line")
    monkeypatch.setattr(parser, "load_spec_with_warnings", boom)
    r = CliRunner().invoke(main, ["check", str(OK)], env={"EARL_DEBUG": ""})
    assert r.exit_code == 70
    assert r.output.strip() == ("earl: internal error: RuntimeError: kaboom "
                                "(set EARL_DEBUG=1 to see the traceback)")
    assert "Traceback" not in r.output


def test_subcommands_are_discovered():
    r = run("--help")
    assert r.exit_code == 0 and "check" in r.output


def test_console_script_check():
    """The installed entry point, in a fresh process."""
    p = subprocess.run([sys.executable, "-c", "from earl.cli import main; main()", "check", str(OK)],
                       capture_output=True, text=True, env={**os.environ, "EARL_DEBUG": ""}, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "ok:" in p.stdout and "Traceback" not in p.stderr


def test_help_lists_every_command_and_no_helper_module():
    r = CliRunner().invoke(main, ["--help"])
    assert r.exit_code == 0
    for name in ("ask", "check", "find", "generate", "provisions", "verify"):
        assert f"  {name} " in r.output
    assert "unavailable" not in r.output


def test_check_names_the_rule_a_new_reading_would_lose(tmp_path):
    """A rule 'only under' the default reading is refused with the `except under` to write instead."""
    (tmp_path / "domains.earl").write_text((OK / "domains.earl").read_text())
    rules = (OK / "rules.earl").read_text()
    assert "  except under guidance\n" in rules
    (tmp_path / "rules.earl").write_text(rules.replace("  except under guidance\n", "  only under statute\n"))
    r = run("check", str(tmp_path))
    assert r.exit_code == 2, r.output
    assert "error: rule 'small' is 'only under' the default reading 'statute'" in r.output
    assert "hint: write `except under guidance`" in r.output and "Traceback" not in r.output
