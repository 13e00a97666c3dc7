"""GET /api/v1/flags: every flag in force, or those that changed since a moment, including
changes made by the calendar alone, in pages (§8.5, §8.21)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from portal import db
from portal.customers.services import end_alert

FEED = "/api/v1/flags"


def _refs(response) -> list[str]:
    assert response.status_code == 200, response.data
    return [f["housing_ref"] for f in response.get_json()["flags"]]


def _since(moment: datetime) -> str:
    return f"{FEED}?changed_since={moment.isoformat().replace('+00:00', 'Z')}"


def test_without_changed_since_every_flag_in_force(
    api, make_customer, alert_on, restriction_in_force
):
    alerted = make_customer(housing_ref="A-1")
    alert_on(alerted)
    restricted = make_customer(housing_ref="A-2")
    restriction_in_force(restricted)
    make_customer(housing_ref="A-3")  # nothing on them
    alert_on(make_customer())  # not in the housing system
    assert _refs(api(FEED)) == ["A-1", "A-2"]


@pytest.mark.policy("8.5")
def test_alert_raised_and_ended_either_side_of_since(
    api, make_customer, alert_on, clock, panel_member
):
    customer = make_customer(housing_ref="B-1")
    raised_at = clock.now - timedelta(hours=3)
    alert = alert_on(customer, now=raised_at)
    assert _refs(api(_since(raised_at))) == ["B-1"]
    assert _refs(api(_since(raised_at + timedelta(seconds=1)))) == []
    end_alert(panel_member, clock.now - timedelta(hours=1), alert, "Dog rehomed")
    db.session.commit()
    cleared = api(_since(clock.now - timedelta(hours=1))).get_json()["flags"]
    assert [(f["housing_ref"], f["flagged"], f["alerts"]) for f in cleared] == [("B-1", False, [])]


@pytest.mark.policy("8.21")
def test_restriction_starting_by_the_calendar(api, make_customer, restrictions_in_force, clock):
    customer = make_customer(housing_ref="C-1")
    restrictions_in_force(customer, [{}], starts_on=date(2026, 12, 1))
    # The evening before it starts: not in force, so not changed since that morning.
    clock.now = datetime(2026, 11, 30, 23, 59, 30, tzinfo=UTC)
    assert _refs(api(_since(datetime(2026, 11, 30, 0, 0, tzinfo=UTC)))) == []
    # Just after midnight it is in force, with nothing written: it is said to have changed.
    clock.now = datetime(2026, 12, 1, 0, 0, 30, tzinfo=UTC)
    page = api(_since(datetime(2026, 11, 30, 23, 59, 30, tzinfo=UTC))).get_json()
    assert [(f["housing_ref"], f["contact"]["restricted"]) for f in page["flags"]] == [
        ("C-1", True)
    ]
    # From midnight exactly it is a change; from a second later it was in force already.
    assert _refs(api(_since(datetime(2026, 12, 1, 0, 0, tzinfo=UTC)))) == ["C-1"]
    assert _refs(api(_since(datetime(2026, 12, 1, 0, 0, 1, tzinfo=UTC)))) == []
    # Asked from after the day it started: nothing changed since.
    clock.now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    assert _refs(api(_since(datetime(2026, 12, 2, 0, 0, tzinfo=UTC)))) == []


@pytest.mark.policy("8.21")
def test_restriction_ending_by_the_calendar(api, make_customer, restrictions_in_force, clock):
    customer = make_customer(housing_ref="D-1")
    restrictions_in_force(customer, [{"ends_on": date(2026, 12, 5)}])
    # Its last day: still in force, no change since that morning.
    clock.now = datetime(2026, 12, 5, 23, 59, 30, tzinfo=UTC)
    assert _refs(api(_since(datetime(2026, 12, 5, 0, 0, tzinfo=UTC)))) == []
    # The day after its end date it is no longer in force: a change, with nothing written.
    clock.now = datetime(2026, 12, 6, 0, 0, 30, tzinfo=UTC)
    page = api(_since(datetime(2026, 12, 5, 23, 59, 30, tzinfo=UTC))).get_json()
    assert [(f["housing_ref"], f["contact"]["restricted"]) for f in page["flags"]] == [
        ("D-1", False)
    ]
    assert _refs(api(_since(datetime(2026, 12, 6, 0, 0, tzinfo=UTC)))) == ["D-1"]
    assert _refs(api(_since(datetime(2026, 12, 6, 0, 0, 1, tzinfo=UTC)))) == []
    clock.now = datetime(2026, 12, 9, 9, 0, tzinfo=UTC)
    assert _refs(api(_since(datetime(2026, 12, 7, 0, 0, tzinfo=UTC)))) == []


@pytest.mark.policy("8.21")
def test_restriction_ending_in_summer_time(api, make_customer, restrictions_in_force, clock):
    """London midnight is 23:00 UTC in summer: the end is seen from then."""
    clock.now = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)
    customer = make_customer(housing_ref="E-1")
    restrictions_in_force(customer, [{"ends_on": date(2027, 6, 10)}])
    clock.now = datetime(2027, 6, 10, 23, 0, 30, tzinfo=UTC)  # 00:00:30 on 11 June in London
    page = api(_since(datetime(2027, 6, 10, 22, 59, tzinfo=UTC))).get_json()
    assert [(f["housing_ref"], f["contact"]["restricted"]) for f in page["flags"]] == [
        ("E-1", False)
    ]
    assert _refs(api(_since(datetime(2027, 6, 10, 23, 0, tzinfo=UTC)))) == ["E-1"]
    assert _refs(api(_since(datetime(2027, 6, 10, 23, 0, 1, tzinfo=UTC)))) == []


def test_notified_restriction_is_a_change(api, make_customer, restriction_in_force, clock):
    customer = make_customer(housing_ref="F-1")
    before = clock.now - timedelta(minutes=1)
    restriction_in_force(customer)
    assert _refs(api(_since(before))) == ["F-1"]


def test_pages_follow_next_with_a_fixed_number_of_queries(
    api, client, make_customer, alert_on, count_queries
):
    refs = [f"P-{n}" for n in range(7)]
    for ref in refs:
        alert_on(make_customer(housing_ref=ref))
    api(FEED)  # the token's first use
    seen, url, counts = [], f"{FEED}?limit=3", []
    while url:
        with count_queries() as q:
            response = api(url)
        counts.append(q.count)
        seen += _refs(response)
        url = response.get_json()["next"]
        if url:
            parts = urlsplit(url)
            url = f"{parts.path}?{parts.query}"
    assert seen == refs
    assert len(counts) == 3
    assert counts[0] == counts[1]
    with count_queries() as q:
        assert len(_refs(api(f"{FEED}?limit=7"))) == 7
    assert q.count == counts[0]


def test_next_changed_since_is_before_the_first_page(api, make_customer, alert_on, clock):
    for n in range(3):
        alert_on(make_customer(housing_ref=f"N-{n}"))
    first = api(f"{FEED}?limit=2").get_json()
    assert first["next_changed_since"] < first["as_of"]
    clock.now += timedelta(minutes=30)
    second = api(urlsplit(first["next"]).path + "?" + urlsplit(first["next"]).query).get_json()
    assert second["as_of"] == first["as_of"]
    assert second["next_changed_since"] == first["next_changed_since"]


@pytest.mark.parametrize(
    "query",
    [
        "changed_since=yesterday",
        "changed_since=2026-11-23T09:00:00",
        "changed_since=2026-11-24T09:00:00Z",
        "changed_since=0001-01-01T00:00:00Z",
        "changed_since=9999-12-31T23:59:59%2B14:00",
        "changed_since=2026-11-23T09:00:00%2B99:00",
        "changed_since=" + "9" * 5000,
        "changed_since=%00",
        "changed_since=٢٠٢٦-١١-٢٣T09:00:00Z",
        "limit=0",
        "limit=1001",
        "limit=-1",
        "limit=1e3",
        "limit=١٠",
        "after=-1",
        "after=99999999999",
        "as_of=nonsense",
    ],
)
def test_bad_input_is_400_json(api, query):
    response = api(f"{FEED}?{query}")
    assert response.status_code in (400, 414), response.data
    assert response.is_json
    assert response.get_json()["message"]


@pytest.mark.policy("8.21")
def test_ending_all_contact_leaves_the_always_open_routes(api, terminated):
    terminated.housing_ref = "T-1"
    db.session.commit()
    contact = api("/api/v1/customers/T-1/flag").get_json()["contact"]
    assert contact["all_contact_ended"] is True
    assert contact["routes"] == []
    assert [r["route"] for r in contact["always_open"]] == ["complaints", "emergency_and_safety"]


def test_agreed_arrangement_is_on_the_flag_and_in_the_feed(
    api, make_customer, make_arrangement, clock, panel_member
):
    from portal.arrangements import services as arrangements
    from portal.arrangements.models import ResponseChannel

    customer = make_customer(housing_ref="G-1")
    arrangement = make_arrangement(customer)
    assert _refs(api(FEED)) == []  # suggested, not agreed
    before = clock.now
    clock.now += timedelta(hours=1)
    arrangements.record_answer(
        panel_member, clock.now, arrangement, "agree", ResponseChannel.PHONE, ""
    )
    db.session.commit()
    assert _refs(api(FEED)) == ["G-1"]
    assert _refs(api(_since(before + timedelta(minutes=30)))) == ["G-1"]
    agreed = api("/api/v1/customers/G-1/flag").get_json()["contact"]["agreed_arrangements"]
    assert len(agreed) == 1 and agreed[0]["terms"]


def test_always_open_routes_changing_is_a_change_for_the_restricted(
    api, make_customer, restriction_in_force, alert_on, admin, clock
):
    from portal.organisation.services import (
        ORGANISATION_FIELDS,
        get_organisation,
        update_organisation,
    )

    restriction_in_force(make_customer(housing_ref="H-1"))
    alert_on(make_customer(housing_ref="H-2"))  # no routes on an alert alone
    clock.now += timedelta(hours=2)
    since = clock.now - timedelta(minutes=1)
    assert _refs(api(_since(since))) == []
    org = get_organisation()
    fields = {name: getattr(org, name) for name in ORGANISATION_FIELDS}
    update_organisation(admin, clock.now, {**fields, "complaints_contact": "Call 0100 000 0000"})
    db.session.commit()
    assert _refs(api(_since(since))) == ["H-1"]
    routes = api("/api/v1/customers/H-1/flag").get_json()["contact"]["always_open"]
    assert routes[0]["contact"] == "Call 0100 000 0000"


def test_an_audited_step_on_a_restriction_is_a_change(
    api, make_customer, restriction_in_force, panel_member, clock
):
    """A review that continues a restriction moves only its review date, with its audit
    event: the feed reads that event."""
    from portal.audit import services as audit

    restriction = restriction_in_force(make_customer(housing_ref="R-1"))
    clock.now += timedelta(days=2)
    since = clock.now - timedelta(minutes=1)
    assert _refs(api(_since(since))) == []
    audit.record(panel_member, clock.now, "restriction.reviewed", "restriction", restriction.id)
    db.session.commit()
    assert _refs(api(_since(since))) == ["R-1"]
