"""Configuration read from the environment, with safe defaults for a laptop."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("PORTAL_INSTANCE_DIR", BASE_DIR / "instance"))


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{INSTANCE_DIR / 'portal.db'}"
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


class Config:
    # No default: outside development create_app() refuses to start without a long random key
    # (portal/security.py); in development one is made and kept in instance/secret_key.
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    # Seals the audit trail (portal/audit/seal.py); required outside development like
    # SECRET_KEY, and never the same. Development keeps one in instance/audit_key.
    AUDIT_KEY = os.environ.get("AUDIT_KEY", "")
    # "development" relaxes the start-up checks for a laptop (`make run` sets it).
    PORTAL_ENV = os.environ.get("PORTAL_ENV", "production")
    DATABASE_URL = _database_url()
    UPLOAD_DIR = Path(os.environ.get("PORTAL_UPLOAD_DIR", INSTANCE_DIR / "uploads"))
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    # Customers are signed out after this long without activity; pages warn 2 minutes before.
    PERMANENT_SESSION_LIFETIME = timedelta(
        minutes=int(os.environ.get("CUSTOMER_SESSION_MINUTES", "30"))
    )
    # The server ends a session after this long without activity, or this long after sign-in.
    STAFF_IDLE_LIFETIME = timedelta(minutes=int(os.environ.get("STAFF_IDLE_MINUTES", "60")))
    STAFF_ABSOLUTE_LIFETIME = timedelta(hours=int(os.environ.get("STAFF_SESSION_HOURS", "12")))
    CUSTOMER_ABSOLUTE_LIFETIME = timedelta(
        hours=int(os.environ.get("CUSTOMER_SESSION_HOURS", "12"))
    )
    WTF_CSRF_TIME_LIMIT = None
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "Europe/London"
    LANGUAGES = {"en": "English", "ur": "اردو", "pl": "Polski", "ar": "العربية"}
    RTL_LANGUAGES = frozenset({"ur", "ar"})
    # Throttling (portal/auth/throttle.py). Counts live in memory on one server; point
    # RATELIMIT_STORAGE_URI at Redis (redis://127.0.0.1:6379) when several servers share the load.
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # How many proxies in front of the portal may say who the client is (X-Forwarded-For);
    # 0 trusts none, so a forged header cannot dodge the per-address counts.
    PROXY_COUNT = int(os.environ.get("PORTAL_PROXY_COUNT", "0"))
    RATELIMIT_STRATEGY = "moving-window"
    # Calls each API token may make (portal/api): the housing system reads flags in pages.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600 per minute")
    THROTTLE_SIGN_IN_ACCOUNT_ADDRESS = (
        "5 per 15 minutes"  # wrong passwords, one account, one address
    )
    THROTTLE_SIGN_IN_ADDRESS = "20 per 15 minutes"  # wrong passwords from one address, any account
    THROTTLE_SIGN_IN_ACCOUNT = "50 per hour"  # wrong passwords for one account from new browsers
    THROTTLE_ACTIVATE_REFERENCE = "5 per 15 minutes"  # wrong access codes for one reference
    THROTTLE_ACTIVATE_ADDRESS = "20 per 15 minutes"  # wrong access codes from one address
    THROTTLE_RESET_EMAIL = "3 per hour"  # reset emails asked for one address
    THROTTLE_RESET_ADDRESS = "10 per hour"  # reset emails asked from one network address
    THROTTLE_SECOND_FACTOR = "5 per 15 minutes"  # wrong authenticator codes for one account
    REGISTER_PAGE_SIZE = 25
    SMTP_HOST = os.environ.get("SMTP_HOST", "127.0.0.1")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "25"))
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS = os.environ.get("SMTP_STARTTLS", "0") == "1"
    MAIL_FROM = os.environ.get("MAIL_FROM", "conduct-portal@localhost")
    # The one address the portal builds absolute links from (letters, emails) and the only host
    # it answers to; required outside development, where it is http://127.0.0.1:$PORT.
    PUBLIC_URL = os.environ.get("PORTAL_PUBLIC_URL", "")
    # Other names the portal answers to, e.g. the one a load balancer's health check uses.
    EXTRA_TRUSTED_HOSTS = [
        host.strip()
        for host in os.environ.get("PORTAL_TRUSTED_HOSTS", "").split(",")
        if host.strip()
    ]
    DEVELOPMENT_PORT = int(os.environ.get("PORT", "5000"))
    TESTING = False
