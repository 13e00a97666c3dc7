"""GLT's decision on an appeal and the letter that tells the customer (§9.3–9.4): an
overturned restriction ends, a varied one is replaced, and there is no further appeal.
Services flush only; the view commits once."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from functools import partial

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import db, transitions
from portal.appeals import due_dates
from portal.appeals import letters as appeal_letters
from portal.appeals.models import Appeal, AppealOutcome, AppealStatus
from portal.appeals.people import may_decide, require_manager, staff_with
from portal.audit import services as audit
from portal.auth.models import Role
from portal.errors import NotAllowed, Problem, ServiceError
from portal.letters import services as letters
from portal.letters.models import LetterKind
from portal.notifications.services import notify
from portal.organisation.services import get_organisation
from portal.restrictions import services as restriction_services
from portal.restrictions.models import Restriction, RestrictionStatus
from portal.timeutil import london_date
from portal.workdays.services import hold_calendar, load_calendar

# Why GLT's decision or the outcome letter is refused, each with its code (portal/errors).
NOT_WITH_GLT = Problem("appeal.not_with_glt", _l("This appeal is not waiting for a GLT decision"))
NO_REASONS = Problem("appeal.reasons_missing", _l("Give the reasons for the decision"))
NO_VARIATION = Problem("appeal.variation_missing", _l("Set out the changed restriction"))
NO_VARIATION_REVIEW = Problem(
    "appeal.variation_review_missing", _l("Enter the date the changed restriction is reviewed")
)
NOT_DECIDED = Problem("appeal.not_decided", _l("GLT has not decided this appeal yet"))


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
        raise ServiceError(NOT_WITH_GLT)
    if appeal.status != AppealStatus.WITH_GLT:
        raise Appeal.TRANSITIONS.conflict(appeal)
    errors: dict[str, str | Problem] = {}
    if not reasons.strip():
        errors["reasons"] = NO_REASONS
    if outcome == AppealOutcome.VARIED:
        if variation is None:
            errors["kind"] = NO_VARIATION
        else:
            # The changed restriction starts today, whatever start the form carried.
            variation = dataclasses.replace(variation, starts_on=london_date(now))
            checked = dataclasses.replace(
                variation, review_on=variation.review_on or variation.starts_on
            )
            spec_errors = restriction_services.validate_spec(checked, appeal.customer_id)
            if variation.review_on is None:
                spec_errors["review_on"] = NO_VARIATION_REVIEW
            errors.update(spec_errors)
    if errors:
        raise ServiceError(errors)
    today = london_date(now)
    hold_calendar()  # the outcome letter's due date is counted with it
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
    due_dates.fill(appeal, load_calendar(), get_organisation().cutoff_time)
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
    for user_id in staff_with(Role.CEM):
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
    require_manager(actor)
    if appeal.status in (AppealStatus.LODGED, AppealStatus.ACKNOWLEDGED, AppealStatus.WITH_GLT):
        raise ServiceError(NOT_DECIDED)
    if appeal.status != AppealStatus.DECIDED:
        raise Appeal.TRANSITIONS.conflict(appeal)
    today = london_date(now)
    transitions.move(
        appeal, AppealStatus.CLOSED, values={"customer_told_on": today, "updated_at": now}
    )
    appeal.next_due_on = due_dates.next_due(appeal)
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
