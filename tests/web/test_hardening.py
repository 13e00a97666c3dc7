"""Requests nobody can turn against the portal or its users.

The portal answers only to its public address and builds every absolute link from it; over
HTTPS its cookies are secure and browsers are told to keep to HTTPS; nothing a signed-in person
sees, and no sign-in form, is kept in a cache; an error page never links off the site; an
over-long address or header gets a page of its own; and the tab shows the portal's icon.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from portal import create_app, db
from portal.accounts.access import portal_address
from portal.accounts.models import CustomerAccount
from tests.pages import check_page
from tests.web.routes import DOWNLOADS, PAGES, STAFF

PUBLIC_URL = "https://portal.example.org"
HSTS = "max-age=31536000; includeSubDomains"

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "page_weight.py"
_spec = importlib.util.spec_from_file_location("page_weight", SCRIPT)
page_weight = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(page_weight)


@pytest.fixture
def deployed(_schema, database_url, tmp_path):
    """The app as deployed at ``PUBLIC_URL``, with a load balancer's health-check name."""

    def _build(**overrides):
        return create_app(
            {
                "DATABASE_URL": database_url,
                "TESTING": True,
                "UPLOAD_DIR": tmp_path / "uploads",
                "PUBLIC_URL": PUBLIC_URL,
                "EXTRA_TRUSTED_HOSTS": ["portal-health.internal"],
                **overrides,
            },
            engine=_schema,
        )

    return _build


# --- one public address ------------------------------------------------------------------------


def test_only_the_public_address_and_the_health_check_name_are_answered(deployed):
    client = deployed().test_client()

    response = client.get("/", headers={"Host": "evil.example"})

    soup = check_page(response, 400)  # the styled page, not a bare error or a 500
    assert "We could not understand that request" in soup.h1.get_text()
    stylesheet = soup.find("link", rel="stylesheet")["href"]
    assert stylesheet.startswith("/static/css/portal.") and stylesheet.endswith(".css")
    assert client.get(stylesheet, base_url=PUBLIC_URL).status_code == 200
    assert b"evil.example" not in response.data
    assert client.get("/", base_url=PUBLIC_URL).status_code == 200
    assert client.get("/", base_url="http://portal-health.internal").status_code == 200


def test_a_reset_asked_for_through_another_host_is_refused(deployed):
    """Else the emailed link could be built from the forged host and carry the token there."""
    client = deployed().test_client()
    form = BeautifulSoup(client.get("/password-reset", base_url=PUBLIC_URL).data, "html.parser")
    token = form.find("input", attrs={"name": "csrf_token"})["value"]
    session = client.get_cookie("session", domain="portal.example.org")
    client.set_cookie("session", session.value, domain="evil.example")

    response = client.post(
        "/password-reset",
        data={"csrf_token": token, "email": "someone@test.example"},
        base_url="http://evil.example",
    )

    check_page(response, 400)
    assert b"evil.example" not in response.data


def test_links_are_built_from_the_public_address_never_the_request_host(app):
    # No PORTAL_PUBLIC_URL in tests: the development default, whatever Host the request had.
    with app.test_request_context("/", base_url="http://evil.example"):
        assert portal_address("/activate") == "http://127.0.0.1:5000/activate"


# --- HTTPS -------------------------------------------------------------------------------------


def test_over_https_cookies_are_secure_and_browsers_keep_to_https(deployed):
    app = deployed()
    client = app.test_client()

    page = client.get("/sign-in", base_url=PUBLIC_URL)
    static = client.get("/static/css/portal.css", base_url=PUBLIC_URL)

    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert page.headers["Strict-Transport-Security"] == HSTS
    assert static.headers["Strict-Transport-Security"] == HSTS
    assert "Secure" in page.headers["Set-Cookie"]
    plain = deployed(PUBLIC_URL="http://portal.example.org").test_client()
    page = plain.get("/sign-in", base_url="http://portal.example.org")
    assert "Strict-Transport-Security" not in page.headers
    assert "Secure" not in page.headers["Set-Cookie"]


# --- nothing private is cached ------------------------------------------------------------------


def _no_store(response) -> bool:
    return "no-store" in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize("role", STAFF)
def test_every_page_a_member_of_staff_opens_is_not_stored(client, world, act_as, role):
    act_as(role)
    opened = []
    for spec in [*PAGES, *DOWNLOADS]:
        if role not in spec.allowed:
            continue
        url = spec.href(world)
        response = client.get(url)
        assert response.status_code == 200, url
        assert _no_store(response), f"{url} may be cached: {response.headers.get('Cache-Control')}"
        opened.append(url)
    assert "/staff/" in opened


def test_every_page_a_customer_opens_is_not_stored(
    client, clock, sign_in, make_customer, restriction_in_force, make_arrangement
):
    customer = make_customer(address="1 Road, Manchester")
    restriction = restriction_in_force(customer)
    make_arrangement(customer)
    account = CustomerAccount(
        customer_id=customer.id,
        email="cached@test.example",
        password_hash="pbkdf2:sha256:1$x$" + "0" * 64,
        activated_at=clock.now,
        password_changed_at=clock.now,
    )
    db.session.add(account)
    db.session.commit()
    sign_in(account)

    pages = page_weight.customer_pages(client)
    pages += [f"/letters/{restriction.letter_id}/pdf"]

    assert sum(p.startswith("/letters/") for p in pages) >= 3
    assert sum(p.startswith("/appeals/") for p in pages) >= 4
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert _no_store(response), f"{path} may be cached"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/sign-in", 200),
        ("/activate", 200),
        ("/password-reset", 200),
        ("/password-reset/not-a-real-token", 410),
        ("/staff/sign-in", 200),
    ],
)
def test_sign_in_activation_and_reset_pages_are_not_stored(client, path, status):
    response = client.get(path)

    assert response.status_code == status
    assert _no_store(response)


def test_static_files_are_cached_and_do_not_load_the_user(client, act_as, count_queries):
    act_as("panel")

    with count_queries() as queries:
        response = client.get("/static/css/portal.css")
        icon = client.get("/favicon.ico")

    assert response.status_code == 200 and icon.status_code == 200
    assert not _no_store(response) and not _no_store(icon)
    assert queries.count == 0


# --- the form-expired page links only to this site -----------------------------------------------


@pytest.mark.parametrize(
    ("url", "referer", "back"),
    [
        ("/sign-in", "https://evil.example/x", "/"),
        ("/sign-in", "//evil.example/x", "/"),
        ("/sign-in", "/\\evil.example/x", "/"),
        ("/sign-in", "javascript:alert(1)", "/"),
        ("/staff/sign-in", "https://evil.example/staff/", "/staff/"),
        ("/staff/sign-in", "http://localhost.evil.example/staff/", "/staff/"),
    ],
)
def test_the_form_expired_page_never_links_to_another_site(client, url, referer, back):
    response = client.post(url, data={"email": "a@test.example"}, headers={"Referer": referer})

    soup = check_page(response, 400)
    assert "Your form expired" in soup.h1.get_text()
    assert _links(soup) == [back]
    assert b"evil.example" not in response.data


def test_the_form_expired_page_goes_back_to_the_form_on_this_site(client):
    def back_from(referer):
        response = client.post("/sign-in", data={}, headers={"Referer": referer})
        return _links(check_page(response, 400))

    assert back_from("http://localhost/sign-in?next=%2Fhome") == ["/sign-in?next=%2Fhome"]
    assert back_from("/activate") == ["/activate"]
    assert back_from("https://localhost/sign-in") == ["/"]  # not this request's scheme


def _links(soup) -> list[str]:
    return [a["href"] for a in soup.find("main").find_all("a")]


# --- over-long requests -------------------------------------------------------------------------


@pytest.mark.parametrize("size", [20 * 1024, 200 * 1024])
def test_an_over_long_address_gets_the_styled_414_page(client, size):
    response = client.get("/?q=" + "a" * size)

    soup = check_page(response, 414)
    assert "That web address is too long" in soup.h1.get_text()
    assert "That web address is too long" in soup.title.get_text()
    assert soup.html["lang"] == "en"


def test_the_limit_is_8_kb_of_path_and_query(client):
    assert client.get("/?q=" + "a" * 7000).status_code == 200
    check_page(client.get("/" + "a" * 9000), 414)


def test_the_414_page_is_in_the_readers_language(client):
    with client.session_transaction() as flask_session:
        flask_session["lang"] = "pl"

    soup = check_page(client.get("/?q=" + "a" * 20 * 1024), 414)

    assert soup.html["lang"] == "pl"
    assert "Ten adres strony jest za długi" in soup.h1.get_text()


def test_an_over_long_header_gets_the_styled_431_page(client):
    response = client.get("/", headers={"X-Padding": "a" * 10 * 1024})

    soup = check_page(response, 431)
    assert "Your browser sent too much information" in soup.h1.get_text()


# --- favicon ------------------------------------------------------------------------------------


def test_the_favicon_is_served_and_linked_from_every_page(client):
    icon = client.get("/favicon.ico")

    assert icon.status_code == 200
    assert icon.mimetype in ("image/x-icon", "image/vnd.microsoft.icon")
    assert icon.data.startswith(b"\x00\x00\x01\x00")  # an ICO file
    soup = check_page(client.get("/"))
    linked = soup.find("link", rel="icon")["href"]
    assert linked.startswith("/static/favicon.") and linked.endswith(".ico")
    assert client.get(linked).data == icon.data


def test_the_gunicorn_limits_let_long_requests_reach_the_portals_pages():
    config = (Path(__file__).resolve().parents[2] / "gunicorn.conf.py").read_text()
    settings = {}
    exec(compile(config, "gunicorn.conf.py", "exec"), settings)  # noqa: S102

    assert settings["limit_request_line"] == 0  # gunicorn's only value above 8190
    assert settings["limit_request_field_size"] >= 64 * 1024
