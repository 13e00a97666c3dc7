"""Customer pages stay within 40 KB gzipped, HTML, CSS and JavaScript together."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from portal import db
from portal.accounts import services as accounts
from portal.accounts.models import CustomerAccount

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "page_weight.py"
spec = importlib.util.spec_from_file_location("page_weight", SCRIPT)
page_weight = importlib.util.module_from_spec(spec)
spec.loader.exec_module(page_weight)

BUDGET = 40 * 1024


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
        assert "/static/css/portal.css" in page["assets"], page["path"]
        assert page["total"] <= BUDGET, (page["path"], page["language"], page["total"])


def test_the_weighing_counts_linked_assets(client):
    page = page_weight.weigh(client, "/")
    assert page["total"] == page["html"] + sum(page["assets"].values())
    assert page["assets"]["/static/css/portal.css"] > 1000
