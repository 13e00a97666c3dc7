"""Issue 13: the staff home pages count open appeals in the database, on the due dates stored
on each appeal, with the same meanings of "overdue" and "due soon" as each appeal's progress
(``Progress.current.attention``), and the same GLT members free to decide (§1, §9.3)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal import db
from portal.appeals import due_dates, people
from portal.appeals import progress as appeal_progress
from portal.appeals.models import Appeal, AppealStatus
from portal.appeals.queries import open_counts
from portal.auth.models import Role
from portal.restrictions.models import Restriction, RestrictionRequest
from portal.timeutil import from_london
from portal.workdays import services as workdays
from portal.worklist.queries import worklist
from tests.services.test_appeal_due_dates import send_and_step

# When each appeal arrived (London time), around Christmas and New Year 2026 and a closure on
# Mon 4 Jan 2027; and the days (December) it was acknowledged and referred to GLT.
ARRIVALS = [
    (from_london(date(2026, 12, 15), 10, 0), {"acknowledge": 16, "refer": 21}),
    (from_london(date(2026, 12, 17), 10, 0), {"acknowledge": 17, "refer": 18}),
    (from_london(date(2026, 12, 18), 11, 0), {"acknowledge": 22}),
    (from_london(date(2026, 12, 21), 9, 0), {"acknowledge": 22, "refer": 23}),
    (from_london(date(2026, 12, 23), 16, 30), {}),
    (from_london(date(2026, 12, 23), 17, 30), {}),
    (from_london(date(2026, 12, 24), 12, 0), {"acknowledge": 24}),
    (from_london(date(2026, 12, 25), 9, 0), {}),
    (from_london(date(2026, 12, 31), 10, 0), {}),
    (from_london(date(2027, 1, 4), 10, 0), {}),
]
# Every day from before Christmas to after the closure, weekends and bank holidays included.
DAYS = [date(2026, 12, 14) + timedelta(days=n) for n in range(32)]


@pytest.fixture
def cem(make_staff):
    return make_staff(Role.CEM, name="Cara Experience", email="cem@test.example")


@pytest.fixture
def sent(restriction_in_force, clock, cem, make_staff):
    """The appeals of ``ARRIVALS``, sent and stepped with the Mon 4 Jan 2027 closure on record."""
    admin = make_staff(Role.ADMIN, name="Ada Admin")
    made = send_and_step(ARRIVALS, restriction_in_force, clock, cem, admin, "count")
    db.session.commit()
    return made


def _attention(today: date) -> Counter:
    """Each open appeal's attention, worked out one by one from its progress."""
    return Counter(
        row.current.attention if row.current is not None else None
        for row in appeal_progress.for_open_appeals(today)
    )


@pytest.mark.policy("9.3")
def test_point13_home_counts_overdue_and_due_soon_as_each_appeals_progress_says(sent):
    calendar = workdays.load_calendar()
    seen = Counter()
    for today in DAYS:
        python = _attention(today)
        counted = open_counts(today, calendar.next_working_day(today))
        assert counted.open == len(sent) and counted.unstored == 0
        assert (counted.overdue, counted.due_soon) == (
            python["overdue"],
            python["due_soon"],
        ), today
        seen.update({"overdue": counted.overdue > 0, "due_soon": counted.due_soon > 0})
    assert seen["overdue"] and seen["due_soon"]


@pytest.mark.policy("9.3")
def test_point13_home_counts_appeals_without_stored_dates_from_their_progress(sent, cem, clock):
    """An appeal whose due dates are not stored yet is still counted, by working them out."""
    blank = {field: None for field in due_dates.DUE_FIELDS.values()} | {"next_due_on": None}
    for appeal in sent[2:5]:
        db.session.execute(sa.update(Appeal).where(Appeal.id == appeal.id).values(**blank))
    db.session.commit()
    db.session.expire_all()
    calendar = workdays.load_calendar()
    for today in DAYS:
        python = _attention(today)
        assert open_counts(today, calendar.next_working_day(today)).unstored == 3
        tasks = worklist(cem, today).appeal_tasks
        assert (tasks.open, tasks.overdue, tasks.due_soon) == (
            len(sent),
            python["overdue"],
            python["due_soon"],
        ), today


@pytest.mark.policy("9.3")
def test_point13_glt_count_leaves_out_the_same_appeals_as_may_decide(sent, make_staff, glt_member):
    """For each GLT member, the count of appeals they may decide matches ``may_decide``: not
    the restriction's approver, nor the requester or decider of the request behind it."""
    other = make_staff(Role.GLT, name="Greta Other")
    requester = make_staff(Role.GLT, name="Rhys Requester")
    with_glt = [a for a in sent if a.status == AppealStatus.WITH_GLT]
    assert len(with_glt) == 3
    first, second, third = (a.restriction for a in with_glt)
    db.session.execute(
        sa.update(Restriction).where(Restriction.id == first.id).values(approved_by_id=other.id)
    )
    db.session.execute(
        sa.update(RestrictionRequest)
        .where(RestrictionRequest.id == second.request_id)
        .values(requested_by_id=requester.id, decided_by_id=other.id)
    )
    db.session.execute(
        sa.update(Restriction)
        .where(Restriction.id == third.id)
        .values(request_id=None, approved_by_id=requester.id)
    )
    db.session.commit()
    db.session.expire_all()
    today = date(2027, 1, 6)
    free = {}
    for person in (glt_member, other, requester):
        free[person.name] = {a.id for a in with_glt if people.may_decide(person, a)}
        may = len(free[person.name])
        assert open_counts(today, today, person.id).for_glt == may, person.name
        assert worklist(person, today).appeal_tasks.for_glt == may, person.name
    first_id, _second_id, third_id = (a.id for a in with_glt)
    assert free == {
        glt_member.name: {third_id},
        other.name: {third_id},
        requester.name: {first_id},
    }
