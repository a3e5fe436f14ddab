"""The numeric abstraction: atoms, exact decisions at the spec's boundaries, feasible combinations."""
import datetime
import itertools
from fractions import Fraction as F

import pytest

from earl import ir
from earl.solver import eval as evaluate
from earl.solver.asp.numeric import AtomLit, NumericError, abstraction
from earl.solver.asp.polynomial import decider, to_number
from earl.solver.transaction import complete
from test_smt_specs import (NUM, base_spec, cmp, diffusion_spec, dref, inp, num, par, rule, setv)

BOOL = ir.Bool()


def spec_with(*conds, defs=None):
    return base_spec(rules=[rule(f"r{i}", [c], [setv("license_required", True)])
                            for i, c in enumerate(conds)], defs=defs)


def atoms_of(a, e):
    out = set()
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, AtomLit):
            out.add(x.atom)
        elif isinstance(x, ir.Not):
            stack.append(x.arg)
        elif isinstance(x, (ir.And, ir.Or)):
            stack.extend(x.args)
    return out


def test_opposite_comparisons_share_one_atom_and_constants_fold():
    s = spec_with(cmp(">", inp("item.tpp"), num(4800)), cmp("<=", inp("item.tpp"), num(4800)),
                  cmp("<", num(1), num(2)))
    a = abstraction(ir.resolve(s))
    assert len(a.atoms) == 1
    c0, c1, c2 = (a.conditions[f"r{i}"][0] for i in range(3))
    assert c0 == ir.Not(c1) and isinstance(c1, AtomLit)
    assert c2 == ir.Lit(True, BOOL)


def test_max_is_pushed_out_of_comparisons():
    mx = ir.MinMax("max", (num(F(25) * 10 ** 24), ir.Arith("*", num(F(1, 4)), par("note2"))))
    s = spec_with(cmp(">", inp("item.ops"), mx), cmp("<=", inp("item.ops"), mx))
    a = abstraction(ir.resolve(s))
    gt, le = a.conditions["r0"][0], a.conditions["r1"][0]
    assert isinstance(gt, ir.And) and len(gt.args) == 2          # x > a and x > b
    assert isinstance(le, ir.Or) and len(le.args) == 2           # x <= a or x <= b
    assert atoms_of(a, gt) == atoms_of(a, le) and len(a.atoms) == 2


def test_ite_over_numbers_is_pushed_out():
    e = cmp(">=", ir.Ite(inp("direct"), inp("item.tpp"), ir.Arith("*", num(2), inp("item.tpp"))), num(10))
    a = abstraction(ir.resolve(spec_with(e)))
    body = a.conditions["r0"][0]
    assert isinstance(body, ir.Or) and len(a.atoms) == 2
    m = ir.resolve(spec_with(e))
    for direct, tpp in itertools.product([False, True], [4, 5, 6, 10, 11]):
        tx = complete(m.spec, {"direct": direct, "item.tpp": F(tpp)})
        assert evaluate.run(m, tx).applicable == (
            frozenset({"r0"}) if (tpp if direct else 2 * tpp) >= 10 else frozenset())


BOUNDARIES = [
    # (condition, inputs, expected)
    (cmp(">", inp("item.ops"), num(10 ** 26)), {"item.ops": F(10 ** 26)}, False),
    (cmp(">", inp("item.ops"), num(10 ** 26)), {"item.ops": F(10 ** 26) + 1}, True),
    (cmp(">=", inp("item.ops"), num(10 ** 26)), {"item.ops": F(10 ** 26) - 1}, False),
    (cmp(">", inp("item.ops"), num(F(25) * 10 ** 24)), {"item.ops": F(25) * 10 ** 24}, False),
    (cmp(">", inp("item.ops"), num(F(25) * 10 ** 24)), {"item.ops": F(25) * 10 ** 24 + F(1, 10 ** 9)}, True),
    (cmp("<=", ir.Arith("*", inp("item.tpp"), inp("item.quantity")), par("lpp_ceiling")),
     {"item.tpp": F(26_900_000), "item.quantity": F(1)}, True),
    (cmp("<=", ir.Arith("*", inp("item.tpp"), inp("item.quantity")), par("lpp_ceiling")),
     {"item.tpp": F(26_900_001), "item.quantity": F(1)}, False),
    (cmp("<=", ir.Arith("*", inp("item.tpp"), inp("item.quantity")), par("lpp_ceiling")),
     {"item.tpp": F(4800), "item.quantity": F(5604)}, True),      # 26,899,200
    (cmp("<=", ir.Arith("*", inp("item.tpp"), inp("item.quantity")), par("lpp_ceiling")),
     {"item.tpp": F(4800), "item.quantity": F(5605)}, False),     # 26,904,000
    (cmp("<", inp("date"), ir.Lit(datetime.date(2025, 5, 15), ir.Date())),
     {"date": datetime.date(2025, 5, 14)}, True),
    (cmp("<", inp("date"), ir.Lit(datetime.date(2025, 5, 15), ir.Date())),
     {"date": datetime.date(2025, 5, 15)}, False),
]


@pytest.mark.parametrize("cond,given,expected", BOUNDARIES)
def test_atoms_are_decided_exactly_at_boundaries(cond, given, expected):
    m = ir.resolve(spec_with(cond))
    a = abstraction(m)
    tx = complete(m.spec, given)
    truth = a.decide(tx)
    body = a.conditions["r0"][0]
    got = _eval_abstract(body, truth)
    assert got == expected == evaluate.eval_expr(m, tx, cond)
    # and by the reference formula in Fractions, with the dict-based decision too
    assert a.decide_values(a.values(tx)) == truth


def _eval_abstract(e, truth):
    if isinstance(e, AtomLit):
        return truth[e.atom]
    if isinstance(e, ir.Not):
        return not _eval_abstract(e.arg, truth)
    if isinstance(e, ir.And):
        return all(_eval_abstract(x, truth) for x in e.args)
    if isinstance(e, ir.Or):
        return any(_eval_abstract(x, truth) for x in e.args)
    if isinstance(e, ir.Lit):
        return e.value
    raise AssertionError(e)


def test_free_params_are_variables_fixed_params_constants():
    cond = cmp("<=", inp("item.tpp"), par("lpp_ceiling"))
    s = spec_with(cond)
    free = abstraction(ir.resolve(s))
    fixed = abstraction(ir.resolve(s, fixed_params={"lpp_ceiling": F(100)}))
    assert "param:lpp_ceiling" in free.variables
    assert "param:lpp_ceiling" not in fixed.variables
    tx = complete(s, {"item.tpp": F(150)})
    assert free.decide(tx) == (True,) and free.decide(tx, {"lpp_ceiling": F(100)}) == (False,)
    assert fixed.decide(tx) == (False,)


def test_combinations_are_exactly_the_feasible_ones():
    # one variable, thresholds 1 < 2: (x <= 1, x <= 2) can be TT, FT, FF but never TF
    s = spec_with(cmp("<=", inp("item.tpp"), num(1)), cmp("<=", inp("item.tpp"), num(2)))
    a = abstraction(ir.resolve(s))
    (comp,) = a.components()
    assert sorted(c.values for c in comp.combinations) == [(False, False), (False, True), (True, True)]
    for c in comp.combinations:
        assert a.decide_values(c.witness) == c.values
    # the default (0) is kept where it can be
    assert next(c for c in comp.combinations if c.values == (True, True)).cost == 0


def test_components_split_by_shared_variables_and_witnesses_realise_combinations():
    m = ir.resolve(diffusion_spec())
    a = abstraction(m)
    comps = a.components()
    seen = set()
    for c in comps:
        assert not (set(c.vars) & seen)
        seen |= set(c.vars)
        for combo in c.combinations:
            assert combo.witness is not None
            vals = dict(a.values(complete(m.spec, {})))
            vals.update(combo.witness)
            truth = a.decide_values(vals)
            assert tuple(truth[i] for i in c.atoms) == combo.values[:len(c.atoms)]
            aux = tuple(decider(a.aux_atoms[x])(vals) for x in c.aux)
            assert aux == combo.values[len(c.atoms):]
    # brute force over a grid confirms no feasible combination is missing (ops vs note2)
    ops_comp = next(c for c in comps if "input:item.ops" in c.vars)
    grid = [F(0), F(25) * 10 ** 24, F(25) * 10 ** 24 + 1, F(10 ** 26), F(10 ** 27)]
    for ops, note2 in itertools.product(grid, grid):
        vals = {"input:item.ops": ops, "param:note2": note2}
        truth = tuple(a.decide_values({**a.values(complete(m.spec, {})), **vals})[i] for i in ops_comp.atoms)
        assert truth in {c.values[:len(ops_comp.atoms)] for c in ops_comp.combinations}


def test_free_atoms_are_guessed_not_enumerated_and_their_variable_found_afterwards():
    # lpp_ceiling occurs in one atom only: that atom leaves the enumeration; whether it can be
    # false is decided by an auxiliary atom ("the atom at the variable's smallest value")
    s = spec_with(cmp("<=", inp("item.tpp"), num(1)),
                  cmp("<=", ir.Arith("*", inp("item.tpp"), inp("item.quantity")),
                      par("lpp_ceiling")),
                  cmp("<=", inp("item.quantity"), num(3)))
    a = abstraction(ir.resolve(s))
    (free,) = a.free_atoms()
    assert free.var == "param:lpp_ceiling"
    assert all(free.atom not in c.atoms for c in a.components())
    grid = [F(x) for x in (-5, -1, 0, F(1, 2), 1, 2, 3, 4, 7, 12, 100)]
    for c in a.components():
        for combo in c.combinations:
            vals = {**a.values(complete(s, {})), **combo.witness}
            for truth in (True, False):
                got = a.free_value(free, truth, vals)
                brute = [p for p in grid if (a.variables[free.var].minimum is None
                                             or p >= a.variables[free.var].minimum)
                         and decider(a.atoms[free.atom])({**vals, free.var: p}) == truth]
                if got is None:
                    assert not brute
                else:
                    assert decider(a.atoms[free.atom])({**vals, free.var: got}) == truth
                # the search's condition (the smallest value) agrees with what is reachable
                if isinstance(free.reach, bool) or free.reach is None or truth == free.always:
                    continue
                cid, pos = a.aux_position(free.reach)
                assert cid == c.id
                assert (combo.values[pos] != free.always) == (got is not None)


def test_dated_groups_register_date_atoms():
    m = ir.resolve(diffusion_spec())
    a = abstraction(m)
    days = m.spec.group_tables["D5"].breaks
    assert days == (datetime.date(2024, 3, 14), datetime.date(2026, 2, 3))
    for day in days:
        before = a.date_before(inp("date"), day)
        for d, want in ((day - datetime.timedelta(days=1), True), (day, False)):
            truth = a.decide(complete(m.spec, {"date": d}))
            assert _eval_abstract(before, truth) is want


def test_numbers_outside_comparisons_are_refused():
    s = base_spec(rules=[rule("r", [dref("t", BOOL)], [setv("license_required", True)])],
                  defs={"t": (BOOL, ir.Cmp("==", inp("item.tpp"), inp("item.ops")))})
    assert len(abstraction(ir.resolve(s)).atoms) == 1
    bad = base_spec(rules=[rule("r", [ir.Arith("+", inp("item.tpp"), num(1))], [setv("license_required", True)])])
    with pytest.raises(NumericError):
        abstraction(ir.resolve(bad))
    assert to_number(datetime.date(2025, 1, 1)) == datetime.date(2025, 1, 1).toordinal()
