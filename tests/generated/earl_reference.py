"""earl's reference evaluator as a `determine(transaction) -> outcomes` function, under the
reading the stored set was generated for (see conftest.py)."""
import json
import os

from earl.parser import load_spec
from earl.solver import eval as evaluate
from earl.solver.coverage import fixed_model
from earl.solver.explain import determine as _determine
from earl.solver.transaction import complete, parse_json

with open(os.path.join(os.path.dirname(__file__), "coverage.json"), encoding="utf-8") as _f:
    READING = json.load(_f)["reading"]
SPEC = load_spec(None)
MODEL = fixed_model(SPEC, READING)


def determine(transaction: dict) -> dict:
    tx = complete(SPEC, parse_json(SPEC, transaction))
    return _determine(MODEL, tx, evaluate.run(MODEL, tx)).to_json()["outcomes"]
