"""Nothing outside the spec and the installed package changes an answer or runs code.

earl keeps no cache of checked specs or of its parser on disk (docs/input.md says why), so a file
planted where a cache used to live, or where lark keeps its own cache, is never read: not a pickle
that would run code, not a well-formed entry of the wrong object, not a checked spec with China
taken out of D:5, not a FIFO that would block a reader. Each test runs the real command in a
fresh process, with the user cache folder and the temporary folder pointed at planted files.
"""
from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from earl.parser import load_spec
from earl.parser.tables import OPTIONS, grammar_text

TOY = Path(__file__).parent / "specs" / "ok"
# 15 CFR 742.6(a)(6)(iii)(B): a 3A090.b IC to China needs a licence, reviewed under a presumption
# of denial (the spec's example stated_3a090b_to_china)
CHIPS_TO_CHINA = {"item": {"kind": "ic", "eccn": "3A090.b"}, "destination": "CN"}


class _RunsCode:
    """Unpickling this creates `marker`: proof that a planted pickle was loaded."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _earl(args: list[str], env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from earl.cli import main; main()", *args],
                          input=stdin, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env})


@pytest.fixture
def planted(tmp_path):
    """Folders for every place a cache could be looked for, and the environment pointing at them."""
    folders = {name: tmp_path / name for name in ("xdg", "earl_cache", "tmp")}
    for folder in folders.values():
        folder.mkdir()
    (folders["xdg"] / "earl").mkdir()
    env = {"XDG_CACHE_HOME": str(folders["xdg"]), "EARL_CACHE_DIR": str(folders["earl_cache"]),
           "TMPDIR": str(folders["tmp"]), "HOME": str(tmp_path)}
    return folders, env


def _plant_everywhere(folders, name: str, data: bytes) -> None:
    for folder in (folders["xdg"] / "earl", folders["earl_cache"], folders["tmp"]):
        (folder / name).write_bytes(data)


def _lark_cache_file(tmp: Path, monkeypatch) -> Path:
    """The file lark's own cache (cache=True) would read for earl's grammar, written by lark."""
    from lark import Lark
    monkeypatch.setenv("TMPDIR", str(tmp))
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)
    Lark(grammar_text(), cache=True, **OPTIONS)
    written = list(tmp.glob(".lark_cache*"))
    assert len(written) == 1
    return written[0]


def _answer(env) -> dict:
    r = _earl(["ask", "--json", "-"], env, json.dumps(CHIPS_TO_CHINA))
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["outcomes"]


def test_a_pickle_that_runs_code_is_never_loaded(planted, tmp_path, monkeypatch):
    folders, env = planted
    marker = tmp_path / "code-ran"
    hostile = pickle.dumps(_RunsCode(marker))
    for name in ("spec.pickle", "0" * 64 + ".pickle"):
        _plant_everywhere(folders, name, hostile)
    lark_file = _lark_cache_file(folders["tmp"], monkeypatch)
    header = lark_file.read_bytes().split(b"\n", 1)[0]   # lark checks this hash line, then unpickles
    lark_file.write_bytes(header + b"\n" + hostile)
    assert _answer(env)["policy"] == "denial"
    assert _earl(["check"], env).returncode == 0
    assert not marker.exists()


def test_a_checked_spec_without_china_in_d5_changes_nothing(planted, tmp_path):
    folders, env = planted
    spec = load_spec()
    tampered = pickle.dumps((spec, []))  # the old cache's entry format, for the shipped spec
    assert b"CN" in tampered
    _plant_everywhere(folders, "entry.pickle", tampered)
    (folders["xdg"] / "earl" / "entry.json").write_text(json.dumps({"groups": {"D5": []}}))
    outcomes = _answer(env)
    assert outcomes["license_required"] is True and outcomes["policy"] == "denial"


def test_a_wrong_object_or_garbage_changes_nothing(planted):
    folders, env = planted
    _plant_everywhere(folders, "a.pickle", pickle.dumps({"not": "a spec"}))
    _plant_everywhere(folders, "b.pickle", b"\x80\x05garbage")
    assert _answer(env)["policy"] == "denial"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_where_an_entry_could_be_does_not_block(planted, tmp_path, monkeypatch):
    folders, env = planted
    lark_file = _lark_cache_file(folders["tmp"], monkeypatch)
    lark_file.unlink()
    os.mkfifo(lark_file)
    for folder in (folders["xdg"] / "earl", folders["earl_cache"]):
        os.mkfifo(folder / "entry.pickle")
    assert _answer(env)["policy"] == "denial"   # a reader of a FIFO would wait here forever


def test_an_edit_is_seen_at_once_in_process(tmp_path):
    spec_dir = tmp_path / "spec"
    spec_dir.mkdir()
    for f in TOY.glob("*.earl"):
        (spec_dir / f.name).write_bytes(f.read_bytes())
    before = load_spec(spec_dir)
    rules = spec_dir / "rules.earl"
    rules.write_text(rules.read_text() + "\nparam an_added_param : number = 1\n")
    after = load_spec(spec_dir)
    assert "an_added_param" in after.params and "an_added_param" not in before.params


def test_nothing_is_written_outside_the_working_files(planted, tmp_path):
    folders, env = planted
    _answer(env)
    assert not any(folders["earl_cache"].iterdir())
    assert list((folders["xdg"] / "earl").iterdir()) == []
    assert not list(folders["tmp"].glob(".lark*"))
