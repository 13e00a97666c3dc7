"""The organisation's own details and policy settings, edited by an administrator."""

from __future__ import annotations

from datetime import time

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base


class Organisation(Base):
    __tablename__ = "organisation"
    __table_args__ = (
        CheckConstraint("panel_review_days BETWEEN 1 AND 60", name="review_days_range"),
        CheckConstraint("panel_review_unit IN ('calendar', 'working')", name="review_unit"),
        CheckConstraint("postal_delivery_days BETWEEN 0 AND 10", name="postal_days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    policy_title: Mapped[str] = mapped_column(String(160), default="Customer Conduct Policy")
    policy_url: Mapped[str] = mapped_column(String(500), default="")
    complaints_contact: Mapped[str] = mapped_column(Text, default="")
    emergency_contact: Mapped[str] = mapped_column(Text, default="")
    appeals_contact: Mapped[str] = mapped_column(Text, default="")
    review_request_contact: Mapped[str] = mapped_column(Text, default="")
    postal_delivery_days: Mapped[int] = mapped_column(default=2)
    cutoff_time: Mapped[time] = mapped_column(default=time(17, 0))
    panel_review_days: Mapped[int] = mapped_column(default=5)
    panel_review_unit: Mapped[str] = mapped_column(String(10), default="calendar")
    # Loaded only when a page or letter in another language asks for one.
    texts: Mapped[list[OrganisationText]] = relationship(
        cascade="all, delete-orphan", order_by="OrganisationText.field"
    )


class OrganisationText(Base):
    """One customer-facing text (how to complain, appeal…) in one language other than
    English; a language with no row shows the English, marked as English."""

    __tablename__ = "organisation_text"
    __table_args__ = (
        CheckConstraint(
            "field IN ('complaints_contact', 'emergency_contact', 'appeals_contact',"
            " 'review_request_contact')",
            name="known_field",
        ),
        CheckConstraint("language <> 'en'", name="not_english"),
        CheckConstraint("length(text) > 0", name="not_blank"),
    )

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    field: Mapped[str] = mapped_column(String(40), primary_key=True)
    language: Mapped[str] = mapped_column(String(10), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
