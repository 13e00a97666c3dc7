"""Staff accounts and their passwords."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from portal import db
from portal.audit import services as audit
from portal.auth import sessions
from portal.auth.models import Role, User, UserRole
from portal.errors import Problem, ServiceError

# Staff passwords: at least this long.
MIN_PASSWORD = 12

_DUMMY_HASHES: dict[str | None, str] = {}


def hash_password(password: str) -> str:
    """Hash with the configured method (tests use a cheap one; production keeps the default)."""
    method = current_app.config.get("PASSWORD_HASH_METHOD") if has_app_context() else None
    return (
        generate_password_hash(password, method=method)
        if method
        else generate_password_hash(password)
    )


def dummy_hash() -> str:
    """A hash made the same way as real ones, checked when an address has no account, so a
    wrong password costs the same whether or not the account exists."""
    method = current_app.config.get("PASSWORD_HASH_METHOD") if has_app_context() else None
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = hash_password(secrets.token_urlsafe(16))
    return _DUMMY_HASHES[method]


def create_user(
    email: str, name: str, password: str, roles: list[Role], now: datetime, **extra
) -> User:
    user = User(
        email=email.lower(),
        name=name,
        password_hash=hash_password(password),
        created_at=now,
        **extra,
    )
    user.role_links = [UserRole(role=r) for r in roles]
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """Return the active member of staff with this e-mail and password, or None.

    Throttling is the caller's (portal/auth/throttle.py): this only checks the password.
    """
    email = email.strip().lower()[:254]
    user = db.session.scalar(
        select(User).where(func.lower(User.email) == email, User.active.is_(True))
    )
    ok = check_password_hash(user.password_hash if user else dummy_hash(), password)
    return user if user and ok else None


def change_password(user: User, current: str, new: str, now: datetime, keep=None) -> int:
    """Change a member of staff's own password; every other session of theirs ends.

    :raises ServiceError: for a wrong current password or a new one that is too short.
    """
    errors: dict[str, Problem] = {}
    if not check_password_hash(user.password_hash, current):
        errors["current"] = Problem(
            "password.current_wrong", _l("Your current password is not right")
        )
    if len(new) < MIN_PASSWORD:
        errors["new"] = Problem(
            "password.short", _l("Use at least %(count)d characters", count=MIN_PASSWORD)
        )
    elif len(new) > 200:
        errors["new"] = Problem("password.long", _l("Use 200 characters or fewer"))
    if errors:
        raise ServiceError(errors)
    user.password_hash = hash_password(new)
    ended = sessions.end_all(user, now, "password_changed", keep=keep)
    db.session.flush()
    audit.record(
        user,
        now,
        "user.password_changed",
        "staff_user",
        user.id,
        f"{user.email} changed their password",
        after={"other_sessions_ended": ended},
    )
    return ended
