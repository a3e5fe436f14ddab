"""What every test shares: the checkout's spec folder.

The tests check the checkout they sit in. `earl.parser.shipped_spec_dir` (the default spec of
`load_spec()` and of every command) is pointed at this checkout's `spec/` before any test module
is imported, so after `pip install .` an edited `spec/` is what `python -m pytest` tests: the
installed package copy is never read (tests/test_examples.py proves it on an edited copy).
"""
from __future__ import annotations

from pathlib import Path

import pytest

import earl.parser
from earl import ir
from earl.solver.engines import ENGINES, load_engine

ROOT = Path(__file__).resolve().parent.parent
SPEC_DIR = ROOT / "spec"


def checkout_spec_dir() -> Path:
    """The checkout's spec/ folder, standing in for the installed `earl.spec` package."""
    return SPEC_DIR


earl.parser.shipped_spec_dir = checkout_spec_dir


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def spec_dir() -> Path:
    """The checkout's spec/ folder."""
    return SPEC_DIR


@pytest.fixture(scope="session")
def shipped_spec():
    """The checked spec of the checkout's spec/ folder (the default spec, redirected above)."""
    return earl.parser.load_spec()


@pytest.fixture(scope="session")
def workbench(shipped_spec):
    """The `earl serve` application over the shipped spec, with a short solver time limit."""
    from earl.web.app import create_app
    return create_app(shipped_spec, timeout_s=10)


@pytest.fixture(scope="session")
def shipped_model(shipped_spec):
    """The shipped spec under its default reading."""
    return ir.resolve(shipped_spec)


@pytest.fixture(params=list(ENGINES))
def engine_name(request) -> str:
    """Each engine of the registry (solver/engines.py) by its name, in turn."""
    return request.param


@pytest.fixture(params=[name for name in ENGINES if name != "eval"])
def solver_engine(request):
    """Each engine the reference evaluator is checked against (z3, clingo), in turn, new."""
    return load_engine(request.param)
