"""The portal refuses to start on settings that would let someone take over its sessions.

Outside development it needs a long random ``SECRET_KEY`` (never the published example) and its
public address, ``PORTAL_PUBLIC_URL``; the error says what to set and how to make a key. In
development (``PORTAL_ENV=development``, which ``make run`` sets) a key is made once and kept
in ``instance/secret_key``, readable only by its owner, so sessions survive a restart.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

import portal
from portal import create_app
from portal.config import BASE_DIR
from portal.security import UnsafeSettings

GOOD_SECRET = "9f2c" * 16  # 64 characters
GOOD_AUDIT_KEY = "4be1" * 16
PUBLIC_URL = "https://conduct.example.org"
MAKE_A_SECRET = 'python -c "import secrets; print(secrets.token_hex(32))"'


@pytest.fixture
def instance(monkeypatch, tmp_path):
    """The instance folder the app is built with: a fresh one, not the project's."""
    folder = tmp_path / "instance"
    monkeypatch.setattr(portal, "INSTANCE_DIR", folder)
    return folder


@pytest.fixture
def start(instance, tmp_path):
    """Build the app as ``wsgi.py`` would, with these settings in place of the environment."""

    def _start(**settings):
        config = {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.db'}",
            "TESTING": False,
            "DEBUG": False,
            "PORTAL_ENV": "production",
            "SECRET_KEY": GOOD_SECRET,
            "AUDIT_KEY": GOOD_AUDIT_KEY,
            "PUBLIC_URL": PUBLIC_URL,
            "EXTRA_TRUSTED_HOSTS": [],
            **settings,
        }
        return create_app(config)

    return _start


@pytest.mark.parametrize(
    ("secret", "reason"),
    [
        ("", "SECRET_KEY is not set"),
        (None, "SECRET_KEY is not set"),
        ("dev-only-change-me", "SECRET_KEY is 'dev-only-change-me', the published example"),
        ("a" * 31, "SECRET_KEY is shorter than 32 characters"),
    ],
)
def test_production_refuses_a_missing_published_or_short_secret_key(start, secret, reason):
    with pytest.raises(UnsafeSettings) as refused:
        start(SECRET_KEY=secret)

    message = str(refused.value)
    assert reason in message
    assert MAKE_A_SECRET in message
    assert "PORTAL_ENV=development" in message
    assert "PORTAL_PUBLIC_URL is not set" not in message


@pytest.mark.parametrize(
    ("audit_key", "reason"),
    [
        ("", "AUDIT_KEY is not set"),
        ("a" * 31, "AUDIT_KEY is shorter than 32 characters"),
        (GOOD_SECRET, "AUDIT_KEY is the same as SECRET_KEY"),
    ],
)
def test_production_refuses_a_missing_short_or_borrowed_audit_key(start, audit_key, reason):
    with pytest.raises(UnsafeSettings) as refused:
        start(AUDIT_KEY=audit_key)

    message = str(refused.value)
    assert reason in message
    assert "AUDIT_KEY          another such value" in message
    assert "SECRET_KEY is" not in message


def test_production_refuses_to_start_without_its_public_address(start):
    with pytest.raises(UnsafeSettings) as refused:
        start(PUBLIC_URL="")

    message = str(refused.value)
    assert "PORTAL_PUBLIC_URL is not set" in message
    assert "SECRET_KEY is" not in message


def test_production_names_every_missing_setting_at_once(start):
    with pytest.raises(UnsafeSettings) as refused:
        start(SECRET_KEY="", PUBLIC_URL="")

    assert "SECRET_KEY is not set" in str(refused.value)
    assert "PORTAL_PUBLIC_URL is not set" in str(refused.value)


def test_a_public_address_that_is_not_a_web_address_is_refused(start):
    with pytest.raises(UnsafeSettings, match="PORTAL_PUBLIC_URL must be"):
        start(PUBLIC_URL="conduct.example.org")


def test_production_starts_with_a_key_and_an_address(start, instance):
    app = start(EXTRA_TRUSTED_HOSTS=["10.0.0.7"])

    assert app.config["SECRET_KEY"] == GOOD_SECRET
    assert app.config["TRUSTED_HOSTS"] == ["conduct.example.org", "10.0.0.7"]
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert not (instance / "secret_key").exists()


def test_over_plain_http_cookies_are_not_marked_secure(start):
    app = start(PUBLIC_URL="http://conduct.internal:8080")

    assert app.config["TRUSTED_HOSTS"] == ["conduct.internal"]
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_development_makes_a_key_once_and_keeps_it_private(start, instance):
    first = start(PORTAL_ENV="development", SECRET_KEY="", PUBLIC_URL="", DEVELOPMENT_PORT=8000)

    kept = instance / "secret_key"
    assert kept.read_text() == first.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 32
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert first.config["PUBLIC_URL"] == "http://127.0.0.1:8000"
    assert first.config["TRUSTED_HOSTS"] is None  # localhost and 127.0.0.1 both work
    again = start(PORTAL_ENV="development", SECRET_KEY="", PUBLIC_URL="")
    assert again.config["SECRET_KEY"] == first.config["SECRET_KEY"]


def test_development_replaces_an_empty_key_file(start, instance):
    instance.mkdir()
    (instance / "secret_key").write_text("")

    app = start(PORTAL_ENV="development", SECRET_KEY="")

    assert len(app.config["SECRET_KEY"]) >= 32
    assert (instance / "secret_key").read_text() == app.config["SECRET_KEY"]


def test_tests_and_debug_count_as_development(start):
    assert start(TESTING=True, SECRET_KEY="", PUBLIC_URL="").config["SECRET_KEY"]
    assert start(DEBUG=True, SECRET_KEY="", PUBLIC_URL="").config["PUBLIC_URL"]


# --- the environment, as gunicorn and `flask --app wsgi` see it --------------------------------


def _import_wsgi(tmp_path, **env):
    """Import wsgi.py in a fresh interpreter with only ``env`` of the portal's settings."""
    clean = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(
            ("PORTAL_", "SECRET_KEY", "AUDIT_KEY", "FLASK_", "DATABASE_URL", "PORT")
        )
    }
    clean.update(PORTAL_INSTANCE_DIR=str(tmp_path / "instance"), **env)
    return subprocess.run(
        [sys.executable, "-c", "import wsgi; print(wsgi.app.config['TRUSTED_HOSTS'])"],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_wsgi_refuses_to_start_from_an_empty_environment(tmp_path):
    result = _import_wsgi(tmp_path)

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "AUDIT_KEY is not set" in result.stderr
    assert "PORTAL_PUBLIC_URL is not set" in result.stderr
    assert MAKE_A_SECRET in result.stderr


def test_wsgi_reads_the_settings_from_the_environment(tmp_path):
    result = _import_wsgi(
        tmp_path,
        SECRET_KEY=GOOD_SECRET,
        AUDIT_KEY=GOOD_AUDIT_KEY,
        PORTAL_PUBLIC_URL=PUBLIC_URL,
        PORTAL_TRUSTED_HOSTS="10.0.0.7, health.internal",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['conduct.example.org', '10.0.0.7', 'health.internal']"


def test_wsgi_starts_in_development_mode_and_keeps_its_key(tmp_path):
    result = _import_wsgi(tmp_path, PORTAL_ENV="development")

    assert result.returncode == 0, result.stderr
    kept = tmp_path / "instance" / "secret_key"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert len(kept.read_text()) >= 32
    audit_key = tmp_path / "instance" / "audit_key"
    assert stat.S_IMODE(audit_key.stat().st_mode) == 0o600
    assert len(audit_key.read_text()) >= 32
    assert audit_key.read_text() != kept.read_text()
