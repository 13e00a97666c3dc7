"""Issue 16, point 5: with two restrictions in force ("by email only" and "through Tom
Whitfield"), the customer's record, the customer's home and a newly issued decision letter say
one thing: email Tom Whitfield, reviewed by the earlier date, and where each part comes from
(§8.19, §8.20, §8.21). One restriction alone is said as it always was; letters already issued
stay as they were."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup

from portal import db
from portal.accounts.models import CustomerAccount
from portal.auth.models import Role
from portal.letters.models import Letter
from portal.restrictions import services as restrictions
from portal.restrictions.models import Delivery, RestrictionKind
from tests.restriction_factories import spec
from tests.text import plain

TODAY = date(2026, 11, 23)  # the frozen clock's day


def _words(html: str) -> str:
    return " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())


@pytest.fixture
def tom(make_staff):
    return make_staff(Role.LINE_MANAGER, name="Tom Whitfield", email="tom.whitfield@test.example")


@pytest.fixture
def two_in_force(restriction_in_force, tom):
    """Email only (reviewed 23 May 2027) and through Tom Whitfield (reviewed 1 March 2027),
    decided together."""
    return restriction_in_force(
        specs=[
            spec(TODAY),
            spec(
                TODAY,
                kind=RestrictionKind.NAMED_MANAGER,
                channel=None,
                named_manager_id=tom.id,
                review_on=date(2027, 3, 1),
            ),
        ]
    )


@pytest.mark.policy("8.21")
def test_point5_the_record_flags_two_restrictions_as_one_for_any_colleague(
    client, sign_in, make_staff, two_in_force
):
    sign_in(make_staff(Role.COLLEAGUE))
    page = client.get(f"/staff/customers/{two_in_force.customer_id}")
    assert page.status_code == 200
    flag = _words(str(BeautifulSoup(page.text, "html.parser").find(id="customer-flags")))
    assert (
        "Contact by email only, through Tom Whitfield, first review due by Monday 1 March 2027."
        in flag
    )
    assert "pass it to Tom Whitfield" in flag
    # Where each part comes from, each with its own review date.
    assert "Contact only through Tom Whitfield, until reviewed, on or before Monday 1 March" in flag
    assert "Contact by email only, until reviewed, on or before Sunday 23 May 2027" in flag


@pytest.mark.policy("8.21")
def test_point5_one_restriction_alone_is_flagged_as_before(
    client, sign_in, make_staff, restriction_in_force
):
    alone = restriction_in_force()
    sign_in(make_staff(Role.COLLEAGUE))
    flag = _words(client.get(f"/staff/customers/{alone.customer_id}").text)
    assert "Contact by email only, until reviewed, on or before" in flag
    assert "first review due" not in flag
    assert "From these restrictions" not in flag


@pytest.mark.policy("8.19")
def test_point5_the_customers_home_says_email_tom_whitfield_until_the_earlier_review(
    client, clock, sign_in, two_in_force, organisation_ready
):
    account = CustomerAccount(
        customer_id=two_in_force.customer_id,
        email="together@test.example",
        password_hash="pbkdf2:sha256:1$x$" + "0" * 64,
        activated_at=clock.now,
        password_changed_at=clock.now,
    )
    db.session.add(account)
    db.session.commit()
    sign_in(account)
    page = client.get("/home")
    assert page.status_code == 200
    statement = _words(str(BeautifulSoup(page.text, "html.parser").find(id="contact-together")))
    assert statement.startswith("Email Tom Whitfield only")
    assert "Their email address: tom.whitfield@test.example" in statement
    assert "We will next review your restrictions by Monday 1 March 2027." in statement
    # Each restriction, with its own review date, under the one statement.
    assert "Contact us by email only We will review it by Sunday 23 May 2027." in statement
    assert "Contact us through Tom Whitfield We will review it by Monday 1 March 2027." in statement
    assert _words(page.text).count("Contact us by email only") == 1


@pytest.mark.policy("8.20")
def test_point5_a_new_decision_letter_reads_the_restriction_already_in_force_with_it(
    clock,
    restriction_in_force,
    make_request,
    approve_request,
    panel_member,
    tom,
):
    first = restriction_in_force()
    first_letter = db.session.get(Letter, first.letter_id)
    frozen = first_letter.body_html
    made = approve_request(
        make_request(
            first.customer,
            now=clock.now - timedelta(minutes=30),
            proposed_kinds=[RestrictionKind.NAMED_MANAGER],
        ),
        now=clock.now - timedelta(minutes=20),
        specs=[
            spec(
                TODAY,
                kind=RestrictionKind.NAMED_MANAGER,
                channel=None,
                named_manager_id=tom.id,
                review_on=date(2027, 3, 1),
            )
        ],
    )
    letter = restrictions.issue_decision_letter(panel_member, clock.now, made, Delivery.HAND)
    db.session.commit()
    text = " ".join(plain(letter.body_html).split())
    assert "Email Tom Whitfield only" in text
    assert "Their email address: tom.whitfield@test.example" in text
    assert "We will next review your restrictions by Monday 1 March 2027." in text
    assert "This includes the restriction already in place, which has not changed:" in text
    assert "Contact us by email only" in text
    # This letter's own restriction keeps its start, length and review date.
    assert "We will review it by 1 March 2027" in text
    # The letter already issued is frozen: it says what it said.
    db.session.refresh(first_letter)
    assert first_letter.body_html == frozen
    assert "Email Tom Whitfield only" not in plain(frozen)


@pytest.mark.policy("8.20")
def test_point5_one_restriction_alone_keeps_its_decision_letter_wording(restriction_in_force):
    alone = restriction_in_force()
    text = " ".join(plain(db.session.get(Letter, alone.letter_id).body_html).split())
    assert "Contact us by email only" in text
    assert "We will next review your restrictions" not in text
    assert "already in place" not in text


@pytest.mark.policy("10.1")
def test_point5_the_review_page_shows_the_others_and_offers_their_review_date(
    client, sign_in, panel_member, two_in_force
):
    sign_in(panel_member)
    page = client.get(f"/staff/restrictions/{two_in_force.id}/review")
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    together = soup.find(id="reviewed-together")
    words = _words(str(together))
    assert together.find("a").get_text() == "Contact only through Tom Whitfield"
    assert "review due by Monday 1 March 2027" in words
    assert "Contact by email only, through Tom Whitfield" in words
    other = together.find("a")["href"]
    assert other.endswith("/review") and other != f"/staff/restrictions/{two_in_force.id}/review"
    # One review date for both is offered: the earlier one, the other restriction's.
    assert "set to Monday 1 March 2027" in words
    assert soup.find(id="next_review_on")["value"] == "2027-03-01"
    assert client.get(other).status_code == 200


@pytest.mark.policy("10.1")
def test_point5_a_restriction_alone_is_reviewed_as_before(
    client, sign_in, panel_member, restriction_in_force
):
    alone = restriction_in_force()
    sign_in(panel_member)
    page = client.get(f"/staff/restrictions/{alone.id}/review")
    assert page.status_code == 200
    assert 'id="reviewed-together"' not in page.text


@pytest.mark.policy("10.1")
def test_point5_the_reviews_list_says_which_are_reviewed_together(
    client, sign_in, panel_member, restriction_in_force, tom
):
    restriction_in_force(
        specs=[
            spec(TODAY, review_on=date(2026, 12, 1)),
            spec(
                TODAY,
                kind=RestrictionKind.NAMED_MANAGER,
                channel=None,
                named_manager_id=tom.id,
                review_on=date(2026, 12, 3),
            ),
        ]
    )
    sign_in(panel_member)
    rows = [
        _words(str(row))
        for row in BeautifulSoup(client.get("/staff/reviews").text, "html.parser").find_all("tr")
    ]
    together = [row for row in rows if "Reviewed together with:" in row]
    assert len(together) == 2
    assert any("(review due by 3 Dec 2026)" in row and "1 Dec 2026" in row for row in together)
    assert any("(review due by 1 Dec 2026)" in row and "3 Dec 2026" in row for row in together)
