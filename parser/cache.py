"""An on-disk cache of checked specs, so a command does not re-parse an unchanged spec.

Parsing and checking the shipped spec takes about a second, which every `earl ask` used to pay
before answering in a millisecond. The cache key covers the files' names and bytes and the
front end's own source (grammar, parser, checker, lowering, IR), so an edit to either is a miss.
A cache that cannot be read or written is ignored: it only ever saves time.

EARL_CACHE_DIR chooses the folder (default: $XDG_CACHE_HOME/earl or ~/.cache/earl);
EARL_NO_CACHE=1 turns the cache off.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Callable, Optional

_FRONT_END = ("earl.lark", "__init__.py", "ast.py", "parse.py", "check.py", "lower.py",
              "diagnostics.py", "cache.py")


def _folder() -> Optional[Path]:
    if os.environ.get("EARL_NO_CACHE"):
        return None
    if os.environ.get("EARL_CACHE_DIR"):
        return Path(os.environ["EARL_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "earl"


def _key(files: list[tuple[str, bytes]]) -> str:
    h = hashlib.sha256()
    here = Path(__file__).parent
    for name in _FRONT_END + ("../solver/ir.py",):
        try:
            h.update((here / name).read_bytes())
        except OSError:
            h.update(name.encode())
    for name, data in files:
        h.update(name.encode("utf-8", "surrogatepass") + b"\0" + data + b"\0")
    return h.hexdigest()


def cached(files: list[tuple[str, bytes]], build: Callable[[], Optional[tuple]]):
    """`build()`'s result for these files, from the cache when present. Only successful builds
    (not None) are stored; unreadable files (errors in place of bytes) are never cached."""
    folder = _folder()
    if folder is None or any(not isinstance(data, bytes) for _, data in files):
        return build()
    path = folder / (_key(files) + ".pickle")
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except Exception:  # noqa: BLE001 - a missing, stale or corrupt entry is a miss
        pass
    result = build()
    if result is not None:
        tmp = None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder, delete=False, suffix=".tmp") as f:
                tmp = f.name
                pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except Exception:  # noqa: BLE001 - a read-only or full disk only costs the speed-up
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
    return result
