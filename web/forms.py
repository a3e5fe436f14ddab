"""The Ask form, built from the spec's input declarations, and read back into a JSON transaction.

Each input becomes one field: its doc is the help text, an enum a choice list, a country a text
box searching the spec's countries by name or code, a date a date picker, a number a text box
(exact: `26900000`, `26_900_000` and `4800.5` all read exactly). An empty field keeps the
input's default; `?` (or "unknown" in a list) says the fact is not known. The form is read back
into the nested JSON object `earl ask` reads, so a wrong value gets the command line's message.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .. import ir
from ..ir.values import UNKNOWN, format_fraction, render_value
from ..solver.transaction import nested_paths

UNKNOWN_MARK = "?"
_CODE_IN_LABEL = re.compile(r"\(([A-Za-z]{2})\)\s*$")


@dataclass(frozen=True)
class Field:
    path: str
    kind: str                                # bool, number, date, country, enum
    doc: str
    default: str                             # the default, as the user reads it
    choices: tuple[tuple[str, str], ...] = ()
    value: str = ""                          # the value given (as typed), "" = the default

    @property
    def name(self) -> str:
        return f"f.{self.path}"


def _kind(t: ir.Type) -> str:
    return {ir.Bool: "bool", ir.Num: "number", ir.Date: "date", ir.Country: "country",
            ir.Enum: "enum"}[type(t)]


def _default_text(spec: ir.Spec, decl: ir.InputDecl) -> str:
    if isinstance(decl.default, ir.InputRef):
        return f"the same as {decl.default.path}"
    return render_value(decl.default.value)


def country_text(text: str) -> str:
    """What a country box holds, as `parse_value` reads it: "France (FR)" (a list entry) gives FR;
    anything else (a code, a name, a mistake) is passed on as typed."""
    m = _CODE_IN_LABEL.search(text)
    return m.group(1).upper() if m else text


def country_label(spec: ir.Spec, code: str) -> str:
    return f"{spec.countries[code].name} ({code})"


def _shown(spec: ir.Spec, t: ir.Type, v: Any) -> str:
    """A value as a form field holds it: what a user would type (numbers without thousands
    separators), a country by name and code."""
    if v is UNKNOWN:
        return UNKNOWN_MARK
    if isinstance(t, ir.Country):
        return country_label(spec, v)
    if isinstance(t, ir.Num):
        return str(format_fraction(v))
    return render_value(v)


def form_fields(spec: ir.Spec, given: dict[str, Any]) -> list[tuple[str, list[Field]]]:
    """Sections (by the first part of the input's path) of fields, filled with `given`."""
    sections: dict[str, list[Field]] = {}
    for path, decl in spec.inputs.items():
        t = decl.type
        choices: tuple[tuple[str, str], ...] = ()
        if isinstance(t, ir.Bool):
            choices = (("true", "yes"), ("false", "no"))
        elif isinstance(t, ir.Enum):
            choices = tuple((m, m) for m in spec.enums[t.name].members)
            if t.optional:
                choices += (("none", "none"),)
        value = _shown(spec, t, given[path]) if path in given else ""
        section = path.split(".")[0] if "." in path else "transaction"
        sections.setdefault(section, []).append(
            Field(path, _kind(t), decl.doc, _default_text(spec, decl), choices, value))
    return list(sections.items())


def given_from_form(spec: ir.Spec, form) -> dict:
    """The nested JSON transaction the form's filled fields say (empty fields left out)."""
    flat: dict = {}
    for path, decl in spec.inputs.items():
        raw = (form.get(f"f.{path}") or "").strip()
        if not raw:
            continue
        t = decl.type
        value: Any = raw
        if raw == UNKNOWN_MARK:
            value = None
        elif isinstance(t, ir.Bool) and raw in ("true", "false"):
            value = raw == "true"
        elif isinstance(t, ir.Enum) and t.optional and raw == "none":
            value = None
        elif isinstance(t, ir.Country):
            value = country_text(raw)
        flat[path] = value
    return nested_paths(flat)
