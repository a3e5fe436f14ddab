"""The on-disk cache of checked specs: a hit gives the same spec, any edit is a miss, a broken
entry is ignored, and EARL_NO_CACHE turns it off."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from earl.parser import SpecError, load_spec, load_spec_with_warnings

TOY = Path(__file__).parent / "specs" / "ok"


@pytest.fixture
def toy(tmp_path, monkeypatch):
    monkeypatch.setenv("EARL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("EARL_NO_CACHE", raising=False)
    spec_dir = tmp_path / "spec"
    shutil.copytree(TOY, spec_dir)
    return spec_dir, tmp_path / "cache"


def test_a_hit_gives_the_same_spec_and_warnings(toy):
    spec_dir, cache = toy
    first = load_spec_with_warnings(spec_dir)
    assert len(list(cache.glob("*.pickle"))) == 1
    second = load_spec_with_warnings(spec_dir)
    assert second[0] == first[0] and second[1] == first[1]
    assert second[0] is not first[0]          # read back from disk, not the same object


def test_an_edit_is_a_miss(toy):
    spec_dir, cache = toy
    load_spec(spec_dir)
    f = sorted(spec_dir.glob("*.earl"))[0]
    f.write_text(f.read_text() + "\n# an edit\n")
    load_spec(spec_dir)
    assert len(list(cache.glob("*.pickle"))) == 2


def test_a_spec_with_errors_is_never_cached(toy):
    spec_dir, cache = toy
    (spec_dir / "broken.earl").write_text("rule r \"t\" then\n")
    with pytest.raises(SpecError):
        load_spec(spec_dir)
    assert not list(cache.glob("*.pickle"))


def test_a_corrupt_entry_is_ignored(toy):
    spec_dir, cache = toy
    good = load_spec(spec_dir)
    entry, = cache.glob("*.pickle")
    entry.write_bytes(b"not a pickle")
    assert load_spec(spec_dir) == good


def test_no_cache_when_turned_off(toy, monkeypatch):
    spec_dir, cache = toy
    monkeypatch.setenv("EARL_NO_CACHE", "1")
    load_spec(spec_dir)
    assert not cache.exists()
