"""Fixtures shared by the test modules."""
import pytest

from earl.parser import load_spec
from earl.solver import ir


@pytest.fixture(scope="session")
def shipped_spec():
    return load_spec()


@pytest.fixture(scope="session")
def shipped_model(shipped_spec):
    """The shipped spec under its default reading."""
    return ir.resolve(shipped_spec)
