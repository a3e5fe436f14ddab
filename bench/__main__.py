"""`python -m bench [--quick] [--n N] [determinations|latency|verify|scaling|generate|diff|screening|find|mutate|fuzz|findfuzz ...]`

Runs the selected benchmarks (default: all), prints a table per benchmark and writes everything
to bench/results/latest.json. --quick: smaller samples and fewer repeats (about two minutes).
A missing or broken engine or command is reported in the output, never a crash."""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path

BENCHES = ("determinations", "latency", "verify", "scaling", "generate", "diff", "screening", "find", "mutate", "fuzz",
           "findfuzz", "identity")


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (int, float, str, bool)) or x is None:
        return x
    return str(x)


def _identity_options(a) -> dict:
    return {k: v for k, v in (("n", a.n), ("rev", a.rev), ("baseline", a.baseline), ("keep", a.keep)) if v}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    ap.add_argument("benches", nargs="*", metavar="BENCH",
                    help=f"any of {', '.join(BENCHES)} (default: all)")
    ap.add_argument("--quick", action="store_true", help="smaller samples, fewer repeats (~2 min)")
    ap.add_argument("--n", type=int, default=None, metavar="N",
                    help="findfuzz: number of random conditions (default 10,000; 1,000 with --quick); "
                    "identity: random transactions (default 100,000; 10,000 with --quick)")
    ap.add_argument("--rev", default=None, help="identity: the revision to compare with (default 8477560)")
    ap.add_argument("--baseline", type=Path, default=None, metavar="DIR",
                    help="identity: record the old side's outputs into DIR once, then reuse them")
    ap.add_argument("--keep", action="store_true", help="identity: keep the temporary folders and worktree")
    a = ap.parse_args(argv)
    unknown = [b for b in a.benches if b not in BENCHES]
    if unknown:
        ap.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHES)}")
    selected = a.benches or list(BENCHES)
    import importlib
    out = {"when": datetime.datetime.now().isoformat(timespec="seconds"), "quick": a.quick,
           "python": platform.python_version(), "cpus": os.cpu_count(),
           "machine": platform.machine(), "results": {}}
    try:
        import subprocess
        out["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                       text=True, cwd=Path(__file__).parent).stdout.strip()
    except Exception:  # noqa: BLE001
        pass
    latest = Path(__file__).parent / "results" / "latest.json"
    try:  # benchmarks not selected this time keep their last results (each says when / quick)
        out["results"].update({k: v for k, v in json.loads(latest.read_text()).get("results", {}).items()
                               if k in BENCHES and k not in selected})
    except Exception:  # noqa: BLE001
        pass
    print(f"# earl benchmarks{' (--quick)' if a.quick else ''}: {', '.join(selected)}", flush=True)
    for name in selected:
        t = time.perf_counter()
        try:
            mod = importlib.import_module(f"bench.{name}")
            res = mod.run(quick=a.quick, **({"n": a.n} if name == "findfuzz" and a.n else {}),
                          **(_identity_options(a) if name == "identity" else {}))
        except Exception as e:  # noqa: BLE001 - a broken benchmark is reported, the others run
            res = {"error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc(),
                   "table": f"\n## {name}\nFAILED: {type(e).__name__}: {e}", "notes": []}
        res["bench_seconds"] = round(time.perf_counter() - t, 1)
        res["when"] = datetime.datetime.now().isoformat(timespec="seconds")
        res["quick"] = a.quick
        print(res.get("table", ""))
        for note in res.get("notes", []):
            print(f"- {note}")
        print(f"({name}: {res['bench_seconds']} s)", flush=True)
        out["results"][name] = res
        results = Path(__file__).parent / "results"
        results.mkdir(exist_ok=True)
        (results / "latest.json").write_text(json.dumps(_jsonable(out), indent=2, ensure_ascii=False))
    # identity is a check as well as a benchmark: its exit status says whether all was identical
    return max((out["results"][name].get("exit", 0) for name in selected), default=0)


if __name__ == "__main__":
    sys.exit(main())
