"""Informal arrangements (§8.15): the Panel approves terms; the customer agrees, declines or
proposes a change (online later, or staff record the answer given another way)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from functools import partial

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import db
from portal.arrangements import notices
from portal.arrangements.models import (
    Arrangement,
    ArrangementStatus,
    ArrangementTerm,
    ResponseChannel,
    TermKind,
)
from portal.audit import services as audit
from portal.auth import permissions
from portal.errors import NotAllowed, Problem, ServiceError
from portal.letters import delivery as deliveries
from portal.letters import render as letter_render
from portal.letters import services as letters
from portal.letters.delivery import Delivery
from portal.letters.models import LetterKind
from portal.timeutil import add_months, london_date
from portal.transitions import move

# The customer's possible answers and the state each leads to.
ANSWERS = {
    "agree": ArrangementStatus.AGREED,
    "decline": ArrangementStatus.DECLINED,
    "propose_change": ArrangementStatus.CHANGE_PROPOSED,
}


class _SameAnswer(Exception):
    """The answer given is the one already recorded, word for word."""


@dataclass
class TermInput:
    kind: TermKind
    name: str = ""
    weekday: int | None = None
    starts_at: time | None = None
    ends_at: time | None = None
    amount: int | None = None
    details: str = ""


def _validate_terms(terms: list[TermInput]) -> dict[str, Problem]:
    errors: dict[str, Problem] = {}
    if not terms:
        errors["kinds"] = Problem(
            "arrangement.no_terms", _l("Choose at least one part of the arrangement")
        )
    kinds = [t.kind for t in terms]
    if len(kinds) != len(set(kinds)):
        errors["kinds"] = Problem(
            "arrangement.term_twice", _l("Each part of the arrangement can be chosen once")
        )
    for term in terms:
        key = term.kind.value
        if term.kind in (TermKind.MEDIATOR, TermKind.THIRD_PARTY) and not term.name.strip():
            errors[f"{key}_name"] = (
                Problem("arrangement.mediator_missing", _l("Name the mediation service"))
                if term.kind == TermKind.MEDIATOR
                else Problem("arrangement.third_party_missing", _l("Name the agreed third party"))
            )
        if term.kind in (TermKind.WEEKLY_CORRESPONDENCE, TermKind.CALL_TIME) and (
            term.weekday is None or not 0 <= term.weekday <= 4
        ):
            errors[f"{key}_weekday"] = Problem(
                "arrangement.weekday_missing", _l("Choose a weekday")
            )
        if term.kind == TermKind.CALL_TIME:
            if term.starts_at is None or term.ends_at is None:
                errors[f"{key}_starts_at"] = Problem(
                    "arrangement.call_time_missing", _l("Enter the start and end of the call time")
                )
            elif term.ends_at <= term.starts_at:
                errors[f"{key}_ends_at"] = Problem(
                    "arrangement.call_ends_first", _l("The end time must be after the start time")
                )
        if term.kind in (TermKind.CALL_LENGTH, TermKind.ISSUE_LIMIT) and (
            term.amount is None or not 1 <= term.amount <= 600
        ):
            errors[f"{key}_amount"] = (
                Problem(
                    "arrangement.call_length_out_of_range",
                    _l("Enter the call length in minutes, from 1 to 600"),
                )
                if term.kind == TermKind.CALL_LENGTH
                else Problem(
                    "arrangement.issue_limit_out_of_range",
                    _l("Enter the number of issues, from 1 to 600"),
                )
            )
    return errors


def build(
    customer,
    summary: str,
    terms: list[TermInput],
    review_on: date,
    today: date,
    incident_id: int | None = None,
) -> Arrangement:
    """Validate and build (not save) an arrangement, for preview or for approval.

    :raises ServiceError: for missing terms, a bad term or a review date out of range.
    """
    errors = _validate_terms(terms)
    if not summary.strip():
        errors["summary"] = Problem(
            "arrangement.summary_missing", _l("Explain to the customer why we suggest this")
        )
    if review_on <= today:
        errors["review_on"] = Problem(
            "arrangement.review_not_future", _l("The review date must be in the future")
        )
    elif review_on > add_months(today, 6):
        errors["review_on"] = Problem(
            "arrangement.review_too_late", _l("Review the arrangement within 6 months")
        )
    if errors:
        raise ServiceError(errors)
    arrangement = Arrangement(
        customer_id=customer.id,
        incident_id=incident_id,
        summary=summary.strip(),
        review_on=review_on,
    )
    arrangement.customer = customer
    arrangement.terms = [
        ArrangementTerm(
            kind=t.kind,
            name=t.name.strip()[:200],
            weekday=t.weekday,
            starts_at=t.starts_at if t.kind == TermKind.CALL_TIME else None,
            ends_at=t.ends_at if t.kind == TermKind.CALL_TIME else None,
            amount=t.amount if t.kind in (TermKind.CALL_LENGTH, TermKind.ISSUE_LIMIT) else None,
            details=t.details.strip(),
        )
        for t in terms
    ]
    return arrangement


def approve(
    actor,
    now: datetime,
    customer,
    summary: str,
    terms: list[TermInput],
    review_on: date,
    delivery: Delivery | None,
    incident_id: int | None = None,
) -> Arrangement:
    """The Panel approves an arrangement and writes to the customer about it, by a way that
    reaches them (§8.15); in the portal or by email, they are told the letter is there.

    :raises NotAllowed: if the actor is not on the Panel.
    :raises ServiceError: for a bad term or date, or a way that cannot reach the customer.
    """
    if not permissions.can_request_restriction(actor):
        raise NotAllowed
    # Every problem at once, the way the letter goes among them; nothing is written before.
    errors: dict = {}
    try:
        arrangement = build(customer, summary, terms, review_on, london_date(now), incident_id)
    except ServiceError as exc:
        errors.update(exc.errors)
    try:
        deliveries.check(customer, delivery)
    except ServiceError as exc:
        errors.update(exc.errors)
    if errors:
        raise ServiceError(errors)
    arrangement.delivery = delivery
    arrangement.sent_at = now
    arrangement.approved_by_id = actor.id
    arrangement.approved_at = now
    arrangement.status = ArrangementStatus.AWAITING_CUSTOMER
    db.session.add(arrangement)
    db.session.flush()
    render = partial(letter_render.arrangement, arrangement=arrangement, issued_on=london_date(now))
    letter = letters.freeze(actor, now, customer, LetterKind.ARRANGEMENT, render)
    arrangement.letter_id = letter.id
    db.session.flush()
    with force_locale("en"):
        sent = arrangement.sent_line
    audit.record(
        actor,
        now,
        "arrangement.approved",
        "arrangement",
        arrangement.id,
        f"Informal arrangement proposed to {customer.reference}. {sent}",
        after={
            "terms": [t.describe() for t in arrangement.terms],
            "review_on": review_on,
            "letter": letter.reference,
            "delivery": delivery,
            "sent_at": now,
        },
    )
    deliveries.tell_customer(actor, now, customer, letter, delivery)
    return arrangement


def record_answer(
    actor, now: datetime, arrangement: Arrangement, answer: str, channel: ResponseChannel, note: str
) -> Arrangement:
    """Record the customer's answer: agree, decline or propose a change.

    ``actor`` is the Panel member who took the answer, or the customer themselves.
    :raises NotAllowed: for staff not on the Panel, or a customer answering another's.
    :raises ServiceError: for an unknown answer, a change without details, or no answer due.
    """
    if getattr(actor, "is_staff", False):
        if not permissions.can_request_restriction(actor):
            raise NotAllowed
    elif getattr(actor, "customer_id", None) != arrangement.customer_id:
        raise NotAllowed
    if answer not in ANSWERS:
        unknown = _l("Choose agree, decline or propose a change")
        raise ServiceError({"answer": Problem("arrangement.answer_unknown", unknown)})
    if answer == "propose_change" and not note.strip():
        no_change = _l("Describe the change the customer proposes")
        raise ServiceError({"note": Problem("arrangement.change_missing", no_change)})
    if getattr(actor, "is_staff", False) and channel == ResponseChannel.PORTAL:
        raise ServiceError(
            {
                "channel": Problem(
                    "arrangement.channel_missing", _l("Say how the customer gave their answer")
                )
            }
        )
    if not arrangement.status.awaiting_answer:  # answered or ended already: say by whom, when
        raise Arrangement.TRANSITIONS.conflict(arrangement)
    # Under the row's lock, from the state the answer was given in: of two answers sent at once
    # (two tabs, or the customer online while staff take it by phone) one is recorded, and the
    # other is told what the first was.
    target, words = ANSWERS[answer], note.strip()

    def _not_sent_already(record: Arrangement) -> None:
        # The same change asked for again (a second click, or the form sent twice) is the
        # answer already recorded: nothing is written and nobody is told twice.
        if record.status == target and record.response_note == words:
            raise _SameAnswer

    try:
        before = {
            "status": move(
                arrangement,
                target,
                rule=_not_sent_already,
                values={
                    "response_channel": channel,
                    "responded_at": now,
                    "response_note": note.strip(),
                    "response_recorded_by_id": actor.id
                    if getattr(actor, "is_staff", False)
                    else None,
                },
            )
        }
    except _SameAnswer:
        return arrangement
    audit.record(
        actor,
        now,
        "arrangement.answered",
        "arrangement",
        arrangement.id,
        f"Customer {arrangement.status.title.lower()} ({channel.title.lower()})",
        before=before,
        after={"status": arrangement.status, "channel": channel, "note": arrangement.response_note},
    )
    notices.tell_panel(actor, now, arrangement)
    return arrangement


def end(actor, now: datetime, arrangement: Arrangement, reason: str) -> None:
    if not permissions.can_request_restriction(actor):
        raise NotAllowed
    if arrangement.status == ArrangementStatus.ENDED:
        raise Arrangement.TRANSITIONS.conflict(arrangement)
    if not reason.strip():
        raise ServiceError(
            {
                "reason": Problem(
                    "arrangement.end_reason_missing", _l("Say why the arrangement is ending")
                )
            }
        )
    before = {"status": move(arrangement, ArrangementStatus.ENDED, values={"ended_at": now})}
    audit.record(
        actor,
        now,
        "arrangement.ended",
        "arrangement",
        arrangement.id,
        "Informal arrangement ended",
        before=before,
        after={"status": arrangement.status, "reason": reason.strip()},
    )


def active_for(customer_id: int) -> list[Arrangement]:
    """Arrangements the customer has agreed to, shown to every colleague."""
    return list(
        db.session.scalars(
            select(Arrangement)
            .where(
                Arrangement.customer_id == customer_id,
                Arrangement.status == ArrangementStatus.AGREED,
            )
            .order_by(Arrangement.approved_at.desc())
        )
    )
