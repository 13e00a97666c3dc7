"""Reminders for appeal steps due soon or overdue, queued in the outbox."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from portal import db
from portal.appeals import services as appeals
from portal.appeals.reminders import queue_reminders
from portal.auth.models import Role
from portal.outbox.models import OutboxEmail


@pytest.fixture
def cem(make_staff):
    return make_staff(Role.CEM, name="Cara Experience", email="cem@test.example")


@pytest.fixture
def appeal(restriction_in_force, clock, cem):
    clock.now = datetime(2027, 3, 19, 10, tzinfo=UTC)
    restriction = restriction_in_force(now=clock.now)
    draft = appeals.start_draft(clock.now, restriction)
    appeals.save_answers(clock.now, draft, appeals.Answers(grounds="Unfair."))
    appeals.lodge(restriction.customer, clock.now, draft, "k")
    db.session.commit()
    return draft


def _emails():
    return db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()


@pytest.mark.policy("9.1")
def test_due_soon_is_reminded_once_and_overdue_each_working_day(appeal, clock):
    # Received Fri 19 Mar 2027: acknowledge due Tue 23 Mar.
    assert queue_reminders(datetime(2027, 3, 19, 8, tzinfo=UTC)) == 0  # on track
    assert queue_reminders(datetime(2027, 3, 22, 8, tzinfo=UTC)) == 1  # due soon
    assert queue_reminders(datetime(2027, 3, 23, 8, tzinfo=UTC)) == 0  # still due soon: once
    assert queue_reminders(datetime(2027, 3, 24, 8, tzinfo=UTC)) == 1  # overdue
    assert queue_reminders(datetime(2027, 3, 24, 15, tzinfo=UTC)) == 0  # same day again
    assert queue_reminders(datetime(2027, 3, 25, 8, tzinfo=UTC)) == 1  # next working day
    assert queue_reminders(datetime(2027, 3, 26, 8, tzinfo=UTC)) == 0  # Good Friday
    emails = _emails()
    assert [e.to_address for e in emails] == ["cem@test.example"] * 3
    assert "is due soon" in emails[0].subject and "is overdue" in emails[1].subject
    assert appeal.reference in emails[0].body_text
    assert "Tuesday 23 March 2027" in emails[0].body_text


def test_a_done_step_is_not_reminded(appeal, cem):
    appeals.acknowledge(cem, datetime(2027, 3, 22, 8, tzinfo=UTC), appeal)
    db.session.commit()
    # Next step (to GLT) is due Tue 30 Mar: on track on Wed 24 Mar.
    assert queue_reminders(datetime(2027, 3, 24, 8, tzinfo=UTC)) == 0


def test_the_command_queues_and_says_how_many(appeal, runner, clock):
    clock.now = datetime(2027, 3, 24, 8, tzinfo=UTC)
    result = runner.invoke(args=["appeal-reminders", "--base-url", "https://portal.example/"])
    assert result.exit_code == 0
    assert "Queued 1 reminder email." in result.output
    assert "https://portal.example/staff/appeals/" in _emails()[0].body_text
