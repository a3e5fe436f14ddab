"""Typing expressions: `ExprChecker` types one expression against a `Scope`.

String literals and literal sets have no type of their own: they are resolved against the type
expected where they stand (an enum member, a country code), so `destination == "FR"` and
`activity in {"export"}` check the string against the other operand's type.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass
from fractions import Fraction
from typing import Optional

from ... import ir
from ...ir.limits import NumberBeyondLimits, check_value
from .. import ast
from ..diagnostics import Reporter, did_you_mean
from .scope import Scope
from .types import COUNTRY_SET, ORDER_OPS, article as _a, assignable, is_contextual, same_kind, type_str


def _len(e) -> int:
    if isinstance(e, ast.Name):
        return len(e.path)
    if isinstance(e, ast.StringLit):
        return len(e.value) + 2
    return 1


_ARITH = {"+": operator.add, "-": operator.sub, "*": operator.mul}


@dataclass(frozen=True)
class Reader:
    """What an expression belongs to (`rule 'x'`) and the readings under which it is evaluated:
    an `applies(R)` / `fires(R)` in it needs rule R under every one of them."""
    what: str
    readings: frozenset[str]


class ExprChecker:
    """Types expressions; records `types[id(node)]` and `refs[id(node)]` (the kind of a name:
    input, param, def, outcome or group; of a rule test: applies or fires)."""

    def __init__(self, scope: Scope, reporter: Reporter):
        self.scope = scope
        self.reporter = reporter
        self.reader: Optional[Reader] = None  # set by the caller before each expression
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
        if isinstance(e, ast.Implies):
            a = self.check(e.premise, ir.Bool(), "the premise of 'implies'")
            b = self.check(e.conclusion, ir.Bool(), "the conclusion of 'implies'")
            return ir.Bool() if a and b else None
        if isinstance(e, ast.BoolOp):
            a = self.check(e.left, ir.Bool(), f"the left operand of '{e.op}'")
            b = self.check(e.right, ir.Bool(), f"the right operand of '{e.op}'")
            return ir.Bool() if a and b else None
        if isinstance(e, ast.Negation):
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
        if isinstance(e, ast.RuleTest):
            return self._rule_test(e)
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

    def _rule_test(self, e: ast.RuleTest):
        name = e.rule.name
        exists_under = self.scope.rules.get(name)
        if exists_under is None:
            self.reporter.error(e.rule.pos, f"undefined rule '{name}'", did_you_mean(name, self.scope.rules),
                                len(name))
            return None
        missing = self.reader.readings - exists_under if self.reader is not None else frozenset()
        if missing:
            listed = ", ".join(sorted(missing))
            self.reporter.error(e.rule.pos, f"{self.reader.what} reads {e.test}({name}), but rule '{name}' does "
                                            f"not exist under {listed}",
                                f"name only rules that exist wherever the reader does (limit the reader "
                                f"with 'except under {listed}', or the rule's 'except under' / 'only under')",
                                len(name))
            return None
        self.refs[id(e)] = e.test
        return ir.Bool()

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

