"""Customer accounts: access codes, activation, sign-in and password reset."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash

from portal import db
from portal.accounts.models import AccessCode, CustomerAccount
from portal.audit import services as audit
from portal.auth import sessions
from portal.auth.services import dummy_hash, hash_password
from portal.customers.models import Customer
from portal.customers.services import record_letter_language
from portal.errors import Problem, ServiceError

ACCESS_CODE_DAYS = 28
# No 0/O, 1/I/L, 5/S or 2/Z: the code is often read from paper or over the phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRTUVWXY346789"
CODE_LENGTH = 10
MIN_PASSWORD = 10
RESET_MAX_AGE = timedelta(hours=1)
# Where a letter preview shows the code that the sent letter will carry.
PREVIEW_CODE = "•••••-•••••"


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _code_hash(customer_id: int, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    message = f"{customer_id}:{normalise_code(code)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _format_code(raw: str) -> str:
    return f"{raw[:5]}-{raw[5:]}"


def issue_access_code(actor, now: datetime, customer: Customer) -> tuple[AccessCode, str]:
    """Make a new one-time code for ``customer`` (earlier unused codes stop working).

    Returns the stored record and the code itself, which is shown once and never stored.
    """
    db.session.execute(
        update(AccessCode)
        .where(
            AccessCode.customer_id == customer.id,
            AccessCode.used_at.is_(None),
            AccessCode.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    record = AccessCode(
        customer_id=customer.id,
        code_hash=_code_hash(customer.id, raw),
        created_at=now,
        expires_at=now + timedelta(days=ACCESS_CODE_DAYS),
        issued_by_id=actor.id,
    )
    db.session.add(record)
    db.session.flush()
    audit.record(
        actor,
        now,
        "customer.access_code_issued",
        "customer",
        customer.id,
        f"Portal access code issued for {customer.reference}",
        after={"expires_at": record.expires_at},
    )
    return record, _format_code(raw)


def _check_password_rules(password: str, errors: dict, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD:
        errors[field] = Problem(
            "account.password_short",
            _l("Use at least %(count)d characters for your password", count=MIN_PASSWORD),
        )
    elif len(password) > 200:
        errors[field] = Problem(
            "account.password_long", _l("Use 200 characters or fewer for your password")
        )


def activate(
    reference: str, code: str, email: str, password: str, now: datetime
) -> CustomerAccount:
    """Open (or re-open) the customer's account with their reference and access code.

    :raises ServiceError: for a wrong or expired code, an email in use, or a short password.
    """
    reference = reference.strip().upper()[:40]
    errors: dict[str, Problem] = {}
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        errors["email"] = Problem(
            "account.email_invalid", _l("Enter your email address, like name@example.com")
        )
    _check_password_rules(password, errors)
    customer = db.session.scalar(
        select(Customer).where(func.upper(Customer.reference) == reference)
    )
    record = None
    if customer is not None:
        record = db.session.scalar(
            select(AccessCode).where(
                AccessCode.customer_id == customer.id,
                AccessCode.code_hash == _code_hash(customer.id, code),
                AccessCode.used_at.is_(None),
                AccessCode.revoked_at.is_(None),
                AccessCode.expires_at > now,
            )
        )
    if record is None:
        errors["code"] = Problem(
            "account.code_wrong",
            _l(
                "The reference or access code is not right, or the code has expired. Check your "
                "letter, or ask us for a new code."
            ),
        )
        raise ServiceError(errors)
    account = db.session.scalar(
        select(CustomerAccount).where(CustomerAccount.customer_id == customer.id)
    )
    taken = db.session.scalar(
        select(CustomerAccount.id).where(
            func.lower(CustomerAccount.email) == email,
            CustomerAccount.customer_id != customer.id,
        )
    )
    if taken is not None:
        errors["email"] = Problem(
            "account.email_taken",
            _l(
                "This email address already has an account. Sign in with it, or use a "
                "different address."
            ),
        )
    if errors:
        raise ServiceError(errors)
    if account is None:
        account = CustomerAccount(customer_id=customer.id, activated_at=now)
        db.session.add(account)
    account.email = email
    account.password_hash = hash_password(password)
    account.password_changed_at = now
    account.active = True
    record.used_at = now
    db.session.flush()
    account.customer = customer
    audit.record(
        account,
        now,
        "customer.account_activated",
        "customer",
        customer.id,
        f"Portal account opened by {customer.reference}",
    )
    return account


def authenticate(email: str, password: str) -> CustomerAccount | None:
    """The active account with this email and password, or None (throttling is the caller's)."""
    email = email.strip().lower()[:254]
    account = db.session.scalar(
        select(CustomerAccount).where(
            func.lower(CustomerAccount.email) == email, CustomerAccount.active.is_(True)
        )
    )
    ok = check_password_hash(account.password_hash if account else dummy_hash(), password)
    return account if account and ok else None


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="customer-password-reset")


def _fingerprint(account: CustomerAccount) -> str:
    """Changes whenever the password does, so a used link stops working."""
    return hashlib.sha256(account.password_hash.encode()).hexdigest()[:20]


def reset_token(account: CustomerAccount, now: datetime) -> str:
    """A link token that works until the password changes, for at most an hour."""
    return _serializer().dumps([account.id, _fingerprint(account), now.timestamp()])


def account_for_reset(token: str, now: datetime) -> CustomerAccount | None:
    try:
        account_id, fingerprint, issued = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(account_id, int) or not isinstance(issued, int | float):
        return None
    age = now.timestamp() - issued
    if not 0 <= age <= RESET_MAX_AGE.total_seconds():
        return None
    account = db.session.get(CustomerAccount, account_id)
    if account is None or not account.active or _fingerprint(account) != fingerprint:
        return None
    return account


def set_password(account: CustomerAccount, password: str, now: datetime) -> None:
    errors: dict[str, Problem] = {}
    _check_password_rules(password, errors)
    if errors:
        raise ServiceError(errors)
    account.password_hash = hash_password(password)
    account.password_changed_at = now
    ended = sessions.end_all(account, now, "password_reset")
    db.session.flush()
    audit.record(
        account,
        now,
        "customer.password_reset",
        "customer",
        account.customer_id,
        "Portal password changed with a reset link",
        after={"sessions_ended": ended},
    )


def choose_letter_language(account: CustomerAccount, now: datetime, language: str, languages):
    """The customer's own answer to which language we write their letters in (English is
    always sent as well). Choosing the language of the portal's pages never changes it.

    :raises ServiceError: ``language`` (``letters.language_unknown``) if it is not one of
        ``languages``.
    """
    if language not in languages:
        raise ServiceError(
            {"language": Problem("letters.language_unknown", _l("Choose a language from the list"))}
        )
    record_letter_language(account, now, account.customer, language, by=" by the customer")
