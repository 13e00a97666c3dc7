"""Issue 16, point 13: the refusals of the arrangement, letter delivery and decision letter
services carry a stable code and a message said in the reader's language (read when shown,
not when raised), so views act on the code and never on the English."""

from __future__ import annotations

from datetime import date, time

import pytest
from flask_babel import force_locale
from flask_babel.speaklater import LazyString

from portal import db
from portal.arrangements import services as arrangements
from portal.arrangements.models import ResponseChannel, TermKind
from portal.errors import Problem, ServiceError
from portal.letters import delivery as deliveries
from portal.letters.delivery import Delivery
from portal.restrictions import decision_letter

Term = arrangements.TermInput


def _codes(call) -> dict[str, str | None]:
    with pytest.raises(ServiceError) as refused:
        call()
    db.session.rollback()
    for message in refused.value.errors.values():
        assert isinstance(message, Problem), message
        assert isinstance(message.message, LazyString), message
    return refused.value.codes


@pytest.mark.policy("8.15")
def test_point13_each_refusal_of_an_arrangement_has_a_code(app, clock, make_customer, panel_member):
    customer = make_customer()

    def approve(terms, review_on=date(2027, 2, 23), summary="Calls at a set time.", how=None):
        return lambda: arrangements.approve(
            panel_member, clock.now, customer, summary, terms, review_on, how
        )

    assert _codes(approve([], summary=" ", review_on=date(2026, 11, 1))) == {
        "kinds": "arrangement.no_terms",
        "summary": "arrangement.summary_missing",
        "review_on": "arrangement.review_not_future",
        "delivery": "letter.delivery_missing",
    }
    bad = [
        Term(TermKind.MEDIATOR),
        Term(TermKind.THIRD_PARTY),
        Term(TermKind.WEEKLY_CORRESPONDENCE),
        Term(TermKind.CALL_TIME, weekday=1, starts_at=time(11), ends_at=time(10)),
        Term(TermKind.CALL_LENGTH, amount=0),
        Term(TermKind.ISSUE_LIMIT, amount=601),
    ]
    assert _codes(approve(bad, review_on=date(2027, 12, 1), how=Delivery.HAND)) == {
        "mediator_name": "arrangement.mediator_missing",
        "third_party_name": "arrangement.third_party_missing",
        "weekly_correspondence_weekday": "arrangement.weekday_missing",
        "call_time_ends_at": "arrangement.call_ends_first",
        "call_length_amount": "arrangement.call_length_out_of_range",
        "issue_limit_amount": "arrangement.issue_limit_out_of_range",
        "review_on": "arrangement.review_too_late",
    }
    twice = [Term(TermKind.CALL_LENGTH, amount=5), Term(TermKind.CALL_LENGTH, amount=9)]
    assert _codes(approve(twice, how=Delivery.HAND))["kinds"] == "arrangement.term_twice"
    no_times = [Term(TermKind.CALL_TIME, weekday=1)]
    assert _codes(approve(no_times, how=Delivery.HAND)) == {
        "call_time_starts_at": "arrangement.call_time_missing"
    }


@pytest.mark.policy("8.15")
def test_point13_answering_and_ending_an_arrangement_refuse_with_codes(
    app, clock, make_customer, make_arrangement, panel_member
):
    arrangement = make_arrangement(make_customer())
    answer = lambda: arrangements.record_answer(  # noqa: E731
        panel_member, clock.now, arrangement, "agree", ResponseChannel.PORTAL, ""
    )
    assert _codes(answer) == {"channel": "arrangement.channel_missing"}
    end = lambda: arrangements.end(panel_member, clock.now, arrangement, "  ")  # noqa: E731
    assert _codes(end) == {"reason": "arrangement.end_reason_missing"}


@pytest.mark.policy("8.9")
@pytest.mark.parametrize(
    ("way", "code"),
    [
        (Delivery.PORTAL, "letter.no_portal_account"),
        (Delivery.EMAIL, "letter.no_email_address"),
        (Delivery.POST, "letter.no_postal_address"),
    ],
)
def test_point13_a_way_that_cannot_reach_the_customer_has_a_code(app, make_customer, way, code):
    # Reachable another way (an address, or for post an email), but not this one.
    other = {"email": "dee@customer.test"} if way == Delivery.POST else {"address": "1 Test St"}
    reachable = make_customer(**({"address": "", "email": ""} | other))
    assert _codes(lambda: deliveries.check(reachable, way)) == {"delivery": code}
    nobody = make_customer(address="", email="")
    assert _codes(lambda: deliveries.check(nobody, way)) == {"delivery": "letter.only_by_hand"}


def test_point13_the_only_by_hand_message_is_said_in_the_readers_language(app, make_customer):
    nobody = make_customer(address="", email="")
    with pytest.raises(ServiceError) as refused:
        deliveries.check(nobody, Delivery.POST)
    problem = refused.value.errors["delivery"]
    english = str(problem)
    assert "can only be given to them by hand" in english
    with force_locale("pl"):
        assert str(problem) == str(deliveries.only_by_hand_message())


@pytest.mark.policy("8.20")
def test_point13_the_decision_letter_refuses_with_codes(
    app,
    clock,
    make_customer,
    final_warning_for,
    make_request,
    approve_request,
    organisation_ready,
    panel_member,
):
    customer = make_customer()
    final_warning_for(customer)
    made = approve_request(make_request(customer))
    issue = lambda rows: decision_letter.issue_decision_letter(  # noqa: E731
        panel_member, clock.now, rows, Delivery.HAND
    )
    assert _codes(lambda: issue([])) == {"": "restriction.letter_sent"}
    organisation_ready.appeals_contact = ""
    db.session.commit()
    with pytest.raises(ServiceError) as refused:
        issue(made)
    db.session.rollback()
    problem = refused.value.problem("restriction.letter_incomplete")
    assert problem is not None and "how to appeal" in str(problem)
