"""`earl provisions` on the toy spec and the shipped spec."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from earl.commands.provisions import command
from earl.solver.provisions import provision_rows
from earl.parser import load_spec

OK = Path(__file__).parent / "specs" / "ok"


def test_rows_count_examples_and_touching_properties():
    rows = {r.name: r for r in provision_rows(load_spec(OK))[0]}
    assert list(rows) == ["classify_widget", "classify_stated", "tier_watch", "license", "small", "gov"]
    assert rows["classify_widget"].examples == 2      # both examples fire it
    assert rows["license"].examples == 1 and rows["classify_stated"].examples == 0
    assert rows["small"].readings == ("statute",) and rows["license"].readings == ()
    # `no_small_to_watch` reads `exceptions`: it touches the rules concluding exceptions only
    assert rows["small"].properties == ("no_small_to_watch", "fine")
    assert rows["gov"].properties == ("no_small_to_watch", "fine")
    assert rows["license"].properties == ("fine",)
    assert rows["tier_watch"].properties == ()


def test_markdown_table():
    r = CliRunner().invoke(command, ["--spec", str(OK), "--markdown"])
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0].startswith("| rule | cite | title | source |")
    assert ("| `small` | Toy Reg. 5 | Small shipments | secondary (Toy commentary) | statute | 0 "
            "| `no_small_to_watch`, `fine` |") in lines
    assert "| `license` | Toy Reg. 4 | " in "\n".join(lines) and "| not stated |" in "\n".join(lines)
    assert len(lines) == 2 + 6


def test_plain_table_on_the_shipped_spec():
    r = CliRunner().invoke(command, [])
    assert r.exit_code == 0, r.output
    spec = load_spec()
    assert len(r.stdout.splitlines()) == 2 + len(spec.rules)
    assert "CFR" in r.stdout
    rows = provision_rows(spec)[0]
    assert sum(row.examples for row in rows) > 0
