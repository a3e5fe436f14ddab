"""The engines that determine concrete transactions, by the name the CLI uses: the one registry
`earl ask`, `verify` and `earl test` (examples), the workbench, the benchmarks and the tests
choose an engine from.

Each entry builds an `Engine` (solver/backend.py: `run(model, tx) -> Trace`, `run_batch`). z3
and clingo are heavy to import, so their engines are imported only when asked for.

>>> load_engine("eval").name
'eval'
>>> load_engine("prolog")
Traceback (most recent call last):
...
earl.solver.engines.EngineUnavailable: unknown engine 'prolog'; engines: eval, smt, asp
"""
from __future__ import annotations

from typing import Callable

from .backend import Engine
from .eval import Evaluator


class EngineUnavailable(LookupError):
    """No engine has that name, or its solver cannot be imported."""


def _z3() -> Engine:
    from .smt import SmtEngine
    return SmtEngine()


def _clingo() -> Engine:
    from .asp import AspEngine
    return AspEngine()


ENGINES: dict[str, Callable[[], Engine]] = {"eval": Evaluator, "smt": _z3, "asp": _clingo}


def load_engine(name: str) -> Engine:
    """A new engine called `name` (one of ENGINES)."""
    factory = ENGINES.get(name)
    if factory is None:
        raise EngineUnavailable(f"unknown engine {name!r}; engines: {', '.join(ENGINES)}")
    try:
        return factory()
    except ImportError as e:
        raise EngineUnavailable(f"engine {name!r} is not available ({e})") from None
