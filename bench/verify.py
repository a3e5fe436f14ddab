"""`verify spec/` cold (subprocess, all readings, z3 proofs cross-checked by clingo) next to the
parse + check stage alone (`earl check spec/`). Counterexample files are neither read nor
written (--no-counterexamples), so the bench never touches the repository."""
from __future__ import annotations

from .common import SPEC_DIR, earl_cmd, median, run_cmd, table, verify_cmd


def run(quick: bool = False) -> dict:
    repeats = 1 if quick else 3
    readings = ["--reading", "regulation"] if quick else []
    what = "default reading only (--quick)" if quick else "all readings"
    cmds = {"earl check spec/": earl_cmd("check", SPEC_DIR),
            f"verify spec/ ({what})": verify_cmd(SPEC_DIR, "--no-counterexamples", *readings)}
    wall = {k: [] for k in cmds}
    cpu = {k: [] for k in cmds}
    codes = {}
    for _ in range(repeats):                           # interleaved, side by side
        for k, argv in cmds.items():
            dt, rc, out, err = run_cmd(argv, timeout=3600, cpu=cpu[k])
            wall[k].append(dt)
            tail = (out.strip().splitlines() or [""])[-1]
            codes[k] = (rc, tail if rc == 0 else (err.strip().splitlines() or [tail])[-1])
    base_w, base_c = median(wall["earl check spec/"]), median(cpu["earl check spec/"])
    res, rows = {}, []
    for k in cmds:
        w, c = median(wall[k]), median(cpu[k])
        rc, tail = codes[k]
        res[k] = {"wall_s": w, "cpu_s": c, "runs": repeats, "exit": rc, "summary": tail[:300],
                  "wall_over_check": w / base_w, "cpu_over_check": c / base_c}
        rows.append([k, w, c, f"{w / base_w:.1f}x", f"exit {rc}"])
    res["notes"] = [f"median of {repeats} interleaved run(s); verify uses its default -j "
                    f"(readings in parallel, one per CPU); CPU = user+sys of the process tree",
                    "verify summary: " + codes[list(cmds)[1]][1][:300]]
    res["table"] = table("verify (cold, subprocess)", ["command", "wall s", "CPU s", "wall vs check", "status"], rows)
    return res
