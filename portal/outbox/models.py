"""Email waiting to be sent: written in the same transaction as the change it reports, sent
later by `flask worker` (or `flask send-email`), retried while the mail server is unavailable.
A sender claims each email for a while before sending it, so several senders never send one
twice while they run."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base
from portal.enums import TitledEnum


class EmailStatus(TitledEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.PENDING: _l("Waiting to be sent"),
            cls.SENT: _l("Sent"),
            cls.FAILED: _l("Gave up after repeated failures"),
        }


class OutboxEmail(Base):
    __tablename__ = "outbox_email"
    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name="sent_has_time"),
        Index("ix_outbox_email_due", "status", "next_attempt_at"),
        Index("ix_outbox_email_claimed_by", "claimed_by"),
        CheckConstraint(
            "(claimed_by IS NULL AND claimed_until IS NULL)"
            " OR (claimed_by IS NOT NULL AND claimed_until IS NOT NULL)",
            name="claim_has_lease",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    # What the email is about, so the same reminder is not queued twice (e.g. "appeal:12:ack").
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime]
    status: Mapped[EmailStatus] = mapped_column(default=EmailStatus.PENDING)
    # How many times the mail server has refused this email for good (an SMTP 5xx for its
    # recipient or content); a server that is down or answers "try later" never counts. The
    # column keeps its first name, "attempts", so no migration is needed.
    rejections: Mapped[int] = mapped_column("attempts", default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None]
    # The sender sending it now, and until when that claim holds: past it (the sender died, or
    # lost its connection to the database) any sender may claim the email again.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]
