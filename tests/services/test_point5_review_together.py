"""Issue 16, point 5: GLT approves a restriction while another is in force for the customer and
reviews them together: every review date becomes the earliest of them, each moved date is
audited, and the decision letter gives each review date (§10.1, §8.20). Unticked, or with no
other restriction in force, nothing moves; a review already past, a restriction that has run
out, and a review falling before the new restriction starts keep their dates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal import db
from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.restrictions import services as restrictions
from portal.restrictions.models import Delivery, RequestStatus, RestrictionKind
from portal.restrictions.review_together import ALIGNED
from tests.restriction_factories import spec
from tests.text import plain

TODAY = date(2026, 11, 23)  # the frozen clock's day


@pytest.fixture
def tom(make_staff):
    return make_staff(Role.LINE_MANAGER, name="Tom Whitfield", email="tom.whitfield@test.example")


@pytest.fixture
def decide_manager(clock, make_request, glt_member, tom):
    """GLT approves "through Tom Whitfield" for ``customer``, reviewed on ``review_on``."""

    def _decide(customer, review_on, together=True, starts_on=TODAY):
        request = make_request(
            customer,
            now=clock.now - timedelta(minutes=30),
            proposed_kinds=[RestrictionKind.NAMED_MANAGER],
        )
        made = restrictions.decide(
            glt_member,
            clock.now - timedelta(minutes=20),
            request,
            RequestStatus.APPROVED,
            "Evidence is clear.",
            [
                spec(
                    starts_on,
                    kind=RestrictionKind.NAMED_MANAGER,
                    channel=None,
                    named_manager_id=tom.id,
                    review_on=review_on,
                )
            ],
            together=together,
        )
        db.session.commit()
        return made[0]

    return _decide


def _moves() -> list[tuple[int, str, str]]:
    return [
        (e.entity_id, e.before["review_on"], e.after["review_on"])
        for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == ALIGNED).order_by(AuditEvent.id)
        )
    ]


@pytest.mark.policy("10.1")
def test_point5_the_later_review_comes_forward_to_the_new_ones_and_the_letter_says_so(
    clock, restriction_in_force, decide_manager, panel_member
):
    first = restriction_in_force()  # email only, reviewed 23 May 2027
    assert first.review_on == date(2027, 5, 23)
    new = decide_manager(first.customer, date(2027, 3, 1))
    db.session.refresh(first)
    assert (first.review_on, new.review_on) == (date(2027, 3, 1), date(2027, 3, 1))
    assert _moves() == [(first.id, "2027-05-23", "2027-03-01")]
    letter = restrictions.issue_decision_letter(panel_member, clock.now, [new], Delivery.HAND)
    text = " ".join(plain(letter.body_html).split())
    assert "We will next review your restrictions by Monday 1 March 2027." in text
    assert "we have brought its review forward so that we review your restrictions" in text
    assert "We have brought this review forward from Sunday 23 May 2027." in text
    assert "We will review it by 1 March 2027" in text
    assert "which has not changed" not in text


@pytest.mark.policy("10.1")
def test_point5_the_new_restrictions_review_comes_forward_to_the_one_in_force(
    restriction_in_force, decide_manager
):
    first = restriction_in_force(review_on=date(2027, 2, 1))
    new = decide_manager(first.customer, date(2027, 5, 1))
    db.session.refresh(first)
    assert (first.review_on, new.review_on) == (date(2027, 2, 1), date(2027, 2, 1))
    assert _moves() == [(new.id, "2027-05-01", "2027-02-01")]


@pytest.mark.policy("10.1")
def test_point5_unticked_every_review_date_stays(restriction_in_force, decide_manager):
    first = restriction_in_force()
    new = decide_manager(first.customer, date(2027, 3, 1), together=False)
    db.session.refresh(first)
    assert (first.review_on, new.review_on) == (date(2027, 5, 23), date(2027, 3, 1))
    assert _moves() == []


@pytest.mark.policy("10.1")
def test_point5_a_restriction_alone_has_nothing_to_review_with(
    make_customer, final_warning_for, decide_manager
):
    customer = make_customer()
    final_warning_for(customer)
    new = decide_manager(customer, date(2027, 3, 1))
    assert new.review_on == date(2027, 3, 1)
    assert _moves() == []


@pytest.mark.policy("10.1")
def test_point5_a_review_already_past_or_a_restriction_run_out_is_not_moved(
    clock, restriction_in_force, make_request, approve_request, panel_member, decide_manager
):
    overdue = restriction_in_force()
    customer = overdue.customer
    [ran_out] = approve_request(
        make_request(customer, now=clock.now - timedelta(hours=1)),
        now=clock.now - timedelta(minutes=50),
    )
    restrictions.issue_decision_letter(panel_member, clock.now, [ran_out], Delivery.HAND)
    # Started seven months ago: its review (a month ago) is overdue.
    overdue.starts_on, overdue.review_on = TODAY - timedelta(days=213), TODAY - timedelta(days=30)
    # Ran out last week, its review still ahead on paper.
    ran_out.starts_on, ran_out.ends_on = TODAY - timedelta(days=60), TODAY - timedelta(days=7)
    ran_out.review_on = TODAY + timedelta(days=30)
    db.session.commit()
    assert overdue.review_on < TODAY
    new = decide_manager(customer, date(2027, 3, 1))
    db.session.refresh(overdue)
    db.session.refresh(ran_out)
    assert overdue.review_on < TODAY
    assert ran_out.review_on == TODAY + timedelta(days=30)
    assert new.review_on == date(2027, 3, 1)
    assert _moves() == []


@pytest.mark.policy("10.1")
def test_point5_a_review_before_the_new_restriction_starts_keeps_its_date(
    restriction_in_force, decide_manager
):
    first = restriction_in_force(review_on=TODAY + timedelta(days=10))
    new = decide_manager(first.customer, date(2027, 4, 1), starts_on=TODAY + timedelta(days=20))
    db.session.refresh(first)
    # The new one cannot be reviewed before it starts; the earlier review is never put back.
    assert (first.review_on, new.review_on) == (TODAY + timedelta(days=10), date(2027, 4, 1))
    assert _moves() == []
