"""A hand-written Python function for the toy spec agrees with the compiled evaluator.

The timing comparison between the two lives in bench/ (`python -m bench determinations`),
never in a timed test.

The hand-written function decides the toy diffusion spec (tests/test_smt_specs.py) the way a
programmer would, with exact arithmetic, computing the outcomes only (no trace); the compiled
evaluator also computes every rule's applicability, first failing condition and conflicts.
"""
from __future__ import annotations

import datetime
import random
from fractions import Fraction as F

from earl import ir
from earl.solver.eval import run

from test_smt_specs import diffusion_spec

D5_ALWAYS = {"AF", "BY", "CN", "RU", "IR"}
A5 = {"FR", "DE", "JP", "US"}


KH_UNTIL, NI_FROM = datetime.date(2026, 2, 3), datetime.date(2024, 3, 14)
OPS_CUT = max(F(25) * 10 ** 24, F(1, 4) * 10 ** 26)     # constants folded by hand, as a programmer would


def hand_written(tx):
    """The toy spec's decision, by hand."""
    day = tx["date"]
    ops, tpp, stated = tx["item.ops"], tx["item.tpp"], tx["item.eccn"]
    if ops > OPS_CUT:
        eccn = "4E091"
    elif stated is not None:
        eccn = "EAR99"
    elif tpp >= 4800:
        eccn = "3A090.a"
    else:
        eccn = None
    in_a5 = tx["destination"] in A5
    licence = (eccn == "4E091" or eccn == "3A090.a") and not in_a5
    hq = tx["end_user.hq"]
    blocked = (hq in D5_ALWAYS or hq == "MO" or (hq == "KH" and day < KH_UNTIL)
               or (hq == "NI" and day >= NI_FROM))
    exceptions = set()
    if not blocked:
        if licence and in_a5:
            exceptions.add("AIA")
        if eccn == "3A090.a" and tpp * tx["item.quantity"] <= 26_900_000 and tx["direct"]:
            exceptions.add("LPP")
    return {"exceptions": frozenset(exceptions), "license_required": licence, "eccn": eccn}


def sample(n, seed=1):
    rnd = random.Random(seed)
    base = {"date": datetime.date(2025, 5, 15), "activity": "export", "direct": True}
    out = []
    for _ in range(n):
        dest = rnd.choice(["FR", "CN", "KH", "NI", "US", "MO", "JP"])
        out.append(dict(base, **{
            "date": rnd.choice([datetime.date(2024, 3, 13), datetime.date(2025, 5, 15), datetime.date(2026, 2, 3)]),
            "destination": dest, "end_user.hq": rnd.choice([dest, "CN", "FR"]),
            "item.eccn": rnd.choice([None, None, "EAR99"]),
            "item.tpp": F(rnd.choice([0, 1600, 4800, 4799, 26_900])),
            "item.quantity": F(rnd.choice([1, 1000, 1001])),
            "item.ops": F(rnd.choice([0, 25 * 10 ** 24, 25 * 10 ** 24 + 1, 10 ** 26])),
            "direct": rnd.random() < 0.8,
        }))
    return out


def test_hand_written_agrees_with_the_evaluator():
    m = ir.resolve(diffusion_spec())
    for tx in sample(2000):
        assert run(m, tx).outcomes == hand_written(tx), tx
