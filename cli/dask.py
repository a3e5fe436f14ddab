"""earl on Dask, for an order book one machine cannot screen in time (the `earl[dask]` extra).

    import dask.bag as db
    import earl.dask
    from dask.distributed import Client

    client = Client("tcp://scheduler:8786")          # or Client(LocalCluster()) on one machine
    lines = db.read_text("orders/2026-12-01/*.jsonl")  # one JSON transaction per line
    answers = earl.dask.screen(lines, fields="outcomes")
    answers.map(json.dumps).to_textfiles("screened/2026-12-01/*.jsonl")

`screen(collection, spec=..., reading=..., fields=..., params=...)` maps the partitions of a
dask Bag or DataFrame onto the workers; each worker loads the spec and compiles the model once
(kept for the worker's life, per spec, reading, parameters and fields) and answers its
partitions with `earl.screening.Screener`, so the answers are those of `earl ask` and
`earl.screen`.

- A Bag holds JSON transactions (objects, nested or with dotted keys, or their text; blank text
  lines are skipped): the result is a Bag of answers, the JSON objects `earl.screen` yields.
- A DataFrame has one column per input, named by its dotted path (`item.tpp`), as
  `earl ask --input csv` reads them; a column `id` is carried along. Missing values (NaN, None)
  are JSON null: unknown facts. Floats are read by their shortest decimal form (5.92 is 5.92):
  keep exact quantities as integers or strings. The result is a DataFrame with the same index:
  one column per outcome (JSON values: sets as sorted lists), `unsettled` (for unknown facts:
  which facts each unsettled outcome turns on), `error`, and `explanation` with
  fields="explanation".

The spec is named by its folder (None: the shipped spec), which the workers must be able to read.
"""
from __future__ import annotations

from typing import Any

from .answers import answer_json
from .screening import FIELDS, Record, Screener, params_of, spec_of
from .solver.transaction import did_you_mean
from . import ir

__all__ = ["screen"]

# per worker process: (spec folder, reading, parameters, fields, engine) -> Screener
_SCREENERS: dict[tuple, Screener] = {}


def _screener(settings: tuple) -> Screener:
    s = _SCREENERS.get(settings)
    if s is None:
        spec_dir, reading, params, fields, engine = settings
        s = _SCREENERS[settings] = Screener(spec_of(spec_dir), reading, dict(params), engine, fields)
    return s


def _answers(items, settings: tuple) -> list[dict]:
    screener = _screener(settings)
    out = []
    for n, tx in enumerate(items):
        if isinstance(tx, (str, bytes)):
            if not tx.strip():
                continue
            record = Record(n, None, "json", tx)
        else:
            record = Record(n, None, "object", tx)
        out.append(answer_json(screener.answer(record), screener.model))
    return out


def _json_value(v: Any) -> Any:
    """A DataFrame cell as the JSON value it stands for."""
    import math
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if hasattr(v, "item") and not isinstance(v, (list, tuple)):  # a numpy scalar
        v = v.item()
        if isinstance(v, float) and math.isnan(v):
            return None
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else v
    try:
        import pandas as pd
        if v is pd.NA or v is pd.NaT:
            return None
    except ImportError:  # pragma: no cover
        pass
    return v


def _frame(part, settings: tuple, columns: list[str]):
    import pandas as pd
    screener = _screener(settings)
    fields = settings[3]
    inputs = [c for c in part.columns if c in screener.spec.inputs]
    rows = []
    for n, values in enumerate(part[inputs].itertuples(index=False, name=None)):
        obj = {p: _json_value(v) for p, v in zip(inputs, values)}
        answer = answer_json(screener.answer(Record(n, None, "flat", obj)), screener.model)
        known = answer.get("settled", answer)
        row = {o: known.get(o) for o in screener.model.outcomes}
        row["unsettled"] = answer.get("unsettled")
        row["error"] = answer.get("error")
        if fields == "explanation":
            row["explanation"] = answer.get("explanation")
        rows.append(row)
    out = pd.DataFrame(rows, columns=columns, index=part.index, dtype=object)
    if "id" in part.columns:
        out.insert(0, "id", part["id"].to_numpy())
    return out


def screen(collection, spec: str | None = None, reading: str | None = None, fields: str = "outcomes",
           params: dict | None = None, engine: str = "eval"):
    """The answers of a dask Bag of transactions (a Bag of answers) or of a dask DataFrame with a
    column per input (a DataFrame of outcomes, same index): see the module's doc."""
    if spec is not None and not isinstance(spec, str):
        raise TypeError("spec: the spec's folder (a path the workers can read), or None for the shipped spec")
    if fields not in FIELDS:
        raise ValueError(f"fields must be one of {', '.join(FIELDS)}, not {fields!r}")
    the_spec = spec_of(spec)
    fixed = params_of(the_spec, params)
    model = ir.resolve(the_spec, reading, fixed)  # a wrong reading fails here, not on the workers
    settings = (spec, reading, tuple(sorted(fixed.items())), fields, engine)
    import dask.bag
    if isinstance(collection, dask.bag.Bag):
        return collection.map_partitions(_answers, settings)
    import dask.dataframe as dd
    if not isinstance(collection, dd.DataFrame):
        raise TypeError(f"earl.dask.screen takes a dask Bag or DataFrame, not {type(collection).__name__}")
    stray = [c for c in collection.columns if c not in the_spec.inputs and c != "id"]
    if stray:
        raise ValueError(f"column {stray[0]!r} is not an input{did_you_mean(str(stray[0]), the_spec.inputs)}")
    import pandas as pd
    columns = list(model.outcomes) + ["unsettled", "error"] + (["explanation"] if fields == "explanation" else [])
    meta = pd.DataFrame({c: pd.Series(dtype=object)
                         for c in (["id"] if "id" in collection.columns else []) + columns})
    return collection.map_partitions(_frame, settings, columns, meta=meta)
