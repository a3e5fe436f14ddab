"""The LALR tables of earl.lark, shipped in the package as data (earl.lalr.json) so that a process
does not recompute them: building them from the grammar takes about as long as parsing the whole
shipped spec, loading them a tenth of that.

The file is JSON, never a pickle, and is part of the installed package like the grammar itself;
it is used only when it was made from exactly this grammar, these parser options and this lark
version (a digest of the three is stored in it), otherwise the parser is built from the grammar.
After editing earl.lark, regenerate it:

    python -m earl.parser.tables
"""
from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any, Optional

import lark
from lark import Lark

TABLES_FILE = "earl.lalr.json"
OPTIONS: dict[str, Any] = dict(parser="lalr", lexer="contextual", propagate_positions=True,
                               maybe_placeholders=True, start=["start", "expr"])
_INT_KEYS = "\u0000int-keys"   # JSON object keys are strings; lark's tables have int keys too


def grammar_text() -> str:
    return resources.files(__package__).joinpath("earl.lark").read_text(encoding="utf-8")


def digest(grammar: str) -> str:
    """What the tables depend on: the grammar, the parser options and lark's version."""
    return hashlib.sha256(json.dumps([grammar, OPTIONS, lark.__version__]).encode()).hexdigest()


def build() -> Lark:
    return Lark(grammar_text(), **OPTIONS)


def load(path: Optional[Path] = None) -> Optional[Lark]:
    """The parser from the shipped tables, or None when they are missing, unreadable or made from
    another grammar, options or lark version."""
    try:
        source = path if path is not None else resources.files(__package__).joinpath(TABLES_FILE)
        document = json.loads(source.read_text(encoding="utf-8"), object_hook=_decode)
        if not isinstance(document, dict) or document.get("digest") != digest(grammar_text()):
            return None
        return Lark.load({"data": document["data"], "memo": document["memo"]})
    except Exception:  # noqa: BLE001 - any defect in the file: build from the grammar instead
        return None


def serialize(parser: Lark) -> str:
    from lark.grammar import Rule
    from lark.lexer import TerminalDef
    data, memo = parser.memo_serialize([TerminalDef, Rule])
    return json.dumps({"digest": digest(grammar_text()), "data": _encode(data), "memo": _encode(memo)},
                      separators=(",", ":"), sort_keys=True)


def _encode(x: Any) -> Any:
    if isinstance(x, dict):
        if all(isinstance(k, str) for k in x):
            return {k: _encode(v) for k, v in x.items()}
        return {_INT_KEYS: [[k, _encode(v)] for k, v in x.items()]}
    if isinstance(x, (list, tuple)):
        return [_encode(v) for v in x]
    return x


def _decode(obj: dict) -> Any:
    if _INT_KEYS in obj:
        return {k: v for k, v in obj[_INT_KEYS]}
    return obj


def main() -> None:
    target = Path(__file__).with_name(TABLES_FILE)
    target.write_text(serialize(build()) + "\n", encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":  # pragma: no cover
    main()
