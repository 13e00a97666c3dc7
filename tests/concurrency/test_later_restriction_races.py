"""The restriction stage's later steps, taken by several Panel members at the same instant:
the answer to GLT's question (§8.19), the six-monthly review and reintroduction (§10.1), and
each step of correspondence under termination (§9.5). One wins; the others are told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import db
from portal.auth.models import Role
from portal.correspondence import services as correspondence
from portal.correspondence.models import Correspondence, CorrespondenceStatus
from portal.letters.models import Letter, LetterKind
from portal.restrictions import services as restrictions
from portal.restrictions.models import RequestStatus, Restriction, RestrictionRequest
from portal.reviews import services as reviews
from portal.reviews.models import RestrictionReview, ReviewOutcome
from tests.concurrency.conftest import N, committed, one_winner, prepared, race
from tests.web.restriction_forms import restriction_request_form, review_restriction_form

pytestmark = pytest.mark.concurrency


@pytest.fixture
def panel(live, make_staff, signed_in):
    return [signed_in(make_staff(Role.PANEL, name=f"Pat Panel {n}")) for n in range(N)]


@pytest.mark.policy("8.19")
def test_glts_question_is_answered_once(
    live, make_customer, final_warning_for, make_request, glt_member, clock, panel
):
    customer = make_customer()
    final_warning_for(customer)
    asked = make_request(customer)
    restrictions.ask_for_more(glt_member, clock.now, asked, "Who else was there?")
    db.session.commit()
    url = f"/staff/restriction-requests/{asked.id}/edit"
    forms = [restriction_request_form(proposal=f"Answer {n}: email only.") for n in range(N)]

    answers = race([prepared(b, url, f) for b, f in zip(panel, forms, strict=True)])

    winner, losers = one_winner(answers)
    request = db.session.get(RestrictionRequest, asked.id)
    db.session.refresh(request)
    assert request.status == RequestStatus.SUBMITTED
    for answer, form in zip(answers, forms, strict=True):
        if answer is not winner:
            assert "The Panel has sent this request back with its answer" in answer.text
            assert form["proposal"] in answer.text  # what they typed is shown back


@pytest.mark.policy("10.1")
def test_a_restriction_is_reviewed_once_however_many_record_it(live, restriction_in_force, panel):
    restriction = restriction_in_force()
    url = f"/staff/restrictions/{restriction.id}/review"
    forms = [
        review_restriction_form(delivery="hand", reasons=f"Reasons of member {n}.")
        for n in range(N)
    ]

    answers = race([prepared(b, url, f) for b, f in zip(panel, forms, strict=True)])

    winner, losers = one_winner(answers)
    assert committed(RestrictionReview) == 1
    assert committed(Letter, Letter.kind == LetterKind.REVIEW_OUTCOME) == 1
    for loser in losers:
        assert "This restriction has already been reviewed" in loser.text
        assert "Pat Panel" in loser.text


@pytest.mark.policy("10.1")
def test_a_lifted_restriction_is_reintroduced_once(
    live, restriction_in_force, panel_member, clock, panel
):
    restriction = restriction_in_force()
    reviews.review_restriction(
        panel_member, clock.now, restriction, ReviewOutcome.LIFT, "Calmer.", "Calmer.", None
    )
    db.session.commit()
    url = f"/staff/restrictions/{restriction.id}/reintroduce"
    form = {"reason": "Abusive calls started again.", "review_on": "2027-02-01"}

    one_winner(race([prepared(b, url, form) for b in panel]))

    assert committed(Restriction, Restriction.reintroduces_id == restriction.id) == 1


@pytest.fixture
def item(live, terminated, panel_member, clock):
    logged = correspondence.log_correspondence(
        panel_member, clock.now, terminated, clock.now - timedelta(hours=1), "letter", "Fence."
    )
    db.session.commit()
    return logged


@pytest.mark.policy("9.5")
def test_each_correspondence_step_is_taken_once(item, panel):
    page = f"/staff/customers/{item.customer_id}/correspondence"
    for step, data, now in (
        ("read", {}, CorrespondenceStatus.READ),
        ("check", {"check-check_notes": ""}, CorrespondenceStatus.CHECKED),
        ("close", {}, CorrespondenceStatus.ACKNOWLEDGED),
    ):
        url = f"/staff/correspondence/{item.id}/{step}"
        sends = []
        for browser in panel:
            token = browser.token(page)
            payload = {"check-csrf_token": token, **data}
            sends.append(lambda b=browser, p=payload, u=url: b.request("POST", u, p))
        winner, losers = one_winner(race(sends))
        db.session.rollback()  # a fresh read: what the server committed
        assert (
            db.session.scalar(select(Correspondence.status).where(Correspondence.id == item.id))
            == now
        )
        for loser in losers:
            assert f"This item has already been {step == 'close' and 'acknowledged' or step}" in (
                loser.text
            )
            assert "Pat Panel" in loser.text  # who took the step
    assert committed(Letter, Letter.kind == LetterKind.CORRESPONDENCE_ACK) == 1
