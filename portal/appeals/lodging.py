"""Lodging an appeal (§9.1–9.2, §9.4): the customer's draft kept one page at a time, and the
appeal sent, online or by staff for the customer, once per decision. Services flush only;
the view commits once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, contains_eager, lazyload

from portal import db, transitions
from portal.appeals import due_dates, rules
from portal.appeals.models import FINAL, FORMATS, Appeal, AppealChannel, AppealStatus
from portal.appeals.people import staff_with
from portal.audit import services as audit
from portal.auth.models import Role
from portal.customers import adjustments
from portal.errors import Conflict, Problem, ServiceError
from portal.i18n import long_date
from portal.letters.models import Letter
from portal.notifications.services import notify
from portal.organisation.services import get_organisation
from portal.references import next_reference
from portal.restrictions.models import Restriction, RestrictionStatus
from portal.timeutil import from_london, london_date
from portal.workdays.services import hold_calendar, load_calendar


def appeal_against_decision(restriction: Restriction) -> Appeal | None:
    """The appeal already sent against the decision that set ``restriction``, whatever its
    state: a decision is appealed once, and a decided or refused appeal is final (§9.4)."""
    if restriction.letter_id is None:
        ids = select(Restriction.id).where(Restriction.id == restriction.id)
    else:
        ids = select(Restriction.id).where(Restriction.letter_id == restriction.letter_id)
    return db.session.scalar(
        select(Appeal)
        .where(Appeal.restriction_id.in_(ids), Appeal.status != AppealStatus.DRAFT)
        .order_by(Appeal.status.in_(FINAL), Appeal.id.desc())
        .limit(1)
    )


@cache
def _with_decision_appealed():
    other = aliased(Appeal)
    decision = aliased(Restriction)
    # The rule of appeal_against_decision, in SQL: an appeal sent against the same decision.
    appealed = (
        select(other.id)
        .join(decision, decision.id == other.restriction_id)
        .where(
            other.status != AppealStatus.DRAFT,
            or_(
                decision.id == Restriction.id,
                and_(
                    Restriction.letter_id.is_not(None),
                    decision.letter_id == Restriction.letter_id,
                ),
            ),
        )
        .exists()
    )
    return (
        select(Appeal, appealed.label("appealed"))
        .join(Restriction, Restriction.id == Appeal.restriction_id)
        .options(contains_eager(Appeal.restriction), lazyload(Appeal.evidence))
        .where(Appeal.id == bindparam("appeal_id"))
    )


def with_decision_appealed(appeal_id: int):
    """The appeal ``appeal_id`` (``.Appeal``, its restriction loaded) and whether the decision
    behind it has been appealed already (``.appealed``: what :func:`appeal_against_decision`
    would find), in one statement; None when there is no such appeal."""
    return db.session.execute(_with_decision_appealed(), {"appeal_id": appeal_id}).first()


def decision_key(restriction: Restriction) -> str:
    """The decision an appeal against ``restriction`` is against (see Appeal.decision_key)."""
    if restriction.letter_id is not None:
        return f"letter:{restriction.letter_id}"
    return f"restriction:{restriction.id}"


# Why an appeal is refused, each with its code (portal/errors.Problem): the customer's pages
# show the message in the customer's language, or words of their own for a code.
NOT_OPEN = Problem("appeal.not_open", _l("This decision cannot be appealed"))
FINAL_ALREADY = Problem(
    "appeal.final", _l("This decision has been appealed and there is no further appeal")
)
APPEALED_ALREADY = Problem("appeal.appealed", _l("This decision has already been appealed"))
SENT_ALREADY = Problem("appeal.sent", _l("This appeal has already been sent"))
NO_GROUNDS = Problem("appeal.grounds_missing", _l("Tell us why the decision should be changed"))
NO_INTERPRETER_LANGUAGE = Problem(
    "appeal.interpreter_language_missing",
    _l("Tell us which language the interpreter should speak"),
)
UNKNOWN_FORMAT = Problem("appeal.format_unknown", _l("Choose a format from the list"))
NO_LATE_REASON = Problem("appeal.late_reason_missing", _l("Tell us why the appeal is late"))
RECEIVED_IN_FUTURE = Problem(
    "appeal.received_in_future", _l("The date received cannot be in the future")
)
RECEIVED_LATER_TODAY = Problem(
    "appeal.received_time_in_future", _l("The time received cannot be in the future")
)


def received_before_letter(sent_on: date) -> Problem:
    """The refusal of a receipt date before the decision letter went out on ``sent_on``."""
    return Problem(
        "appeal.received_before_letter",
        _l(
            "The appeal cannot have been received before the decision letter was sent, on %(date)s",
            date=long_date(sent_on),
        ),
    )


def already_appealed(appeal: Appeal) -> Conflict:
    """The Conflict for a decision already appealed: ``final`` once the appeal is over."""
    if appeal.is_final:
        field, message = "final", FINAL_ALREADY
    else:
        field, message = "appealed", APPEALED_ALREADY
    by = appeal.lodged_by.name if appeal.lodged_by_staff_id else None
    return Conflict(appeal.status.title, by=by, at=appeal.received_at, field=field, message=message)


def open_to_appeal(now: datetime, restriction: Restriction) -> None:
    """:raises ServiceError: as :func:`start_draft` does, if the decision cannot be appealed."""
    if (
        restriction.status != RestrictionStatus.ACTIVE
        or restriction.ran_out_by(london_date(now))
        or restriction.appeal_deadline is None
    ):
        raise ServiceError({"restriction": NOT_OPEN})
    existing = appeal_against_decision(restriction)
    if existing is not None:
        raise already_appealed(existing)


def new_appeal(now: datetime, restriction: Restriction) -> Appeal:
    """A new, empty appeal against ``restriction``, not sent yet."""
    appeal = Appeal(
        customer_id=restriction.customer_id,
        restriction_id=restriction.id,
        status=AppealStatus.DRAFT,
        created_at=now,
        updated_at=now,
        deadline=restriction.appeal_deadline,
    )
    db.session.add(appeal)
    db.session.flush()
    return appeal


def start_draft(now: datetime, restriction: Restriction) -> Appeal:
    """The customer's draft appeal against ``restriction`` (an existing draft is reused).

    :raises ServiceError: ``restriction`` if the decision is not in force or has no appeal
        deadline; ``appealed`` if an appeal is being dealt with; ``final`` if the appeal was
        decided or refused as late, after which there is no further appeal (§9.2, §9.4).
    """
    open_to_appeal(now, restriction)
    draft = db.session.scalar(
        select(Appeal).where(
            Appeal.restriction_id == restriction.id, Appeal.status == AppealStatus.DRAFT
        )
    )
    if draft is not None:
        return draft
    appeal = new_appeal(now, restriction)
    adjustments.prefill_appeal(appeal)  # the support already on their record (§12.1)
    return appeal


@dataclass
class Answers:
    grounds: str | None = None
    new_information: str | None = None
    needs_interpreter: bool | None = None
    interpreter_language: str | None = None
    preferred_format: str | None = None
    representative: str | None = None
    other_support: str | None = None
    late_reason: str | None = None


def save_answers(now: datetime, appeal: Appeal, answers: Answers) -> None:
    """Keep the answers given so far on a draft (one page at a time)."""
    if appeal.status != AppealStatus.DRAFT:
        raise ServiceError(SENT_ALREADY)
    errors: dict[str, Problem] = {}
    if answers.grounds is not None and not answers.grounds.strip():
        errors["grounds"] = NO_GROUNDS
    if answers.needs_interpreter and not (answers.interpreter_language or "").strip():
        errors["interpreter_language"] = NO_INTERPRETER_LANGUAGE
    if answers.preferred_format is not None and answers.preferred_format not in FORMATS:
        errors["preferred_format"] = UNKNOWN_FORMAT
    if answers.late_reason is not None and not answers.late_reason.strip():
        errors["late_reason"] = NO_LATE_REASON
    if errors:
        raise ServiceError(errors)
    for name, value in vars(answers).items():
        if value is not None:
            setattr(appeal, name, value.strip() if isinstance(value, str) else value)
    if answers.needs_interpreter is False:
        appeal.interpreter_language = ""
    appeal.updated_at = now
    db.session.flush()


def decision_sent_on(restriction: Restriction) -> date | None:
    """The day the decision letter went to the customer; an appeal cannot come before it."""
    letter = db.session.get(Letter, restriction.letter_id) if restriction.letter_id else None
    if letter is not None:
        return london_date(letter.issued_at)
    return restriction.notified_on


def received_at_for(now: datetime, day: date, at: time | None) -> datetime:
    """When an appeal given to staff was received, from the London date and time they enter.

    An unknown time is taken as midday, or as now if midday today is still to come. The day
    itself is never moved, so a future date stays in the future and ``lodge`` refuses it.
    """
    if at is not None:
        return from_london(day, at.hour, at.minute)
    moment = from_london(day, 12, 0)
    return min(moment, now) if day == london_date(now) else moment


def lodge(
    actor,
    now: datetime,
    appeal: Appeal,
    submission_key: str,
    channel: AppealChannel = AppealChannel.PORTAL,
    received_at: datetime | None = None,
    helped_by: str = "",
) -> Appeal:
    """Send the appeal. Sending the same form twice (same key) lodges it once.

    ``actor`` is the customer's account, or the member of staff lodging it for them.
    :raises ServiceError: with no grounds, a late appeal without a reason, a receipt date in
        the future or before the decision letter was sent.
    :raises Conflict: when the appeal was sent already (from another tab, with another key),
        or the decision has been appealed (``appealed``) or the appeal is over (``final``).
    """
    submission_key = submission_key[:64]
    # The arrival is counted with the calendar: a closure day added meanwhile waits until
    # the appeal is lodged (its recompute then sees it), or is in the calendar read here.
    hold_calendar()
    if appeal.status == AppealStatus.DRAFT:
        # Read again under the lock: another tab may have sent it meanwhile.
        transitions.lock(appeal)
    if appeal.status != AppealStatus.DRAFT:
        if appeal.submission_key == submission_key:
            return appeal
        raise Appeal.TRANSITIONS.conflict(appeal)
    received_at = received_at or now
    errors: dict[str, Problem] = {}
    sent_on = decision_sent_on(appeal.restriction)
    if received_at > now:
        if london_date(received_at) > london_date(now):
            errors["received_on"] = RECEIVED_IN_FUTURE
        else:
            errors["received_time"] = RECEIVED_LATER_TODAY
    elif sent_on is not None and london_date(received_at) < sent_on:
        errors["received_on"] = received_before_letter(sent_on)
    if not appeal.grounds.strip():
        errors["grounds"] = NO_GROUNDS
    late = rules.is_late(received_at, appeal.deadline)
    if late and not appeal.late_reason.strip():
        errors["late_reason"] = NO_LATE_REASON
    existing = appeal_against_decision(appeal.restriction)
    if existing is not None:
        raise already_appealed(existing)
    if errors:
        raise ServiceError(errors)
    calendar = load_calendar()
    cutoff = get_organisation().cutoff_time
    arrived = rules.arrival(received_at, cutoff, calendar)
    counted_from = arrived.counted_from
    staff = getattr(actor, "is_staff", False)
    try:
        # The decision key is unique: of two drafts against one decision sent at once (one
        # per restriction it set), the database keeps the first and refuses the second.
        with db.session.begin_nested():
            transitions.move(
                appeal,
                AppealStatus.LODGED,
                values={
                    "submission_key": submission_key,
                    "decision_key": decision_key(appeal.restriction),
                    "received_at": received_at,
                    "counted_from": counted_from,
                    "channel": channel,
                    "lodged_by_staff_id": actor.id if staff else None,
                    "helped_by": helped_by.strip()[:200],
                    "late": late,
                    "updated_at": now,
                },
            )
    except IntegrityError:
        existing = appeal_against_decision(appeal.restriction)
        if existing is None:
            raise
        raise already_appealed(existing) from None
    due_dates.fill(appeal, calendar, cutoff)
    appeal.reference = next_reference("appeal", now)
    db.session.flush()
    audit.record(
        actor,
        now,
        "appeal.lodged",
        "appeal",
        appeal.id,
        f"{appeal.reference}: appeal lodged ({channel.title.lower()}). {arrived.explain()}",
        after={
            "arrived_at": received_at,
            "received_on": counted_from,  # the audit trail keeps its first name
            "counted_from_because": arrived.because,
            "late": late,
            "channel": channel,
            "lodged_by_staff": staff,
        },
    )
    for user_id in staff_with(Role.CEM):
        notify(
            user_id,
            f"New appeal {appeal.reference}{' (late)' if late else ''}: acknowledge it.",
            f"/staff/appeals/{appeal.id}",
            now,
        )
    return appeal
