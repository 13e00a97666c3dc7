"""Incident reports (Appendix A), their attachments and the line manager's §8.3 decision."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.customers.models import Customer
from portal.db import Base
from portal.enums import TitledEnum
from portal.errors import Problem
from portal.incidents.catalogue import Category, Channel
from portal.transitions import Transitions


class Route(TitledEnum):
    ASB = "panel_asb"
    POLICE_PANEL = "police_then_panel"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.ASB: _l("Customer Conduct Panel / Community Safety Manager, ASB remedies (§8.4)"),
            cls.POLICE_PANEL: _l("Police where criminal; Panel considers other action (§8.6)"),
        }


class IncidentStatus(TitledEnum):
    AWAITING_REVIEW = "awaiting_review"
    REVIEWED = "reviewed"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.AWAITING_REVIEW: _l("Awaiting Panel review"),
            cls.REVIEWED: _l("Reviewed by the Panel"),
        }


class Incident(Base):
    __tablename__ = "incident"
    __table_args__ = (
        CheckConstraint(
            "(manager_decided_at IS NULL) = (manager_decided_by_id IS NULL)",
            name="decided_has_who",
        ),
        CheckConstraint(
            "NOT police_informed OR police_informed_at IS NOT NULL", name="police_when"
        ),
        CheckConstraint("occurred_at <= reported_at", name="not_in_future"),
        CheckConstraint(
            "(serious_marked_at IS NULL) = (serious_marked_by_id IS NULL)",
            name="serious_marked_has_who",
        ),
        CheckConstraint(
            "serious_marked_at IS NULL OR serious_reason <> ''", name="serious_marked_has_reason"
        ),
        Index("ix_incident_status_due", "status", "review_due_on"),
        Index("ix_incident_customer_occurred", "customer_id", "occurred_at"),
        Index("ix_incident_reported", "reported_at", "id"),
        Index("ix_incident_line_manager_reported", "line_manager_id", "reported_at"),
        # A line manager's reports still waiting for their §8.3 decision, oldest first.
        Index(
            "ix_incident_line_manager_waiting",
            "line_manager_id",
            "manager_decided_at",
            "reported_at",
        ),
        Index("ix_incident_reported_by_reported", "reported_by_id", "reported_at"),
        # The committee report's Panel review compliance: reviews due in a period (§10.3).
        Index("ix_incident_review_due", "review_due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    line_manager_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    occurred_at: Mapped[datetime]
    reported_at: Mapped[datetime]
    channel: Mapped[Channel]
    location: Mapped[str] = mapped_column(String(200), default="")
    service_area: Mapped[str] = mapped_column(String(80), default="")
    example_types: Mapped[list] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text)
    immediate_action: Mapped[str] = mapped_column(Text, default="")
    witnesses: Mapped[str] = mapped_column(Text, default="")
    injury: Mapped[bool] = mapped_column(default=False)
    injury_details: Mapped[str] = mapped_column(Text, default="")
    protected_characteristics: Mapped[list] = mapped_column(JSON, default=list)
    police_informed: Mapped[bool] = mapped_column(default=False)
    police_informed_at: Mapped[datetime | None]
    crime_reference: Mapped[str] = mapped_column(String(40), default="")
    # Serious under §8.1 (see portal/incidents/rules.py): from the report, unless the Panel
    # has marked it one way or the other, with a reason.
    serious: Mapped[bool] = mapped_column(default=False)
    serious_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    serious_marked_at: Mapped[datetime | None]
    serious_marked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id"), index=True
    )
    route: Mapped[Route]
    status: Mapped[IncidentStatus] = mapped_column(default=IncidentStatus.AWAITING_REVIEW)
    review_due_on: Mapped[date]
    manager_decisions: Mapped[list] = mapped_column(JSON, default=list)
    manager_notes: Mapped[str] = mapped_column(Text, default="")
    manager_decided_at: Mapped[datetime | None]
    manager_decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id"), index=True
    )

    # The Panel reviews a report once (§7.2).
    TRANSITIONS = Transitions(
        {IncidentStatus.AWAITING_REVIEW: (IncidentStatus.REVIEWED,)},
        entity="incident",
        reached_by={IncidentStatus.REVIEWED: "incident.reviewed"},
        said={
            IncidentStatus.REVIEWED: Problem(
                "incident.reviewed_already", _l("This incident has already been reviewed")
            )
        },
    )

    customer: Mapped[Customer] = relationship()
    reported_by: Mapped[User] = relationship(foreign_keys=[reported_by_id])
    line_manager: Mapped[User] = relationship(foreign_keys=[line_manager_id])
    serious_marked_by: Mapped[User | None] = relationship(foreign_keys=[serious_marked_by_id])
    category_links: Mapped[list[IncidentCategory]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="IncidentCategory.id"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        cascade="all, delete-orphan", order_by="Attachment.id"
    )

    @property
    def categories(self) -> list[Category]:
        return [link.category for link in self.category_links]

    @property
    def manager_decided(self) -> bool:
        return self.manager_decided_at is not None

    @property
    def serious_marked_by_panel(self) -> bool:
        return self.serious_marked_at is not None

    @property
    def serious_judgement_seen(self) -> str:
        """The Panel's judgement as it stands, in a word the form carries (its hidden ``seen``):
        "" until the Panel marks it. A judgement sent from a page that showed another is
        refused, so one member never overwrites another's unread."""
        if self.serious_marked_at is None:
            return ""
        said = (
            f"{self.serious}|{self.serious_marked_by_id}|"
            f"{self.serious_marked_at.isoformat()}|{self.serious_reason}"
        )
        return hashlib.sha256(said.encode()).hexdigest()[:16]

    @property
    def route_is_asb(self) -> bool:
        return self.route == Route.ASB

    def review_overdue(self, today: date) -> bool:
        return self.status != IncidentStatus.REVIEWED and today > self.review_due_on


class IncidentCategory(Base):
    __tablename__ = "incident_category"
    __table_args__ = (
        UniqueConstraint("incident_id", "category"),
        Index("ix_incident_category_category", "category", "incident_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    category: Mapped[Category]


class Attachment(Base):
    """Evidence file stored outside static/, served only to people who may see the incident."""

    __tablename__ = "attachment"
    __table_args__ = (CheckConstraint("size_bytes > 0", name="not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    uploaded_at: Mapped[datetime]
