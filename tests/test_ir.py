"""The IR package on its own: typed nodes, the one walker, frozen models, group tables."""
import dataclasses
import doctest
import importlib
import pkgutil
from fractions import Fraction

import pytest

import earl.ir
from earl import ir
from earl.ir import walk

BOOL, NUM = ir.Bool(), ir.Num()


@pytest.mark.parametrize("name", sorted(m.name for m in pkgutil.iter_modules(earl.ir.__path__)))
def test_docstring_examples_run(name):
    assert doctest.testmod(importlib.import_module(f"earl.ir.{name}")).failed == 0


def test_every_node_has_a_type_and_rebuilds_from_its_children():
    x = ir.InputRef("x", NUM)
    e = ir.Ite(ir.InputRef("b", BOOL), ir.Lit(Fraction(1), NUM), ir.Arith("*", x, x))
    assert e.type == NUM and ir.Not(ir.InputRef("b", BOOL)).type == BOOL
    assert e.replace_children(e.children()) is e
    swapped = e.replace_children((ir.Lit(True, BOOL),) + e.children()[1:])
    assert swapped.cond == ir.Lit(True, BOOL) and swapped.orelse == e.orelse
    assert [n.path for n in e.find_all(ir.InputRef)] == ["b", "x", "x"]


def test_reads_follow_definitions_and_rule_tests(shipped_spec):
    model = ir.resolve(shipped_spec)
    rule = next(r for r in model.rules.values() if r.conditions)
    through = walk.reads(ir.RuleApplies(rule.name), model.defs, model.rules)
    direct = set().union(*(walk.reads(c.expr, model.defs) for c in rule.conditions))
    assert direct <= through and ("app", rule.name) in through
    assert walk.reads(ir.RuleApplies(rule.name), model.defs) == {("app", rule.name)}


def test_a_model_never_changes_and_new_parameters_make_a_new_one(shipped_spec):
    model = ir.resolve(shipped_spec)
    with pytest.raises(dataclasses.FrozenInstanceError):
        model.reading = "other"
    assert list(model.free_params) == sorted(model.free_params)
    name = model.free_params[0]
    pinned = model.with_params({name: model.params[name]})
    assert pinned is not model and pinned.free_params == () and model.free_params[0] == name
