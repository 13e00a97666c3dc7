"""The organisation's own details and policy settings, edited by an administrator."""

from __future__ import annotations

from datetime import time

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

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
