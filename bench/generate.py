"""Test-set generation (`earl generate`) for the shipped spec, if the command exists: wall time,
size of the set, greedy size vs the optimum (or the proved lower bound), as the command reports
them. One run (it takes minutes); skipped under --quick."""
from __future__ import annotations

import importlib.util
import re
import tempfile
from pathlib import Path

from .common import SPEC_DIR, earl_cmd, run_cmd, table


def run(quick: bool = False) -> dict:
    if importlib.util.find_spec("earl.commands.generate") is None:
        msg = "earl generate is not available (cli/commands/generate.py is missing): not measured"
        return {"available": False, "notes": [msg], "table": table("generate", ["status"], [[msg]])}
    if quick:
        msg = "skipped under --quick (generation takes minutes): run `python -m bench generate`"
        return {"available": True, "skipped": True, "notes": [msg],
                "table": table("generate", ["status"], [[msg]])}
    with tempfile.TemporaryDirectory() as tmp:
        cpu: list = []
        dt, rc, out, err = run_cmd(earl_cmd("generate", "--spec", SPEC_DIR, "--out", tmp),
                                   timeout=3600, cpu=cpu)
        text = out + "\n" + err
        res: dict = {"available": True, "wall_s": dt, "cpu_s": cpu[0] if cpu else None, "exit": rc}
        m = re.search(r"(\d+) transactions \(greedy (\d+); ([^)]*)\) in ([\d.]+)s", text)
        if m:
            res.update(size=int(m.group(1)), greedy=int(m.group(2)), optimum_status=m.group(3),
                       reported_s=float(m.group(4)))
        for key, pat in (("greedy_s", r"greedy: \d+ transactions.*?\(([\d.]+)s\)"),
                         ("optimum_s", r"optimum: \d+ transactions \([^;]*; ([\d.]+)s\)"),
                         ("abstraction_s", r"abstraction built in ([\d.]+)s"),
                         ("goals", r"goals: (\d+) total")):
            mm = re.search(pat, text)
            if mm:
                res[key] = float(mm.group(1))
        lb = re.search(r"lower bound (\d+)", text)
        if lb:
            res["lower_bound"] = int(lb.group(1))
        try:
            import json
            data = json.loads((Path(tmp) / "testset.json").read_text())
            items = data if isinstance(data, list) else data.get("transactions", data.get("tests", []))
            res["file_transactions"] = len(items)
        except Exception:  # noqa: BLE001
            pass
    rows = [["earl generate (default reading)", dt, res.get("cpu_s"), res.get("size"), res.get("greedy"),
             res.get("optimum_status", f"exit {rc}")]]
    res["notes"] = [f"one run; phases as reported: abstraction {res.get('abstraction_s', '?')} s, "
                    f"greedy {res.get('greedy_s', '?')} s, optimisation {res.get('optimum_s', '?')} s; "
                    f"{int(res.get('goals', 0))} coverage goals"]
    if rc != 0:
        res["notes"].append("earl generate failed: " + (err.strip().splitlines() or [""])[-1][:200])
    res["table"] = table("generate (covering test set, shipped spec)",
                         ["command", "wall s", "CPU s", "size", "greedy size", "optimum"], rows)
    return res
