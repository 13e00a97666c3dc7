"""The layout's parts kept between pages (portal/chrome.py): every page is the same with them
kept as rendered afresh, for every reader, and a change to what a part shows shows at once."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup

from portal import chrome, db
from portal.appeals import services as appeals
from portal.auth.models import Role
from portal.organisation.services import get_organisation
from portal.organisation.texts import set_translations
from portal.restrictions.models import Delivery
from tests.factories import portal_account

PASSWORD = "a long enough password"
# A signed form token (itsdangerous): the JSON string, base64 (its opening quote makes an I),
# then the time and signature. It changes from second to second: pages are compared without.
TOKEN = re.compile(r"\bI[\w-]{20,}\.[\w-]{4,}\.[\w-]{20,}")
# A form's one-time submission key (portal/idempotency.py) is new on every page too.
SUBMISSION_KEY = re.compile(r'(submission_key" type="hidden" value=")[0-9a-f]+"')
ODD_NAME = "Tess O'Brien <Team & Co>"

CUSTOMER_PAGES = (
    "/",
    "/sign-in",
    "/privacy",
    "/sign-in?next=/home&x=%3Cb%3E%22",
    "/home",
    "/appeals",
    "/letters/{letter}",
    "/appeals/{draft}/reasons",
    "/appeals/{draft}/check",
    "/no-such-page",
)
STAFF_PAGES = (
    "/staff/",
    "/staff/sign-in",
    "/staff/customers",
    "/staff/panel",
    "/staff/register",
    "/staff/reviews",
    "/staff/appeals",
    "/staff/admin/users",
    "/staff/admin/closures",
    "/staff/correspondence",
    "/staff/account",
    "/staff/no-such-page",
)


@pytest.fixture
def world(app, clock, make_customer, make_staff, restriction_in_force, sign_in):
    """Readers of every kind, each on a client of their own: nobody (in English and Urdu), two
    customers (one reading Arabic), and staff whose menus differ."""
    org = get_organisation()
    org.complaints_contact = "Make a complaint on 0161 000 0001 or complaints@housing.example"
    org.emergency_contact = "Report an emergency repair on 0161 000 0999, day or night"
    customers = []
    for email, surname in (("one@test.example", "One"), ("two@test.example", "Two")):
        customer = make_customer(email=email, surname=surname)
        account = portal_account(customer, email, PASSWORD, clock.now)
        db.session.add(account)
        db.session.commit()
        restriction = restriction_in_force(customer, delivery=Delivery.PORTAL)
        draft = appeals.start_draft(clock.now, restriction)
        db.session.commit()
        customers.append((account, restriction.letter_id, draft.id))

    def client(lang=None):
        made = app.test_client()
        if lang:
            with made.session_transaction() as flask_session:
                flask_session["lang"] = lang
        return made

    def customer_client(index, lang=None):
        made = client(lang)
        account, letter, draft = customers[index]
        sign_in(account, on=made)
        return made, {"letter": letter, "draft": draft}

    def staff_client(*roles, name):
        made = client()
        sign_in(make_staff(*roles, name=name), on=made)
        return made

    readers = {
        "nobody": (client(), {}),
        "nobody in Urdu": (client("ur"), {}),
        "customer": customer_client(0),
        "customer in Arabic": customer_client(1, "ar"),
        "colleague": (staff_client(Role.COLLEAGUE, name=ODD_NAME), {}),
        "Panel": (staff_client(Role.PANEL, name="Pat Panel"), {}),
        "admin": (staff_client(Role.ADMIN, name="Ada Admin"), {}),
        "CEM and GLT": (staff_client(Role.CEM, Role.GLT, name="Cem Glt"), {}),
    }
    return SimpleNamespace(readers=readers, customers=customers, client=client)


def _pages(reader: str, ids: dict) -> list[str]:
    pages = CUSTOMER_PAGES if reader.startswith(("nobody", "customer")) else STAFF_PAGES
    if reader.startswith("customer"):
        pages += ("/staff/sign-in",)  # a staff page's footer names the customer signed in
    return [page.format(**ids) for page in pages if "{" not in page or ids]


def _same(html: str) -> str:
    """``html`` with its form tokens and submission keys left out."""
    return SUBMISSION_KEY.sub(r'\1KEY"', TOKEN.sub("TOKEN", html))


def _read_all(app, world, kept: bool) -> dict:
    app.config["CHROME_CACHE"] = kept
    seen = {}
    for reader, (client, ids) in world.readers.items():
        for page in _pages(reader, ids):
            response = client.get(page)
            seen[reader, page] = (response.status_code, response.text)
    return seen


def test_every_page_is_the_same_with_the_parts_kept_as_rendered_afresh(app, world):
    _read_all(app, world, kept=False)  # a page may say something on the first visit only
    chrome.clear()
    afresh = _read_all(app, world, kept=False)
    assert len(chrome.cache_of(app)) == 0
    first = _read_all(app, world, kept=True)  # fills the cache, reader after reader
    again = _read_all(app, world, kept=True)  # all from it
    assert len(chrome.cache_of(app)) > 0
    statuses = {key: status for key, (status, _text) in afresh.items()}
    assert (
        statuses[("customer", "/home")] == 200
        and statuses[("admin", "/staff/admin/closures")] == 200
    )
    assert statuses[("nobody", "/no-such-page")] == 404
    for key, (status, html) in afresh.items():
        for other in (first, again):
            assert other[key][0] == status, key
            assert _same(other[key][1]) == _same(html), key
    # The parts under test are there: a menu marked with the page, the switcher, the warning.
    home = BeautifulSoup(again[("customer in Arabic", "/home")][1], "html.parser")
    assert home.select_one('nav.nav a[aria-current="page"]')["href"] == "/home"
    assert home.select_one(".language-switcher__current")["lang"] == "ar"
    assert home.select_one("#session-warning")["data-keep-alive-url"]
    assert home.select_one(".always-open") is None  # the home page lists the routes itself
    urdu = BeautifulSoup(again[("nobody in Urdu", "/sign-in")][1], "html.parser")
    assert urdu.select_one(".language-switcher__current")["lang"] == "ur"
    assert urdu.select_one('nav.nav a[aria-current="page"]')["href"] == "/sign-in"
    assert urdu.select_one("footer .always-open .org-text__note") is not None
    odd = again[("nobody", "/sign-in?next=/home&x=%3Cb%3E%22")][1]
    assert 'name="back" value="/sign-in?next=/home&amp;x=%3Cb%3E%22"' in odd


def test_each_reader_gets_their_own_form_token_and_it_signs_them_out(app, world):
    customer, _ids = world.readers["customer"]
    other, _ids = world.readers["customer in Arabic"]
    pages = {}
    for name, client in (("customer", customer), ("other", other)):
        pages[name] = BeautifulSoup(client.get("/appeals").text, "html.parser")
    tokens = {name: _sign_out_token(page) for name, page in pages.items()}
    assert tokens["customer"] != tokens["other"]
    for page in pages.values():  # every form on the page carries the same token
        assert {field["value"] for field in page.select("input[name=csrf_token]")} == {
            _sign_out_token(page)
        }
        assert page.select_one("#session-warning")["data-csrf-token"] == _sign_out_token(page)
    signed_out = customer.post("/sign-out", data={"csrf_token": tokens["customer"]})
    assert signed_out.status_code == 303
    assert customer.get("/home").status_code in (302, 303)
    assert other.get("/home").status_code == 200  # signed in still
    colleague, _ids = world.readers["colleague"]
    page = BeautifulSoup(colleague.get("/staff/").text, "html.parser")
    assert (
        colleague.post("/staff/sign-out", data={"csrf_token": _sign_out_token(page)}).status_code
        == 303
    )
    assert colleague.get("/staff/").status_code in (302, 303)


def _sign_out_token(page) -> str:
    return page.select_one("form.nav__form input[name=csrf_token]")["value"]


def test_staff_with_different_permissions_each_see_their_own_menu(app, world):
    admin, _ids = world.readers["admin"]
    colleague, _ids = world.readers["colleague"]
    menus = {}
    for name, client in (("admin", admin), ("colleague", colleague), ("admin again", admin)):
        page = BeautifulSoup(client.get("/staff/customers").text, "html.parser")
        menus[name] = (
            [a["href"] for a in page.select("nav.nav a")],
            page.select_one("form.nav__form .visually-hidden").get_text(),
            page.select_one("footer").get_text(" ", strip=True),
        )
    assert "/staff/admin/organisation" in menus["admin"][0]
    assert "/staff/admin/organisation" not in menus["colleague"][0]
    assert menus["admin again"] == menus["admin"]
    assert menus["admin"][1] == "Ada Admin" and menus["colleague"][1] == ODD_NAME
    assert f"Signed in as {ODD_NAME}." in menus["colleague"][2]
    html = colleague.get("/staff/").text  # the name escaped as any text is
    assert "Tess O&#39;Brien &lt;Team &amp; Co&gt;" in html and ODD_NAME not in html


def test_two_customers_each_see_their_own_menu(app, world):
    nobody, _ids = world.readers["nobody"]
    customer, _ids = world.readers["customer"]
    for client, signed_in in ((nobody, False), (customer, True), (nobody, False)):
        page = BeautifulSoup(client.get("/no-such-page").text, "html.parser")
        assert (page.select_one("form.nav__form") is not None) is signed_in
        assert (page.select_one("#session-warning") is not None) is signed_in


def test_a_new_role_changes_the_menu_on_the_next_page(app, world, make_staff, sign_in):
    from portal.auth.models import UserRole

    client = world.client()
    member = make_staff(Role.COLLEAGUE, name="Rory Role")
    sign_in(member, on=client)

    def menu() -> list[str]:
        page = BeautifulSoup(client.get("/staff/").text, "html.parser")
        return [link["href"] for link in page.select("nav.nav a")]

    assert "/staff/panel" not in menu()
    db.session.add(UserRole(user_id=member.id, role=Role.PANEL))
    db.session.commit()
    db.session.expire(member)
    assert "/staff/panel" in menu()


def test_the_organisations_wording_shows_on_the_next_page(app, world):
    nobody, _ids = world.readers["nobody"]
    urdu, _ids = world.readers["nobody in Urdu"]
    staff, _ids = world.readers["admin"]
    for client in (nobody, urdu, staff):
        client.get("/sign-in")
        client.get("/staff/")
    org = get_organisation()
    org.name = "Renamed Homes"
    org.complaints_contact = "Complaints now on 0161 000 0042"
    db.session.commit()
    english = BeautifulSoup(nobody.get("/sign-in").text, "html.parser")
    assert english.select_one(".header__organisation").get_text() == "Renamed Homes"
    assert "Complaints now on 0161 000 0042" in english.select_one("footer").get_text()
    assert english.select_one('footer a[href="tel:01610000042"]') is not None
    assert "Renamed Homes" in staff.get("/staff/").text
    # The same words given as the Urdu text: no longer marked as English standing in.
    before = BeautifulSoup(urdu.get("/sign-in").text, "html.parser")
    assert len(before.select("footer .always-open .org-text__note")) == 2
    set_translations(org, {"complaints_contact_ur": org.complaints_contact})
    db.session.commit()
    after = BeautifulSoup(urdu.get("/sign-in").text, "html.parser")
    assert len(after.select("footer .always-open .org-text__note")) == 1
    complaints = after.select("footer .always-open__routes li")[0]
    assert complaints.get_text(" ", strip=True) == "Complaints now on 0161 000 0042"
    assert complaints.find(attrs={"lang": True}) is None


def test_the_cache_keeps_at_most_its_size(app, world, monkeypatch):
    small = chrome.ChromeCache(size=3)
    monkeypatch.setitem(app.extensions, "chrome", small)
    afresh = {}
    for kept in (False, False, True):
        app.config["CHROME_CACHE"] = kept
        for reader in ("nobody", "nobody in Urdu", "customer", "customer in Arabic"):
            client, ids = world.readers[reader]
            for page in _pages(reader, ids):
                html = _same(client.get(page).text)
                if kept:
                    assert html == afresh[reader, page], (reader, page)
                    assert len(small) <= 3
                else:
                    afresh[reader, page] = html
    assert len(small) == 3


def test_the_cache_drops_the_least_recently_used():
    cache = chrome.ChromeCache(size=2)
    cache.put(("a",), "A")
    cache.put(("b",), "B")
    assert cache.get(("a",)) == "A"  # now the most recently used
    cache.put(("c",), "C")
    assert (cache.get(("a",)), cache.get(("b",)), cache.get(("c",))) == ("A", None, "C")
    cache.clear()
    assert len(cache) == 0


def test_a_part_reads_nothing_but_what_its_key_holds(app):
    """Every name a part's template reads is in its key, or is the same for every page in one
    language (the translations, addresses of pages, and the form token put in after)."""
    from flask_login import AnonymousUserMixin
    from jinja2 import meta, nodes

    from portal.auth import permissions

    fixed = {"_", "ngettext", "url_for", "csrf_token"}
    page = {
        "current_user": AnonymousUserMixin(),
        "languages": app.config["LANGUAGES"],
        "locale": "en",
        "perms": permissions,
        "always_open": lambda _locale: None,
    }
    with app.test_request_context("/"):
        for name, shown in chrome.PARTS.items():
            source = app.jinja_env.loader.get_source(app.jinja_env, name)[0]
            parsed = app.jinja_env.parse(source)
            own = {target.name for target in parsed.find_all(nodes.Name) if target.ctx == "store"}
            for imported in parsed.find_all(nodes.FromImport):  # macros, from other templates
                own |= {n if isinstance(n, str) else n[1] for n in imported.names}
            read = meta.find_undeclared_variables(parsed) - own
            assert read - fixed <= set(shown(page)) | {"locale"}, name


def test_the_key_tells_apart_the_same_words_in_another_language():
    from portal.organisation.texts import OrgText

    english = chrome._keyable(OrgText("Call us", "en", fallback=True))
    urdu = chrome._keyable(OrgText("Call us", "ur"))
    assert english != urdu
    assert english != chrome._keyable(OrgText("Call us", "en"))
    with pytest.raises(TypeError):
        chrome._keyable(object())
