"""Issued committee reports (§10.3): the report as it was sent to a committee, frozen."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.db import Base
from portal.reports.shape import Committee


class IssuedReport(Base):
    """A six-monthly report issued to one committee for one meeting: its figures kept as
    they were (``content``, the report as plain JSON) with the SHA-256 of that JSON, so it is
    shown and downloaded as issued, never worked out again. One committee is issued the
    report for one period once for each meeting."""

    __tablename__ = "issued_report"
    __table_args__ = (
        UniqueConstraint(
            "committee",
            "period_start",
            "period_end",
            "meeting_date",
            name="uq_issued_report_once_per_meeting",
        ),
        CheckConstraint("period_end >= period_start", name="period_in_order"),
        CheckConstraint("length(content_sha256) = 64", name="hashed"),
        Index("ix_issued_report_issued_at", "issued_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    committee: Mapped[Committee]
    meeting_date: Mapped[date]
    period_start: Mapped[date]
    period_end: Mapped[date]
    content: Mapped[dict] = mapped_column(JSON)
    content_sha256: Mapped[str] = mapped_column(String(64))
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    issued_at: Mapped[datetime]

    issued_by: Mapped[User] = relationship()
