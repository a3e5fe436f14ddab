"""Exact numbers in the compiled evaluator: comparisons done on integer numerator/denominator
pairs (cross-multiplied), checked against the interpreter on fractional, negative, integral and
equal values, including the forms that fall back to Fraction values."""
from __future__ import annotations

import itertools
import random
from fractions import Fraction as F

from earl import ir
from earl.solver.eval import eval_expr, interpret, run, run_interpreted

from test_smt_specs import (diffusion_spec, dref, inp, num, par)

OPS = ("==", "!=", "<", "<=", ">", ">=")
VALUES = [F(0), F(3), F(-2), F(5, 2), F(-7, 3), F(1, 3), F(26_900_000), F(10) ** 26, F(1, 10 ** 9)]


def _exprs():
    tpp, qty = inp("item.tpp"), inp("item.quantity")
    third = num(F(1, 3))
    return [
        (ir.Arith("+", tpp, ir.Ite(ir.Cmp("<", tpp, num(3)), qty, third)),
         ir.MinMax("max", (ir.Arith("-", ir.Arith("*", qty, tpp), num(F(1, 7))), num(-2)))),
        (ir.Arith("-", tpp, qty), num(F(-5, 3))),
        (dref("total_tpp"), ir.Arith("*", num(F(2, 3)), qty)),
        (ir.Arith("+", dref("total_tpp"), tpp), ir.Arith("-", qty, dref("total_tpp"))),
        (tpp, qty),
        (ir.Arith("*", tpp, tpp), ir.Arith("*", qty, qty)),
        # mixed denominators in the branches: the Fraction-valued fallback
        (ir.Ite(ir.Cmp(">", qty, num(0)), tpp, qty), num(F(1, 2))),
        (ir.MinMax("min", (tpp, qty, num(F(3, 4)))), ir.MinMax("max", (num(1), num(F(1, 2))))),
        (par("lpp_ceiling"), ir.Arith("*", tpp, num(F(-3, 2)))),
    ]


def test_comparisons_agree_with_interpreter():
    s = diffusion_spec()
    m = ir.resolve(s)
    rng = random.Random(7)
    from test_evaluate import tx
    t0 = tx(s)
    pairs = list(itertools.product(VALUES, VALUES)) + \
        [(F(rng.randint(-50, 50), rng.randint(1, 12)), F(rng.randint(-50, 50), rng.randint(1, 12)))
         for _ in range(20)]
    for a, b in pairs:
        for plain_int in ((False, True) if a.denominator == b.denominator == 1 else (False,)):
            t = dict(t0)
            t["item.tpp"], t["item.quantity"] = a, b
            if plain_int:  # ints (not Fractions) in the transaction are numbers too
                t = {k: (int(v) if isinstance(v, F) and v.denominator == 1 else v) for k, v in t.items()}
            for left, right in _exprs():
                for op in OPS:
                    e = ir.Cmp(op, left, right)
                    assert eval_expr(m, t, e) == interpret(m, t, e), (op, left, right, a, b)
                got = eval_expr(m, t, ir.Arith("-", left, right))
                assert got == interpret(m, t, ir.Arith("-", left, right))
                assert type(got) is F
            assert run(m, t) == run_interpreted(m, t)


def test_numeric_definition_value_is_exact():
    s = diffusion_spec()
    m = ir.resolve(s)
    from test_evaluate import tx
    t = tx(s, item__tpp=F(5, 2), item__quantity=F(2, 5))
    got = eval_expr(m, t, dref("total_tpp"))
    assert got == 1 and type(got) is F
    t = tx(s, item__tpp=F(5, 2), item__quantity=F(1, 3))
    assert eval_expr(m, t, dref("total_tpp")) == F(5, 6)
