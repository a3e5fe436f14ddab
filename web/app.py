"""The lawyer's workbench: a local web application over one spec (`earl serve`).

Server-rendered pages (Starlette + Jinja2, no JavaScript): Ask (a form built from the spec's
input declarations, or a JSON editor), the answer with its explanation, Readings side by side,
What would change it, Find, Dates, a printable Memo and The rule (a literate view of the spec);
and a JSON API (`POST /api/ask`, `/api/whatif`, `/api/find`) that answers exactly what the
command line prints with `--json`.

Everything a page shows comes from the engines the command line uses (explain.determine,
unknowns.settle, prove.satisfiable, whatif.nearest/timeline); this module only renders.

Safe by default: the spec is read once at start and no other file is ever opened (static files
come from this package); request bodies and query strings are size-limited; every solver call
runs under a time limit (an answer the solver could not give is shown as unknown) and one at a
time (z3 contexts are shared); Jinja2 escapes every value; bad input is a 4xx page or JSON error
with the message the command line gives, never a traceback.
"""
from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

MAX_BODY_BYTES = 256 * 1024
MAX_QUERY_BYTES = 32 * 1024


class BadRequest(Exception):
    """Input the user can fix: shown as a 4xx with `message` (and `detail`, preformatted)."""

    def __init__(self, message: str, *, status: int = 400, detail: str = ""):
        super().__init__(message)
        self.message, self.status, self.detail = message, status, detail


class Workbench:
    """The spec, its renderings and the engines, shared by every request."""

    def __init__(self, spec, *, timeout_s: float = 10.0):
        self.spec = spec
        self.timeout_ms = max(1, int(timeout_s * 1000))
        self.solver_lock = threading.Lock()
        self._models: dict = {}
        self._provisions = None
        self.env = Environment(loader=PackageLoader("earl.web", "templates"),
                               autoescape=select_autoescape(default=True, default_for_string=True))
        from ..ir.values import render_value
        self.env.filters["value"] = render_value
        self.env.filters["jv"] = json_value
        self.env.filters["fact"] = self.fact
        from ..commands.groups import period_text
        self.env.filters["period"] = lambda p: period_text(*p)
        self.env.globals["spec"] = spec

    def fact(self, value: Any, name: str) -> str:
        """A fact's JSON value as a reader wants it: a country input by name and code."""
        from .. import ir
        from .forms import country_label
        decl = self.spec.inputs.get(name)
        if decl is not None and isinstance(decl.type, ir.Country) and value in self.spec.countries:
            return country_label(self.spec, value)
        return json_value(value)

    # ------------------------------------------------------------------ reading the request
    def reading(self, request: Request) -> str:
        name = request.query_params.get("reading") or self.spec.default_reading
        if name not in self.spec.readings:
            raise BadRequest(f"no reading named {name!r}; readings: {', '.join(self.spec.readings)}")
        return name

    def given(self, text: str) -> dict:
        from ..solver.transaction import TransactionError, parse_json
        try:
            return parse_json(self.spec, text)
        except TransactionError as e:
            raise BadRequest(str(e)) from None

    def condition(self, text: str):
        from ..parser import SpecError, parse_expression
        if not text.strip():
            raise BadRequest("write a condition, e.g. one of the examples")
        try:
            return parse_expression(self.spec, text)
        except SpecError as e:
            raise BadRequest("the condition is not well-formed", detail=e.render()) from None

    def model(self, reading: str):
        """The reading's model, kept: the engines cache their compilations on it."""
        from .. import ir
        if reading not in self._models:
            self._models[reading] = ir.resolve(self.spec, reading)
        return self._models[reading]

    def provisions(self):
        """`earl provisions`' rows and problems, computed once (every example is evaluated)."""
        if self._provisions is None:
            from ..commands.provisions import provision_rows
            self._provisions = provision_rows(self.spec)
        return self._provisions

    async def solve(self, fn, *args, **kwargs):
        """A solver call off the event loop, one at a time."""
        def locked():
            with self.solver_lock:
                return fn(*args, **kwargs)
        return await run_in_threadpool(locked)

    # ------------------------------------------------------------------ answers (the CLI's JSON)
    def ask_json(self, given: dict, reading: str) -> dict:
        """What `earl ask --json` prints for this transaction."""
        from ..solver import evaluate
        from ..solver.explain import determine, in_force, not_in_force
        from ..ir.values import UNKNOWN
        from ..solver.transaction import complete
        model = self.model(reading)
        tx = complete(self.spec, given)
        outside = not_in_force(model, tx)
        if outside is not None:
            return outside.to_json()
        if any(v is UNKNOWN for v in tx.values()):
            from ..commands.ask import settle_json
            from ..solver.smt.unknowns import settle
            unknown = tuple(p for p, v in given.items() if v is UNKNOWN)
            return settle_json(model, settle(model, given, timeout_ms=self.timeout_ms), unknown,
                                in_force(model, tx))
        return determine(model, tx, evaluate.run(model, tx), given=given).to_json()

    def readings_json(self, given: dict) -> dict:
        """What `earl ask --all-readings --json` prints."""
        from ..solver.explain import all_readings, all_readings_json
        from ..ir.values import UNKNOWN
        from ..solver.transaction import complete
        unknown = [p for p, v in complete(self.spec, given).items() if v is UNKNOWN]
        if unknown:
            raise BadRequest(f"comparing readings needs every fact known; unknown: {', '.join(unknown)}")
        return all_readings_json(*all_readings(self.spec, given, model_for=self.model))

    def whatif_json(self, given: dict, condition: str, reading: str) -> dict:
        from ..commands.whatif import whatif_answer
        from ..solver.transaction import TransactionError
        expr = self.condition(condition)
        try:
            return whatif_answer(self.model(reading), condition, expr, given, timeout_ms=self.timeout_ms)
        except TransactionError as e:
            raise BadRequest(str(e)) from None

    def find_json(self, condition: str, reading: str) -> dict:
        """What `earl find --json` prints."""
        from ..commands.find import _found
        from ..solver.smt.prove import satisfiable
        from ..solver.results import Instance, Proof
        expr = self.condition(condition)
        model = self.model(reading)
        result = satisfiable(model, expr, timeout_ms=self.timeout_ms)
        if isinstance(result, Instance):
            return _found(model, condition, result)["json"]
        if isinstance(result, Proof):
            return {"condition": condition, "reading": model.reading, "result": "none", "proved": True,
                    "params": {}, "relies_on": [{"rule": r, "title": model.rules[r].title,
                                                  "cite": model.rules[r].cite}
                                                 for r in result.core if r in model.rules]}
        return {"condition": condition, "reading": model.reading, "result": "unknown",
                "reason": result.reason}

    # ------------------------------------------------------------------ rendering
    def page(self, name: str, status: int = 200, **context) -> HTMLResponse:
        return HTMLResponse(self.env.get_template(name).render(**context), status_code=status)


def json_value(v: Any) -> str:
    """A value of the CLI's JSON as the text answer writes it (true, none, {a, b})."""
    if v is True or v is False:
        return "true" if v else "false"
    if v is None:
        return "none"
    if isinstance(v, list):
        return "{" + ", ".join(map(str, v)) + "}"
    return str(v)


def tx_link(path: str, tx_json: Any, **params) -> str:
    """A link carrying the transaction (as compact JSON) and other query parameters."""
    query = {"tx": json.dumps(tx_json, ensure_ascii=False, separators=(",", ":")), **params}
    return f"{path}?{urlencode({k: v for k, v in query.items() if v not in (None, '')})}"


def create_app(spec, *, timeout_s: float = 10.0) -> Starlette:
    """The ASGI application for `spec` (a loaded, checked ir.Spec)."""
    from . import pages
    wb = Workbench(spec, timeout_s=timeout_s)
    wb.env.globals["tx_link"] = tx_link

    def endpoint(handler):
        async def run(request: Request) -> Response:
            if len(request.url.query.encode()) > MAX_QUERY_BYTES:
                return _error(wb, request, BadRequest("the request is too long", status=414))
            length = request.headers.get("content-length")
            if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
                return _error(wb, request, BadRequest(
                    f"the request body is over {MAX_BODY_BYTES // 1024} KiB", status=413))
            try:
                return await handler(wb, request)
            except BadRequest as e:
                return _error(wb, request, e)
        return run

    routes = [Route(path, endpoint(h), methods=methods) for path, h, methods in pages.ROUTES]
    static = Path(__file__).parent / "static"
    routes.append(Mount("/static", app=StaticFiles(directory=static), name="static"))
    app = Starlette(routes=routes, exception_handlers={Exception: _internal(wb), 404: _not_found(wb)})
    app.state.workbench = wb
    return app


async def read_body(request: Request) -> bytes:
    """The body, refused past the size limit even when no Content-Length was sent."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BadRequest(f"the request body is over {MAX_BODY_BYTES // 1024} KiB", status=413)
        chunks.append(chunk)
    return b"".join(chunks)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(wb: Workbench, request: Request, e: BadRequest) -> Response:
    if _wants_json(request):
        body = {"error": e.message}
        if e.detail:
            body["detail"] = e.detail
        return JSONResponse(body, status_code=e.status)
    return wb.page("error.html", status=e.status, message=e.message, detail=e.detail)


def _internal(wb: Workbench):
    async def handler(request: Request, exc: Exception) -> Response:
        message = f"internal error: {type(exc).__name__} (the answer could not be computed)"
        if _wants_json(request):
            return JSONResponse({"error": message}, status_code=500)
        return wb.page("error.html", status=500, message=message, detail="")
    return handler


def _not_found(wb: Workbench):
    async def handler(request: Request, exc: Exception) -> Response:
        if _wants_json(request):
            return JSONResponse({"error": "no such page"}, status_code=404)
        return wb.page("error.html", status=404, message="no such page", detail="")
    return handler


__all__ = ["create_app", "Workbench", "BadRequest", "read_body", "tx_link"]
