"""The audit trail: every change is recorded, append-only and tamper-evident (spec §10)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from portal.audit.models import AuditEvent
from portal.audit.services import AuditTamperError, record, verify_chain
from portal.auth.models import Role
from portal.conduct_warnings.services import issue_warning
from portal.customers.models import ContactChannel, WorksType
from portal.customers.services import end_alert, log_contact, raise_alert, record_access_refusal
from portal.deadlines import add_closure, remove_closure
from portal.incidents.catalogue import ManagerDecision
from portal.incidents.services import attach_evidence, record_manager_decision
from portal.letters.delivery import Delivery
from portal.panel.services import record_review
from tests.factories import review_input

GENESIS = "0" * 64


@pytest.fixture
def workflow(
    session, make_staff, make_customer, make_incident, colleague, panel_member, clock, tmp_path
):
    """Run one of every audited service, a minute apart; return the actions in order."""
    admin = make_staff(Role.ADMIN)
    manager = colleague.line_manager
    customer = make_customer()
    step = iter(range(1, 100))

    def at() -> datetime:
        return clock.now + timedelta(minutes=next(step))

    incident = make_incident(customer)
    attach_evidence(colleague, at(), incident, "note.txt", b"Shouting.", tmp_path, 1024)
    record_manager_decision(manager, at(), incident, [ManagerDecision.NONE], "")
    record_review(panel_member, at(), incident, review_input())
    issue_warning(panel_member, at(), incident, Delivery.HAND)
    alert = raise_alert(manager, at(), customer, "Risk of violence", "")
    end_alert(manager, at(), alert, "Moved out")
    log_contact(colleague, at(), customer, ContactChannel.EMAIL, True, clock.now, None, "")
    record_access_refusal(
        colleague, at(), customer, WorksType.ESSENTIAL, date(2026, 11, 20), "Gas check", "", False
    )
    closure = add_closure(admin, at(), date(2026, 12, 24), "Christmas closure")
    remove_closure(admin, at(), closure)
    session.commit()


def test_every_service_writes_an_audit_event(workflow, audit_events):
    assert [e.action for e in audit_events()] == [
        "incident.reported",
        "incident.evidence_added",
        "incident.manager_decision",
        "incident.reviewed",
        "letter.issued",
        "warning.issued",
        "alert.raised",
        "alert.ended",
        "contact.logged",
        "access_refusal.recorded",
        "closure.added",
        "closure.removed",
    ]


def test_each_event_says_who_and_when(workflow, audit_events, colleague, clock):
    first = audit_events()[0]

    assert first.actor_id == colleague.id
    assert first.actor_label == f"Colin Colleague <{colleague.email}>"
    assert first.at == clock.now


def test_each_event_is_chained_to_the_one_before(workflow, audit_events):
    events = audit_events()

    assert events[0].prev_hash == GENESIS
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
    assert len({e.hash for e in events}) == len(events)
    assert verify_chain() == (True, None)


def test_an_empty_trail_verifies(app):
    assert verify_chain() == (True, None)


def test_a_row_changed_behind_the_apps_back_is_detected(workflow, audit_events, session):
    target = audit_events("incident.manager_decision")[0]
    session.execute(
        text("UPDATE audit_event SET summary = 'Nothing happened' WHERE id = :id"),
        {"id": target.id},
    )
    session.expire_all()

    assert verify_chain() == (False, target.id)


def test_a_changed_before_or_after_value_is_detected(workflow, audit_events, session):
    target = audit_events("warning.issued")[0]
    session.execute(
        text("UPDATE audit_event SET after = :after WHERE id = :id"),
        {"id": target.id, "after": '{"stage": "final"}'},
    )
    session.expire_all()

    assert verify_chain() == (False, target.id)


def test_a_rehashed_row_still_breaks_the_chain_after_it(workflow, audit_events, session):
    events = audit_events()
    target, following = events[3], events[4]
    session.execute(
        text("UPDATE audit_event SET hash = :forged WHERE id = :id"),
        {"id": target.id, "forged": "f" * 64},
    )
    session.expire_all()

    ok, bad = verify_chain()
    assert ok is False
    assert bad in (target.id, following.id)


def test_a_deleted_row_is_detected(workflow, audit_events, session):
    events = audit_events()
    session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": events[2].id})
    session.expire_all()

    assert verify_chain() == (False, events[3].id)


def test_the_orm_refuses_to_change_an_audit_event(workflow, audit_events, session):
    event = audit_events()[0]
    event.summary = "Rewritten"

    with pytest.raises(AuditTamperError):
        session.flush()
    session.rollback()


def test_the_orm_refuses_to_delete_an_audit_event(workflow, audit_events, session):
    session.delete(audit_events()[0])

    with pytest.raises(AuditTamperError):
        session.flush()
    session.rollback()


def test_a_system_event_has_no_actor(session):
    event = record(None, datetime(2026, 11, 23, 3, 0, tzinfo=UTC), "retention.run", "system", None)
    session.commit()

    assert (event.actor_id, event.actor_label) == (None, "system")
    assert verify_chain() == (True, None)


def test_a_time_given_in_london_time_still_verifies(session, colleague):
    # The same instant as 09:00 UTC, written as 10:00 BST: stored as UTC, hashed as UTC.
    now = datetime(2026, 7, 15, 10, 0, tzinfo=ZoneInfo("Europe/London"))
    record(colleague, now, "test.recorded", "test", 1, after={"when": now})
    session.commit()
    session.expire_all()

    [event] = session.scalars(select(AuditEvent)).all()
    assert event.at == datetime(2026, 7, 15, 9, 0, tzinfo=UTC)
    assert verify_chain() == (True, None)
