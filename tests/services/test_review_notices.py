"""Notices to the Panel of restriction reviews due soon or overdue, queued in the outbox."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from portal import db
from portal.auth.models import Role
from portal.outbox.models import OutboxEmail
from portal.restrictions.models import RestrictionStatus
from portal.reviews.notices import queue_review_notices


@pytest.fixture
def restriction(restriction_in_force, clock, make_staff):
    make_staff(Role.PANEL, name="Priya Panel", email="priya@test.example")
    make_staff(Role.PANEL, name="Gone Panel", email="gone@test.example", active=False)
    clock.now = datetime(2027, 3, 1, 10, tzinfo=UTC)
    # Reviewed by Wednesday 24 March 2027.
    return restriction_in_force(now=clock.now, review_on=date(2027, 3, 24))


def _emails():
    return db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()


@pytest.mark.policy("10.1")
def test_due_soon_is_noticed_once_and_overdue_each_working_day(restriction, panel_member):
    panel = sorted([panel_member.email, "priya@test.example"])
    assert queue_review_notices(datetime(2027, 3, 9, 8, tzinfo=UTC)) == 0  # 15 days ahead
    assert queue_review_notices(datetime(2027, 3, 10, 8, tzinfo=UTC)) == 2  # due soon
    assert queue_review_notices(datetime(2027, 3, 11, 8, tzinfo=UTC)) == 0  # once
    assert queue_review_notices(datetime(2027, 3, 24, 8, tzinfo=UTC)) == 0  # due today
    assert queue_review_notices(datetime(2027, 3, 25, 8, tzinfo=UTC)) == 2  # overdue
    assert queue_review_notices(datetime(2027, 3, 25, 15, tzinfo=UTC)) == 0  # same day
    assert queue_review_notices(datetime(2027, 3, 26, 8, tzinfo=UTC)) == 0  # Good Friday
    assert queue_review_notices(datetime(2027, 3, 29, 8, tzinfo=UTC)) == 0  # Easter Monday
    assert queue_review_notices(datetime(2027, 3, 30, 8, tzinfo=UTC)) == 2  # next working day
    emails = _emails()
    assert sorted(e.to_address for e in emails[:2]) == panel
    assert "due soon" in emails[0].subject and "overdue" in emails[2].subject
    customer = restriction.customer
    assert customer.reference in emails[0].subject and customer.name in emails[0].body_text
    assert "Wednesday 24 March 2027" in emails[0].body_text
    assert f"/staff/restrictions/{restriction.id}/review" in emails[0].body_text


def test_a_lifted_restriction_is_not_noticed(restriction):
    restriction.status = RestrictionStatus.LIFTED
    db.session.commit()
    assert queue_review_notices(datetime(2027, 3, 10, 8, tzinfo=UTC)) == 0
