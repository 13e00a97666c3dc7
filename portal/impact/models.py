"""An Equality Impact Assessment opened from a Panel review that said one is needed (§4.7)."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.customers.models import Customer
from portal.db import Base
from portal.enums import TitledEnum
from portal.incidents.models import Incident

# Working days from the Panel's review to the assessment's due date (day 0 is the review).
DUE_WORKING_DAYS = 10


class AssessmentStatus(TitledEnum):
    OPEN = "open"
    COMPLETED = "completed"

    @classmethod
    def titles(cls) -> dict:
        return {cls.OPEN: _l("Open"), cls.COMPLETED: _l("Completed")}


class AssessmentOutcome(TitledEnum):
    """What the assessment found. The first two share their stored values with the outcomes a
    restriction request records (portal.restrictions.models.EiaOutcome)."""

    NO_IMPACT = "no_impact"
    ADJUSTMENTS = "adjustments_made"
    ACTION_CHANGED = "action_changed"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.NO_IMPACT: _l("No adjustment needed"),
            cls.ADJUSTMENTS: _l("Adjustments made"),
            cls.ACTION_CHANGED: _l("The action taken was changed because of it"),
        }

    @property
    def needs_adjustments(self) -> bool:
        """Whether the outcome is only complete once the adjustments are described."""
        return self in (AssessmentOutcome.ADJUSTMENTS, AssessmentOutcome.ACTION_CHANGED)


class ImpactAssessment(Base):
    """One assessment: open until its outcome is recorded, then completed for good.

    ``version`` goes up by one with every change, so a form sent from a page shown before
    someone else's change is told so rather than overwriting it.
    """

    __tablename__ = "impact_assessment"
    __table_args__ = (
        CheckConstraint(
            "(status = 'completed') = (completed_at IS NOT NULL)", name="completed_has_when"
        ),
        CheckConstraint(
            "(completed_at IS NULL) = (completed_by_id IS NULL)", name="completed_has_who"
        ),
        CheckConstraint("(completed_at IS NULL) = (outcome IS NULL)", name="completed_has_outcome"),
        CheckConstraint("completed_at IS NULL OR considered <> ''", name="completed_has_reasons"),
        CheckConstraint("version > 0", name="version_positive"),
        Index("ix_impact_assessment_status_due", "status", "due_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_review_id: Mapped[int] = mapped_column(ForeignKey("panel_review.id"), unique=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    opened_at: Mapped[datetime]
    due_on: Mapped[date]
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    status: Mapped[AssessmentStatus] = mapped_column(default=AssessmentStatus.OPEN)
    outcome: Mapped[AssessmentOutcome | None]
    # What was considered (the customer's needs, the effect of the action on them) ...
    considered: Mapped[str] = mapped_column(Text, default="")
    # ... and what was changed or provided because of it.
    adjustments: Mapped[str] = mapped_column(Text, default="")
    completed_at: Mapped[datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)

    incident: Mapped[Incident] = relationship()
    customer: Mapped[Customer] = relationship()
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])

    @property
    def is_open(self) -> bool:
        return self.status == AssessmentStatus.OPEN

    def overdue(self, today: date) -> bool:
        return self.is_open and self.due_on < today
