"""Lodging an appeal (§9.1–9.2, §9.4): the customer's draft kept one page at a time, and the
appeal sent, online or by staff for the customer, once per decision. Services flush only;
the view commits once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import db, transitions
from portal.appeals import rules
from portal.appeals.models import FINAL, FORMATS, Appeal, AppealChannel, AppealStatus
from portal.appeals.people import staff_with
from portal.appeals.queries import appeal_rights
from portal.audit import services as audit
from portal.auth import permissions
from portal.auth.models import Role
from portal.errors import Conflict, NotAllowed, Problem, ServiceError
from portal.letters.models import Letter
from portal.notifications.services import notify
from portal.organisation.services import get_organisation
from portal.references import next_reference
from portal.restrictions.models import Restriction, RestrictionStatus
from portal.restrictions.rules import allowed_contact
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


def already_appealed(appeal: Appeal) -> Conflict:
    """The Conflict for a decision already appealed: ``final`` once the appeal is over."""
    if appeal.is_final:
        field, message = "final", FINAL_ALREADY
    else:
        field, message = "appealed", APPEALED_ALREADY
    by = appeal.lodged_by.name if appeal.lodged_by_staff_id else None
    return Conflict(appeal.status.title, by=by, at=appeal.received_at, field=field, message=message)


def start_draft(now: datetime, restriction: Restriction) -> Appeal:
    """The customer's draft appeal against ``restriction`` (an existing draft is reused).

    :raises ServiceError: ``restriction`` if the decision is not in force or has no appeal
        deadline; ``appealed`` if an appeal is being dealt with; ``final`` if the appeal was
        decided or refused as late, after which there is no further appeal (§9.2, §9.4).
    """
    if (
        restriction.status != RestrictionStatus.ACTIVE
        or restriction.ran_out_by(london_date(now))
        or restriction.appeal_deadline is None
    ):
        raise ServiceError({"restriction": NOT_OPEN})
    existing = appeal_against_decision(restriction)
    if existing is not None:
        raise already_appealed(existing)
    draft = db.session.scalar(
        select(Appeal).where(
            Appeal.restriction_id == restriction.id, Appeal.status == AppealStatus.DRAFT
        )
    )
    if draft is None:
        draft = Appeal(
            customer_id=restriction.customer_id,
            restriction_id=restriction.id,
            status=AppealStatus.DRAFT,
            created_at=now,
            updated_at=now,
            deadline=restriction.appeal_deadline,
        )
        db.session.add(draft)
        db.session.flush()
    return draft


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
        raise ServiceError({"decision": "Choose one of this customer's decisions from the list"})
    try:
        appeal = start_draft(now, restriction)
    except Conflict:
        raise
    except ServiceError as exc:
        raise ServiceError({"decision": exc.errors.get("restriction", NOT_OPEN)}) from None
    save_answers(now, appeal, answers)
    return lodge(
        actor,
        now,
        appeal,
        submission_key,
        channel=channel,
        received_at=received_at,
        helped_by=helped_by,
    )


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
    errors: dict[str, str | Problem] = {}
    sent_on = decision_sent_on(appeal.restriction)
    if received_at > now:
        if london_date(received_at) > london_date(now):
            errors["received_on"] = "The date received cannot be in the future"
        else:
            errors["received_time"] = "The time received cannot be in the future"
    elif sent_on is not None and london_date(received_at) < sent_on:
        errors["received_on"] = (
            f"The appeal cannot have been received before the decision letter was sent, "
            f"on {sent_on:%-d %B %Y}"
        )
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
    arrived = rules.arrival(received_at, get_organisation().cutoff_time, calendar)
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
