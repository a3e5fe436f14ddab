"""`earl ask` latency: warm (in-process, spec loaded once; one determination end to end: JSON
parsing, completion, the engine, the explanation and its rendering, text and JSON) per engine,
and cold (subprocesses: `earl --help`, `earl ask tx.json`) next to a bare `python -c pass`."""
from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from .common import SPEC_DIR, earl_cmd, load_engines, median, percentile, run_cmd, table

TX = {"item": {"kind": "ic", "tpp": 4800, "quantity": 1000}, "destination": "FR",
      "end_user": {"hq": "FR"}}


def run(quick: bool = False) -> dict:
    from earl.parser import load_spec
    from earl import ir
    from earl.solver.explain import determine
    from earl.solver.transaction import complete, parse_json

    n = 50 if quick else 200
    cold_n = 3 if quick else 7
    notes: list[str] = []
    spec = load_spec(SPEC_DIR)
    model = ir.resolve(spec)
    text = json.dumps(TX)
    engines, missing = load_engines()
    for name, why in missing.items():
        notes.append(f"engine {name} unavailable: {why}")
    res: dict = {"warm": {}, "cold": {}}
    rows = []
    for name in ("eval", "smt", "asp"):
        eng = engines.get(name)
        if eng is None:
            rows.append([f"warm ask --engine {name}", None, None, "unavailable"])
            continue

        def once():
            given = parse_json(spec, text)
            tx = complete(spec, given)
            trace = eng.run(model, tx)
            det = determine(model, tx, trace, engine=eng.name)
            return det.text(), json.dumps(det.to_json(), ensure_ascii=False)
        try:
            t = time.perf_counter()
            once()                                    # first call: compiles / grounds the model
            first = time.perf_counter() - t
            times = []
            for _ in range(n):
                t = time.perf_counter()
                once()
                times.append(time.perf_counter() - t)
        except Exception as e:  # noqa: BLE001
            notes.append(f"engine {name} failed: {type(e).__name__}: {e}")
            rows.append([f"warm ask --engine {name}", None, None, "failed"])
            continue
        p50, p95 = percentile(times, 50) * 1e3, percentile(times, 95) * 1e3
        res["warm"][name] = {"runs": n, "p50_ms": p50, "p95_ms": p95, "first_call_ms": first * 1e3}
        rows.append([f"warm ask --engine {name} (in-process)", p50, p95,
                     f"first call {first * 1e3:.0f} ms"])

    with tempfile.TemporaryDirectory() as tmp:
        txf = Path(tmp) / "tx.json"
        txf.write_text(text)
        cmds = {"python -c pass": [sys.executable, "-c", "pass"],
                "earl --help": earl_cmd("--help"),
                "earl ask tx.json": earl_cmd("ask", str(txf)),
                "earl ask --engine smt tx.json": earl_cmd("ask", "--engine", "smt", str(txf)),
                "earl ask --engine asp tx.json": earl_cmd("ask", "--engine", "asp", str(txf))}
        times = {k: [] for k in cmds}
        codes = {}
        for _ in range(cold_n):                       # interleaved: side by side under the same load
            for k, argv in cmds.items():
                dt, rc, _out, err = run_cmd(argv, timeout=300)
                times[k].append(dt)
                codes[k] = (rc, err.strip().splitlines()[-1] if err.strip() else "")
    base = median(times["python -c pass"])
    for k in cmds:
        m = median(times[k])
        rc, err = codes[k]
        res["cold"][k] = {"median_ms": m * 1e3, "runs": cold_n, "exit": rc,
                          "over_bare_python": m / base}
        rows.append([f"cold `{k}`", m * 1e3, None,
                     f"{m / base:.1f}x bare python" + ("" if rc == 0 else f"; exit {rc}: {err[:80]}")])
    notes.append(f"warm: {n} runs after one warm-up call; cold: median of {cold_n} interleaved runs")
    res["notes"] = notes
    res["table"] = table("latency (`earl ask`, one transaction)", ["what", "p50 / median ms", "p95 ms", "note"], rows)
    return res
