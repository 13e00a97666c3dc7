"""A restriction-stage letter goes only a way that reaches the customer, and the portal and
email ways really tell them (§8.20, §9.1, §10.1).

The appeal clock starts on the day the customer is told, so the portal needs an active account,
email an address, post a postal address; by hand always works. By email or in the portal the
customer is sent an email saying where to read the letter.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from portal import db
from portal.accounts.models import AccessCode, CustomerAccount
from portal.errors import ServiceError
from portal.letters.models import Letter
from portal.outbox.models import OutboxEmail
from portal.restrictions import services as restrictions
from portal.restrictions.models import ContactRoute, Delivery
from portal.reviews import services as reviews
from portal.reviews.models import RestrictionReview, ReviewOutcome
from tests.restriction_factories import make_reachable, spec

TODAY = date(2026, 11, 23)  # the London date of the frozen clock (tests/conftest.py)


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def _emails() -> list[OutboxEmail]:
    return list(db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


@pytest.fixture
def approved(app, make_customer, final_warning_for, make_request, approve_request):
    """``approved(**customer_fields)``: a customer's restriction, approved and waiting for its
    decision letter."""

    def _make(**customer_fields):
        customer = make_customer(**customer_fields)
        final_warning_for(customer)
        return approve_request(make_request(customer))

    return _make


def _issue(panel_member, clock, made, delivery):
    letter = restrictions.issue_decision_letter(panel_member, clock.now, made, delivery)
    db.session.commit()
    return letter


def _refused_issue(panel_member, clock, made, delivery) -> ServiceError:
    with pytest.raises(ServiceError) as refused:
        restrictions.issue_decision_letter(panel_member, clock.now, made, delivery)
    db.session.rollback()
    return refused.value


@pytest.mark.policy("8.20")
@pytest.mark.parametrize(
    ("delivery", "says"),
    [
        (Delivery.PORTAL, "has no portal account"),
        (Delivery.EMAIL, "no email address"),
        (Delivery.POST, "no postal address"),
    ],
)
def test_a_way_that_cannot_reach_the_customer_is_refused_and_nothing_is_saved(
    app, clock, approved, panel_member, organisation_ready, delivery, says
):
    made = approved()
    before = (_count(Letter), _count(AccessCode), _count(OutboxEmail))
    refused = _refused_issue(panel_member, clock, made, delivery)
    assert says in refused.errors["delivery"]
    assert (_count(Letter), _count(AccessCode), _count(OutboxEmail)) == before
    assert made[0].letter_id is None and made[0].notified_on is None


@pytest.mark.policy("8.20")
def test_an_inactive_portal_account_is_no_way_to_send_a_letter(
    app, clock, approved, panel_member, organisation_ready
):
    made = approved()
    make_reachable(made[0].customer, Delivery.PORTAL, clock.now)
    account = db.session.scalar(select(CustomerAccount))
    account.active = False
    db.session.commit()
    assert (
        "has no portal account"
        in _refused_issue(panel_member, clock, made, Delivery.PORTAL).errors["delivery"]
    )


@pytest.mark.policy("8.20")
def test_by_hand_needs_nothing_and_sends_no_email(
    app, clock, approved, panel_member, organisation_ready
):
    made = approved(email="someone@customer.test", address="1 Road")
    _issue(panel_member, clock, made, Delivery.HAND)
    assert made[0].delivery == Delivery.HAND and _emails() == []


@pytest.mark.policy("8.20")
def test_by_post_needs_the_address_and_sends_no_email(
    app, clock, approved, panel_member, organisation_ready
):
    made = approved(address="9 Any Street, Manchester M9 9AA", email="someone@customer.test")
    letter = _issue(panel_member, clock, made, Delivery.POST)
    assert "9 Any Street, Manchester M9 9AA" in letter.body_html
    assert made[0].notified_on == date(2026, 11, 25)  # two working days after posting
    assert _emails() == []


@pytest.mark.policy("8.20")
def test_by_email_without_an_account_the_email_carries_the_way_in(
    app, clock, approved, panel_member, organisation_ready
):
    made = approved(email="  dana@customer.test ")
    letter = _issue(panel_member, clock, made, Delivery.EMAIL)
    customer = made[0].customer
    [email] = _emails()
    assert email.to_address == "dana@customer.test"
    assert email.subject == "We have sent you a letter"
    assert email.dedupe_key == f"letter:{letter.id}:told"
    body = email.body_text
    assert f"Dear {customer.name}," in body
    assert "We have sent you a letter: Decision to restrict how you contact us." in body
    assert f"http://127.0.0.1:5000/letters/{letter.id}" in body
    # The code printed in the letter opens an account: the email gives the same one.
    code = letter.body_html.split("your access code: ")[1][:11]
    assert f"enter your reference, {customer.reference}, and this access code: {code}" in body
    assert "The code works once, until Monday 21 December 2026." in body
    assert "tell us and we will send you the letter another way" in body
    assert made[0].notified_on == TODAY and made[0].delivery == Delivery.EMAIL


@pytest.mark.policy("8.20")
def test_in_the_portal_the_account_holder_is_emailed_without_a_code(
    app, clock, approved, panel_member, organisation_ready
):
    made = approved(email="record@customer.test")
    make_reachable(made[0].customer, Delivery.PORTAL, clock.now)
    account = db.session.scalar(select(CustomerAccount))
    letter = _issue(panel_member, clock, made, Delivery.PORTAL)
    [email] = _emails()
    assert email.to_address == account.email  # the address they sign in with
    assert f"/letters/{letter.id}" in email.body_text
    assert "access code" not in email.body_text
    assert "another way" not in email.body_text
    assert _count(AccessCode) == 0


@pytest.mark.policy("8.20")
def test_the_email_comes_in_the_customers_language_with_the_english(
    app, clock, approved, panel_member, organisation_ready
):
    made = approved(email="jan@customer.test", preferred_language="pl")
    letter = _issue(panel_member, clock, made, Delivery.EMAIL)
    assert letter.language == "pl"
    [email] = _emails()
    own, english = email.body_text.split("\n\n----------\n\n")
    assert "We have sent you a letter" in english
    assert own != english and letter.translation_subject in own
    assert email.subject.endswith(" / We have sent you a letter")


# --- the review letter (§10.1) --------------------------------------------------------------


def _review(panel_member, clock, restriction, delivery, outcome=ReviewOutcome.CONTINUE):
    review = reviews.review_restriction(
        panel_member,
        clock.now,
        restriction,
        outcome,
        "The calls have continued.",
        "",
        date(2027, 2, 23),
        spec(TODAY, channel=ContactRoute.LETTER) if outcome == ReviewOutcome.VARY else None,
        delivery,
    )
    db.session.commit()
    return review


@pytest.mark.policy("10.1")
@pytest.mark.parametrize(
    ("delivery", "says"),
    [
        (Delivery.PORTAL, "has no portal account"),
        (Delivery.EMAIL, "no email address"),
        (Delivery.POST, "no postal address"),
    ],
)
def test_the_review_letter_goes_only_a_way_that_reaches_the_customer(
    app, clock, restriction_in_force, panel_member, delivery, says
):
    restriction = restriction_in_force()
    before = (_count(Letter), _count(RestrictionReview), restriction.review_on)
    with pytest.raises(ServiceError) as refused:
        _review(panel_member, clock, restriction, delivery)
    db.session.rollback()
    assert says in refused.value.errors["delivery"]
    assert (_count(Letter), _count(RestrictionReview), restriction.review_on) == before


@pytest.mark.policy("10.1")
def test_the_panel_chooses_how_the_review_letter_goes(
    app, clock, restriction_in_force, panel_member
):
    restriction = restriction_in_force(delivery=Delivery.HAND)
    make_reachable(restriction.customer, Delivery.EMAIL, clock.now)
    review = _review(panel_member, clock, restriction, Delivery.EMAIL, ReviewOutcome.VARY)
    assert review.delivery == Delivery.EMAIL
    replacement = db.session.scalar(
        select(type(restriction)).where(type(restriction).replaces_id == restriction.id)
    )
    assert replacement.delivery == Delivery.EMAIL and replacement.notified_on == TODAY
    [email] = _emails()
    assert email.to_address == restriction.customer.email
    assert "The review of your contact restriction" in email.body_text
    assert f"/letters/{review.letter_id}" in email.body_text
    assert "access code" in email.body_text  # no account yet: the email opens one


@pytest.mark.policy("10.1")
def test_without_a_choice_the_review_letter_goes_as_the_decision_letter_did(
    app, clock, restriction_in_force, panel_member
):
    restriction = restriction_in_force(delivery=Delivery.POST)
    review = _review(panel_member, clock, restriction, None)
    assert review.delivery == Delivery.POST and _emails() == []
