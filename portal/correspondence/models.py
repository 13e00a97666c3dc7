"""Correspondence received while all contact is ended (§9.5), and where each item has got to."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.customers.models import Customer
from portal.db import Base
from portal.enums import TitledEnum
from portal.errors import Problem
from portal.transitions import Transitions


class CorrespondenceStatus(TitledEnum):
    LOGGED = "logged"
    READ = "read"
    CHECKED = "checked"
    ACKNOWLEDGED = "acknowledged_and_filed"
    ROUTED = "routed_for_review"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.LOGGED: _l("Logged, not yet read"),
            cls.READ: _l("Read, not yet checked"),
            cls.CHECKED: _l("Checked"),
            cls.ACKNOWLEDGED: _l("Acknowledged and filed"),
            cls.ROUTED: _l("Routed for review"),
        }

    @property
    def is_settled(self) -> bool:
        """Acknowledged and filed, or routed to the Panel: nothing is left to do with it."""
        return self not in OPEN_CORRESPONDENCE


class Correspondence(Base):
    """An item received while all contact is terminated: read, checked, then filed or routed."""

    __tablename__ = "correspondence"
    __table_args__ = (
        CheckConstraint("(read_at IS NULL) = (read_by_id IS NULL)", name="read_has_who"),
        CheckConstraint(
            "status = 'logged' OR read_at IS NOT NULL", name="read_before_anything_else"
        ),
        CheckConstraint(
            "status IN ('logged', 'read') OR checked_at IS NOT NULL", name="checked_before_outcome"
        ),
        CheckConstraint(
            "status <> 'acknowledged_and_filed' OR "
            "(NOT new_information AND NOT safeguarding_concern AND letter_id IS NOT NULL)",
            name="filed_only_without_concerns",
        ),
        Index("ix_correspondence_customer_status", "customer_id", "status"),
        Index("ix_correspondence_status_received", "status", "received_at"),
    )

    TRANSITIONS = Transitions(
        {
            CorrespondenceStatus.LOGGED: (CorrespondenceStatus.READ,),
            CorrespondenceStatus.READ: (CorrespondenceStatus.CHECKED,),
            CorrespondenceStatus.CHECKED: (
                CorrespondenceStatus.ACKNOWLEDGED,
                CorrespondenceStatus.ROUTED,
            ),
        },
        entity="correspondence",
        reached_by={
            CorrespondenceStatus.READ: "correspondence.read",
            CorrespondenceStatus.CHECKED: "correspondence.checked",
            CorrespondenceStatus.ACKNOWLEDGED: "correspondence.closed",
            CorrespondenceStatus.ROUTED: "correspondence.closed",
        },
        said={
            CorrespondenceStatus.READ: Problem(
                "correspondence.read_already", _l("This item has already been read")
            ),
            CorrespondenceStatus.CHECKED: Problem(
                "correspondence.checked_already", _l("This item has already been checked")
            ),
            CorrespondenceStatus.ACKNOWLEDGED: Problem(
                "correspondence.acknowledged_already",
                _l("This item has already been acknowledged and filed"),
            ),
            CorrespondenceStatus.ROUTED: Problem(
                "correspondence.routed_already",
                _l("This item has already been routed to the Panel"),
            ),
        },
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    restriction_id: Mapped[int] = mapped_column(ForeignKey("restriction.id"), index=True)
    received_at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text)
    logged_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    status: Mapped[CorrespondenceStatus] = mapped_column(default=CorrespondenceStatus.LOGGED)
    read_at: Mapped[datetime | None]
    read_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    checked_at: Mapped[datetime | None]
    new_information: Mapped[bool] = mapped_column(default=False)
    safeguarding_concern: Mapped[bool] = mapped_column(default=False)
    check_notes: Mapped[str] = mapped_column(Text, default="")
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id"), index=True)
    closed_at: Mapped[datetime | None]

    customer: Mapped[Customer] = relationship()

    @property
    def needs_handling(self) -> bool:
        return self.status in OPEN_CORRESPONDENCE

    @property
    def is_settled(self) -> bool:
        """Acknowledged and filed, or routed to the Panel."""
        return self.status.is_settled


# Correspondence still to read, check, or file or route (§9.5).
OPEN_CORRESPONDENCE = (
    CorrespondenceStatus.LOGGED,
    CorrespondenceStatus.READ,
    CorrespondenceStatus.CHECKED,
)
