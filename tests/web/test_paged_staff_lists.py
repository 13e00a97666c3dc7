"""The staff lists of restriction requests and of reviews due show fifty rows a page, say how
many there are in all, and page with plain links, so no request or review is ever left off the
end of the list (they used to stop at 200 rows without saying so)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal import db
from portal.auth.models import Role
from portal.restrictions.models import (
    RequestStatus,
    Restriction,
    RestrictionRequest,
    RestrictionStatus,
)
from portal.timeutil import london_date
from tests.pages import check_page
from tests.web.test_queries import _copy, assert_same_for_few_and_many

REQUESTS_URL = "/staff/restriction-requests"
REVIEWS_URL = "/staff/reviews"
STATUSES = (
    RequestStatus.SUBMITTED,
    RequestStatus.APPROVED,
    RequestStatus.MORE_INFO,
    RequestStatus.REJECTED,
    RequestStatus.APPROVED_WITH_CHANGES,
)


@dataclass
class Listed:
    """One paged list: where it is, how it is labelled, how to grow it to ``n`` rows, each
    row's key in the order the list must show them, and the keys a page shows."""

    url: str
    nav: str
    count_id: str
    noun: str  # what the count sentence says after the number, for more than one row
    grow: Callable[[int], None]
    order: Callable[[], list[str]]
    keys: Callable[[object], list[str]]


def _link(soup, nav_label: str, text: str) -> str | None:
    nav = soup.find("nav", attrs={"aria-label": nav_label})
    if nav is None:
        return None
    found = next((a for a in nav.find_all("a") if a.get_text().startswith(text)), None)
    return found["href"] if found else None


def _references(soup) -> list[str]:
    return [row.find("a").get_text(strip=True) for row in soup.select("tbody tr")]


def _review_links(soup) -> list[str]:
    return [row.find("a")["href"] for row in soup.select("tbody tr")]


@pytest.fixture
def requests_list(make_customer, make_staff, make_request, final_warning_for, people, clock):
    """``grow(n)``: n restriction requests in all, each about a different customer, asked by
    three different members of the Panel; decided and undecided ones mixed, and made in pairs
    at the same moment, so only the id tells those of a pair apart. The first is made through
    the service, the rest are copies of its row."""
    made: list[int] = []
    askers: list = []

    def grow(n: int):
        if not made:
            customer = make_customer(forename="Asked", surname="About000")
            final_warning_for(customer)
            made.append(make_request(customer, now=clock.now - timedelta(days=1)).id)
            askers.extend(make_staff(Role.PANEL, name=f"Asker {k}") for k in range(3))
        while len(made) < n:
            k = len(made)
            status = STATUSES[k % len(STATUSES)]
            decision = (
                {
                    "decided_by_id": people.glt.id,
                    "decided_at": clock.now,
                    "decision_reasons": "Evidence is clear.",
                }
                if status.decided
                else {}
            )
            made.append(
                _copy(
                    RestrictionRequest,
                    made[0],
                    reference=f"RQ-P-{k:03d}",
                    customer_id=make_customer(forename="Asked", surname=f"About{k:03d}").id,
                    requested_by_id=askers[k % 3].id,
                    requested_at=clock.now - timedelta(days=1, hours=k // 2),
                    status=status,
                    **decision,
                )
            )
        db.session.commit()

    def order() -> list[str]:
        """Every request, undecided first, then newest, then the later made first."""
        rows = db.session.execute(
            sa.select(
                RestrictionRequest.id,
                RestrictionRequest.reference,
                RestrictionRequest.status,
                RestrictionRequest.requested_at,
            )
        ).all()
        rows = sorted(rows, key=lambda r: r.id, reverse=True)
        rows = sorted(rows, key=lambda r: r.requested_at, reverse=True)
        rows = sorted(rows, key=lambda r: r.status.decided)
        return [r.reference for r in rows]

    return Listed(
        REQUESTS_URL,
        "Restriction request pages",
        "requests-count",
        "requests",
        grow,
        order,
        _references,
    )


@pytest.fixture
def reviews_list(restriction_in_force, make_customer, clock):
    """``grow(n)``: n restrictions in force whose review is due within the fortnight (some
    overdue, many due on the same day), each on a different customer; and one more whose
    review is weeks away, which the list never shows. The first is made through every step,
    the rest are copies of its row."""
    today = london_date(clock.now)
    made: list[int] = []

    def grow(n: int):
        if not made:
            made.append(restriction_in_force(review_on=today + timedelta(days=5)).id)
            _copy(
                Restriction,
                made[0],
                customer_id=make_customer().id,
                review_on=today + timedelta(days=40),
            )
        while len(made) < n:
            k = len(made)
            customer = make_customer(forename="Reviewed", surname=f"Person{k:03d}")
            made.append(
                _copy(
                    Restriction,
                    made[0],
                    customer_id=customer.id,
                    starts_on=today - timedelta(days=60),
                    review_on=today + timedelta(days=k % 17 - 3),
                )
            )
        db.session.commit()

    def order() -> list[str]:
        """Every restriction in force due for review within 14 days, most urgent first."""
        due = [
            r
            for r in db.session.scalars(sa.select(Restriction))
            if r.status == RestrictionStatus.ACTIVE
            and r.starts_on <= today
            and (r.ends_on is None or r.ends_on >= today)
            and r.review_on <= today + timedelta(days=14)
        ]
        return [
            f"/staff/restrictions/{r.id}/review"
            for r in sorted(due, key=lambda r: (r.review_on, r.id))
        ]

    return Listed(
        REVIEWS_URL, "Reviews due pages", "reviews-count", "reviews due", grow, order, _review_links
    )


@pytest.fixture(params=["requests", "reviews"])
def listed(request, act_as) -> Listed:
    act_as("panel")
    return request.getfixturevalue(f"{request.param}_list")


def _count(soup, listed: Listed) -> str:
    return " ".join(soup.find(id=listed.count_id).get_text().split())


def _page(client, listed: Listed, query: str = ""):
    soup = check_page(client.get(f"{listed.url}{'?' + query if query else ''}"))
    return soup, listed.keys(soup)


def test_fifty_rows_are_one_page_without_page_links(client, listed):
    listed.grow(50)
    order = listed.order()
    assert len(order) == 50
    soup, shown = _page(client, listed)
    assert shown == order
    assert _count(soup, listed) == f"50 {listed.noun}"
    assert soup.find("nav", attrs={"aria-label": listed.nav}) is None


def test_the_fifty_first_row_is_on_page_two_and_not_on_page_one(client, listed):
    listed.grow(51)
    order = listed.order()
    assert len(order) == 51

    soup, shown = _page(client, listed)
    assert shown == order[:50]
    assert order[50] not in shown
    assert _count(soup, listed) == f"51 {listed.noun}; showing 1–50"
    assert _link(soup, listed.nav, "Previous") is None
    assert _link(soup, listed.nav, "Next") == f"{listed.url}?page=2"
    assert "Page 1 of 2" in soup.find("nav", attrs={"aria-label": listed.nav}).get_text()

    second, shown = _page(client, listed, "page=2")
    assert shown == [order[50]]
    assert _count(second, listed) == f"51 {listed.noun}; showing 51–51"
    assert _link(second, listed.nav, "Next") is None
    assert _link(second, listed.nav, "Previous") == f"{listed.url}?page=1"


def test_following_the_links_shows_every_row_once_in_order(client, listed):
    listed.grow(101)
    order = listed.order()
    seen: list[str] = []
    pages = 0
    url: str | None = listed.url
    while url:
        soup = check_page(client.get(url))
        seen += listed.keys(soup)
        pages += 1
        url = _link(soup, listed.nav, "Next")
    assert pages == 3
    assert seen == order, "every row once, in the list's order"
    assert len(set(seen)) == len(order) == 101


@pytest.mark.parametrize(
    "query, last",
    [
        ("page=0", False),
        ("page=-1", False),
        ("page=abc", False),
        ("page=", False),
        ("page=1.5", False),
        (f"page={10**30}", True),
        ("page=3", True),
    ],
)
def test_a_page_that_is_not_real_shows_one_that_is(client, listed, query, last):
    listed.grow(51)
    order = listed.order()
    soup, shown = _page(client, listed, query)
    assert shown == (order[50:] if last else order[:50])
    assert "Page 0" not in soup.get_text()
    assert f"Page {2 if last else 1} of 2" in soup.get_text()


def test_an_empty_list_says_so_with_any_page(client, act_as):
    act_as("panel")
    requests = check_page(client.get(f"{REQUESTS_URL}?page=7")).get_text()
    assert "There are no requests." in requests
    reviews = check_page(client.get(f"{REVIEWS_URL}?page=-2")).get_text()
    assert "No reviews are due in the next 14 days." in reviews


def test_statements_are_the_same_for_one_row_and_sixty(client, listed, count_queries):
    urls = [listed.url, f"{listed.url}?page=2"]
    assert_same_for_few_and_many(client, count_queries, listed.grow, urls, sizes=(1, 60))
    assert len(listed.keys(check_page(client.get(urls[1])))) == 10


@pytest.mark.policy("10.1")
def test_the_reviews_page_looks_up_the_others_reviewed_together_for_its_own_rows_only(
    client, act_as, reviews_list, monkeypatch, clock
):
    """Each row names the customer's other restrictions in force, even one listed on a later
    page; the look-up asks about the customers on the page and no others."""
    act_as("panel")
    reviews_list.grow(51)
    first_id = int(reviews_list.order()[0].split("/")[3])
    # The same customer's other restriction, due last of all.
    other_id = _copy(Restriction, first_id, review_on=london_date(clock.now) + timedelta(days=14))
    db.session.commit()
    order = reviews_list.order()
    assert order[-1] == f"/staff/restrictions/{other_id}/review", "the other is last, on page 2"

    views = importlib.import_module("portal.staff.reviews")
    asked: list[set[int]] = []
    look_up = views.in_force_by_customer

    def recording(customer_ids, on):
        asked.append(set(customer_ids))
        return look_up(customer_ids, on)

    monkeypatch.setattr(views, "in_force_by_customer", recording)
    soup = check_page(client.get(REVIEWS_URL))
    on_page = [int(href.split("/")[3]) for href in _review_links(soup)]
    assert len(on_page) == 50 and other_id not in on_page
    customers = set(
        db.session.scalars(sa.select(Restriction.customer_id).where(Restriction.id.in_(on_page)))
    )
    assert asked == [customers]

    row = soup.select("tbody tr")[0]
    assert row.find("a")["href"] == f"/staff/restrictions/{first_id}/review"
    assert "Reviewed together with:" in row.get_text()
    assert row.find("a", href=f"/staff/restrictions/{other_id}/review") is not None


@pytest.mark.parametrize(
    "role", ["colleague", "line_manager", "csm", "glt", "cem", "admin", "panel"]
)
def test_every_page_of_a_list_refuses_the_roles_it_must(client, act_as, role):
    act_as(role)
    for url, allowed in ((REQUESTS_URL, {"panel", "glt", "cem"}), (REVIEWS_URL, {"panel"})):
        for query in ("", "?page=2", "?page=abc"):
            response = client.get(f"{url}{query}")
            if role in allowed:
                check_page(response)
            else:
                assert response.status_code == 403, (url, query, role)


def test_signed_out_visitors_are_sent_to_sign_in_from_any_page(client):
    for url in (REQUESTS_URL, REVIEWS_URL):
        response = client.get(f"{url}?page=2")
        assert response.status_code in (302, 303)
        assert "/staff/sign-in" in response.headers["Location"]
