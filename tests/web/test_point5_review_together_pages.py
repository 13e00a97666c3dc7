"""Issue 16, point 5, on GLT's decision page: with another restriction in force, "Review
together" is offered and ticked; ticked, the review dates become the earliest of them (each
move audited); unticked, they stay. With none in force nothing is offered (§10.1)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal import db
from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.restrictions.models import Restriction, RestrictionKind
from portal.restrictions.review_together import ALIGNED
from tests.pages import check_page, errors_on
from tests.web.restriction_forms import decision_form


@pytest.fixture
def tom(make_staff):
    return make_staff(Role.LINE_MANAGER, name="Tom Whitfield", email="tom.whitfield@test.example")


@pytest.fixture
def second_request(restriction_in_force, make_request):
    """Email only in force (reviewed 23 May 2027); the Panel asks for one named manager."""
    first = restriction_in_force()
    return first, make_request(first.customer, proposed_kinds=[RestrictionKind.NAMED_MANAGER])


def _manager_decision(tom, **overrides) -> dict:
    return decision_form(
        kind="named_manager",
        channel="",
        named_manager_id=str(tom.id),
        review_on="2027-03-01",
        **overrides,
    )


def _decided(request) -> Restriction:
    return db.session.scalar(select(Restriction).where(Restriction.request_id == request.id))


@pytest.mark.policy("10.1")
def test_point5_glt_is_offered_to_review_together_ticked_and_the_dates_align(
    client, sign_in, glt_member, post, second_request, tom
):
    first, request = second_request
    sign_in(glt_member)
    page = check_page(client.get(f"/staff/restriction-requests/{request.id}"))
    offer = page.find(id="review-together")
    assert "Contact by email only: review due by Sunday 23 May 2027" in offer.get_text(" ")
    box = offer.find("input", attrs={"name": "review_together"})
    assert box.has_attr("checked")
    assert "the restriction already in force" in offer.get_text(" ")

    response = post(
        f"/staff/restriction-requests/{request.id}/decision",
        _manager_decision(tom, review_together="y"),
    )
    assert response.status_code == 303, errors_on(check_page(response, response.status_code))
    db.session.expire_all()
    assert (db.session.get(Restriction, first.id).review_on, _decided(request).review_on) == (
        date(2027, 3, 1),
        date(2027, 3, 1),
    )
    moves = db.session.scalars(select(AuditEvent).where(AuditEvent.action == ALIGNED)).all()
    assert [(e.entity_id, e.before["review_on"], e.after["review_on"]) for e in moves] == [
        (first.id, "2027-05-23", "2027-03-01")
    ]


@pytest.mark.policy("10.1")
def test_point5_unticked_the_review_dates_stay_as_they_are(
    client, sign_in, glt_member, post, second_request, tom
):
    first, request = second_request
    sign_in(glt_member)
    response = post(f"/staff/restriction-requests/{request.id}/decision", _manager_decision(tom))
    assert response.status_code == 303, errors_on(check_page(response, response.status_code))
    db.session.expire_all()
    assert (db.session.get(Restriction, first.id).review_on, _decided(request).review_on) == (
        date(2027, 5, 23),
        date(2027, 3, 1),
    )
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == ALIGNED)).all() == []


@pytest.mark.policy("10.1")
def test_point5_with_no_restriction_in_force_nothing_is_offered(
    client, sign_in, glt_member, make_customer, final_warning_for, make_request
):
    customer = make_customer()
    final_warning_for(customer)
    request = make_request(customer)
    sign_in(glt_member)
    page = check_page(client.get(f"/staff/restriction-requests/{request.id}"))
    assert page.find(id="review-together") is None
    assert page.find("input", attrs={"name": "review_together"}) is None


@pytest.mark.policy("10.1")
def test_point5_an_overdue_review_keeps_its_date_and_one_run_out_is_not_offered(
    client, sign_in, glt_member, post, second_request, tom
):
    first, request = second_request
    first.starts_on, first.review_on = date(2026, 4, 1), date(2026, 10, 1)
    db.session.commit()
    sign_in(glt_member)
    offer = check_page(client.get(f"/staff/restriction-requests/{request.id}")).find(
        id="review-together"
    )
    assert "review overdue since Thursday 1 October 2026, so it keeps its date" in offer.get_text(
        " "
    )
    response = post(
        f"/staff/restriction-requests/{request.id}/decision",
        _manager_decision(tom, review_together="y"),
    )
    assert response.status_code == 303, errors_on(check_page(response, response.status_code))
    db.session.expire_all()
    assert (db.session.get(Restriction, first.id).review_on, _decided(request).review_on) == (
        date(2026, 10, 1),
        date(2027, 3, 1),
    )
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == ALIGNED)).all() == []


@pytest.mark.policy("10.1")
def test_point5_a_restriction_that_has_run_out_is_not_offered(
    client, sign_in, glt_member, second_request
):
    first, request = second_request
    first.starts_on, first.ends_on = date(2026, 9, 1), date(2026, 11, 20)
    db.session.commit()
    sign_in(glt_member)
    page = check_page(client.get(f"/staff/restriction-requests/{request.id}"))
    assert page.find(id="review-together") is None
