"""The six-monthly review (§10.1): continue, vary or lift a restriction, the review letter, and
reintroducing a lifted restriction when the behaviour starts again."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from functools import partial

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal import db, transitions
from portal.audit import services as audit
from portal.auth import permissions
from portal.errors import Conflict, NotAllowed, Problem, ServiceError
from portal.i18n import long_date
from portal.letters import delivery as deliveries
from portal.letters import render as letter_render
from portal.letters import services as letters
from portal.letters.models import LetterKind
from portal.paging import Page
from portal.restrictions import rules
from portal.restrictions.decision_letter import letter_dates
from portal.restrictions.models import Delivery, Restriction, RestrictionStatus
from portal.restrictions.terms import (
    RestrictionSpec,
    build_replacement,
    same_terms,
    validate_spec,
)
from portal.reviews.models import RestrictionReview, ReviewOutcome
from portal.reviews.queries import still_in_force
from portal.timeutil import london_date

REVIEWS_PAGE_SIZE = 50


def _due_within(today: date, within_days: int) -> tuple:
    """Restrictions in force on ``today`` whose review is due within ``within_days`` (one
    whose end date has passed needs no review)."""
    return (
        Restriction.in_force_clause(today),
        Restriction.review_on <= today + timedelta(days=within_days),
    )


def reviews_due(today: date, within_days: int = 14, limit: int = 200) -> list[Restriction]:
    """Restrictions in force on ``today`` whose review is due within ``within_days``, most
    urgent first (one whose end date has passed needs no review)."""
    return list(
        db.session.scalars(
            select(Restriction)
            .options(joinedload(Restriction.customer))
            .where(*_due_within(today, within_days))
            .order_by(Restriction.review_on, Restriction.id)
            .limit(limit)
        )
    )


def reviews_due_page(
    today: date, asked: int, within_days: int = 14, size: int = REVIEWS_PAGE_SIZE
) -> tuple[list[Restriction], Page]:
    """Page ``asked`` of the reviews :func:`reviews_due` lists, in its order, with the count
    of all: two statements however many are due, and none left off the end."""
    where = _due_within(today, within_days)
    total = db.session.scalar(select(func.count(Restriction.id)).where(*where)) or 0
    page = Page.of(asked, size, total)
    if not total:
        return [], page
    rows = db.session.scalars(
        select(Restriction)
        .options(joinedload(Restriction.customer))
        .where(*where)
        .order_by(Restriction.review_on, Restriction.id)
        .limit(page.size)
        .offset(page.offset)
    )
    return list(rows), page


def review_restriction(
    actor,
    now: datetime,
    restriction: Restriction,
    outcome: ReviewOutcome,
    reasons: str,
    behaviour_since: str,
    next_review_on: date | None,
    variation: RestrictionSpec | None = None,
    delivery: Delivery | None = None,
) -> RestrictionReview:
    """Record the Restricted Contact Review (Appendix C) and write to the customer (§10.1).

    ``delivery`` is how the letter goes (by default, the way the decision letter went); it
    must be a way that reaches the customer.

    :raises ServiceError: for missing reasons, a missing or late next review, a bad variation
        or a way of sending the letter that cannot reach the customer.
    """
    if not permissions.can_request_restriction(actor):
        raise NotAllowed
    today = london_date(now)
    # Under the lock: two colleagues recording the same review at once record one.
    transitions.lock(restriction, rule=partial(_not_reviewed_on, today))
    if restriction.ran_out_by(today):
        raise ServiceError(
            Problem(
                "review.restriction_ended",
                _l(
                    "This restriction ended on %(date)s, so there is nothing to review",
                    date=long_date(restriction.ends_on),
                ),
            )
        )
    errors: dict[str, Problem] = {}
    delivery = delivery or restriction.delivery
    if delivery is None:
        errors["delivery"] = Problem("review.delivery_missing", _l("Choose how the letter is sent"))
    else:
        cannot = deliveries.problem(restriction.customer, delivery)
        if cannot:
            errors["delivery"] = cannot
    if not reasons.strip():
        errors["reasons"] = Problem(
            "review.reasons_missing", _l("Give the reasons for the decision")
        )
    if outcome in (ReviewOutcome.CONTINUE, ReviewOutcome.VARY):
        if next_review_on is None:
            errors["next_review_on"] = Problem(
                "review.next_review_missing", _l("Enter the date of the next review")
            )
        elif next_review_on <= today:
            errors["next_review_on"] = Problem(
                "review.next_review_past", _l("The next review must be in the future")
            )
        elif next_review_on > rules.latest_review_date(today):
            errors["next_review_on"] = Problem(
                "review.next_review_late",
                _l("Restrictions are reviewed at least every 6 months (§10.1)"),
            )
    if outcome == ReviewOutcome.VARY:
        if variation is None:
            errors["kind"] = Problem(
                "review.variation_missing", _l("Set out the varied restriction")
            )
        else:
            # The replacement starts today and is next reviewed on ``next_review_on``: check
            # those dates, whatever the variation itself says.
            variation = replace(
                variation, starts_on=today, review_on=next_review_on or variation.review_on
            )
            spec_errors = validate_spec(variation, restriction.customer_id)
            errors.update(
                {
                    key: message
                    for key, message in spec_errors.items()
                    if key != "review_on" or "next_review_on" not in errors
                }
            )
            if not spec_errors and same_terms(restriction, variation):
                # The form starts from the terms in force: choosing "vary" and changing
                # nothing would send a new decision, with new appeal rights, for the same thing.
                errors["kind"] = Problem(
                    "review.variation_same",
                    _l(
                        "The varied restriction is the same as the one in force: change its "
                        "terms, or choose to continue it"
                    ),
                )
    if errors:
        raise ServiceError(errors)
    before = {"status": restriction.status, "review_on": restriction.review_on}
    replacement = None
    if outcome == ReviewOutcome.CONTINUE:
        transitions.move(
            restriction, RestrictionStatus.ACTIVE, values={"review_on": next_review_on}
        )
    elif outcome == ReviewOutcome.LIFT:
        transitions.move(restriction, RestrictionStatus.LIFTED, values={"closed_at": now})
    else:
        transitions.move(restriction, RestrictionStatus.REPLACED, values={"closed_at": now})
        replacement = build_replacement(actor, now, restriction, variation, next_review_on)
        db.session.add(replacement)
    db.session.flush()
    # A varied restriction is a new decision: the review letter tells the customer how long
    # they have to appeal it, counted like a decision letter's (§8.20, §9.1).
    dates = letter_dates(delivery, now) if replacement else None
    render = partial(
        letter_render.review_outcome,
        restriction=restriction,
        replacement=replacement,
        outcome=outcome,
        reasons=reasons.strip(),
        issued_on=today,
        next_review_on=next_review_on,
        notified_on=dates.notified_on if dates else None,
        appeal_deadline=dates.appeal_deadline if dates else None,
        # What else limits contact after this review, frozen into the letter with the rest: a
        # lifted restriction is "the usual ways again" only when nothing else remains.
        others=still_in_force(restriction, today),
    )
    letter = letters.freeze(actor, now, restriction.customer, LetterKind.REVIEW_OUTCOME, render)
    if replacement is not None:
        replacement.letter_id = letter.id
        replacement.delivery = delivery
        replacement.notified_on = dates.notified_on
        replacement.appeal_deadline = dates.appeal_deadline
    review = RestrictionReview(
        restriction_id=restriction.id,
        reviewer_id=actor.id,
        reviewed_at=now,
        outcome=outcome,
        reasons=reasons.strip(),
        behaviour_since=behaviour_since.strip(),
        next_review_on=next_review_on if outcome != ReviewOutcome.LIFT else None,
        letter_id=letter.id,
        delivery=delivery,
    )
    db.session.add(review)
    db.session.flush()
    audit.record(
        actor,
        now,
        "restriction.reviewed",
        "restriction",
        restriction.id,
        f"Six-monthly review: {outcome.title}",
        before=before,
        after={
            "status": restriction.status,
            "review_on": restriction.review_on,
            "replacement_id": replacement.id if replacement else None,
            "letter": letter.reference,
            "delivery": delivery,
        },
    )
    deliveries.tell_customer(actor, now, restriction.customer, letter, delivery)
    return review


def _not_reviewed_on(today: date, restriction: Restriction) -> None:
    """A restriction is reviewed once at a time: in force, and not reviewed already today.

    :raises Conflict: if a colleague has lifted, varied or reviewed it already.
    """
    last = db.session.scalar(
        select(RestrictionReview)
        .where(RestrictionReview.restriction_id == restriction.id)
        .order_by(RestrictionReview.reviewed_at.desc())
        .limit(1)
    )
    if last is not None and london_date(last.reviewed_at) == today:
        raise Conflict(
            last.outcome.title,
            by=last.reviewer.name,
            at=last.reviewed_at,
            message=Problem(
                "review.reviewed_already", _l("This restriction has already been reviewed")
            ),
        )
    if restriction.status != RestrictionStatus.ACTIVE:
        raise ServiceError(
            Problem("review.not_in_force", _l("Only a restriction in force can be reviewed"))
        )


def _not_reintroduced(lifted: Restriction) -> None:
    """:raises Conflict: if a colleague has reintroduced the restriction already."""
    again = db.session.scalar(
        select(Restriction).where(Restriction.reintroduces_id == lifted.id).limit(1)
    )
    if again is not None:
        raise Conflict(
            RestrictionStatus.ACTIVE.title,
            by=again.approved_by.name,
            at=again.approved_at,
            message=Problem(
                "review.reintroduced_already",
                _l(
                    "This restriction has already been reintroduced: review or lift that one "
                    "instead"
                ),
            ),
        )


def reintroduce(
    actor, now: datetime, lifted: Restriction, reason: str, review_on: date
) -> Restriction:
    """Bring back a lifted restriction at once because the behaviour started again (§10.1).

    :raises Conflict: if a colleague has reintroduced it already.
    """
    if not permissions.can_request_restriction(actor):
        raise NotAllowed
    if lifted.status != RestrictionStatus.LIFTED:
        raise ServiceError(
            Problem("review.not_lifted", _l("Only a lifted restriction can be reintroduced"))
        )
    # Under the lock on the lifted restriction: two at once bring it back once.
    transitions.lock(lifted, expect=(RestrictionStatus.LIFTED,), rule=_not_reintroduced)
    today = london_date(now)
    errors: dict[str, Problem] = {}
    if not reason.strip():
        errors["reason"] = Problem("review.reason_missing", _l("Say what behaviour started again"))
    if review_on <= today or review_on > rules.latest_review_date(today):
        errors["review_on"] = Problem(
            "review.review_date_range", _l("Choose a review date within the next 6 months (§10.1)")
        )
    if lifted.ends_on is not None and lifted.ends_on < today:
        errors["reason"] = Problem(
            "review.period_ended",
            _l("This restriction's period has ended; ask GLT for a new decision"),
        )
    if errors:
        raise ServiceError(errors)
    again = Restriction(
        customer_id=lifted.customer_id,
        request_id=lifted.request_id,
        kind=lifted.kind,
        channel=lifted.channel,
        named_manager_id=lifted.named_manager_id,
        schedule=lifted.schedule,
        third_party=lifted.third_party,
        reasons=lifted.reasons,
        starts_on=today,
        review_on=review_on,
        ends_on=lifted.ends_on,
        immediate_notice=True,
        status=RestrictionStatus.ACTIVE,
        approved_by_id=actor.id,
        approved_at=now,
        reintroduces_id=lifted.id,
        reintroduce_reason=reason.strip(),
    )
    db.session.add(again)
    db.session.flush()
    audit.record(
        actor,
        now,
        "restriction.reintroduced",
        "restriction",
        again.id,
        f"Restriction reintroduced for {lifted.customer.reference}",
        after={
            "reintroduces_id": lifted.id,
            "reason": again.reintroduce_reason,
            "review_on": review_on,
        },
    )
    return again
