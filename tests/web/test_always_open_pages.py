"""§4.6: however a customer's contact is restricted, complaints and emergency repairs stay open.
Every customer page, signed in or not and the error pages too, says how to use them, with
tap-to-call and tap-to-email links; the organisation cannot save them blank."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import abort
from sqlalchemy import func, select

from portal import db
from portal.appeals import services as appeals
from portal.appeals.models import Appeal
from portal.audit.models import AuditEvent
from portal.letters.models import Letter
from portal.organisation.services import get_organisation
from portal.restrictions.models import Delivery
from tests.conftest import csrf_token
from tests.factories import portal_account
from tests.pages import check_page
from tests.web.routes import CUSTOMER_DOWNLOADS, CUSTOMER_PAGES, FORMS

PASSWORD = "a long enough password"
EMAIL = "open@test.example"
COMPLAINTS = "Make a complaint on 0161 000 0001 or complaints@housing.example"
EMERGENCY = "Report an emergency repair on +44 (0)161 000 0999, day or night"
LINKS = ("tel:01610000001", "mailto:complaints@housing.example", "tel:+441610000999")


def assert_always_open(soup, label: str) -> None:
    """Both routes, their phone numbers and email address as links, and once each outside a
    letter shown on the page (a letter says them too: it is the letter as sent)."""
    text = " ".join(soup.get_text(" ").split())
    assert "complaint" in text and "emergency repair" in text, label
    for href in LINKS:
        links = [a for a in soup.find_all("a", href=href) if not a.find_parent("article")]
        assert len(links) == 1, f"{label}: {len(links)} links to {href}"


def assert_in_footer(soup, label: str) -> None:
    """Reached as a landmark: a named region inside the page's footer."""
    region = soup.select_one("footer section[aria-labelledby=always-open-title]")
    assert region is not None, f"{label}: no always-open region in the footer"
    assert region.find(id="always-open-title").name == "h2", label
    assert region.find("a", href=LINKS[0]) is not None, label


@pytest.fixture
def customer_world(app, client, clock, make_customer, restriction_in_force, make_arrangement):
    """A customer with an account, a restriction and its letter, an arrangement to answer and
    a draft appeal; the organisation's always-open routes carry a phone number and an email."""
    org = get_organisation()
    org.complaints_contact = COMPLAINTS
    org.emergency_contact = EMERGENCY
    db.session.commit()
    customer = make_customer(email=EMAIL, address="4 Open Road, Manchester M4 4OP")
    db.session.add(portal_account(customer, EMAIL, PASSWORD, clock.now))
    db.session.commit()
    restriction = restriction_in_force(customer, delivery=Delivery.PORTAL)
    arrangement = make_arrangement(customer)
    draft = appeals.start_draft(clock.now, restriction)
    appeals.save_answers(clock.now, draft, appeals.Answers(grounds="It was not me."))
    db.session.commit()
    return SimpleNamespace(
        customer=customer,
        draft=draft.id,
        letter=restriction.letter_id,
        arrangement=arrangement.id,
    )


def _sign_in(client) -> None:
    signed = client.post(
        "/sign-in",
        data={"csrf_token": csrf_token(client, "/sign-in"), "email": EMAIL, "password": PASSWORD},
    )
    assert signed.status_code == 303


def _walk(client, world, pages) -> None:
    for page in pages:
        url = page.url.format(**vars(world))
        soup = check_page(client.get(url), page.status)
        assert_always_open(soup, page.name)
        if page.name not in ("start", "your account"):  # these show them in full instead
            assert_in_footer(soup, page.name)


@pytest.mark.policy("4.6")
def test_every_customer_page_shows_the_routes_that_are_always_open(client, customer_world):
    _walk(client, customer_world, [p for p in CUSTOMER_PAGES if not p.signed_in])
    _sign_in(client)
    _walk(client, customer_world, [p for p in CUSTOMER_PAGES if p.signed_in and p.stage == "draft"])
    draft = db.session.get(Appeal, customer_world.draft)
    appeals.lodge(customer_world.customer, draft.created_at, draft, "sent-key")
    db.session.commit()
    _walk(client, customer_world, [p for p in CUSTOMER_PAGES if p.stage == "sent"])


def test_every_customer_page_is_in_the_walk(app):
    """A new customer page joins CUSTOMER_PAGES, so it is checked for the routes too."""

    class Ones(dict):
        def __missing__(self, key):
            return 1

    adapter = app.url_map.bind("localhost")
    walked = {
        adapter.match(page.url.format_map(Ones()).split("?")[0], "GET")[0]
        for page in CUSTOMER_PAGES
    }
    pages = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("customer.") and "GET" in rule.methods
    }
    assert pages - CUSTOMER_DOWNLOADS == walked


@pytest.mark.fresh_app
@pytest.mark.policy("4.6")
def test_error_pages_as_the_customer_sees_them_show_the_routes(app, client, customer_world):
    app.add_url_rule("/test/forbidden", "forbidden", lambda: abort(403))
    app.add_url_rule("/test/broken", "broken", lambda: 1 / 0)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    world = customer_world
    for signed_in in (False, True):
        if signed_in:
            _sign_in(client)
        for url, status in (
            ("/no-such-page", 404),
            ("/test/forbidden", 403),
            ("/test/broken", 500),
        ):
            soup = check_page(client.get(url), status)
            assert_always_open(soup, f"{status}, signed in: {signed_in}")
            assert_in_footer(soup, str(status))
    # A form with errors (422) and someone else's change first (409).
    empty = client.post(
        f"/appeals/{world.draft}/reasons",
        data={"csrf_token": csrf_token(client, "/appeals"), "grounds": " "},
    )
    assert_always_open(check_page(empty, 422), "422")
    letter = db.session.get(Letter, world.letter)
    letter.body_html += "<p>Changed after it was sent.</p>"
    db.session.commit()
    assert_always_open(check_page(client.get(f"/letters/{world.letter}"), 409), "409")


@pytest.mark.policy("4.6")
@pytest.mark.parametrize("field", ["complaints_contact", "emergency_contact"])
@pytest.mark.parametrize("blank", ["", "   "])
def test_the_organisation_form_refuses_a_blank_always_open_route(
    act_as, post, world, table_counts, field, blank
):
    form = next(f for f in FORMS if f.name == "organisation details")
    act_as("admin")
    before = get_organisation().complaints_contact, get_organisation().emergency_contact
    counts = table_counts()
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    refused = post(form.url, {**form.data(world), field: blank})
    soup = check_page(refused, 422)
    beside = soup.find(id=f"{field}-error")
    assert beside is not None and "every customer page and letter shows it" in beside.get_text()
    assert soup.find(id="error-summary").find("a", href=f"#{field}") is not None
    db.session.expire_all()
    assert (get_organisation().complaints_contact, get_organisation().emergency_contact) == before
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events
    assert table_counts() == counts
