"""The API's routes, its bearer-token check and rate limit, and the log of every call."""

from __future__ import annotations

import hashlib
import json
import math
import time
from datetime import UTC, datetime
from functools import wraps

from flask import Response, current_app, g, request, url_for
from limits import parse
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from portal import db
from portal.api import bp, flags
from portal.api.models import FLAGS_READ
from portal.api.openapi import document
from portal.api.tokens import CONTROL, log_call, recognise
from portal.timeutil import london_date, utcnow

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
REALM = 'Bearer realm="housing-flags"'
HOUSING_REF_MAX = 40
MAX_ID = db.MAX_ID


def _json(body: dict, status: int = 200, **headers: str) -> Response:
    data = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    response = Response(data, status=status, mimetype="application/json")
    for name, value in headers.items():
        response.headers[name.replace("_", "-")] = value
    return response


def problem(status: int, code: str, message: str, **headers: str) -> Response:
    return _json({"error": code, "message": message}, status, **headers)


@bp.before_request
def _start() -> Response | None:
    g.api_token_id = None
    g.api_customers = 0
    if request.method not in ("GET", "HEAD"):
        return problem(405, "method_not_allowed", "This API only reads: use GET.", Allow="GET")
    return None


@bp.after_request
def _finish(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers.pop("Set-Cookie", None)
    response.headers.pop("Vary", None)
    try:
        # Nothing a call read is kept; its log row is written on its own.
        db.session.rollback()
        log_call(
            g.get("api_token_id"),
            utcnow(),
            request.method,
            request.full_path.rstrip("?"),
            response.status_code,
            g.get("api_customers", 0),
            request.remote_addr or "",
        )
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("The API call could not be logged")
    return response


@bp.errorhandler(Exception)
def _error(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        code = error.code or 500
        return problem(code, error.name.lower().replace(" ", "_"), error.description or "")
    if isinstance(error, DBAPIError):
        current_app.logger.exception("The database could not answer an API call")
        return problem(503, "unavailable", "Try again shortly.", Retry_After="30")
    current_app.logger.exception("An API call failed")
    return problem(500, "internal_error", "Something went wrong: it has been logged.")


def token_required(scope: str):
    """Answer only a call with a bearer token that is known, not revoked, within its rate
    limit and has ``scope``."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            refused = _check_token(scope)
            return refused if refused is not None else view(*args, **kwargs)

        return wrapped

    return decorator


def _over_limit(key: str) -> Response | None:
    """The 429 when ``key`` (a token, or an address sending no good token) has used up
    API_RATE_LIMIT; None while it has calls left (each check counts one)."""
    counts = current_app.extensions.get("throttle")
    if counts is None:
        return None
    limit = parse(current_app.config["API_RATE_LIMIT"])
    if counts.hit(limit, "api", key):
        return None
    reset = counts.get_window_stats(limit, "api", key).reset_time
    wait = max(1, math.ceil(reset - time.time()))
    return problem(
        429,
        "rate_limited",
        f"Too many calls: try again in {wait} s.",
        Retry_After=str(wait),
    )


def _unrecognised(sent: bool) -> Response:
    if not sent:
        return problem(
            401,
            "unauthorized",
            "Send an API token: Authorization: Bearer <token>.",
            WWW_Authenticate=REALM,
        )
    return problem(
        401,
        "invalid_token",
        "The API token is not recognised, or has been revoked.",
        WWW_Authenticate=f'{REALM}, error="invalid_token"',
    )


def _check_token(scope: str) -> Response | None:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    sent = scheme.lower() == "bearer" and bool(secret.strip())
    token = recognise(secret.strip()) if sent else None
    if token is None or token.revoked:
        # Guessing tokens from one address is held back like calls with one token.
        refused = _over_limit(f"address:{request.remote_addr or ''}")
        return refused if refused is not None else _unrecognised(sent)
    g.api_token_id = token.id
    if (refused := _over_limit(f"token:{token.id}")) is not None:
        return refused
    if not token.allows(scope):
        return problem(
            403,
            "insufficient_scope",
            f"This token may not do this: it needs {scope}.",
            WWW_Authenticate=f'{REALM}, error="insufficient_scope", scope="{scope}"',
        )
    return None


def _valid_ref(ref: str) -> bool:
    return 0 < len(ref) <= HOUSING_REF_MAX and not CONTROL.search(ref) and ref.isprintable()


@bp.route("/customers/<path:housing_ref>/flag", methods=METHODS)
@token_required(FLAGS_READ)
def customer_flag(housing_ref: str):
    customer = flags.customer_by_ref(housing_ref) if _valid_ref(housing_ref) else None
    if customer is None:
        return problem(404, "not_found", "No customer has that housing reference.")
    body = flags.flags([customer], london_date(utcnow()))[0]
    response = _json(body)
    etag = hashlib.sha256(response.get_data()).hexdigest()
    if request.if_none_match.contains_weak(etag):
        return Response(status=304, headers={"ETag": f'"{etag}"'})
    g.api_customers = 1
    response.set_etag(etag)
    return response


class BadInput(ValueError):
    pass


def _moment(name: str, now: datetime) -> datetime | None:
    """A date-time argument with its offset, in UTC; None when not given."""
    text = request.args.get(name)
    if text is None:
        return None
    text = text.strip()
    if len(text) > 40:
        raise BadInput(f"{name} is too long: give an ISO 8601 date-time.")
    try:
        value = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise BadInput(
            f"{name} must be an ISO 8601 date-time with an offset, like 2026-11-23T10:00:00Z."
        ) from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise BadInput(f"{name} needs an offset (Z or +01:00, say), so the moment is certain.")
    try:
        value = value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise BadInput(f"{name} is not a moment this API can read.") from None
    if value > now:
        raise BadInput(f"{name} is in the future.")
    if value < now - flags.LOOKBACK:
        raise BadInput(
            f"{name} is more than {flags.LOOKBACK.days} days ago: read every flag in force "
            "(GET /api/v1/flags without changed_since) instead."
        )
    return value


def _number(name: str, default: int, low: int, high: int) -> int:
    text = request.args.get(name)
    if text is None:
        return default
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 10 or not low <= int(text) <= high:
        raise BadInput(f"{name} must be a whole number from {low} to {high}.")
    return int(text)


@bp.route("/flags", methods=METHODS)
@token_required(FLAGS_READ)
def flag_feed():
    now = utcnow()
    try:
        since = _moment("changed_since", now)
        # Later pages answer as of the first page's moment (see next_changed_since).
        started = _moment("as_of", now) or now
        limit = _number("limit", flags.DEFAULT_LIMIT, 1, flags.MAX_LIMIT)
        after = _number("after", 0, 0, MAX_ID)
    except BadInput as exc:
        return problem(400, "bad_request", str(exc))
    today = london_date(now)
    ids = flags.changed_since(since, today) if since else flags.flagged(today)
    customers, more = flags.customers_page(ids, after, limit)
    found = flags.flags(customers, today)
    g.api_customers = len(found)
    args = {"limit": limit, "after": customers[-1].id if customers else after}
    args["as_of"] = _iso(started)
    if since is not None:
        args["changed_since"] = _iso(since)
    return _json(
        {
            "as_of": _iso(started),
            "changed_since": _iso(since) if since else None,
            "next_changed_since": _iso(started - flags.OVERLAP),
            "count": len(found),
            "flags": found,
            "next": url_for("api.flag_feed", _external=True, **args) if more else None,
        }
    )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@bp.route("/openapi.json", methods=METHODS)
def openapi():
    return _json(document())


@bp.route("/", methods=METHODS, defaults={"anything": ""})
@bp.route("/<path:anything>", methods=METHODS)
def unknown(anything: str):
    return problem(404, "not_found", "There is nothing at this address: see /api/v1/openapi.json.")
