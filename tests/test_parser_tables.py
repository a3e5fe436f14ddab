"""The parse tables shipped with the package (parser/tables.py): current, the same parser as one
built from the grammar, and ignored (the grammar is used) when they do not match it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from lark import Token
from lark.exceptions import UnexpectedInput

from earl.parser import spec_files, tables

HERE = Path(__file__).parent
TEXTS = [data.decode("utf-8") for _, data in spec_files(None)] + [
    p.read_text(encoding="utf-8") for p in sorted((HERE / "specs").rglob("*.earl"))]


@pytest.fixture(scope="module")
def shipped():
    parser = tables.load()
    assert parser is not None, ("parser/earl.lalr.json does not match parser/earl.lark (or lark's "
                                "version): run `python -m earl.parser.tables`")
    return parser


@pytest.fixture(scope="module")
def built():
    return tables.build()


def _outcome(parser, text: str, start: str):
    try:
        tree = parser.parse(text, start=start)
    except UnexpectedInput as e:
        return (type(e).__name__, e.line, e.column, sorted(getattr(e, "expected", None) or ()))
    tokens = [(t.type, str(t), t.line, t.column) for t in tree.scan_values(lambda v: isinstance(v, Token))]
    places = [(node.data, node.meta.line, node.meta.column) for node in tree.iter_subtrees()
              if not node.meta.empty]
    return tree, tokens, places


@pytest.mark.parametrize("index", range(len(TEXTS)))
def test_the_shipped_tables_parse_as_the_grammar_does(shipped, built, index):
    text = TEXTS[index]
    assert _outcome(shipped, text, "start") == _outcome(built, text, "start")
    broken = text[: len(text) // 2] + " )( " + text[len(text) // 2:]
    assert _outcome(shipped, broken, "start") == _outcome(built, broken, "start")


@pytest.mark.parametrize("expr", ['destination in D5 and not license_required', 'x <= 1e26 or y',
                                  'if a then 1 else', '{"FR", "DE"} ==', 'max(1, 2) * 3 > 4'])
def test_expressions_parse_the_same(shipped, built, expr):
    assert _outcome(shipped, expr, "expr") == _outcome(built, expr, "expr")


def test_tables_for_another_grammar_are_not_used(tmp_path):
    shipped_file = Path(tables.__file__).with_name(tables.TABLES_FILE)
    document = json.loads(shipped_file.read_text(encoding="utf-8"))
    document["digest"] = tables.digest(tables.grammar_text() + "\n// an edit")
    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps(document), encoding="utf-8")
    assert tables.load(stale) is None


@pytest.mark.parametrize("content", ["", "not json", "[]", '{"digest": 1}', "null"])
def test_a_defective_tables_file_is_not_used(tmp_path, content):
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    assert tables.load(bad) is None


def test_a_current_digest_with_broken_tables_is_not_used(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"digest": tables.digest(tables.grammar_text()), "data": {}, "memo": {}}))
    assert tables.load(bad) is None
