"""The workbench's pages and JSON API through Starlette's test client: the API answers exactly
what the command line prints, bad or hostile input is a 4xx with the command line's message (never
a 500 or a traceback), and user text is always escaped."""
import json
import warnings

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from earl.commands.ask import command as ask
from earl.commands.find import command as find
from earl.commands.whatif import command as whatif

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

# an advanced IC (3A090.a: TPP >= 4800, 15 CFR 774 supp. 1) for a UVEU data center in China:
# 748.15(b)(2)(i) excludes data centers "in Macau or destinations specified in Country Group D:5"
CHINA_DC = {"item": {"kind": "ic", "tpp": 4800, "performance_density": 6},
            "destination": "CN", "end_user": {"hq": "GB", "veu": "uveu"}}
HOSTILE = '<script>alert("x")</script>&"\''


@pytest.fixture(scope="module")
def client(workbench):
    return TestClient(workbench, raise_server_exceptions=False)


def cli(command, *args, stdin=None):
    r = CliRunner().invoke(command, list(args), input=stdin)
    return r


def test_api_ask_is_exactly_the_cli_json(client):
    body = json.dumps(CHINA_DC)
    expected = json.loads(cli(ask, "--json", "-", stdin=body).output)
    r = client.post("/api/ask", content=body)
    assert r.status_code == 200 and r.json() == expected
    expected = json.loads(cli(ask, "--all-readings", "--json", "-", stdin=body).output)
    assert client.post("/api/ask?all_readings=1", content=body).json() == expected
    expected = json.loads(cli(ask, "--reading", "summary", "--json", "-", stdin=body).output)
    assert client.post("/api/ask?reading=summary", content=body).json() == expected


def test_api_ask_with_unknown_facts_is_the_cli_json(client):
    body = json.dumps({**CHINA_DC, "destination": None})
    expected = json.loads(cli(ask, "--json", "-", stdin=body).output)
    assert "unsettled" in expected
    assert client.post("/api/ask", content=body).json() == expected


def test_api_whatif_and_find_are_the_cli_json(client, tmp_path):
    path = tmp_path / "tx.json"
    path.write_text(json.dumps(CHINA_DC))
    # a proof is the same object; a witness may be another one of the same (minimal) size, as z3
    # breaks ties between equally near transactions its own way from one solve to the next
    condition = "end_user.hq in D5_OR_MACAU and exceptions != {}"
    expected = json.loads(cli(whatif, "--json", str(path), condition).output)
    assert expected["result"] == "none"
    assert client.post("/api/whatif", json={"transaction": CHINA_DC, "condition": condition}).json() == expected
    assert client.post("/api/find", json={"condition": condition}).json() == \
        json.loads(cli(find, "--json", condition).output)

    def shape(answer, witness):
        return {k: v for k, v in answer.items() if k not in witness}, len(answer[witness[0]])
    condition = '"LPP" in exceptions'
    expected = json.loads(cli(whatif, "--json", str(path), condition).output)
    r = client.post("/api/whatif", json={"transaction": CHINA_DC, "condition": condition})
    whatif_witness = ("changes", "transaction", "determination")
    assert r.status_code == 200 and shape(r.json(), whatif_witness) == shape(expected, whatif_witness)
    expected = json.loads(cli(find, "--json", "license_required").output)
    find_witness = ("transaction", "complete_transaction", "determination")
    got = client.post("/api/find", json={"condition": "license_required"}).json()
    assert shape(got, find_witness) == shape(expected, find_witness)


@pytest.mark.parametrize("body", ['{"item": {"tpp": "lots"}}', "{bad", "[1]", '{"destination": "Narnia"}',
                                  '{"item": {"kind": "chip"}}', '{"nope": 1}'])
def test_api_bad_transaction_gets_the_cli_message(client, body):
    r = client.post("/api/ask", content=body)
    assert r.status_code == 400
    out = cli(ask, "-", stdin=body)
    assert out.output.strip() == f"earl ask: {r.json()['error']}"


def test_api_bad_condition_gets_the_diagnostic(client):
    r = client.post("/api/find", json={"condition": "license_required and"})
    assert r.status_code == 400 and "<condition>:1:" in r.json()["detail"]
    r = client.post("/api/whatif", json={"transaction": {}, "condition": 3})
    assert r.status_code == 400


def test_request_size_limits(client):
    big = json.dumps({"destination": "FR", "pad": "x" * 400_000})
    assert client.post("/api/ask", content=big).status_code == 413
    assert client.get("/answer?tx=" + "x" * 40_000).status_code == 414


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(st.text(max_size=200), st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
                      st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                                   lambda inner: st.lists(inner, max_size=4)
                                   | st.dictionaries(st.sampled_from(["item", "tpp", "kind", "destination",
                                                                      "date", "end_user", "hq", "x"]),
                                                     inner, max_size=4),
                                   max_leaves=12).map(json.dumps)))
def test_hostile_input_is_never_a_server_error(client, body):
    for r in (client.post("/api/ask", content=body.encode("utf-8", "surrogatepass")),
              client.get("/answer", params={"tx": body}),
              client.get("/find", params={"condition": body}),
              client.post("/api/whatif", json={"transaction": {}, "condition": body})):
        assert r.status_code < 500, (r.status_code, r.text[:300])
        assert "Traceback" not in r.text


def test_user_text_is_escaped_everywhere(client):
    pages = [client.get("/find", params={"condition": HOSTILE}),
             client.get("/answer", params={"tx": json.dumps({"destination": HOSTILE})}),
             client.get("/groups", params={"country": HOSTILE}),
             client.get("/whatif", params={"tx": "{}", "condition": HOSTILE}),
             client.post("/ask", data={"mode": "json", "json": HOSTILE}),
             client.post("/ask", data={"mode": "form", "f.destination": HOSTILE})]
    for r in pages:
        assert 400 <= r.status_code < 500
        assert "<script>" not in r.text
        assert "&lt;script&gt;" in r.text


def test_form_round_trip_reads_names_and_codes(client):
    r = client.post("/ask", data={"mode": "form", "reading": "regulation", "f.destination": "China (CN)",
                                  "f.end_user.hq": "United Kingdom", "f.end_user.veu": "uveu",
                                  "f.item.kind": "ic", "f.item.tpp": "4800", "f.item.performance_density": "6",
                                  "f.date": ""}, follow_redirects=True)
    assert r.status_code == 200
    page = r.text
    assert "under the reading <em>regulation</em>" in page
    # the blocked condition reads as a requirement that does not hold, never as the reason
    assert "it requires <em>the data center is outside Macau and D:5</em> — not so here" in page
    assert "excluded because" not in page
    assert "15 CFR 748.15(b)(2)(i)" in page


def test_unknown_page_and_reading_are_4xx(client):
    assert client.get("/no/such/page").status_code == 404
    r = client.get("/answer", params={"tx": "{}", "reading": "nope"})
    assert r.status_code == 400 and "no reading named" in r.text


def test_serve_binds_loopback_by_default():
    from earl.commands.serve import command as serve
    host = next(p for p in serve.params if p.name == "host")
    assert host.default == "127.0.0.1"


def test_a_solver_timeout_is_shown_as_unknown(shipped_spec):
    from earl.web.app import create_app
    # a 1 ms limit: z3 almost always runs out of time (and, the odd time it does not, answers
    # correctly); out of five tries some must be shown as unknown, and none as a proof
    hurried = TestClient(create_app(shipped_spec, timeout_s=0.001), raise_server_exceptions=False)
    pages = [hurried.get("/whatif", params={"tx": json.dumps(CHINA_DC), "condition": '"LPP" in exceptions'})
             for _ in range(5)]
    assert all(r.status_code == 200 and 'class="proof"' not in r.text for r in pages)
    assert any("Unknown: the solver gave no answer" in r.text and "Nothing is proved" in r.text for r in pages)
    answers = [hurried.post("/api/whatif", json={"transaction": CHINA_DC, "condition": '"LPP" in exceptions'}).json()
               for _ in range(5)]
    assert all(a["result"] in ("unknown", "found") for a in answers)
    assert any(a["result"] == "unknown" and "timeout" in a["reason"] for a in answers)


@pytest.mark.parametrize("path", ["/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py",
                                  "/static/%2e%2e/%2e%2e/spec/vocabulary.earl", "/static//etc/passwd"])
def test_no_file_outside_the_package_static_folder(client, path):
    r = client.get(path)
    assert r.status_code == 404
    assert "import" not in r.text and "root:" not in r.text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=st.dictionaries(st.sampled_from(["f.date", "f.destination", "f.item.tpp", "f.item.kind",
                                               "f.end_user.hq", "f.item.datacenter", "f.item.eccn", "reading",
                                               "mode", "json"]),
                              st.text(max_size=30), max_size=6))
def test_any_form_is_an_answer_or_a_4xx(client, fields):
    r = client.post("/ask", data=fields, follow_redirects=True)
    assert r.status_code < 500, (fields, r.text[:300])
    assert "Traceback" not in r.text


def test_a_date_before_the_rule_is_answered_as_the_cli_does(client):
    # 90 FR 4544: compliance from May 15, 2025; before it earl determines nothing and says why
    body = json.dumps({**CHINA_DC, "date": "2024-01-01"})
    expected = json.loads(cli(ask, "--json", "-", stdin=body).output)
    assert expected["in_force"] is False
    assert client.post("/api/ask", content=body).json() == expected
    page = client.get("/answer", params={"tx": body}).text
    assert "not in force on 2024-01-01" in page
