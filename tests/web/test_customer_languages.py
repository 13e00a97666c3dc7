"""Customer pages and letters in another language leave no English behind, and every message
they show is translated in each catalogue.

A pseudo-translation stands in for Polish: each message becomes ``⟦n⟧message⟦/⟧``. Walking the
customer's pages with it, any English word left outside those marks (and outside text marked
``lang="en"``, which staff or the organisation wrote) was never sent through translation.
The marks also say exactly which messages each page showed, and each of those must be
translated in the real Urdu, Polish and Arabic catalogues.
"""

from __future__ import annotations

import re

import pytest
from babel.dates import get_day_names, get_month_names
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from bs4 import BeautifulSoup
from flask_babel import force_locale, get_babel

from portal import db
from portal.accounts import services as accounts
from portal.accounts.models import CustomerAccount
from portal.appeals import services as appeals
from portal.conduct_warnings.models import Stage
from portal.config import BASE_DIR, Config
from portal.letters.models import LetterKind
from portal.restrictions.models import Delivery
from portal.translation_check import KEYWORDS, check_catalogue
from tests.conftest import csrf_token

PASSWORD = "a long enough password"
EMAIL = "nowak@test.example"
MARKED = re.compile(r"⟦(\d+)⟧[^⟦]*⟦/⟧")
# References and codes (C-100004, LET-2026-00001, AP-2026-0001): data, the same in any language.
REFERENCE = re.compile(r"\b[A-Z]+(?:-\d+)+\b")
WORD = re.compile(r"[A-Za-z]{2,}")
METHODS = [("**.py", "python"), ("**.html", "jinja2")]


def _all_messages() -> list:
    found = []
    for directory in ("portal", "templates"):
        for _f, _line, message, _c, _ctx in extract_from_dir(
            BASE_DIR / directory, METHODS, keywords=KEYWORDS
        ):
            key = tuple(message) if isinstance(message, tuple | list) else message
            if key and key not in found:
                found.append(key)
    return found


@pytest.fixture(scope="module")
def pseudo_catalogue(tmp_path_factory):
    """A compiled "Polish" catalogue of marked English, and the message behind each mark."""
    messages = _all_messages()
    catalogue = Catalog(locale="pl")
    for n, message in enumerate(messages):
        if isinstance(message, tuple):
            catalogue.add(message, tuple(f"⟦{n}⟧{message[1]}⟦/⟧" for _ in range(3)))
        else:
            catalogue.add(message, f"⟦{n}⟧{message}⟦/⟧")
    directory = tmp_path_factory.mktemp("pseudo")
    (directory / "pl" / "LC_MESSAGES").mkdir(parents=True)
    with (directory / "pl" / "LC_MESSAGES" / "messages.mo").open("wb") as handle:
        write_mo(handle, catalogue)
    return directory, messages


@pytest.fixture
def pseudo_polish(app, pseudo_catalogue):
    directory, messages = pseudo_catalogue
    babel = get_babel(app)
    saved = babel.translation_directories
    cache = babel.instance.domain_instance.cache
    babel.translation_directories = [str(directory)]
    cache.clear()
    yield messages
    babel.translation_directories = saved
    cache.clear()


@pytest.fixture
def polish_customer(
    pseudo_polish,
    app,
    client,
    clock,
    make_customer,
    restriction_in_force,
    make_arrangement,
    organisation_ready,
):
    """Signed in in Polish, with a restriction and its letter, an arrangement to answer and a
    draft appeal; the letters were frozen with the pseudo-translation."""
    customer = make_customer(
        forename="Julia",
        surname="Nowak",
        preferred_language="pl",
        address="12 Test Road, Manchester M2 2BB",
        email=EMAIL,
    )
    db.session.add(
        CustomerAccount(
            customer_id=customer.id,
            email=EMAIL,
            password_hash=accounts.hash_password(PASSWORD),
            activated_at=clock.now,
            password_changed_at=clock.now,
        )
    )
    db.session.commit()
    restriction = restriction_in_force(customer, delivery=Delivery.PORTAL)
    arrangement = make_arrangement(customer)
    draft = appeals.start_draft(clock.now, restriction)
    db.session.commit()
    with client.session_transaction() as flask_session:
        flask_session["lang"] = "pl"
    client.post(
        "/sign-in",
        data={"csrf_token": csrf_token(client, "/sign-in"), "email": EMAIL, "password": PASSWORD},
    )
    data = [
        customer.name,
        customer.forename,
        customer.reference,
        customer.address,
        EMAIL,
        organisation_ready.name,
        organisation_ready.complaints_contact,
        organisation_ready.emergency_contact,
    ]
    return client, customer, restriction, arrangement, draft, data


def _visible_text(html: str) -> list[str]:
    """Text a person sees or hears, leaving out what is marked as English on purpose."""
    page = BeautifulSoup(html, "html.parser")
    for gone in page.select("script, style, [lang=en], .language-switcher__list"):
        gone.decompose()
    texts = [page.title.get_text()] if page.title else []
    body = page.body or page
    # The text read whole: a message may hold markup (a link's hidden words, say).
    texts.append(body.get_text(" "))
    for element in body.find_all(True):
        for name in ("aria-label", "title", "alt", "placeholder"):
            if element.get(name):
                texts.append(element[name])
        if element.name == "input" and element.get("type") in ("submit", "button"):
            texts.append(element.get("value", ""))
    return texts


def _polish_dates() -> list[str]:
    names = []
    for width in ("wide", "abbreviated"):
        for context in ("format", "stand-alone"):
            names.extend(get_month_names(width, context, "pl").values())
            names.extend(get_day_names(width, context, "pl").values())
    return sorted(names, key=len, reverse=True)


def _leftover_english(html: str, data: list[str], shown: set[int]) -> list[str]:
    left = []
    dates = _polish_dates()
    for text in _visible_text(html):
        while True:
            shown.update(int(n) for n in MARKED.findall(text))
            unmarked = MARKED.sub(" ", text)
            if unmarked == text:
                break
            text = unmarked
        for value in sorted(filter(None, data), key=len, reverse=True):
            text = text.replace(value, " ")
        for name in dates:
            text = text.replace(name, " ")
        text = REFERENCE.sub(" ", text)
        left.extend(WORD.findall(text))
    return left


def _walk(client, pages, data, shown):
    leftovers = {}
    for label, response, status in pages:
        assert response.status_code == status, f"{label}: {response.status_code}"
        assert 'lang="pl"' in response.text[:300], label
        words = _leftover_english(response.text, data, shown)
        if words:
            leftovers[label] = words
    return leftovers


def _post(client, url, data, form_url=None):
    return client.post(url, data={"csrf_token": csrf_token(client, form_url or url), **data})


def test_customer_pages_leave_no_english_and_every_message_shown_is_translated(
    polish_customer, pseudo_polish
):
    client, customer, restriction, arrangement, draft, data = polish_customer
    messages = pseudo_polish
    appeal = f"/appeals/{draft.id}"
    [letter_id] = [restriction.letter_id]
    pages = [
        ("home", client.get("/home"), 200),
        ("letter", client.get(f"/letters/{letter_id}"), 200),
        ("arrangement letter", client.get(f"/letters/{arrangement.letter_id}"), 200),
        ("arrangement", client.get(f"/arrangements/{arrangement.id}"), 200),
        ("arrangement, no answer", _post(client, f"/arrangements/{arrangement.id}", {}), 422),
        ("appeals", client.get("/appeals"), 200),
        ("reasons", client.get(f"{appeal}/reasons"), 200),
        ("reasons, empty", _post(client, f"{appeal}/reasons", {"grounds": " "}), 422),
        ("new information", client.get(f"{appeal}/new-information"), 200),
        ("support", client.get(f"{appeal}/support"), 200),
        ("support, no answer", _post(client, f"{appeal}/support", {}), 422),
        ("check", client.get(f"{appeal}/check"), 200),
        ("not found", client.get("/letters/999999"), 404),
    ]
    # Answer, send, and follow the appeal.
    _post(client, f"{appeal}/reasons", {"grounds": "Proszę o ponowne rozpatrzenie."})
    _post(client, f"{appeal}/support", {"needs_interpreter": "no"})
    key = re.search(
        r'name="submission_key"[^>]*value="([^"]+)"', client.get(f"{appeal}/check").text
    )
    sent = _post(client, f"{appeal}/check", {"submission_key": key.group(1) if key else ""})
    assert sent.status_code == 303
    pages.append(("progress", client.get(sent.headers["Location"]), 200))
    pages.append(("appeals, sent", client.get("/appeals"), 200))
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/home")})
    with client.session_transaction() as flask_session:
        flask_session["lang"] = "pl"
    pages += [
        ("start", client.get("/"), 200),
        ("sign in", client.get("/sign-in"), 200),
        ("sign in, wrong", _post(client, "/sign-in", {"email": EMAIL, "password": "no"}), 422),
        ("activate", client.get("/activate"), 200),
        ("activate, empty", _post(client, "/activate", {}), 422),
        ("reset", client.get("/password-reset"), 200),
        ("reset, empty", _post(client, "/password-reset", {"email": ""}), 422),
        ("reset link expired", client.get("/password-reset/not-a-token"), 410),
        ("form expired", client.post("/sign-in", data={"email": EMAIL}), 400),
    ]
    shown: set[int] = set()
    # The customer's own words, and each language's name for itself (the letter's headings).
    data += ["Proszę o ponowne rozpatrzenie.", *Config.LANGUAGES.values()]

    leftovers = _walk(client, pages, data, shown)

    assert leftovers == {}, f"English outside translation: {leftovers}"
    assert len(shown) > 150  # the marks really were read off the pages
    shown_messages = {messages[n] for n in shown}
    problems = [
        str(p)
        for language in Config.LANGUAGES
        if language != "en"
        for p in check_catalogue(language, shown_messages)
    ]
    assert problems == [], "\n".join(problems[:30])


def test_the_scan_finds_english_that_skipped_translation():
    shown: set[int] = set()
    html = (
        '<html lang="pl"><head><title>⟦1⟧Home⟦/⟧</title></head><body>'
        "<p>⟦2⟧Hello, <b>⟦3⟧Julia⟦/⟧</b>⟦/⟧ (C-100004)</p><p>Please call us</p>"
        '<p lang="en">Written by staff</p><button aria-label="Close">×</button></body></html>'
    )
    assert _leftover_english(html, [], shown) == ["Please", "call", "us", "Close"]
    assert shown == {1, 2, 3}


@pytest.mark.parametrize("language", ["ur", "pl", "ar"])
def test_point13_each_kind_of_letter_has_a_title_of_its_own_in_each_language(app, language):
    """The customer's list of letters names each kind apart: a warning letter by its stage
    (in Urdu every warning letter read "انتباہی خط", whatever its stage)."""
    titles = [t for kind, t in LetterKind.titles().items() if kind is not LetterKind.WARNING]
    titles += [stage.letter_title for stage in Stage]
    with force_locale("en"):
        english = [str(title) for title in titles]
    with force_locale(language):
        said = [str(title) for title in titles]
    assert [e for e, s in zip(english, said, strict=True) if e == s] == []
    assert len(set(said)) == len(said), said


def test_point13_template_words_follow_a_forced_locale_within_one_request(app):
    """The templates' translations are looked up once a request, yet a ``force_locale`` block
    (a letter in the customer's language) still gets its own, and the page's come back after."""
    words = app.jinja_env.from_string('{{ _("Sign out") }}')
    with app.test_request_context("/home?lang=pl"):
        polish = words.render()
        with force_locale("en"):
            assert words.render() == "Sign out"
        assert words.render() == polish
    assert polish != "Sign out"
