"""Letters: drafted from a template, previewed, then frozen with a hash when issued."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base
from portal.enums import TitledEnum


class LetterKind(TitledEnum):
    WARNING = "warning"
    ARRANGEMENT = "arrangement"
    RESTRICTION_DECISION = "restriction_decision"
    REVIEW_OUTCOME = "review_outcome"
    CORRESPONDENCE_ACK = "correspondence_ack"
    APPEAL_ACKNOWLEDGEMENT = "appeal_acknowledgement"
    LATE_APPEAL = "late_appeal"
    APPEAL_OUTCOME = "appeal_outcome"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.WARNING: _l("Warning letter"),
            cls.ARRANGEMENT: _l("Contact arrangement letter"),
            cls.RESTRICTION_DECISION: _l("Restriction decision letter"),
            cls.REVIEW_OUTCOME: _l("Restriction review outcome letter"),
            cls.CORRESPONDENCE_ACK: _l("Correspondence acknowledgement"),
            cls.APPEAL_ACKNOWLEDGEMENT: _l("Appeal acknowledgement"),
            cls.LATE_APPEAL: _l("Late appeal decision"),
            cls.APPEAL_OUTCOME: _l("Appeal outcome letter"),
        }


class Letter(Base):
    __tablename__ = "letter"
    __table_args__ = (
        CheckConstraint(
            "length(content_sha256) = 64 AND length(body_html) > 0", name="frozen_content"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    kind: Mapped[LetterKind]
    subject: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(10), default="en")
    body_html: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime]
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
