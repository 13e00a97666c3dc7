"""Queue email with the change it reports; send what is due over SMTP, retrying failures."""

from __future__ import annotations

import contextlib
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select

from portal import db
from portal.outbox.models import EmailStatus, OutboxEmail

# Wait longer after each failed attempt: 1, 2, 4 … minutes, at most 6 hours.
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
MAX_ATTEMPTS = 20


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    username: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 10.0


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def enqueue(
    to_address: str, subject: str, body_text: str, now: datetime, dedupe_key: str | None = None
) -> OutboxEmail | None:
    """Add an email to the outbox (flush only: it commits with the caller's change).

    Returns None when an email with the same ``dedupe_key`` is already queued or sent.
    """
    if dedupe_key is not None:
        existing = db.session.scalar(
            select(OutboxEmail.id).where(OutboxEmail.dedupe_key == dedupe_key)
        )
        if existing is not None:
            return None
    email = OutboxEmail(
        to_address=to_address.strip(),
        subject=subject[:200],
        body_text=body_text,
        dedupe_key=dedupe_key,
        created_at=now,
        next_attempt_at=now,
        status=EmailStatus.PENDING,
        attempts=0,
    )
    db.session.add(email)
    db.session.flush()
    return email


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


def _message(email: OutboxEmail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Message-ID"] = f"<outbox-{email.id}@{sender.rpartition('@')[2] or 'localhost'}>"
    message.set_content(email.body_text)
    return message


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    if settings.starttls:
        smtp.starttls()
    if settings.username:
        smtp.login(settings.username, settings.password)
    return smtp


def send_due(settings: SmtpSettings, now: datetime, limit: int = 100) -> SendReport:
    """Send every pending email whose time has come, oldest first, committing after each.

    A server that cannot be reached leaves every email pending for a later run; an address the
    server refuses is retried with growing gaps and given up after ``MAX_ATTEMPTS``.
    """
    report = SendReport()
    due = list(
        db.session.scalars(
            select(OutboxEmail)
            .where(OutboxEmail.status == EmailStatus.PENDING, OutboxEmail.next_attempt_at <= now)
            .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
            .limit(limit)
        )
    )
    if not due:
        return report
    try:
        smtp = _connect(settings)
    except (OSError, smtplib.SMTPException) as exc:
        for email in due:
            _failed(email, now, f"Mail server unavailable: {exc}", report)
        db.session.commit()
        return report
    try:
        for email in due:
            try:
                smtp.send_message(_message(email, settings.sender))
            except (TimeoutError, smtplib.SMTPServerDisconnected, ConnectionError) as exc:
                _failed(email, now, f"Connection lost: {exc}", report)
                db.session.commit()
                break
            except (smtplib.SMTPException, OSError) as exc:
                _failed(email, now, str(exc), report)
            else:
                email.status = EmailStatus.SENT
                email.sent_at = now
                email.attempts += 1
                email.last_error = ""
                report.sent += 1
            db.session.commit()
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            smtp.quit()
    return report


def _failed(email: OutboxEmail, now: datetime, error: str, report: SendReport) -> None:
    email.attempts += 1
    email.last_error = error[:1000]
    if email.attempts >= MAX_ATTEMPTS:
        email.status = EmailStatus.FAILED
        report.failed += 1
    else:
        email.next_attempt_at = now + retry_delay(email.attempts)
        report.retrying += 1
