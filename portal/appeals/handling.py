"""The Customer Experience Manager's steps on an appeal (§9.1–9.3): decide whether to accept
a late appeal, acknowledge it in writing with the expected outcome date, and pass it to GLT.
Each step is taken once; services flush only, the view commits once."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from flask_babel import lazy_gettext as _l

from portal import db, transitions
from portal.appeals import due_dates, rules
from portal.appeals import letters as appeal_letters
from portal.appeals import progress as appeal_progress
from portal.appeals.models import Appeal, AppealStatus
from portal.appeals.people import conflicted, require_manager, staff_with
from portal.audit import services as audit
from portal.auth.models import Role
from portal.errors import Conflict, Problem, ServiceError
from portal.letters import services as letters
from portal.letters.models import LetterKind
from portal.notifications.services import notify
from portal.organisation.services import get_organisation
from portal.timeutil import london_date
from portal.workdays.services import hold_calendar, load_calendar

# Why a step of the CEM's is refused, each with its code (portal/errors).
NO_LATE_DECISION = Problem(
    "appeal.no_late_decision", _l("There is no late-appeal decision to make")
)
NO_LATE_DECISION_REASON = Problem(
    "appeal.late_decision_reason_missing", _l("Give the reason for the decision")
)
LATE_UNDECIDED = Problem(
    "appeal.late_undecided", _l("Decide whether to accept the late appeal first")
)
NOT_ACKNOWLEDGED = Problem(
    "appeal.not_acknowledged", _l("Acknowledge the appeal before passing it to GLT")
)


def clock(appeal: Appeal, calendar=None, cutoff=None) -> rules.AppealClock:
    """Every step's due date for ``appeal`` (the calendar and cut-off on record by default)."""
    return appeal_progress.clock(
        appeal, calendar or load_calendar(), cutoff or get_organisation().cutoff_time
    )


def decide_late(actor, now: datetime, appeal: Appeal, accept: bool, reason: str) -> None:
    """The CEM's discretion over a late appeal (§9.2); a refusal is explained in writing."""
    require_manager(actor)
    if appeal.late and appeal.late_accepted is not None:
        _late_undecided(appeal)
    if not appeal.late or appeal.status != AppealStatus.LODGED:
        raise ServiceError(NO_LATE_DECISION)
    if not reason.strip():
        raise ServiceError({"late_decision_reason": NO_LATE_DECISION_REASON})
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
    appeal.next_due_on = due_dates.next_due(appeal)
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
    what = _l("Late appeal accepted") if appeal.late_accepted else _l("Late appeal not accepted")
    raise Conflict(what, by=by, at=at)


def _late_accepted_first(appeal: Appeal) -> None:
    if appeal.late and appeal.late_accepted is not True:
        raise ServiceError(LATE_UNDECIDED)


def acknowledge(actor, now: datetime, appeal: Appeal):
    """Acknowledge in writing with the expected outcome date (§9.1).

    :raises Conflict: if the appeal was acknowledged (or moved on) already.
    """
    require_manager(actor)
    if appeal.status != AppealStatus.LODGED:
        raise Appeal.TRANSITIONS.conflict(appeal)
    _late_accepted_first(appeal)
    # The outcome date is counted with the calendar: a closure day added meanwhile waits
    # until this is committed (its recompute then moves the date), or is counted here.
    hold_calendar()
    today = london_date(now)
    # Moved first, under the lock: a second "Acknowledge" makes no second letter.
    transitions.move(
        appeal,
        AppealStatus.ACKNOWLEDGED,
        rule=_late_accepted_first,
        values={"acknowledged_on": today, "updated_at": now},
    )
    counted = due_dates.fill(appeal, load_calendar(), get_organisation().cutoff_time)
    appeal.expected_outcome_on = counted.expected_outcome
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
    require_manager(actor)
    if appeal.status == AppealStatus.LODGED:
        raise ServiceError(NOT_ACKNOWLEDGED)
    if appeal.status != AppealStatus.ACKNOWLEDGED:
        raise Appeal.TRANSITIONS.conflict(appeal)
    hold_calendar()  # the steps' due dates are counted with it
    transitions.move(
        appeal,
        AppealStatus.WITH_GLT,
        values={"referred_on": london_date(now), "updated_at": now},
    )
    counted = due_dates.fill(appeal, load_calendar(), get_organisation().cutoff_time)
    due = counted.step("glt_review").due
    for user_id in staff_with(Role.GLT):
        if user_id not in conflicted(appeal):
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
