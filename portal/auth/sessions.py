"""Sign-in sessions the server can end: one row per signed-in browser.

The cookie carries a random token; only its hash is stored. A session ends when its holder signs
out, changes or resets their password (every other session), is disabled, or is signed out
everywhere by an administrator; and by itself after a spell without activity or at its absolute
limit.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from functools import cache

from flask import current_app, g, has_request_context, request
from flask import session as cookie
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import joinedload

from portal import db
from portal.auth.models import SignInSession

TOKEN_KEY = "sid"
# last_seen_at is written at most this often, so reading pages stays read-only.
TOUCH_EVERY = timedelta(seconds=60)


class SessionCookie(SecureCookieSessionInterface):
    """Flask's signed session cookie, not sent again with every page while a sign-in is in force.

    A permanent cookie (a signed-in customer's) goes out when its contents change and whenever
    its session's ``last_seen_at`` is written (:func:`touch`, at most once a ``TOUCH_EVERY``),
    so the server's idle limit and the cookie's lifetime start together. Pages in between
    do not send it, so it lives ``TOUCH_EVERY`` longer than ``PERMANENT_SESSION_LIFETIME``: it
    never lapses before it would have when every page sent it, and a session ended for
    idleness is still there to say so. Its signature is honoured for the longest idle limit,
    staff's included, plus that minute. Any other permanent cookie
    (the language kept after a sign-in ended) is sent with every response, as Flask does.
    """

    @staticmethod
    def lifetime(app) -> timedelta:
        return app.permanent_session_lifetime + TOUCH_EVERY

    @staticmethod
    def honoured_for(app) -> timedelta:
        """How old a cookie's signature may be: the longest idle limit (staff's, whose
        cookie has no expiry of its own) and the minute between notes of activity. The
        server's own session ends each sign-in at its holder's limit."""
        longest = max(app.permanent_session_lifetime, app.config["STAFF_IDLE_LIFETIME"])
        return longest + TOUCH_EVERY

    def open_session(self, app, request):
        signer = self.get_signing_serializer(app)
        if signer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        try:
            max_age = int(self.honoured_for(app).total_seconds())
            return self.session_class(signer.loads(value, max_age=max_age))
        except BadSignature:
            return self.session_class()

    def get_expiration_time(self, app, session) -> datetime | None:
        return datetime.now(UTC) + self.lifetime(app) if session.permanent else None

    def should_set_cookie(self, app, session) -> bool:
        if session.modified:
            return True
        return (
            session.permanent
            and app.config["SESSION_REFRESH_EACH_REQUEST"]
            and not g.get("sign_in_in_force", False)
        )


class Ended(Exception):
    """A session that has just ended by itself (idle or too old)."""

    def __init__(self, reason: str):
        self.reason = reason


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _holder_column(holder):
    if getattr(holder, "is_staff", False):
        return SignInSession.staff_user_id
    return SignInSession.customer_account_id


def _limits(record: SignInSession) -> tuple[timedelta, timedelta]:
    """(idle, absolute) lifetimes for the kind of person holding ``record``."""
    cfg = current_app.config
    if record.staff_user_id is not None:
        return cfg["STAFF_IDLE_LIFETIME"], cfg["STAFF_ABSOLUTE_LIFETIME"]
    return cfg["PERMANENT_SESSION_LIFETIME"], cfg["CUSTOMER_ABSOLUTE_LIFETIME"]


def start(holder, now: datetime, *, second_factor_done: bool, keep: tuple[str, ...] = ()):
    """Sign ``holder`` in on this browser with a new session and a new cookie.

    Everything in the cookie from before is dropped (but the keys in ``keep``), so a session
    id planted before sign-in is never the one used after it.
    """
    kept = {key: cookie[key] for key in keep if key in cookie}
    cookie.clear()
    cookie.update(kept)
    token = secrets.token_urlsafe(32)
    record = SignInSession(
        token_hash=_hash(token),
        created_at=now,
        last_seen_at=now,
        second_factor_at=now if second_factor_done else None,
        address=(request.remote_addr or "")[:45] if has_request_context() else "",
        user_agent=(request.user_agent.string or "")[:200] if has_request_context() else "",
    )
    if getattr(holder, "is_staff", False):
        record.staff_user_id = holder.id
    else:
        record.customer_account_id = holder.id
    db.session.add(record)
    db.session.flush()
    cookie[TOKEN_KEY] = token
    g.sign_in_session = record
    return record


@cache
def _with_holder_statement():
    """The select of :func:`_record_with_holder`, built once per process."""
    from portal.accounts.models import CustomerAccount
    from portal.auth.models import User
    from portal.organisation.models import Organisation

    first_organisation = select(func.min(Organisation.id)).scalar_subquery()
    return (
        select(SignInSession, CustomerAccount, User, Organisation)
        .outerjoin(CustomerAccount, CustomerAccount.id == SignInSession.customer_account_id)
        .outerjoin(User, User.id == SignInSession.staff_user_id)
        .outerjoin(Organisation, Organisation.id == first_organisation)
        # A colleague's roles decide every staff page: read with them, not after.
        .options(joinedload(User.role_links))
        .where(SignInSession.token_hash == bindparam("token_hash"))
    )


def _record_with_holder(token_hash: str) -> SignInSession | None:
    """The session record with ``token_hash``, read in one statement with its holder (a
    customer's account or a member of staff) and the organisation's row: every signed-in
    page needs all three, and later reads of them find them in the session's identity map."""
    from portal.organisation.services import remember_organisation

    result = db.session.execute(_with_holder_statement(), {"token_hash": token_hash})
    row = result.unique().first()
    if row is None:
        return None
    if row.Organisation is not None:
        remember_organisation(row.Organisation)
    # The identity map holds objects weakly: keep the holder for load_user's lookup.
    g.sign_in_holder = row.CustomerAccount or row.User
    return row.SignInSession


def current() -> SignInSession | None:
    """This browser's session record, whether or not it is still in force."""
    if "sign_in_session" in g:
        return g.sign_in_session
    token = cookie.get(TOKEN_KEY)
    record = None
    if isinstance(token, str) and 0 < len(token) <= 100:
        record = _record_with_holder(_hash(token))
    g.sign_in_session = record
    return record


def check(record: SignInSession, now: datetime) -> None:
    """Keep ``record`` alive for this request, or end it.

    :raises Ended: when it was ended already, or has now been idle or open too long.
    """
    if record.ended_at is not None:
        raise Ended(record.ended_reason)
    idle, absolute = _limits(record)
    reason = None
    if now - record.created_at >= absolute:
        reason = "expired"
    elif now - record.last_seen_at >= idle:
        reason = "idle"
    if reason:
        db.session.commit()  # end the read first: the write then waits its turn for the lock
        end(record, now, reason)
        db.session.commit()
        raise Ended(reason)
    if now - record.last_seen_at >= TOUCH_EVERY:
        touch(record, now)
    # The cookie now follows last_seen_at (SessionCookie): touch() sends it when written.
    g.sign_in_in_force = True


def touch(record: SignInSession, now: datetime) -> None:
    """Note activity now (the customer's "stay signed in", or any page after a minute).

    Best effort: should the database be too busy, the next page notes it instead.
    """
    db.session.commit()  # end the read first: the write then waits its turn for the lock
    try:
        db.session.execute(
            update(SignInSession)
            .where(SignInSession.id == record.id, SignInSession.ended_at.is_(None))
            .values(last_seen_at=now)
        )
        db.session.commit()
    except OperationalError:
        db.session.rollback()
        return
    record.last_seen_at = now
    if has_request_context():
        cookie.modified = True  # the cookie's lifetime starts again with the idle limit's


def end(record: SignInSession, now: datetime, reason: str) -> None:
    db.session.execute(
        update(SignInSession)
        .where(SignInSession.id == record.id, SignInSession.ended_at.is_(None))
        .values(ended_at=now, ended_reason=reason)
    )
    record.ended_at, record.ended_reason = now, reason


def end_all(holder, now: datetime, reason: str, *, keep: SignInSession | None = None) -> int:
    """End every open session of ``holder`` (but ``keep``); returns how many were ended."""
    query = update(SignInSession).where(
        _holder_column(holder) == holder.id, SignInSession.ended_at.is_(None)
    )
    if keep is not None:
        query = query.where(SignInSession.id != keep.id)
    result = db.session.execute(query.values(ended_at=now, ended_reason=reason))
    return result.rowcount or 0


def open_sessions(holder) -> list[SignInSession]:
    """``holder``'s sessions not yet ended, newest first (some may be about to lapse)."""
    return list(
        db.session.scalars(
            select(SignInSession)
            .where(_holder_column(holder) == holder.id, SignInSession.ended_at.is_(None))
            .order_by(SignInSession.created_at.desc())
        )
    )


def complete_second_factor(record: SignInSession, now: datetime) -> None:
    record.second_factor_at = now
    record.last_seen_at = now
    db.session.flush()


def _drop_sign_in() -> None:
    """Take the ended session out of the cookie, leaving the rest (the language, the form's
    CSRF token) for the page being shown."""
    for key in (TOKEN_KEY, "_user_id", "_fresh", "_id"):
        cookie.pop(key, None)
    g.pop("sign_in_session", None)


def forget() -> None:
    """Empty this browser's cookie (sign-out: the language and everything else go too)."""
    cookie.clear()
    g.pop("sign_in_session", None)
    g.pop("sign_in_in_force", None)


def load_user(user_id: str):
    """Flask-Login's loader: the holder of this browser's session, while it is in force.

    Staff who need a second factor and have not given it yet are not signed in.
    """
    from flask import flash
    from flask_babel import lazy_gettext as _l

    from portal.accounts.models import CustomerAccount
    from portal.auth.models import User
    from portal.auth.permissions import needs_second_factor
    from portal.timeutil import utcnow

    kind, _, ident = str(user_id).partition(":")
    record = current()
    if record is None or not ident.isdigit():
        return None
    if kind == "staff" and record.staff_user_id == int(ident):
        holder = db.session.get(User, record.staff_user_id)
    elif kind == "customer" and record.customer_account_id == int(ident):
        holder = db.session.get(CustomerAccount, record.customer_account_id)
    else:
        return None
    if holder is None or not holder.active:
        return None
    try:
        check(record, utcnow())
    except Ended as ended:
        _drop_sign_in()
        if ended.reason == "idle":
            flash(_l("You were signed out because you had not used the portal for a while."))
        return None
    if record.second_factor_at is None and needs_second_factor(holder):
        return None
    return holder
