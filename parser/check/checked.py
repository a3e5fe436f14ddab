"""`Checked`: the declarations of a spec by kind, with what the checks learn about them (the type
of every declaration and expression, what every name refers to). Each check module reads and
fills it; the lowering reads the result."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .. import ast, decls
from ..diagnostics import Reporter, did_you_mean
from .expressions import ExprChecker, Reader
from .scope import Scope


@dataclass
class Checked:
    files: list[decls.File]
    r: Reporter
    scope: Scope
    ec: ExprChecker
    readings: dict[str, decls.ReadingDecl] = field(default_factory=dict)
    enums: dict[str, decls.EnumDecl] = field(default_factory=dict)
    groups: dict[str, decls.GroupDecl] = field(default_factory=dict)
    inputs: dict[str, decls.InputDecl] = field(default_factory=dict)
    params: dict[str, decls.ParamDecl] = field(default_factory=dict)
    defs: dict[str, decls.DefDecl] = field(default_factory=dict)
    outcomes: dict[str, decls.OutcomeDecl] = field(default_factory=dict)
    rules: dict[str, decls.RuleDecl] = field(default_factory=dict)
    properties: dict[str, decls.PropertyDecl] = field(default_factory=dict)
    examples: dict[str, decls.ExampleDecl] = field(default_factory=dict)
    notices: dict[str, decls.NoticeDecl] = field(default_factory=dict)
    in_force: Optional[decls.InForceDecl] = None
    decl_types: dict[int, object] = field(default_factory=dict)  # id(decl) -> ir type of inputs/params/defs/outcomes

    @property
    def countries(self) -> dict[str, str]:
        return self.scope.countries

    @property
    def types(self) -> dict[int, object]:
        return self.ec.types

    @property
    def refs(self) -> dict[int, str]:
        return self.ec.refs

    def err(self, node, message: str, hint: str = "", length: int = 1) -> None:
        self.r.error(node.pos, message, hint, length)

    def reading_ref(self, ident: ast.Ident) -> bool:
        if ident.name not in self.readings:
            self.err(ident, f"undefined reading '{ident.name}'", did_you_mean(ident.name, self.readings),
                     len(ident.name))
            return False
        return True

    def reading_scope(self, d) -> None:
        """`only under` / `except under` of a rule or property: known readings, not both, and no
        `only under` naming the default reading. Readings are deltas from the default: what the
        default reading has, every reading has unless it says `except under`; so a reading added
        later never silently loses a rule (an `only under` listing readings would drop it there)."""
        for rd in d.only_under + d.except_under:
            self.reading_ref(rd)
        if d.only_under and d.except_under:
            self.err(d.except_under[0], f"{d.kind} '{d.name.name}' has both 'only under' and 'except under'",
                     "keep one: 'except under R' is 'only under' every other reading")
            return
        default = next((rd for rd in d.only_under if rd.name in self.readings
                        and self.readings[rd.name].is_default), None)
        if default is not None:
            listed = {rd.name for rd in d.only_under}
            others = [n for n in self.readings if n not in listed]
            hint = (f"write `except under {', '.join(others)}`" if others
                    else "drop 'only under': it lists every reading")
            self.err(default, f"{d.kind} '{d.name.name}' is 'only under' the default reading '{default.name}': "
                              "a reading added later would silently lose it", hint, len(default.name))

    def exists_under(self, d) -> frozenset[str]:
        """The readings a rule or property exists under (`only under` / `except under`)."""
        if d.only_under:
            return frozenset(x.name for x in d.only_under)
        return frozenset(self.readings) - {x.name for x in d.except_under}

    def check_expr(self, e, expected, what: str, reader: Reader):
        """Type `e` as part of `reader` (which says where an applies()/fires() in it is evaluated)."""
        self.ec.reader = reader
        return self.ec.check(e, expected, what)
