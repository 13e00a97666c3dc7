"""The Restricted Contact Review (Appendix C) and its outcome (§10.1)."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.db import Base
from portal.enums import TitledEnum
from portal.restrictions.models import Delivery


class ReviewOutcome(TitledEnum):
    CONTINUE = "continue"
    VARY = "vary"
    LIFT = "lift"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.CONTINUE: _l("Continue the restriction"),
            cls.VARY: _l("Vary the restriction"),
            cls.LIFT: _l("Lift the restriction"),
        }

    @property
    def lifts(self) -> bool:
        """The restriction ends: the customer may contact us in the usual ways again."""
        return self == ReviewOutcome.LIFT

    @property
    def varies(self) -> bool:
        """A restriction with new terms replaces the one reviewed (a new decision)."""
        return self == ReviewOutcome.VARY

    @property
    def keeps_restriction(self) -> bool:
        """A restriction stays in force (the same or varied), so a next review is set."""
        return self != ReviewOutcome.LIFT


class RestrictionReview(Base):
    """Restricted Contact Review Form (Appendix C), every 6 months (§10.1)."""

    __tablename__ = "restriction_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    restriction_id: Mapped[int] = mapped_column(ForeignKey("restriction.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    reviewed_at: Mapped[datetime]
    outcome: Mapped[ReviewOutcome]
    reasons: Mapped[str] = mapped_column(Text)
    behaviour_since: Mapped[str] = mapped_column(Text, default="")
    next_review_on: Mapped[date | None]
    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id"), index=True)
    # How the review letter went (None for reviews recorded before it was chosen).
    delivery: Mapped[Delivery | None]

    reviewer: Mapped[User] = relationship()
