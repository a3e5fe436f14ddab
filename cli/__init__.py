"""earl: a formal verifier of a rule written as a spec. `earl.screen` answers many
transactions (earl/screening.py: the module is not called `screen`, which would shadow the
function); `earl.dask.screen` does so on a Dask cluster."""


def screen(transactions, spec=None, reading=None, fields="outcomes", params=None, engine="eval"):
    """earl.screening.screen: one JSON-ready answer per transaction, in order (imported on use, so
    that `earl --help` stays fast)."""
    from .screening import screen as run
    return run(transactions, spec=spec, reading=reading, fields=fields, params=params, engine=engine)
