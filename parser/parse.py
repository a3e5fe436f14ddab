"""Text -> syntax tree (parser/ast.py, parser/decls.py), with readable syntax errors.

The grammar is parser/earl.lark, parsed LALR(1) with lark's contextual lexer; the parser is made
once per process from the tables shipped beside the grammar (parser/tables.py). Syntax errors become `Diagnostic`s
that say in words what was expected; after an error the parser skips to the next declaration (a line that
starts with a declaration keyword) and goes on, so one pass reports several errors.
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import Optional

from lark import Lark, Token, Transformer_NonRecursive, Tree, ast_utils, v_args
from lark.exceptions import (LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput,
                             UnexpectedToken, VisitError)

from ..ir import Pos
from ..ir.limits import MAX_LINE_LENGTH
from . import ast, decls, tables
from .diagnostics import Reporter

_PARSER: Optional[Lark] = None

DECL_KEYWORDS = ("reading", "enum", "countries", "group", "input", "param", "def", "outcome",
                 "rule", "property", "example")
_DECL_START = re.compile(r"^(?:%s)\b(?![.])" % "|".join(DECL_KEYWORDS), re.MULTILINE)
MAX_SYNTAX_ERRORS = 20


def get_parser() -> Lark:
    """The LALR parser of the grammar, made once per process from the tables shipped in the
    package (parser/tables.py), or built from the grammar when they do not match it. Never from
    lark's own cache: a pickle in the shared temporary folder, which anyone could plant."""
    global _PARSER
    if _PARSER is None:
        _PARSER = tables.load() or tables.build()
    return _PARSER


# --------------------------------------------------------------------------- lark tree -> AST

_PER_THREAD = threading.local()


def _transformer(file: str) -> "_Positions":
    """The AST builder for `file`: made by ast_utils once per thread (making it costs about as much
    as building the AST of a file), pointed at each file in turn."""
    transformer = getattr(_PER_THREAD, "transformer", None)
    if transformer is None:
        transformer = ast_utils.create_transformer(ast, _Positions(), _positioned)
        transformer = _PER_THREAD.transformer = ast_utils.create_transformer(decls, transformer, _positioned)
    transformer.file_name = file
    return transformer


class _Positions(Transformer_NonRecursive):
    """What the syntax-tree classes are attached to (lark's ast_utils): it knows the file, so each
    class gets its position as a `Pos`; and it builds the `File` of the `start` rule."""

    def __init__(self) -> None:
        super().__init__(visit_tokens=False)  # non-recursive: deep expressions are fine
        self.file_name = ""  # not `file`: ast_utils names the builder of decls.File so

    def pos(self, meta) -> Pos:
        if getattr(meta, "empty", True):
            return Pos(self.file_name, 0, 0)
        return Pos(self.file_name, meta.line, meta.column)

    def start(self, children):
        return decls.File(Pos(self.file_name, 1, 1), self.file_name, [c for c in children if c is not None])


def _positioned(inline: bool, meta: bool):
    """ast_utils' decorator factory: every syntax-tree class is `WithMeta`, and takes the `Pos` of
    lark's meta first (then the children, or with `AsList` their list)."""
    def decorate(cls):
        if inline:
            def build(transformer, m, *children):
                return cls(transformer.pos(m), *children)
        else:
            def build(transformer, m, children):
                return cls(transformer.pos(m), children)
        return v_args(inline=inline, meta=True)(build)
    return decorate


# --------------------------------------------------------------------------- syntax errors

# Terminals as a reader would name them.
_TERMINAL_WORDS = {
    "NAME": "a name",
    "STRING": "a string",
    "NUMBER": "a number",
    "DATE": "a date (YYYY-MM-DD)",
    "CMP_OP": "a comparison (==, !=, <, <=, >, >=)",
    "ADD_OP": "'+' or '-'",
    "MUL_OP": "'*'",
    "MINMAX": "'max(' or 'min('",
    "RULE_TEST": "'applies(' or 'fires('",
    "EXPECTATION": "'holds' or 'fails'",
    "DEFAULT_KW": "'default'",
    "FROM_KW": "'from'",
    "UNTIL_KW": "'until'",
    "OPTIONAL": "'?'",
    "$END": "the end of the file",
}
_EXPR_START = {"NAME", "NUMBER", "STRING", "DATE", "LPAR", "LBRACE", "MINMAX", "RULE_TEST", "TRUE", "FALSE",
               "NONE", "NOT", "IF", "MINUS"}
_LITERAL_START = {"NUMBER", "STRING", "DATE", "LBRACE", "TRUE", "FALSE", "NONE", "MINUS"}
_DECL_TERMINALS = {kw.upper() for kw in DECL_KEYWORDS}


def _terminal_word(name: str) -> str:
    if name in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[name]
    try:
        pattern = get_parser().get_terminal(name).pattern
    except (KeyError, AttributeError):
        return name.lower()
    if pattern.type == "str":
        return f"'{pattern.value}'"
    return name.lower()


def expected_in_words(accepts: set[str]) -> str:
    names = set(accepts)
    words: list[str] = []
    if "NAME" in names and len(names & _EXPR_START) >= 5:
        words.append("an expression")
        names -= _EXPR_START
    elif len(names & _LITERAL_START) >= 5:
        words.append("a literal (number, string, date, true, false, none or {...})")
        names -= _LITERAL_START
    if len(names & _DECL_TERMINALS) >= 5:
        names -= _DECL_TERMINALS
        end = "$END" in names
        names.discard("$END")
        words.append("a new declaration")
        if end:
            words.append("the end of the file")
    rest = sorted(_terminal_word(n) for n in names)
    words = rest + words if len(rest) <= 6 else words + rest[:6] + ["..."]
    if not words:
        return "nothing more"
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _describe_token(tok: Token) -> str:
    if tok.type == "$END":
        return "the end of the file"
    if tok.type == "NAME":
        return f"name '{tok}'"
    if tok.type == "STRING":
        return f"string {tok}"
    if tok.type == "NUMBER":
        return f"number {tok}"
    if tok.type == "DATE":
        return f"date {tok}"
    return f"'{tok}'"


def _syntax_diagnostic(e: UnexpectedInput, text: str, file: str, reporter: Reporter) -> int:
    """Report one lark error; returns the character offset where it happened."""
    if isinstance(e, UnexpectedCharacters):
        ch = text[e.pos_in_stream] if e.pos_in_stream < len(text) else ""
        hint = ""
        if ch == '"':
            hint = "a string ends on the line it starts; to span lines, write adjacent strings \"...\" \"...\""
            msg = "unterminated string"
        else:
            # a NAME or keyword the parser did not want here is lexed as unexpected characters
            m = re.match(r"[A-Za-z_][A-Za-z0-9_]*|\d[\d_.eE%]*|\S", text[e.pos_in_stream:])
            word = m.group(0) if m else ch
            # the contextual lexer raises this only when no terminal of the language matches
            msg = f"unexpected character '{ch}'" if len(word) == 1 else f"unexpected '{word}'"
        reporter.error(Pos(file, e.line, e.column), msg, hint)
        return e.pos_in_stream
    if isinstance(e, UnexpectedToken):
        tok = e.token
        accepts = set(getattr(e, "accepts", None) or e.expected or ())
        if tok.type == "$END":
            line, col, offset = _end_position(text)
            reporter.error(Pos(file, line, col), f"unexpected end of file; expected {expected_in_words(accepts)}")
            return offset
        hint = ""
        if tok.type == "NUMBER" and re.search(r"[eE]", str(tok)) and "STRING" in accepts:
            hint = "codes with letters that read as exponents (like 3E10) must be quoted strings"
        elif tok.type == "NAME" and "STRING" in accepts and "NAME" not in accepts:
            hint = f"did you mean the string \"{tok}\"?"
        elif tok.start_pos is not None and re.search(r"(?<![\w.])if\s+$", text[:tok.start_pos]):
            hint = "inside an expression, write 'if ... then ... else ...' in parentheses"
        reporter.error(Pos(file, tok.line, tok.column),
                       f"unexpected {_describe_token(tok)}; expected {expected_in_words(accepts)}",
                       hint, length=len(str(tok)))
        return tok.start_pos if tok.start_pos is not None else len(text)
    if isinstance(e, UnexpectedEOF):
        line, col, offset = _end_position(text)
        reporter.error(Pos(file, line, col), f"unexpected end of file; expected {expected_in_words(set(e.expected))}")
        return offset
    line, col, offset = _end_position(text)
    reporter.error(Pos(file, line, col), f"syntax error: {e}")
    return offset


def _end_position(text: str) -> tuple[int, int, int]:
    """Line and column just after the last non-blank character (where the text stops)."""
    stripped = text.rstrip()
    # back over a trailing comment
    lines = stripped.split("\n")
    line = len(lines)
    col = len(lines[-1]) + 1
    return line, col, len(text)


def _blank(text: str, start: int, end: int) -> str:
    """Replace text[start:end] with spaces, keeping newlines (so positions stay the same)."""
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


# Syntax trees of files parsed without error, by (file name, text): loading the same spec again
# (tests, fuzzing, a CLI session) re-checks it without re-parsing. The checker never mutates a tree.
_AST_CACHE: "OrderedDict[tuple[str, str], decls.File]" = OrderedDict()
_AST_CACHE_SIZE = 256


_LINE_END = re.compile(r"\r\n?")


def _lines_within_limit(text: str, file: str, reporter: Reporter) -> bool:
    if len(text) <= MAX_LINE_LENGTH:
        return True
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) > MAX_LINE_LENGTH:
            reporter.error(Pos(file, number, MAX_LINE_LENGTH + 1),
                           f"the line has {len(line):,} characters; at most {MAX_LINE_LENGTH:,} are read")
            return False
    return True


def parse_text(text: str, file: str, reporter: Reporter, start: str = "start"):
    r"""Parse one file (or, with start="expr", one expression). Returns the AST, or None after
    reporting syntax errors (as many as can be found: after each error the declaration in which
    it occurred is skipped and parsing resumes at the next one).

    Lines may end in "\n", "\r\n" or a lone "\r" (all read as one line end, so positions are
    the lines an editor shows); a line longer than MAX_LINE_LENGTH is refused at its position."""
    text = _LINE_END.sub("\n", text)
    reporter.add_source(file, text)
    if not _lines_within_limit(text, file, reporter):
        return None
    if start == "start":
        key = (file, text)
        cached = _AST_CACHE.get(key)
        if cached is not None:
            _AST_CACHE.move_to_end(key)
            return cached
        tree = _parse_text(text, file, reporter, start)
        if tree is not None:
            _AST_CACHE[key] = tree
            while len(_AST_CACHE) > _AST_CACHE_SIZE:
                _AST_CACHE.popitem(last=False)
        return tree
    return _parse_text(text, file, reporter, start)


def _parse_text(text: str, file: str, reporter: Reporter, start: str):
    parser = get_parser()
    work = text
    had_error = False
    for _ in range(MAX_SYNTAX_ERRORS):
        try:
            tree = parser.parse(work, start=start)
        except UnexpectedInput as e:
            had_error = True
            offset = _syntax_diagnostic(e, work, file, reporter)
            if start != "start":
                return None
            decl_starts = [m.start() for m in _DECL_START.finditer(work)]
            begin = max([s for s in decl_starts if s <= offset], default=0)
            after = [s for s in decl_starts if s > offset]
            end = after[0] if after else len(work)
            if not work[begin:end].strip():
                return None
            work = _blank(work, begin, end)
            continue
        except LarkError as e:  # anything else lark may raise: still a diagnostic, never a traceback
            reporter.error(Pos(file, 1, 1), f"syntax error: {e}")
            return None
        if had_error:
            return None
        return to_ast(tree, file, reporter)
    return None


def to_ast(tree: Tree, file: str, reporter: Reporter):
    try:
        return _transformer(file).transform(tree)
    except VisitError as e:
        orig = e.orig_exc
        if isinstance(orig, ast.BadLiteral):
            reporter.error(orig.pos, orig.message, orig.hint, orig.length)
            return None
        raise
