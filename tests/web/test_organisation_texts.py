"""Issue 16, points 13 and 19: the organisation's own wording (how to complain, report an
emergency, ask for a review, appeal) in each customer's language, or the English marked as
English; letter titles in the customer's language; the header carries the organisation's name
and the customer-facing service is called "Your contact with us"."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from flask_babel import get_locale
from sqlalchemy import select

from portal import db
from portal.audit.models import AuditEvent
from portal.letters.models import Letter, LetterKind
from portal.organisation.models import OrganisationText
from portal.organisation.services import get_organisation
from portal.organisation.texts import OrgText, org_text, set_translations
from portal.outbox.models import OutboxEmail
from tests.conftest import csrf_token
from tests.factories import portal_account
from tests.pages import check_page, errors_on
from tests.web.routes import FORMS

POLISH_COMPLAINTS = "Skargę można złożyć pod numerem 0161 000 0002 lub skargi@housing.example"
POLISH_APPEALS = "Odwołanie prosimy przesłać do kierownika ds. obsługi klienta."
URL = "/staff/admin/organisation"
ORGANISATION_FORM = next(f for f in FORMS if f.name == "organisation details")


def _polish_texts(org) -> None:
    set_translations(
        org,
        {"complaints_contact_pl": POLISH_COMPLAINTS, "appeals_contact_pl": POLISH_APPEALS},
    )
    db.session.commit()


def _in_polish(client) -> None:
    with client.session_transaction() as flask_session:
        flask_session["lang"] = "pl"


# --- org_text -------------------------------------------------------------------------------


@pytest.mark.policy("4.6")
def test_point13_org_text_gives_the_language_asked_or_the_english_marked(organisation_ready):
    org = organisation_ready
    _polish_texts(org)

    polish = org_text("complaints_contact", "pl", org)
    assert polish == POLISH_COMPLAINTS and polish.language == "pl" and not polish.fallback
    # None given in Urdu, nor in Polish for the emergency route: the English, marked so.
    for field, locale in (("complaints_contact", "ur"), ("emergency_contact", "pl")):
        fallback = org_text(field, locale, org)
        assert fallback == getattr(org, field)
        assert fallback.language == "en" and fallback.fallback
    english = org_text("complaints_contact", "en", org)
    assert english == org.complaints_contact and not english.fallback
    # A language the portal does not have reads as English, unmarked: no page is in it.
    assert not org_text("complaints_contact", "fr", org).fallback
    # Nothing to mark where there is no text at all.
    org.review_request_contact = ""
    assert org_text("review_request_contact", "pl", org) == ""
    assert not org_text("review_request_contact", "pl", org).fallback
    with pytest.raises(ValueError):
        org_text("name", "pl", org)


def test_point13_a_blank_translation_removes_it_and_texts_not_sent_are_kept(organisation_ready):
    org = organisation_ready
    _polish_texts(org)
    before, after = set_translations(org, {"complaints_contact_pl": "  \x00 "})
    db.session.commit()
    assert before == {"complaints_contact_pl": POLISH_COMPLAINTS}
    assert after == {"complaints_contact_pl": ""}
    rows = db.session.scalars(select(OrganisationText)).all()
    assert [(r.field, r.language, r.text) for r in rows] == [
        ("appeals_contact", "pl", POLISH_APPEALS)
    ]
    assert org_text("complaints_contact", "pl", org).fallback


# --- customer pages and letters --------------------------------------------------------------


@pytest.mark.policy("4.6")
def test_point13_customer_pages_show_the_routes_in_their_language_or_marked_english(
    client, organisation_ready
):
    _polish_texts(organisation_ready)
    _in_polish(client)
    for url in ("/", "/sign-in"):  # the start page's own list; the layout's footer
        soup = check_page(client.get(url))
        routes = soup.select("ul.always-open__routes")
        assert len(routes) == 1, url
        complaints, emergency = routes[0].find_all("li")
        assert " ".join(complaints.get_text().split()) == POLISH_COMPLAINTS
        assert complaints.find(attrs={"lang": True}) is None
        assert complaints.find("a", href="tel:01610000002") is not None
        # No Polish given: the English, in a lang="en" span after a visible note.
        assert emergency.select_one(".org-text__note") is not None
        english = emergency.select_one("span[lang=en]")
        assert english.get_text() == organisation_ready.emergency_contact
        assert english.find("a", href="tel:01610000999") is not None
    with client.session_transaction() as flask_session:
        flask_session["lang"] = "en"
    soup = check_page(client.get("/"))
    assert soup.select_one(".org-text__note") is None
    assert soup.select_one("ul.always-open__routes [lang]") is None


@pytest.mark.policy("8.20")
def test_point13_a_letter_in_polish_uses_the_polish_texts_and_marks_the_english_ones(
    make_customer, restriction_in_force, organisation_ready
):
    _polish_texts(organisation_ready)
    restriction = restriction_in_force(make_customer(preferred_language="pl"))
    letter = db.session.get(Letter, restriction.letter_id)
    assert letter.language == "pl"
    english = BeautifulSoup(letter.body_html, "html.parser")
    polish = BeautifulSoup(letter.translation_html, "html.parser")
    assert POLISH_APPEALS not in english.get_text() and english.select(".org-text__note") == []
    assert organisation_ready.appeals_contact in english.get_text()
    assert POLISH_APPEALS in polish.get_text() and POLISH_COMPLAINTS in polish.get_text()
    # The review route and the emergency route have no Polish: English, each marked.
    marked = [n.find_next_sibling("span") for n in polish.select(".org-text__note")]
    assert {span["lang"] for span in marked} == {"en"}
    assert {span.get_text() for span in marked} == {
        organisation_ready.review_request_contact,
        organisation_ready.emergency_contact,
    }


@pytest.mark.policy("8.20")
def test_point13_a_letter_in_urdu_without_urdu_texts_marks_every_one_english(
    make_customer, restriction_in_force, organisation_ready
):
    restriction = restriction_in_force(make_customer(preferred_language="ur"))
    urdu = BeautifulSoup(
        db.session.get(Letter, restriction.letter_id).translation_html, "html.parser"
    )
    marked = {n.find_next_sibling("span").get_text() for n in urdu.select(".org-text__note")}
    org = organisation_ready
    assert marked == {
        org.complaints_contact,
        org.emergency_contact,
        org.review_request_contact,
        org.appeals_contact,
    }


# --- letter titles -------------------------------------------------------------------------


class _Title:
    """A kind's title with a Polish translation, whatever the catalogues hold today."""

    def __str__(self) -> str:
        return "Pismo próbne" if str(get_locale()) == "pl" else "Trial letter"


@pytest.fixture
def titled_in_polish(monkeypatch):
    titles = LetterKind.titles()
    titles[LetterKind.RESTRICTION_DECISION] = _Title()
    monkeypatch.setattr(LetterKind, "titles", classmethod(lambda cls: titles))


def test_point13_a_letter_title_is_in_the_readers_language(
    app, make_customer, restriction_in_force, titled_in_polish
):
    sent_in_polish = db.session.get(
        Letter, restriction_in_force(make_customer(preferred_language="pl")).letter_id
    )
    english_only = db.session.get(Letter, restriction_in_force(make_customer()).letter_id)
    assert sent_in_polish.title_in("pl") == (sent_in_polish.translation_subject, "pl")
    assert sent_in_polish.title_in("en") == (sent_in_polish.subject, "en")
    # Sent in English only: what kind of letter it is, in Polish…
    assert english_only.title_in("pl") == ("Pismo próbne", "pl")
    assert english_only.subject_in("pl") == "Pismo próbne"
    # …or, with no Polish for the kind, its English subject, said to be English.
    assert english_only.title_in("ur") == (english_only.subject, "en")


def test_point13_the_customers_letter_list_gives_titles_in_their_language(
    client, clock, make_customer, restriction_in_force, titled_in_polish
):
    customer = make_customer(email="list@test.example")
    db.session.add(
        portal_account(customer, "list@test.example", "a long enough password", clock.now)
    )
    letter = db.session.get(Letter, restriction_in_force(customer).letter_id)
    _in_polish(client)
    signed = client.post(
        "/sign-in",
        data={
            "csrf_token": csrf_token(client, "/sign-in"),
            "email": "list@test.example",
            "password": "a long enough password",
        },
    )
    assert signed.status_code == 303
    soup = check_page(client.get("/home"))
    link = soup.select_one(f".letter-list a[href='/letters/{letter.id}']")
    assert link.get_text(strip=True) == "Pismo próbne"
    assert letter.subject not in soup.select_one(".letter-list").get_text()
    page = check_page(client.get(f"/letters/{letter.id}"))
    assert page.title.get_text().startswith("Pismo próbne")


# --- the admin form ---------------------------------------------------------------------------


@pytest.mark.policy("4.6")
def test_point13_the_admin_gives_each_text_in_each_language(act_as, post, world, client):
    act_as("admin")
    data = {
        **ORGANISATION_FORM.data(world),
        "complaints_contact_pl": f"  {POLISH_COMPLAINTS}  ",
        "emergency_contact_ur": "ہنگامی مرمت کے لیے 0800 000 0000 پر فون کریں",
        "appeals_contact_ar": "اكتب إلى مدير تجربة العملاء لتقديم الاستئناف.",
        "review_request_contact_pl": "",
    }
    assert post(URL, data).status_code == 303
    db.session.expire_all()
    org = get_organisation()
    assert org_text("complaints_contact", "pl", org) == POLISH_COMPLAINTS
    assert org_text("emergency_contact", "ur", org).language == "ur"
    assert org_text("appeals_contact", "ar", org).language == "ar"
    assert org_text("review_request_contact", "pl", org).fallback
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "organisation.updated")
    ).all()[-1]
    assert event.after["complaints_contact_pl"] == POLISH_COMPLAINTS
    # The form shows them again, each box in its own language and direction.
    soup = check_page(client.get(URL))
    box = soup.find("textarea", id="emergency_contact_ur")
    assert box["lang"] == "ur" and box["dir"] == "rtl"
    assert box.get_text().strip() == data["emergency_contact_ur"]
    assert soup.find("textarea", id="complaints_contact_pl")["dir"] == "ltr"
    assert soup.find("label", attrs={"for": "appeals_contact_ar"}).get_text(" ", strip=True) == (
        "In Arabic (optional)"
    )
    # Saving again with the box emptied takes the text away: the English shows, marked.
    assert post(URL, {**data, "emergency_contact_ur": " "}).status_code == 303
    db.session.expire_all()
    assert org_text("emergency_contact", "ur", get_organisation()).fallback


@pytest.mark.policy("4.6")
def test_point13_a_blank_english_route_is_refused_even_with_translations(
    act_as, post, world, table_counts
):
    act_as("admin")
    counts = table_counts()
    data = {
        **ORGANISATION_FORM.data(world),
        "complaints_contact": " ",
        "complaints_contact_pl": POLISH_COMPLAINTS,
    }
    soup = check_page(post(URL, data), 422)
    assert "complaints_contact" in errors_on(soup)
    # What was typed stays in the box.
    assert soup.find("textarea", id="complaints_contact_pl").get_text().strip() == (
        POLISH_COMPLAINTS
    )
    assert table_counts() == counts


@pytest.mark.parametrize("size", [1000, 1001])
def test_point13_a_translation_over_1000_characters_is_refused_beside_it(
    act_as, post, world, table_counts, size
):
    act_as("admin")
    counts = table_counts()
    response = post(URL, {**ORGANISATION_FORM.data(world), "appeals_contact_ur": "ب" * size})
    if size == 1000:
        assert response.status_code == 303
        db.session.expire_all()
        assert org_text("appeals_contact", "ur", get_organisation()) == "ب" * 1000
        return
    soup = check_page(response, 422)
    assert soup.find(id="appeals_contact_ur-error") is not None
    assert "appeals_contact_ur" in errors_on(soup)
    assert table_counts() == counts


def test_point13_the_service_refuses_an_over_long_translation_too(organisation_ready, people):
    from portal.errors import ServiceError
    from portal.organisation.services import ORGANISATION_FIELDS, update_organisation
    from portal.timeutil import utcnow

    changes = {name: getattr(organisation_ready, name) for name in ORGANISATION_FIELDS}
    with pytest.raises(ServiceError) as refused:
        update_organisation(people.admin, utcnow(), {**changes, "appeals_contact_pl": "x" * 1001})
    assert "appeals_contact_pl" in refused.value.errors


def test_point13_org_text_is_a_string_to_code_that_reads_it_as_one():
    text = OrgText("Call 0161 000 0001", "en", fallback=True)
    assert text.strip() == "Call 0161 000 0001" and isinstance(text, str)


# --- point 19: the header and the service's name ---------------------------------------------


def test_point19_the_header_names_the_organisation_and_the_service(
    client, organisation_ready, act_as, post, world
):
    soup = check_page(client.get("/"))
    header = soup.select_one("header .header__service")
    assert header.select_one(".header__organisation").get_text() == organisation_ready.name
    assert header.select_one(".header__name").get_text() == "Your contact with us"
    assert soup.title.get_text().endswith("– Your contact with us")
    assert soup.h1.get_text(strip=True) == "Your contact with us"
    assert "Customer Conduct Portal" not in soup.get_text()
    # Staff pages keep a name of their own.
    staff = check_page(client.get("/staff/sign-in"))
    assert staff.select_one(".header__name").get_text() == "Customer Conduct Portal for staff"
    assert staff.title.get_text().endswith("– Customer Conduct Portal for staff")
    # The name is the administrator's to change.
    act_as("admin")
    assert (
        post(URL, {**ORGANISATION_FORM.data(world), "name": "Moss Side Homes"}).status_code == 303
    )
    soup = check_page(client.get("/staff/"))
    assert soup.select_one(".header__organisation").get_text() == "Moss Side Homes"


def test_point19_emails_to_customers_use_the_services_customer_facing_name(
    client, clock, make_customer, restriction_in_force
):
    from portal.restrictions.models import Delivery

    customer = make_customer(email="mail@test.example")
    db.session.add(
        portal_account(customer, "mail@test.example", "a long enough password", clock.now)
    )
    db.session.commit()
    restriction_in_force(customer, delivery=Delivery.EMAIL)
    client.post(
        "/password-reset",
        data={"csrf_token": csrf_token(client, "/password-reset"), "email": "mail@test.example"},
    )
    emails = db.session.scalars(select(OutboxEmail)).all()
    assert len(emails) >= 2
    for email in emails:
        assert "Customer Conduct Portal" not in email.subject + email.body_text
    assert any("Your contact with us" in email.body_text for email in emails)
    assert any("Your contact with us" in email.subject for email in emails)
