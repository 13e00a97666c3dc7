"""Throttling of sign-in, activation and password-reset requests, counted with the ``limits``
library (memory on one server, Redis when several share the load: ``RATELIMIT_STORAGE_URI``).

Wrong passwords are counted per account *and* address, so a stranger elsewhere cannot lock the
rightful owner out; per address, so one address cannot try many accounts; and per account over
every address, which a browser the owner has signed in with before is never held back by.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import STRATEGIES

KNOWN_COOKIE = "portal_known"
KNOWN_MAX = 5


class Throttled(Exception):
    """Too many attempts: the person may try again at ``until``."""

    def __init__(self, until: datetime):
        self.until = until


@dataclass(frozen=True)
class Rule:
    config_key: str  # the limit, e.g. "5 per 15 minutes", in app.config
    name: str  # the storage key's prefix

    def limit(self):
        return parse(current_app.config[self.config_key])


SIGN_IN_PAIR = Rule("THROTTLE_SIGN_IN_ACCOUNT_ADDRESS", "sign-in-pair")
SIGN_IN_ADDRESS = Rule("THROTTLE_SIGN_IN_ADDRESS", "sign-in-address")
SIGN_IN_ACCOUNT = Rule("THROTTLE_SIGN_IN_ACCOUNT", "sign-in-account")
ACTIVATE_REFERENCE = Rule("THROTTLE_ACTIVATE_REFERENCE", "activate-reference")
ACTIVATE_ADDRESS = Rule("THROTTLE_ACTIVATE_ADDRESS", "activate-address")
RESET_EMAIL = Rule("THROTTLE_RESET_EMAIL", "reset-email")
RESET_ADDRESS = Rule("THROTTLE_RESET_ADDRESS", "reset-address")
SECOND_FACTOR = Rule("THROTTLE_SECOND_FACTOR", "second-factor")


def address() -> str:
    return request.remote_addr or "unknown"


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def counter(config):
    """This app's counts: ``RATELIMIT_STRATEGY`` over the storage at ``RATELIMIT_STORAGE_URI``.
    Only the forms above are counted, so nothing is checked on any other request."""
    return STRATEGIES[config["RATELIMIT_STRATEGY"]](
        storage_from_string(config["RATELIMIT_STORAGE_URI"])
    )


def _enabled() -> bool:
    return "throttle" in current_app.extensions


def _counts():
    """This app's rate limiter (memory or Redis, as RATELIMIT_STORAGE_URI says)."""
    return current_app.extensions["throttle"]


def check(*checks: tuple[Rule, tuple[str, ...]]) -> None:
    """Refuse now if any of ``checks`` has no attempts left.

    :raises Throttled: with the latest time at which every one of them has room again.
    """
    if not _enabled():
        return
    blocked = []
    for rule, key in checks:
        limit = rule.limit()
        if not _counts().test(limit, rule.name, _digest(*key)):
            stats = _counts().get_window_stats(limit, rule.name, _digest(*key))
            blocked.append(stats.reset_time)
    if blocked:
        raise Throttled(datetime.fromtimestamp(max(blocked), UTC))


def count(*checks: tuple[Rule, tuple[str, ...]]) -> None:
    """Count one attempt against each of ``checks``."""
    if not _enabled():
        return
    for rule, key in checks:
        _counts().hit(rule.limit(), rule.name, _digest(*key))


def clear(rule: Rule, *key: str) -> None:
    if _enabled():
        _counts().clear(rule.limit(), rule.name, _digest(*key))


def sign_in_checks(kind: str, email: str, known: bool) -> list:
    email = email.strip().lower()[:254]
    checks = [(SIGN_IN_PAIR, (kind, email, address())), (SIGN_IN_ADDRESS, (address(),))]
    if not known:
        checks.append((SIGN_IN_ACCOUNT, (kind, email)))
    return checks


def signed_in(kind: str, email: str) -> None:
    """The right password from this address: its count for this account starts again."""
    clear(SIGN_IN_PAIR, kind, email.strip().lower()[:254], address())


def password_reset(kind: str, email: str) -> None:
    """The owner has proved they hold the mailbox: strangers' failures no longer hold them."""
    clear(SIGN_IN_ACCOUNT, kind, email.strip().lower()[:254])


# Browsers the owner has signed in with: a signed cookie naming (hashed) accounts.
def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="known-browser")


def _known_list() -> list[str]:
    raw = request.cookies.get(KNOWN_COOKIE, "")
    try:
        value = _serializer().loads(raw) if raw else []
    except BadSignature:
        return []
    return [v for v in value if isinstance(v, str)][:KNOWN_MAX] if isinstance(value, list) else []


def is_known_browser(kind: str, email: str) -> bool:
    return _digest(kind, email.strip().lower()) in _known_list()


def remember_browser(response, kind: str, email: str):
    """Mark this browser as one ``email`` signs in with (a year, most recent five accounts)."""
    entry = _digest(kind, email.strip().lower())
    entries = [entry] + [e for e in _known_list() if e != entry]
    response.set_cookie(
        KNOWN_COOKIE,
        _serializer().dumps(entries[:KNOWN_MAX]),
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
    )
    return response
