"""Appeals against a restriction (§9.1–9.4): lodged by the customer or for them, tracked by
the Customer Experience Manager step by step, decided by GLT."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym

from portal.auth.models import User
from portal.customers.models import Customer
from portal.db import Base
from portal.enums import TitledEnum
from portal.restrictions.models import Restriction
from portal.transitions import Transitions


class AppealStatus(TitledEnum):
    DRAFT = "draft"
    LODGED = "lodged"
    ACKNOWLEDGED = "acknowledged"
    WITH_GLT = "with_glt"
    DECIDED = "decided"
    CLOSED = "closed"
    NOT_ACCEPTED = "not_accepted"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.DRAFT: _l("Not sent yet"),
            cls.LODGED: _l("Received"),
            cls.ACKNOWLEDGED: _l("Acknowledged"),
            cls.WITH_GLT: _l("Being reviewed by the Group Leadership Team"),
            cls.DECIDED: _l("Decided; letter being prepared"),
            cls.CLOSED: _l("Outcome sent"),
            cls.NOT_ACCEPTED: _l("Late appeal not accepted"),
        }


class AppealChannel(TitledEnum):
    PORTAL = "portal"
    PHONE = "phone"
    LETTER = "letter"
    EMAIL = "email"
    IN_PERSON = "in_person"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.PORTAL: _l("Online, in the portal"),
            cls.PHONE: _l("By phone"),
            cls.LETTER: _l("By letter"),
            cls.EMAIL: _l("By email"),
            cls.IN_PERSON: _l("In person"),
        }


class AppealOutcome(TitledEnum):
    UPHELD = "upheld"
    OVERTURNED = "overturned"
    VARIED = "varied"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.UPHELD: _l("The restriction stays as it is"),
            cls.OVERTURNED: _l("The restriction is removed"),
            cls.VARIED: _l("The restriction is changed"),
        }


FORMATS = {
    "": _l("No preference"),
    "large_print": _l("Large print"),
    "easy_read": _l("Easy read"),
    "audio": _l("Audio"),
    "braille": _l("Braille"),
    "phone_call": _l("Talked through on the phone"),
}


class Appeal(Base):
    __tablename__ = "appeal"
    __table_args__ = (
        CheckConstraint(
            "status = 'draft' OR (received_at IS NOT NULL AND received_on IS NOT NULL "
            "AND grounds <> '')",
            name="lodged_has_grounds",
        ),
        CheckConstraint(
            "NOT late OR status = 'draft' OR late_reason <> ''", name="late_has_reason"
        ),
        CheckConstraint(
            "status NOT IN ('decided', 'closed') OR (outcome IS NOT NULL AND decided_by_id IS "
            "NOT NULL AND outcome_reasons <> '')",
            name="decision_complete",
        ),
        Index("ix_appeal_status_received", "status", "received_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    restriction_id: Mapped[int] = mapped_column(ForeignKey("restriction.id"), index=True)
    status: Mapped[AppealStatus] = mapped_column(default=AppealStatus.DRAFT)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Lodging
    received_at: Mapped[datetime | None]
    # The working day the appeal's clock counts from (§9.1, §9.3): the day it arrived, or the
    # next working day if it arrived after the cut-off or on a day we are closed. When it
    # really arrived is ``received_at``. The column keeps its first name.
    counted_from: Mapped[date | None] = mapped_column("received_on")
    # The old name, kept while tests that read it move over to ``counted_from``.
    received_on = synonym("counted_from")
    channel: Mapped[AppealChannel] = mapped_column(default=AppealChannel.PORTAL)
    lodged_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    helped_by: Mapped[str] = mapped_column(String(200), default="")
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The decision the appeal is against, set when it is sent: "letter:<id>" for the decision
    # letter (however many restrictions it set), or "restriction:<id>" for a restriction that
    # came without one. Its unique index lets the database itself allow one appeal per
    # decision (§9.4); drafts have none, so a customer may keep a draft on each restriction.
    decision_key: Mapped[str | None] = mapped_column(String(60), index=True, unique=True)
    grounds: Mapped[str] = mapped_column(Text, default="")
    new_information: Mapped[str] = mapped_column(Text, default="")
    # None until the customer answers: the question is never answered for them.
    needs_interpreter: Mapped[bool | None] = mapped_column(default=None)
    interpreter_language: Mapped[str] = mapped_column(String(80), default="")
    preferred_format: Mapped[str] = mapped_column(String(20), default="")
    representative: Mapped[str] = mapped_column(String(200), default="")
    other_support: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[date]
    late: Mapped[bool] = mapped_column(default=False)
    late_reason: Mapped[str] = mapped_column(Text, default="")
    late_accepted: Mapped[bool | None]
    late_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    late_decision_reason: Mapped[str] = mapped_column(Text, default="")
    # The CEM's steps (§9.1–9.4)
    acknowledged_on: Mapped[date | None]
    expected_outcome_on: Mapped[date | None]
    referred_on: Mapped[date | None]
    reviewed_on: Mapped[date | None]
    cem_notified_on: Mapped[date | None]
    customer_told_on: Mapped[date | None]
    outcome: Mapped[AppealOutcome | None]
    outcome_reasons: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    acknowledgement_letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id"))
    late_letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id"))
    outcome_letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id"))

    # Each step is taken once (§9.1–9.4). LODGED → LODGED is the CEM accepting a late appeal.
    TRANSITIONS = Transitions(
        {
            AppealStatus.DRAFT: (AppealStatus.LODGED,),
            AppealStatus.LODGED: (
                AppealStatus.LODGED,
                AppealStatus.ACKNOWLEDGED,
                AppealStatus.NOT_ACCEPTED,
            ),
            AppealStatus.ACKNOWLEDGED: (AppealStatus.WITH_GLT,),
            AppealStatus.WITH_GLT: (AppealStatus.DECIDED,),
            AppealStatus.DECIDED: (AppealStatus.CLOSED,),
        },
        entity="appeal",
        reached_by={
            AppealStatus.LODGED: "appeal.lodged",
            AppealStatus.ACKNOWLEDGED: "appeal.acknowledged",
            AppealStatus.NOT_ACCEPTED: "appeal.late_decided",
            AppealStatus.WITH_GLT: "appeal.referred",
            AppealStatus.DECIDED: "appeal.decided",
            AppealStatus.CLOSED: "appeal.outcome_sent",
        },
        said={
            AppealStatus.LODGED: "This appeal has already been sent",
            AppealStatus.ACKNOWLEDGED: "This appeal has already been acknowledged",
            AppealStatus.NOT_ACCEPTED: "The late appeal has already been refused",
            AppealStatus.WITH_GLT: "This appeal has already been passed to GLT",
            AppealStatus.DECIDED: "GLT has already decided this appeal",
            AppealStatus.CLOSED: "The outcome letter has already been sent",
        },
    )

    customer: Mapped[Customer] = relationship()
    restriction: Mapped[Restriction] = relationship()
    lodged_by: Mapped[User | None] = relationship(foreign_keys=[lodged_by_staff_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    evidence: Mapped[list[AppealEvidence]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AppealEvidence.id"
    )

    @property
    def open(self) -> bool:
        return self.status not in (
            AppealStatus.DRAFT,
            AppealStatus.CLOSED,
            AppealStatus.NOT_ACCEPTED,
        )


class AppealEvidence(Base):
    """A file sent with an appeal, stored outside static/."""

    __tablename__ = "appeal_evidence"
    __table_args__ = (CheckConstraint("size_bytes > 0", name="not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeal.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime]
