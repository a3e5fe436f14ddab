"""Verify time as the spec grows (renamed copies 2x, 4x, 8x: bench/replicate.py) and with the
country list cut to ~20 countries, each run in a fresh process (bench/verify_worker.py), under
the default reading, ratios against the shipped spec measured in the same run."""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from .common import SPEC_DIR, median, run_cmd, table


def run(quick: bool = False) -> dict:
    from .replicate import replicate
    sizes = [1, 2] if quick else [1, 2, 4, 8]
    repeats = 1 if quick else 3
    reading = "regulation"
    res: dict = {"reading": reading, "runs": {}}
    notes = []
    with tempfile.TemporaryDirectory(prefix="earl-bench-") as tmp:
        variants = {}
        for k in sizes:
            if k == 1:
                variants["1x (shipped spec)"] = [SPEC_DIR]
            else:
                d = Path(tmp) / f"x{k}"
                info = replicate(SPEC_DIR, d, k)
                variants[f"{k}x"] = [str(d)]
                res.setdefault("replication", {})[f"{k}x"] = info
        variants["1x, countries cut to ~20"] = [SPEC_DIR, "--countries", "20"]
        wall = {v: [] for v in variants}
        cpu = {v: [] for v in variants}
        info = {}
        limit = 120 if quick else 300
        timed_out: set[str] = set()
        for rep in range(repeats):
            for v, args in variants.items():
                if rep and v in ("4x", "8x"):      # the big ones once (full run: minutes each)
                    continue
                if v in timed_out or (v == "8x" and "4x" in timed_out):
                    timed_out.add(v)
                    continue
                argv = [sys.executable, "-m", "bench.verify_worker", *args, "--reading", reading]
                dt, rc, out, err = run_cmd(argv, timeout=limit, cpu=cpu[v])
                if rc == -1 and "timeout" in err:
                    timed_out.add(v)
                    wall[v].append(float("nan"))
                    info[v] = {"error": f"did not finish within {limit} s", "exit": rc}
                    continue
                wall[v].append(dt)
                try:
                    info[v] = json.loads(out.strip().splitlines()[-1])
                except Exception:  # noqa: BLE001
                    info[v] = {"error": (err.strip().splitlines() or ["?"])[-1][:300], "exit": rc}
    base = "1x (shipped spec)"
    rows = []
    for v in variants:
        w = median([x for x in wall[v] if x == x]) if any(x == x for x in wall[v]) else float("nan")
        c = median(cpu[v])
        i = info.get(v, {"error": "not run (the previous size timed out)"})
        res["runs"][v] = {"wall_s": w, "cpu_s": c, "wall_ratio": w / median(wall[base]),
                          "cpu_ratio": c / median(cpu[base]), "worker": i}
        status = (f"{i.get('properties', '?')} properties, {i.get('rules', '?')} rules, "
                  f"{i.get('countries', '?')} countries, exit {i.get('exit_code', '?')}"
                  if "error" not in i else f"failed: {i['error']}")
        rows.append([v, w, c, f"{w / median(wall[base]):.2f}", f"{c / median(cpu[base]):.2f}", status])
    notes.append(f"verify --reading {reading} in a fresh process per run (load + check + proofs + "
                 f"analyses), median of {repeats} interleaved run(s) (4x and 8x: one run); copies share the vocabulary "
                 f"(inputs, enums, countries, groups, readings)")
    cut = res["runs"]["1x, countries cut to ~20"]["worker"].get("cut")
    if cut:
        notes.append(f"country cut keeps {cut['kept']} countries: the {cut['named']} the spec names "
                     f"(rules, definitions, examples){'' if cut['kept'] > cut['named'] else ', already more than 20'}"
                     f"{', topped up to 20 with one per group signature' if cut['kept'] > cut['named'] else ''}")
    res["notes"] = notes
    res["table"] = table(f"scaling (verify, reading {reading})",
                         ["spec", "wall s", "CPU s", "wall ratio", "CPU ratio", "what was verified"], rows)
    return res
