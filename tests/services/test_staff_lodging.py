"""The service that lodges an appeal staff took by phone or letter (§9.2) checks the decision
itself, whatever the form sent, starts from a blank form and closes the customer's unsent
draft; its refusals carry codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal import db
from portal.appeals import decision, for_customer, handling, lodging
from portal.appeals.models import Appeal, AppealChannel, AppealStatus
from portal.appeals.queries import appeal_decisions
from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.errors import Conflict, NotAllowed, ServiceError

NOW = datetime(2027, 3, 19, 10, tzinfo=UTC)


def _lodge(actor, customer, decision_id):
    return for_customer.lodge_for_customer(
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


@pytest.mark.policy("9.2")
def test_point2_staff_lodging_starts_blank_and_closes_the_customers_unsent_draft(
    make_staff, restriction_in_force, clock
):
    """A colleague records what the customer said on the phone: the customer's online draft
    is neither sent with the colleague's answers nor lost; it is closed, audited, and the
    customer is told how and when their appeal reached us."""
    clock.now = NOW
    restriction = restriction_in_force(now=NOW)
    draft = lodging.start_draft(NOW, restriction)
    lodging.save_answers(
        NOW,
        draft,
        lodging.Answers(
            grounds="Typed online: the calls were about a leak.",
            new_information="Photos of the leak.",
            representative="My sister",
        ),
    )
    db.session.commit()
    cem = make_staff(Role.CEM)
    appeal = _lodge(cem, restriction.customer, restriction.id)
    db.session.commit()

    assert appeal.id != draft.id
    assert appeal.grounds == "Said on the phone: unfair."
    assert (appeal.new_information, appeal.representative) == ("", "")
    kept = db.session.get(Appeal, draft.id)
    db.session.refresh(kept)
    assert kept.status == AppealStatus.DRAFT and kept.reference is None
    assert kept.grounds == "Typed online: the calls were about a leak."
    assert kept.new_information == "Photos of the leak."
    [closed] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "appeal.draft_closed")
    )
    assert (closed.entity_id, closed.actor_id) == (draft.id, cem.id)
    assert closed.after["lodged_as"] == appeal.reference

    [right] = appeal_decisions(restriction.customer_id, NOW)
    assert right.appeal.id == appeal.id and right.closed_draft.id == draft.id
    assert right.closed_draft_said.startswith(
        "We took your appeal by phone on Friday 19 March 2027. The appeal you started online "
        "was closed without being sent."
    )
    with pytest.raises(Conflict) as sent:
        lodging.lodge(restriction.customer, NOW, kept, "sent-later-online")
    assert sent.value.codes == {"appealed": "appeal.appealed"}


@pytest.mark.policy("9.2")
def test_point2_staff_lodging_with_no_draft_closes_nothing(make_staff, restriction_in_force, clock):
    clock.now = NOW
    restriction = restriction_in_force(now=NOW)
    _lodge(make_staff(Role.CEM), restriction.customer, restriction.id)
    db.session.commit()
    [right] = appeal_decisions(restriction.customer_id, NOW)
    assert right.closed_draft is None and right.closed_draft_said == ""
    assert (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "appeal.draft_closed")
        )
        == 0
    )


def test_point13_every_refusal_of_the_appeal_services_carries_a_code(
    make_staff, restriction_in_force, clock
):
    """Staff-side refusals come with a stable code, as the customer's do (portal/errors)."""
    clock.now = NOW
    restriction = restriction_in_force(now=NOW)
    cem = make_staff(Role.CEM)
    with pytest.raises(ServiceError) as refused:
        for_customer.lodge_for_customer(
            cem,
            NOW,
            restriction.customer,
            restriction.id,
            lodging.Answers(grounds="Unfair."),
            "k-future",
            channel=AppealChannel.LETTER,
            received_at=NOW + timedelta(days=2),
        )
    assert refused.value.codes == {"received_on": "appeal.received_in_future"}
    db.session.rollback()
    with pytest.raises(ServiceError) as refused:
        for_customer.lodge_for_customer(
            cem,
            NOW,
            restriction.customer,
            None,
            lodging.Answers(grounds="Unfair."),
            "k-none",
            channel=AppealChannel.LETTER,
            received_at=NOW,
        )
    assert refused.value.codes == {"decision": "appeal.decision_missing"}
    db.session.rollback()
    appeal = _lodge(cem, restriction.customer, restriction.id)
    for step, code in (
        (handling.refer_to_glt, "appeal.not_acknowledged"),
        (decision.send_outcome, "appeal.not_decided"),
    ):
        with pytest.raises(ServiceError) as refused:
            step(cem, NOW, appeal)
        assert refused.value.codes == {"": code}
    with pytest.raises(ServiceError) as refused:
        handling.decide_late(cem, NOW, appeal, True, "")
    assert refused.value.codes == {"": "appeal.no_late_decision"}
