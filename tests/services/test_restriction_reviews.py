"""Six-monthly reviews of restrictions and reintroduction (§10.1, Appendix C): the queue of
reviews due, continue / vary / lift with reasons and a letter to the customer, and bringing a
lifted restriction back at once."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal import db
from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.errors import NotAllowed, ServiceError
from portal.letters.models import Letter, LetterKind
from portal.restrictions import queries
from portal.restrictions import services as restrictions
from portal.restrictions.models import (
    ContactRoute,
    Delivery,
    Restriction,
    RestrictionKind,
    RestrictionStatus,
)
from portal.reviews import services as reviews
from portal.reviews.models import RestrictionReview, ReviewOutcome
from portal.timeutil import add_months
from tests.conftest import FROZEN_NOW
from tests.restriction_factories import refusal, spec
from tests.text import plain

TODAY = date(2026, 11, 23)  # the frozen clock's day, a Monday


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def _state() -> tuple[int, int, int, int]:
    return _count(Restriction), _count(RestrictionReview), _count(Letter), _count(AuditEvent)


@pytest.fixture
def in_force_on(clock, restriction_in_force):
    """A restriction put in force (letter handed over) at ``when``; the clock is then put
    back to the frozen Monday 23 November 2026."""

    def _make(when: datetime, **spec_fields) -> Restriction:
        clock.now = when
        try:
            return restriction_in_force(now=when, **spec_fields)
        finally:
            clock.now = FROZEN_NOW

    return _make


@pytest.fixture
def review(app, clock, panel_member):
    """``review(restriction, outcome, next_review_on, reasons=..., **kw)`` by the Panel, now."""

    def _review(
        restriction,
        outcome,
        next_review_on=None,
        reasons="The calls have continued since the decision.",
        behaviour_since="Three abusive emails in October.",
        variation=None,
        actor=None,
        delivery=None,
    ):
        return reviews.review_restriction(
            actor or panel_member,
            clock.now,
            restriction,
            outcome,
            reasons,
            behaviour_since,
            next_review_on,
            variation,
            delivery,
        )

    return _review


# --- the queue of reviews due -----------------------------------------------------------------


@pytest.mark.policy("10.1")
def test_reviews_due_within_14_days_most_urgent_first(
    app, clock, in_force_on, restriction_in_force, review
):
    overdue = in_force_on(datetime(2026, 11, 2, 10, tzinfo=UTC), review_on=date(2026, 11, 20))
    due_today = in_force_on(datetime(2026, 11, 2, 11, tzinfo=UTC), review_on=TODAY)
    day_14 = restriction_in_force(review_on=TODAY + timedelta(days=14))
    day_15 = restriction_in_force(review_on=TODAY + timedelta(days=15))
    day_3 = restriction_in_force(review_on=TODAY + timedelta(days=3))
    lifted = restriction_in_force(review_on=TODAY + timedelta(days=5))
    review(lifted, ReviewOutcome.LIFT)
    db.session.commit()

    due = reviews.reviews_due(TODAY)
    assert [r.id for r in due] == [overdue.id, due_today.id, day_3.id, day_14.id]
    assert day_15.id not in {r.id for r in due}
    # The next day, day 15 comes into the queue.
    assert day_15.id in {r.id for r in reviews.reviews_due(TODAY + timedelta(days=1))}
    assert [r.id for r in reviews.reviews_due(TODAY, within_days=3)] == [
        overdue.id,
        due_today.id,
        day_3.id,
    ]


@pytest.mark.policy("10.1")
def test_a_restriction_waiting_for_its_letter_is_not_in_the_review_queue(
    app, clock, make_customer, final_warning_for, make_request, approve_request
):
    customer = make_customer()
    final_warning_for(customer)
    [waiting] = approve_request(make_request(customer), review_on=TODAY + timedelta(days=2))
    assert waiting.status == RestrictionStatus.AWAITING_NOTICE
    assert reviews.reviews_due(TODAY) == []


# --- continue ----------------------------------------------------------------------------------


@pytest.mark.policy("10.1")
def test_continue_sets_the_next_review_and_writes_to_the_customer(
    app, clock, restriction_in_force, review, panel_member, audit_events
):
    restriction = restriction_in_force(review_on=TODAY + timedelta(days=7))
    done = review(
        restriction,
        ReviewOutcome.CONTINUE,
        date(2027, 5, 23),
        reasons="  Abusive emails continued in October.  ",
    )
    db.session.commit()

    assert restriction.status == RestrictionStatus.ACTIVE
    assert restriction.review_on == date(2027, 5, 23)
    assert done.outcome == ReviewOutcome.CONTINUE
    assert done.reviewer_id == panel_member.id and done.reviewed_at == clock.now
    assert done.reasons == "Abusive emails continued in October."
    assert done.behaviour_since == "Three abusive emails in October."
    assert done.next_review_on == date(2027, 5, 23)

    letter = db.session.get(Letter, done.letter_id)
    assert letter.kind == LetterKind.REVIEW_OUTCOME
    assert letter.customer_id == restriction.customer_id
    assert letter.content_sha256 == hashlib.sha256(letter.body_html.encode()).hexdigest()
    html = letter.body_html
    assert f"Dear {restriction.customer.name}," in html
    assert "The restriction continues:" in html
    assert "<strong>Contact us by email only</strong>" in html
    assert "We will review it again by 23 May 2027" in html
    assert "Abusive emails continued in October." in html
    assert "Complaints: 0161 000 0001" in plain(
        html
    ) and "Emergency repairs: 0161 000 0999" in plain(html)
    assert "Write to the Customer Experience Manager to appeal." in html

    [event] = audit_events("restriction.reviewed", entity_id=restriction.id)
    assert event.before["review_on"] == (TODAY + timedelta(days=7)).isoformat()
    assert event.after["review_on"] == "2027-05-23"
    assert event.after["letter"] == letter.reference
    # Reviewed, it leaves the queue.
    assert reviews.reviews_due(TODAY) == []


@pytest.mark.policy("10.1")
@pytest.mark.parametrize(
    ("next_review_on", "message"),
    [
        (None, "Enter the date of the next review"),
        (TODAY - timedelta(days=1), "must be in the future"),
        (TODAY, "must be in the future"),
        (date(2027, 5, 24), "at least every 6 months"),  # six months and a day
    ],
)
def test_continue_needs_a_next_review_within_six_months(
    app, clock, restriction_in_force, review, next_review_on, message
):
    restriction = restriction_in_force()
    before = _state()
    refused = refusal(review, restriction, ReviewOutcome.CONTINUE, next_review_on)
    assert message in refused.errors["next_review_on"]
    assert _state() == before
    assert db.session.get(Restriction, restriction.id).review_on == date(2027, 5, 23)


@pytest.mark.policy("10.1")
@pytest.mark.parametrize(
    ("next_review_on", "ok"),
    [(TODAY + timedelta(days=1), True), (date(2027, 5, 23), True), (date(2027, 5, 24), False)],
)
def test_the_next_review_is_counted_from_the_day_of_the_review(
    app, clock, in_force_on, review, next_review_on, ok
):
    # Started on 2 September 2026: its own six months end on 2 March 2027, but the next review
    # is counted from today's review.
    restriction = in_force_on(datetime(2026, 9, 2, 10, tzinfo=UTC), review_on=TODAY)
    if ok:
        review(restriction, ReviewOutcome.CONTINUE, next_review_on)
        assert restriction.review_on == next_review_on
    else:
        assert (
            "next_review_on"
            in refusal(review, restriction, ReviewOutcome.CONTINUE, next_review_on).errors
        )


@pytest.mark.policy("10.1")
@pytest.mark.parametrize(
    ("next_review_on", "ok"), [(date(2028, 2, 29), True), (date(2028, 3, 1), False)]
)
def test_a_review_on_31_august_can_set_the_next_for_the_end_of_february(
    app, clock, restriction_in_force, review, next_review_on, ok
):
    restriction = restriction_in_force()
    clock.now = datetime(2027, 8, 31, 9, tzinfo=UTC)
    if ok:
        review(restriction, ReviewOutcome.CONTINUE, next_review_on)
        assert restriction.review_on == date(2028, 2, 29)
    else:
        refused = refusal(review, restriction, ReviewOutcome.CONTINUE, next_review_on)
        assert refused.codes["next_review_on"] == "review.next_review_late"


@pytest.mark.policy("10.1")
@pytest.mark.parametrize("outcome", list(ReviewOutcome))
def test_every_review_needs_reasons(app, clock, restriction_in_force, review, outcome):
    restriction = restriction_in_force()
    before = _state()
    variation = spec(TODAY, kind=RestrictionKind.SET_TIMES, channel=None, schedule="Tue 10-11")
    refused = refusal(
        review,
        restriction,
        outcome,
        date(2027, 2, 23),
        reasons="  ",
        variation=variation,
    )
    assert "reasons" in refused.errors
    assert _state() == before
    assert db.session.get(Restriction, restriction.id).status == RestrictionStatus.ACTIVE


@pytest.mark.policy("10.1")
@pytest.mark.parametrize("role", [Role.GLT, Role.CEM, Role.CSM, Role.LINE_MANAGER, Role.COLLEAGUE])
def test_only_the_panel_reviews(app, clock, restriction_in_force, review, make_staff, role):
    restriction = restriction_in_force()
    someone = make_staff(role)
    before = _state()
    with pytest.raises(NotAllowed):
        review(restriction, ReviewOutcome.LIFT, actor=someone)
    db.session.rollback()
    assert _state() == before
    assert restriction.status == RestrictionStatus.ACTIVE


@pytest.mark.policy("10.1")
def test_only_a_restriction_in_force_is_reviewed(
    app,
    clock,
    restriction_in_force,
    review,
    make_customer,
    final_warning_for,
    make_request,
    approve_request,
):
    lifted = restriction_in_force()
    review(lifted, ReviewOutcome.LIFT)
    db.session.commit()
    # The same day it is a colleague's review already recorded (a Conflict, see
    # test_guarded_restriction_steps.py); on any later day the restriction is simply not in force.
    clock.now += timedelta(days=1)
    refused = refusal(review, lifted, ReviewOutcome.CONTINUE, date(2027, 2, 1))
    assert "in force" in str(refused)
    customer = make_customer()
    final_warning_for(customer)
    [waiting] = approve_request(make_request(customer))
    assert "in force" in str(refusal(review, waiting, ReviewOutcome.LIFT))


# --- vary --------------------------------------------------------------------------------------


@pytest.mark.policy("10.1")
def test_vary_replaces_the_restriction_with_one_in_force_from_today(
    app, clock, restriction_in_force, review, audit_events
):
    old = restriction_in_force()
    done = review(
        old,
        ReviewOutcome.VARY,
        date(2027, 2, 23),
        reasons="Fewer calls; set times are enough now.",
        variation=spec(
            TODAY,
            kind=RestrictionKind.SET_TIMES,
            channel=ContactRoute.EMAIL,  # not part of a set-times restriction
            schedule="  Tuesdays 10:00 to 11:00  ",
            reasons="Calls only at set times keep colleagues safe.",
        ),
    )
    db.session.commit()

    assert old.status == RestrictionStatus.REPLACED and old.closed_at == clock.now
    new = db.session.scalar(select(Restriction).where(Restriction.replaces_id == old.id))
    assert new.status == RestrictionStatus.ACTIVE
    assert new.kind == RestrictionKind.SET_TIMES
    assert new.schedule == "Tuesdays 10:00 to 11:00"
    assert new.channel is None
    assert new.starts_on == TODAY and new.review_on == date(2027, 2, 23)
    assert new.request_id == old.request_id and new.customer_id == old.customer_id
    # The review letter is the new restriction's decision letter, with its own appeal deadline.
    assert new.letter_id == done.letter_id
    assert new.delivery == Delivery.HAND  # as the decision letter went
    assert new.notified_on == TODAY
    assert new.appeal_deadline == date(2026, 12, 21)
    html = db.session.get(Letter, done.letter_id).body_html
    assert "We have changed the restriction" in html
    assert "Call us only at the agreed times" in html
    assert "We will review it again by 23 February 2027" in html
    assert "Monday 21 December 2026" in html
    assert "Complaints: 0161 000 0001" in plain(html)

    picture = queries.contact_picture(old.customer_id, with_history=False, today=TODAY)
    assert [r.id for r, _ in picture.in_force] == [new.id]
    [event] = audit_events("restriction.reviewed", entity_id=old.id)
    assert event.after["replacement_id"] == new.id and event.after["status"] == "replaced"


@pytest.mark.policy("10.1")
def test_a_posted_review_letter_gives_the_varied_restriction_a_later_appeal_deadline(
    app, clock, restriction_in_force, review
):
    old = restriction_in_force(delivery=Delivery.POST)  # postal allowance: 2 working days
    done = review(
        old,
        ReviewOutcome.VARY,
        date(2027, 2, 23),
        variation=spec(TODAY, kind=RestrictionKind.THIRD_PARTY, channel=None, third_party="CAB"),
    )
    new = db.session.scalar(select(Restriction).where(Restriction.replaces_id == old.id))
    assert new.delivery == Delivery.POST
    assert new.notified_on == date(2026, 11, 25)
    assert new.appeal_deadline == date(2026, 12, 23)
    assert "Wednesday 23 December 2026" in db.session.get(Letter, done.letter_id).body_html


@pytest.mark.policy("10.1")
@pytest.mark.parametrize(
    ("variation", "field"),
    [
        (None, "kind"),
        ({"kind": RestrictionKind.SET_TIMES, "channel": None, "schedule": " "}, "schedule"),
        ({"kind": RestrictionKind.NAMED_MANAGER, "channel": None}, "named_manager_id"),
        (
            {"kind": RestrictionKind.TERMINATION, "channel": None, "ends_on": date(2027, 2, 1)},
            "kind",
        ),
        ({"reasons": " "}, "restriction_reasons"),
    ],
)
def test_a_varied_restriction_is_checked_like_a_new_one(
    app, clock, restriction_in_force, review, variation, field
):
    old = restriction_in_force()
    before = _state()
    refused = refusal(
        review,
        old,
        ReviewOutcome.VARY,
        date(2027, 2, 23),
        variation=None if variation is None else spec(TODAY, **variation),
    )
    assert field in refused.errors
    assert _state() == before
    assert db.session.get(Restriction, old.id).status == RestrictionStatus.ACTIVE


@pytest.mark.policy("10.1")
def test_a_varied_restriction_cannot_end_before_today(app, clock, restriction_in_force, review):
    old = restriction_in_force()
    before = _state()
    # The variation form says it started a month ago and ended yesterday; the replacement
    # starts today, so its end date is refused rather than stored before its start.
    variation = spec(TODAY - timedelta(days=30), ends_on=TODAY - timedelta(days=1))
    refused = refusal(review, old, ReviewOutcome.VARY, date(2027, 2, 23), variation=variation)
    assert "ends_on" in refused.errors
    assert _state() == before


@pytest.mark.policy("10.1")
def test_vary_needs_the_next_review_within_six_months(app, clock, restriction_in_force, review):
    old = restriction_in_force()
    variation = spec(TODAY, kind=RestrictionKind.THIRD_PARTY, channel=None, third_party="CAB")
    refused = refusal(review, old, ReviewOutcome.VARY, date(2027, 5, 24), variation=variation)
    assert "next_review_on" in refused.errors
    review(old, ReviewOutcome.VARY, date(2027, 5, 23), variation=variation)
    assert old.status == RestrictionStatus.REPLACED


@pytest.mark.policy("10.1")
@pytest.mark.parametrize(
    "change",
    [
        {},
        {"reasons": "New words for the same restriction."},
        {"channel": ContactRoute.EMAIL, "schedule": "Kept only for a set-times restriction"},
    ],
    ids=["unchanged", "only-the-reasons", "only-details-of-other-kinds"],
)
def test_a_variation_must_change_the_restriction(app, clock, restriction_in_force, review, change):
    old = restriction_in_force()  # email only, no end date
    before = _state()
    same = spec(TODAY, **change)
    refused = refusal(review, old, ReviewOutcome.VARY, date(2027, 2, 23), variation=same)
    assert refused.codes["kind"] == "review.variation_same"
    assert _state() == before
    assert db.session.get(Restriction, old.id).status == RestrictionStatus.ACTIVE


@pytest.mark.policy("10.1")
@pytest.mark.parametrize(
    "change",
    [
        {"channel": ContactRoute.LETTER},
        {"ends_on": date(2027, 5, 1)},
        {"kind": RestrictionKind.THIRD_PARTY, "channel": None, "third_party": "CAB"},
    ],
    ids=["another-channel", "an-end-date", "another-kind"],
)
def test_any_change_of_terms_is_a_variation(app, clock, restriction_in_force, review, change):
    old = restriction_in_force()
    review(old, ReviewOutcome.VARY, date(2027, 2, 23), variation=spec(TODAY, **change))
    assert old.status == RestrictionStatus.REPLACED


# --- lift ----------------------------------------------------------------------------------


@pytest.mark.policy("10.1")
def test_lift_ends_the_restriction_and_tells_the_customer(app, clock, restriction_in_force, review):
    restriction = restriction_in_force(review_on=TODAY + timedelta(days=3))
    done = review(
        restriction, ReviewOutcome.LIFT, date(2027, 2, 1), reasons="No incidents in six months."
    )
    db.session.commit()
    assert restriction.status == RestrictionStatus.LIFTED
    assert restriction.closed_at == clock.now
    assert done.next_review_on is None  # nothing left to review
    html = db.session.get(Letter, done.letter_id).body_html
    assert "We have lifted the restriction" in html
    assert "No incidents in six months." in html
    assert (
        queries.contact_picture(restriction.customer_id, with_history=False, today=TODAY).in_force
        == []
    )
    assert reviews.reviews_due(TODAY) == []


# --- reintroduce -------------------------------------------------------------------------------


@pytest.fixture
def lifted(restriction_in_force, review):
    def _lift(**spec_fields) -> Restriction:
        restriction = restriction_in_force(**spec_fields)
        review(restriction, ReviewOutcome.LIFT, reasons="Calmer for six months.")
        db.session.commit()
        return restriction

    return _lift


@pytest.mark.policy("10.1")
def test_a_lifted_restriction_is_reintroduced_at_once_with_a_reason(
    app, clock, lifted, panel_member, audit_events
):
    old = lifted(ends_on=date(2027, 11, 23))
    again = reviews.reintroduce(
        panel_member, clock.now, old, "  Abusive calls started again.  ", date(2027, 2, 23)
    )
    db.session.commit()
    assert again.status == RestrictionStatus.ACTIVE and again.immediate_notice
    assert again.reintroduces_id == old.id
    assert again.reintroduce_reason == "Abusive calls started again."
    assert (again.kind, again.channel) == (RestrictionKind.CHANNEL_ONLY, ContactRoute.EMAIL)
    assert again.starts_on == TODAY and again.review_on == date(2027, 2, 23)
    assert again.ends_on == date(2027, 11, 23)
    assert again.approved_by_id == panel_member.id
    assert again.request_id == old.request_id and again.request_id is not None
    assert old.status == RestrictionStatus.LIFTED
    picture = queries.contact_picture(old.customer_id, with_history=False, today=TODAY)
    assert [r.id for r, _ in picture.in_force] == [again.id]
    [event] = audit_events("restriction.reintroduced", entity_id=again.id)
    assert event.after["reintroduces_id"] == old.id


@pytest.mark.policy("10.1")
def test_the_decision_letter_follows_a_reintroduction(
    app, clock, lifted, panel_member, organisation_ready
):
    old = lifted()
    again = reviews.reintroduce(
        panel_member, clock.now, old, "Threatening emails again.", date(2027, 2, 23)
    )
    letter = restrictions.issue_decision_letter(panel_member, clock.now, [again], Delivery.HAND)
    assert again.letter_id == letter.id and again.appeal_deadline == date(2026, 12, 21)
    html = letter.body_html
    # It gives the reason for bringing it back, not only the original decision's wording.
    assert "The behaviour that led to it has started again" in html
    assert "Threatening emails again." in html
    assert "Why we restricted your contact in the first place:" in html
    assert old.reasons in html
    assert "We brought it back straight away, on 23 November 2026." in html
    assert "Our Group Leadership Team has decided" not in html


@pytest.mark.policy("10.1")
def test_a_restriction_still_in_force_cannot_be_reintroduced(
    app, clock, restriction_in_force, panel_member
):
    restriction = restriction_in_force()
    before = _state()
    refused = refusal(
        reviews.reintroduce, panel_member, clock.now, restriction, "Again.", date(2027, 1, 4)
    )
    assert "Only a lifted restriction" in str(refused)
    assert _state() == before


@pytest.mark.policy("10.1")
def test_a_lifted_restriction_is_reintroduced_only_once(app, clock, lifted, panel_member):
    old = lifted()
    reviews.reintroduce(panel_member, clock.now, old, "Again.", date(2027, 2, 23))
    db.session.commit()
    before = _state()
    refused = refusal(
        reviews.reintroduce, panel_member, clock.now, old, "And again.", date(2027, 2, 23)
    )
    assert "already been reintroduced" in str(refused)
    assert _state() == before
    assert len(queries.restrictions_in_force(old.customer_id, TODAY)) == 1


@pytest.mark.policy("10.1")
@pytest.mark.parametrize(
    ("review_on", "ok"),
    [
        (TODAY, False),
        (TODAY + timedelta(days=1), True),
        (date(2027, 5, 23), True),
        (date(2027, 5, 24), False),
    ],
)
def test_a_reintroduced_restriction_is_reviewed_within_six_months(
    app, clock, lifted, panel_member, review_on, ok
):
    old = lifted()
    if ok:
        again = reviews.reintroduce(panel_member, clock.now, old, "Again.", review_on)
        assert again.review_on == review_on
    else:
        before = _state()
        refused = refusal(reviews.reintroduce, panel_member, clock.now, old, "Again.", review_on)
        assert "review_on" in refused.errors
        assert _state() == before


@pytest.mark.policy("10.1")
def test_a_reintroduction_needs_a_reason(app, clock, lifted, panel_member):
    old = lifted()
    before = _state()
    refused = refusal(reviews.reintroduce, panel_member, clock.now, old, " \n", date(2027, 2, 23))
    assert refused.codes["reason"] == "review.reason_missing"
    assert _state() == before


@pytest.mark.policy("10.1")
@pytest.mark.parametrize(("days_after_end", "ok"), [(0, True), (1, False)])
def test_not_after_the_restrictions_end_date_has_passed(
    app, clock, lifted, panel_member, days_after_end, ok
):
    old = lifted(ends_on=date(2027, 1, 29))
    clock.now = datetime(2027, 1, 29, 10, tzinfo=UTC) + timedelta(days=days_after_end)
    if ok:
        again = reviews.reintroduce(panel_member, clock.now, old, "Again.", date(2027, 4, 1))
        assert again.ends_on == date(2027, 1, 29)
        # Its review date is still after its start, as every restriction's is.
        assert again.review_on > again.starts_on
    else:
        refused = refusal(
            reviews.reintroduce, panel_member, clock.now, old, "Again.", date(2027, 4, 1)
        )
        assert refused.codes["reason"] == "review.period_ended"


@pytest.mark.policy("10.1")
def test_a_varied_restriction_is_not_reintroduced(
    app, clock, restriction_in_force, review, panel_member
):
    old = restriction_in_force()
    review(
        old,
        ReviewOutcome.VARY,
        date(2027, 2, 23),
        variation=spec(TODAY, kind=RestrictionKind.THIRD_PARTY, channel=None, third_party="CAB"),
    )
    assert "Only a lifted" in str(
        refusal(reviews.reintroduce, panel_member, clock.now, old, "x", date(2027, 2, 1))
    )


@pytest.mark.policy("10.1")
@pytest.mark.parametrize("role", [Role.GLT, Role.CEM, Role.COLLEAGUE])
def test_only_the_panel_reintroduces(app, clock, lifted, make_staff, role):
    old = lifted()
    with pytest.raises(NotAllowed):
        reviews.reintroduce(make_staff(role), clock.now, old, "Again.", date(2027, 2, 23))
    assert queries.restrictions_in_force(old.customer_id, TODAY) == []


# --- each outcome in turn, and reintroduction --------------------------------------------------


@pytest.mark.policy("10.1")
def test_reviews_due_lists_restrictions_in_force_most_urgent_first(
    app, clock, restriction_in_force
):
    today = clock.now.date()
    later = restriction_in_force(review_on=today + timedelta(days=14))
    sooner = restriction_in_force(review_on=today + timedelta(days=3))
    restriction_in_force(review_on=today + timedelta(days=15))  # not yet
    assert [r.id for r in reviews.reviews_due(today)] == [sooner.id, later.id]


@pytest.mark.policy("10.1")
def test_review_continue_vary_lift_each_write_to_the_customer(
    app, clock, restriction_in_force, panel_member
):
    today = clock.now.date()
    kept = restriction_in_force()
    review = reviews.review_restriction(
        panel_member,
        clock.now,
        kept,
        ReviewOutcome.CONTINUE,
        "Behaviour continues.",
        "",
        add_months(today, 6),
    )
    assert kept.review_on == add_months(today, 6)
    assert "continue" in db.session.get(Letter, review.letter_id).body_html.lower()
    with pytest.raises(ServiceError):
        reviews.review_restriction(
            panel_member,
            clock.now,
            kept,
            ReviewOutcome.CONTINUE,
            "x",
            "",
            add_months(today, 6) + timedelta(days=1),
        )
    db.session.rollback()

    varied = restriction_in_force()
    reviews.review_restriction(
        panel_member,
        clock.now,
        varied,
        ReviewOutcome.VARY,
        "Calmer now.",
        "",
        add_months(today, 3),
        variation=spec(today, kind=RestrictionKind.SET_TIMES, channel=None, schedule="Tue 10–11"),
    )
    assert varied.status == RestrictionStatus.REPLACED
    replacement = db.session.scalar(select(Restriction).where(Restriction.replaces_id == varied.id))
    assert (
        replacement.status == RestrictionStatus.ACTIVE and replacement.appeal_deadline is not None
    )

    lifted = restriction_in_force()
    reviews.review_restriction(
        panel_member, clock.now, lifted, ReviewOutcome.LIFT, "Resolved.", "", None
    )
    assert lifted.status == RestrictionStatus.LIFTED


@pytest.mark.policy("10.1")
def test_a_lifted_restriction_can_be_reintroduced_at_once_with_a_reason(
    app, clock, restriction_in_force, panel_member
):
    today = clock.now.date()
    lifted = restriction_in_force()
    with pytest.raises(ServiceError):
        reviews.reintroduce(panel_member, clock.now, lifted, "Started again.", add_months(today, 6))
    db.session.rollback()
    reviews.review_restriction(
        panel_member, clock.now, lifted, ReviewOutcome.LIFT, "Resolved.", "", None
    )
    db.session.commit()
    with pytest.raises(ServiceError) as no_reason:
        reviews.reintroduce(panel_member, clock.now, lifted, " ", add_months(today, 6))
    assert "reason" in no_reason.value.errors
    db.session.rollback()
    again = reviews.reintroduce(
        panel_member, clock.now, lifted, "Abusive calls started again.", add_months(today, 6)
    )
    assert again.status == RestrictionStatus.ACTIVE and again.reintroduces_id == lifted.id
    assert (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "restriction.reintroduced")
        )
        == 1
    )
