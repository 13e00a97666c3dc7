"""Issue 13, static files: fingerprinted names kept by browsers for a year, compressed pages and
files, no cookie on static responses, and htmx only on the pages that use it."""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from urllib.parse import urljoin

import brotli
import pytest
from bs4 import BeautifulSoup

from portal import db
from portal.assets import IMMUTABLE
from tests.conftest import csrf_token
from tests.factories import PASSWORD
from tests.web.routes import DOWNLOADS

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "static"
TEMPLATES = ROOT / "templates"
PORTAL = ROOT / "portal"
FINGERPRINTED = re.compile(r"^/static/(?P<stem>.+)\.[0-9a-f]{12}(?P<suffix>\.[a-z0-9]+)$")
BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd"}
HTMX_SCRIPT = "htmx.min"


def _linked(html: bytes | str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    links = [link["href"] for link in soup.find_all("link", rel="stylesheet")]
    return links + [script["src"] for script in soup.find_all("script", src=True)]


def _on_disk(url: str) -> bytes:
    match = FINGERPRINTED.match(url)
    return (STATIC / (match["stem"] + match["suffix"])).read_bytes()


def test_point13_pages_link_static_files_by_fingerprinted_name(client):
    linked = _linked(client.get("/sign-in").data)

    assert len(linked) >= 2
    for url in linked:
        assert FINGERPRINTED.match(url), url
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == IMMUTABLE
        assert "Set-Cookie" not in response.headers
    script = next(url for url in linked if url.startswith("/static/js/portal."))
    assert client.get(script).data == _on_disk(script)


def test_point13_templates_link_static_files_only_through_asset_url():
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        assert "url_for('static'" not in text and 'url_for("static"' not in text, template
        assert not re.search(r"""(?:href|src)=["']/static/""", text), template


def test_point13_plain_and_old_names_are_served_but_checked_every_time(client):
    plain = client.get("/static/css/portal.css")
    old = client.get("/static/css/portal.0123456789ab.css")

    for response in (plain, old):
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-cache"
        assert b"font-face" in response.data
    again = client.get("/static/css/portal.css", headers={"If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304
    missing = client.get("/static/css/nothing.0123456789ab.css")
    assert missing.status_code == 404
    assert "immutable" not in missing.headers.get("Cache-Control", "")
    assert client.get("/static/../portal/config.py").status_code == 404


def test_point13_fonts_named_in_the_stylesheet_are_fingerprinted_and_load(client):
    stylesheet = _linked(client.get("/").data)[0]
    css = client.get(stylesheet).get_data(as_text=True)
    fonts = re.findall(r'url\("([^"]+\.woff2)"\)', css)

    assert len(fonts) == 4
    for font in fonts:
        url = urljoin(stylesheet, font)
        assert FINGERPRINTED.match(url), url
        response = client.get(url, headers=BROWSER)
        assert response.status_code == 200
        assert response.mimetype == "font/woff2"
        assert response.headers["Cache-Control"] == IMMUTABLE
        assert "Content-Encoding" not in response.headers, "woff2 is compressed already"
        assert response.data == _on_disk(url)


def test_point13_a_changed_file_gets_a_new_name(tmp_path):
    from portal.assets import build_manifest

    (tmp_path / "css").mkdir()
    (tmp_path / "fonts").mkdir()
    (tmp_path / "css" / "site.css").write_text('@font-face { src: url("../fonts/a.woff2"); }')
    (tmp_path / "fonts" / "a.woff2").write_bytes(b"one")
    first = build_manifest(tmp_path)
    (tmp_path / "fonts" / "a.woff2").write_bytes(b"two")
    second = build_manifest(tmp_path)

    assert first.url_name("fonts/a.woff2") != second.url_name("fonts/a.woff2")
    # The stylesheet names the font, so its name changes with the font's.
    assert first.url_name("css/site.css") != second.url_name("css/site.css")
    font = second.url_name("fonts/a.woff2").removeprefix("fonts/")
    assert f'url("../fonts/{font}")'.encode() in second.by_name["css/site.css"].body


@pytest.mark.parametrize(
    ("accept", "encoding", "decode"),
    [
        ("gzip, deflate, br, zstd", "br", brotli.decompress),
        ("gzip", "gzip", gzip.decompress),
        ("br;q=0, gzip", "gzip", gzip.decompress),
        ("", None, bytes),
    ],
)
def test_point13_pages_and_static_files_are_compressed_as_the_browser_accepts(
    client, accept, encoding, decode
):
    plain_page = client.get("/sign-in").data
    page = client.get("/sign-in", headers={"Accept-Encoding": accept})
    stylesheet = _linked(plain_page)[0]
    css = client.get(stylesheet, headers={"Accept-Encoding": accept})

    for response in (page, css):
        assert response.status_code == 200
        assert response.headers.get("Content-Encoding") == encoding
        assert "Accept-Encoding" in response.headers["Vary"]
    assert b"<form" in decode(page.data)
    assert decode(css.data) == client.get(stylesheet).data
    icon = BeautifulSoup(plain_page, "html.parser").find("link", rel="icon")["href"]
    assert FINGERPRINTED.match(icon)
    compressed_icon = client.get(icon, headers={"Accept-Encoding": accept})
    assert compressed_icon.headers["Cache-Control"] == IMMUTABLE
    assert decode(compressed_icon.data) == (STATIC / "favicon.ico").read_bytes()
    if encoding:
        assert len(page.data) < len(plain_page) / 2


def test_point13_htmx_fragments_are_compressed_and_stay_fragments(client, act_as, make_customer):
    for number in range(12):
        make_customer(forename=f"Gwen{number}", surname="Jones", reference=f"C-2000{number:02}")
    db.session.commit()
    act_as("colleague")

    response = client.get(
        "/staff/customers?q=jon", headers={"HX-Request": "true", "Accept-Encoding": "gzip"}
    )

    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    fragment = gzip.decompress(response.data).decode()
    assert 'id="customer-results"' in fragment
    assert "<html" not in fragment


def test_point13_letter_pdfs_are_sent_uncompressed(client, world, act_as):
    download = DOWNLOADS[0]
    act_as(sorted(download.allowed)[0])

    response = client.get(download.href(world), headers=BROWSER)

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "Content-Encoding" not in response.headers
    assert response.data.startswith(b"%PDF")


def test_point13_static_responses_never_set_a_cookie(client, account, act_as):
    token = csrf_token(client, "/sign-in")
    signed_in = client.post(
        "/sign-in",
        data={"csrf_token": token, "email": "cust@test.example", "password": PASSWORD},
    )
    assert signed_in.status_code == 303
    home = client.get("/home", headers=BROWSER)
    # A customer's session is renewed on each page (it lapses after a spell of inactivity)...
    assert "Set-Cookie" in home.headers
    assets = _linked(brotli.decompress(home.data))
    # ...but never by a static file, under any name, found or not.
    for url in [*assets, "/static/css/portal.css", "/static/no-such-file.css"]:
        response = client.get(url, headers=BROWSER)
        assert "Set-Cookie" not in response.headers, url
        assert "Cookie" not in response.headers.get("Vary", ""), url
    act_as("panel")
    assert "Set-Cookie" not in client.get(assets[0]).headers


def test_point13_static_files_load_nobody_from_the_database(client, act_as, count_queries):
    act_as("panel")
    stylesheet = _linked(client.get("/staff/").data)[0]

    with count_queries() as queries:
        response = client.get(stylesheet, headers=BROWSER)

    assert response.status_code == 200
    assert queries.count == 0


def test_point13_htmx_is_loaded_only_by_pages_that_use_it(client, act_as):
    for path in ("/", "/sign-in", "/activate", "/password-reset"):
        assert not any(HTMX_SCRIPT in url for url in _linked(client.get(path).data)), path
    act_as("panel")
    for path in ("/staff/customers", "/staff/register"):
        html = client.get(path).data
        assert any(HTMX_SCRIPT in url for url in _linked(html)), path
        assert b'name="htmx-config"' in html
    assert not any(HTMX_SCRIPT in url for url in _linked(client.get("/staff/").data))


def test_point13_every_template_with_htmx_attributes_loads_htmx():
    """A page template using hx-* sets uses_htmx; a partial (``_name.html``) is included only
    by pages that do."""
    hx = re.compile(r"\shx-[a-z]+=")
    flagged = {
        path.relative_to(TEMPLATES).as_posix()
        for path in TEMPLATES.rglob("*.html")
        if "{% set uses_htmx = true %}" in path.read_text()
    }
    assert flagged
    for path in TEMPLATES.rglob("*.html"):
        name = path.relative_to(TEMPLATES).as_posix()
        if not hx.search(path.read_text()) or name in flagged:
            continue
        assert path.name.startswith("_"), f"{name} uses htmx: set uses_htmx"
        includers = [
            other.relative_to(TEMPLATES).as_posix()
            for other in TEMPLATES.rglob("*.html")
            if f'"{name}"' in other.read_text() or f"'{name}'" in other.read_text()
        ]
        # A part a view renders and hands to its page (kept as rendered): the view's module
        # names the page it goes in.
        for module in PORTAL.rglob("*.py"):
            source = module.read_text()
            if f'"{name}"' in source:
                includers += [page for page in flagged if f'"{page}"' in source] or [module]
        assert includers, f"{name} is included by no page"
        assert set(includers) <= flagged, (name, includers)
