"""Templates' remembered url_for (portal/page_urls.py): the same address Flask builds, for
every kind of value, wherever the site is mounted, and never one kept across what changes it."""

from __future__ import annotations

import pytest
from flask import Flask, render_template_string, url_for

from portal import page_urls
from portal.kept import Kept

CASES = [
    ("customer.letter", {"letter_id": 9}),
    ("customer.letter", {"letter_id": "9"}),
    ("customer.letter_pdf", {"letter_id": 9, "print": "large"}),
    ("customer.letter_pdf", {"letter_id": 9, "print": None}),
    ("staff.register", {"q": "smith & <co>", "page": 2}),
    ("staff.register", {"q": "Łukasz ٣"}),
    ("staff.register", {"page": True}),
    ("staff.register", {"page": 1}),
    ("staff.register", {"page": 1.0}),
    ("customer.home", {}),
    ("static", {"filename": "css/portal.css"}),
]


def test_every_address_is_the_one_flask_builds(app):
    with app.test_request_context("/"):
        for _ in range(2):  # built, then remembered
            for endpoint, values in CASES:
                assert page_urls.page_url(endpoint, **values) == url_for(endpoint, **values)


def test_equal_values_of_other_types_keep_their_own_address(app):
    with app.test_request_context("/"):
        assert page_urls.page_url("staff.register", page=True).endswith("page=True")
        assert page_urls.page_url("staff.register", page=1).endswith("page=1")


def test_a_site_mounted_elsewhere_gets_its_own_addresses(app):
    with app.test_request_context("/", base_url="http://localhost/conduct/"):
        assert page_urls.page_url("customer.letter", letter_id=9) == "/conduct/letters/9"
    with app.test_request_context("/"):
        assert page_urls.page_url("customer.letter", letter_id=9) == "/letters/9"


def test_full_anchored_and_relative_addresses_are_built_each_time(app):
    kept = app.extensions["page_urls"]
    with app.test_request_context("/letters/9"):
        before = len(kept)
        assert page_urls.page_url("customer.home", _external=True) == url_for(
            "customer.home", _external=True
        )
        assert page_urls.page_url("customer.home", _anchor="letters").endswith("#letters")
        assert page_urls.page_url(".home") == url_for("customer.home")
        assert page_urls.page_url("staff.register", q=["a", "b"]) == url_for(
            "staff.register", q=["a", "b"]
        )
        assert len(kept) == before


def test_templates_use_it_and_pages_link_as_before(app, client):
    with app.test_request_context("/"):
        rendered = render_template_string(
            "{{ url_for('customer.letter', letter_id=7) }} {{ url_for('staff.register', q='a b') }}"
        )
    assert rendered == "/letters/7 /staff/register?q=a+b"
    assert app.jinja_env.globals["url_for"] is page_urls.page_url
    page = client.get("/sign-in").get_data(as_text=True)
    assert 'href="/sign-in"' in page or 'action="/sign-in"' in page


def test_kept_addresses_are_bounded(app):
    kept = Kept(3)
    for n in range(5):
        kept.put(("e", n), f"/{n}")
    assert len(kept) == 3
    assert kept.get(("e", 0)) is None
    assert kept.get(("e", 4)) == "/4"


@pytest.mark.parametrize("hook", ["url_defaults", "url_value_preprocessor"])
def test_an_app_that_changes_addresses_by_request_keeps_flasks_own(hook):
    other = Flask("other")
    getattr(other, hook)(lambda *args: None)
    page_urls.init_app(other)
    assert "page_urls" not in other.extensions
    assert other.jinja_env.globals["url_for"] == other.url_for
