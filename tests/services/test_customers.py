"""The customer's record: safety alerts (§8.5), the contact log (§6.5–6.6) and refusals of
access for works (§6.8–6.9).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from portal.auth.models import Role
from portal.customers.models import ContactChannel, WorksType
from portal.customers.queries import CONTACT_PERIODS, contact_counts, customer_record
from portal.customers.services import end_alert, log_contact, raise_alert, record_access_refusal
from portal.customers.timeline import timeline
from portal.errors import Conflict, NotAllowed, ServiceError

PHONE, EMAIL, LETTER = ContactChannel.PHONE, ContactChannel.EMAIL, ContactChannel.LETTER


@pytest.fixture
def customer(make_customer):
    return make_customer()


@pytest.fixture
def manager(colleague):
    return colleague.line_manager


# --- Health and safety alerts (§8.5) -------------------------------------------------------


@pytest.mark.policy("8.5")
@pytest.mark.parametrize("role", [Role.LINE_MANAGER, Role.PANEL, Role.CSM])
def test_a_manager_the_panel_or_the_csm_may_raise_an_alert(make_staff, customer, clock, role):
    actor = make_staff(role)

    alert = raise_alert(
        actor, clock.now, customer, "  Threatened staff with a dog  ", "Visit in pairs."
    )

    assert alert.summary == "Threatened staff with a dog"
    assert alert.advice == "Visit in pairs."
    assert alert.raised_by_id == actor.id
    assert alert.raised_at == clock.now
    assert alert.active is True


@pytest.mark.policy("8.5")
@pytest.mark.parametrize("role", [Role.COLLEAGUE, Role.GLT, Role.ADMIN])
def test_other_staff_may_not_raise_an_alert(make_staff, customer, clock, role):
    with pytest.raises(NotAllowed):
        raise_alert(make_staff(role), clock.now, customer, "Risk", "")


@pytest.mark.policy("8.5")
def test_every_colleague_who_opens_the_customer_sees_the_alert(manager, customer, clock, session):
    alert = raise_alert(manager, clock.now, customer, "Aggressive dog at the property", "")
    session.commit()

    record = customer_record(customer, clock.now, with_history=False)

    assert [a.id for a in record.alerts] == [alert.id]
    assert record.warnings == [] and record.incidents == []


@pytest.mark.policy("8.5")
def test_an_alert_needs_a_summary_of_200_characters_or_fewer(manager, customer, clock):
    assert len(raise_alert(manager, clock.now, customer, "x" * 200, "").summary) == 200
    with pytest.raises(ServiceError) as too_long:
        raise_alert(manager, clock.now, customer, "x" * 201, "")
    with pytest.raises(ServiceError) as empty:
        raise_alert(manager, clock.now, customer, "   ", "")

    assert too_long.value.codes == {"summary": "alert.summary_long"}
    assert empty.value.codes == {"summary": "alert.summary_missing"}


@pytest.mark.policy("8.5")
def test_an_ended_alert_is_no_longer_shown_and_ends_only_once(manager, customer, clock, session):
    alert = raise_alert(manager, clock.now, customer, "Risk of violence", "")
    later = clock.now + timedelta(days=30)

    end_alert(manager, later, alert, "The dog has been rehomed")

    assert (alert.active, alert.ended_at, alert.ended_by_id) == (False, later, manager.id)
    assert customer_record(customer, later, with_history=False).alerts == []
    with pytest.raises(Conflict) as caught:
        end_alert(manager, later + timedelta(minutes=1), alert, "Ending it again")
    assert "already ended" in str(caught.value)
    assert (caught.value.by, caught.value.at) == (manager.name, later)
    assert alert.ended_at == later


@pytest.mark.policy("8.5")
def test_a_colleague_may_not_end_an_alert(manager, colleague, customer, clock):
    alert = raise_alert(manager, clock.now, customer, "Risk of violence", "")

    with pytest.raises(NotAllowed):
        end_alert(colleague, clock.now, alert, "Not a risk")

    assert alert.active is True


def test_alerts_are_audited(manager, customer, clock, audit_events):
    alert = raise_alert(manager, clock.now, customer, "Risk of violence", "Two officers")
    end_alert(manager, clock.now + timedelta(days=1), alert, "  Moved to sheltered housing  ")

    raised, ended = audit_events(entity_type="customer", entity_id=customer.id)
    assert raised.action == "alert.raised"
    assert raised.after == {
        "alert_id": alert.id,
        "summary": "Risk of violence",
        "advice": "Two officers",
    }
    assert ended.action == "alert.ended"
    assert ended.before == {"alert_id": alert.id, "active": True}
    assert ended.after == {
        "alert_id": alert.id,
        "active": False,
        "reason": "Moved to sheltered housing",
    }


@pytest.mark.policy("8.5")
@pytest.mark.parametrize(
    ("reason", "code"),
    [
        ("", "alert.end_reason_missing"),
        ("   ", "alert.end_reason_missing"),
        ("x" * 501, "alert.end_reason_long"),
    ],
    ids=["blank", "spaces", "too long"],
)
def test_ending_an_alert_needs_a_reason_of_500_characters_or_fewer(
    manager, customer, clock, audit_events, reason, code
):
    alert = raise_alert(manager, clock.now, customer, "Risk of violence", "")

    with pytest.raises(ServiceError) as caught:
        end_alert(manager, clock.now, alert, reason)

    assert caught.value.codes == {"reason": code}
    assert alert.active is True
    assert [e.action for e in audit_events(entity_type="customer", entity_id=customer.id)] == [
        "alert.raised"
    ]
    assert end_alert(manager, clock.now, alert, "x" * 500).active is False


@pytest.mark.policy("8.5")
def test_the_history_says_who_ended_an_alert_when_and_why(
    manager, customer, clock, session, make_staff
):
    panel_member = make_staff(Role.PANEL, name="Pat Panel")
    alert = raise_alert(manager, clock.now, customer, "Aggressive dog", "Call first")
    later = clock.now + timedelta(days=3)
    end_alert(panel_member, later, alert, "The dog has been rehomed")
    session.commit()

    record = customer_record(customer, later, with_history=True)
    items = timeline(record, panel_member)

    assert record.alerts == [] and [a.id for a in record.ended_alerts] == [alert.id]
    ended, raised = items
    assert (ended.kind, ended.at, ended.by, ended.reason, ended.detail) == (
        "alert_ended",
        later,
        "Pat Panel",
        "The dog has been rehomed",
        "Aggressive dog",
    )
    assert (raised.kind, raised.at, raised.by) == ("alert", clock.now, manager.name)


def test_the_history_orders_events_of_one_day_by_their_time_newest_first(
    manager, customer, clock, session, make_staff
):
    panel_member = make_staff(Role.PANEL)
    morning = datetime(2026, 11, 24, 9, 15, tzinfo=UTC)
    # Recorded in the wrong order: the afternoon's alert first, the morning's second.
    afternoon_alert = raise_alert(manager, morning + timedelta(hours=6), customer, "Later", "")
    morning_alert = raise_alert(manager, morning, customer, "Earlier", "")
    refusal = record_access_refusal(
        manager,
        morning + timedelta(hours=2),
        customer,
        WorksType.ESSENTIAL,
        date(2026, 11, 24),
        "Gas check",
        "",
        False,
    )
    same_moment = raise_alert(manager, morning, customer, "Same moment, made later", "")
    session.commit()

    items = timeline(customer_record(customer, clock.now, with_history=True), panel_member)

    assert [(i.kind, i.ident) for i in items] == [
        ("alert", afternoon_alert.id),
        ("refusal", refusal.id),
        ("alert", same_moment.id),  # the same moment: the row made later first
        ("alert", morning_alert.id),
    ]


# --- The contact log (§6.5–6.6) ------------------------------------------------------------


@pytest.fixture
def log(colleague, customer, clock):
    def _log(channel, occurred_at, minutes=None, inbound=True, summary=""):
        return log_contact(
            colleague, clock.now, customer, channel, inbound, occurred_at, minutes, summary
        )

    return _log


@pytest.mark.policy("6.5")
def test_a_phone_call_is_logged_with_its_length(log, colleague, customer, clock):
    entry = log(PHONE, clock.now - timedelta(hours=2), 47, summary="Same repair, fourth call")

    assert entry.customer_id == customer.id
    assert entry.duration_minutes == 47
    assert entry.inbound is True
    assert entry.logged_by_id == colleague.id
    assert entry.logged_at == clock.now


@pytest.mark.policy("6.5")
def test_a_phone_call_needs_its_length(log, clock):
    with pytest.raises(ServiceError) as caught:
        log(PHONE, clock.now - timedelta(hours=1), None)

    assert caught.value.codes == {"duration_minutes": "contact.duration_missing"}


@pytest.mark.policy("6.5")
@pytest.mark.parametrize(("minutes", "ok"), [(0, True), (1440, True), (-1, False), (1441, False)])
def test_a_call_lasts_between_0_and_1440_minutes(log, clock, minutes, ok):
    if ok:
        assert log(PHONE, clock.now, minutes).duration_minutes == minutes
    else:
        with pytest.raises(ServiceError) as caught:
            log(PHONE, clock.now, minutes)
        assert caught.value.codes == {"duration_minutes": "contact.duration_range"}


@pytest.mark.policy("6.5")
def test_a_length_is_not_kept_for_an_email(log, clock):
    assert log(EMAIL, clock.now, 30).duration_minutes is None


@pytest.mark.policy("6.5")
def test_a_contact_in_the_future_is_refused_and_one_just_now_is_accepted(log, clock):
    assert log(LETTER, clock.now).occurred_at == clock.now
    with pytest.raises(ServiceError) as caught:
        log(LETTER, clock.now + timedelta(seconds=1))

    assert caught.value.codes == {"occurred_on": "contact.in_future"}


@pytest.mark.policy("6.5", "6.6")
def test_contacts_are_counted_by_channel_over_7_30_90_and_365_days(log, customer, clock):
    now = clock.now
    day = timedelta(days=1)
    second = timedelta(seconds=1)
    log(PHONE, now - timedelta(hours=1), 10)
    log(PHONE, now - 7 * day, 20)  # exactly 7 days ago: inside the 7-day period
    log(PHONE, now - 7 * day - second, 30)  # just outside it
    log(EMAIL, now - 30 * day)
    log(EMAIL, now - 30 * day - second)
    log(EMAIL, now - 90 * day)
    log(LETTER, now - 365 * day)
    log(LETTER, now - 365 * day - second)  # older than a year: not counted at all

    counts = contact_counts(customer.id, now)

    assert counts.periods == CONTACT_PERIODS == (7, 30, 90, 365)
    assert counts.by_channel[PHONE] == [2, 3, 3, 3]
    assert counts.by_channel[EMAIL] == [0, 1, 3, 3]
    assert counts.by_channel[LETTER] == [0, 0, 0, 1]
    assert counts.by_channel[ContactChannel.VISIT] == [0, 0, 0, 0]
    assert counts.totals == [2, 4, 6, 7]
    assert counts.call_minutes == [30, 60, 60, 60]


@pytest.mark.policy("6.6")
def test_counts_move_with_the_day_they_are_looked_at(log, customer, clock):
    log(EMAIL, clock.now - timedelta(days=6))

    assert contact_counts(customer.id, clock.now).by_channel[EMAIL] == [1, 1, 1, 1]
    a_day_later = clock.now + timedelta(days=1, seconds=1)
    assert contact_counts(customer.id, a_day_later).by_channel[EMAIL] == [0, 1, 1, 1]


@pytest.mark.policy("6.6")
def test_counts_belong_to_one_customer(log, make_customer, clock):
    log(EMAIL, clock.now)
    other = make_customer()

    assert contact_counts(other.id, clock.now).totals == [0, 0, 0, 0]


def test_logging_a_contact_is_audited(log, customer, clock, audit_events):
    log(PHONE, datetime(2026, 11, 23, 9, 0, tzinfo=UTC), 12, inbound=False)

    [event] = audit_events("contact.logged", entity_id=customer.id)
    assert event.after == {
        "channel": "phone",
        "inbound": False,
        "occurred_at": "2026-11-23T09:00:00+00:00",
        "duration_minutes": 12,
    }


# --- Refusal of access for works (§6.8–6.9) ------------------------------------------------


@pytest.fixture
def refuse(colleague, customer, clock):
    def _refuse(works_type, cancel=False, refused_on=date(2026, 11, 20), now=None):
        return record_access_refusal(
            colleague,
            now or clock.now,
            customer,
            works_type,
            refused_on,
            "Gas safety check",
            " SR-4471 ",
            cancel,
        )

    return _refuse


@pytest.mark.policy("6.8")
def test_refusing_access_for_essential_works_is_flagged_for_legal_action(refuse):
    refusal = refuse(WorksType.ESSENTIAL)

    assert refusal.legal_action_flag is True
    assert refusal.service_request_cancelled is False
    assert refusal.service_request_ref == "SR-4471"


@pytest.mark.policy("6.8")
def test_a_request_for_essential_works_cannot_be_cancelled(refuse):
    with pytest.raises(ServiceError) as caught:
        refuse(WorksType.ESSENTIAL, cancel=True)

    assert list(caught.value.errors) == ["cancel_request"]


@pytest.mark.policy("6.9")
def test_refusing_access_for_non_essential_works_may_cancel_the_request(refuse):
    refusal = refuse(WorksType.NON_ESSENTIAL, cancel=True)

    assert refusal.service_request_cancelled is True
    assert refusal.legal_action_flag is False


@pytest.mark.policy("6.9")
def test_a_non_essential_request_is_kept_unless_cancelled(refuse):
    refusal = refuse(WorksType.NON_ESSENTIAL, cancel=False)

    assert (refusal.service_request_cancelled, refusal.legal_action_flag) == (False, False)


@pytest.mark.policy("6.8", "6.9")
def test_a_refusal_today_is_accepted_and_one_tomorrow_is_refused(refuse, clock):
    assert refuse(WorksType.ESSENTIAL, refused_on=date(2026, 11, 23)).refused_on == date(
        2026, 11, 23
    )
    with pytest.raises(ServiceError) as caught:
        refuse(WorksType.ESSENTIAL, refused_on=date(2026, 11, 24))

    assert list(caught.value.errors) == ["refused_on"]


@pytest.mark.policy("6.8")
def test_today_means_today_in_london(refuse):
    # 23:30 UTC on 15 July 2026 is 00:30 BST on 16 July: a refusal that morning is "today".
    refusal = refuse(
        WorksType.ESSENTIAL,
        refused_on=date(2026, 7, 16),
        now=datetime(2026, 7, 15, 23, 30, tzinfo=UTC),
    )

    assert refusal.refused_on == date(2026, 7, 16)


def test_a_refusal_is_audited_and_shown_on_the_record(refuse, customer, clock, audit_events):
    refusal = refuse(WorksType.ESSENTIAL)

    [event] = audit_events("access_refusal.recorded", entity_id=customer.id)
    assert event.after == {
        "works_type": "essential",
        "legal_action_flag": True,
        "service_request_cancelled": False,
    }
    assert customer_record(customer, clock.now, with_history=False).refusals == [refusal]
