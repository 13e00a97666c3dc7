"""Appeals (§9.1–9.4): drafts, lodging (online or assisted), the CEM's steps and GLT's
decision. Services flush only; the view commits once."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import partial

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import db, transitions
from portal.appeals import letters as appeal_letters
from portal.appeals import progress as appeal_progress
from portal.appeals import rules
from portal.appeals.models import FORMATS, Appeal, AppealChannel, AppealOutcome, AppealStatus
from portal.appeals.queries import FINAL
from portal.audit import services as audit
from portal.auth import permissions
from portal.auth.models import Role, User, UserRole
from portal.errors import Conflict, NotAllowed, ServiceError
from portal.letters import services as letters
from portal.letters.models import Letter, LetterKind
from portal.notifications.services import notify
from portal.organisation.services import get_organisation
from portal.references import next_reference
from portal.restrictions import services as restriction_services
from portal.restrictions.models import Restriction, RestrictionRequest, RestrictionStatus
from portal.timeutil import from_london, london_date
from portal.workdays.services import load_calendar


def decision_restrictions(restriction: Restriction) -> list[Restriction]:
    """The restrictions in force that the same decision letter set."""
    if restriction.letter_id is None:
        return [restriction]
    return list(
        db.session.scalars(
            select(Restriction)
            .where(
                Restriction.letter_id == restriction.letter_id,
                Restriction.status == RestrictionStatus.ACTIVE,
            )
            .order_by(Restriction.id)
        )
    )


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


def already_appealed(appeal: Appeal) -> Conflict:
    """The Conflict for a decision already appealed: ``final`` once the appeal is over."""
    if appeal.status in FINAL:
        field, message = "final", "This decision has been appealed and there is no further appeal"
    else:
        field, message = "appealed", "This decision has already been appealed"
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
        raise ServiceError({"restriction": "This decision cannot be appealed"})
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
        raise ServiceError("This appeal has already been sent")
    errors: dict[str, str] = {}
    if answers.grounds is not None and not answers.grounds.strip():
        errors["grounds"] = "Tell us why the decision should be changed"
    if answers.needs_interpreter and not (answers.interpreter_language or "").strip():
        errors["interpreter_language"] = "Tell us which language the interpreter should speak"
    if answers.preferred_format is not None and answers.preferred_format not in FORMATS:
        errors["preferred_format"] = "Choose a format from the list"
    if answers.late_reason is not None and not answers.late_reason.strip():
        errors["late_reason"] = "Tell us why the appeal is late"
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


def _staff_with(role: Role) -> list[int]:
    return list(
        db.session.scalars(
            select(User.id).join(UserRole).where(UserRole.role == role, User.active.is_(True))
        )
    )


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
    if appeal.status == AppealStatus.DRAFT:
        # Read again under the lock: another tab may have sent it meanwhile.
        transitions.lock(appeal)
    if appeal.status != AppealStatus.DRAFT:
        if appeal.submission_key == submission_key:
            return appeal
        raise Appeal.TRANSITIONS.conflict(appeal)
    received_at = received_at or now
    errors: dict[str, str] = {}
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
        errors["grounds"] = "Tell us why the decision should be changed"
    late = rules.is_late(received_at, appeal.deadline)
    if late and not appeal.late_reason.strip():
        errors["late_reason"] = "Tell us why the appeal is late"
    existing = appeal_against_decision(appeal.restriction)
    if existing is not None:
        raise already_appealed(existing)
    if errors:
        raise ServiceError(errors)
    calendar = load_calendar()
    counted_from, _note = calendar.received_on(received_at, get_organisation().cutoff_time)
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
        f"{appeal.reference}: appeal lodged ({channel.title.lower()})",
        after={
            "received_on": counted_from,  # the audit trail keeps its first name
            "late": late,
            "channel": channel,
            "lodged_by_staff": staff,
        },
    )
    for user_id in _staff_with(Role.CEM):
        notify(
            user_id,
            f"New appeal {appeal.reference}{' (late)' if late else ''}: acknowledge it.",
            f"/staff/appeals/{appeal.id}",
            now,
        )
    return appeal


def clock(appeal: Appeal, calendar=None, cutoff=None) -> rules.AppealClock:
    """Every step's due date for ``appeal`` (the calendar and cut-off on record by default)."""
    return appeal_progress.clock(
        appeal, calendar or load_calendar(), cutoff or get_organisation().cutoff_time
    )


def _cem(actor) -> None:
    if not permissions.can_manage_appeals(actor):
        raise NotAllowed


def decide_late(actor, now: datetime, appeal: Appeal, accept: bool, reason: str) -> None:
    """The CEM's discretion over a late appeal (§9.2); a refusal is explained in writing."""
    _cem(actor)
    if appeal.late and appeal.late_accepted is not None:
        _late_undecided(appeal)
    if not appeal.late or appeal.status != AppealStatus.LODGED:
        raise ServiceError("There is no late-appeal decision to make")
    if not reason.strip():
        raise ServiceError({"late_decision_reason": "Give the reason for the decision"})
    # Decided once, under the lock; the refusal letter is made only by whoever decided.
    transitions.move(
        appeal,
        AppealStatus.LODGED if accept else AppealStatus.NOT_ACCEPTED,
        rule=_late_undecided,
        where=(Appeal.late_accepted.is_(None),),
        values={
            "late_accepted": accept,
            "late_decided_by_id": actor.id,
            "late_decision_reason": reason.strip(),
            "updated_at": now,
        },
    )
    if not accept:
        render = partial(appeal_letters.late_decision, appeal=appeal, issued_on=london_date(now))
        letter = letters.freeze(actor, now, appeal.customer, LetterKind.LATE_APPEAL, render)
        appeal.late_letter_id = letter.id
    db.session.flush()
    audit.record(
        actor,
        now,
        "appeal.late_decided",
        "appeal",
        appeal.id,
        f"{appeal.reference}: late appeal {'accepted' if accept else 'not accepted'}",
        after={"accepted": accept, "reason": appeal.late_decision_reason},
    )


def _late_undecided(appeal: Appeal) -> None:
    """:raises Conflict: if the CEM has already decided whether to accept the late appeal."""
    if appeal.late_accepted is None:
        return
    by, at = transitions.last_event("appeal", appeal.id, "appeal.late_decided")
    what = "Late appeal accepted" if appeal.late_accepted else "Late appeal not accepted"
    raise Conflict(what, by=by, at=at)


def _late_accepted_first(appeal: Appeal) -> None:
    if appeal.late and appeal.late_accepted is not True:
        raise ServiceError("Decide whether to accept the late appeal first")


def acknowledge(actor, now: datetime, appeal: Appeal):
    """Acknowledge in writing with the expected outcome date (§9.1).

    :raises Conflict: if the appeal was acknowledged (or moved on) already.
    """
    _cem(actor)
    if appeal.status != AppealStatus.LODGED:
        raise Appeal.TRANSITIONS.conflict(appeal)
    _late_accepted_first(appeal)
    today = london_date(now)
    # Moved first, under the lock: a second "Acknowledge" makes no second letter.
    transitions.move(
        appeal,
        AppealStatus.ACKNOWLEDGED,
        rule=_late_accepted_first,
        values={"acknowledged_on": today, "updated_at": now},
    )
    appeal.expected_outcome_on = clock(appeal).expected_outcome
    render = partial(appeal_letters.acknowledgement, appeal=appeal, issued_on=today)
    letter = letters.freeze(actor, now, appeal.customer, LetterKind.APPEAL_ACKNOWLEDGEMENT, render)
    appeal.acknowledgement_letter_id = letter.id
    db.session.flush()
    audit.record(
        actor,
        now,
        "appeal.acknowledged",
        "appeal",
        appeal.id,
        f"{appeal.reference}: acknowledged; outcome expected by {appeal.expected_outcome_on}",
        after={"expected_outcome_on": appeal.expected_outcome_on, "letter": letter.reference},
    )
    return letter


def refer_to_glt(actor, now: datetime, appeal: Appeal) -> None:
    """Pass the appeal to GLT, asking for the review within 10 working days (§9.3)."""
    _cem(actor)
    if appeal.status == AppealStatus.LODGED:
        raise ServiceError("Acknowledge the appeal before passing it to GLT")
    if appeal.status != AppealStatus.ACKNOWLEDGED:
        raise Appeal.TRANSITIONS.conflict(appeal)
    transitions.move(
        appeal,
        AppealStatus.WITH_GLT,
        values={"referred_on": london_date(now), "updated_at": now},
    )
    due = clock(appeal).step("glt_review").due
    for user_id in _staff_with(Role.GLT):
        if user_id not in _conflicted(appeal):
            notify(
                user_id,
                f"Appeal {appeal.reference} needs a GLT review by {due:%-d %B %Y}.",
                f"/staff/appeals/{appeal.id}",
                now,
            )
    audit.record(
        actor,
        now,
        "appeal.referred",
        "appeal",
        appeal.id,
        f"{appeal.reference}: passed to GLT; review due {due}",
        after={"referred_on": appeal.referred_on, "review_due": due},
    )


def _conflicted(appeal: Appeal) -> set[int]:
    """Who may not decide this appeal: whoever requested the restriction, and whoever made
    the original decision (§1 separation of duties)."""
    people = {appeal.restriction.approved_by_id}
    if appeal.restriction.request_id:
        request = db.session.get(RestrictionRequest, appeal.restriction.request_id)
        if request is not None:
            people.add(request.requested_by_id)
            if request.decided_by_id:
                people.add(request.decided_by_id)
    return people


def may_decide(actor, appeal: Appeal) -> bool:
    return permissions.can_decide_appeal(actor) and actor.id not in _conflicted(appeal)


def glt_decide(
    actor,
    now: datetime,
    appeal: Appeal,
    outcome: AppealOutcome,
    reasons: str,
    variation: restriction_services.RestrictionSpec | None = None,
) -> None:
    """GLT decides the appeal; the CEM is notified at once (§9.3). An overturned restriction
    ends now; a varied one is replaced by the varied terms."""
    if not may_decide(actor, appeal):
        raise NotAllowed
    if appeal.status in (AppealStatus.LODGED, AppealStatus.ACKNOWLEDGED):
        raise ServiceError("This appeal is not waiting for a GLT decision")
    if appeal.status != AppealStatus.WITH_GLT:
        raise Appeal.TRANSITIONS.conflict(appeal)
    errors: dict[str, str] = {}
    if not reasons.strip():
        errors["reasons"] = "Give the reasons for the decision"
    if outcome == AppealOutcome.VARIED:
        if variation is None:
            errors["kind"] = "Set out the changed restriction"
        else:
            # The changed restriction starts today, whatever start the form carried.
            variation = dataclasses.replace(variation, starts_on=london_date(now))
            checked = dataclasses.replace(
                variation, review_on=variation.review_on or variation.starts_on
            )
            spec_errors = restriction_services.validate_spec(checked, appeal.customer_id)
            if variation.review_on is None:
                spec_errors["review_on"] = "Enter the date the changed restriction is reviewed"
            errors.update(spec_errors)
    if errors:
        raise ServiceError(errors)
    today = london_date(now)
    # Decided once, under the lock, before any restriction is ended or replaced.
    transitions.move(
        appeal,
        AppealStatus.DECIDED,
        values={
            "outcome": outcome,
            "outcome_reasons": reasons.strip(),
            "decided_by_id": actor.id,
            "reviewed_on": today,
            "cem_notified_on": today,
            "updated_at": now,
        },
    )
    restriction = appeal.restriction
    decided = decision_restrictions(restriction)
    before = {"restriction_status": restriction.status}
    if outcome in (AppealOutcome.OVERTURNED, AppealOutcome.VARIED):
        for each in decided:
            each.status = (
                RestrictionStatus.ENDED
                if outcome == AppealOutcome.OVERTURNED
                else RestrictionStatus.REPLACED
            )
            each.closed_at = now
    replacement = None
    if outcome == AppealOutcome.VARIED:
        replacement = restriction_services.build_replacement(
            actor, now, restriction, variation, variation.review_on
        )
        replacement.notified_on = today  # decided on appeal: no further appeal (§9.4)
        db.session.add(replacement)
    db.session.flush()
    for user_id in _staff_with(Role.CEM):
        notify(
            user_id,
            f"GLT decided appeal {appeal.reference}: {outcome.title}. Tell the customer.",
            f"/staff/appeals/{appeal.id}",
            now,
        )
    audit.record(
        actor,
        now,
        "appeal.decided",
        "appeal",
        appeal.id,
        f"{appeal.reference}: {outcome.title}",
        before=before,
        after={
            "outcome": outcome,
            "reasons": appeal.outcome_reasons,
            "restriction_status": restriction.status,
            "replacement": {
                "id": replacement.id,
                "kind": replacement.kind,
                "review_on": replacement.review_on,
                "ends_on": replacement.ends_on,
            }
            if replacement is not None
            else None,
        },
    )


def _replacement(appeal: Appeal) -> Restriction | None:
    """The restriction with the terms GLT set when varying it on appeal."""
    if appeal.outcome != AppealOutcome.VARIED:
        return None
    return db.session.scalar(
        select(Restriction)
        .where(Restriction.replaces_id == appeal.restriction_id)
        .order_by(Restriction.id.desc())
        .limit(1)
    )


def send_outcome(actor, now: datetime, appeal: Appeal):
    """Tell the customer the outcome in writing; there is no further appeal (§9.4)."""
    _cem(actor)
    if appeal.status in (AppealStatus.LODGED, AppealStatus.ACKNOWLEDGED, AppealStatus.WITH_GLT):
        raise ServiceError("GLT has not decided this appeal yet")
    if appeal.status != AppealStatus.DECIDED:
        raise Appeal.TRANSITIONS.conflict(appeal)
    today = london_date(now)
    transitions.move(
        appeal, AppealStatus.CLOSED, values={"customer_told_on": today, "updated_at": now}
    )
    render = partial(
        appeal_letters.outcome, appeal=appeal, issued_on=today, replacement=_replacement(appeal)
    )
    letter = letters.freeze(actor, now, appeal.customer, LetterKind.APPEAL_OUTCOME, render)
    appeal.outcome_letter_id = letter.id
    db.session.flush()
    audit.record(
        actor,
        now,
        "appeal.outcome_sent",
        "appeal",
        appeal.id,
        f"{appeal.reference}: outcome letter sent",
        after={"letter": letter.reference},
    )
    return letter
