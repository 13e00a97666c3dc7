"""The Panel's review of an incident report (§7.2, §8.7–8.14, §4.5, §4.7)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.db import Base
from portal.enums import TitledEnum


class Outcome(TitledEnum):
    NO_ACTION = "no_action"
    INFORMAL = "informal_arrangement"
    WARNING = "warning"
    ASB_REFERRAL = "asb_referral"
    RESTRICTION_REQUEST = "restriction_request"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.NO_ACTION: _l("No action"),
            cls.INFORMAL: _l("Informal arrangement (§8.15)"),
            cls.WARNING: _l("Written warning"),
            cls.ASB_REFERRAL: _l("Referral for anti-social behaviour remedies (§8.4)"),
            cls.RESTRICTION_REQUEST: _l("Request to restrict contact (§8.16)"),
        }


# §7.2: the context the Panel must weigh before deciding behaviour is unreasonable.
CONTEXT_CONSIDERATIONS: dict[str, object] = {
    "angry_not_unreasonable": _l("Being angry, upset or emotional is not in itself unreasonable"),
    "legitimate_queries": _l("Raising legitimate queries or criticisms is not unreasonable"),
    "out_of_character": _l("Upsetting circumstances before contact may explain the behaviour"),
    "proportionate_distress": _l("Distress may be in proportion to the loss or wrong suffered"),
    "health_or_language": _l("Health or language and comprehension difficulties may drive it"),
}


# The longest summary of the behaviour a warning letter will quote (§8.9).
LETTER_SUMMARY_MAX = 1500


class PanelReview(Base):
    __tablename__ = "panel_review"
    __table_args__ = (
        CheckConstraint(
            "NOT support_referral OR support_referral_to <> ''", name="referral_names_service"
        ),
        Index("ix_panel_review_reviewed", "reviewed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), unique=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    reviewed_at: Mapped[datetime]
    context_considered: Mapped[list] = mapped_column(JSON, default=list)
    context_notes: Mapped[str] = mapped_column(Text)
    vulnerability_considered: Mapped[bool] = mapped_column(default=False)
    vulnerability_notes: Mapped[str] = mapped_column(Text, default="")
    support_referral: Mapped[bool] = mapped_column(default=False)
    support_referral_to: Mapped[str] = mapped_column(Text, default="")
    eia_needed: Mapped[bool] = mapped_column(default=False)
    eia_notes: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[Outcome]
    reasons: Mapped[str] = mapped_column(Text)
    # What the warning letter says happened (§8.9), in the Panel's words, not the report's.
    letter_summary: Mapped[str] = mapped_column(Text, default="", server_default="")

    reviewer: Mapped[User] = relationship()

    @property
    def gives_warning(self) -> bool:
        """Whether the Panel decided on a written warning (§8.7–8.12)."""
        return self.outcome == Outcome.WARNING
