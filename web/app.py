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

from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import pages
from .workbench import MAX_BODY_BYTES, MAX_QUERY_BYTES, BadRequest, Workbench, tx_link


def create_app(spec, *, timeout_s: float = 10.0) -> Starlette:
    """The ASGI application for `spec` (a loaded, checked ir.Spec)."""
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


__all__ = ["create_app"]
