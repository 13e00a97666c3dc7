"""The service that lodges an appeal staff took by phone or letter (§9.2) checks the decision
itself, whatever the form sent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from portal import db
from portal.appeals import lodging
from portal.appeals.models import Appeal, AppealChannel
from portal.auth.models import Role
from portal.errors import NotAllowed, ServiceError

NOW = datetime(2027, 3, 19, 10, tzinfo=UTC)


def _lodge(actor, customer, decision_id):
    return lodging.lodge_for_customer(
        actor,
        NOW,
        customer,
        decision_id,
        lodging.Answers(grounds="Said on the phone: unfair."),
        "k-service",
        channel=AppealChannel.PHONE,
        received_at=NOW,
    )


@pytest.mark.policy("9.2")
def test_lodging_for_a_customer_refuses_another_customers_decision(
    make_staff, restriction_in_force, clock
):
    clock.now = NOW
    mine = restriction_in_force(now=NOW)
    theirs = restriction_in_force(now=NOW)
    cem = make_staff(Role.CEM)
    with pytest.raises(ServiceError) as refused:
        _lodge(cem, mine.customer, theirs.id)
    assert set(refused.value.errors) == {"decision"}
    with pytest.raises(NotAllowed):
        _lodge(make_staff(Role.COLLEAGUE), mine.customer, mine.id)
    db.session.rollback()
    appeal = _lodge(cem, mine.customer, mine.id)
    assert appeal.restriction_id == mine.id and appeal.lodged_by_staff_id == cem.id
    assert db.session.scalar(select(func.count(Appeal.id))) == 1
