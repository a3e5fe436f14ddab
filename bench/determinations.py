"""Batch determinations per second: eval, smt, asp, and the hand-written slice (bench/handwritten.py).

The transactions: a seeded sample (bench/sample.py) of the shipped spec, default reading.
eval and the hand-written function run on the whole sample, interleaved (eval, hand, eval, hand,
...) so that their ratio is measured side by side; smt and asp run on a subsample (they are
slow), and all three engines must produce identical Traces on it (differential check).
"""
from __future__ import annotations

import collections
import time

from .common import SPEC_DIR, load_engines, median, table


def run(quick: bool = False) -> dict:
    from earl.parser import load_spec
    from earl import ir

    n = 10_000 if quick else 100_000
    n_sub = {"smt": 1_000 if quick else 10_000, "asp": 2_000 if quick else 10_000}
    repeats = 3 if quick else 5
    notes: list[str] = []

    spec = load_spec(SPEC_DIR)
    model = ir.resolve(spec)
    from .sample import sample
    t0 = time.perf_counter()
    txs, info = sample(spec, SPEC_DIR, n)
    info["sample_seconds"] = round(time.perf_counter() - t0, 2)
    engines, missing = load_engines()
    for name, why in missing.items():
        notes.append(f"engine {name} unavailable: {why}")

    res: dict = {"transactions": n, "reading": model.reading, "sample": info, "engines": {}}
    rows = []

    # --- eval and hand-written, interleaved, on the whole sample
    try:
        from . import handwritten
    except Exception as e:  # noqa: BLE001
        handwritten = None
        notes.append(f"bench/handwritten.py unavailable: {type(e).__name__}: {e}")
    ev = engines.get("eval")
    ref = None
    t_eval, t_hand, ratios = [], [], []
    t_out, out_ratios = [], []   # the outcomes-only path (`earl ask --fields outcomes`)
    t_five, five_ratios = [], []  # only the outcomes the hand-written function computes
    if ev is not None:
        try:
            from earl.solver.eval import compile_model, compile_outcomes
            ref = ev.run_batch(model, txs[:1000])       # warm-up: compiles the model
            outcomes_only = compile_model(model).outcomes
            five = compile_outcomes(model, handwritten.FIELDS) if handwritten is not None else None
            for _ in range(repeats):
                t = time.perf_counter()
                ref = ev.run_batch(model, txs)
                t_eval.append(time.perf_counter() - t)
                t = time.perf_counter()
                for tx in txs:
                    outcomes_only(tx)
                t_out.append(time.perf_counter() - t)
                if handwritten is not None:
                    decide = handwritten.decide
                    t = time.perf_counter()
                    hand = [decide(tx) for tx in txs]
                    t_hand.append(time.perf_counter() - t)
                    ratios.append(t_eval[-1] / t_hand[-1])
                    out_ratios.append(t_out[-1] / t_hand[-1])
                    t = time.perf_counter()
                    for tx in txs:
                        five(tx)
                    t_five.append(time.perf_counter() - t)
                    five_ratios.append(t_five[-1] / t_hand[-1])
        except Exception as e:  # noqa: BLE001
            notes.append(f"engine eval failed: {type(e).__name__}: {e}")
            ref = None
    if ref is not None and len(ref) == n:
        us = median(t_eval) / n * 1e6
        res["engines"]["eval"] = {"n": n, "us_per_tx": us, "per_second": 1e6 / us}
        rows.append(["eval (compiled Python)", n, us, 1e6 / us, "1.00"])
        us_out = median(t_out) / n * 1e6
        res["engines"]["eval_outcomes"] = {"n": n, "us_per_tx": us_out, "per_second": 1e6 / us_out}
        rows.append(["eval, outcomes only (run_outcomes)", n, us_out, 1e6 / us_out,
                     f"{median(t_eval) / median(t_out):.2f}"])
        # coverage of the sample, as the evaluator decides it
        cov = {o: collections.Counter(str(t.outcomes[o]) for t in ref)
               for o in ("eccn", "destination_tier", "policy", "license_required")}
        fired = collections.Counter(r for t in ref for r in t.fired)
        never = sorted(set(model.rules) - set(fired))
        res["coverage"] = {k: dict(v) for k, v in cov.items()}
        res["coverage"]["rules_fired"] = f"{len(fired)}/{len(model.rules)}"
        res["coverage"]["rules_never_fired"] = never
        notes.append("sample coverage: eccn " + ", ".join(f"{k}:{v}" for k, v in sorted(cov["eccn"].items()))
                     + "; tier " + ", ".join(f"{k}:{v}" for k, v in sorted(cov["destination_tier"].items()))
                     + f"; rules fired {len(fired)}/{len(model.rules)}"
                     + (f" (never: {', '.join(never)})" if never else "")
                     + f"; comparison boundaries hit exactly {info['boundary_targets_hit_exactly']}"
                     f"/{info['boundary_targets']} (all readings)")
    if t_hand and ref is not None:
        us = median(t_hand) / n * 1e6
        mism = collections.Counter()
        example = None
        for tx, tr in zip(txs, ref):
            h = handwritten.decide(tx)
            for f in handwritten.FIELDS:
                if h[f] != tr.outcomes[f]:
                    mism[f] += 1
                    if example is None:
                        example = {"field": f, "hand": str(h[f]), "eval": str(tr.outcomes[f]),
                                   "tx": {k: str(v) for k, v in tx.items()}}
        total = sum(mism.values())
        res["engines"]["handwritten"] = {"n": n, "us_per_tx": us, "per_second": 1e6 / us,
                                         "fields": list(handwritten.FIELDS),
                                         "mismatches": dict(mism), "first_mismatch": example}
        res["eval_over_handwritten"] = median(ratios)
        res["eval_outcomes_over_handwritten"] = median(out_ratios)
        rows.append(["hand-written Python (5 outcomes)", n, us, 1e6 / us,
                     f"{1 / median(ratios):.2f}"])
        us5 = median(t_five) / n * 1e6
        res["engines"]["eval_5_outcomes"] = {"n": n, "us_per_tx": us5, "per_second": 1e6 / us5}
        res["eval_5_outcomes_over_handwritten"] = median(five_ratios)
        rows.append(["eval, the same 5 outcomes (compile_outcomes)", n, us5, 1e6 / us5,
                     f"{median(t_eval) / median(t_five):.2f}"])
        notes.append(f"evaluator / hand-written = {median(ratios):.2f}x (median of {len(ratios)} "
                     f"interleaved pairs; target <= 3x); outcomes-only evaluator / hand-written = "
                     f"{median(out_ratios):.2f}x (same pairs; all 9 outcomes and conflicts); the same 5 "
                     f"outcomes (compile_outcomes) / hand-written = {median(five_ratios):.2f}x (target <= 2x); "
                     f"hand-written agrees with eval on "
                     f"{', '.join(handwritten.FIELDS)}: {n:,} transactions, "
                     f"{total} mismatching field(s)" + (f" {dict(mism)}" if total else ""))

    # --- smt and asp on subsamples; differential check against eval
    diff = {}
    for name in ("smt", "asp"):
        eng = engines.get(name)
        if eng is None:
            rows.append([name, 0, None, None, "unavailable"])
            continue
        k = min(n_sub[name], n)
        sub = txs[:k]
        try:
            eng.run_batch(model, sub[:50])            # warm-up: compiles / grounds the model
            times = []
            chunk = 2_000
            traces = []
            t = time.perf_counter()
            for i in range(0, k, chunk):
                traces += eng.run_batch(model, sub[i:i + chunk])
            times.append(time.perf_counter() - t)
        except Exception as e:  # noqa: BLE001
            notes.append(f"engine {name} failed: {type(e).__name__}: {e}")
            rows.append([name, k, None, None, "failed"])
            continue
        us = median(times) / k * 1e6
        res["engines"][name] = {"n": k, "us_per_tx": us, "per_second": 1e6 / us,
                                "subsample": True}
        ratio = us / res["engines"]["eval"]["us_per_tx"] if "eval" in res["engines"] else None
        rows.append([f"{name} (first {k:,} of the sample)", k, us, 1e6 / us,
                     f"{1 / ratio:.4f}" if ratio else "-"])
        if ref is not None:
            bad = [i for i in range(k) if traces[i] != ref[i]]
            diff[name] = {"checked": k, "disagreements": len(bad),
                          "first": ({"index": bad[0], "eval": repr(ref[bad[0]]), name: repr(traces[bad[0]])}
                                    if bad else None)}
    res["differential"] = diff
    if diff:
        notes.append("differential (identical Traces with eval): " + "; ".join(
            f"{k}: {v['checked']:,} checked, {v['disagreements']} disagreement(s)" for k, v in diff.items()))
    notes.append(f"smt/asp ran on the first {n_sub['smt']:,}/{n_sub['asp']:,} transactions of the "
                 f"sample (one timed pass; eval/hand-written: median of {repeats} passes over all {n:,})")
    res["notes"] = notes
    res["table"] = table(f"determinations ({n:,} sampled transactions, reading {model.reading})",
                         ["engine", "transactions", "µs/tx", "tx/s", "speed vs eval"], rows)
    return res
