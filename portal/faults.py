"""When the database fails: a clear page, nothing half-saved, and probes for a load balancer.

A database that cannot be reached, a statement or lock timeout (PostgreSQL's
``statement_timeout`` and ``lock_timeout``, SQLite's busy timeout: "database is locked") and a
connection lost mid-request give the person a 503 page in their language with
``Retry-After``, saying nothing was saved and to try again in a minute; the transaction is
rolled back. Any other database error is a bug and stays a 500. A lost connection makes the
pool discard all of its connections, and one left unused for a few seconds is checked before
use (``portal.db``), so once the database is back the next request works: no restart.

The timeouts come from ``DATABASE_LOCK_TIMEOUT`` and ``DATABASE_STATEMENT_TIMEOUT`` (seconds,
in the environment or the app's config).

``/healthz`` says the process is alive (no database); ``/readyz`` says whether the database
answers and its schema is at the newest migration. Neither needs a sign-in, sets a cookie or
may be kept by a cache.
"""

from __future__ import annotations

import logging
import sqlite3

from flask import Flask, current_app, g, jsonify, make_response, render_template, request
from flask.globals import request_ctx
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from werkzeug.exceptions import InternalServerError

from portal import db, logs, security

RETRY_AFTER_SECONDS = 30
# SQLite's words for a database that is busy, or cannot be opened or written just now.
SQLITE_FAULTS = {
    "database is locked": "busy",
    "database table is locked": "busy",
    "unable to open database file": "unreachable",
    "disk i/o error": "unreachable",
    "database or disk is full": "unreachable",
}
# PostgreSQL error classes that mean "not now" rather than "wrong": connection (08),
# insufficient resources (53), operator intervention incl. statement timeout (57), system
# error (58), serialization failure and deadlock (40); and lock_timeout's lock not available.
POSTGRES_TRANSIENT_CLASSES = ("08", "53", "57", "58", "40")
LOCK_NOT_AVAILABLE = "55P03"

log = logging.getLogger(__name__)


def database_fault(error: BaseException) -> str | None:
    """What kept the database from serving this request ("unreachable", "timeout", "busy"),
    or None when ``error`` is not such a fault (a bug, to be a 500)."""
    if isinstance(error, sa_exc.TimeoutError):  # every pooled connection in use
        return "busy"
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return "unreachable"
        if not isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
            return None
        error = error.orig
    sqlstate = getattr(error, "sqlstate", None)
    if sqlstate:
        if sqlstate == "57014" or sqlstate == LOCK_NOT_AVAILABLE:
            return "timeout"
        return "unreachable" if sqlstate[:2] in POSTGRES_TRANSIENT_CLASSES else None
    if isinstance(error, sqlite3.OperationalError):
        message = str(error).lower()
        return next((kind for words, kind in SQLITE_FAULTS.items() if words in message), None)
    if _is_psycopg_error(error):
        # No SQLSTATE: the server never answered (refused, closed, timed out connecting).
        return "unreachable"
    return None


def _is_psycopg_error(error: BaseException) -> bool:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - installed with the project
        return False
    return isinstance(error, psycopg.OperationalError | psycopg.InterfaceError)


def init_app(app: Flask) -> None:
    """Add the 503 page for database faults, the 500 page with a reference, and the probes."""
    handled: list[type[BaseException]] = [
        sa_exc.DBAPIError,
        sa_exc.TimeoutError,
        sqlite3.OperationalError,  # raised bare by the SQLite BEGIN IMMEDIATE hook
    ]
    try:
        import psycopg

        handled.append(psycopg.OperationalError)
    except ImportError:  # pragma: no cover
        pass
    for error_class in handled:
        app.register_error_handler(error_class, _database_error)
    app.register_error_handler(InternalServerError, _server_error)
    app.add_url_rule("/healthz", "healthz", healthz)
    app.add_url_rule("/readyz", "readyz", readyz)


def _database_error(error: BaseException):
    reason = database_fault(error)
    if reason is None:
        raise error  # a bug: Flask's 500 handling takes over
    return unavailable(error, reason)


def _server_error(error: InternalServerError):
    """The 500 page, or the 503 page when the error began as a database fault (one raised
    after the view, while the response was being finished)."""
    original = getattr(error, "original_exception", None)
    reason = database_fault(original) if original is not None else None
    if reason is not None:
        return unavailable(original, reason)
    _forget_user()
    response = make_response(render_template("errors/500.html", reference=logs.request_id()), 500)
    response.headers["Cache-Control"] = "no-store"
    return response


def unavailable(error: BaseException, reason: str):
    """Roll back, log, and answer 503 with Retry-After and the page."""
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; rolling back failed with it
        db.session.remove()
    _forget_user()
    # A timeout's traceback shows the statement that waited; "unreachable" needs one line
    # (and while the database is down, every request writes it).
    log.warning(
        "database %s: %s answered 503 (%s)",
        reason,
        request.path,
        _summary(error),
        exc_info=error if reason != "unreachable" else None,
    )
    response = make_response(
        render_template(
            "errors/503.html", reference=logs.request_id(), home=security.home_for(request.path)
        ),
        503,
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def _summary(error: BaseException) -> str:
    """The driver's error in one line, e.g. "OperationalError: connection refused"."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else ''}"


def _forget_user() -> None:
    """Treat the rest of this request as signed out, so nothing (the page, the caching
    headers) loads the user from the database again; the sign-in itself is untouched, and
    the log line still says who it was."""
    from portal.extensions import login_manager

    user = g.get("_login_user")
    if user is not None and getattr(user, "is_authenticated", False):
        g.failed_user = user
    g._login_user = login_manager.anonymous_user()


def _quiet(response):
    """Make a probe's response: no cookie, no user loaded, never cached."""
    from portal.extensions import login_manager

    # A null session is neither read nor saved, so no Set-Cookie; and Flask-Login is told
    # the user now, so nothing loads one from the database.
    context = request_ctx._get_current_object()
    null = current_app.session_interface.make_null_session(current_app)
    try:
        context.session = null
    except AttributeError:  # Flask 3.1 keeps it behind a read-only property
        context._session = null
    g._login_user = login_manager.anonymous_user()
    response.headers["Cache-Control"] = "no-store"
    return response


def healthz():
    """The process is alive and answering (the database is not asked)."""
    response = make_response("ok\n", 200)
    response.mimetype = "text/plain"
    return _quiet(response)


def readyz():
    """200 when the database answers and its schema is at the newest migration, else 503;
    the JSON body says which."""
    body: dict = {"status": "ready", "database": "ok", "schema": "at head"}
    heads = _migration_heads()
    try:
        with current_app.extensions["engine"].connect() as connection:
            connection.execute(text("SELECT 1"))
            current = _current_revisions(connection)
    except Exception as error:  # whatever it is, the load balancer only needs "not ready"
        reason = database_fault(error) or "error"
        # One short line: a load balancer asks every few seconds.
        log.warning("readiness: database %s (%s)", reason, _summary(error))
        body.update(status="not ready", database=reason, schema="unknown")
    else:
        body.update(revision=sorted(current), head=sorted(heads))
        if current != heads:
            body.update(status="not ready", schema="behind" if current else "not migrated")
    response = _quiet(jsonify(body))
    if body["status"] != "ready":
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _migration_heads() -> set[str]:
    """The newest migration(s) in migrations/, read once per app."""
    heads = current_app.extensions.get("migration_heads")
    if heads is None:
        from alembic.script import ScriptDirectory

        from portal.config import BASE_DIR

        heads = set(ScriptDirectory(str(BASE_DIR / "migrations")).get_heads())
        current_app.extensions["migration_heads"] = heads
    return heads


def _current_revisions(connection) -> set[str]:
    from alembic.migration import MigrationContext

    return set(MigrationContext.configure(connection).get_current_heads())
