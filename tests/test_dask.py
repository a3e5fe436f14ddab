"""earl.dask.screen on a dask.distributed LocalCluster of two worker processes: the answers are
earl.screen's, in order, and each worker compiles the model once."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

distributed = pytest.importorskip("dask.distributed")
pd = pytest.importorskip("pandas")
import dask.bag as db  # noqa: E402
import dask.dataframe as dd  # noqa: E402

import earl  # noqa: E402
import earl.dask  # noqa: E402

OK = str(Path(__file__).parent / "specs" / "ok")
TXS = [{"item": {"power": 10}, "destination": "IR", "date": "2025-06-01"},
       {"item": {"power": "0.5", "quantity": 3}},
       {"destination": "XX"},
       {"destination": None, "item": {"power": 10}},
       {"item": {"power": 1}, "destination": "FR"}] * 4


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as c:
        yield c


def test_bag_answers_are_earl_screens(client):
    lines = db.from_sequence([json.dumps(t) for t in TXS] + ["   "], npartitions=4)
    got = earl.dask.screen(lines, spec=OK).compute()
    assert got == list(earl.screen(TXS, spec=OK))
    assert got[2]["path"] == "$.destination"
    # every worker that answered holds one compiled model, and no more
    counts = client.run(lambda: len(__import__("earl.dask", fromlist=["_SCREENERS"])._SCREENERS))
    assert set(counts.values()) <= {0, 1} and sum(counts.values()) >= 1


def test_bag_with_explanation_and_a_reading(client):
    bag = db.from_sequence(TXS[:5], npartitions=2)
    got = earl.dask.screen(bag, spec=OK, reading="guidance", fields="explanation").compute()
    assert got == list(earl.screen(TXS[:5], spec=OK, reading="guidance", fields="explanation"))


def test_dataframe_columns_are_input_paths(client):
    frame = pd.DataFrame({"id": ["a", "b", "c", "d"],
                          "destination": ["IR", "FR", "XX", None],
                          "item.power": [10, 1, 1, 10],
                          "date": ["2025-06-01"] * 4})
    got = earl.dask.screen(dd.from_pandas(frame, npartitions=2), spec=OK).compute()
    assert list(got["id"]) == ["a", "b", "c", "d"]
    assert list(got["license_required"])[:2] == [True, False]
    assert list(got["exceptions"])[:2] == [[], ["SMALL"]]
    assert "unknown country" in got["error"].iloc[2]
    assert got["unsettled"].iloc[3]["tier"]["depends_on"] == ["destination"]   # None: unknown


def test_bad_arguments_fail_on_the_client():
    frame = dd.from_pandas(pd.DataFrame({"destinaton": ["FR"]}), npartitions=1)
    with pytest.raises(ValueError, match="did you mean 'destination'"):
        earl.dask.screen(frame, spec=OK)
    with pytest.raises(ValueError):
        earl.dask.screen(db.from_sequence([]), spec=OK, fields="all")
    with pytest.raises(TypeError):
        earl.dask.screen([TXS[0]], spec=OK)
