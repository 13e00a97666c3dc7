"""Themes the Panel tags incidents with, escalations of a theme to BIG or the Complaints
Quality Network, and the Panel's regular reviews of the central register (§10.2)."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.db import Base
from portal.enums import TitledEnum
from portal.incidents.models import Incident

NAME_MAX = 120


class EscalatedTo(TitledEnum):
    BIG = "big"
    CQN = "cqn"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.BIG: _l("Business Influencers Group (BIG)"),
            cls.CQN: _l("Complaints Quality Network"),
        }


class Theme(Base):
    """A recurring theme from the Panel's managed list; retired themes keep their history."""

    __tablename__ = "theme"
    __table_args__ = (
        CheckConstraint("(retired_at IS NULL) = (retired_by_id IS NULL)", name="retired_has_who"),
        CheckConstraint("active = (retired_at IS NULL)", name="active_unless_retired"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    # The name folded (case, spacing), so "Repair delays" and "repair  DELAYS" are one theme.
    name_key: Mapped[str] = mapped_column(String(NAME_MAX), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    retired_at: Mapped[datetime | None]
    retired_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)


class IncidentTheme(Base):
    """One incident tagged with one theme (once: two Panel members tagging at once make one)."""

    __tablename__ = "incident_theme"
    __table_args__ = (
        UniqueConstraint("incident_id", "theme_id", name="uq_incident_theme_pair"),
        Index("ix_incident_theme_theme_incident", "theme_id", "incident_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id"), index=True)
    tagged_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    tagged_at: Mapped[datetime]

    incident: Mapped[Incident] = relationship()
    theme: Mapped[Theme] = relationship()


class ThemeEscalation(Base):
    """A theme taken to BIG or the Complaints Quality Network, and what came of it."""

    __tablename__ = "theme_escalation"
    __table_args__ = (
        CheckConstraint("(outcome_on IS NULL) = (outcome_by_id IS NULL)", name="outcome_has_who"),
        CheckConstraint("outcome_on IS NULL OR outcome <> ''", name="outcome_has_text"),
        CheckConstraint("summary <> ''", name="has_summary"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id"), index=True)
    escalated_to: Mapped[EscalatedTo]
    escalated_on: Mapped[date]
    summary: Mapped[str] = mapped_column(Text)
    escalated_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    recorded_at: Mapped[datetime]
    follow_up_on: Mapped[date | None]
    outcome: Mapped[str] = mapped_column(Text, default="")
    outcome_on: Mapped[date | None]
    outcome_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)

    theme: Mapped[Theme] = relationship()
    escalated_by: Mapped[User] = relationship(foreign_keys=[escalated_by_id])


class RegisterReview(Base):
    """One of the Panel's regular reviews of the central incidents register (§10.2)."""

    __tablename__ = "register_review"
    __table_args__ = (Index("ix_register_review_held_on", "held_on", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date]
    attendees: Mapped[str] = mapped_column(Text)
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    recorded_at: Mapped[datetime]

    recorded_by: Mapped[User] = relationship()
