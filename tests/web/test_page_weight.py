"""Customer pages stay within 40 KB gzipped, HTML, CSS and JavaScript together."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from portal import db
from portal.customer import services as accounts
from portal.customer.models import CustomerAccount

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "page_weight.py"
spec = importlib.util.spec_from_file_location("page_weight", SCRIPT)
page_weight = importlib.util.module_from_spec(spec)
spec.loader.exec_module(page_weight)

BUDGET = 40 * 1024


def test_every_customer_page_is_within_budget(app, client, clock, restriction_in_force):
    restriction = restriction_in_force()
    db.session.add(
        CustomerAccount(
            customer_id=restriction.customer_id,
            email="cust@test.example",
            password_hash=accounts.hash_password("a long enough password"),
            activated_at=clock.now,
            password_changed_at=clock.now,
        )
    )
    db.session.commit()
    pages = [page_weight.weigh(client, p) for p in page_weight.PUBLIC]
    page_weight.sign_in(client, "cust@test.example", "a long enough password")
    pages += [page_weight.weigh(client, p) for p in page_weight.SIGNED_IN]
    for page in pages:
        assert page["status"] == 200, page["path"]
        assert "/static/css/portal.css" in page["assets"], page["path"]
        assert page["total"] <= BUDGET, (page["path"], page["total"])


def test_the_weighing_counts_linked_assets(client):
    page = page_weight.weigh(client, "/")
    assert page["total"] == page["html"] + sum(page["assets"].values())
    assert page["assets"]["/static/css/portal.css"] > 1000
