"""The checker: names, types and the well-formedness rules of docs/language.md.

`check(files, reporter)` walks the syntax trees of all files of a spec together and reports every
problem it finds (it does not stop at the first). It records, for the lowering, the type of every
expression node and what every name refers to (`Checked`).

`ExprChecker` type-checks one expression against a `Scope` (the names a spec declares); it is
shared by the spec checker and by `parse_expression` (conditions typed on the command line).
String literals and literal sets have no type of their own: they are resolved against the type
expected where they stand (an enum member, a country code), so `destination == "FR"` and
`activity in {"export"}` check the string against the other operand's type.
"""
from __future__ import annotations

import datetime
import functools
import operator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Iterable, Optional

from .. import ir
from ..ir import Pos
from ..ir.limits import NumberBeyondLimits, check_value
from . import ast
from .diagnostics import Reporter, did_you_mean

BUILTIN_TYPES = {"bool": ir.Bool(), "number": ir.Num(), "integer": ir.Num(integer=True),
                 "date": ir.Date(), "country": ir.Country()}
COUNTRY_SET = ir.SetOf("country")  # the type of a literal set of countries (`{"FR", "DE"}`)
INTENDED_KINDS = ("shadowed", "dead", "conflict")
COUNTRY_SOURCES = ("iso3166",)
ORDER_OPS = ("<", "<=", ">", ">=")


def type_str(t) -> str:
    if t == COUNTRY_SET:
        return "set of country"
    return str(t)


def same_kind(a, b) -> bool:
    """Can values of types a and b be compared with == ?"""
    if isinstance(a, ir.Num) and isinstance(b, ir.Num):
        return True
    if isinstance(a, ir.Enum) and isinstance(b, ir.Enum):
        return a.name == b.name
    return a == b


def assignable(actual, expected) -> bool:
    """May a value of type `actual` stand where `expected` is wanted?"""
    if isinstance(actual, ir.Num) and isinstance(expected, ir.Num):
        return True
    if isinstance(actual, ir.Enum) and isinstance(expected, ir.Enum):
        return actual.name == expected.name and (expected.optional or not actual.optional)
    return actual == expected


def is_contextual(e) -> bool:
    """Literals whose type comes from where they stand."""
    return isinstance(e, (ast.StringLit, ast.SetLit, ast.NoneLit))


@functools.lru_cache(maxsize=None)
def _source_countries(source: str) -> tuple[tuple[str, str], ...]:
    import pycountry
    if source == "iso3166":
        return tuple((c.alpha_2, getattr(c, "common_name", None) or c.name) for c in pycountry.countries)
    return ()


def country_domain(source: str, extras: Iterable[tuple[str, str]]) -> dict[str, str]:
    """code -> name: ISO 3166-1 alpha-2 (pycountry) plus user-assigned extras."""
    out = dict(_source_countries(source))
    for code, name in extras:
        out[code] = name
    return out


@functools.lru_cache(maxsize=None)
def reserved_words() -> frozenset[str]:
    """The keywords of the grammar: a name spelt like one could not always be referred to."""
    import re as _re
    from .parse import get_parser
    words: set[str] = set()
    for t in get_parser().terminals:
        if t.pattern.type == "str":
            if t.pattern.value.isidentifier():
                words.add(t.pattern.value)
        else:
            # alternatives of regex keywords such as "holds" | "fails", (max|min)(?=\()
            words.update(w for w in _re.findall(r"[A-Za-z_]+", t.pattern.value)
                         if t.name not in ("NAME", "STRING", "NUMBER", "DATE", "COMMENT", "WS")
                         and len(w) > 2)
    return frozenset(words)


@dataclass
class Scope:
    inputs: dict[str, object] = field(default_factory=dict)     # path -> ir type
    params: dict[str, object] = field(default_factory=dict)
    defs: dict[str, object] = field(default_factory=dict)
    outcomes: dict[str, object] = field(default_factory=dict)
    groups: set[str] = field(default_factory=set)
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    countries: dict[str, str] = field(default_factory=dict)     # code -> name

    def lookup(self, name: str) -> Optional[tuple[str, object]]:
        for kind, table in (("input", self.inputs), ("param", self.params), ("def", self.defs),
                            ("outcome", self.outcomes)):
            if name in table:
                return kind, table[name]
        if name in self.groups:
            return "group", None
        return None

    def all_names(self) -> list[str]:
        return [*self.inputs, *self.params, *self.defs, *self.outcomes]

    @classmethod
    def of_spec(cls, spec: ir.Spec) -> "Scope":
        return cls(inputs={k: v.type for k, v in spec.inputs.items()},
                   params={k: v.type for k, v in spec.params.items()},
                   defs={k: v.type for k, v in spec.defs.items()},
                   outcomes={k: v.type for k, v in spec.outcomes.items()},
                   groups=set(spec.groups),
                   enums={k: v.members for k, v in spec.enums.items()},
                   countries={k: v.name for k, v in spec.countries.items()})


def _len(e) -> int:
    if isinstance(e, ast.Name):
        return len(e.path)
    if isinstance(e, ast.StringLit):
        return len(e.value) + 2
    return 1


_ARITH = {"+": operator.add, "-": operator.sub, "*": operator.mul}


class ExprChecker:
    """Types expressions; records `types[id(node)]` and `refs[id(name_node)]` (the kind)."""

    def __init__(self, scope: Scope, reporter: Reporter):
        self.scope = scope
        self.reporter = reporter
        self.types: dict[int, object] = {}
        self.refs: dict[int, str] = {}
        self.used: set[tuple[str, str]] = set()
        self.constants: dict[int, Fraction] = {}   # id(node) -> value of a literal-only number

    def err(self, node, message: str, hint: str = "") -> None:
        self.reporter.error(node.pos, message, hint, _len(node))

    # -------------------------------------------------------------- entry points
    def check(self, e, expected=None, what: str = ""):
        """Type of `e` (None if ill-typed: the error is already reported)."""
        t = self._check(e, expected, what)
        if t is not None:
            self.types[id(e)] = t
            if expected is not None and not is_contextual(e) and not assignable(t, expected):
                self.err(e, f"{what or 'this'} should be {_a(type_str(expected))}, but it is {_a(type_str(t))}")
                return None
        return t

    def check_literal(self, e, expected, what: str = "the value"):
        """A literal of the expected type (a name is not allowed)."""
        if not isinstance(e, ast.LITERAL_TYPES):
            self.err(e, f"{what} must be a literal")
            return None
        return self.check(e, expected, what)

    # -------------------------------------------------------------- cases
    def _check(self, e, expected, what=""):
        if isinstance(e, ast.NumberLit):
            if isinstance(expected, ir.Num) and expected.integer and e.value.denominator != 1:
                self.err(e, f"{what or 'this'} is an integer, but {e.text} is not a whole number")
                return None
            self.constants[id(e)] = e.value
            return ir.Num()
        if isinstance(e, ast.DateLit):
            return ir.Date()
        if isinstance(e, ast.BoolLit):
            return ir.Bool()
        if isinstance(e, ast.NoneLit):
            return self._none(e, expected, what)
        if isinstance(e, ast.StringLit):
            return self._string(e, expected, what)
        if isinstance(e, ast.SetLit):
            return self._set(e, expected, what)
        if isinstance(e, ast.Name):
            return self._name(e)
        if isinstance(e, ast.IfThenElse):
            self.check(e.cond, ir.Bool(), "the condition of 'if'")
            if expected is not None:
                a = self.check(e.then, expected, "the 'then' branch")
                b = self.check(e.orelse, expected, "the 'else' branch")
                return expected if a is not None and b is not None else None
            return self._pair(e.then, e.orelse, e, "the branches of 'if'")
        if isinstance(e, ast.ImpliesExpr):
            a = self.check(e.premise, ir.Bool(), "the premise of 'implies'")
            b = self.check(e.conclusion, ir.Bool(), "the conclusion of 'implies'")
            return ir.Bool() if a and b else None
        if isinstance(e, ast.BoolOp):
            a = self.check(e.left, ir.Bool(), f"the left operand of '{e.op}'")
            b = self.check(e.right, ir.Bool(), f"the right operand of '{e.op}'")
            return ir.Bool() if a and b else None
        if isinstance(e, ast.NotExpr):
            return ir.Bool() if self.check(e.arg, ir.Bool(), "the operand of 'not'") else None
        if isinstance(e, ast.Compare):
            return self._compare(e)
        if isinstance(e, ast.Membership):
            return self._membership(e)
        if isinstance(e, ast.ArithExpr):
            a = self.check(e.left, ir.Num(), f"the left operand of '{e.op}'")
            b = self.check(e.right, ir.Num(), f"the right operand of '{e.op}'")
            if a and b:
                self._fold(e, [e.left, e.right], _ARITH[e.op])
            return ir.Num() if a and b else None
        if isinstance(e, ast.MinMaxExpr):
            if len(e.args) < 2:
                self.err(e, f"{e.op}() takes at least two arguments, got {len(e.args)}")
                for a in e.args:
                    self.check(a, ir.Num(), f"an argument of {e.op}()")
                return None
            ok = [self.check(a, ir.Num(), f"an argument of {e.op}()") for a in e.args]
            if all(ok):
                self._fold(e, e.args, lambda *xs: (max if e.op == "max" else min)(xs))
            return ir.Num() if all(ok) else None
        self.err(e, f"unexpected expression {type(e).__name__}")  # pragma: no cover
        return None

    def _fold(self, e, operands, combine) -> None:
        """Record the value of an expression of literals only, refusing one beyond the limits
        (each literal is within them; a product of several need not be)."""
        values = [self.constants.get(id(x)) for x in operands]
        if any(v is None for v in values):
            return
        try:
            self.constants[id(e)] = check_value(combine(*values))
        except NumberBeyondLimits as problem:
            self.err(e, f"this constant expression is too large: {problem}",
                     "docs/input.md states the limits on numbers")

    def _none(self, e, expected, what=""):
        if expected is None:
            self.err(e, "cannot tell what 'none' is here: it is the absent value of an optional enum (Name?)")
            return None
        if isinstance(expected, ir.Enum) and expected.optional:
            return expected
        self.err(e, f"{what or 'this'} should be {_a(type_str(expected))}, but it is 'none' "
                    "(only optional enums, Name?, can be none)")
        return None

    def _string(self, e, expected, what=""):
        if expected is None:
            self.err(e, f"cannot tell what \"{e.value}\" is here: a string is an enum member or a country code, "
                        "and must stand where one of those is expected")
            return None
        if isinstance(expected, ir.Enum):
            members = self.scope.enums.get(expected.name, ())
            if e.value not in members:
                self.err(e, f"\"{e.value}\" is not a member of enum {expected.name}",
                         did_you_mean(e.value, members))
                return None
            return expected
        if isinstance(expected, ir.Country):
            if e.value not in self.scope.countries:
                hint = did_you_mean(e.value, self.scope.countries)
                by_name = {n.lower(): c for c, n in self.scope.countries.items()}
                if e.value.lower() in by_name:
                    hint = f"did you mean '{by_name[e.value.lower()]}' ({self.scope.countries[by_name[e.value.lower()]]})?"
                self.err(e, f"\"{e.value}\" is not a known country code", hint)
                return None
            return expected
        self.err(e, f"{what or 'this'} should be {_a(type_str(expected))}, but it is the string \"{e.value}\"")
        return None

    def _set(self, e, expected, what=""):
        if expected is None:
            self.err(e, "cannot tell what this set contains here: a literal set must stand where a set "
                        "of enum members or of countries is expected")
            return None
        if expected == COUNTRY_SET:
            elem = ir.Country()
        elif isinstance(expected, ir.SetOf):
            elem = ir.Enum(expected.enum)
        else:
            self.err(e, f"{what or 'this'} should be {_a(type_str(expected))}, but it is a set")
            return None
        ok = True
        seen = set()
        for item in e.items:
            if not isinstance(item, ast.StringLit):
                self.err(item, "a literal set contains strings (enum members or country codes)")
                ok = False
                continue
            if self.check(item, elem) is None:
                ok = False
            if item.value in seen:
                self.reporter.warning(item.pos, f"\"{item.value}\" is listed twice in this set", length=_len(item))
            seen.add(item.value)
        return expected if ok else None

    def _name(self, e: ast.Name):
        found = self.scope.lookup(e.path)
        if found is None:
            hint = did_you_mean(e.path, self.scope.all_names())
            if e.path in self.scope.countries or any(e.path in m for m in self.scope.enums.values()):
                hint = f"did you mean the string \"{e.path}\"? (codes and enum members are quoted)"
            self.err(e, f"undefined name '{e.path}'", hint)
            return None
        kind, t = found
        if kind == "group":
            self.err(e, f"'{e.path}' is a country group, not a value", f"test membership with 'COUNTRY in {e.path}'")
            return None
        self.refs[id(e)] = kind
        self.used.add((kind, e.path))
        return t

    def _pair(self, a, b, node, what: str):
        """Type two expressions that must have the same type (literals resolved by the other)."""
        if is_contextual(a) and is_contextual(b):
            if isinstance(a, ast.NoneLit) or isinstance(b, ast.NoneLit) or isinstance(a, ast.StringLit):
                self.err(node, f"cannot tell the type of {what}: both are literals")
                return None
            self.err(node, f"cannot tell the type of {what}: both are literals")
            return None
        if is_contextual(a):
            tb = self.check(b)
            if tb is None:
                return None
            ta = self.check(a, tb)
            return tb if ta is not None else None
        ta = self.check(a)
        if ta is None:
            if not is_contextual(b):
                self.check(b)
            return None
        tb = self.check(b, ta) if is_contextual(b) else self.check(b)
        if tb is None:
            return None
        if not same_kind(ta, tb):
            self.reporter.error(getattr(node, "op_pos", None) or node.pos,
                                f"{what} have different types: {type_str(ta)} and {type_str(tb)}",
                                length=len(getattr(node, "op", "") or "x"))
            return None
        if isinstance(ta, ir.Enum) and ta != tb:
            return ir.Enum(ta.name, optional=True)
        return ta

    def _compare(self, e: ast.Compare):
        t = self._pair(e.left, e.right, e, f"the operands of '{e.op}'")
        if t is None:
            return None
        if e.op in ORDER_OPS and not isinstance(t, (ir.Num, ir.Date)):
            self.reporter.error(e.op_pos or e.pos, f"'{e.op}' compares numbers or dates, not {type_str(t)} values",
                                length=len(e.op))
            return None
        return ir.Bool()

    def _membership(self, e: ast.Membership):
        coll, elem = e.collection, e.element
        word = "not in" if e.negated else "in"
        if isinstance(coll, ast.Name) and coll.path in self.scope.groups and self.scope.lookup(coll.path)[0] == "group":
            self.refs[id(coll)] = "group"
            self.used.add(("group", coll.path))
            te = self.check(elem, ir.Country(), f"the left operand of '{word} {coll.path}'")
            return ir.Bool() if te is not None else None
        if isinstance(coll, ast.SetLit):
            if is_contextual(elem):
                self.err(e, f"cannot tell the type of the operands of '{word}': both are literals")
                return None
            te = self.check(elem)
            if te is None:
                return None
            if isinstance(te, ir.Enum):
                st = ir.SetOf(te.name)
            elif isinstance(te, ir.Country):
                st = COUNTRY_SET
            else:
                self.err(elem, f"'{word}' a literal set tests an enum or a country, not {_a(type_str(te))}")
                return None
            if self.check(coll, st) is None:
                return None
            return ir.Bool()
        if isinstance(coll, (ast.StringLit, ast.NoneLit)) or isinstance(coll, ast.LITERAL_TYPES):
            self.err(coll, f"the right operand of '{word}' must be a country group, a literal set or a set-valued outcome")
            return None
        if isinstance(coll, ast.Name) and self.scope.lookup(coll.path) is None:
            sets = [n for n, t in self.scope.outcomes.items() if isinstance(t, ir.SetOf)]
            self.err(coll, f"undefined name '{coll.path}': after '{word}' comes a country group, a literal set "
                           "or a set-valued outcome", did_you_mean(coll.path, [*self.scope.groups, *sets]))
            if not is_contextual(elem):
                self.check(elem)
            return None
        tc = self.check(coll)
        if tc is None:
            return None
        if not isinstance(tc, ir.SetOf):
            hint = ""
            if isinstance(coll, ast.Name):
                hint = did_you_mean(coll.path, self.scope.groups)
            self.err(coll, f"the right operand of '{word}' must be a country group, a literal set or a "
                           f"set-valued outcome, but it is {_a(type_str(tc))}", hint)
            return None
        te = self.check(elem, ir.Enum(tc.enum), f"the left operand of '{word}'")
        return ir.Bool() if te is not None else None


def _a(word: str) -> str:
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


# --------------------------------------------------------------------------- the spec checker

@dataclass
class Checked:
    """What the lowering needs: declarations by kind, expression types, name kinds."""
    files: list[ast.File]
    readings: dict[str, ast.ReadingDecl]
    enums: dict[str, ast.EnumDecl]
    countries: dict[str, str]
    groups: dict[str, ast.GroupDecl]
    inputs: dict[str, ast.InputDecl]
    params: dict[str, ast.ParamDecl]
    defs: dict[str, ast.DefDecl]
    outcomes: dict[str, ast.OutcomeDecl]
    rules: dict[str, ast.RuleDecl]
    properties: dict[str, ast.PropertyDecl]
    examples: dict[str, ast.ExampleDecl]
    in_force: Optional[ast.InForceDecl]
    notices: dict[str, ast.NoticeDecl]
    scope: Scope
    types: dict[int, object]
    refs: dict[int, str]
    decl_types: dict[int, object]  # id(decl) -> ir type of inputs/params/defs/outcomes


def check(files: list[ast.File], reporter: Reporter) -> Checked:
    return SpecChecker(files, reporter).run()


class SpecChecker:
    def __init__(self, files: list[ast.File], reporter: Reporter):
        self.files = files
        self.r = reporter
        self.scope = Scope()
        self.ec = ExprChecker(self.scope, reporter)
        self.decl_types: dict[int, object] = {}

    def err(self, node, message: str, hint: str = "", length: int = 1):
        self.r.error(node.pos, message, hint, length)

    # -------------------------------------------------------------- driver
    def run(self) -> Checked:
        decls = [d for f in self.files for d in f.decls]
        by_kind: dict[str, list] = {}
        for d in decls:
            by_kind.setdefault(d.kind, []).append(d)
            self._metas(d)
            if d.kind not in ("countries", "in_force"):  # no name of their own
                self._reserved(d)
        self.readings = self._unique(by_kind.get("reading", []), "reading")
        self.enums = self._unique(by_kind.get("enum", []), "enum")
        values = [d for d in decls if d.kind in ("input", "param", "def", "outcome", "group")]
        self._unique(values, "name")
        self.inputs = self._first(by_kind.get("input", []))
        self.params = self._first(by_kind.get("param", []))
        self.defs = self._first(by_kind.get("def", []))
        self.outcomes = self._first(by_kind.get("outcome", []))
        self.groups = self._first(by_kind.get("group", []))
        self.rules = self._unique(by_kind.get("rule", []), "rule")
        self.properties = self._unique(by_kind.get("property", []), "property")
        self.examples = self._unique(by_kind.get("example", []), "example")
        self.notices = self._unique(by_kind.get("notice", []), "notice")
        in_force = by_kind.get("in_force", [])
        for extra in in_force[1:]:
            self.err(extra, f"a second 'in_force' declaration: the first is at {in_force[0].pos}",
                     "one 'in_force from DATE' per spec; readings differ with 'under READING from DATE'")
        self.in_force = in_force[0] if in_force else None

        self._check_readings()
        self._check_enums()
        self._check_countries(by_kind.get("countries", []))
        # declare the types of everything before checking any expression
        for table in (self.inputs, self.params, self.defs, self.outcomes):
            for name, d in table.items():
                t = self._type(d)
                self.decl_types[id(d)] = t
        self.scope.inputs.update({n: self.decl_types[id(d)] for n, d in self.inputs.items() if self.decl_types[id(d)]})
        self.scope.params.update({n: self.decl_types[id(d)] for n, d in self.params.items() if self.decl_types[id(d)]})
        self.scope.defs.update({n: self.decl_types[id(d)] for n, d in self.defs.items() if self.decl_types[id(d)]})
        self.scope.outcomes.update({n: self.decl_types[id(d)] for n, d in self.outcomes.items() if self.decl_types[id(d)]})
        self.scope.groups.update(self.groups)
        # names whose declared type was wrong are still declared (so no "undefined" cascade)
        self._untyped = {n for t in (self.inputs, self.params, self.defs, self.outcomes)
                         for n, d in t.items() if self.decl_types[id(d)] is None}

        self._check_groups()
        self._check_inputs()
        self._check_params()
        self._check_defs()
        self._check_outcomes()
        self._check_rules()
        self._check_properties()
        self._check_examples()
        self._check_in_force()
        self._check_notices()
        self._check_dependencies()
        if not self.r.errors:  # while there are errors, "unused" is mostly noise
            self._check_unused()
        return Checked(self.files, self.readings, self.enums, self.scope.countries, self.groups,
                       self.inputs, self.params, self.defs, self.outcomes, self.rules,
                       self.properties, self.examples, self.in_force, self.notices, self.scope, self.ec.types, self.ec.refs,
                       self.decl_types)

    # -------------------------------------------------------------- helpers
    def _reserved(self, d: ast.Decl) -> None:
        first = d.name.name.split(".")[0]
        if first in reserved_words():
            self.err(d.name, f"'{first}' is a reserved word of the language and cannot name {_a(d.kind)}",
                     length=len(first))

    def _metas(self, d: ast.Decl) -> None:
        seen: dict[str, ast.MetaClause] = {}
        for m in d.metas:
            if m.kind in ("cite", "doc") and m.kind in seen:
                self.err(m, f"{d.kind} '{d.name.name}' has two '{m.kind}' clauses",
                         f"the first is at line {seen[m.kind].pos.line}; write one '{m.kind}' "
                         "(adjacent strings concatenate)")
            seen.setdefault(m.kind, m)

    def _first(self, decls) -> dict:
        out = {}
        for d in decls:
            out.setdefault(d.name.name, d)
        return out

    def _unique(self, decls, what: str) -> dict:
        out: dict = {}
        for d in decls:
            name = d.name.name
            if name in out:
                prev = out[name]
                self.err(d.name, f"duplicate {what} '{name}': {prev.kind} '{name}' is already declared at "
                                 f"{prev.pos}", length=len(name))
            else:
                out[name] = d
        return out

    def _reading_ref(self, ident: ast.Ident) -> bool:
        if ident.name not in self.readings:
            self.err(ident, f"undefined reading '{ident.name}'", did_you_mean(ident.name, self.readings),
                     len(ident.name))
            return False
        return True

    def _type(self, d):
        tr: ast.TypeRef = d.type
        if tr is None:
            return None
        if tr.is_set:
            if d.kind != "outcome":
                self.err(tr, f"a set type is allowed only for outcomes, not for {_a(d.kind)}")
                return None
            if tr.name not in self.enums:
                self.err(tr, f"'set of {tr.name}': undefined enum '{tr.name}'", did_you_mean(tr.name, self.enums),
                         len(str(tr)))
                return None
            return ir.SetOf(tr.name)
        if tr.name in BUILTIN_TYPES:
            if tr.optional:
                self.err(tr, f"only enums can be optional, not {tr.name}")
                return None
            return BUILTIN_TYPES[tr.name]
        if tr.name in self.enums:
            return ir.Enum(tr.name, optional=tr.optional)
        self.err(tr, f"undefined type '{tr.name}'", did_you_mean(tr.name, [*BUILTIN_TYPES, *self.enums]),
                 len(tr.name))
        return None

    def _expr(self, e, expected, what: str):
        return self.ec.check(e, expected, what)

    # -------------------------------------------------------------- readings, enums, countries
    def _check_readings(self) -> None:
        defaults = [r for r in self.readings.values() if r.is_default]
        if not defaults:
            anchor = (next(iter(self.readings.values())).name if self.readings else
                      (ast.Ident(Pos(self.files[0].path, 1, 1), "") if self.files else None))
            if anchor is not None:
                self.err(anchor, "no default reading: exactly one reading must be marked 'default'",
                         "write e.g. 'reading regulation default'")
            else:
                self.r.error(Pos("<spec>", 0, 0), "the spec is empty: no .earl files")
        for extra in defaults[1:]:
            self.err(extra.name, f"a second default reading '{extra.name.name}': "
                                 f"'{defaults[0].name.name}' is already the default (at {defaults[0].pos})")
        for r in self.readings.values():
            if r.name.name in self.enums:
                pass

    def _check_enums(self) -> None:
        for e in self.enums.values():
            if e.name.name in BUILTIN_TYPES:
                self.err(e.name, f"'{e.name.name}' is a built-in type and cannot be an enum name")
            if not e.members:
                self.err(e.name, f"enum {e.name.name} has no members")
            seen: set[str] = set()
            for m in e.members:
                if m.value in seen:
                    self.err(m, f"\"{m.value}\" is listed twice in enum {e.name.name}", length=len(m.value) + 2)
                seen.add(m.value)
            self.scope.enums[e.name.name] = tuple(dict.fromkeys(m.value for m in e.members))

    def _check_countries(self, decls: list[ast.CountriesDecl]) -> None:
        if not decls:
            anchor = self.files[0].path if self.files else "<spec>"
            self.r.error(Pos(anchor, 1, 1), "no 'countries' declaration: the spec must declare its countries once",
                         "write e.g. 'countries iso3166'")
            return
        for extra in decls[1:]:
            self.err(extra, f"a second 'countries' declaration: there is exactly one (the first is at {decls[0].pos})")
        d = decls[0]
        if d.name.name not in COUNTRY_SOURCES:
            self.err(d.name, f"unknown country source '{d.name.name}'",
                     did_you_mean(d.name.name, COUNTRY_SOURCES) or "the known source is 'iso3166'",
                     len(d.name.name))
            base = {}
        else:
            base = country_domain(d.name.name, ())
        out = dict(base)
        for x in d.extras:
            if x.code in base:
                self.err(x, f"\"{x.code}\" is already a country code ({base[x.code]})", length=len(x.code) + 2)
            elif x.code in out:
                self.err(x, f"\"{x.code}\" is listed twice", length=len(x.code) + 2)
            elif not x.code.strip():
                self.err(x, "an empty country code")
            out[x.code] = x.name
        self.scope.countries.update(out)

    # -------------------------------------------------------------- groups
    def _check_groups(self) -> None:
        deps: dict[str, list[ast.GroupRef]] = {}
        for g in self.groups.values():
            if g.members is not None:
                spans: dict[str, list] = {}
                for m in g.members:
                    if m.code not in self.scope.countries:
                        self.err(m, f"\"{m.code}\" is not a known country code",
                                 did_you_mean(m.code, self.scope.countries), len(m.code) + 2)
                    if m.since is not None and m.until is not None and not m.since < m.until:
                        self.r.error(m.until_pos or m.pos, f"the membership of \"{m.code}\" ends (until {m.until}) "
                                                   f"before it begins (from {m.since})", length=10)
                    lo = m.since or datetime.date.min
                    hi = m.until or datetime.date.max
                    for (plo, phi, pm) in spans.get(m.code, []):
                        if lo < phi and plo < hi:
                            self.err(m, f"\"{m.code}\" is listed twice in group {g.name.name} for overlapping "
                                        f"dates (also at line {pm.pos.line})", length=len(m.code) + 2)
                            break
                    spans.setdefault(m.code, []).append((lo, hi, m))
            else:
                refs: list[ast.GroupRef] = []
                self._group_refs(g.definition, refs)
                for ref in refs:
                    if ref.name not in self.groups:
                        self.err(ref, f"undefined group '{ref.name}'", did_you_mean(ref.name, self.groups),
                                 len(ref.name))
                deps[g.name.name] = [x for x in refs if x.name in self.groups]
        # cycles among defined groups
        state: dict[str, int] = {}
        stack: list[str] = []

        def visit(name: str) -> None:
            state[name] = 1
            stack.append(name)
            for ref in deps.get(name, []):
                if state.get(ref.name) == 1:
                    cycle = stack[stack.index(ref.name):] + [ref.name]
                    self.err(ref, "circular group definition: " + " -> ".join(cycle), length=len(ref.name))
                elif ref.name not in state:
                    visit(ref.name)
            stack.pop()
            state[name] = 2

        for name in deps:
            if name not in state:
                visit(name)

    def _group_refs(self, g, out: list) -> None:
        if isinstance(g, ast.GroupRef):
            out.append(g)
        elif g is not None:
            self._group_refs(g.left, out)
            self._group_refs(g.right, out)

    # -------------------------------------------------------------- inputs
    def _check_inputs(self) -> None:
        date = self.inputs.get("date")
        if date is None:
            anchor = self.files[0].path if self.files else "<spec>"
            self.r.error(Pos(anchor, 1, 1), "no input named 'date': every spec declares 'input date : date' "
                                            "(the transaction's date, which selects dated group members)")
        elif self.decl_types[id(date)] is not None and self.decl_types[id(date)] != ir.Date():
            self.err(date.type, f"the input 'date' must have type date, not {date.type}")
        paths = set(self.inputs)
        for p, d in self.inputs.items():
            parts = p.split(".")
            for i in range(1, len(parts)):
                prefix = ".".join(parts[:i])
                if prefix in paths:
                    self.err(d.name, f"input '{p}' is inside input '{prefix}', which is not an object "
                                     f"(declared at {self.inputs[prefix].pos})", length=len(p))
        edges: dict[str, ast.Name] = {}
        for p, d in self.inputs.items():
            t = self.decl_types[id(d)]
            e = d.default
            if isinstance(e, ast.Name):
                other = self.inputs.get(e.path)
                if other is None:
                    self.err(e, f"the default of an input is a literal or another input, and '{e.path}' is not an input",
                             did_you_mean(e.path, self.inputs), len(e.path))
                    continue
                self.ec.refs[id(e)] = "input"
                ot = self.decl_types[id(other)]
                if t is not None and ot is not None:
                    if not assignable(ot, t):
                        self.err(e, f"input '{p}' has type {type_str(t)} but its default, input '{e.path}', "
                                    f"has type {type_str(ot)}", length=len(e.path))
                    else:
                        self.ec.types[id(e)] = ot
                edges[p] = e
            elif t is not None:
                if not isinstance(e, ast.LITERAL_TYPES):
                    self.err(e, f"the default of input '{p}' must be a literal or another input's path")
                    continue
                self.ec.check(e, t, f"the default of input '{p}'")
            self._minimum(d, t, e)
        # cycles among input defaults
        for start in edges:
            seen = [start]
            cur = start
            while cur in edges:
                nxt = edges[cur].path
                if nxt == start:
                    if start == min(seen):
                        self.err(edges[start], "circular input defaults: " + " -> ".join(seen + [start]),
                                 length=len(edges[start].path))
                    break
                if nxt in seen:
                    break
                seen.append(nxt)
                cur = nxt

    def _minimum(self, d, t, default) -> None:
        if d.minimum is None:
            return
        if t is not None and not isinstance(t, ir.Num):
            self.err(d.minimum, f"'min' bounds numbers, and {d.kind} '{d.name.name}' has type {type_str(t)}")
            return
        if isinstance(default, ast.NumberLit) and default.value < d.minimum.value:
            self.err(default, f"the default {default.text} is below the minimum {d.minimum.text}",
                     length=len(default.text))

    # -------------------------------------------------------------- params and defs
    def _check_params(self) -> None:
        for name, d in self.params.items():
            t = self.decl_types[id(d)]
            if t is None:
                continue
            self.ec.check_literal(d.default, t, f"the default of parameter '{name}'")
            self._minimum(d, t, d.default)
            seen: dict[str, ast.UnderClause] = {}
            for u in d.unders:
                if self._reading_ref(u.reading) and u.reading.name in seen:
                    self.err(u.reading, f"parameter '{name}' already has a value under '{u.reading.name}'",
                             length=len(u.reading.name))
                seen.setdefault(u.reading.name, u)
                self.ec.check_literal(u.value, t, f"the value of parameter '{name}' under {u.reading.name}")
                self._minimum(d, t, u.value)

    def _check_defs(self) -> None:
        for name, d in self.defs.items():
            t = self.decl_types[id(d)]
            self.ec.check(d.body, t, f"the body of definition '{name}'")
            seen: set[str] = set()
            for u in d.unders:
                if self._reading_ref(u.reading) and u.reading.name in seen:
                    self.err(u.reading, f"definition '{name}' already has a body under '{u.reading.name}'",
                             length=len(u.reading.name))
                seen.add(u.reading.name)
                self.ec.check(u.value, t, f"the body of definition '{name}' under {u.reading.name}")

    # -------------------------------------------------------------- outcomes
    def _check_outcomes(self) -> None:
        for name, d in self.outcomes.items():
            t = self.decl_types[id(d)]
            if t is None:
                continue
            if d.default is None:
                if not isinstance(t, ir.SetOf) and not (isinstance(t, ir.Enum) and t.optional):
                    self.err(d.name, f"outcome '{name}' needs a default (the value when no rule decides it)",
                             f"write e.g. 'outcome {name} : {d.type} = ...'", len(name))
                continue
            if isinstance(t, ir.SetOf):
                if not (isinstance(d.default, ast.SetLit) and not d.default.items):
                    self.err(d.default, f"the default of set outcome '{name}' is always {{}}: "
                                        "rules add and remove members")
                    continue
            self.ec.check_literal(d.default, t, f"the default of outcome '{name}'")

    # -------------------------------------------------------------- rules
    def _check_rules(self) -> None:
        for name, rule in self.rules.items():
            if not rule.meta("cite").strip():
                self.err(rule.name, f"rule '{name}' has no 'cite': every rule cites the provision it transcribes",
                         'add e.g. cite "Reg. 12(a)(3)"', len(name))
            for o in rule.overrides:
                if o.name not in self.rules:
                    self.err(o, f"rule '{name}' overrides undefined rule '{o.name}'",
                             did_you_mean(o.name, self.rules), len(o.name))
                elif o.name == name:
                    self.err(o, f"rule '{name}' overrides itself", length=len(name))
            self._reading_scope(rule)
            for t in rule.intended:
                if t.value not in INTENDED_KINDS:
                    self.err(t, f"unknown intended finding \"{t.value}\": one of "
                                + ", ".join(f'"{k}"' for k in INTENDED_KINDS),
                             did_you_mean(t.value, INTENDED_KINDS), len(t.value) + 2)
            for src in rule.sources:
                if not src.name.value.strip():
                    self.err(src, f"rule '{name}': a '{src.kind}' source must say which "
                                  + ("version of the text it is" if src.kind == "verbatim" else "source it is"),
                             'e.g. source verbatim "15 CFR as of 2025-01-15" or source secondary "Wiley alert"')
            for c in rule.conditions:
                what = "an 'unless' condition" if c.negated else "a condition"
                self.ec.check(c.expr, ir.Bool(), what)
            slots: dict[tuple, ast.ConclusionAst] = {}
            for c in rule.conclusions:
                self._conclusion(rule, c, slots)
        self._check_override_cycles()

    def _conclusion(self, rule: ast.RuleDecl, c: ast.ConclusionAst, slots: dict) -> None:
        target = c.target.name
        d = self.outcomes.get(target)
        if d is None:
            kind = self.scope.lookup(target)
            msg = (f"'{target}' is {_a(kind[0])}, not an outcome: rules conclude outcomes" if kind
                   else f"undefined outcome '{target}'")
            self.err(c.target, msg, did_you_mean(target, self.outcomes), len(target))
            return
        t = self.decl_types[id(d)]
        if t is None:
            return
        if c.op == "=":
            if isinstance(t, ir.SetOf):
                self.err(c, f"outcome '{target}' is a set: conclude members with '+=' or '-='",
                         f"write e.g. {target} += \"...\"", len(target))
                return
            self.ec.check_literal(c.value, t, f"the value concluded for '{target}'")
            key = (target, None)
        else:
            if not isinstance(t, ir.SetOf):
                self.err(c, f"'{c.op}' adds or removes a member of a set outcome, and '{target}' is "
                            f"{_a(type_str(t))}", f"write {target} = ...", len(target))
                return
            if not isinstance(c.value, ast.StringLit):
                self.err(c.value, f"'{c.op}' takes one member of enum {t.enum} (a string)")
                return
            if self.ec.check(c.value, ir.Enum(t.enum)) is None:
                return
            key = (target, c.value.value)
        if key in slots:
            self.err(c, f"rule '{rule.name.name}' concludes {target}"
                        f"{'' if key[1] is None else ' ' + repr(key[1])} twice", length=len(target))
        slots[key] = c

    def _check_override_cycles(self) -> None:
        graph = {n: [o.name for o in r.overrides if o.name in self.rules and o.name != n]
                 for n, r in self.rules.items()}
        for cycle in _cycles(graph):
            rule = self.rules[cycle[0]]
            anchor = next((o for o in rule.overrides if o.name == cycle[1]), rule.name)
            self.err(anchor, "circular overrides: " + " -> ".join(cycle), length=len(anchor.name))

    # -------------------------------------------------------------- properties, examples
    def _reading_scope(self, d) -> None:
        """`only under` / `except under`: known readings, and not both on one declaration."""
        for rd in d.only_under + d.except_under:
            self._reading_ref(rd)
        if d.only_under and d.except_under:
            self.err(d.except_under[0], f"{d.kind} '{d.name.name}' has both 'only under' and 'except under'",
                     "keep one: 'except under R' is 'only under' every other reading")

    def _check_properties(self) -> None:
        for name, p in self.properties.items():
            self._reading_scope(p)
            self.ec.check(p.body, ir.Bool(), f"the body of property '{name}'")
            default: Optional[ast.Expectation] = None
            seen: set[str] = set()
            for x in p.expects:
                if not x.readings:
                    if default is not None:
                        self.err(x, f"property '{name}' has two default expectations",
                                 "add 'under READING' to one of them")
                    default = x
                for rd in x.readings:
                    if self._reading_ref(rd) and rd.name in seen:
                        self.err(rd, f"property '{name}' states two expectations under '{rd.name}'",
                                 length=len(rd.name))
                    seen.add(rd.name)

    def _check_in_force(self) -> None:
        f = self.in_force
        if f is None:
            return
        if "date" not in self.inputs:
            self.err(f, "'in_force' bounds the input 'date', which the spec does not declare")
        seen: set[str] = set()
        for u in f.unders:
            if self._reading_ref(u.reading) and u.reading.name in seen:
                self.err(u.reading, f"'in_force' states two dates under '{u.reading.name}'",
                         length=len(u.reading.name))
            seen.add(u.reading.name)

    def _check_notices(self) -> None:
        for name, n in self.notices.items():
            self.ec.check(n.condition, ir.Bool(), f"the condition of notice '{name}'")
            used: list = []
            self._names_in(n.condition, used)
            for kind, ref, node in used:
                if kind not in ("outcome", "group", "enum"):
                    self.err(node, f"notice '{name}' reads {kind} '{ref}': a notice's condition reads "
                                   "outcomes only (it is shown with the answer, from the decided outcomes)",
                             length=len(ref))
            if not n.meta("doc").strip():
                self.err(n.name, f"notice '{name}' has no 'doc': the doc is the text the answer shows",
                         length=len(name))

    def _check_examples(self) -> None:
        for name, ex in self.examples.items():
            if len(ex.under) > 1:
                self.err(ex.under[1], f"example '{name}' names two readings; an example runs under one",
                         length=len(ex.under[1].name))
            for rd in ex.under:
                self._reading_ref(rd)
            self._bindings(ex.given, self.inputs, "input", name)
            self._bindings(ex.expect, self.outcomes, "outcome", name)
            self._bindings(ex.params, self.params, "parameter", name)

    def _bindings(self, bindings: list[ast.Binding], table: dict, what: str, example: str) -> None:
        seen: set[str] = set()
        for b in bindings:
            target = b.target.name
            if target in seen:
                self.err(b.target, f"example '{example}' sets {what} '{target}' twice", length=len(target))
            seen.add(target)
            d = table.get(target)
            if d is None:
                self.err(b.target, f"undefined {what} '{target}'", did_you_mean(target, table), len(target))
                continue
            t = self.decl_types[id(d)]
            if t is None:
                continue
            if self.ec.check_literal(b.value, t, f"the value of {what} '{target}'") is None:
                continue
            low = getattr(d, "minimum", None)
            if low is not None and isinstance(b.value, ast.NumberLit) and b.value.value < low.value:
                self.err(b.value, f"the value of {what} '{target}', {b.value.text}, is below its minimum {low.text}",
                         length=len(b.value.text))

    # -------------------------------------------------------------- dependencies and unused names
    def _names_in(self, e, out: list) -> None:
        """(kind, name, node) of every name an expression uses."""
        if isinstance(e, ast.Name):
            kind = self.ec.refs.get(id(e))
            if kind:
                out.append((kind, e.path, e))
            return
        for child in _children(e):
            self._names_in(child, out)

    def _check_dependencies(self) -> None:
        graph: dict[tuple, list] = {}
        where: dict[tuple, dict[tuple, ast.Node]] = {}

        def add(src: tuple, exprs) -> None:
            used: list = []
            for e in exprs:
                self._names_in(e, used)
            for kind, name, node in used:
                if kind in ("def", "outcome"):
                    dst = (kind, name)
                    graph.setdefault(src, []).append(dst)
                    where.setdefault(src, {}).setdefault(dst, node)

        for name, d in self.defs.items():
            add(("def", name), [d.body, *(u.value for u in d.unders)])
        for name, r in self.rules.items():
            add(("rule", name), [c.expr for c in r.conditions])
            for o in r.overrides:
                if o.name in self.rules:
                    # a rule fires only if the rules that override it do not
                    graph.setdefault(("rule", o.name), []).append(("rule", name))
                    where.setdefault(("rule", o.name), {}).setdefault(("rule", name), o)
            for c in r.conclusions:
                if c.target.name in self.outcomes:
                    graph.setdefault(("outcome", c.target.name), []).append(("rule", name))
                    where.setdefault(("outcome", c.target.name), {}).setdefault(("rule", name), c)
        for cycle in _cycles(graph):
            if all(kind == "rule" for kind, _ in cycle):
                continue  # a cycle of overrides alone: already reported as such
            node = where.get(cycle[0], {}).get(cycle[1])
            words = " -> ".join(f"{k} {n}" for k, n in cycle)
            pos_node = node if node is not None else self.defs.get(cycle[0][1]) or self.rules.get(cycle[0][1])
            self.err(pos_node, f"circular dependency: {words}",
                     length=len(node.path) if isinstance(node, ast.Name) else 1)

    def _check_unused(self) -> None:
        used = self.ec.used
        for name, d in self.defs.items():
            if ("def", name) not in used:
                self.r.warning(d.name.pos, f"definition '{name}' is never used", length=len(name))
        for name, d in self.params.items():
            if ("param", name) not in used:
                self.r.warning(d.name.pos, f"parameter '{name}' is never used", length=len(name))


def _children(e) -> list:
    if isinstance(e, ast.SetLit):
        return list(e.items)
    if isinstance(e, ast.IfThenElse):
        return [e.cond, e.then, e.orelse]
    if isinstance(e, ast.ImpliesExpr):
        return [e.premise, e.conclusion]
    if isinstance(e, (ast.BoolOp, ast.Compare, ast.ArithExpr)):
        return [e.left, e.right]
    if isinstance(e, ast.NotExpr):
        return [e.arg]
    if isinstance(e, ast.Membership):
        return [e.element, e.collection]
    if isinstance(e, ast.MinMaxExpr):
        return list(e.args)
    return []


def _cycles(graph: dict) -> list[list]:
    """One representative cycle per strongly connected component with a cycle (path closed)."""
    index: dict = {}
    low: dict = {}
    on: set = set()
    stack: list = []
    comps: list[list] = []
    counter = [0]
    nodes = list(dict.fromkeys([*graph, *(d for ds in graph.values() for d in ds)]))

    def strong(v) -> None:
        # iterative Tarjan (specs can have long dependency chains)
        work = [(v, iter(graph.get(v, ())))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        while work:
            node, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(graph.get(w, ()))))
                    advanced = True
                    break
                elif w in on:
                    low[node] = min(low[node], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                comps.append(comp)

    for v in nodes:
        if v not in index:
            strong(v)
    out = []
    for comp in comps:
        members = set(comp)
        if len(comp) == 1 and comp[0] not in graph.get(comp[0], ()):
            continue
        # walk from the smallest member back to itself inside the component
        start = min(comp, key=str)
        path = [start]
        seen = {start}
        cur = start
        while True:
            succ = [w for w in graph.get(cur, ()) if w in members]
            if start in succ:
                path.append(start)
                break
            nxt = next((w for w in succ if w not in seen), None)
            if nxt is None:  # dead end inside the component: fall back to a BFS path
                path = _bfs_cycle(graph, start, members)
                break
            path.append(nxt)
            seen.add(nxt)
            cur = nxt
        out.append(path)
    return out


def _bfs_cycle(graph: dict, start, members: set) -> list:
    from collections import deque
    prev = {start: None}
    q = deque([start])
    while q:
        cur = q.popleft()
        for w in graph.get(cur, ()):
            if w not in members:
                continue
            if w == start:
                path = [cur]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]
            if w not in prev:
                prev[w] = cur
                q.append(w)
    return [start, start]
