"""Requests to restrict contact (Appendix B) and restrictions (§8.19).

A restriction's six-monthly review is in :mod:`portal.reviews.models`, correspondence received
while all contact is ended in :mod:`portal.correspondence.models`."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
    false,
    or_,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.customers.models import Customer
from portal.db import Base
from portal.enums import TitledEnum
from portal.errors import Problem
from portal.transitions import Transitions


class RestrictionKind(TitledEnum):
    CHANNEL_ONLY = "channel_only"
    NAMED_MANAGER = "named_manager"
    SET_TIMES = "set_times"
    THIRD_PARTY = "third_party"
    TERMINATION = "termination"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.CHANNEL_ONLY: _l("Contact only by one named channel"),
            cls.NAMED_MANAGER: _l("Contact only through one named manager"),
            cls.SET_TIMES: _l("Calls only on set days and times, or under a contact agreement"),
            cls.THIRD_PARTY: _l("Contact only through an agreed third-party representative"),
            cls.TERMINATION: _l("All contact ended for a period"),
        }


class ContactRoute(TitledEnum):
    LETTER = "letter"
    EMAIL = "email"

    @classmethod
    def titles(cls) -> dict:
        return {cls.LETTER: _l("Letter"), cls.EMAIL: _l("Email")}


class RequestStatus(TitledEnum):
    SUBMITTED = "submitted"
    MORE_INFO = "more_information_requested"
    APPROVED = "approved"
    APPROVED_WITH_CHANGES = "approved_with_changes"
    REJECTED = "rejected"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.SUBMITTED: _l("Waiting for the Group Leadership Team"),
            cls.MORE_INFO: _l("More information requested"),
            cls.APPROVED: _l("Approved"),
            cls.APPROVED_WITH_CHANGES: _l("Approved with changes"),
            cls.REJECTED: _l("Rejected"),
        }

    @property
    def decided(self) -> bool:
        return self in (self.APPROVED, self.APPROVED_WITH_CHANGES, self.REJECTED)


class EiaOutcome(TitledEnum):
    """What an Equality Impact Assessment found (§4.7)."""

    NO_IMPACT = "no_impact"
    ADJUSTMENTS = "adjustments_made"
    RESTRICTION_CHANGED = "restriction_changed"
    NOT_COMPLETE = "not_complete"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.NO_IMPACT: _l("Completed: no impact found"),
            cls.ADJUSTMENTS: _l("Completed: adjustments made"),
            cls.RESTRICTION_CHANGED: _l("Completed: the restriction was changed because of it"),
            cls.NOT_COMPLETE: _l("Not yet complete"),
        }


# The points of §8.17 that the Panel answers with evidence. The eighth, "a final warning has
# been issued", is read from the data (RestrictionRequest.final_warning_id), not ticked.
CHECKLIST: dict[str, object] = {
    "complaint_responded": _l("The complaint or service request has been responded to properly"),
    "policies_followed": _l("We have followed all our policies and procedures"),
    "decisions_right": _l("The decisions we have reached are the right ones"),
    "communications_adequate": _l("Our communications with the customer were adequate"),
    "no_new_information": _l("The customer is not giving significant new information"),
    "robust_records": _l("We have clear records of excessive contact or unreasonable behaviour"),
    "external_referrals": _l("We have made referrals to external agencies where appropriate"),
}

# Said to whoever answers a request that was decided first.
REQUEST_DECIDED = Problem(
    "restriction_request.decided_already", _l("This request has already been decided")
)


class RestrictionRequest(Base):
    __tablename__ = "restriction_request"
    __table_args__ = (
        CheckConstraint(
            "final_warning_id IS NOT NULL OR "
            "(waiver_incident_id IS NOT NULL AND waiver_reason <> '')",
            name="final_warning_or_waiver",
        ),
        CheckConstraint(
            "status NOT IN ('approved', 'approved_with_changes', 'rejected') OR "
            "(decided_by_id IS NOT NULL AND decided_at IS NOT NULL AND decision_reasons <> '')",
            name="decision_complete",
        ),
        CheckConstraint(
            "decided_by_id IS NULL OR decided_by_id <> requested_by_id", name="not_own_request"
        ),
        # Requests made before these questions were asked have no answers (NULL); every
        # answer given has its words, and a needed assessment has its outcome (§4.5, §4.7).
        CheckConstraint(
            "representative_considered IS NULL OR representative_decision <> ''",
            name="representative_explained",
        ),
        CheckConstraint(
            "eia_needed IS NULL OR NOT eia_needed OR eia_outcome IS NOT NULL",
            name="eia_outcome_when_needed",
        ),
        CheckConstraint(
            "decision_eia_needed IS NULL OR NOT decision_eia_needed "
            "OR decision_eia_outcome IS NOT NULL",
            name="decision_eia_outcome_when_needed",
        ),
        CheckConstraint(
            "NOT other_methods_exhausted OR other_methods_tried <> ''",
            name="exhausted_methods_described",
        ),
        Index("ix_restriction_request_status", "status", "requested_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    requested_at: Mapped[datetime]
    checklist: Mapped[dict] = mapped_column(JSON, default=dict)  # key → evidence text
    final_warning_id: Mapped[int | None] = mapped_column(
        ForeignKey("conduct_warning.id"), index=True
    )
    waiver_incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"), index=True)
    waiver_reason: Mapped[str] = mapped_column(Text, default="")
    proposed_kinds: Mapped[list] = mapped_column(JSON, default=list)
    proposal: Mapped[str] = mapped_column(Text)
    status: Mapped[RequestStatus] = mapped_column(default=RequestStatus.SUBMITTED)
    more_info_question: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    decided_at: Mapped[datetime | None]
    decision_reasons: Mapped[str] = mapped_column(Text, default="")
    # §4.5: was a representative, relative or support worker considered, and what came of it.
    representative_considered: Mapped[bool | None]
    representative_decision: Mapped[str] = mapped_column(Text, default="", server_default="")
    # §4.7: whether an Equality Impact Assessment was needed, and what it found, as the Panel
    # sent it and as GLT confirmed or recorded it at the decision.
    eia_needed: Mapped[bool | None]
    eia_outcome: Mapped[EiaOutcome | None]
    eia_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    decision_eia_needed: Mapped[bool | None]
    decision_eia_outcome: Mapped[EiaOutcome | None]
    decision_eia_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    # §9.5: all other methods of restricted contact exhausted before all contact is ended.
    other_methods_exhausted: Mapped[bool] = mapped_column(default=False, server_default=false())
    other_methods_tried: Mapped[str] = mapped_column(Text, default="", server_default="")

    # GLT decides a submitted request once (§8.19), or asks the Panel for more first.
    TRANSITIONS = Transitions(
        {
            RequestStatus.SUBMITTED: (
                RequestStatus.MORE_INFO,
                RequestStatus.APPROVED,
                RequestStatus.APPROVED_WITH_CHANGES,
                RequestStatus.REJECTED,
            ),
            RequestStatus.MORE_INFO: (RequestStatus.SUBMITTED,),
        },
        entity="restriction_request",
        reached_by={
            RequestStatus.SUBMITTED: "restriction_request.resubmitted",
            RequestStatus.MORE_INFO: "restriction_request.more_info",
            RequestStatus.APPROVED: "restriction_request.decided",
            RequestStatus.APPROVED_WITH_CHANGES: "restriction_request.decided",
            RequestStatus.REJECTED: "restriction_request.decided",
        },
        said={
            RequestStatus.SUBMITTED: Problem(
                "restriction_request.sent_back",
                _l("The Panel has sent this request back with its answer"),
            ),
            RequestStatus.MORE_INFO: Problem(
                "restriction_request.more_info_already",
                _l("GLT has already asked the Panel for more information"),
            ),
            RequestStatus.APPROVED: REQUEST_DECIDED,
            RequestStatus.APPROVED_WITH_CHANGES: REQUEST_DECIDED,
            RequestStatus.REJECTED: REQUEST_DECIDED,
        },
    )

    customer: Mapped[Customer] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    parts: Mapped[list[RequestParticipant]] = relationship(
        back_populates="request", order_by="RequestParticipant.id"
    )

    @property
    def more_information_requested(self) -> bool:
        """GLT has asked the Panel a question and waits for the answer."""
        return self.status == RequestStatus.MORE_INFO

    @property
    def author_ids(self) -> set[int]:
        """Everyone who wrote or changed the request: none of them may decide it."""
        return {p.user_id for p in self.parts if p.part != RequestPart.DECIDED} | {
            self.requested_by_id
        }


class RequestPart(TitledEnum):
    REQUESTED = "requested"
    ANSWERED = "answered"
    DECIDED = "decided"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.REQUESTED: _l("Made the request"),
            cls.ANSWERED: _l("Answered GLT's question"),
            cls.DECIDED: _l("Decided the request"),
        }


class RequestParticipant(Base):
    """One person's part in a request: writing it, changing it, or deciding it.

    Each person has one part only (the unique constraint), so the database itself refuses a
    decision by anyone who wrote or changed the request (§8.16, separation of duties).
    """

    __tablename__ = "restriction_request_participant"
    __table_args__ = (UniqueConstraint("request_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("restriction_request.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    part: Mapped[RequestPart]
    at: Mapped[datetime]

    request: Mapped[RestrictionRequest] = relationship(back_populates="parts")


class RestrictionStatus(TitledEnum):
    AWAITING_NOTICE = "awaiting_notice"
    ACTIVE = "active"
    LIFTED = "lifted"
    ENDED = "ended"
    REPLACED = "replaced"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.AWAITING_NOTICE: _l("Approved; decision letter not yet sent"),
            cls.ACTIVE: _l("In force"),
            cls.LIFTED: _l("Lifted at review"),
            cls.ENDED: _l("Ended"),
            cls.REPLACED: _l("Replaced by a varied restriction"),
        }


class Delivery(TitledEnum):
    PORTAL = "portal"
    EMAIL = "email"
    POST = "post"
    HAND = "hand"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.PORTAL: _l("In the customer portal"),
            cls.EMAIL: _l("By email"),
            cls.POST: _l("By post"),
            cls.HAND: _l("By hand"),
        }


class Restriction(Base):
    __tablename__ = "restriction"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
        CheckConstraint("review_on > starts_on", name="review_after_start"),
        CheckConstraint("kind <> 'channel_only' OR channel IS NOT NULL", name="channel_named"),
        CheckConstraint(
            "kind <> 'named_manager' OR named_manager_id IS NOT NULL", name="manager_named"
        ),
        CheckConstraint("kind <> 'set_times' OR schedule <> ''", name="schedule_set"),
        CheckConstraint("kind <> 'third_party' OR third_party <> ''", name="third_party_named"),
        CheckConstraint("kind <> 'termination' OR ends_on IS NOT NULL", name="termination_ends"),
        CheckConstraint(
            "status = 'awaiting_notice' OR immediate_notice OR (letter_id IS NOT NULL "
            "AND notified_on IS NOT NULL AND appeal_deadline IS NOT NULL)",
            name="notified_has_letter",
        ),
        Index("ix_restriction_customer_status", "customer_id", "status"),
        Index("ix_restriction_status_review", "status", "review_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("restriction_request.id"), index=True)
    kind: Mapped[RestrictionKind]
    channel: Mapped[ContactRoute | None]
    named_manager_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    schedule: Mapped[str] = mapped_column(Text, default="")
    third_party: Mapped[str] = mapped_column(String(200), default="")
    reasons: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[date]
    review_on: Mapped[date]
    ends_on: Mapped[date | None]
    immediate_notice: Mapped[bool] = mapped_column(default=False)
    status: Mapped[RestrictionStatus] = mapped_column(default=RestrictionStatus.AWAITING_NOTICE)
    approved_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    approved_at: Mapped[datetime]
    delivery: Mapped[Delivery | None]
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id"), index=True)
    notified_on: Mapped[date | None]
    appeal_deadline: Mapped[date | None]
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("restriction.id"), index=True)
    reintroduces_id: Mapped[int | None] = mapped_column(ForeignKey("restriction.id"), index=True)
    reintroduce_reason: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None]

    # The decision letter puts a restriction in force (ACTIVE → ACTIVE: the letter of one in
    # force at once); a review lifts or replaces it, an appeal ends or replaces it.
    TRANSITIONS = Transitions(
        {
            RestrictionStatus.AWAITING_NOTICE: (
                RestrictionStatus.ACTIVE,
                RestrictionStatus.LIFTED,
                RestrictionStatus.REPLACED,
            ),
            RestrictionStatus.ACTIVE: (
                RestrictionStatus.ACTIVE,
                RestrictionStatus.LIFTED,
                RestrictionStatus.ENDED,
                RestrictionStatus.REPLACED,
            ),
        },
        entity="restriction",
        reached_by={
            RestrictionStatus.ACTIVE: "restriction.notified",
            RestrictionStatus.LIFTED: "restriction.reviewed",
            RestrictionStatus.REPLACED: "restriction.reviewed",
        },
    )

    customer: Mapped[Customer] = relationship()
    named_manager: Mapped[User | None] = relationship(foreign_keys=[named_manager_id])
    approved_by: Mapped[User] = relationship(foreign_keys=[approved_by_id])

    @property
    def is_active(self) -> bool:
        """In force, or notified and starting later (see :meth:`in_force_on` for a day)."""
        return self.status == RestrictionStatus.ACTIVE

    @property
    def is_lifted(self) -> bool:
        """Lifted at a review: it can be reintroduced if the behaviour starts again."""
        return self.status == RestrictionStatus.LIFTED

    def in_force_on(self, day: date) -> bool:
        """In force on ``day``: notified (or started at once) and within its dates."""
        return (
            self.status == RestrictionStatus.ACTIVE
            and self.starts_on <= day
            and (self.ends_on is None or day <= self.ends_on)
        )

    def starts_after(self, day: date) -> bool:
        """Decided and notified, but not in force until a later start date."""
        return self.status == RestrictionStatus.ACTIVE and self.starts_on > day

    def ran_out_by(self, day: date) -> bool:
        """Its end date has passed (it is no longer in force, whatever its status says)."""
        return (
            self.status == RestrictionStatus.ACTIVE
            and self.ends_on is not None
            and self.ends_on < day
        )

    @property
    def needs_decision_letter(self) -> bool:
        """Waiting for its decision letter, or in force at once (or reintroduced) without one."""
        return (
            self.status in (RestrictionStatus.AWAITING_NOTICE, RestrictionStatus.ACTIVE)
            and self.letter_id is None
            and self.notified_on is None
        )

    @classmethod
    def in_force_clause(cls, day: date):
        """SQL for :meth:`in_force_on`."""
        return and_(
            cls.status == RestrictionStatus.ACTIVE,
            cls.starts_on <= day,
            or_(cls.ends_on.is_(None), cls.ends_on >= day),
        )

    @classmethod
    def not_run_out_clause(cls, day: date):
        """SQL for restrictions in force on ``day`` or starting later."""
        return and_(
            cls.status == RestrictionStatus.ACTIVE,
            or_(cls.ends_on.is_(None), cls.ends_on >= day),
        )

    @classmethod
    def needs_letter_clause(cls):
        """SQL for :attr:`needs_decision_letter`."""
        return and_(
            cls.status.in_((RestrictionStatus.AWAITING_NOTICE, RestrictionStatus.ACTIVE)),
            cls.letter_id.is_(None),
            cls.notified_on.is_(None),
        )
