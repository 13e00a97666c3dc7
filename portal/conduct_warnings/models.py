"""Staged written warnings (§8.7–8.13)."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.db import Base
from portal.enums import TitledEnum
from portal.letters.delivery import sent_line
from portal.restrictions.models import Delivery


class Stage(TitledEnum):
    FIRST = "first"
    SECOND = "second"
    FINAL = "final"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.FIRST: _l("First stage warning"),
            cls.SECOND: _l("Second stage warning"),
            cls.FINAL: _l("Final warning"),
        }

    @property
    def clause(self) -> str:
        return {"first": "8.7", "second": "8.10", "final": "8.12"}[self.value]

    @property
    def letter_title(self):
        """The title of the letter that gives a warning of this stage (the customer's list of
        letters names each stage's letter apart)."""
        return {
            Stage.FIRST: _l("First stage warning letter"),
            Stage.SECOND: _l("Second stage warning letter"),
            Stage.FINAL: _l("Final warning letter"),
        }[self]

    @property
    def is_first(self) -> bool:
        return self is Stage.FIRST

    @property
    def is_second(self) -> bool:
        return self is Stage.SECOND

    @property
    def is_final(self) -> bool:
        return self is Stage.FINAL


class ConductWarning(Base):
    __tablename__ = "conduct_warning"
    __table_args__ = (
        CheckConstraint("lapses_on > issued_on", name="lapses_after_issue"),
        # Warnings issued before the delivery step (issue 16) have neither; every later one both.
        CheckConstraint("(delivery IS NULL) = (sent_at IS NULL)", name="delivery_has_time"),
        Index("ix_warning_customer_issued", "customer_id", "issued_on"),
        Index("ix_warning_issued", "issued_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), unique=True)
    stage: Mapped[Stage]
    issued_on: Mapped[date]
    lapses_on: Mapped[date]
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    issued_at: Mapped[datetime]
    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id"), unique=True)
    delivery: Mapped[Delivery | None]
    sent_at: Mapped[datetime | None]

    issued_by: Mapped[User] = relationship()

    @property
    def sent_line(self) -> str:
        """How and when the letter went, e.g. "Sent by post on 5 December 2026"."""
        return sent_line(self.delivery, self.sent_at)

    def live_on(self, day: date) -> bool:
        return self.issued_on <= day <= self.lapses_on
