"""Issue 13, point 4: each open appeal's step due dates are stored when it is sent and at each
step, counted again (and audited) when the calendar changes, and read by the one function
that says where an appeal has got to (§9.1–9.4)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from portal import db
from portal.appeals import due_dates, reminders
from portal.appeals import progress as appeal_progress
from portal.appeals import services as appeals
from portal.appeals.queries import open_appeals_in_batches
from portal.auth.models import Role
from portal.deadlines import STEP_DUES_MOVED, add_closure, remove_closure
from portal.organisation.services import get_organisation
from portal.outbox.models import OutboxEmail
from portal.timeutil import from_london
from portal.workdays import services as workdays

NOW = datetime(2027, 1, 6, 11, tzinfo=UTC)  # Wed 6 Jan 2027, the day looked at

# When each appeal arrived (London time), around Christmas and New Year 2026 and a closure on
# Mon 4 Jan 2027; and which steps were taken, and when.
ARRIVALS = [
    (from_london(date(2026, 12, 15), 10, 0), {"acknowledge": 16, "refer": 21}),
    (from_london(date(2026, 12, 18), 11, 0), {"acknowledge": 22}),
    (from_london(date(2026, 12, 23), 16, 30), {}),  # before the 17:00 cut-off
    (from_london(date(2026, 12, 23), 17, 30), {}),  # after it: counts from Thu 24 Dec
    (from_london(date(2026, 12, 24), 12, 0), {"acknowledge": 24}),
    (from_london(date(2026, 12, 25), 9, 0), {}),  # Christmas Day
    (from_london(date(2026, 12, 31), 10, 0), {}),  # over New Year's Day and the closure
    (from_london(date(2027, 1, 4), 10, 0), {}),  # on the closure day
]


@pytest.fixture
def cem(make_staff):
    return make_staff(Role.CEM, name="Cara Experience", email="cem@test.example")


@pytest.fixture
def admin(make_staff):
    return make_staff(Role.ADMIN, name="Ada Admin")


def send_and_step(arrivals, restriction_in_force, clock, cem, admin, key: str) -> list:
    """Each of ``arrivals`` (when it arrived, and the December days of its steps) sent as an
    appeal and stepped, with the Mon 4 Jan 2027 closure on record."""
    clock.now = datetime(2026, 12, 10, 10, tzinfo=UTC)  # notified: may appeal until 13 Jan
    workdays.add_closure_day(admin, clock.now, date(2027, 1, 4), "Stocktake")
    made = []
    for n, (arrived, steps) in enumerate(arrivals):
        restriction = restriction_in_force(now=clock.now)
        appeal = appeals.start_draft(clock.now, restriction)
        appeals.save_answers(clock.now, appeal, appeals.Answers(grounds="It was unfair."))
        appeals.lodge(restriction.customer, arrived, appeal, f"{key}-{n}")
        if "acknowledge" in steps:
            day = datetime(2026, 12, steps["acknowledge"], 10, tzinfo=UTC)
            appeals.acknowledge(cem, day, appeal)
        if "refer" in steps:
            appeals.refer_to_glt(cem, datetime(2026, 12, steps["refer"], 10, tzinfo=UTC), appeal)
        made.append(appeal)
    return made


@pytest.fixture
def sent(restriction_in_force, clock, cem, admin):
    """The appeals of ``ARRIVALS``, sent and stepped with the Mon 4 Jan 2027 closure on record."""
    made = send_and_step(ARRIVALS, restriction_in_force, clock, cem, admin, "due")
    db.session.commit()
    return made


def _counted(appeal) -> dict[str, date]:
    calendar = workdays.load_calendar()
    counted = due_dates.count(appeal, calendar, get_organisation().cutoff_time)
    return {step.key: step.due for step in counted.steps}


def _assert_stored_as_counted(appeals_sent, today: date) -> None:
    calendar = workdays.load_calendar()
    for appeal, row in zip(
        appeals_sent, appeal_progress.for_appeals(appeals_sent, today, calendar), strict=True
    ):
        counted = _counted(appeal)
        assert due_dates.stored(appeal) == counted, appeal.received_at
        assert {step.key: step.due for step, _status in row.steps} == counted
        assert appeal.next_due_on == row.current.due


@pytest.mark.policy("9.1", "9.3", "9.4")
def test_point13_stored_due_dates_are_the_counted_ones_over_christmas_and_a_closure(sent):
    _assert_stored_as_counted(sent, NOW.date())
    first, second, *_rest = sent
    # Referred Mon 21 Dec: 10 working days skip Christmas, Boxing Day (Mon 28 Dec), New Year's
    # Day and the closure on Mon 4 Jan.
    assert first.glt_review_due_on == date(2027, 1, 8)
    assert first.next_due_on == date(2027, 1, 8)
    assert second.next_due_on == second.to_glt_due_on
    on_christmas_day = sent[5]
    assert on_christmas_day.acknowledge_due_on == date(2026, 12, 31)  # counted from Tue 29 Dec
    on_the_closure = sent[7]
    assert on_the_closure.acknowledge_due_on == date(2027, 1, 7)  # counted from Tue 5 Jan


@pytest.mark.policy("9.1", "9.3", "9.4")
def test_point13_a_closure_added_later_moves_the_stored_dates_and_audits_them(
    sent, admin, audit_events
):
    changed = datetime(2027, 1, 5, 9, tzinfo=UTC)
    closure = add_closure(admin, changed, date(2027, 1, 6), "Power cut")
    _assert_stored_as_counted(sent, changed.date())
    first = sent[0]
    assert first.glt_review_due_on == date(2027, 1, 11)
    [event] = audit_events(STEP_DUES_MOVED, entity_id=first.id)
    # The review moves, and the steps counted from it with it.
    assert event.before == {
        "glt_review_due_on": "2027-01-08",
        "notify_cem_due_on": "2027-01-12",
        "tell_customer_due_on": "2027-01-15",
    }
    assert event.after == {
        "glt_review_due_on": "2027-01-11",
        "notify_cem_due_on": "2027-01-13",
        "tell_customer_due_on": "2027-01-18",
        "closure_added": "2027-01-06",
    }

    remove_closure(admin, changed, closure)
    _assert_stored_as_counted(sent, changed.date())
    assert first.glt_review_due_on == date(2027, 1, 8)


@pytest.mark.policy("9.1")
def test_point13_a_stored_due_date_already_passed_never_moves(sent, admin, audit_events):
    late = datetime(2027, 1, 6, 9, tzinfo=UTC)
    add_closure(admin, late, date(2026, 12, 30), "Late entry")
    on_christmas_day = sent[5]
    assert on_christmas_day.acknowledge_due_on == date(2026, 12, 31)  # passed: stays
    assert _counted(on_christmas_day)["acknowledge"] == date(2027, 1, 5)
    row = appeal_progress.for_appeal(on_christmas_day, late.date())
    assert row.at("acknowledge").due == date(2026, 12, 31) and row.is_late("acknowledge")


def test_point13_steps_keep_the_stored_dates_up_to_date(sent, cem, clock):
    second = sent[1]
    appeals.refer_to_glt(cem, datetime(2026, 12, 23, 10, tzinfo=UTC), second)
    assert second.next_due_on == second.glt_review_due_on == _counted(second)["glt_review"]
    closed = appeals.clock(second)
    assert due_dates.stored(second) == {step.key: step.due for step in closed.steps}


def test_point13_every_open_appeal_is_walked_in_batches(sent):
    walked = [appeal.id for batch in open_appeals_in_batches(size=3) for appeal in batch]
    assert sorted(walked) == sorted(appeal.id for appeal in sent)
    due = [a.id for batch in open_appeals_in_batches(date(2026, 12, 31), 2) for a in batch]
    assert set(due) == {a.id for a in sent if a.next_due_on <= date(2026, 12, 31)}


@pytest.mark.policy("9.1")
def test_point13_reminders_reach_every_appeal_due_however_many_batches(sent, cem, monkeypatch):
    monkeypatch.setattr(reminders, "BATCH", 2)
    queued = reminders.queue_reminders(NOW)
    emails = db.session.query(OutboxEmail).all()
    reminded = {email.subject.split(":")[0] for email in emails}
    due = {f"Appeal {a.reference}" for a in sent if a.next_due_on <= date(2027, 1, 7)}
    assert queued == len(emails) == len(due) and reminded == due
    assert len(due) > 2 * reminders.BATCH  # so more than two batches were walked
