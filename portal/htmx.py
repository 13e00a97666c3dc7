"""Render a whole page or only its fragment, depending on who asked."""

from __future__ import annotations

from flask import Response, make_response, render_template, request
from htmx_flask import Htmx

htmx = Htmx()


def is_htmx() -> bool:
    """Say whether this request came from htmx (and not from a history restore)."""
    htmx_headers = getattr(request, "htmx", None)
    return bool(htmx_headers) and not htmx_headers.history_restore_request


def render_page_or_fragment(
    page: str, fragment: str, status: int = 200, trigger: str | None = None, **context
) -> Response:
    """Render ``fragment`` for htmx requests and ``page`` (which includes it) otherwise."""
    template = fragment if is_htmx() else page
    response = make_response(render_template(template, **context), status)
    response.headers.add("Vary", "HX-Request")
    if trigger and is_htmx():
        response.headers["HX-Trigger"] = trigger
    return response
