"""Customer pages stay within 40 KB gzipped, HTML, CSS and JavaScript together; a customer's
first visit moves at most 30 KB on the wire, and a repeat visit at most 10 KB with no request
for a static file (issue 13)."""

from __future__ import annotations

import gzip
import importlib.util
import re
from pathlib import Path

import brotli
import pytest
from bs4 import BeautifulSoup

from portal import db
from portal.accounts import services as accounts
from portal.accounts.models import CustomerAccount

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "page_weight.py"
spec = importlib.util.spec_from_file_location("page_weight", SCRIPT)
page_weight = importlib.util.module_from_spec(spec)
spec.loader.exec_module(page_weight)

BUDGET = 40 * 1024
FIRST_VISIT = 30 * 1024
REPEAT_VISIT = 10 * 1024
STYLESHEET = re.compile(r"^/static/css/portal\.[0-9a-f]{12}\.css$")
DECODE = {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}


def test_every_customer_page_is_within_budget(
    app, clock, make_customer, restriction_in_force, make_arrangement
):
    # An Urdu reader: their letters carry Urdu and English, the heaviest pages there are.
    customer = make_customer(preferred_language="ur", address="1 Road, Manchester")
    restriction_in_force(customer)
    make_arrangement(customer)
    db.session.add(
        CustomerAccount(
            customer_id=customer.id,
            email="cust@test.example",
            password_hash=accounts.hash_password("a long enough password"),
            activated_at=clock.now,
            password_changed_at=clock.now,
        )
    )
    db.session.commit()
    pages = []
    for language in page_weight.LANGUAGES:
        client = app.test_client()
        page_weight.choose_language(client, language)
        pages += [page_weight.weigh(client, p, language) for p in page_weight.PUBLIC]
        page_weight.sign_in(client, "cust@test.example", "a long enough password")
        signed_in = page_weight.customer_pages(client)
        pages += [page_weight.weigh(client, p, language) for p in signed_in]
    weighed = {page["path"] for page in pages}
    # Letters, the arrangement and every question of an appeal were found and weighed.
    assert sum(p.startswith("/letters/") for p in weighed) >= 2
    assert any(p.startswith("/arrangements/") for p in weighed)
    assert sum(p.startswith("/appeals/") for p in weighed) >= 4
    for page in pages:
        assert page["status"] == 200, page["path"]
        assert any(STYLESHEET.match(href) for href in page["assets"]), page["path"]
        assert page["total"] <= BUDGET, (page["path"], page["language"], page["total"])


def test_the_weighing_counts_linked_assets(client):
    page = page_weight.weigh(client, "/")
    assert page["total"] == page["html"] + sum(page["assets"].values())
    [stylesheet] = [href for href in page["assets"] if STYLESHEET.match(href)]
    assert page["assets"][stylesheet] > 1000


class Browser:
    """The test client as a browser: sends ``Accept-Encoding``, fetches the stylesheets and
    scripts a page links, keeps what it is told it may keep, and counts the bytes received
    (status line, headers and body, as sent)."""

    def __init__(self, client, accept_encoding: str):
        self.client = client
        self.headers = {"Accept-Encoding": accept_encoding}
        self.kept: set[str] = set()
        self.received = 0
        self.static_requests: list[str] = []

    def _fetch(self, method: str, url: str, **kw):
        response = getattr(self.client, method)(url, headers=self.headers, **kw)
        self.received += len(f"HTTP/1.1 {response.status}\r\n\r\n") + len(response.data)
        self.received += sum(len(name) + len(value) + 4 for name, value in response.headers)
        return response

    def open(self, url: str) -> str:
        response = self._fetch("get", url)
        assert response.status_code == 200, url
        html = DECODE[response.headers.get("Content-Encoding")](response.data).decode()
        soup = BeautifulSoup(html, "html.parser")
        linked = [link["href"] for link in soup.find_all("link", rel="stylesheet")]
        linked += [script["src"] for script in soup.find_all("script", src=True)]
        for href in linked:
            if href in self.kept:
                continue
            self.static_requests.append(href)
            asset = self._fetch("get", href)
            assert asset.status_code == 200, href
            if "immutable" in asset.headers.get("Cache-Control", ""):
                self.kept.add(href)
        icon = soup.find("link", rel="icon")["href"]
        if icon not in self.kept:
            # Browsers ask for it once and keep it for its max-age (a day).
            assert "max-age" in self._fetch("get", icon).headers["Cache-Control"]
            self.kept.add(icon)
        return html

    def post(self, url: str, **data) -> str:
        """Send a form from the page at ``url`` and open the page it leads to."""
        data["csrf_token"] = _token(self.open(url))
        response = self._fetch("post", url, data=data)
        assert response.status_code == 303, url
        return self.open(response.headers["Location"])

    def first_visit(self, language: str, email: str) -> None:
        """A customer's first visit: the start page, their language, signing in, their home."""
        if language == "en":
            self.open("/")
        else:
            token = _token(self.open("/"))
            response = self._fetch(
                "post", "/language", data={"csrf_token": token, "lang": language, "back": "/"}
            )
            assert response.status_code == 303
            self.open(response.headers["Location"])
        self.post("/sign-in", email=email, password="a long enough password")


@pytest.fixture
def customer_with_letters(app, clock, make_customer, restriction_in_force, make_arrangement):
    def _make(language: str):
        customer = make_customer(preferred_language=language, address="1 Road, Manchester")
        restriction_in_force(customer)
        make_arrangement(customer)
        db.session.add(
            CustomerAccount(
                customer_id=customer.id,
                email=f"{language}@test.example",
                password_hash=accounts.hash_password("a long enough password"),
                activated_at=clock.now,
                password_changed_at=clock.now,
            )
        )
        db.session.commit()
        return f"{language}@test.example"

    return _make


@pytest.mark.parametrize("accept_encoding", ["gzip, deflate, br, zstd", "gzip, deflate"])
@pytest.mark.parametrize("language", ["en", "ur"])
def test_point13_first_visit_within_30kb_and_repeat_visit_within_10kb_with_no_static_requests(
    app, customer_with_letters, language, accept_encoding
):
    email = customer_with_letters(language)
    browser = Browser(app.test_client(), accept_encoding)

    browser.first_visit(language, email)
    first_visit = browser.received

    assert first_visit <= FIRST_VISIT, first_visit
    assert any(STYLESHEET.match(href) for href in browser.static_requests)
    assert not any("htmx" in href for href in browser.static_requests), "no htmx for customers"

    signed_out = browser.client.post(
        "/sign-out", data={"csrf_token": _token(browser.open("/home"))}
    )
    assert signed_out.status_code == 303
    browser.received, browser.static_requests = 0, []
    # Coming back later: straight to sign-in (a bookmark), then their home.
    browser.post("/sign-in", email=email, password="a long enough password")

    assert browser.static_requests == []
    assert browser.received <= REPEAT_VISIT, browser.received


def _token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
