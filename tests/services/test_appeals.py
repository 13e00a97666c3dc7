"""Appeals through the services: lodging, the CEM's steps and GLT's decision (§9.1–9.4)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal import db
from portal.appeals import services as appeals
from portal.appeals.models import Appeal, AppealChannel, AppealOutcome, AppealStatus
from portal.auth.models import Role
from portal.errors import NotAllowed, ServiceError
from portal.letters.models import Letter
from portal.restrictions.models import RestrictionKind, RestrictionStatus
from tests.restriction_factories import spec


@pytest.fixture
def cem(make_staff):
    return make_staff(Role.CEM, name="Cara Experience")


@pytest.fixture
def other_glt(make_staff):
    return make_staff(Role.GLT, name="Otto Leader")


@pytest.fixture
def notified(restriction_in_force, clock):
    """A restriction notified in the portal on Fri 19 Mar 2027 (appeal by Tue 20 Apr 2027)."""
    clock.now = datetime(2027, 3, 19, 10, tzinfo=UTC)
    return restriction_in_force(now=clock.now)


def _draft(now, restriction, grounds="The decision was based on a mistaken report."):
    appeal = appeals.start_draft(now, restriction)
    appeals.save_answers(now, appeal, appeals.Answers(grounds=grounds))
    db.session.commit()
    return appeal


@pytest.mark.policy("9.1")
def test_the_deadline_comes_from_the_decision_letter(notified):
    assert notified.appeal_deadline == date(2027, 4, 20)
    appeal = appeals.start_draft(notified.approved_at, notified)
    assert appeal.deadline == date(2027, 4, 20)


@pytest.mark.policy("9.1")
def test_lodging_twice_with_the_same_key_creates_one_appeal(notified, clock):
    appeal = _draft(clock.now, notified)
    account = notified.customer  # stands in for the customer's account as the actor
    appeals.lodge(account, clock.now, appeal, "key-1")
    again = appeals.lodge(account, clock.now, appeal, "key-1")
    db.session.commit()
    assert again.id == appeal.id
    assert db.session.scalar(select(func.count(Appeal.id))) == 1
    with pytest.raises(ServiceError):
        appeals.lodge(account, clock.now, appeal, "key-2")


@pytest.mark.policy("9.2")
def test_a_late_appeal_needs_a_reason_and_the_cem_decides(notified, clock, cem):
    appeal = _draft(clock.now, notified)
    late_moment = datetime(2027, 4, 20, 23, 0, tzinfo=UTC)  # 00:00 BST on 21 Apr
    with pytest.raises(ServiceError) as refused:
        appeals.lodge(notified.customer, late_moment, appeal, "k")
    assert "late_reason" in refused.value.errors
    db.session.rollback()
    appeals.save_answers(late_moment, appeal, appeals.Answers(late_reason="I was in hospital."))
    appeals.lodge(notified.customer, late_moment, appeal, "k")
    assert appeal.late
    with pytest.raises(ServiceError):
        appeals.acknowledge(cem, late_moment, appeal)
    appeals.decide_late(cem, late_moment, appeal, True, "Hospital stay is a good reason.")
    appeals.acknowledge(cem, late_moment, appeal)
    assert appeal.status == AppealStatus.ACKNOWLEDGED


@pytest.mark.policy("9.2")
def test_in_time_on_the_last_day_in_london(notified, clock):
    appeal = _draft(clock.now, notified)
    appeals.lodge(notified.customer, datetime(2027, 4, 20, 22, 59, tzinfo=UTC), appeal, "k")
    assert not appeal.late


@pytest.mark.policy("9.2")
def test_a_refused_late_appeal_is_explained_in_writing(notified, clock, cem):
    appeal = _draft(clock.now, notified)
    appeals.save_answers(clock.now, appeal, appeals.Answers(late_reason="Forgot."))
    moment = datetime(2027, 5, 10, 10, tzinfo=UTC)
    appeals.lodge(notified.customer, moment, appeal, "k")
    appeals.decide_late(cem, moment, appeal, False, "No reason was given that stopped you.")
    assert appeal.status == AppealStatus.NOT_ACCEPTED
    letter = db.session.get(Letter, appeal.late_letter_id)
    assert "decided not to accept the late appeal" in letter.body_html


@pytest.mark.policy("9.2")
def test_staff_lodge_on_a_customers_behalf_recording_channel_and_helper(notified, clock, cem):
    appeal = _draft(clock.now, notified)
    appeals.lodge(
        cem,
        clock.now,
        appeal,
        "k",
        channel=AppealChannel.PHONE,
        received_at=clock.now - timedelta(hours=1),
        helped_by="Interpreter from Language Line (Urdu)",
    )
    assert appeal.lodged_by_staff_id == cem.id
    assert appeal.channel == AppealChannel.PHONE
    assert "Language Line" in appeal.helped_by


@pytest.mark.policy("9.1")
@pytest.mark.policy("9.3")
@pytest.mark.policy("9.4")
def test_the_whole_appeal_over_easter(notified, clock, cem, glt_member, other_glt):
    appeal = _draft(clock.now, notified)
    received = datetime(2027, 3, 19, 11, tzinfo=UTC)
    appeals.lodge(notified.customer, received, appeal, "k")
    steps = appeals.clock(appeal)
    assert steps.step("acknowledge").due == date(2027, 3, 23)
    assert steps.step("to_glt").due == date(2027, 3, 30)

    ack = appeals.acknowledge(cem, datetime(2027, 3, 22, 9, tzinfo=UTC), appeal)
    assert appeal.expected_outcome_on == date(2027, 4, 20)
    assert "Tuesday 20 April 2027" in db.session.get(Letter, ack.id).body_html

    appeals.refer_to_glt(cem, datetime(2027, 3, 24, 9, tzinfo=UTC), appeal)
    assert appeals.clock(appeal).step("glt_review").due == date(2027, 4, 9)

    # glt_member approved the restriction: they may not decide the appeal.
    assert not appeals.may_decide(glt_member, appeal)
    with pytest.raises(NotAllowed):
        appeals.glt_decide(glt_member, clock.now, appeal, AppealOutcome.OVERTURNED, "Reasons.")
    appeals.glt_decide(
        other_glt,
        datetime(2027, 4, 6, 9, tzinfo=UTC),
        appeal,
        AppealOutcome.OVERTURNED,
        "The report it rested on was mistaken.",
    )
    assert notified.status == RestrictionStatus.ENDED
    assert appeal.cem_notified_on == date(2027, 4, 6)

    outcome = appeals.send_outcome(cem, datetime(2027, 4, 8, 9, tzinfo=UTC), appeal)
    assert appeal.status == AppealStatus.CLOSED
    assert "there is no further appeal" in db.session.get(Letter, outcome.id).body_html
    tell = appeals.clock(appeal).step("tell_customer")
    assert tell.due == date(2027, 4, 13) and tell.done_on == date(2027, 4, 8)


@pytest.mark.policy("9.3")
def test_the_panel_member_who_requested_may_not_decide_even_with_glt_role(
    notified, clock, cem, panel_member
):
    from portal.auth.models import UserRole

    panel_member.role_links.append(UserRole(role=Role.GLT))
    db.session.commit()
    appeal = _draft(clock.now, notified)
    appeals.lodge(notified.customer, clock.now, appeal, "k")
    appeals.acknowledge(cem, clock.now, appeal)
    appeals.refer_to_glt(cem, clock.now, appeal)
    assert not appeals.may_decide(panel_member, appeal)


@pytest.mark.policy("9.3")
def test_a_varied_restriction_replaces_the_old_one(notified, clock, cem, other_glt):
    appeal = _draft(clock.now, notified)
    appeals.lodge(notified.customer, clock.now, appeal, "k")
    appeals.acknowledge(cem, clock.now, appeal)
    appeals.refer_to_glt(cem, clock.now, appeal)
    variation = spec(date(2027, 3, 19), kind=RestrictionKind.SET_TIMES, schedule="Tue 10–11")
    appeals.glt_decide(
        other_glt, clock.now, appeal, AppealOutcome.VARIED, "Less strict.", variation
    )
    assert notified.status == RestrictionStatus.REPLACED


def test_only_the_cem_runs_the_steps(notified, clock, panel_member):
    appeal = _draft(clock.now, notified)
    appeals.lodge(notified.customer, clock.now, appeal, "k")
    with pytest.raises(NotAllowed):
        appeals.acknowledge(panel_member, clock.now, appeal)
