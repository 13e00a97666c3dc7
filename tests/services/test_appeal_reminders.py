"""Reminders for appeal steps due soon or overdue, queued in the outbox."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from portal import db
from portal.appeals import services as appeals
from portal.appeals.reminders import queue_reminders
from portal.auth.models import Role, UserRole
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


# --- GLT steps go only to GLT members who may decide the appeal ----------------------------------

# Referred to GLT on Mon 22 Mar 2027: the review is due 10 working days later, Wed 7 Apr (Good
# Friday and Easter Monday left out), so it is overdue on Thu 8 Apr.
REFERRED = datetime(2027, 3, 22, 9, tzinfo=UTC)
REVIEW_OVERDUE = datetime(2027, 4, 8, 8, tzinfo=UTC)


@pytest.fixture
def with_glt(appeal, cem):
    appeals.acknowledge(cem, REFERRED, appeal)
    appeals.refer_to_glt(cem, REFERRED, appeal)
    db.session.commit()
    assert appeals.clock(appeal).step("glt_review").due.isoformat() == "2027-04-07"
    return appeal


@pytest.mark.policy("9.3")
def test_glt_review_reminders_go_only_to_glt_members_who_may_decide_the_appeal(
    with_glt, make_staff, panel_member, glt_member, cem
):
    # The restriction was requested by ``panel_member`` and decided by ``glt_member``.
    panel_member.role_links.append(UserRole(role=Role.GLT))  # a requester who is also on GLT
    free = make_staff(Role.GLT, name="Fay Free", email="free@test.example")
    make_staff(Role.GLT, name="Ina Active", email="gone@test.example", active=False)
    db.session.commit()
    assert not appeals.may_decide(glt_member, with_glt)
    assert not appeals.may_decide(panel_member, with_glt)
    assert appeals.may_decide(free, with_glt)

    assert queue_reminders(REVIEW_OVERDUE, "https://portal.example") == 1
    [email] = _emails()
    assert email.to_address == "free@test.example"
    assert email.subject == f"Appeal {with_glt.reference}: GLT reviews the appeal is overdue"
    assert "was due on Wednesday 7 April 2027" in email.body_text
    assert f"https://portal.example/staff/appeals/{with_glt.id}" in email.body_text
    assert "no GLT member" not in email.body_text.lower()


@pytest.mark.policy("9.3")
def test_when_no_glt_member_may_decide_the_cem_is_told_instead(
    with_glt, make_staff, glt_member, cem
):
    # The only GLT member decided the restriction, so may not decide the appeal against it.
    make_staff(Role.CEM, name="Cy Second", email="cem2@test.example")
    assert not appeals.may_decide(glt_member, with_glt)

    due_soon = datetime(2027, 4, 6, 8, tzinfo=UTC)  # the review is due the next working day
    assert queue_reminders(due_soon) == 2
    assert queue_reminders(due_soon) == 0  # once
    emails = _emails()
    assert sorted(e.to_address for e in emails) == ["cem2@test.example", "cem@test.example"]
    assert glt_member.email not in [e.to_address for e in emails]
    for email in emails:
        assert email.subject == f"Appeal {with_glt.reference}: no GLT member may decide it"
        assert "GLT reviews the appeal" in email.body_text
        assert "is due on Wednesday 7 April 2027" in email.body_text
        assert "No active member of the Group Leadership Team may decide this appeal" in (
            email.body_text
        )
    # Overdue: the CEM is told again each working day until someone decides it.
    assert queue_reminders(REVIEW_OVERDUE) == 2
    assert "is overdue" not in _emails()[-1].subject  # the subject says why it came to the CEM
    assert "was due on Wednesday 7 April 2027" in _emails()[-1].body_text
