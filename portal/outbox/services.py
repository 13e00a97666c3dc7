"""Queue email with the change it reports; send what is due over SMTP, retrying failures."""

from __future__ import annotations

import contextlib
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import func, select

from portal import db
from portal.outbox.models import EmailStatus, OutboxEmail

# After a failure, wait as long again as the email has already waited since it was queued: it is
# tried 1, 2, 4, 8 … minutes after it was queued, then every 6 hours until it goes.
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
# Only a permanent refusal of the email itself (an SMTP 5xx for its recipient or content) counts
# towards giving up. A server that is down, times out or says "try later" (4xx) never does, so
# email waits out an outage of any length.
MAX_REJECTIONS = 20


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
    retrying: int = 0  # failed in this run and kept to try again
    failed: int = 0  # given up in this run
    waiting: int = 0  # after the run: every email still waiting because of a failure


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
        rejections=0,
    )
    db.session.add(email)
    db.session.flush()
    return email


def retry_delay(waited: timedelta) -> timedelta:
    """How long to wait before trying again an email that has waited ``waited`` so far."""
    return min(max(waited, FIRST_RETRY), LONGEST_RETRY)


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


def is_permanent(exc: Exception) -> bool:
    """Say whether the server refused this email for good, rather than for now.

    Only a 5xx for the email's recipient or content is permanent, and the unusual 552 "too
    big" answer to MAIL FROM. Anything about the connection, a 4xx, or a refusal of the sender
    or of the sign-in (the same for every email: the portal's settings, not this email) is not.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        # No recipient at all (an empty address) can never be sent either.
        return all(500 <= code < 600 for code, _text in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return exc.smtp_code == 552
    if isinstance(exc, smtplib.SMTPDataError):
        return 500 <= exc.smtp_code < 600
    # The address needs SMTPUTF8 and this server does not offer it.
    return isinstance(exc, smtplib.SMTPNotSupportedError)


def send_due(settings: SmtpSettings, now: datetime, limit: int = 100) -> SendReport:
    """Send every pending email whose time has come, oldest first, committing after each.

    A server that is down, times out or answers "try later" leaves the email pending, to be
    tried again however long the outage lasts. An email the server refuses for good (5xx) is
    tried again too, and given up after ``MAX_REJECTIONS`` refusals.
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
    if due:
        _send(settings, now, due, report)
    report.waiting = db.session.scalar(
        select(func.count(OutboxEmail.id)).where(
            OutboxEmail.status == EmailStatus.PENDING, OutboxEmail.last_error != ""
        )
    )
    return report


def _send(settings: SmtpSettings, now: datetime, due: list[OutboxEmail], report: SendReport):
    try:
        smtp = _connect(settings)
    except (OSError, smtplib.SMTPException) as exc:
        for email in due:
            _failed(email, now, f"Mail server unavailable: {exc}", report)
        db.session.commit()
        return
    try:
        for email in due:
            if smtp.sock is None:
                break  # the server closed the connection: the rest wait for the next run
            try:
                message = _message(email, settings.sender)
            except ValueError as exc:
                # A header no server could take (e.g. a line break in the address).
                _give_up(email, f"Cannot be sent: {exc}", report)
                db.session.commit()
                continue
            try:
                smtp.send_message(message)
            except (smtplib.SMTPException, OSError) as exc:
                _failed(email, now, _describe(exc), report, permanent=is_permanent(exc))
                db.session.commit()
                if not isinstance(exc, smtplib.SMTPException) or isinstance(
                    exc, smtplib.SMTPServerDisconnected
                ):
                    break  # timed out or cut off: the rest wait for the next run
                continue
            email.status = EmailStatus.SENT
            email.sent_at = now
            email.last_error = ""
            report.sent += 1
            db.session.commit()
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            smtp.quit()


def _describe(exc: Exception) -> str:
    """The server's answer ("550 No such user"), or what went wrong with the connection."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return (
            "; ".join(
                f"{address}: {code} {_text(reply)}"
                for address, (code, reply) in exc.recipients.items()
            )
            or "No recipient address"
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPServerDisconnected) or not isinstance(
        exc, smtplib.SMTPException
    ):
        return f"Connection lost: {exc or type(exc).__name__}"
    return str(exc) or type(exc).__name__


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _failed(
    email: OutboxEmail, now: datetime, error: str, report: SendReport, permanent: bool = False
) -> None:
    email.last_error = error[:1000]
    if permanent:
        email.rejections += 1
        if email.rejections >= MAX_REJECTIONS:
            email.status = EmailStatus.FAILED
            report.failed += 1
            return
    email.next_attempt_at = now + retry_delay(now - email.created_at)
    report.retrying += 1


def _give_up(email: OutboxEmail, error: str, report: SendReport) -> None:
    email.last_error = error[:1000]
    email.status = EmailStatus.FAILED
    report.failed += 1
