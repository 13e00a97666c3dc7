"""The privacy notice (UK GDPR, Data Protection Act 2018): open to everyone, signed in or not,
in every language; linked from every customer page; and its full address in every letter
issued from now on, in the letter's language and in English, on the page and in the PDF.

The words in Urdu, Polish and Arabic are compared with what each language's catalogue says, so
these tests hold before and after the translations are added."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup
from flask_babel import force_locale, gettext
from pypdf import PdfReader
from sqlalchemy import select

from portal import db
from portal.appeals import services as appeals
from portal.appeals.models import Appeal
from portal.letters.models import Letter, LetterKind
from portal.letters.pdf import render_pdf
from portal.letters.services import content_hash
from portal.restrictions.models import Delivery
from tests.factories import portal_account
from tests.pages import check_page
from tests.web.routes import CUSTOMER_PAGES

PASSWORD = "a long enough password"
EMAIL = "privacy@test.example"
LANGUAGES = {"en": "ltr", "ur": "rtl", "pl": "ltr", "ar": "rtl"}
# Who we are, what we keep, why, who sees it, how long, the reader's rights, what stays open.
SECTIONS = (
    "who-we-are",
    "what-we-keep",
    "why-we-keep-it",
    "who-can-see-it",
    "how-long-we-keep-it",
    "your-rights",
    "always-open",
)
ORG_PHONE, ORG_PHONE_LINK = "0161 000 1234", "tel:01610001234"
ORG_EMAIL = "data@housing.example"
ICO_SITE, ICO_PHONE = "https://ico.org.uk", "tel:03031231113"
LETTER_SENTENCE = (
    "To find out how we use your information and what your rights are, read our privacy "
    "notice at %(url)s"
)


def _in(app, lang: str, message: str) -> str:
    """``message`` as a page in ``lang`` words it (the English until it is translated)."""
    with app.test_request_context("/privacy"), force_locale(lang):
        return gettext(message)


def _notice_address(app) -> str:
    """The notice's full address, as letters print it: from the portal's public address."""
    return app.config["PUBLIC_URL"].rstrip("/") + "/privacy"


@pytest.fixture
def reader(app, clock, make_customer, organisation_ready):
    """A customer with a portal account; the organisation has a phone number and an email."""
    organisation_ready.phone = ORG_PHONE
    organisation_ready.email = ORG_EMAIL
    customer = make_customer(email=EMAIL)
    account = portal_account(customer, EMAIL, PASSWORD, clock.now)
    db.session.add(account)
    db.session.commit()
    return account


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "signed-in"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_notice_is_open_to_everyone_in_every_language(
    app, client, reader, sign_in, organisation_ready, lang, signed_in
):
    if signed_in:
        sign_in(reader)
    soup = check_page(client.get(f"/privacy?lang={lang}"))

    html = soup.find("html")
    assert (html["lang"], html["dir"]) == (lang, LANGUAGES[lang])
    assert (soup.select_one("form.nav__form") is not None) is signed_in  # the menu knows
    assert soup.find("h1").get_text(strip=True) == _in(app, lang, "Privacy notice")
    assert soup.title.get_text().startswith(_in(app, lang, "Privacy notice"))
    for section in SECTIONS:
        heading = soup.find(id=section)
        assert heading is not None and heading.name == "h2", section
    main = soup.find("main")
    # Who we are: the organisation's own name and details, as written (in English).
    names = [
        span for span in main.select('span[lang="en"]') if span.get_text() == "Test Housing Group"
    ]
    assert names and names[0]["dir"] == "ltr"
    details = soup.find(id="our-details")
    assert "1 Test Street, Manchester M1 1AA" in details.get_text()
    assert details.find("a", href=ORG_PHONE_LINK) is not None
    assert details.find("a", href=f"mailto:{ORG_EMAIL}") is not None
    # The Information Commissioner's Office, by web and phone.
    assert main.find("a", href=ICO_SITE).get_text() == "ico.org.uk"
    assert main.find("a", href=ICO_PHONE) is not None
    # §4.6: the routes that are always open, in the footer as on every customer page.
    assert soup.select_one("footer section[aria-labelledby=always-open-title]") is not None


def test_the_notice_names_a_data_protection_lead_not_an_officer(client, reader):
    text = " ".join(check_page(client.get("/privacy")).find("main").get_text(" ").split())
    assert "data protection lead" in text
    assert "Data Protection Officer" not in text
    for period in ("2 years", "1 year after", "6 years after"):
        assert period in text
    assert "subject access request" in text


@pytest.fixture
def customer_world(app, clock, make_customer, restriction_in_force, make_arrangement):
    """A customer with an account, a restriction and its letter, an arrangement to answer and
    a draft appeal: every customer page has something to show."""
    customer = make_customer(email=EMAIL)
    account = portal_account(customer, EMAIL, PASSWORD, clock.now)
    db.session.add(account)
    db.session.commit()
    restriction = restriction_in_force(customer, delivery=Delivery.PORTAL)
    arrangement = make_arrangement(customer)
    draft = appeals.start_draft(clock.now, restriction)
    appeals.save_answers(clock.now, draft, appeals.Answers(grounds="It was not me."))
    db.session.commit()
    return SimpleNamespace(
        account=account,
        customer=customer,
        draft=draft.id,
        letter=restriction.letter_id,
        arrangement=arrangement.id,
    )


def _footer_link(soup, label: str) -> None:
    links = soup.select('footer a[href="/privacy"]')
    assert len(links) == 1, f"{label}: {len(links)} links to the notice in the footer"
    assert links[0].get_text(strip=True) == "Privacy notice", label


def test_every_customer_page_links_to_the_notice(client, sign_in, customer_world):
    world = customer_world

    def walk(pages) -> None:
        for page in pages:
            _footer_link(
                check_page(client.get(page.url.format(**vars(world))), page.status), page.name
            )

    assert any(page.url == "/privacy" for page in CUSTOMER_PAGES)
    walk([p for p in CUSTOMER_PAGES if not p.signed_in])
    _footer_link(check_page(client.get("/no-such-page"), 404), "not found, signed out")
    sign_in(world.account)
    walk([p for p in CUSTOMER_PAGES if p.signed_in and p.stage == "draft"])
    draft = db.session.get(Appeal, world.draft)
    appeals.lodge(world.customer, draft.created_at, draft, "sent-key")
    db.session.commit()
    walk([p for p in CUSTOMER_PAGES if p.stage == "sent"])
    _footer_link(check_page(client.get("/no-such-page"), 404), "not found, signed in")


@pytest.mark.parametrize("lang", ["en", "ur"])
def test_the_start_and_sign_in_pages_link_to_the_notice_in_their_content(app, client, lang):
    for url in ("/", "/sign-in"):
        link = check_page(client.get(f"{url}?lang={lang}")).select_one('main a[href="/privacy"]')
        assert link is not None, url
        assert link.get_text(strip=True) == _in(app, lang, "How we use your information")


def test_every_kind_of_new_letter_gives_the_notices_full_address(app, world, appeal_letters):
    address = _notice_address(app)
    assert re.match(r"https?://[^/]+/privacy$", address)
    letters = db.session.scalars(select(Letter)).all()
    assert {letter.kind for letter in letters} == set(LetterKind)
    for letter in letters:
        for html in filter(None, (letter.body_html, letter.translation_html)):
            article = BeautifulSoup(html, "html.parser").find("article", class_="letter")
            notice = article.find("p", class_="privacy-notice")
            assert notice is not None, letter.kind
            assert notice.find("a", href=address).get_text() == address, letter.kind
            # The letter's last words, after the sign-off: the letter itself is unchanged.
            assert notice.find_next_sibling() is None, letter.kind


def test_a_letter_in_another_language_gives_it_in_both_versions_and_in_its_pdf(
    app, make_customer, restriction_in_force
):
    restriction = restriction_in_force(customer=make_customer(preferred_language="pl"))
    letter = db.session.get(Letter, restriction.letter_id)
    assert letter.translated and letter.language == "pl"
    address = _notice_address(app)
    for lang, html in (("en", letter.body_html), ("pl", letter.translation_html)):
        notice = BeautifulSoup(html, "html.parser").find("p", class_="privacy-notice")
        assert notice.find("a", href=address) is not None, lang
        said = notice.get_text(" ", strip=True).replace(address, "%(url)s")
        assert said == _in(app, lang, LETTER_SENTENCE), lang

    with app.test_request_context():
        pdf = PdfReader(io.BytesIO(render_pdf(letter)))
    text = "".join("".join(page.extract_text() for page in pdf.pages).split())
    assert text.count(address) >= 2  # the Polish version and the English
    targets = [
        annotation.get_object()["/A"].get("/URI")
        for page in pdf.pages
        for annotation in page.get("/Annots") or []
        if "/A" in annotation.get_object()
    ]
    assert address in targets


def test_a_letter_issued_before_the_notice_keeps_its_frozen_text(client, sign_in, customer_world):
    """A letter is shown as it was issued: one frozen without the sentence is never given it."""
    letter = db.session.get(Letter, customer_world.letter)
    earlier = re.sub(r'\s*<p class="privacy-notice">.*?</p>', "", letter.body_html, flags=re.S)
    assert earlier != letter.body_html
    letter.body_html = earlier
    letter.content_sha256 = content_hash(earlier, letter.language, letter.translation_html)
    db.session.commit()
    sign_in(customer_world.account)

    soup = check_page(client.get(f"/letters/{letter.id}"))
    article = soup.find("article", class_="letter")
    assert article is not None and article.find("p", class_="privacy-notice") is None
    assert "/privacy" not in str(article)
    _footer_link(soup, "an earlier letter's page")
