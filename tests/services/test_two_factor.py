"""Two-factor sign-in: set up with the first code, each code taken once, recovery codes once,
and an administrator's reset that signs the person out everywhere."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from portal import db
from portal.auth import two_factor
from portal.auth.models import RecoveryCode, Role, SignInSession
from portal.errors import NotAllowed, ServiceError

STEP = timedelta(seconds=30)


@pytest.fixture
def panel(make_staff):
    return make_staff(Role.PANEL, email="pat.panel@test.example")


@pytest.fixture
def admin(make_staff):
    return make_staff(Role.ADMIN, name="Ada Admin")


def code_at(user, when) -> str:
    return pyotp.TOTP(user.totp_secret).at(when)


@pytest.fixture
def enrolled(panel, clock):
    """``panel`` with two-factor sign-in set up a minute ago; the recovery codes ride along."""
    set_up_at = clock.now - timedelta(minutes=1)
    two_factor.start_enrolment(panel, set_up_at)
    panel.recovery = two_factor.confirm_enrolment(panel, set_up_at, code_at(panel, set_up_at))
    db.session.commit()
    return panel


def _open_session(user, now) -> SignInSession:
    record = SignInSession(
        token_hash=hashlib.sha256(secrets.token_bytes(16)).hexdigest(),
        staff_user_id=user.id,
        created_at=now,
        last_seen_at=now,
        second_factor_at=now,
    )
    db.session.add(record)
    db.session.flush()
    return record


def test_setting_up_gives_a_secret_kept_until_it_is_confirmed(panel, clock, audit_events):
    secret = two_factor.start_enrolment(panel, clock.now)

    assert len(secret) == 32 and pyotp.TOTP(secret).now()
    assert two_factor.start_enrolment(panel, clock.now + STEP) == secret  # a reload: same QR
    assert not two_factor.is_set_up(panel)
    assert "secret=" + secret in two_factor.provisioning_uri(panel)
    assert "issuer=Customer%20Conduct%20Portal" in two_factor.provisioning_uri(panel)
    assert len(audit_events("user.two_factor_started", "staff_user", panel.id)) == 1


def test_the_first_code_confirms_it_and_gives_ten_single_use_recovery_codes(
    panel, clock, audit_events
):
    two_factor.start_enrolment(panel, clock.now)

    codes = two_factor.confirm_enrolment(panel, clock.now, code_at(panel, clock.now))

    assert two_factor.is_set_up(panel) and panel.totp_confirmed_at == clock.now
    assert len(codes) == len(set(codes)) == 10
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)  # only hashes are kept
    assert two_factor.recovery_codes_left(panel) == 10
    (event,) = audit_events("user.two_factor_set_up", "staff_user", panel.id)
    assert event.after == {"recovery_codes": 10}


def test_a_wrong_first_code_does_not_confirm_it(panel, clock):
    two_factor.start_enrolment(panel, clock.now)

    with pytest.raises(ServiceError) as refused:
        two_factor.confirm_enrolment(panel, clock.now, code_at(panel, clock.now - 3 * STEP))

    assert "code" in refused.value.errors
    assert not two_factor.is_set_up(panel)
    assert two_factor.recovery_codes_left(panel) == 0


def test_once_confirmed_it_cannot_be_set_up_again_without_a_reset(enrolled, clock):
    with pytest.raises(ServiceError):
        two_factor.start_enrolment(enrolled, clock.now)
    with pytest.raises(ServiceError):
        two_factor.confirm_enrolment(enrolled, clock.now, code_at(enrolled, clock.now))


def test_the_code_the_app_shows_now_signs_in(enrolled, clock):
    two_factor.verify_code(enrolled, clock.now, code_at(enrolled, clock.now))

    assert enrolled.totp_last_step == pyotp.TOTP(enrolled.totp_secret).timecode(clock.now)


@pytest.mark.parametrize(
    "code", ["", "12345", "1234567", "abcdef", "000000"], ids=["empty", "5", "7", "letters", "0s"]
)
def test_a_wrong_code_is_refused(enrolled, clock, code):
    if code == "000000" and code_at(enrolled, clock.now) == code:
        pytest.skip("the app's code happens to be 000000")
    with pytest.raises(ServiceError) as refused:
        two_factor.verify_code(enrolled, clock.now, code)
    assert refused.value.errors == {"code": two_factor.WRONG_CODE}


def test_spaces_in_a_code_are_ignored(enrolled, clock):
    code = code_at(enrolled, clock.now)
    two_factor.verify_code(enrolled, clock.now, f" {code[:3]} {code[3:]} ")


def test_a_code_used_once_is_refused_the_second_time(enrolled, clock):
    code = code_at(enrolled, clock.now)
    two_factor.verify_code(enrolled, clock.now, code)

    with pytest.raises(ServiceError):
        two_factor.verify_code(enrolled, clock.now + timedelta(seconds=5), code)


def test_a_code_from_before_the_last_one_used_is_refused(enrolled, clock):
    two_factor.verify_code(enrolled, clock.now, code_at(enrolled, clock.now))

    with pytest.raises(ServiceError):  # within the window, but older than the last one
        two_factor.verify_code(enrolled, clock.now, code_at(enrolled, clock.now - STEP))


def test_the_next_code_is_accepted_once_the_current_one_is_used(enrolled, clock):
    """A clock a step fast (valid_window=1) still signs in, even right after the last code."""
    two_factor.verify_code(enrolled, clock.now, code_at(enrolled, clock.now))

    two_factor.verify_code(enrolled, clock.now, code_at(enrolled, clock.now + STEP))


@pytest.mark.parametrize("offset", [-1, 1])
def test_a_code_one_step_either_side_is_accepted(enrolled, clock, offset):
    two_factor.verify_code(enrolled, clock.now, code_at(enrolled, clock.now + offset * STEP))


@pytest.mark.parametrize("offset", [-2, 2])
def test_a_code_two_steps_away_is_refused(enrolled, clock, offset):
    with pytest.raises(ServiceError):
        two_factor.verify_code(enrolled, clock.now, code_at(enrolled, clock.now + offset * STEP))


def test_a_recovery_code_signs_in_once(enrolled, clock, audit_events):
    code = enrolled.recovery[3]

    assert two_factor.use_recovery_code(enrolled, clock.now, code.upper()) == 9
    with pytest.raises(ServiceError) as refused:
        two_factor.use_recovery_code(enrolled, clock.now, code)

    assert refused.value.errors == {"recovery_code": two_factor.WRONG_RECOVERY_CODE}
    (event,) = audit_events("user.recovery_code_used", "staff_user", enrolled.id)
    assert event.after == {"recovery_codes_left": 9}


def test_a_made_up_or_another_persons_recovery_code_is_refused(enrolled, make_staff, clock):
    other = make_staff(Role.GLT)
    two_factor.start_enrolment(other, clock.now)
    theirs = two_factor.confirm_enrolment(other, clock.now, code_at(other, clock.now))

    for code in ("aaaaa-aaaaa", theirs[0]):
        with pytest.raises(ServiceError):
            two_factor.use_recovery_code(enrolled, clock.now, code)
    assert two_factor.recovery_codes_left(enrolled) == 10


def test_an_administrator_resets_it_and_every_session_ends(enrolled, admin, clock, audit_events):
    sessions = [_open_session(enrolled, clock.now) for _ in range(2)]

    ended = two_factor.reset(admin, clock.now, enrolled)

    assert ended == 2
    assert all(
        s.ended_reason == "two_factor_reset"
        for s in db.session.scalars(
            select(SignInSession).where(SignInSession.id.in_([s.id for s in sessions]))
        )
    )
    assert enrolled.totp_secret is None and not two_factor.is_set_up(enrolled)
    assert two_factor.recovery_codes_left(enrolled) == 0
    (event,) = audit_events("user.two_factor_reset", "staff_user", enrolled.id)
    assert event.actor_id == admin.id
    assert event.before == {"set_up": True, "recovery_codes_left": 10}
    assert event.after == {"set_up": False, "sessions_ended": 2}
    assert two_factor.start_enrolment(enrolled, clock.now)  # set up afresh next sign-in


@pytest.mark.parametrize("role", [Role.PANEL, Role.GLT, Role.CEM, Role.COLLEAGUE])
def test_only_an_administrator_may_reset_it(enrolled, make_staff, clock, role):
    with pytest.raises(NotAllowed):
        two_factor.reset(make_staff(role), clock.now, enrolled)
    assert two_factor.is_set_up(enrolled)


def test_an_administrator_cannot_reset_their_own(admin, clock):
    two_factor.start_enrolment(admin, clock.now)
    two_factor.confirm_enrolment(admin, clock.now, code_at(admin, clock.now))

    with pytest.raises(ServiceError):
        two_factor.reset(admin, clock.now, admin)
    assert two_factor.is_set_up(admin)
