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
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-change-me")
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
    WTF_CSRF_TIME_LIMIT = None
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "Europe/London"
    LANGUAGES = {"en": "English", "ur": "اردو", "pl": "Polski", "ar": "العربية"}
    RTL_LANGUAGES = frozenset({"ur", "ar"})
    # Sign-in throttling: this many failures inside the window locks the e-mail address.
    LOGIN_MAX_FAILURES = 5
    LOGIN_WINDOW_MINUTES = 15
    REGISTER_PAGE_SIZE = 25
    SMTP_HOST = os.environ.get("SMTP_HOST", "127.0.0.1")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "25"))
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS = os.environ.get("SMTP_STARTTLS", "0") == "1"
    MAIL_FROM = os.environ.get("MAIL_FROM", "conduct-portal@localhost")
    # The address customers are given in letters; by default, the one the request came in on.
    PUBLIC_URL = os.environ.get("PORTAL_PUBLIC_URL", "")
    TESTING = False
