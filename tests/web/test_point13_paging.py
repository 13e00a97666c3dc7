"""Issue 13 point 6: the Panel queue and the customer record show a page of each list at a
time, say how many there are in all, and page with plain links (no JavaScript needed)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from portal import db
from portal.customers import queries
from portal.customers.timeline import timeline
from portal.incidents.models import Incident, IncidentStatus
from tests.pages import check_page
from tests.web import test_queries as counted
from tests.web.test_queries import _copy, statements

busy_record = counted.busy_record
WAITING = 1_000


def _queue_references(soup) -> list[str]:
    return [row.find("a").get_text(strip=True) for row in soup.select("tbody tr")]


def _link(soup, nav_label: str, text: str) -> str | None:
    nav = soup.find("nav", attrs={"aria-label": nav_label})
    if nav is None:
        return None
    found = next((a for a in nav.find_all("a") if a.get_text().startswith(text)), None)
    return found["href"] if found else None


def _fill_queue(first: Incident, clock) -> list[str]:
    """Copies of ``first`` until a thousand reports wait, due on thirty different days and
    reported at different times; every waiting reference in the queue's order."""
    for k in range(1, WAITING):
        _copy(
            Incident,
            first.id,
            reference=f"IN-Q-{k:04d}",
            reported_at=clock.now - timedelta(minutes=k),
            review_due_on=first.review_due_on + timedelta(days=k % 30 - 15),
        )
    db.session.commit()
    order = (Incident.review_due_on, Incident.reported_at, Incident.id)
    return list(
        db.session.scalars(
            sa.select(Incident.reference)
            .where(Incident.status == IncidentStatus.AWAITING_REVIEW)
            .order_by(*order)
        )
    )


@pytest.fixture
def thousand_waiting(make_customer, make_incident, clock):
    """A thousand reports awaiting review: the first reported through the service, the rest
    copies of its row."""
    return _fill_queue(make_incident(make_customer(), now=clock.now - timedelta(days=1)), clock)


def test_point13_panel_queue_shows_fifty_of_a_thousand_waiting_earliest_due_first(
    client, act_as, count_queries, make_customer, make_incident, clock
):
    act_as("panel")
    first = make_incident(make_customer(), now=clock.now - timedelta(days=1))
    one_waiting = statements(client, count_queries, "/staff/panel")
    one_page = len(client.get("/staff/panel").data)
    assert "1 report waiting" in check_page(client.get("/staff/panel")).get_text()

    order = _fill_queue(first, clock)

    assert statements(client, count_queries, "/staff/panel") == one_waiting
    response = client.get("/staff/panel")
    soup = check_page(response)
    assert "1,000 reports waiting; showing 1–50" in soup.find(id="queue-count").get_text()
    assert _queue_references(soup) == order[:50]
    assert len(response.data) < one_page + 50 * 1_000, "each row is well under a kilobyte"
    assert _link(soup, "Panel queue pages", "Previous") is None
    assert _link(soup, "Panel queue pages", "Next") == "/staff/panel?page=2"


def test_point13_panel_queue_pages_follow_on_without_javascript(client, act_as, thousand_waiting):
    act_as("panel")
    seen: list[str] = []
    url: str | None = "/staff/panel"
    while url:
        soup = check_page(client.get(url))
        seen += _queue_references(soup)
        url = _link(soup, "Panel queue pages", "Next")
    assert seen == thousand_waiting, "every report once, in the queue's order"
    assert "Page 20 of 20" in soup.get_text()
    assert "showing 951–1,000" in soup.find(id="queue-count").get_text()
    assert _link(soup, "Panel queue pages", "Previous") == "/staff/panel?page=19"


@pytest.mark.parametrize("query", ["page=abc", "page=-1", "page=0", "page=99999999999999999999"])
def test_point13_a_panel_queue_page_past_the_end_shows_the_last(
    client, act_as, thousand_waiting, query
):
    act_as("panel")
    soup = check_page(client.get(f"/staff/panel?{query}"))
    shown = _queue_references(soup)
    assert shown == (thousand_waiting[-50:] if "999" in query else thousand_waiting[:50])


def test_point13_the_record_shows_twenty_of_each_list_with_counts_and_page_links(
    client, act_as, busy_record
):
    busy_record(45)
    act_as("panel")
    record = f"/staff/customers/{busy_record.customer.id}"
    soup = check_page(client.get(f"{record}?history=2"))
    text = soup.get_text(" ", strip=True)
    assert "45 contacts logged; showing 1–20" in text
    assert "45 warnings; showing 1–20" in text
    assert "45 refusals recorded; showing 1–20" in text
    assert "270 events; showing 26–50" in text
    contacts = soup.find("caption", string="Latest contacts").find_parent("table")
    assert len(contacts.select("tbody tr")) == 20
    assert len(soup.select("ol.timeline > li")) == 25

    contacts_next = _link(soup, "Contact log pages", "Next")
    assert contacts_next == f"{record}?history=2&contacts=2#contact-log", "keeps the history page"
    page_two = check_page(client.get(contacts_next))
    assert "45 contacts logged; showing 21–40" in page_two.get_text(" ", strip=True)
    contacts = page_two.find("caption", string="Latest contacts").find_parent("table")
    calls = [row.find_all("td")[-1].get_text() for row in contacts.select("tbody tr")]
    assert "Call 20" in calls and "Call 19" not in calls
    assert "270 events; showing 26–50" in page_two.get_text(" ", strip=True)

    last = check_page(client.get(f"{record}?history=2&contacts=3&refusals=3&warnings=3"))
    text = last.get_text(" ", strip=True)
    assert "45 contacts logged; showing 41–45" in text
    assert "45 warnings; showing 41–45" in text
    assert _link(last, "Warning pages", "Next") is None
    previous = urlsplit(_link(last, "Warning pages", "Previous"))
    assert (previous.path, previous.fragment) == (record, "warnings")
    assert parse_qs(previous.query) == {
        "history": ["2"],
        "contacts": ["3"],
        "refusals": ["3"],
        "warnings": ["2"],
    }


def test_point13_the_history_pages_follow_on_exactly(busy_record, people, clock, monkeypatch):
    """The history's pages, put together, are the whole history in order: nothing twice and
    nothing missed where a page ends part-way through a day's refusals."""
    busy_record(30)
    customer = busy_record.customer
    pages = []
    first = queries.customer_record(customer, clock.now, True)
    for number in range(1, first.pages["history"].pages + 1):
        record = queries.customer_record(
            customer, clock.now, True, queries.RecordPages(history=number)
        )
        pages += [(i.kind, i.ident) for i in timeline(record, people.panel)]

    monkeypatch.setattr(queries, "HISTORY_PAGE_SIZE", 10_000)
    whole = timeline(queries.customer_record(customer, clock.now, True), people.panel)
    assert pages == [(i.kind, i.ident) for i in whole]
    assert len(pages) == first.pages["history"].total == 180


@pytest.mark.parametrize(
    "query",
    ["contacts=abc", "warnings=-1", "history=0", "refusals=99999999999999999999", "history=٣"],
)
def test_point13_record_pages_that_are_not_real_show_a_page(client, act_as, busy_record, query):
    busy_record(25)
    act_as("panel")
    check_page(client.get(f"/staff/customers/{busy_record.customer.id}?{query}"))
