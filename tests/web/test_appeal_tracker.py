"""Issue 13, point 4: the CEM's tracker lists every open appeal a page at a time, sorted and
filtered in the database on the stored due dates, with no cut-off, in a fixed number of
statements however many are open."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal import db
from tests.web import test_queries
from tests.web.test_queries import HUNDRED, ONE, assert_same_for_few_and_many

# ``grow(n)``: n open appeals waiting for GLT, each for a different customer.
appeals_with_glt = test_queries.appeals_with_glt

TRACKER_URLS = [
    "/staff/appeals",
    "/staff/appeals?page=2",
    "/staff/appeals?sort=received&page=2",
    "/staff/appeals?sort=newest&show=due_soon",
    "/staff/appeals?show=overdue",
]


def _references(page: str) -> list[str]:
    return re.findall(r">(AP-[A-Z0-9-]+)</a>", page)


def test_point13_tracker_pages_in_fixed_statements(client, act_as, count_queries, appeals_with_glt):
    act_as("cem")
    assert_same_for_few_and_many(
        client, count_queries, appeals_with_glt, TRACKER_URLS, sizes=(ONE, HUNDRED)
    )


def _spread(ids_by_age: list[int], first_due: date) -> None:
    """Give each appeal its own received time and current step due date: the first listed
    arrived first and is due last."""
    from portal.appeals.models import Appeal

    base = db.session.get(Appeal, ids_by_age[0]).received_at
    for k, appeal_id in enumerate(ids_by_age):
        db.session.execute(
            sa.update(Appeal)
            .where(Appeal.id == appeal_id)
            .values(
                received_at=base + timedelta(hours=k),
                next_due_on=first_due + timedelta(days=len(ids_by_age) - k),
            )
        )
    db.session.commit()


@pytest.mark.policy("9.3")
def test_point13_tracker_lists_every_open_appeal_a_page_at_a_time(client, act_as, appeals_with_glt):
    from portal.appeals.models import Appeal

    appeals_with_glt(120)
    ids = list(db.session.scalars(sa.select(Appeal.id).order_by(Appeal.id)))
    _spread(ids, date(2027, 6, 1))
    act_as("cem")
    first = client.get("/staff/appeals").text
    assert "Appeals 1 to 50 of 120" in first
    assert len(_references(first)) == 50
    [following] = re.findall(r'href="([^"]*page=2[^"]*)">Next page', first)
    assert "Appeals 51 to 100 of 120" in client.get(following.replace("&amp;", "&")).text
    seen = []
    for number in (1, 2, 3):
        seen += _references(client.get(f"/staff/appeals?page={number}").text)
    assert len(seen) == len(set(seen)) == 120  # none left out, none twice
    last = client.get("/staff/appeals?page=3").text
    assert "Appeals 101 to 120 of 120" in last and "Next page" not in last
    assert "Appeals 101 to 120" in client.get("/staff/appeals?page=99").text


def test_point13_tracker_sorts_by_due_date_or_by_when_received(client, act_as, appeals_with_glt):
    from portal.appeals.models import Appeal

    appeals_with_glt(5)
    ids = list(db.session.scalars(sa.select(Appeal.id).order_by(Appeal.id)))
    _spread(ids, date(2027, 6, 1))
    references = dict(db.session.execute(sa.select(Appeal.id, Appeal.reference)).all())
    act_as("cem")
    by_due = _references(client.get("/staff/appeals").text)
    assert by_due == [references[i] for i in reversed(ids)]  # due soonest first
    oldest = _references(client.get("/staff/appeals?sort=received").text)
    assert oldest == [references[i] for i in ids]
    newest = _references(client.get("/staff/appeals?sort=newest").text)
    assert newest == [references[i] for i in reversed(ids)]
    assert _references(client.get("/staff/appeals?sort=nonsense&page=x").text) == by_due


def test_point13_tracker_shows_only_overdue_or_due_soon(client, act_as, appeals_with_glt, clock):
    from portal.appeals.models import Appeal
    from portal.timeutil import london_date

    appeals_with_glt(3)
    today = london_date(clock.now)
    ids = list(db.session.scalars(sa.select(Appeal.id).order_by(Appeal.id)))
    dues = [today - timedelta(days=3), today, today + timedelta(days=30)]
    for appeal_id, due in zip(ids, dues, strict=True):
        db.session.execute(sa.update(Appeal).where(Appeal.id == appeal_id).values(next_due_on=due))
    db.session.commit()
    references = dict(db.session.execute(sa.select(Appeal.id, Appeal.reference)).all())
    act_as("cem")
    assert _references(client.get("/staff/appeals?show=overdue").text) == [references[ids[0]]]
    assert _references(client.get("/staff/appeals?show=due_soon").text) == [references[ids[1]]]
    assert len(_references(client.get("/staff/appeals?show=all").text)) == 3


@pytest.mark.policy("9.3")
def test_point13_tracker_rows_agree_with_each_appeals_progress(client, appeals_with_glt):
    """The tracker reads the step each appeal waits on from its stored due dates, the next
    working day looked up once: the same step, due date and status as ``progress`` gives,
    overdue, due today, due soon or on track, and for an appeal whose dates are not stored."""
    from portal.appeals import progress, tracker
    from portal.appeals.due_dates import DUE_FIELDS
    from portal.appeals.models import Appeal

    appeals_with_glt(6)
    ids = list(db.session.scalars(sa.select(Appeal.id).order_by(Appeal.id)))
    due = db.session.get(Appeal, ids[0]).glt_review_due_on
    # Spread the step they wait on over the days around today; the last has no dates stored.
    for k, appeal_id in enumerate(ids[1:-1], start=1):
        db.session.execute(
            sa.update(Appeal)
            .where(Appeal.id == appeal_id)
            .values(glt_review_due_on=due + timedelta(days=k), next_due_on=due + timedelta(days=k))
        )
    blank = {field: None for field in DUE_FIELDS.values()} | {"next_due_on": None}
    db.session.execute(sa.update(Appeal).where(Appeal.id == ids[-1]).values(**blank))
    db.session.commit()
    appeals = list(db.session.scalars(sa.select(Appeal).order_by(Appeal.received_at, Appeal.id)))
    seen = set()
    for offset in range(-4, 10):
        today = due + timedelta(days=offset)
        rows = tracker.tracker(1, today, "received").rows
        counted = progress.for_appeals(appeals, today)
        assert [row.id for row in rows] == [appeal.id for appeal in appeals]
        for row, each in zip(rows, counted, strict=True):
            current = each.current
            assert (row.step, row.due, row.status) == (current.key, current.due, current.status)
            assert row.counted_from == each.arrival.counted_from
            assert row.arrived_on == each.arrival.arrived_on
            seen.add(row.status)
    assert seen == {"overdue", "due_today", "due_soon", "on_track"}
