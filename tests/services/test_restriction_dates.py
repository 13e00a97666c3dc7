"""A restriction's dates: refused when implausible, and "in force" read from them.

A restriction is in force from its start date to its end date (inclusive) once notified
(§4.6, §8.19, §8.21); before its start it is shown as starting later, and after its end it is
not in force, is not reviewed and no longer ends all contact (§9.5, §10.1). All on the frozen
clock, Monday 23 November 2026.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from portal import db
from portal.correspondence import services as correspondence
from portal.errors import ServiceError
from portal.restrictions import queries
from portal.restrictions import services as restrictions
from portal.restrictions.models import Delivery, RequestStatus, Restriction, RestrictionKind
from portal.reviews import services as reviews
from portal.reviews.models import ReviewOutcome
from portal.timeutil import from_london
from tests.restriction_factories import refusal, spec

TODAY = date(2026, 11, 23)  # the London date of the frozen clock (tests/conftest.py)


@pytest.fixture
def request_with_final(make_customer, final_warning_for, make_request):
    customer = make_customer()
    final_warning_for(customer)
    return make_request(customer)


def _decide(glt_member, clock, request, *specs) -> list[Restriction]:
    made = restrictions.decide(
        glt_member, clock.now, request, RequestStatus.APPROVED, "The evidence is clear.", specs
    )
    db.session.commit()
    return made


def _decision_refused(glt_member, clock, request, *specs) -> ServiceError:
    return refusal(
        restrictions.decide,
        glt_member,
        clock.now,
        request,
        RequestStatus.APPROVED,
        "The evidence is clear.",
        list(specs),
    )


# --- implausible dates are refused next to their field, never a crash -------------------------


@pytest.mark.policy("8.19")
@pytest.mark.parametrize(
    ("starts_on", "ok"),
    [
        (date(2027, 2, 23), True),  # three months from today
        (date(2027, 2, 24), False),  # a day more
        (date(9999, 12, 1), False),  # the end of the calendar: six months later is no date
    ],
)
def test_a_restriction_starts_within_three_months_of_the_decision(
    app, clock, glt_member, request_with_final, starts_on, ok
):
    review_on = date(9999, 12, 31) if starts_on.year == 9999 else starts_on + timedelta(days=90)
    chosen = spec(starts_on, review_on=review_on)
    if ok:
        [made] = _decide(glt_member, clock, request_with_final, chosen)
        assert made.starts_on == starts_on
        return
    refused = _decision_refused(glt_member, clock, request_with_final, chosen)
    assert refused.codes["starts_on"] == "restriction.start_late"
    assert refused.errors["starts_on"] == "The start date must be within 3 months of today"
    assert "review_on" not in refused.errors  # measured from a start that is not right yet


@pytest.mark.policy("8.19")
@pytest.mark.parametrize(
    ("ends_on", "ok"),
    [
        (date(2028, 11, 23), True),  # two years from the start
        (date(2028, 11, 24), False),
        (date(9999, 12, 31), False),
    ],
)
def test_a_restriction_ends_within_two_years_of_its_start(
    app, clock, glt_member, request_with_final, ends_on, ok
):
    chosen = spec(TODAY, ends_on=ends_on)
    if ok:
        [made] = _decide(glt_member, clock, request_with_final, chosen)
        assert made.ends_on == ends_on
        return
    refused = _decision_refused(glt_member, clock, request_with_final, chosen)
    assert refused.codes["ends_on"] == "restriction.end_late"
    assert "within 24 months of the start" in refused.errors["ends_on"]


@pytest.mark.policy("10.1")
def test_a_varied_restriction_cannot_end_years_ahead(
    app, clock, restriction_in_force, panel_member
):
    old = restriction_in_force()
    refused = refusal(
        reviews.review_restriction,
        panel_member,
        clock.now,
        old,
        ReviewOutcome.VARY,
        "Fewer calls.",
        "",
        date(2027, 2, 23),
        spec(TODAY, ends_on=date(9999, 12, 31)),
    )
    assert refused.codes["ends_on"] == "restriction.end_late"
    assert "within 24 months of the start" in refused.errors["ends_on"]


# --- in force from the start date to the end date ----------------------------------------------


@pytest.mark.policy("8.21")
def test_a_restriction_starting_later_is_not_in_force_until_its_start(
    app, clock, glt_member, panel_member, request_with_final, organisation_ready
):
    starts = date(2026, 12, 1)
    [made] = _decide(glt_member, clock, request_with_final, spec(starts))
    restrictions.issue_decision_letter(panel_member, clock.now, [made], Delivery.HAND)
    db.session.commit()
    customer_id = made.customer_id

    for day, in_force in ((TODAY, False), (date(2026, 11, 30), False), (starts, True)):
        assert made.in_force_on(day) is in_force, day
        assert (queries.restrictions_in_force(customer_id, day) == [made]) is in_force, day
    assert queries.restrictions_starting_after(customer_id, TODAY) == [made]
    assert queries.restrictions_starting_after(customer_id, starts) == []
    picture = queries.contact_picture(customer_id, with_history=False, today=TODAY)
    assert picture.in_force == [] and [r.id for r, _ in picture.upcoming] == [made.id]
    on_the_day = queries.contact_picture(customer_id, with_history=False, today=starts)
    assert [r.id for r, _ in on_the_day.in_force] == [made.id] and on_the_day.upcoming == []


@pytest.mark.policy("8.21")
@pytest.mark.policy("10.1")
def test_a_restriction_is_in_force_to_the_end_of_its_end_date_and_not_after(
    app, clock, restriction_in_force, panel_member
):
    ends = date(2027, 1, 15)
    made = restriction_in_force(ends_on=ends, review_on=date(2027, 1, 15))
    customer_id = made.customer_id

    assert made.in_force_on(ends) and not made.ran_out_by(ends)
    assert queries.restrictions_in_force(customer_id, ends) == [made]
    assert reviews.reviews_due(ends) == [made]
    after = ends + timedelta(days=1)
    assert not made.in_force_on(after) and made.ran_out_by(after)
    assert queries.restrictions_in_force(customer_id, after) == []
    assert queries.contact_picture(customer_id, False, after).in_force == []
    assert reviews.reviews_due(after) == []  # nothing to review once it has ended

    clock.now = from_london(after, 9)
    refused = refusal(
        reviews.review_restriction,
        panel_member,
        clock.now,
        made,
        ReviewOutcome.CONTINUE,
        "Still needed.",
        "",
        date(2027, 4, 1),
    )
    assert "ended on Friday 15 January 2027" in str(refused)


@pytest.mark.policy("9.5")
@pytest.mark.parametrize(("days_after_end", "logged"), [(0, True), (1, False)])
def test_correspondence_is_logged_only_until_ending_contact_ends(
    app, clock, terminated, panel_member, days_after_end, logged
):
    [termination] = queries.restrictions_in_force(terminated.id, TODAY)
    clock.now = from_london(termination.ends_on + timedelta(days=days_after_end), 11)
    assert (queries.termination_in_force(terminated.id, clock.now.date()) is not None) is logged

    def log():
        return correspondence.log_correspondence(
            panel_member, clock.now, terminated, clock.now - timedelta(hours=1), "letter", "Hi."
        )

    if logged:
        assert log().restriction_id == termination.id
    else:
        assert "has not been ended" in str(refusal(log))


@pytest.mark.policy("8.19")
def test_ending_all_contact_from_a_later_date_does_not_end_it_today(
    app, clock, glt_member, panel_member, make_customer, serious_incident_for, make_request
):
    customer = make_customer()
    incident = serious_incident_for(customer)
    request = make_request(
        customer,
        proposed_kinds=[RestrictionKind.TERMINATION],
        waiver_incident_id=incident.id,
        waiver_reason="Threats.",
    )
    starts = date(2026, 12, 7)
    _decide(
        glt_member,
        clock,
        request,
        spec(
            starts,
            kind=RestrictionKind.TERMINATION,
            channel=None,
            ends_on=date(2027, 3, 7),
            review_on=date(2027, 3, 7),
            immediate_notice=True,
        ),
    )
    assert queries.termination_in_force(customer.id, TODAY) is None
    assert queries.termination_in_force(customer.id, starts) is not None
    refused = refusal(
        correspondence.log_correspondence,
        panel_member,
        clock.now,
        customer,
        datetime(2026, 11, 23, 9, tzinfo=clock.now.tzinfo),
        "letter",
        "A letter.",
    )
    assert "has not been ended" in str(refused)
