"""Text -> syntax tree (parser/ast.py), with readable syntax errors.

The grammar is parser/earl.lark, parsed LALR(1) with lark's contextual lexer; the parser is made
once per process from the tables shipped beside the grammar (parser/tables.py). Syntax errors become `Diagnostic`s
that say in words what was expected; after an error the parser skips to the next declaration (a line that
starts with a declaration keyword) and goes on, so one pass reports several errors.
"""
from __future__ import annotations

import datetime
import re
from collections import OrderedDict
from typing import Optional

from lark import Lark, Token, Transformer_NonRecursive, Tree, v_args
from lark.exceptions import (LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput,
                             UnexpectedToken, VisitError)

from ..ir import Pos
from ..ir.limits import MAX_LINE_LENGTH, NumberBeyondLimits, NumberError, read_number
from . import ast, tables
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


# --------------------------------------------------------------------------- literals

def unescape(token_text: str) -> str:
    """The value of a STRING token: strip quotes, resolve `\\"` and `\\\\` (other escapes kept)."""
    body = token_text[1:-1]
    return re.sub(r'\\(.)', lambda m: m.group(1) if m.group(1) in '"\\' else m.group(0), body)


class _BadLiteral(Exception):
    def __init__(self, pos: Pos, message: str, length: int = 1, hint: str = ""):
        super().__init__(message)
        self.pos, self.message, self.length, self.hint = pos, message, length, hint


# --------------------------------------------------------------------------- lark tree -> AST

@v_args(meta=True)
class ToAst(Transformer_NonRecursive):
    def __init__(self, file: str, reporter: Reporter):
        super().__init__(visit_tokens=False)  # non-recursive: deep expressions are fine
        self.file = file
        self.reporter = reporter

    # -- helpers
    def _p(self, meta) -> Pos:
        if getattr(meta, "empty", True):
            return Pos(self.file, 0, 0)
        return Pos(self.file, meta.line, meta.column)

    def _tp(self, tok: Token) -> Pos:
        return Pos(self.file, tok.line or 0, tok.column or 0)

    def _ident(self, tok: Token) -> ast.Ident:
        return ast.Ident(self._tp(tok), str(tok))

    @staticmethod
    def _ex(x):
        """A `string` in expression position is a string literal."""
        if isinstance(x, ast.Text):
            return ast.StringLit(x.pos, x.value)
        return x

    def date(self, meta, ch):
        return self._date(ch[0])

    def _date(self, tok: Token) -> ast.DateLit:
        try:
            value = datetime.date.fromisoformat(str(tok))
        except ValueError:
            raise _BadLiteral(self._tp(tok), f"'{tok}' is not a valid date", len(tok))
        return ast.DateLit(self._tp(tok), value)

    # -- shared clauses
    def string(self, meta, children):
        return ast.Text(self._p(meta), "".join(unescape(str(t)) for t in children))

    def string_lit(self, meta, children):
        return ast.StringLit(self._tp(children[0]), unescape(str(children[0])))

    def title(self, meta, children):
        return ("title", children[0])

    def cite(self, meta, children):
        return ast.MetaClause(self._p(meta), "cite", children[0].value)

    def quote(self, meta, children):
        return ast.MetaClause(self._p(meta), "quote", children[0].value)

    def doc(self, meta, children):
        return ast.MetaClause(self._p(meta), "doc", children[0].value)

    def start(self, meta, children):
        return ast.File(Pos(self.file, 1, 1), self.file, [c for c in children if c is not None])

    # -- readings and domains
    def reading_decl(self, meta, ch):
        d = ast.ReadingDecl(self._p(meta), self._ident(ch[0]))
        for c in ch[1:]:
            if isinstance(c, Token):
                d.is_default = True
            elif isinstance(c, ast.MetaClause):
                d.metas.append(c)
        return d

    def enum_decl(self, meta, ch):
        d = ast.EnumDecl(self._p(meta), self._ident(ch[0]))
        for c in ch[1:]:
            if isinstance(c, ast.MetaClause):
                d.metas.append(c)
            elif isinstance(c, tuple) and c[0] == "title":
                d.title = c[1]
            elif isinstance(c, ast.Text):
                d.members.append(c)
        return d

    def countries_decl(self, meta, ch):
        d = ast.CountriesDecl(self._p(meta), self._ident(ch[0]))
        for c in ch[1:]:
            if isinstance(c, ast.ExtraCountry):
                d.extras.append(c)
            elif isinstance(c, ast.MetaClause):
                d.metas.append(c)
        return d

    def extra_country(self, meta, ch):
        return ast.ExtraCountry(self._tp(ch[0]), unescape(str(ch[0])), unescape(str(ch[1])))

    def group_decl(self, meta, ch):
        d = ast.GroupDecl(self._p(meta), self._ident(ch[0]))
        for c in ch[1:]:
            if isinstance(c, ast.MetaClause):
                d.metas.append(c)
            elif isinstance(c, tuple) and c[0] == "title":
                d.title = c[1]
            elif isinstance(c, tuple) and c[0] == "members":
                d.members = c[1]
            elif isinstance(c, tuple) and c[0] == "defined":
                d.definition = c[1]
        return d

    def group_members(self, meta, ch):
        return ("members", [c for c in ch if c is not None])

    def group_defined(self, meta, ch):
        return ("defined", ch[0])

    def member(self, meta, ch):
        # two grammar rules are named `member`: a group's listed member (its first child is a
        # STRING token) and the `in` expression (its children are transformed expressions)
        if not (ch and isinstance(ch[0], Token)):
            return ast.Membership(self._p(meta), self._ex(ch[0]), self._ex(ch[1]))
        m = ast.MemberEntry(self._tp(ch[0]), unescape(str(ch[0])))
        for kw, day in ch[1:]:
            if str(kw) == "from":
                if m.since is not None:
                    raise _BadLiteral(day.pos, "a member has at most one 'from' date")
                m.since, m.since_pos = day.value, day.pos
            else:
                if m.until is not None:
                    raise _BadLiteral(day.pos, "a member has at most one 'until' date")
                m.until, m.until_pos = day.value, day.pos
        return m

    def member_date(self, meta, ch):
        return (ch[0], self._date(ch[1]))

    def group_union(self, meta, ch):
        return ast.GroupUnionExpr(self._p(meta), ch[0], ch[1])

    def group_diff(self, meta, ch):
        return ast.GroupDiffExpr(self._p(meta), ch[0], ch[1])

    def group_name(self, meta, ch):
        return ast.GroupRef(self._tp(ch[0]), str(ch[0]))

    # -- types, inputs, parameters, definitions, outcomes
    def type(self, meta, ch):
        return ast.TypeRef(self._p(meta), str(ch[0]), optional=ch[1] is not None if len(ch) > 1 else False)

    def set_type(self, meta, ch):
        return ast.TypeRef(self._p(meta), str(ch[0]), is_set=True)

    def path(self, meta, ch):
        return ast.Ident(self._p(meta), ".".join(str(t) for t in ch))

    def minimum(self, meta, ch):
        return ("min", ch[0])

    def input_decl(self, meta, ch):
        d = ast.InputDecl(self._p(meta), ch[0], type=ch[1], default=self._ex(ch[2]))
        for c in ch[3:]:
            if isinstance(c, tuple) and c[0] == "min":
                d.minimum = c[1]
            elif isinstance(c, ast.MetaClause):
                d.metas.append(c)
        return d

    def param_under(self, meta, ch):
        return ast.UnderClause(self._p(meta), self._ident(ch[0]), self._ex(ch[1]))

    def def_under(self, meta, ch):
        return ast.UnderClause(self._p(meta), self._ident(ch[0]), self._ex(ch[1]))

    def param_decl(self, meta, ch):
        d = ast.ParamDecl(self._p(meta), self._ident(ch[0]), type=ch[1], default=self._ex(ch[2]))
        for c in ch[3:]:
            if isinstance(c, tuple) and c[0] == "min":
                d.minimum = c[1]
            elif isinstance(c, ast.MetaClause):
                d.metas.append(c)
            elif isinstance(c, ast.UnderClause):
                d.unders.append(c)
        return d

    def def_decl(self, meta, ch):
        d = ast.DefDecl(self._p(meta), self._ident(ch[0]), type=ch[1], body=self._ex(ch[2]))
        for c in ch[3:]:
            if isinstance(c, ast.MetaClause):
                d.metas.append(c)
            elif isinstance(c, ast.UnderClause):
                d.unders.append(c)
        return d

    def outcome_decl(self, meta, ch):
        d = ast.OutcomeDecl(self._p(meta), self._ident(ch[0]), type=ch[1],
                            default=self._ex(ch[2]) if len(ch) > 2 else None)
        for c in ch[3:]:
            if isinstance(c, ast.MetaClause):
                d.metas.append(c)
        return d

    # -- rules
    def overrides(self, meta, ch):
        return ("overrides", [self._ident(t) for t in ch])

    def only_under(self, meta, ch):
        return ("only_under", [self._ident(t) for t in ch])

    def except_under(self, meta, ch):
        return ("except_under", [self._ident(t) for t in ch])

    def intended(self, meta, ch):
        return ("intended", ch[0])

    def source(self, meta, ch):
        return ast.SourceClause(self._p(meta), str(ch[0]), ch[1])

    def in_force_decl(self, meta, ch):
        pos = self._p(meta)
        d = ast.InForceDecl(pos, ast.Ident(pos, "in_force"), since=self._date(ch[1]).value)
        for c in ch[2:]:
            if isinstance(c, ast.MetaClause):
                d.metas.append(c)
            elif isinstance(c, ast.InForceUnder):
                d.unders.append(c)
        return d

    def in_force_under(self, meta, ch):
        return ast.InForceUnder(self._p(meta), self._ident(ch[0]), self._date(ch[2]).value)

    def notice_decl(self, meta, ch):
        d = ast.NoticeDecl(self._p(meta), self._ident(ch[0]), title=ch[1][1], condition=self._ex(ch[-1]))
        d.metas.extend(c for c in ch[2:-1] if isinstance(c, ast.MetaClause))
        return d

    def when_single(self, meta, ch):
        e = self._ex(ch[0])
        return ("when", "single", [ast.ConditionAst(e.pos, e)])

    def when_labelled(self, meta, ch):
        return ("when", "labelled", list(ch))

    def when_unless_only(self, meta, ch):
        return ("when", "unless", list(ch))

    def condition(self, meta, ch):
        e = self._ex(ch[0])
        return ast.ConditionAst(e.pos, e, ch[1].value)

    def unless(self, meta, ch):
        e = self._ex(ch[0])
        label = ch[1].value if len(ch) > 1 and ch[1] is not None else None
        return ast.ConditionAst(self._p(meta), e, label, negated=True)

    def then(self, meta, ch):
        return ("then", list(ch))

    def assign(self, meta, ch):
        return ast.ConclusionAst(self._p(meta), ch[0], "=", self._ex(ch[1]))

    def add(self, meta, ch):
        return ast.ConclusionAst(self._p(meta), ch[0], "+=", self._ex(ch[1]))

    def remove(self, meta, ch):
        return ast.ConclusionAst(self._p(meta), ch[0], "-=", self._ex(ch[1]))

    def rule_decl(self, meta, ch):
        d = ast.RuleDecl(self._p(meta), self._ident(ch[0]), title=ch[1][1])
        for c in ch[2:]:
            if isinstance(c, ast.MetaClause):
                d.metas.append(c)
            elif isinstance(c, ast.SourceClause):
                d.sources.append(c)
            elif isinstance(c, tuple):
                if c[0] == "overrides":
                    d.overrides.extend(c[1])
                elif c[0] == "only_under":
                    d.only_under.extend(c[1])
                elif c[0] == "except_under":
                    d.except_under.extend(c[1])
                elif c[0] == "intended":
                    d.intended.append(c[1])
                elif c[0] == "when":
                    d.when_kind, d.conditions = c[1], c[2]
                elif c[0] == "then":
                    d.conclusions = c[1]
        return d

    # -- properties and examples
    def expect(self, meta, ch):
        return ast.Expectation(self._p(meta), str(ch[0]), [self._ident(t) for t in ch[1:] if t is not None])

    def property_decl(self, meta, ch):
        d = ast.PropertyDecl(self._p(meta), self._ident(ch[0]), title=ch[1][1], body=self._ex(ch[-1]))
        for c in ch[2:-1]:
            if isinstance(c, ast.MetaClause):
                d.metas.append(c)
            elif isinstance(c, ast.Expectation):
                d.expects.append(c)
            elif isinstance(c, tuple) and c[0] == "only_under":
                d.only_under.extend(c[1])
            elif isinstance(c, tuple) and c[0] == "except_under":
                d.except_under.extend(c[1])
        return d

    def binding(self, meta, ch):
        return ast.Binding(self._p(meta), ch[0], self._ex(ch[1]))

    def given(self, meta, ch):
        return ("given", list(ch))

    def expect_values(self, meta, ch):
        return ("expect", list(ch))

    def with_params(self, meta, ch):
        return ("with", list(ch))

    def example_under(self, meta, ch):
        return ("under", [self._ident(ch[0])])

    def example_decl(self, meta, ch):
        d = ast.ExampleDecl(self._p(meta), self._ident(ch[0]), title=ch[1][1])
        for c in ch[2:]:
            if isinstance(c, ast.MetaClause):
                d.metas.append(c)
            elif isinstance(c, tuple):
                {"given": d.given, "expect": d.expect, "with": d.params, "under": d.under}[c[0]].extend(c[1])
        return d

    # -- expressions
    def ite(self, meta, ch):
        return ast.IfThenElse(self._p(meta), *(self._ex(c) for c in ch))

    def implies(self, meta, ch):
        return ast.ImpliesExpr(self._p(meta), self._ex(ch[0]), self._ex(ch[1]))

    def or_(self, meta, ch):
        return ast.BoolOp(self._p(meta), "or", self._ex(ch[0]), self._ex(ch[1]))

    def and_(self, meta, ch):
        return ast.BoolOp(self._p(meta), "and", self._ex(ch[0]), self._ex(ch[1]))

    def not_(self, meta, ch):
        return ast.NotExpr(self._p(meta), self._ex(ch[0]))

    def compare(self, meta, ch):
        return ast.Compare(self._p(meta), str(ch[1]), self._ex(ch[0]), self._ex(ch[2]), self._tp(ch[1]))

    def not_member(self, meta, ch):
        return ast.Membership(self._p(meta), self._ex(ch[0]), self._ex(ch[1]), negated=True)

    def arith(self, meta, ch):
        return ast.ArithExpr(self._p(meta), str(ch[1]), self._ex(ch[0]), self._ex(ch[2]), self._tp(ch[1]))

    def minmax(self, meta, ch):
        return ast.MinMaxExpr(self._p(meta), str(ch[0]), [self._ex(c) for c in ch[1:]])

    def rule_test(self, meta, ch):
        return ast.RuleTest(self._p(meta), str(ch[0]), self._ident(ch[1]))

    def name(self, meta, ch):
        return ast.Name(ch[0].pos, ch[0].name)

    def signed_number(self, meta, ch):
        return self._number(ch[0], negative=False)

    def negative(self, meta, ch):
        n = self._number(ch[0], negative=True)
        n.pos = self._p(meta)
        return n

    def _number(self, tok: Token, negative: bool) -> ast.NumberLit:
        try:
            value = read_number(str(tok))
        except NumberBeyondLimits as e:
            raise _BadLiteral(self._tp(tok), str(e), min(len(tok), 80)) from None
        except NumberError:
            raise _BadLiteral(self._tp(tok), f"malformed number '{tok}'", len(tok),
                              "underscores go between digits, e.g. 1_000_000") from None
        return ast.NumberLit(self._tp(tok), -value if negative else value, ("-" if negative else "") + str(tok))

    def true(self, meta, ch):
        return ast.BoolLit(self._p(meta), True)

    def false(self, meta, ch):
        return ast.BoolLit(self._p(meta), False)

    def none(self, meta, ch):
        return ast.NoneLit(self._p(meta))

    def set_literal(self, meta, ch):
        return ast.SetLit(self._p(meta), [self._ex(c) for c in ch if c is not None])




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
_AST_CACHE: "OrderedDict[tuple[str, str], ast.File]" = OrderedDict()
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
        result = to_ast(tree, file, reporter)
        return ToAst._ex(result) if start == "expr" else result
    return None


def to_ast(tree: Tree, file: str, reporter: Reporter):
    try:
        return ToAst(file, reporter).transform(tree)
    except VisitError as e:
        orig = e.orig_exc
        if isinstance(orig, _BadLiteral):
            reporter.error(orig.pos, orig.message, orig.hint, orig.length)
            return None
        raise
