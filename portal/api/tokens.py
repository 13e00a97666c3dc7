"""Create, revoke, recognise and list API tokens (administrators only; §8.21's feed).

A secret is ``ccp_`` and 43 random URL-safe characters (256 bits). Only its SHA-256 hash is
kept: a call's token is found by the hash of what it sent, and the two hashes are compared
in constant time as well. Creating and revoking a token are recorded in the audit trail;
the calls themselves go to the cheaper call log (:class:`portal.api.models.ApiCall`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from portal import db
from portal.api.models import FLAGS_READ, ApiCall, ApiToken
from portal.audit import services as audit
from portal.auth import permissions
from portal.errors import NotAllowed, Problem, ServiceError

SECRET_PREFIX = "ccp_"
SHOWN_CHARS = 12  # "ccp_" and the secret's first 8 characters
NAME_MAX = 100
# What a sent token must look like before the database is asked about it.
SECRET_SHAPE = re.compile(r"ccp_[A-Za-z0-9_-]{43}")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(actor, now: datetime, name: str) -> tuple[ApiToken, str]:
    """A new token with the flags:read scope; returns it and its secret, which is never
    available again."""
    if not permissions.can_manage_api_tokens(actor):
        raise NotAllowed()
    name = " ".join((name or "").split())
    if not name:
        raise ServiceError({"name": Problem("api_token.name_missing", _l("Name the token"))})
    if len(name) > NAME_MAX or CONTROL.search(name):
        raise ServiceError(
            {"name": Problem("api_token.name_long", _l("The name must be 100 characters or fewer"))}
        )
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        prefix=secret[:SHOWN_CHARS],
        secret_hash=digest(secret),
        scope=FLAGS_READ,
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        actor,
        now,
        "api_token.created",
        "api_token",
        token.id,
        f"API token “{name}” ({token.prefix}…) created",
        after={"name": name, "prefix": token.prefix, "scope": token.scope},
    )
    return token, secret


def revoke_token(actor, now: datetime, token_id: int) -> ApiToken:
    """Revoke a token: every later call with it is refused. Revoking it again is refused."""
    if not permissions.can_manage_api_tokens(actor):
        raise NotAllowed()
    # Only a token not revoked yet is changed, so two revocations at once record one.
    done = db.session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by_id=actor.id)
    )
    token = db.session.get(ApiToken, token_id, populate_existing=True)
    if token is None:
        raise ServiceError(Problem("api_token.unknown", _l("There is no such token")))
    if done.rowcount != 1:
        raise ServiceError(
            Problem("api_token.already_revoked", _l("That token had already been revoked."))
        )
    audit.record(
        actor,
        now,
        "api_token.revoked",
        "api_token",
        token.id,
        f"API token “{token.name}” ({token.prefix}…) revoked",
        before={"revoked": False},
        after={"revoked": True},
    )
    return token


def recognise(secret: str) -> ApiToken | None:
    """The token whose secret this is (revoked or not), or None."""
    if not SECRET_SHAPE.fullmatch(secret or ""):
        return None
    wanted = digest(secret)
    token = db.session.scalar(select(ApiToken).where(ApiToken.secret_hash == wanted))
    if token is None or not hmac.compare_digest(token.secret_hash, wanted):
        return None
    return token


@dataclass(frozen=True)
class TokenRow:
    token: ApiToken
    calls_last_day: int
    last_used_at: datetime | None


def token_list(now: datetime) -> list[TokenRow]:
    """Every token, newest first, with its calls in the last 24 hours: one statement."""
    calls = (
        select(func.count(ApiCall.id))
        .where(ApiCall.token_id == ApiToken.id, ApiCall.at > now - timedelta(days=1))
        .correlate(ApiToken)
        .scalar_subquery()
    )
    last_used = (
        select(func.max(ApiCall.at))
        .where(ApiCall.token_id == ApiToken.id)
        .correlate(ApiToken)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(ApiToken, calls, last_used).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ).all()
    return [TokenRow(token, count, used) for token, count, used in rows]


def log_call(
    token_id: int | None,
    now: datetime,
    method: str,
    path: str,
    status: int,
    customers: int,
    remote_addr: str,
) -> None:
    """Record one call, in the caller's transaction."""
    db.session.add(
        ApiCall(
            token_id=token_id,
            at=now,
            method=method[:10],
            path=path[:500],
            status=status,
            customers=customers,
            remote_addr=remote_addr[:64],
        )
    )
