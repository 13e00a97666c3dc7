"""The customer's home page: what contact is allowed now and later, the appeal they may still
make, their arrangements and letters, in a fixed number of queries however many there are."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup

from portal import db, kept_pages
from portal.accounts import services as accounts
from portal.accounts.models import CustomerAccount
from portal.restrictions import services as restrictions
from portal.restrictions.models import Delivery, RestrictionKind
from portal.timeutil import london_date
from tests.conftest import csrf_token
from tests.restriction_factories import spec

PASSWORD = "a long enough password"


@pytest.fixture
def customer(app, clock, make_customer, final_warning_for):
    customer = make_customer(address="1 Road, Manchester")
    final_warning_for(customer)
    db.session.add(
        CustomerAccount(
            customer_id=customer.id,
            email="home@test.example",
            password_hash=accounts.hash_password(PASSWORD),
            activated_at=clock.now,
            password_changed_at=clock.now,
        )
    )
    db.session.commit()
    return customer


@pytest.fixture
def decided(clock, make_request, approve_request, panel_member):
    """A decision with its letter sent, starting ``days`` from today."""

    def _decide(customer, days: int = 0, **fields):
        made = approve_request(
            make_request(customer, now=clock.now - timedelta(hours=2)),
            now=clock.now - timedelta(hours=1),
            specs=[spec(london_date(clock.now) + timedelta(days=days), **fields)],
        )
        restrictions.issue_decision_letter(panel_member, clock.now, made, Delivery.POST)
        db.session.commit()
        return made[0]

    return _decide


def _home(client):
    client.post(
        "/sign-in",
        data={
            "csrf_token": csrf_token(client, "/sign-in"),
            "email": "home@test.example",
            "password": PASSWORD,
        },
    )
    return client.get("/home")


def test_the_home_says_what_is_allowed_now_later_and_how_long_to_appeal(
    client, customer, decided, organisation_ready
):
    organisation_ready.email = "hello@test.example"
    db.session.commit()
    decided(customer)
    decided(customer, days=14, kind=RestrictionKind.SET_TIMES, channel=None, schedule="Mon 10-12")
    page = _home(client)
    assert page.status_code == 200
    text = " ".join(BeautifulSoup(page.text, "html.parser").get_text(" ").split())
    assert "Contact us by email only" in text
    assert "Our email address: hello@test.example" in text
    # The set-times restriction starts in two weeks: said as such, not as in force now.
    assert "From Monday 7 December 2026: Call us only at the agreed times" in text
    assert "You have until" in text and "Start an appeal" in text
    assert "You can appeal this decision until" not in text


def test_the_home_runs_a_fixed_number_of_queries(
    app, client, customer, decided, make_arrangement, organisation_ready, count_queries
):
    decided(customer)
    make_arrangement(customer)
    _home(client)
    kept_pages.clear(app)  # rendered afresh: every statement the page's content needs
    with count_queries() as few:
        assert client.get("/home").status_code == 200
    for days in (0, 3, 7):
        decided(customer, days=days)
    for _ in range(3):
        make_arrangement(customer)
    with count_queries() as many:
        assert client.get("/home").status_code == 200  # the new rows moved the stamp
    assert many.count == few.count, many.statements[few.count :]
    # The session (with the organisation); the page stamps; the restrictions not run out with
    # their decision letters; the appeals; the dates closures moved; the arrangements and
    # their terms; the newest letters.
    assert few.count <= 8, few.statements
    with count_queries() as again:
        assert client.get("/home").status_code == 200
    # Nothing changed: the session and the stamps, and the content as it was rendered.
    assert again.count == 2, again.statements


def test_point13_each_warning_letter_is_named_by_its_stage_in_urdu(client, customer):
    """Letters sent in English, listed on an Urdu page: the first, second and final warning
    letters each have a title of their own (they all read "انتباہی خط")."""
    _home(client)
    with client.session_transaction() as flask_session:
        flask_session["lang"] = "ur"
    page = BeautifulSoup(client.get("/home").text, "html.parser")
    titles = [item.find("a").get_text(" ", strip=True) for item in page.select(".letter-list li")]
    assert len(titles) == 3
    assert len(set(titles)) == 3, titles


# --- The letters: the newest few on the home, all of them a page at a time on /letters -------


def _more_letters(customer, count: int, *, customer_id: int | None = None) -> list[str]:
    """``count`` copies of the customer's newest letter, a day apart after it (newest last),
    for ``customer_id`` (the customer's own by default); their addresses."""
    from sqlalchemy import select

    from portal.letters.models import Letter
    from tests.web.test_queries import _copy

    first = db.session.scalars(
        select(Letter).where(Letter.customer_id == customer.id).order_by(Letter.issued_at.desc())
    ).first()
    addresses = []
    for k in range(count):
        copied = _copy(
            Letter,
            first.id,
            reference=f"LT-M{customer_id or customer.id}-{k}",
            customer_id=customer_id or customer.id,
            issued_at=first.issued_at + timedelta(days=k + 1),
        )
        addresses.append(f"/letters/{copied}")
    db.session.commit()
    return addresses


def _listed(page) -> list[str]:
    soup = BeautifulSoup(page.text, "html.parser")
    return [item.find("a")["href"] for item in soup.select(".letter-list li")]


def test_the_home_shows_the_newest_letters_and_links_to_all_of_them(client, customer):
    from portal.customer.home import HOME_LETTERS

    _home(client)
    few = BeautifulSoup(client.get("/home").text, "html.parser")
    assert len(few.select(".letter-list li")) == 3
    assert few.find("a", href="/letters") is None  # all three are on the home already
    newest = _more_letters(customer, HOME_LETTERS)
    page = client.get("/home")
    soup = BeautifulSoup(page.text, "html.parser")
    assert len(soup.select(".letter-list li")) == HOME_LETTERS
    assert _listed(page) == newest[::-1]  # newest first
    link = soup.find("a", href="/letters")
    assert link is not None and link.get_text(strip=True) == "All your letters"


@pytest.mark.parametrize("extra", [-1, 0, 1])
def test_the_letters_page_lists_every_letter_a_page_at_a_time(client, customer, extra):
    from portal.customer.home import LETTERS_PAGE_SIZE

    _home(client)
    _more_letters(customer, LETTERS_PAGE_SIZE + extra - 3)  # the customer has three already
    total = LETTERS_PAGE_SIZE + extra
    first = client.get("/letters")
    assert first.status_code == 200
    soup = BeautifulSoup(first.text, "html.parser")
    assert soup.h1.get_text(strip=True) == "Your letters"
    listed = _listed(first)
    assert len(listed) == min(total, LETTERS_PAGE_SIZE)
    assert "LT-M" in first.text  # each letter's reference is shown
    next_link = soup.find("a", href="/letters?page=2#letters")
    if total <= LETTERS_PAGE_SIZE:
        assert next_link is None and "Page 1 of" not in first.text
        return
    assert next_link is not None and "Page 1 of 2" in first.text
    second = client.get("/letters?page=2")
    rest = _listed(second)
    assert len(rest) == total - LETTERS_PAGE_SIZE
    assert not set(rest) & set(listed)  # no letter on both pages
    # The oldest letter comes last; a page past the end shows the last page.
    assert rest == _listed(client.get("/letters?page=9"))
    assert _listed(client.get("/letters?page=nonsense")) == listed


def test_the_letters_page_never_lists_another_customers_letters(
    client, customer, make_customer, final_warning_for
):
    other = make_customer()
    final_warning_for(other)
    theirs = _more_letters(customer, 2, customer_id=other.id)
    _home(client)
    page = client.get("/letters")
    assert page.status_code == 200
    assert len(_listed(page)) == 3
    home = client.get("/home").text
    for address in theirs:
        assert address not in _listed(page)
        assert f'href="{address}"' not in home
    assert f"LT-M{other.id}" not in page.text


def test_the_letters_page_needs_the_customer_signed_in(client, customer):
    response = client.get("/letters")
    assert response.status_code in (302, 303)
    assert "/sign-in" in response.headers["Location"]


def test_the_letters_page_runs_a_fixed_number_of_queries(client, customer, count_queries):
    _home(client)
    with count_queries() as few:
        assert client.get("/letters").status_code == 200
    _more_letters(customer, 40)
    with count_queries() as many:
        assert client.get("/letters?page=2").status_code == 200
    assert many.count == few.count, many.statements[few.count :]
