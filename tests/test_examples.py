"""Every example of the shipped spec (and of the toy spec) holds on the reference evaluator."""
from __future__ import annotations

from pathlib import Path

import pytest

from earl.parser import load_spec
from earl.solver import ir
from earl.solver.evaluate import run
from earl.solver.explain import render_value
from earl.solver.transaction import complete

SHIPPED = load_spec()
OK = load_spec(Path(__file__).parent / "specs" / "ok")
_MODELS: dict = {}


def model_for(spec, ex):
    key = (id(spec), ex.reading, tuple(sorted((k, repr(v)) for k, v in ex.params.items())))
    if key not in _MODELS:
        _MODELS[key] = ir.resolve(spec, ex.reading, ex.params)
    return _MODELS[key]


def check(spec, ex):
    trace = run(model_for(spec, ex), complete(spec, ex.given))
    wrong = [f"{name}: expected {render_value(want)}, got {render_value(trace.outcomes[name])}"
             for name, want in ex.expect.items() if trace.outcomes[name] != want]
    assert not trace.conflicts, f"{ex.name} ({ex.cite}): conflicts {trace.conflicts}"
    assert not wrong, f"{ex.name} ({ex.cite}): " + "; ".join(wrong) + f"; fired {sorted(trace.fired)}"


def test_the_shipped_spec_has_examples():
    assert len(SHIPPED.examples) >= 10


@pytest.mark.parametrize("name", sorted(SHIPPED.examples))
def test_shipped_example(name):
    check(SHIPPED, SHIPPED.examples[name])


@pytest.mark.parametrize("name", sorted(OK.examples))
def test_toy_example(name):
    check(OK, OK.examples[name])


def test_a_wrong_expectation_is_caught():
    ex = next(iter(OK.examples.values()))
    name, value = next(iter(ex.expect.items()))
    other = next(v for v in ([True, False, None, frozenset(), "other", "W2", "EAR99"]) if v != value)
    bad = ir.ExampleDecl(ex.name, ex.title, ex.cite, ex.given, {name: other}, ex.reading, ex.params)
    with pytest.raises(AssertionError):
        check(OK, bad)
