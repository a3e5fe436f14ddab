"""`earl find` through click's CliRunner, on the toy spec in tests/specs/ok."""
import json
from pathlib import Path

from click.testing import CliRunner

from earl.commands.find import command

TOY = str(Path(__file__).parent / "specs" / "ok")


def run(*args):
    return CliRunner().invoke(command, ["--spec", TOY, *args])


def test_found_minimal_transaction_json():
    r = run("--json", "end_user.hq in WATCH and license_required")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["result"] == "found"
    tx = out["transaction"]
    # two changes: a watched destination (hq follows it) and a power above the threshold
    assert set(tx) == {"destination", "item"} and set(tx["item"]) == {"power"}
    assert out["complete_transaction"]["end_user"]["hq"] == tx["destination"]
    assert out["determination"]["outcomes"]["license_required"] is True


def test_found_text_shows_determination():
    r = run("license_required")
    assert r.exit_code == 0, r.output
    assert r.output.startswith("Found a transaction")
    assert "because:" in r.output and "Toy Reg. 4" in r.output


def test_none_exists_is_proved_with_provisions():
    r = run('"SMALL" in exceptions and end_user.hq in WATCH')
    assert r.exit_code == 0, r.output
    assert "No transaction satisfies" in r.output and "proved" in r.output
    assert "small: Small shipments [Toy Reg. 5]" in r.output
    r = run("--json", '"SMALL" in exceptions and end_user.hq in WATCH')
    out = json.loads(r.output)
    assert out["result"] == "none" and out["relies_on"] == [
        {"rule": "small", "title": "Small shipments", "cite": "Toy Reg. 5"}]


def test_reading_and_param_change_the_answer():
    # the small exception exists only under the statute
    r = run("--json", '"SMALL" in exceptions')
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["result"] == "found"
    r = run("--reading", "guidance", "--json", '"SMALL" in exceptions')
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["result"] == "none" and out["reading"] == "guidance"
    # a ceiling of 0 with a positive power means no small exception
    r = run("--param", "small_ceiling=0", "--json",
            '"SMALL" in exceptions and item.power > 0 and item.quantity > 0')
    assert json.loads(r.output)["result"] == "none"


def test_free_parameter_values_are_reported():
    r = run("--json", '"SMALL" in exceptions and item.power > 2000 and item.quantity == 1')
    out = json.loads(r.output)
    assert out["result"] == "found"
    assert "small_ceiling" in out["params"]     # the ceiling has to move above 2000


def test_usage_errors_exit_2_without_traceback():
    for args in (["nonsense >"], ["no_such_name"], ["--reading", "nope", "true"],
                 ["--param", "nope=1", "true"], ["item.power + 1"]):
        r = run(*args)
        assert r.exit_code == 2, (args, r.output)
        assert "Traceback" not in r.output


def test_unknown_exits_3(monkeypatch):
    from earl.solver.smt import prove
    from earl.solver.results import Unknown
    monkeypatch.setattr(prove, "satisfiable", lambda *a, **k: Unknown("timeout after 1 ms"))
    r = run("license_required")
    assert r.exit_code == 3
    assert "Unknown" in r.output and "timeout" in r.output


def test_shipped_spec_finds_the_country_asked_for():
    # any destination can be named, D:5 headquarters get no exception (15 CFR 740.2(a)(9)(ii)),
    # and AIA reaches an entity whose parent is in D:5 (15 CFR 740.27(a)(3))
    from earl.cli import main
    asked = {'destination == "FR"': ("found", "destination", "FR"),
             'destination in {"IN"}': ("found", "destination", "IN"),
             'end_user.hq == "CN" and exceptions != {}': ("none", None, None),
             'end_user.ultimate_parent_hq == "RU" and "AIA" in exceptions':
                 ("found", "end_user.ultimate_parent_hq", "RU")}
    for condition, (result, path, code) in asked.items():
        r = CliRunner().invoke(main, ["find", "--json", condition])
        assert r.exit_code == 0, (condition, r.output)
        out = json.loads(r.output)
        assert out["result"] == result, (condition, out)
        if path:
            head, _, tail = path.partition(".")
            tx = out["complete_transaction"]
            assert (tx[head][tail] if tail else tx[head]) == code, (condition, tx)


def test_find_answers_as_the_module_docstring_shows():
    import doctest
    from earl.solver import find
    assert doctest.testmod(find).failed == 0
