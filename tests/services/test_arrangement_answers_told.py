"""When a customer answers an informal arrangement (§8.15) the Panel is told: an in-portal
notice and an email, queued with the answer, to whoever suggested it; the answers the Panel must
act on wait on its home page until it does; the same answer sent twice tells nobody twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import db
from portal.accounts.models import CustomerAccount
from portal.arrangements import notices
from portal.arrangements import queries as arrangement_queries
from portal.arrangements import services as arrangements
from portal.arrangements.models import ArrangementStatus, ResponseChannel
from portal.auth.models import Role
from portal.notifications.models import Notification
from portal.outbox.models import OutboxEmail

PROPOSAL = "Could the calls be on Thursdays? I work on Tuesdays."


@pytest.fixture
def account(app, clock):
    """``account(customer)``: the customer's portal account, signed in to answer."""

    def _account(customer) -> CustomerAccount:
        made = CustomerAccount(
            customer_id=customer.id,
            email=f"{customer.reference.lower()}@customer.example",
            password_hash="not-used",
            activated_at=clock.now,
            password_changed_at=clock.now,
        )
        db.session.add(made)
        db.session.commit()
        return made

    return _account


def _told(user_id: int) -> tuple[list[Notification], list[OutboxEmail]]:
    from portal.auth.models import User

    address = db.session.get(User, user_id).email
    notes = list(db.session.scalars(select(Notification).where(Notification.user_id == user_id)))
    emails = list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == address)))
    return notes, emails


@pytest.mark.policy("8.15")
@pytest.mark.parametrize("answer", ["agree", "decline", "propose_change"])
def test_answering_queues_one_email_and_one_notice_to_who_suggested_it(
    app, clock, make_customer, make_arrangement, account, panel_member, make_staff, answer
):
    other_panel = make_staff(Role.PANEL, name="Other Panel")
    customer = make_customer()
    arrangement = make_arrangement(customer)
    note = PROPOSAL if answer == "propose_change" else ""

    arrangements.record_answer(
        account(customer), clock.now, arrangement, answer, ResponseChannel.PORTAL, note
    )

    notes, emails = _told(panel_member.id)
    assert len(notes) == 1 and len(emails) == 1
    assert customer.name in notes[0].message
    assert notes[0].link == f"/staff/customers/{customer.id}#arrangement-{arrangement.id}"
    assert customer.reference in emails[0].subject
    assert notices.DID[arrangement.status] in emails[0].body_text
    assert notices.DID[arrangement.status] in notes[0].message
    if note:
        assert PROPOSAL in emails[0].body_text
    assert _told(other_panel.id) == ([], [])  # only the person who must act


@pytest.mark.policy("8.15")
def test_an_answer_goes_to_the_whole_panel_when_who_suggested_it_has_left(
    app, clock, make_customer, make_arrangement, account, panel_member, make_staff
):
    other_panel = make_staff(Role.PANEL, name="Other Panel")
    customer = make_customer()
    arrangement = make_arrangement(customer)
    panel_member.active = False
    db.session.commit()

    arrangements.record_answer(
        account(customer), clock.now, arrangement, "decline", ResponseChannel.PORTAL, ""
    )

    assert _told(panel_member.id) == ([], [])
    notes, emails = _told(other_panel.id)
    assert len(notes) == 1 and len(emails) == 1


@pytest.mark.policy("8.15")
def test_an_answer_taken_by_phone_by_who_suggested_it_does_not_tell_them(
    app, clock, make_customer, make_arrangement, panel_member
):
    arrangement = make_arrangement(make_customer())
    arrangements.record_answer(
        panel_member, clock.now, arrangement, "agree", ResponseChannel.PHONE, "Rang at 10."
    )
    assert _told(panel_member.id) == ([], [])


@pytest.mark.policy("8.15")
def test_the_same_change_asked_for_twice_notifies_once(
    app, clock, make_customer, make_arrangement, account, panel_member
):
    customer = make_customer()
    arrangement = make_arrangement(customer)
    mine = account(customer)
    for later in (timedelta(0), timedelta(seconds=3)):
        arrangements.record_answer(
            mine, clock.now + later, arrangement, "propose_change", ResponseChannel.PORTAL, PROPOSAL
        )
        db.session.commit()

    notes, emails = _told(panel_member.id)
    assert len(notes) == 1 and len(emails) == 1
    assert arrangement.responded_at == clock.now  # the first answer stands

    # A different change is a new answer, and the Panel hears of it.
    arrangements.record_answer(
        mine,
        clock.now + timedelta(days=1),
        arrangement,
        "propose_change",
        ResponseChannel.PORTAL,
        "Fridays, please.",
    )
    notes, emails = _told(panel_member.id)
    assert len(notes) == 2 and len(emails) == 2


@pytest.mark.policy("8.15")
def test_the_same_agreement_sent_twice_notifies_once(
    app, clock, make_customer, make_arrangement, account, panel_member
):
    from portal.errors import Conflict

    customer = make_customer()
    arrangement = make_arrangement(customer)
    mine = account(customer)
    arrangements.record_answer(mine, clock.now, arrangement, "agree", ResponseChannel.PORTAL, "")
    db.session.commit()
    with pytest.raises(Conflict):
        arrangements.record_answer(
            mine, clock.now, arrangement, "agree", ResponseChannel.PORTAL, ""
        )
    db.session.rollback()

    notes, emails = _told(panel_member.id)
    assert len(notes) == 1 and len(emails) == 1


@pytest.mark.policy("8.15")
def test_an_answer_to_act_on_is_listed_until_the_panel_acts(
    app, clock, make_customer, make_arrangement, account, panel_member
):
    asked, declined, agreed = (make_customer() for _ in range(3))
    by_customer = {c.id: make_arrangement(c) for c in (asked, declined, agreed)}
    for customer, answer, note in (
        (asked, "propose_change", PROPOSAL),
        (declined, "decline", ""),
        (agreed, "agree", ""),
    ):
        arrangements.record_answer(
            account(customer),
            clock.now,
            by_customer[customer.id],
            answer,
            ResponseChannel.PORTAL,
            note,
        )
    db.session.commit()

    total, answers = arrangement_queries.waiting_for_staff()
    assert total == 2
    assert {a.customer_id: a.asks_for_change for a in answers} == {
        asked.id: True,
        declined.id: False,
    }
    assert next(a.proposal for a in answers if a.asks_for_change) == PROPOSAL

    # The Panel acts: records the customer's agreement to the changed terms, ends the other.
    arrangements.record_answer(
        panel_member, clock.now, by_customer[asked.id], "agree", ResponseChannel.PHONE, ""
    )
    arrangements.end(panel_member, clock.now, by_customer[declined.id], "Moving to a warning.")
    db.session.commit()

    assert arrangement_queries.waiting_for_staff() == (0, [])
    assert by_customer[agreed.id].status == ArrangementStatus.AGREED
