"""The workbench's pages and JSON API: each handler reads the request, asks the engines (through
the Workbench) and renders a template. A transaction travels between pages as JSON in the `tx`
query parameter, so every answer is a link that can be bookmarked or printed."""
from __future__ import annotations

import dataclasses
import datetime
import json

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse

from .. import ir
from ..commands.groups import country_periods, members_on, parse_country
from ..ir.values import UNKNOWN
from ..solver.explain import render_conclusion, render_expr
from ..solver.transaction import TransactionError, complete, parse_json, parse_value, to_json
from ..solver.whatif import date_inputs, timeline
from .forms import country_label, country_text, form_fields, given_from_form
from .workbench import BadRequest, Workbench, read_body, tx_link


def _tx_text(request: Request) -> str:
    return request.query_params.get("tx") or "{}"


def _canonical(wb: Workbench, given: dict) -> dict:
    return to_json(wb.spec, given)


def _pretty(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2)


def _suggestions(wb: Workbench, outcomes: dict) -> list[str]:
    """Conditions a user may ask about: each outcome other than it is now (from the spec's types)."""
    out = []
    for name, decl in wb.spec.outcomes.items():
        t, now = decl.type, outcomes.get(name)
        if isinstance(t, ir.Bool):
            out.append(name if now is not True else f"not {name}")
        elif isinstance(t, ir.SetOf):
            out += [f'"{m}" in {name}' for m in wb.spec.enums[t.enum].members if m not in (now or ())]
        elif isinstance(t, ir.Enum):
            out += [f'{name} == "{m}"' for m in wb.spec.enums[t.name].members if m != now]
    return out


# ---------------------------------------------------------------------------- Ask

async def ask_form(wb: Workbench, request: Request):
    given = wb.given(_tx_text(request))
    return wb.page("ask.html", sections=form_fields(wb.spec, given), reading=wb.reading(request),
                   tx_json=_pretty(_canonical(wb, given)), countries=wb.spec.countries.values(),
                   error=None, detail="")


async def ask_submit(wb: Workbench, request: Request):
    form = await request.form()
    reading = form.get("reading") or wb.spec.default_reading
    if reading not in wb.spec.readings:
        raise BadRequest(f"no reading named {reading!r}; readings: {', '.join(wb.spec.readings)}")
    if form.get("mode") == "json":
        raw, tx_json = form.get("json") or "{}", form.get("json") or "{}"
    else:
        raw = given_from_form(wb.spec, form)
        tx_json = _pretty(raw)
    try:
        given = parse_json(wb.spec, raw)
    except TransactionError as e:
        sections = form_fields(wb.spec, {})
        return wb.page("ask.html", status=400, sections=_refill(sections, form), reading=reading,
                       tx_json=tx_json, countries=wb.spec.countries.values(), error=str(e),
                       error_path=e.path, detail="")
    return RedirectResponse(tx_link("/answer", _canonical(wb, given), reading=reading), status_code=303)


def _refill(sections, form):
    """The sections with what the user typed (so a mistake is fixed, not retyped)."""
    return [(name, [dataclasses.replace(f, value=(form.get(f.name) or "").strip()) for f in fields])
            for name, fields in sections]


async def answer(wb: Workbench, request: Request):
    given = wb.given(_tx_text(request))
    reading = wb.reading(request)
    js = await wb.solve(wb.ask_json, given, reading)
    tx = _canonical(wb, given)
    model = wb.model(reading)
    dependent = (await wb.solve(wb.readings_json, given))["reading_dependent"] if "outcomes" in js else []
    return wb.page("answer.html", answer=js, tx=tx, reading=reading, rules=model.rules, dependent=dependent,
                   suggestions=_suggestions(wb, _outcome_values(wb, js)), pretty=_pretty(tx))


def _outcome_values(wb: Workbench, js: dict) -> dict:
    return {k: (frozenset(v) if isinstance(v, list) else v) for k, v in js.get("outcomes", {}).items()}


# ---------------------------------------------------------------------------- Readings

async def readings(wb: Workbench, request: Request):
    given = wb.given(_tx_text(request))
    js = await wb.solve(wb.readings_json, given)
    return wb.page("readings.html", answer=js, tx=_canonical(wb, given), reading=wb.reading(request))


# ---------------------------------------------------------------------------- What if / Find

async def whatif(wb: Workbench, request: Request):
    given = wb.given(_tx_text(request))
    reading = wb.reading(request)
    condition = request.query_params.get("condition", "")
    tx = _canonical(wb, given)
    current = await wb.solve(wb.ask_json, given, reading)
    result = await wb.solve(wb.whatif_json, given, condition, reading) if condition else None
    return wb.page("whatif.html", tx=tx, reading=reading, condition=condition, result=result,
                   suggestions=_suggestions(wb, _outcome_values(wb, current)))


def _find_examples(wb: Workbench) -> list[tuple[str, str]]:
    """(condition, what it asks): a counterexample to each property of the spec."""
    return [(f"not ({render_expr(p.body)})", f"a transaction breaking “{p.title}” [{p.cite}]")
            for p in wb.spec.properties.values()]


async def find(wb: Workbench, request: Request):
    reading = wb.reading(request)
    condition = request.query_params.get("condition", "")
    result = await wb.solve(wb.find_json, condition, reading) if condition else None
    return wb.page("find.html", reading=reading, condition=condition, result=result,
                   examples=_find_examples(wb), suggestions=_suggestions(wb, {}))


# ---------------------------------------------------------------------------- Dates / groups

async def dates(wb: Workbench, request: Request):
    given = wb.given(_tx_text(request))
    reading = wb.reading(request)
    tx = complete(wb.spec, given)
    if any(v is UNKNOWN for v in tx.values()):
        raise BadRequest("the timeline needs every fact known; fill in the unknown ones first")
    model = wb.model(reading)
    lines = [await wb.solve(timeline, model, tx, d, timeout_ms=wb.timeout_ms) for d in date_inputs(wb.spec)]
    countries = sorted({v for p, v in tx.items() if isinstance(wb.spec.inputs[p].type, ir.Country)})
    periods = {c: country_periods(wb.spec, c) for c in countries}
    return wb.page("dates.html", tx=_canonical(wb, given), reading=reading, timelines=lines,
                   periods=periods, country_label=lambda c: country_label(wb.spec, c))


async def groups(wb: Workbench, request: Request):
    day_text = request.query_params.get("date", "")
    typed_country = request.query_params.get("country", "")
    try:
        day = parse_value(wb.spec, ir.Date(), day_text, "date") if day_text else datetime.date.today()
        code = parse_country(wb.spec, country_text(typed_country)) if typed_country else None
    except TransactionError as e:
        raise BadRequest(str(e)) from None
    return wb.page("groups.html", day=day, code=code, members=members_on(wb.spec, day),
                   periods=country_periods(wb.spec, code) if code else None,
                   countries=wb.spec.countries.values(), country_label=lambda c: country_label(wb.spec, c))


# ---------------------------------------------------------------------------- Memo / The rule

async def memo(wb: Workbench, request: Request):
    given = wb.given(_tx_text(request))
    reading = wb.reading(request)
    js = await wb.solve(wb.ask_json, given, reading)
    compared = None
    if "outcomes" in js:
        compared = await wb.solve(wb.readings_json, given)
    model = wb.model(reading)
    return wb.page("memo.html", answer=js, tx=_canonical(wb, given), reading=reading, rules=model.rules,
                   compared=compared, today=datetime.date.today())


async def rule(wb: Workbench, request: Request):
    rows, problems = await wb.solve(wb.provisions)
    by_file: dict[str, list] = {}
    for row in rows:
        r = wb.spec.rules[row.name]
        by_file.setdefault(r.pos.file.split("/")[-1], []).append((r, row))
    return wb.page("rule.html", by_file=by_file, problems=problems, render_expr=render_expr,
                   render_conclusion=render_conclusion)


# ---------------------------------------------------------------------------- JSON API

async def _json_body(request: Request):
    body = await read_body(request)
    try:
        return json.loads(body.decode("utf-8") or "null")
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise BadRequest(f"$: malformed JSON: {e}") from None


async def api_ask(wb: Workbench, request: Request):
    """POST a transaction: `earl ask --json`'s answer (`?all_readings=1`: `--all-readings`)."""
    body = (await read_body(request)).decode("utf-8", "replace")
    given = wb.given(body)
    if request.query_params.get("all_readings") in ("1", "true", "yes"):
        return JSONResponse(await wb.solve(wb.readings_json, given))
    return JSONResponse(await wb.solve(wb.ask_json, given, wb.reading(request)))


async def api_whatif(wb: Workbench, request: Request):
    """POST {"transaction": {...}, "condition": "..."}: `earl whatif --json`'s answer."""
    body = await _json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("condition"), str):
        raise BadRequest('expected {"transaction": {...}, "condition": "..."}')
    given = wb.given(json.dumps(body.get("transaction", {})))
    return JSONResponse(await wb.solve(wb.whatif_json, given, body["condition"], wb.reading(request)))


async def api_find(wb: Workbench, request: Request):
    """POST {"condition": "..."}: `earl find --json`'s answer."""
    body = await _json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("condition"), str):
        raise BadRequest('expected {"condition": "..."}')
    return JSONResponse(await wb.solve(wb.find_json, body["condition"], wb.reading(request)))


ROUTES = [
    ("/", ask_form, ["GET"]),
    ("/ask", ask_submit, ["POST"]),
    ("/answer", answer, ["GET"]),
    ("/readings", readings, ["GET"]),
    ("/whatif", whatif, ["GET"]),
    ("/find", find, ["GET"]),
    ("/dates", dates, ["GET"]),
    ("/groups", groups, ["GET"]),
    ("/memo", memo, ["GET"]),
    ("/rule", rule, ["GET"]),
    ("/api/ask", api_ask, ["POST"]),
    ("/api/whatif", api_whatif, ["POST"]),
    ("/api/find", api_find, ["POST"]),
]
