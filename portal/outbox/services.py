"""Queue email with the change it reports; send what is due over SMTP, retrying failures.

Any number of senders (`flask worker` on several machines, or `flask send-email`) may run at
once: each claims a batch of emails before sending them, so no two send the same email while
they run. The guarantee is at-least-once, not exactly-once: a sender that dies after the mail
server took an email but before it recorded "sent" leaves its claim to expire, and the email is
sent again by another sender (a few minutes later, with the same Message-ID, which lets most
mail systems drop the copy). Nothing is ever lost that way.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import smtplib
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

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
# How long a sender's claim on an email holds. It is renewed just before each email is sent, so
# it need only outlast one conversation with the mail server; a sender that dies leaves its
# claims to lapse, and then any sender may take the email.
CLAIM_LEASE = timedelta(minutes=5)


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


def sender_name() -> str:
    """Name one sender uniquely across machines and processes: host, process id, random."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def claim_due(sender: str, now: datetime, limit: int = 100) -> list[OutboxEmail]:
    """Claim for ``sender`` up to ``limit`` pending emails that are due and held by no other
    sender, commit the claim, and return the emails claimed, oldest first.

    The claim is a short transaction of its own. On PostgreSQL the rows are picked with
    ``SELECT … FOR UPDATE SKIP LOCKED``, so senders claiming at the same moment take different
    emails without waiting for each other, then marked. On SQLite one conditional UPDATE picks
    and marks them as the transaction's first statement, which takes the write lock: claims
    follow one another and each sees the ones before it.
    """
    db.session.commit()  # the claim is a transaction of its own, begun by its write
    unclaimed = or_(OutboxEmail.claimed_until.is_(None), OutboxEmail.claimed_until < now)
    due = and_(
        OutboxEmail.status == EmailStatus.PENDING, OutboxEmail.next_attempt_at <= now, unclaimed
    )
    pick = (
        select(OutboxEmail.id)
        .where(due)
        .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
        .limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        # Picked apart from the UPDATE: as its subquery, the plan may run the pick again as
        # the UPDATE goes, and each run, no longer seeing the rows just claimed as free,
        # takes more (30 emails for a limit of 10, in tests/services/test_outbox_claims.py).
        pick = list(db.session.scalars(pick.with_for_update(skip_locked=True)))
    db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id.in_(pick), due)  # re-checked on each row as it is claimed
        .values(claimed_by=sender, claimed_until=now + CLAIM_LEASE)
        .execution_options(synchronize_session=False)
    )
    claimed = list(
        db.session.scalars(
            select(OutboxEmail)
            .where(OutboxEmail.claimed_by == sender, OutboxEmail.status == EmailStatus.PENDING)
            .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
            .execution_options(populate_existing=True)
        )
    )
    db.session.commit()
    return claimed


def send_due(
    settings: SmtpSettings,
    now: datetime,
    limit: int = 100,
    sender: str | None = None,
    clock: Callable[[], datetime] | None = None,
) -> SendReport:
    """Claim the pending emails whose time has come, oldest first, and send them, committing
    after each.

    A server that is down, times out or answers "try later" leaves the email pending, to be
    tried again however long the outage lasts. An email the server refuses for good (5xx) is
    tried again too, and given up after ``MAX_REJECTIONS`` refusals. ``clock`` tells the time
    as the batch goes on (by default ``now`` throughout), to renew each claim before its email
    is sent; emails claimed but not reached are released for the next run. Each email is sent
    at least once and, unless a sender dies between the server's "accepted" and its own
    record of it, exactly once.
    """
    sender = sender or sender_name()
    report = SendReport()
    due = claim_due(sender, now, limit)
    if due:
        try:
            _send(settings, now, due, report, sender, clock or (lambda: now))
        except BaseException:
            db.session.rollback()
            with contextlib.suppress(SQLAlchemyError):
                _release(sender)  # else the claims lapse after CLAIM_LEASE
            raise
        _release(sender)
    report.waiting = db.session.scalar(
        select(func.count(OutboxEmail.id)).where(
            OutboxEmail.status == EmailStatus.PENDING, OutboxEmail.last_error != ""
        )
    )
    db.session.commit()
    return report


def _still_ours(email: OutboxEmail, sender: str, now: datetime) -> bool:
    """Renew ``sender``'s claim on ``email`` and commit; False if another sender has taken it
    (this sender's claim lapsed first)."""
    renewed = db.session.execute(
        update(OutboxEmail)
        .where(
            OutboxEmail.id == email.id,
            OutboxEmail.claimed_by == sender,
            OutboxEmail.status == EmailStatus.PENDING,
        )
        .values(claimed_until=now + CLAIM_LEASE)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return renewed.rowcount == 1


def _release(sender: str) -> None:
    """Give back the emails ``sender`` claimed but did not reach, for the next run."""
    db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.claimed_by == sender, OutboxEmail.status == EmailStatus.PENDING)
        .values(claimed_by=None, claimed_until=None)
    )
    db.session.commit()


def _send(
    settings: SmtpSettings,
    now: datetime,
    due: list[OutboxEmail],
    report: SendReport,
    sender: str,
    clock: Callable[[], datetime],
) -> None:
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
            if not _still_ours(email, sender, clock()):
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
            # At-least-once: should this process die here, the server has the email but the
            # outbox does not know; the claim lapses and another sender sends it again.
            email.status = EmailStatus.SENT
            email.sent_at = now
            email.last_error = ""
            _unclaim(email)
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


def _unclaim(email: OutboxEmail) -> None:
    email.claimed_by = None
    email.claimed_until = None


def _failed(
    email: OutboxEmail, now: datetime, error: str, report: SendReport, permanent: bool = False
) -> None:
    email.last_error = error[:1000]
    _unclaim(email)
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
    _unclaim(email)
    email.status = EmailStatus.FAILED
    report.failed += 1
