"""Informal arrangements (§8.15): terms the Panel approves and the customer agrees to."""

from __future__ import annotations

from datetime import date, datetime, time

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.customers.models import Customer
from portal.db import Base
from portal.enums import TitledEnum
from portal.errors import Problem
from portal.letters.delivery import sent_line
from portal.letters.models import Letter
from portal.restrictions.models import Delivery
from portal.transitions import Transitions

WEEKDAYS = [_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday")]


class TermKind(TitledEnum):
    MEDIATOR = "mediator"
    THIRD_PARTY = "third_party"
    WEEKLY_CORRESPONDENCE = "weekly_correspondence"
    CALL_TIME = "call_time"
    CALL_LENGTH = "call_length"
    ISSUE_LIMIT = "issue_limit"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.MEDIATOR: _l("An independent mediator liaises between us"),
            cls.THIRD_PARTY: _l("We work through an agreed third party"),
            cls.WEEKLY_CORRESPONDENCE: _l("We correspond once a week"),
            cls.CALL_TIME: _l("Calls at an agreed time"),
            cls.CALL_LENGTH: _l("A limit on the length of phone calls"),
            cls.ISSUE_LIMIT: _l("A limit on the number of issues raised"),
        }


class ArrangementStatus(TitledEnum):
    AWAITING_CUSTOMER = "awaiting_customer"
    AGREED = "agreed"
    DECLINED = "declined"
    CHANGE_PROPOSED = "change_proposed"
    ENDED = "ended"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.AWAITING_CUSTOMER: _l("Waiting for the customer's answer"),
            cls.AGREED: _l("Agreed"),
            cls.DECLINED: _l("Declined"),
            cls.CHANGE_PROPOSED: _l("Customer proposed a change"),
            cls.ENDED: _l("Ended"),
        }

    @property
    def awaiting_answer(self) -> bool:
        """The customer has still to agree or decline (having proposed a change, again)."""
        return self in (self.AWAITING_CUSTOMER, self.CHANGE_PROPOSED)

    @property
    def waits_for_staff(self) -> bool:
        """The customer has answered and the Panel must act: reply to the change they asked
        for, or (declined) end the arrangement and say what happens next."""
        return self in WAITING_FOR_STAFF

    @property
    def customer_title(self) -> str:
        """The status as the customer reads it, in the second person."""
        return str(
            {
                self.AWAITING_CUSTOMER: _l("Waiting for your answer"),
                self.AGREED: _l("You agreed to this arrangement"),
                self.DECLINED: _l("You did not agree to this arrangement"),
                self.CHANGE_PROPOSED: _l("You suggested a change: we will reply to you"),
                self.ENDED: _l("This arrangement has ended"),
            }[self]
        )


# Answers the Panel must act on; each stays on the Panel's home page until they do (§8.15).
WAITING_FOR_STAFF = (ArrangementStatus.CHANGE_PROPOSED, ArrangementStatus.DECLINED)


class ResponseChannel(TitledEnum):
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


class Arrangement(Base):
    __tablename__ = "arrangement"
    __table_args__ = (
        CheckConstraint(
            "(responded_at IS NULL) = (response_channel IS NULL)", name="response_has_channel"
        ),
        CheckConstraint(
            "status NOT IN ('agreed', 'declined', 'change_proposed') OR responded_at IS NOT NULL",
            name="answered_has_time",
        ),
        # Arrangements made before the delivery step (issue 16) have neither; every later one both.
        CheckConstraint("(delivery IS NULL) = (sent_at IS NULL)", name="delivery_has_time"),
        Index("ix_arrangement_customer_status", "customer_id", "status"),
        Index("ix_arrangement_status_responded", "status", "responded_at"),
    )

    # An answer is open while the customer has not agreed or declined (a proposed change can be
    # answered again); agreed, declined or not, an arrangement can be ended once.
    TRANSITIONS = Transitions(
        {
            ArrangementStatus.AWAITING_CUSTOMER: (
                ArrangementStatus.AGREED,
                ArrangementStatus.DECLINED,
                ArrangementStatus.CHANGE_PROPOSED,
                ArrangementStatus.ENDED,
            ),
            ArrangementStatus.CHANGE_PROPOSED: (
                ArrangementStatus.AGREED,
                ArrangementStatus.DECLINED,
                ArrangementStatus.CHANGE_PROPOSED,
                ArrangementStatus.ENDED,
            ),
            ArrangementStatus.AGREED: (ArrangementStatus.ENDED,),
            ArrangementStatus.DECLINED: (ArrangementStatus.ENDED,),
        },
        entity="arrangement",
        reached_by={
            ArrangementStatus.AGREED: "arrangement.answered",
            ArrangementStatus.DECLINED: "arrangement.answered",
            ArrangementStatus.CHANGE_PROPOSED: "arrangement.answered",
            ArrangementStatus.ENDED: "arrangement.ended",
        },
        said={
            ArrangementStatus.AGREED: Problem(
                "arrangement.agreed_already",
                _l("The customer's answer is already recorded: agreed"),
            ),
            ArrangementStatus.DECLINED: Problem(
                "arrangement.declined_already",
                _l("The customer's answer is already recorded: declined"),
            ),
            ArrangementStatus.ENDED: Problem(
                "arrangement.ended_already", _l("This arrangement has already ended")
            ),
        },
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"), index=True)
    summary: Mapped[str] = mapped_column(Text)
    approved_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    approved_at: Mapped[datetime]
    review_on: Mapped[date]
    status: Mapped[ArrangementStatus] = mapped_column(default=ArrangementStatus.AWAITING_CUSTOMER)
    response_channel: Mapped[ResponseChannel | None]
    responded_at: Mapped[datetime | None]
    response_note: Mapped[str] = mapped_column(Text, default="")
    response_recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id"), index=True
    )
    ended_at: Mapped[datetime | None]
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id"), index=True)
    delivery: Mapped[Delivery | None]
    sent_at: Mapped[datetime | None]

    customer: Mapped[Customer] = relationship()
    approved_by: Mapped[User] = relationship(foreign_keys=[approved_by_id])
    # The arrangement's letter: its reference is the one the customer is asked to quote.
    letter: Mapped[Letter | None] = relationship()
    terms: Mapped[list[ArrangementTerm]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ArrangementTerm.id"
    )

    @property
    def active(self) -> bool:
        return self.status == ArrangementStatus.AGREED

    @property
    def awaiting_answer(self) -> bool:
        """Waiting for the customer to agree or decline."""
        return self.status.awaiting_answer

    @property
    def waits_for_staff(self) -> bool:
        """The customer has answered and the Panel has still to act on it."""
        return self.status.waits_for_staff

    @property
    def reference(self) -> str:
        """The reference the customer quotes about this arrangement: its letter's (the letter
        asks them to give it when they reply), or "" before the letter is issued."""
        return self.letter.reference if self.letter is not None else ""

    @property
    def sent_line(self) -> str:
        """How and when the letter went, e.g. "Sent by post on 5 December 2026"."""
        return sent_line(self.delivery, self.sent_at)


class ArrangementTerm(Base):
    """One element of an arrangement, with the detail its kind needs."""

    __tablename__ = "arrangement_term"
    __table_args__ = (
        CheckConstraint(
            "(kind NOT IN ('mediator', 'third_party')) OR name <> ''", name="named_party"
        ),
        CheckConstraint(
            "(kind <> 'weekly_correspondence') OR weekday BETWEEN 0 AND 4", name="weekday_set"
        ),
        CheckConstraint(
            "(kind <> 'call_time') OR (weekday BETWEEN 0 AND 4 AND starts_at IS NOT NULL "
            "AND ends_at IS NOT NULL AND ends_at > starts_at)",
            name="call_window",
        ),
        CheckConstraint(
            "(kind NOT IN ('call_length', 'issue_limit')) OR (amount BETWEEN 1 AND 600)",
            name="limit_set",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    arrangement_id: Mapped[int] = mapped_column(
        ForeignKey("arrangement.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[TermKind]
    name: Mapped[str] = mapped_column(String(200), default="")
    weekday: Mapped[int | None]
    starts_at: Mapped[time | None]
    ends_at: Mapped[time | None]
    amount: Mapped[int | None]
    details: Mapped[str] = mapped_column(Text, default="")

    def describe(self) -> str:
        """Plain-English statement of this term, as the customer reads it."""
        day = str(WEEKDAYS[self.weekday]) if self.weekday is not None else ""
        if self.kind == TermKind.MEDIATOR:
            text = _(
                "An independent mediator, %(name)s, passes messages between us.", name=self.name
            )
        elif self.kind == TermKind.THIRD_PARTY:
            text = _("We deal with you through %(name)s.", name=self.name)
        elif self.kind == TermKind.WEEKLY_CORRESPONDENCE:
            text = _("We write to each other once a week, on %(day)s.", day=day)
        elif self.kind == TermKind.CALL_TIME:
            text = _(
                "You call us on %(day)s between %(start)s and %(end)s.",
                day=day,
                start=f"{self.starts_at:%H:%M}" if self.starts_at else "",
                end=f"{self.ends_at:%H:%M}" if self.ends_at else "",
            )
        elif self.kind == TermKind.CALL_LENGTH:
            text = ngettext(
                "Phone calls last no more than %(num)d minute.",
                "Phone calls last no more than %(num)d minutes.",
                self.amount or 0,
            )
        else:
            text = ngettext(
                "You raise no more than %(num)d issue at a time.",
                "You raise no more than %(num)d issues at a time.",
                self.amount or 0,
            )
        return f"{text} {self.details}".strip()
