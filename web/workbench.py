"""The workbench's shared state and plumbing: the spec, its models and templates, the engines'
answers as the command line's JSON, request limits and errors the user can fix (`BadRequest`)."""
from __future__ import annotations

import json
import threading
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse

from .. import ir
from ..answers import settle_json
from ..commands.groups import period_text
from ..commands.whatif import whatif_answer
from ..ir.values import UNKNOWN, render_value
from ..parser import SpecError, parse_expression
from ..present.find import answer_json
from ..solver import eval as evaluate
from ..solver.find import find
from ..solver.provisions import provision_rows
from ..solver.explain import all_readings, all_readings_json, determine, in_force, not_in_force
from ..solver.transaction import TransactionError, complete, parse_json
from .forms import country_label

__all__ = ["Workbench", "BadRequest", "read_body", "tx_link", "json_value"]


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
        self.env.filters["value"] = render_value
        self.env.filters["jv"] = json_value
        self.env.filters["fact"] = self.fact
        self.env.filters["period"] = lambda p: period_text(*p)
        self.env.globals["spec"] = spec

    def fact(self, value: Any, name: str) -> str:
        """A fact's JSON value as a reader wants it: a country input by name and code."""
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
        try:
            return parse_json(self.spec, text)
        except TransactionError as e:
            raise BadRequest(str(e)) from None

    def condition(self, text: str):
        if not text.strip():
            raise BadRequest("write a condition, e.g. one of the examples")
        try:
            return parse_expression(self.spec, text)
        except SpecError as e:
            raise BadRequest("the condition is not well-formed", detail=e.render()) from None

    def model(self, reading: str):
        """The reading's model, kept: the engines cache their compilations on it."""
        if reading not in self._models:
            self._models[reading] = ir.resolve(self.spec, reading)
        return self._models[reading]

    def provisions(self):
        """`earl provisions`' rows and problems, computed once (every example is evaluated)."""
        if self._provisions is None:
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
        model = self.model(reading)
        tx = complete(self.spec, given)
        outside = not_in_force(model, tx)
        if outside is not None:
            return outside.to_json()
        if any(v is UNKNOWN for v in tx.values()):
            from ..solver.smt.unknowns import settle
            unknown = tuple(p for p, v in given.items() if v is UNKNOWN)
            return settle_json(model, settle(model, given, timeout_ms=self.timeout_ms), unknown,
                                in_force(model, tx))
        return determine(model, tx, evaluate.run(model, tx), given=given).to_json()

    def readings_json(self, given: dict) -> dict:
        """What `earl ask --all-readings --json` prints."""
        unknown = [p for p, v in complete(self.spec, given).items() if v is UNKNOWN]
        if unknown:
            raise BadRequest(f"comparing readings needs every fact known; unknown: {', '.join(unknown)}")
        return all_readings_json(*all_readings(self.spec, given, model_for=self.model))

    def whatif_json(self, given: dict, condition: str, reading: str) -> dict:
        expr = self.condition(condition)
        try:
            return whatif_answer(self.model(reading), condition, expr, given, timeout_ms=self.timeout_ms)
        except TransactionError as e:
            raise BadRequest(str(e)) from None

    def find_json(self, condition: str, reading: str) -> dict:
        """What `earl find --json` prints."""
        expr = self.condition(condition)
        model = self.model(reading)
        return answer_json(model, condition, find(model, expr, timeout_ms=self.timeout_ms), {})

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


async def read_body(request: Request) -> bytes:
    """The body, refused past the size limit even when no Content-Length was sent."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BadRequest(f"the request body is over {MAX_BODY_BYTES // 1024} KiB", status=413)
        chunks.append(chunk)
    return b"".join(chunks)
