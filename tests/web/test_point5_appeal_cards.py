"""Issue 16, point 5: with two decisions the customer can appeal, the home page names each
card by what was decided and by its decision letter (date and reference), and each button to
start an appeal says which decision it is for (§8.20, §9.1)."""

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

TODAY = date(2026, 11, 23)  # the frozen clock's day


def _words(node) -> str:
    return " ".join(node.get_text(" ").split())


@pytest.fixture
def two_decisions(
    clock, restriction_in_force, make_request, approve_request, panel_member, make_staff
):
    """Email only, and later a second decision: through Tom Whitfield, each with its letter."""
    tom = make_staff(Role.LINE_MANAGER, name="Tom Whitfield", email="tom.w@test.example")
    first = restriction_in_force(now=clock.now - timedelta(days=2))
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
    restrictions.issue_decision_letter(panel_member, clock.now, made, Delivery.HAND)
    db.session.commit()
    return first, made[0]


def _home(client, clock, sign_in, customer_id):
    account = CustomerAccount(
        customer_id=customer_id,
        email="cards@test.example",
        password_hash="pbkdf2:sha256:1$x$" + "0" * 64,
        activated_at=clock.now,
        password_changed_at=clock.now,
    )
    db.session.add(account)
    db.session.commit()
    sign_in(account)
    page = client.get("/home")
    assert page.status_code == 200
    return BeautifulSoup(page.text, "html.parser").find(id="appeals").find_parent("section")


@pytest.mark.policy("9.1")
def test_point5_each_appeal_card_names_its_decision_and_letter(
    client, clock, sign_in, two_decisions
):
    first, second = two_decisions
    section = _home(client, clock, sign_in, first.customer_id)
    cards = section.select(".card")
    assert [card.find("h3").get_text(" ", strip=True) for card in cards] == [
        "Contact only through one named manager",  # newest first
        "Contact only by one named channel",
    ]
    for card, restriction in zip(cards, (second, first), strict=True):
        letter = db.session.get(Letter, restriction.letter_id)
        day = "Monday 23 November 2026" if restriction is second else "Saturday 21 November 2026"
        assert f"Our decision letter of {day}, reference {letter.reference}" in _words(card)
    buttons = [" ".join(card.find("button").get_text().split()) for card in cards]
    assert len(set(buttons)) == 2
    assert buttons[0].startswith("Start an appeal: Contact only through one named manager, Our")


@pytest.mark.policy("9.1")
def test_point5_one_decision_of_two_restrictions_is_one_card_naming_both(
    client, clock, sign_in, restriction_in_force, make_staff
):
    tom = make_staff(Role.LINE_MANAGER, name="Tom Whitfield", email="tom.w@test.example")
    first = restriction_in_force(
        specs=[
            spec(TODAY),
            spec(TODAY, kind=RestrictionKind.NAMED_MANAGER, channel=None, named_manager_id=tom.id),
        ]
    )
    section = _home(client, clock, sign_in, first.customer_id)
    [card] = section.select(".card")
    assert card.find("h3").get_text(" ", strip=True) == (
        "Contact only by one named channel; Contact only through one named manager"
    )


def _said(node) -> str:
    """The text as read out: the words of the element and its children, run together."""
    return " ".join(node.get_text().split())


def _appeals_page(client, clock, sign_in, customer_id):
    _home(client, clock, sign_in, customer_id)  # signed in as the customer
    page = client.get("/appeals")
    assert page.status_code == 200
    return BeautifulSoup(page.text, "html.parser")


@pytest.mark.policy("9.1")
def test_point5_each_card_on_the_appeals_page_has_a_heading_naming_its_decision(
    client, clock, sign_in, two_decisions
):
    """Heading navigation on /appeals tells the two decisions apart: each card's heading
    names what was decided and the letter that said so."""
    first, second = two_decisions
    soup = _appeals_page(client, clock, sign_in, first.customer_id)
    cards = soup.select(".card")
    headings = [_said(card.find("h2")) for card in cards]
    expected = []
    for restriction in (second, first):  # newest first
        letter = db.session.get(Letter, restriction.letter_id)
        day = "Monday 23 November 2026" if restriction is second else "Saturday 21 November 2026"
        expected.append(
            f"{restriction.kind.title}, Our decision letter of {day}, reference {letter.reference}"
        )
    assert headings == expected
    assert len(set(headings)) == 2
    assert [card.find("h2")["id"] for card in cards] == [
        f"decision-{second.id}",
        f"decision-{first.id}",
    ]
    buttons = [_said(card.find("button")) for card in cards]
    assert buttons == [f"Start an appeal: {heading}" for heading in headings]


@pytest.mark.policy("9.1")
def test_point5_one_appeals_card_keeps_a_named_heading(
    client, clock, sign_in, restriction_in_force
):
    only = restriction_in_force()
    soup = _appeals_page(client, clock, sign_in, only.customer_id)
    [card] = soup.select(".card")
    heading = _said(card.find("h2"))
    assert heading.startswith("Contact only by one named channel, Our decision letter of ")
