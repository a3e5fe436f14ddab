"""`earl find` fuzzed: random well-typed conditions (`earl.testing.random_conditions`) over the
shipped spec's default reading, each asked in-process as `earl find` asks it (z3, a minimal
instance replayed through the reference evaluator). Counts internal errors (an instance the
evaluator refutes, or any crash: must be 0), refusals (a condition z3 could not compile),
unknowns, proofs and instances, and the time per condition (median, p95, max). Every "none
exists" is checked against clingo's exhaustive search (disagreements must be 0)."""
from __future__ import annotations

import time
import traceback

from .common import median, percentile, table

TIMEOUT_MS = 10_000          # `earl find`'s default time limit
CLINGO_TIMEOUT_MS = 30_000


def run(quick: bool = False, n: int | None = None, seed: int = 0) -> dict:
    from earl.parser import load_spec, parse_expression
    from earl import ir
    from earl.solver.smt import prove
    from earl.solver.asp import AspEngine
    from earl.solver.results import Instance, Proof
    from earl.testing import random_conditions

    n = n or (1_000 if quick else 10_000)
    spec = load_spec()
    model = ir.resolve(spec)
    clingo = AspEngine()
    counts = dict.fromkeys(("instance", "proof", "unknown", "refused", "internal_error",
                            "clingo_agrees", "clingo_disagrees", "clingo_unknown"), 0)
    examples: dict[str, list[str]] = {}
    times: list[float] = []
    clingo_times: list[float] = []
    for text in random_conditions(spec, n, seed=seed):
        start = time.perf_counter()
        try:
            expr = parse_expression(spec, text)
            result = prove.satisfiable(model, expr, timeout_ms=TIMEOUT_MS)
            kind = "instance" if isinstance(result, Instance) else \
                "proof" if isinstance(result, Proof) else "unknown"
        except ValueError as e:
            kind, result = "refused", e
        except Exception:  # noqa: BLE001 - counted and shown, never hidden
            kind, result = "internal_error", traceback.format_exc(limit=3)
        times.append(time.perf_counter() - start)
        counts[kind] += 1
        if kind not in ("instance", "proof"):
            examples.setdefault(kind, [])
            if len(examples[kind]) < 5:
                examples[kind].append(f"{text}  ->  {getattr(result, 'reason', result)}")
        if kind == "proof":
            start = time.perf_counter()
            check = clingo.satisfiable(model, expr, timeout_ms=CLINGO_TIMEOUT_MS)
            clingo_times.append(time.perf_counter() - start)
            verdict = "clingo_agrees" if isinstance(check, Proof) else \
                "clingo_disagrees" if isinstance(check, Instance) else "clingo_unknown"
            counts[verdict] += 1
            if verdict != "clingo_agrees":
                examples.setdefault(verdict, []).append(text)
    res = {"conditions": n, "seed": seed, "timeout_ms": TIMEOUT_MS, **counts,
           "median_s": median(times), "p95_s": percentile(times, 95), "max_s": max(times),
           "clingo_median_s": median(clingo_times), "examples": examples}
    rows = [[n, counts["internal_error"], counts["refused"], counts["unknown"], counts["proof"],
             counts["instance"], res["median_s"], res["p95_s"], res["max_s"],
             f'{counts["clingo_agrees"]}/{counts["proof"]}']]
    res["table"] = table(f"findfuzz (seed {seed}, default reading)",
                         ["conditions", "internal errors", "refused", "unknown", "proofs",
                          "instances", "median s", "p95 s", "max s", "proofs clingo confirms"], rows)
    res["notes"] = [f"{k}: {v}" for k, xs in examples.items() for v in xs]
    return res
