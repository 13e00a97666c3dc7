"""Appeals against a restriction (§9.1–9.4): lodged by the customer or for them, tracked by
the Customer Experience Manager step by step, decided by GLT."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.customers.models import Customer
from portal.db import Base
from portal.enums import TitledEnum
from portal.errors import Problem
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


# An appeal in one of these states is the end of the road for its decision (§9.2, §9.4).
FINAL = (AppealStatus.CLOSED, AppealStatus.NOT_ACCEPTED)

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
        Index("ix_appeal_status_next_due", "status", "next_due_on"),
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
    channel: Mapped[AppealChannel] = mapped_column(default=AppealChannel.PORTAL)
    lodged_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
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
    late_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    late_decision_reason: Mapped[str] = mapped_column(Text, default="")
    # The CEM's steps (§9.1–9.4)
    acknowledged_on: Mapped[date | None]
    expected_outcome_on: Mapped[date | None]
    referred_on: Mapped[date | None]
    reviewed_on: Mapped[date | None]
    cem_notified_on: Mapped[date | None]
    customer_told_on: Mapped[date | None]
    # Each step's due date (§9.1–9.4), counted when the appeal is sent, again at each step and
    # when the calendar or the cut-off changes (portal/deadlines.py), so lists read them.
    # ``next_due_on`` is the due date of the step it waits on now; None once none is left.
    acknowledge_due_on: Mapped[date | None]
    to_glt_due_on: Mapped[date | None]
    glt_review_due_on: Mapped[date | None]
    notify_cem_due_on: Mapped[date | None]
    tell_customer_due_on: Mapped[date | None]
    next_due_on: Mapped[date | None]
    outcome: Mapped[AppealOutcome | None]
    outcome_reasons: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    acknowledgement_letter_id: Mapped[int | None] = mapped_column(
        ForeignKey("letter.id"), index=True
    )
    late_letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id"), index=True)
    outcome_letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id"), index=True)

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
            AppealStatus.LODGED: Problem("appeal.sent", _l("This appeal has already been sent")),
            AppealStatus.ACKNOWLEDGED: Problem(
                "appeal.acknowledged_already", _l("This appeal has already been acknowledged")
            ),
            AppealStatus.NOT_ACCEPTED: Problem(
                "appeal.refused_already", _l("The late appeal has already been refused")
            ),
            AppealStatus.WITH_GLT: Problem(
                "appeal.with_glt_already", _l("This appeal has already been passed to GLT")
            ),
            AppealStatus.DECIDED: Problem(
                "appeal.decided_already", _l("GLT has already decided this appeal")
            ),
            AppealStatus.CLOSED: Problem(
                "appeal.outcome_sent_already", _l("The outcome letter has already been sent")
            ),
        },
    )

    customer: Mapped[Customer] = relationship()
    restriction: Mapped[Restriction] = relationship()
    lodged_by: Mapped[User | None] = relationship(foreign_keys=[lodged_by_staff_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    evidence: Mapped[list[AppealEvidence]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AppealEvidence.id"
    )

    # Where the appeal is, asked of the model so pages never compare status strings.
    @property
    def is_draft(self) -> bool:
        """Not sent yet: the customer's alone."""
        return self.status == AppealStatus.DRAFT

    @property
    def is_lodged(self) -> bool:
        """Sent and waiting for the CEM to acknowledge it (or, if late, to accept it)."""
        return self.status == AppealStatus.LODGED

    @property
    def is_acknowledged(self) -> bool:
        """Acknowledged and waiting to be passed to GLT."""
        return self.status == AppealStatus.ACKNOWLEDGED

    @property
    def is_with_glt(self) -> bool:
        """Waiting for GLT's decision."""
        return self.status == AppealStatus.WITH_GLT

    @property
    def is_decided(self) -> bool:
        """Decided by GLT; the outcome letter is still to be sent."""
        return self.status == AppealStatus.DECIDED

    @property
    def is_closed(self) -> bool:
        """Decided and the customer told the outcome in writing (§9.4)."""
        return self.status == AppealStatus.CLOSED

    @property
    def is_not_accepted(self) -> bool:
        """Late, and the CEM did not accept it (§9.2)."""
        return self.status == AppealStatus.NOT_ACCEPTED

    @property
    def is_open(self) -> bool:
        """Sent and still being dealt with."""
        return self.status not in (AppealStatus.DRAFT, *FINAL)

    @property
    def is_final(self) -> bool:
        """Over: decided or refused as late, with no further appeal (§9.2, §9.4)."""
        return self.status in FINAL

    @property
    def awaiting_late_decision(self) -> bool:
        """Sent late, and the CEM has not yet decided whether to accept it (§9.2)."""
        return self.is_lodged and self.late and self.late_accepted is None

    @property
    def overturned(self) -> bool:
        """GLT removed the restriction on appeal."""
        return self.outcome == AppealOutcome.OVERTURNED

    @property
    def varied(self) -> bool:
        """GLT changed the restriction on appeal."""
        return self.outcome == AppealOutcome.VARIED

    @property
    def came_by_portal(self) -> bool:
        """Sent online by the customer, not given to staff by phone, letter, email or in person."""
        return self.channel == AppealChannel.PORTAL


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
