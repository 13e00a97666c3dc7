"""Logs a person can be traced through: a request id on every request, and one line per log
record, JSON by default (``LOG_FORMAT=json|text``; text in development).

Each request takes the ``X-Request-ID`` a trusted proxy sent when it is a safe token, or a new
one; the id goes back in the response's ``X-Request-ID`` header, into every log line written
while the request runs, and onto the 500 and 503 pages, so a reference someone quotes finds
their request in the logs. One access line per request says who asked what and how it went:
method, path (with any token in it masked), status, time taken, and the kind and id of the
signed-in person. Never the query string, form fields, cookies or passwords.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import sys
import time
from datetime import UTC, datetime

from flask import Flask, current_app, g, has_request_context, request

from portal.security import is_development

REQUEST_ID_HEADER = "X-Request-ID"
# An id we take from a proxy: letters, digits and - _ . only, so it cannot break a log line,
# a header or a page.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,99}")
# Parts of a path that are secrets (a reset link's token, an activation code): masked in logs.
SECRET_ARGUMENTS = ("token", "code", "key", "secret")
# SQLAlchemy puts the statement's values in its error messages: they can hold what people typed.
SQL_PARAMETERS = re.compile(r"\[parameters: .*?\]\n?", re.S)
ACCESS_LOGGER = "portal.access"
TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"

_configured_format: str | None = None


def request_id() -> str:
    """This request's id ("" outside a request, or before one is given)."""
    if has_request_context():
        return g.get("request_id", "")
    return ""


def _stamp_request_ids() -> None:
    """Give every log record, from any logger, the id of the request it was written in (the
    record factory runs where the record is made, so any handler, pytest's too, sees it)."""
    make_record = logging.getLogRecordFactory()
    if getattr(make_record, "stamps_request_ids", False):
        return

    def stamped(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        record.request_id = request_id()
        return record

    stamped.stamps_request_ids = True
    logging.setLogRecordFactory(stamped)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and the access
    fields (method, path, status, duration_ms, user_kind, user_id) when a record has them."""

    FIELDS = ("method", "path", "status", "duration_ms", "user_kind", "user_id")

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": _scrub(record.getMessage()),
            "request_id": getattr(record, "request_id", "") or request_id(),
        }
        for field in self.FIELDS:
            if hasattr(record, field):
                line[field] = getattr(record, field)
        if record.exc_info:
            line["exception"] = _scrub(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        record.request_id = getattr(record, "request_id", "") or request_id() or "-"
        return _scrub(super().format(record))


def _scrub(text: str) -> str:
    return SQL_PARAMETERS.sub("[parameters hidden]\n", text)


def log_format(app: Flask) -> str:
    """``json`` or ``text``: LOG_FORMAT if set, else text in development and json elsewhere."""
    chosen = (app.config.get("LOG_FORMAT") or os.environ.get("LOG_FORMAT", "")).strip().lower()
    if chosen in ("json", "text"):
        return chosen
    return "text" if is_development(app) else "json"


def configure_logging(app: Flask) -> None:
    """Send every logger's records to standard error in the chosen format, once per process."""
    global _configured_format
    from flask.logging import default_handler

    _stamp_request_ids()

    # Flask's own handler would print each of the app's records a second time, unformatted.
    logging.getLogger(app.name).removeHandler(default_handler)
    chosen = log_format(app)
    if _configured_format == chosen:
        return
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "portal_handler", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.portal_handler = True
    handler.setFormatter(JsonFormatter() if chosen == "json" else TextFormatter())
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    # Alembic notes each plugin it loads: noise in a log that /readyz would otherwise fill.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    _configured_format = chosen


def init_app(app: Flask) -> None:
    """Configure logging, and give every request an id and an access log line."""
    # Off (PORTAL_TRUST_REQUEST_ID=0) when nothing in front of the portal sets X-Request-ID.
    app.config.setdefault("TRUST_REQUEST_ID", os.environ.get("PORTAL_TRUST_REQUEST_ID") != "0")
    configure_logging(app)
    # First of the before-request hooks, so even a request refused by the others has its id.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
    app.teardown_request(_log_request)


def _start() -> None:
    g.request_id = _incoming_id() or secrets.token_hex(8)
    g.request_started = time.perf_counter()


def _incoming_id() -> str | None:
    if not current_app.config.get("TRUST_REQUEST_ID"):
        return None
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    return offered if SAFE_REQUEST_ID.fullmatch(offered) else None


def _finish(response):
    if "request_id" not in g:  # a response made before our hook ran (another hook's abort)
        _start()
    response.headers[REQUEST_ID_HEADER] = g.request_id
    # The access line is written at teardown, once the response is final: an error while
    # finishing a response makes Flask finish another (the error page) and call this again.
    g.response_status = response.status_code
    return response


def _log_request(error: BaseException | None) -> None:
    """One access line per request, whatever happened to it."""
    if "request_id" not in g:
        return
    try:
        kind, user_id = signed_in()
        path = logged_path()
        status = g.get("response_status", 500)
        logging.getLogger(ACCESS_LOGGER).info(
            "%s %s %s",
            request.method,
            path,
            status,
            extra={
                "method": request.method,
                "path": path,
                "status": status,
                "duration_ms": round((time.perf_counter() - g.request_started) * 1000, 1),
                "user_kind": kind,
                "user_id": user_id,
            },
        )
    except Exception:  # a log line must never break a request
        logging.getLogger(__name__).exception("could not write the access log line")


def logged_path() -> str:
    """The request's path with the values of secret path arguments masked."""
    path = request.path
    for name, value in (request.view_args or {}).items():
        if any(word in name.lower() for word in SECRET_ARGUMENTS) and str(value):
            path = path.replace(str(value), "[hidden]")
    return path


def signed_in() -> tuple[str, int | None]:
    """("staff" | "customer" | "anonymous", id) of whoever this request has loaded already.

    Reads only what Flask-Login has loaded, and only the object's identity: logging never
    loads a user or touches the database (it may be the database that failed).
    """
    user = g.get("failed_user") or g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return "anonymous", None
    from sqlalchemy import inspect

    try:
        identity = inspect(user).identity
    except Exception:  # not a mapped object
        identity = None
    kind = "staff" if getattr(type(user), "is_staff", False) is True else "customer"
    return kind, identity[0] if identity else None
