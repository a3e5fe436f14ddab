"""`earl diff` on the shipped spec (subprocess, cold): the readings `regulation` and `summary`,
and the dates 2025-06-01 and 2026-06-01 — wall and CPU time, number of regions, whether the
regions were proved complete — next to `earl check spec/` (parse + check alone) as the baseline
the ratios are taken against, run interleaved in one process so the machine's noise hits all."""
from __future__ import annotations

import json

from .common import SPEC_DIR, earl_cmd, median, run_cmd, table

DIFFS = {
    "readings regulation vs summary": ["--left", "reading=regulation", "--right", "reading=summary"],
    "dates 2025-06-01 vs 2026-06-01": ["--left", "date=2025-06-01", "--right", "date=2026-06-01"],
}


def run(quick: bool = False) -> dict:
    repeats = 1 if quick else 3
    cmds = {"earl check spec/": earl_cmd("check", SPEC_DIR)}
    cmds.update({k: earl_cmd("diff", "--json", "--timeout", "600", "--max-regions", "1000", *args)
                 for k, args in DIFFS.items()})
    wall = {k: [] for k in cmds}
    cpu = {k: [] for k in cmds}
    answers: dict[str, dict] = {}
    for _ in range(repeats):                           # interleaved, side by side
        for k, argv in cmds.items():
            dt, rc, out, err = run_cmd(argv, timeout=1200, cpu=cpu[k])
            wall[k].append(dt)
            if k in DIFFS:
                try:
                    js = json.loads(out)
                    answers[k] = {"exit": rc, "regions": len(js["regions"]), "complete": js["complete"],
                                  "cross_check": js["cross_check"]}
                except (ValueError, KeyError):
                    answers[k] = {"exit": rc, "error": (err.strip().splitlines() or ["no output"])[-1]}
    base_w, base_c = median(wall["earl check spec/"]), median(cpu["earl check spec/"])
    res, rows = {}, []
    for k in cmds:
        w, c = median(wall[k]), median(cpu[k])
        a = answers.get(k, {})
        res[k] = {"wall_s": w, "cpu_s": c, "runs": repeats, "wall_over_check": w / base_w,
                  "cpu_over_check": c / base_c, **a}
        rows.append([k, w, c, f"{w / base_w:.1f}x", a.get("regions", "-"),
                     {True: "proved", False: "NO"}.get(a.get("complete"), "-"), a.get("exit", "-")])
    res["notes"] = [f"median of {repeats} interleaved run(s); CPU = user+sys of the process tree; "
                    "complete = z3 proved the regions cover every differing transaction "
                    "(and clingo agreed)"]
    res["table"] = table("diff (cold, subprocess)", ["command", "wall s", "CPU s", "wall vs check",
                                                      "regions", "complete", "exit"], rows)
    return res
