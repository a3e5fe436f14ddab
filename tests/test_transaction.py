"""Transactions: defaults, exact JSON parsing with path-named errors, JSON output."""
from __future__ import annotations

import datetime
import json
from fractions import Fraction as F

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from earl.ir.values import UNKNOWN, format_fraction
from earl.ir.values import parse_number
from earl.solver.transaction import TransactionError, TransactionReader, complete, loads_json, parse_json, to_json
from earl.testing import transactions

from test_smt_specs import D, diffusion_spec

SPEC = diffusion_spec()


def err(obj, **kw) -> TransactionError:
    with pytest.raises(TransactionError) as e:
        parse_json(SPEC, obj, **kw)
    return e.value


def test_complete_applies_defaults_and_input_defaults():
    t = complete(SPEC, {"destination": "CN"})
    assert t["end_user.hq"] == "CN"              # end_user.hq defaults to destination
    assert t["item.tpp"] == 0 and isinstance(t["item.tpp"], F)
    assert t["date"] == D(2025, 5, 15) and t["item.eccn"] is None
    assert list(t) == list(SPEC.inputs)
    assert complete(SPEC, {"destination": "CN", "end_user.hq": "FR"})["end_user.hq"] == "FR"
    assert complete(SPEC, {"destination": UNKNOWN})["end_user.hq"] is UNKNOWN
    with pytest.raises(TransactionError, match="destinaton|no such input"):
        complete(SPEC, {"destinaton": "FR"})


def test_parse_nested_and_exact_numbers():
    got = parse_json(SPEC, '{"item": {"tpp": 4800.5, "quantity": 1000, "ops": 2.5e25}, "destination": "fr"}')
    assert got == {"item.tpp": F(9601, 2), "item.quantity": 1000, "item.ops": F(25 * 10 ** 24),
                   "destination": "FR"}
    assert parse_json(SPEC, {"item": {"ops": "1e26"}})["item.ops"] == 10 ** 26
    assert parse_json(SPEC, {"item": {"ops": 0.1}})["item.ops"] == F(1, 10)
    assert parse_json(SPEC, '{"item": {"ops": 0.1}}')["item.ops"] == F(1, 10)
    assert parse_json(SPEC, {"item.tpp": "26_900_000"}) == {"item.tpp": 26_900_000}
    assert parse_json(SPEC, {"date": "2026-02-03"}) == {"date": D(2026, 2, 3)}
    assert parse_json(SPEC, {"destination": None}) == {"destination": UNKNOWN}
    assert parse_json(SPEC, {"item": {"eccn": None}}) == {"item.eccn": None}   # optional enum: none
    assert parse_json(SPEC, {"item": {"eccn": "4E091"}}) == {"item.eccn": "4E091"}
    assert parse_json(SPEC, {}) == {}


@pytest.mark.parametrize("obj, path, words", [
    ("[1, 2]", "$", "object"),
    ('{"item": ', "$", "malformed"),
    ('{"item": {"tpp": NaN}}', "$.item.tpp", "number"),
    ({"destinaton": "FR"}, "$.destinaton", "did you mean 'destination'"),
    ({"item": {"tp": 1}}, "$.item.tp", "did you mean 'tpp'"),
    ({"item": 4800}, "$.item", "object"),
    ({"item": {"tpp": "lots"}}, "$.item.tpp", "number"),
    ({"item": {"tpp": True}}, "$.item.tpp", "number"),
    ({"item": {"tpp": -1}}, "$.item.tpp", "at least 0"),
    ({"item": {"quantity": 1.5}}, "$.item.quantity", "whole number"),
    ({"direct": "yes"}, "$.direct", "true or false"),
    ({"destination": "ZZ"}, "$.destination", "unknown country"),
    ({"destination": "Frnace"}, "$.destination", "unknown country"),
    ({"destination": 33}, "$.destination", "country code"),
    ({"activity": "exprot"}, "$.activity", "did you mean 'export'"),
    ({"activity": "shipment"}, "$.activity", "'export', 'reexport', 'transfer'"),
    ({"item": {"eccn": "4e091"}}, "$.item.eccn", "did you mean '4E091'"),
    ({"date": "2025-02-30"}, "$.date", "not a valid date"),
    ({"date": "May 15, 2025"}, "$.date", "YYYY-MM-DD"),
    ({"date": 20250515}, "$.date", "YYYY-MM-DD"),
])
def test_errors_name_the_json_path(obj, path, words):
    e = err(obj)
    assert e.path == path
    assert words.lower() in e.message.lower()
    assert str(e).startswith(path)


def test_exponent_beyond_decimal_range_is_a_transaction_error():
    # found by the fuzz test below: Decimal itself refuses such an exponent
    text = '{"item": {"tpp": 1e9999999999999999999999999999}}'
    with pytest.raises(TransactionError) as e:
        parse_json(diffusion_spec(), text)
    assert e.value.path == "$.item.tpp" and "beyond ±400" in e.value.message


def test_line_numbers_for_json_lines():
    e = err('{"destination": "ZZ"}', line=7)
    assert e.line == 7 and str(e).startswith("line 7: $.destination")


def test_country_names_accepted():
    assert parse_json(SPEC, {"destination": "fr"}) == {"destination": "FR"}
    assert parse_json(SPEC, {"destination": "CN"}) == {"destination": "CN"}


def test_numbers_and_formatting():
    assert parse_number("25%") == F(1, 4)
    assert parse_number("2.5e25") == 25 * 10 ** 24
    assert parse_number("1/3") == F(1, 3)
    assert parse_number("abc") is None and parse_number("") is None and parse_number(".") is None
    assert format_fraction(F(10 ** 26)) == 10 ** 26
    assert format_fraction(F(5, 2)) == "2.5"
    assert format_fraction(F(-1, 8)) == "-0.125"
    assert format_fraction(F(1, 3)) == "1/3"
    for x in [F(5, 2), F(-1, 8), F(1, 3), F(10 ** 26), F(7, 10 ** 30)]:
        assert parse_number(str(format_fraction(x))) == x


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(transactions(SPEC, complete=False))
def test_to_json_round_trips(tx):
    js = to_json(SPEC, tx)
    text = json.dumps(js)
    assert parse_json(SPEC, text) == tx
    assert complete(SPEC, parse_json(SPEC, js)) == complete(SPEC, tx)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8)
    | st.sampled_from(["FR", "1e26", "2025-05-15", "export", "4E091", "-1", "1.5", "NaN"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["item", "tpp", "quantity", "destination", "date", "end_user", "hq", "x", "eccn"]) | st.text(max_size=5),
        children, max_size=4),
    max_leaves=12)


@st.composite
def mutated(draw):
    tx = draw(transactions(SPEC, complete=False))
    js = to_json(SPEC, tx)
    paths = [(k,) for k in js] + [(k, k2) for k, v in js.items() if isinstance(v, dict) for k2 in v]
    if paths:
        for _ in range(draw(st.integers(1, 3))):
            p = draw(st.sampled_from(paths))
            node = js
            for k in p[:-1]:
                node = node.get(k) if isinstance(node, dict) else None
            if isinstance(node, dict):
                node[p[-1]] = draw(json_values)
    text = json.dumps(js, allow_nan=True)
    if draw(st.booleans()):
        i = draw(st.integers(0, len(text)))
        text = text[:i] + draw(st.sampled_from(["", "}", "{", ",", '"', "null", "1e999"])) + text[i + 1:]
    return text


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(json_values, mutated()))
def test_random_and_mutated_json_only_raise_transaction_error(obj):
    try:
        got = parse_json(SPEC, obj)
    except TransactionError as e:
        assert e.path.startswith("$") and e.message
        return
    assert set(got) <= set(SPEC.inputs)
    complete(SPEC, got)


READER = TransactionReader(SPEC)     # one reader for every draw: its memo must never change an answer


def _read(read, obj):
    try:
        return read(obj)
    except TransactionError as e:
        return ("error", e.path, e.message)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(json_values, mutated(), transactions(SPEC, complete=False).map(lambda tx: to_json(SPEC, tx))))
def test_the_memoising_reader_reads_as_parse_json(obj):
    if isinstance(obj, str):
        try:
            obj = loads_json(obj)
        except TransactionError:
            return
    assert _read(lambda o: READER.given(o, None), obj) == _read(lambda o: parse_json(SPEC, o), obj)
    given_ = _read(lambda o: READER.given(o, None), obj)
    if isinstance(given_, dict) and all(v is not UNKNOWN for v in given_.values()):
        assert READER.complete(given_) == complete(SPEC, given_)
