"""An appeal lodged by staff for the customer, by phone, letter, email or in person (§9.2):
every decision still open to appeal, told apart on the phone, and the appeal lodged from what
the customer said. Services flush only; the view commits once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import db
from portal.appeals.lodging import (
    NOT_OPEN,
    Answers,
    lodge,
    new_appeal,
    open_to_appeal,
    save_answers,
)
from portal.appeals.models import Appeal, AppealChannel, AppealStatus
from portal.appeals.queries import appeal_rights
from portal.audit import services as audit
from portal.auth import permissions
from portal.customers import adjustments
from portal.errors import Conflict, NotAllowed, Problem, ServiceError
from portal.letters.models import Letter
from portal.restrictions.models import Restriction
from portal.restrictions.rules import allowed_contact
from portal.timeutil import london_date
from portal.workdays.services import hold_calendar

NO_DECISION = Problem(
    "appeal.decision_missing", _l("Choose one of this customer's decisions from the list")
)


def unsent_drafts(appeal: Appeal) -> list[Appeal]:
    """The customer's drafts, never sent, against the decision ``appeal`` is against."""
    restriction = appeal.restriction
    if restriction.letter_id is None:
        ids = select(Restriction.id).where(Restriction.id == restriction.id)
    else:
        ids = select(Restriction.id).where(Restriction.letter_id == restriction.letter_id)
    return list(
        db.session.scalars(
            select(Appeal)
            .where(
                Appeal.restriction_id.in_(ids),
                Appeal.status == AppealStatus.DRAFT,
                Appeal.id != appeal.id,
            )
            .order_by(Appeal.id)
        )
    )


@dataclass(frozen=True)
class OpenDecision:
    """A decision staff may lodge an appeal against, told apart on the phone (§9.2): what was
    decided, when the letter was sent, its reference and the last day to appeal."""

    restriction_id: int
    decided: tuple[str, ...]
    letter_reference: str | None
    sent_on: date | None
    deadline: date
    late: bool
    # The day the customer started an appeal online against it and left it unsent, if so.
    draft_started_on: date | None = None


def decisions_open_to_appeal(customer_id: int, now: datetime) -> list[OpenDecision]:
    """Every decision of the customer's not yet appealed, newest first; those whose last day
    to appeal has passed are ``late`` (a late appeal needs the customer's reason, §9.2)."""
    grouped: dict[int, tuple] = {}
    for restriction_id, right in appeal_rights(customer_id, now).items():
        if right.may_appeal:
            grouped.setdefault(id(right), (right, []))[1].append(restriction_id)
    letter_ids = {right.restriction.letter_id for right, _ in grouped.values()} - {None}
    letters = {
        row.id: row
        for row in db.session.execute(
            select(Letter.id, Letter.reference, Letter.issued_at).where(Letter.id.in_(letter_ids))
        )
    }
    decisions = []
    for right, ids in grouped.values():
        restriction = right.restriction
        letter = letters.get(restriction.letter_id)
        kinds = [allowed_contact(db.session.get(Restriction, rid)).headline for rid in ids]
        decisions.append(
            OpenDecision(
                restriction_id=restriction.id,
                decided=tuple(str(kind) for kind in kinds),
                letter_reference=letter.reference if letter else None,
                sent_on=london_date(letter.issued_at) if letter else restriction.notified_on,
                deadline=right.deadline,
                late=right.late,
                draft_started_on=london_date(right.draft.created_at) if right.draft else None,
            )
        )
    return decisions


def chosen_decision(customer, decision_id: int | str | None) -> Restriction | None:
    """The restriction ``decision_id`` names, if it is one of ``customer``'s."""
    try:
        wanted = int(decision_id or 0)
    except (TypeError, ValueError):
        wanted = 0
    # An id no row can have (a forged form) is not looked up: PostgreSQL refuses it.
    restriction = db.session.get(Restriction, wanted) if 0 < wanted < 2**31 else None
    if restriction is None or restriction.customer_id != customer.id:
        return None
    return restriction


def lodge_for_customer(
    actor,
    now: datetime,
    customer,
    decision_id: int | str | None,
    answers: Answers,
    submission_key: str,
    channel: AppealChannel,
    received_at: datetime,
    helped_by: str = "",
) -> Appeal:
    """Lodge the appeal a customer gave staff by phone, letter, email or in person (§9.2),
    against the decision they chose with the customer (``decision_id``: a restriction it set).

    The colleague records what the customer said on a blank form: a draft the customer
    started online against the same decision is neither sent with the colleague's answers nor
    deleted. It is closed, unsent and as the customer left it, with an audit entry; the
    customer's appeals page says their appeal was taken by phone (or letter …) that day.

    :raises NotAllowed: for anyone but the CEM and the Panel.
    :raises ServiceError: ``decision`` when none is chosen, it is another customer's or it
        cannot be appealed; otherwise as ``save_answers`` and ``lodge`` (a late appeal needs
        the customer's reason).
    :raises Conflict: when the decision has already been appealed.
    """
    if not permissions.can_lodge_appeal_for_customer(actor):
        raise NotAllowed()
    hold_calendar()  # before the draft is locked: see lodge
    restriction = chosen_decision(customer, decision_id)
    if restriction is None:
        raise ServiceError({"decision": NO_DECISION})
    try:
        open_to_appeal(now, restriction)
    except Conflict:
        raise
    except ServiceError as exc:
        raise ServiceError({"decision": exc.errors.get("restriction", NOT_OPEN)}) from None
    appeal = new_appeal(now, restriction)
    adjustments.prefill_appeal(appeal)  # the format on their record (§12.1), unless answered
    save_answers(now, appeal, answers)
    lodge(
        actor,
        now,
        appeal,
        submission_key,
        channel=channel,
        received_at=received_at,
        helped_by=helped_by,
    )
    for draft in unsent_drafts(appeal):
        audit.record(
            actor,
            now,
            "appeal.draft_closed",
            "appeal",
            draft.id,
            f"The customer's appeal started online was closed unsent: {appeal.reference} was "
            f"lodged for them ({channel.title.lower()})",
            after={"lodged_as": appeal.reference, "appeal_id": appeal.id, "channel": channel},
        )
    return appeal
