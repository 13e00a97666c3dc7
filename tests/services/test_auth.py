"""Signing in, and locking an address after repeated failures (5 failures, 15 minutes)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.auth.models import LoginThrottle
from portal.auth.services import LockedOut, authenticate
from tests.factories import PASSWORD

MAX_FAILURES = 5
WINDOW = 15
MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)


@pytest.fixture
def user(make_staff):
    return make_staff(email="pat.panel@test.example")


@pytest.fixture
def sign_in(session):
    def _sign_in(email, password, now):
        result = authenticate(email, password, now, MAX_FAILURES, WINDOW)
        session.commit()
        return result

    return _sign_in


def fail(sign_in, email, start, times, every=MINUTE):
    """Fail ``times`` times, ``every`` apart from ``start``; return the time of the last one."""
    at = start
    for n in range(times):
        at = start + n * every
        assert sign_in(email, "wrong password", at) is None
    return at


def test_the_right_password_signs_in(sign_in, user, clock):
    assert sign_in("pat.panel@test.example", PASSWORD, clock.now) == user


def test_the_email_address_is_not_case_sensitive(sign_in, user, clock):
    assert sign_in("  Pat.Panel@Test.Example ", PASSWORD, clock.now) == user


def test_a_wrong_password_does_not_sign_in(sign_in, user, clock):
    assert sign_in(user.email, PASSWORD.upper(), clock.now) is None


def test_four_failures_still_allow_signing_in(sign_in, user, clock):
    last = fail(sign_in, user.email, clock.now, 4)

    assert sign_in(user.email, PASSWORD, last + MINUTE) == user


def test_signing_in_clears_the_failures(sign_in, session, user, clock):
    last = fail(sign_in, user.email, clock.now, 4)
    sign_in(user.email, PASSWORD, last + MINUTE)

    assert session.scalar(select(LoginThrottle)) is None
    last = fail(sign_in, user.email, last + 2 * MINUTE, 4)
    assert sign_in(user.email, PASSWORD, last + MINUTE) == user


def test_five_failures_lock_the_address_for_15_minutes(sign_in, user, clock):
    last = fail(sign_in, user.email, clock.now, 5)

    with pytest.raises(LockedOut) as caught:
        sign_in(user.email, PASSWORD, last + SECOND)

    assert caught.value.until == last + timedelta(minutes=15)


def test_the_lock_holds_until_the_last_second(sign_in, user, clock):
    last = fail(sign_in, user.email, clock.now, 5)

    with pytest.raises(LockedOut):
        sign_in(user.email, PASSWORD, last + timedelta(minutes=15) - SECOND)


def test_the_lock_expires_after_15_minutes(sign_in, user, clock):
    last = fail(sign_in, user.email, clock.now, 5)

    assert sign_in(user.email, PASSWORD, last + timedelta(minutes=15)) == user


def test_one_wrong_password_after_the_lock_expires_does_not_lock_again(sign_in, user, clock):
    last = fail(sign_in, user.email, clock.now, 5)
    after_lock = last + timedelta(minutes=15)

    assert sign_in(user.email, "still wrong", after_lock) is None
    assert sign_in(user.email, PASSWORD, after_lock + SECOND) == user


def test_failures_inside_the_window_count_together(sign_in, user, clock):
    # Four failures from 10:00; the fifth at 10:15 exactly is still inside the window.
    fail(sign_in, user.email, clock.now, 4)

    assert sign_in(user.email, "wrong", clock.now + timedelta(minutes=15)) is None
    with pytest.raises(LockedOut):
        sign_in(user.email, PASSWORD, clock.now + timedelta(minutes=16))


def test_failures_outside_the_window_start_a_new_count(sign_in, user, clock):
    fail(sign_in, user.email, clock.now, 4)

    assert sign_in(user.email, "wrong", clock.now + timedelta(minutes=15) + SECOND) is None
    assert sign_in(user.email, PASSWORD, clock.now + timedelta(minutes=16)) == user


def test_an_unknown_address_is_throttled_too(sign_in, session, clock):
    last = fail(sign_in, "nobody@test.example", clock.now, 5)

    with pytest.raises(LockedOut):
        sign_in("nobody@test.example", "anything", last + SECOND)
    throttle = session.scalar(select(LoginThrottle))
    assert (throttle.email, throttle.failures) == ("nobody@test.example", 5)


def test_locking_one_address_leaves_others_alone(sign_in, make_staff, user, clock):
    other = make_staff()
    last = fail(sign_in, user.email, clock.now, 5)

    assert sign_in(other.email, PASSWORD, last + SECOND) == other


def test_an_inactive_account_cannot_sign_in(sign_in, make_staff, clock):
    leaver = make_staff(email="leaver@test.example", active=False)

    assert sign_in(leaver.email, PASSWORD, clock.now) is None
