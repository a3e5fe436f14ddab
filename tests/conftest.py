"""Fixtures shared by several test modules."""
import pytest


@pytest.fixture(scope="session")
def shipped_spec():
    """The shipped spec, loaded once."""
    from earl.parser import load_spec
    return load_spec(None)


@pytest.fixture(scope="session")
def workbench(shipped_spec):
    """The `earl serve` application over the shipped spec, with a short solver time limit."""
    from earl.web.app import create_app
    return create_app(shipped_spec, timeout_s=10)
