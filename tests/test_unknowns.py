"""Unknown facts: settled outcomes and the facts unsettled ones depend on."""
from fractions import Fraction as F

import pytest

from earl import ir
from earl.ir.values import UNKNOWN
from earl.solver.transaction import TransactionError
from earl.solver.unknowns import Settled, Unsettled, settle

from test_smt_specs import diffusion_spec


@pytest.fixture(scope="module")
def model():
    return ir.resolve(diffusion_spec())


def test_everything_known_is_settled(model):
    r = settle(model, {"item.tpp": F(5000)})
    assert r == {"exceptions": Settled(frozenset({"LPP"})), "license_required": Settled(False),
                 "eccn": Settled("3A090.a")}


def test_unknown_destination(model):
    # eccn is 3A090.a whatever the destination; the licence and the exceptions depend on it
    r = settle(model, {"item.tpp": F(5000), "destination": UNKNOWN})
    assert r["eccn"] == Settled("3A090.a")
    assert r["license_required"] == Unsettled(("destination",))
    assert r["exceptions"] == Unsettled(("destination",))


def test_default_pointing_at_unknown_input_is_that_unknown(model):
    # end_user.hq absent: it is the destination, so only the destination is a fact that matters
    r = settle(model, {"item.tpp": F(5000), "destination": UNKNOWN, "direct": UNKNOWN})
    assert r["exceptions"] == Unsettled(("destination", "direct"))
    assert r["license_required"] == Unsettled(("destination",))   # direct does not matter to it


def test_irrelevant_unknown_is_settled_and_not_listed(model):
    # with no TPP named, nothing reaches LPP/AIA whatever the headquarters is
    r = settle(model, {"end_user.hq": UNKNOWN, "direct": UNKNOWN})
    assert all(isinstance(v, Settled) for v in r.values())
    # the eccn depends on the numbers only
    r = settle(model, {"item.tpp": UNKNOWN, "item.ops": UNKNOWN, "end_user.hq": UNKNOWN})
    assert r["eccn"] == Unsettled(("item.tpp", "item.ops"))


def test_unknown_fact_that_matters_only_jointly(model):
    # tpp * quantity <= ceiling: with both unknown, each alone can change LPP
    r = settle(model, {"item.tpp": UNKNOWN, "item.quantity": UNKNOWN})
    assert r["exceptions"] == Unsettled(("item.tpp", "item.quantity"))


def test_bad_path_is_an_error(model):
    with pytest.raises(TransactionError):
        settle(model, {"nope": UNKNOWN})


def test_terms_compiled_once_per_model_and_again_when_parameters_change():
    model = ir.resolve(diffusion_spec())                  # note2 free: its value 1e26 is used
    partial = {"item.ops": F(5 * 10**25), "destination": UNKNOWN}
    first = settle(model, partial)
    cached = model.__dict__["_earl_settle_terms"]
    assert settle(model, partial) == first
    assert model.__dict__["_earl_settle_terms"] is cached
    assert first["eccn"] == Settled("4E091")
    # the parameter raised (the threshold with it, to 1e26): another model, another answer
    raised = model.with_params({"note2": F(4 * 10**26)})
    assert settle(raised, partial)["eccn"] != Settled("4E091")
    assert raised.__dict__["_earl_settle_terms"] is not cached
