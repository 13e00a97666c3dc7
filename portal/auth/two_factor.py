"""Two-factor sign-in for staff: a code from an authenticator app (TOTP), or a recovery code.

The Panel, the Community Safety Manager, GLT, the Customer Experience Manager and
administrators (``permissions.needs_second_factor``) set it up at their first sign-in: a new
secret, shown as a QR code and as text, confirmed with the first code the app gives. Each
code is taken once: the last time-step accepted is kept, and a code from that step or an
earlier one is refused, even within the 30 seconds it is shown for. Ten recovery codes, each
single-use and kept only as a hash, sign in without the app.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update

from portal import db
from portal.audit import services as audit
from portal.auth import permissions, sessions
from portal.auth.models import RecoveryCode, User
from portal.errors import NotAllowed, Problem, ServiceError

ISSUER = "Customer Conduct Portal"
RECOVERY_CODES = 10
# No 0/o, 1/l/i: the codes are written down and typed back.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 10
# Codes one step either side of now are accepted (pyotp's valid_window=1): phones drift.
VALID_WINDOW = 1

WRONG_CODE = Problem(
    "two_factor.code_wrong",
    _l("The code is not right. Enter the 6-digit code your authenticator app shows now"),
)
WRONG_RECOVERY_CODE = Problem(
    "two_factor.recovery_code_wrong",
    _l("The recovery code is not right, or it has been used already"),
)
ALREADY_SET_UP = Problem(
    "two_factor.set_up_already",
    _l("Two-factor sign-in is set up already: sign in with a code from your app"),
)
NOT_SET_UP = Problem("two_factor.not_set_up", _l("Set up two-factor sign-in first"))


def is_set_up(user: User) -> bool:
    return user.totp_secret is not None and user.totp_confirmed_at is not None


def provisioning_uri(user: User) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def start_enrolment(user: User, now: datetime) -> str:
    """Give ``user`` a new secret for their app, or the one they have not confirmed yet.

    :raises ServiceError: when it is set up already (an administrator can reset it).
    """
    if is_set_up(user):
        raise ServiceError(ALREADY_SET_UP)
    if user.totp_secret is None:
        user.totp_secret = pyotp.random_base32()
        user.totp_last_step = None
        db.session.flush()
        audit.record(
            user,
            now,
            "user.two_factor_started",
            "staff_user",
            user.id,
            f"Two-factor sign-in setup started for {user.email}",
        )
    return user.totp_secret


def confirm_enrolment(user: User, now: datetime, code: str) -> list[str]:
    """Accept the first code from the app and return the recovery codes, shown only now.

    :raises ServiceError: for a wrong code, or when it is set up already.
    """
    if is_set_up(user):
        raise ServiceError(ALREADY_SET_UP)
    if user.totp_secret is None:
        raise ServiceError(
            {
                "code": Problem(
                    "two_factor.not_started",
                    _l("Scan the QR code again: setting up had not started"),
                )
            }
        )
    _accept_code(user, now, code)
    user.totp_confirmed_at = now
    codes = _new_recovery_codes(user, now)
    db.session.flush()
    audit.record(
        user,
        now,
        "user.two_factor_set_up",
        "staff_user",
        user.id,
        f"Two-factor sign-in set up for {user.email}",
        after={"recovery_codes": len(codes)},
    )
    return codes


def verify_code(user: User, now: datetime, code: str) -> None:
    """Accept a code from ``user``'s authenticator app, once.

    :raises ServiceError: for a wrong code, or one already used.
    """
    if not is_set_up(user):
        raise ServiceError({"code": NOT_SET_UP})
    _accept_code(user, now, code)


def use_recovery_code(user: User, now: datetime, code: str) -> int:
    """Accept one of ``user``'s recovery codes, never again; return how many are left.

    :raises ServiceError: for a wrong code, or one used already.
    """
    if not is_set_up(user):
        raise ServiceError({"recovery_code": NOT_SET_UP})
    digest = _hash(user, code)
    found = db.session.scalar(
        select(RecoveryCode.id).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == digest,
            RecoveryCode.used_at.is_(None),
        )
    )
    # Two requests with the same code at once: only the one whose update lands is let in.
    taken = found is not None and (
        db.session.execute(
            update(RecoveryCode)
            .where(RecoveryCode.id == found, RecoveryCode.used_at.is_(None))
            .values(used_at=now)
        ).rowcount
        == 1
    )
    if not taken:
        raise ServiceError({"recovery_code": WRONG_RECOVERY_CODE})
    left = recovery_codes_left(user)
    audit.record(
        user,
        now,
        "user.recovery_code_used",
        "staff_user",
        user.id,
        f"{user.email} signed in with a recovery code",
        after={"recovery_codes_left": left},
    )
    return left


def reset(actor, now: datetime, user: User) -> int:
    """Clear ``user``'s authenticator and recovery codes and sign them out everywhere; they set
    it up again at their next sign-in. Returns how many sessions were ended.

    :raises NotAllowed: unless ``actor`` manages users; :raises ServiceError: for their own.
    """
    if not permissions.can_manage_users(actor):
        raise NotAllowed
    if user.id == actor.id:
        raise ServiceError(
            Problem(
                "two_factor.reset_own",
                _l("Ask another administrator to reset your own two-factor sign-in"),
            )
        )
    before = {"set_up": is_set_up(user), "recovery_codes_left": recovery_codes_left(user)}
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    ended = sessions.end_all(user, now, "two_factor_reset")
    db.session.flush()
    audit.record(
        actor,
        now,
        "user.two_factor_reset",
        "staff_user",
        user.id,
        f"Two-factor sign-in reset for {user.email}",
        before=before,
        after={"set_up": False, "sessions_ended": ended},
    )
    return ended


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        select(func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    )


def _accept_code(user: User, now: datetime, code: str) -> None:
    """Take ``code`` if it is the app's code for a step near ``now`` later than the last one
    taken; the update is conditional, so of two requests with one code only one gets in."""
    step = _matching_step(user.totp_secret, _digits(code), now)
    taken = step is not None and (
        db.session.execute(
            update(User)
            .where(
                User.id == user.id,
                or_(User.totp_last_step.is_(None), User.totp_last_step < step),
            )
            .values(totp_last_step=step)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
    if not taken:
        raise ServiceError({"code": WRONG_CODE})
    user.totp_last_step = step


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time-step whose code is ``code``, within ``VALID_WINDOW`` steps of ``now``.

    ``TOTP.verify(code, for_time=now, valid_window=1)`` does the same but does not say which
    step matched, and the step is what stops a code being used twice.
    """
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _digits(code: str) -> str:
    return "".join(code.split()).replace("-", "")


def _normal_recovery(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _hash(user: User, code: str) -> str:
    # The codes are random (about 50 bits each), so a fast hash is enough; the account id
    # keeps one person's hashes from matching another's.
    return hashlib.sha256(f"{user.id}:{_normal_recovery(code)}".encode()).hexdigest()


def _new_recovery_codes(user: User, now: datetime) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        code = f"{raw[:5]}-{raw[5:]}"
        codes.append(code)
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash(user, code), created_at=now))
    return codes
