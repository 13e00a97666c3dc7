"""Checking a member of staff's password; unknown addresses cost the same as known ones."""

from __future__ import annotations

import pytest

from portal.auth import services as auth_services
from portal.auth.services import authenticate, dummy_hash, hash_password
from tests.factories import PASSWORD


@pytest.fixture
def user(make_staff):
    return make_staff(email="pat.panel@test.example")


def test_the_right_password_signs_in(user):
    assert authenticate("pat.panel@test.example", PASSWORD) == user


def test_the_email_address_is_not_case_sensitive(user):
    assert authenticate("  Pat.Panel@Test.Example ", PASSWORD) == user


def test_a_wrong_password_does_not_sign_in(user):
    assert authenticate(user.email, PASSWORD.upper()) is None


def test_an_unknown_address_does_not_sign_in(user):
    assert authenticate("nobody@test.example", PASSWORD) is None


def test_an_inactive_account_cannot_sign_in(make_staff):
    leaver = make_staff(email="leaver@test.example", active=False)

    assert authenticate(leaver.email, PASSWORD) is None


def _method(password_hash: str) -> str:
    """'scrypt:32768:8:1' or 'pbkdf2:sha256:1000': the algorithm and its cost."""
    return password_hash.split("$", 1)[0]


@pytest.mark.parametrize("method", [None, "pbkdf2:sha256:600000", "pbkdf2:sha256:1000"])
def test_the_stand_in_for_an_unknown_address_is_hashed_like_real_passwords(app, method):
    app.config["PASSWORD_HASH_METHOD"] = method

    assert _method(dummy_hash()) == _method(hash_password("a real password"))


def test_an_unknown_address_checks_a_password_hash_too(user, monkeypatch):
    checked = []
    real = auth_services.check_password_hash

    def spy(password_hash, password):
        checked.append(_method(password_hash))
        return real(password_hash, password)

    monkeypatch.setattr(auth_services, "check_password_hash", spy)
    authenticate(user.email, "wrong")
    authenticate("nobody@test.example", "wrong")

    assert checked[0] == checked[1]
