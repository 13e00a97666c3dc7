"""Sign-in with throttling after repeated failures."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from portal import db
from portal.auth.models import LoginThrottle, Role, User, UserRole

# Compared against when the e-mail is unknown, so timing does not reveal which accounts exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class LockedOut(Exception):
    def __init__(self, until: datetime):
        self.until = until


def hash_password(password: str) -> str:
    """Hash with the configured method (tests use a cheap one; production keeps the default)."""
    method = current_app.config.get("PASSWORD_HASH_METHOD") if has_app_context() else None
    return (
        generate_password_hash(password, method=method)
        if method
        else generate_password_hash(password)
    )


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


def authenticate(
    email: str, password: str, now: datetime, max_failures: int, window_minutes: int
) -> User | None:
    """Return the user for a correct e-mail and password, or None.

    :raises LockedOut: after ``max_failures`` failures inside the window.
    """
    email = email.strip().lower()[:254]
    throttle = db.session.scalar(select(LoginThrottle).where(LoginThrottle.email == email))
    if throttle and throttle.locked_until and throttle.locked_until > now:
        raise LockedOut(throttle.locked_until)
    user = db.session.scalar(
        select(User).where(func.lower(User.email) == email, User.active.is_(True))
    )
    ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if user and ok:
        if throttle:
            db.session.delete(throttle)
        return user
    window = timedelta(minutes=window_minutes)
    if throttle is None:
        throttle = LoginThrottle(email=email, failures=0, window_started_at=now)
        db.session.add(throttle)
    if now - throttle.window_started_at > window:
        throttle.failures = 0
        throttle.window_started_at = now
        throttle.locked_until = None
    throttle.failures += 1
    if throttle.failures >= max_failures:
        throttle.locked_until = now + window
    db.session.flush()
    return None
