"""One timed verify run in a fresh process (used by the scaling benchmark):

    python -m bench.verify_worker SPEC_DIR [--countries N] [--reading R ...] [--jobs J]

Loads the spec (optionally cutting its country list, bench/replicate.py), runs the verify
orchestration without counterexample files, and prints one JSON object with the times."""
from __future__ import annotations

import argparse
import json
import os
import sys
import time


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("spec_dir")
    ap.add_argument("--countries", type=int, default=0)
    ap.add_argument("--reading", action="append", default=[])
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--timeout", type=float, default=10.0)
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    from earl.parser import load_spec
    from earl.solver.verify import run as verify_mod
    spec = load_spec(a.spec_dir)
    cut = None
    if a.countries:
        from .replicate import cut_countries
        spec, cut = cut_countries(spec, a.countries)
    t1 = time.perf_counter()
    r = verify_mod.verify(spec, readings=a.reading or None, timeout_ms=int(a.timeout * 1000),
                          cx_dir=None, spec_dir=a.spec_dir, jobs=a.jobs)
    t2 = time.perf_counter()
    outcomes = {}
    for p in r.properties:
        key = getattr(p, "outcome", "?")
        outcomes[key] = outcomes.get(key, 0) + 1
    print(json.dumps({"load_s": t1 - t0, "verify_s": t2 - t1, "total_s": t2 - t0,
                      "exit_code": r.exit_code, "properties": len(r.properties),
                      "rules": len(spec.rules), "countries": len(spec.countries),
                      "outcomes": outcomes, "findings": len(r.findings), "queries": r.queries,
                      "cut": cut}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
