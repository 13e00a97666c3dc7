"""Append-only, hash-chained audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_entity", "entity_type", "entity_id"),
        # One kind of event over a period (the committee report's reviews, §10.3).
        Index("ix_audit_action_at", "action", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    actor_label: Mapped[str] = mapped_column(String(160))
    action: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    summary: Mapped[str] = mapped_column(String(300), default="")
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The keyed MAC of ``hash`` (AUDIT_KEY) taken as it was appended: recomputing the chain
    # with the public formula cannot make these. Empty only for events from before sealing.
    seal: Mapped[str | None] = mapped_column(String(64))


class AuditSeal:
    """A sealed point of the chain: an event, its hash, and a keyed MAC over both and the time
    (``AUDIT_KEY``), which no one without the key can make for a chain of their own."""

    event_id: Mapped[int]
    event_hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime]


class AuditHead(AuditSeal, Base):
    """The chain's newest event, sealed at every append: one row, rewritten each time, so an
    event deleted from the end leaves the head naming an event that is not there."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)


class AuditCheckpoint(AuditSeal, Base):
    """A sealed head kept for good (every ``CHECKPOINT_EVERY`` events, and whenever an append
    finds the head not as it was left): the audit page checks the trail from the last one that
    was found good, and a chain recomputed before it no longer matches it."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
