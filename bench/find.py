"""`earl find` on the questions the README asks (each `$ earl find '...'` line of README.md):
cold (a fresh process: start-up, spec loading, z3) and warm (in-process through click's
CliRunner, the spec and the z3 query already built by an earlier question)."""
from __future__ import annotations

import re
import shlex
import time

from .common import ROOT, earl_cmd, median, run_cmd, table


def questions() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [shlex.split(m.group(1))[0] for m in re.finditer(r"^\$ earl find (.+)$", text, re.M)]


def run(quick: bool = False) -> dict:
    from click.testing import CliRunner

    from earl.commands.find import command

    repeats = 3 if quick else 7
    res: dict = {"questions": {}}
    rows = []
    runner = CliRunner()
    for q in questions():
        runner.invoke(command, [q])                    # warm-up: builds the z3 query once
        cold, warm, codes = [], [], set()
        for _ in range(repeats):                       # interleaved
            dt, rc, _out, _err = run_cmd(earl_cmd("find", q))
            cold.append(dt)
            codes.add(rc)
            t = time.perf_counter()
            r = runner.invoke(command, [q])
            warm.append(time.perf_counter() - t)
            codes.add(r.exit_code)
        res["questions"][q] = {"cold_s": median(cold), "warm_s": median(warm), "exits": sorted(codes)}
        rows.append([q, median(cold), median(warm), ", ".join(map(str, sorted(codes)))])
    res["notes"] = [f"median of {repeats} interleaved runs; target <= 0.3 s each"]
    res["table"] = table("earl find on the README's questions", ["question", "cold s", "warm s", "exit"], rows)
    return res
