"""An informal arrangement (§8.15) answered or ended by several people at the same instant: the
customer in two tabs, the customer online while the Panel records their answer from a phone
call, two Panel members ending it. One answer is recorded; everyone else is told."""

from __future__ import annotations

import pytest

from portal import db
from portal.accounts import services as accounts
from portal.arrangements import services as arrangements
from portal.arrangements.models import Arrangement, ArrangementStatus, ResponseChannel
from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.errors import Conflict
from tests.concurrency.conftest import Browser, N, one_winner, prepared, race
from tests.factories import PASSWORD

pytestmark = pytest.mark.concurrency


def _answers(arrangement_id: int) -> int:
    db.session.rollback()
    db.session.expire_all()
    return len(
        db.session.scalars(
            AuditEvent.__table__.select().where(
                AuditEvent.action == "arrangement.answered",
                AuditEvent.entity_id == arrangement_id,
            )
        ).all()
    )


def _status(arrangement_id: int) -> ArrangementStatus:
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(Arrangement, arrangement_id).status


@pytest.fixture
def customer_browser(live, clock, make_customer, make_staff):
    """The customer, signed in to the portal through the form, and their record."""
    customer = make_customer()
    _record, code = accounts.issue_access_code(make_staff(Role.CEM), clock.now, customer)
    accounts.activate(customer.reference, code, "cust@test.example", PASSWORD, clock.now)
    db.session.commit()

    def _browser() -> Browser:
        browser = live.browser()
        signed = browser.post("/sign-in", {"email": "cust@test.example", "password": PASSWORD})
        assert signed.status == 303, signed.text[:300]
        return browser

    return customer, _browser


@pytest.mark.policy("8.15")
def test_a_customer_answering_in_several_tabs_at_once_gives_one_answer(
    customer_browser, make_arrangement
):
    customer, browser = customer_browser
    arrangement = make_arrangement(customer)
    path = f"/arrangements/{arrangement.id}"
    tabs = [browser() for _ in range(N)]

    answers = race([prepared(tab, path, {"answer": "agree"}) for tab in tabs])

    one_winner(answers)
    assert _status(arrangement.id) == ArrangementStatus.AGREED
    assert _answers(arrangement.id) == 1


@pytest.mark.policy("8.15")
def test_the_customer_online_and_the_panel_by_phone_at_once_give_one_answer(
    customer_browser, make_arrangement, make_staff, signed_in
):
    customer, browser = customer_browser
    arrangement = make_arrangement(customer)
    online = browser()
    panel = [signed_in(make_staff(Role.PANEL, name=f"Pat Panel {n}")) for n in range(N - 1)]
    staff_path = f"/staff/arrangements/{arrangement.id}/answer"
    sends = [prepared(online, f"/arrangements/{arrangement.id}", {"answer": "decline"})]
    sends += [
        prepared(p, staff_path, {"answer": "agree", "channel": "phone", "note": "Rang at 10."})
        for p in panel
    ]

    answers = race(sends)

    one_winner(answers)
    assert _answers(arrangement.id) == 1
    winner = answers.index(next(a for a in answers if a.status == 303))
    expected = ArrangementStatus.DECLINED if winner == 0 else ArrangementStatus.AGREED
    assert _status(arrangement.id) == expected
    for answer in answers:
        if answer.status == 409 and answer is not answers[0]:
            assert "Rang at 10." in answer.text  # what the colleague typed is shown back


@pytest.mark.policy("8.15")
def test_two_panel_members_ending_an_arrangement_at_once_end_it_once(
    live, make_customer, make_arrangement, make_staff, signed_in
):
    arrangement = make_arrangement(make_customer())
    panel = [signed_in(make_staff(Role.PANEL, name=f"Pat Panel {n}")) for n in range(N)]
    path = f"/staff/arrangements/{arrangement.id}/end"

    answers = race([prepared(p, path, {"reason": "Things have settled."}) for p in panel])

    one_winner(answers)
    assert _status(arrangement.id) == ArrangementStatus.ENDED


@pytest.mark.policy("8.15")
def test_an_answer_sent_again_after_it_was_recorded_is_a_conflict(
    app, clock, make_customer, make_arrangement, panel_member
):
    arrangement = make_arrangement(make_customer())
    arrangements.record_answer(
        panel_member, clock.now, arrangement, "agree", ResponseChannel.PHONE, ""
    )
    db.session.commit()
    stale = db.session.get(Arrangement, arrangement.id)
    stale.status = ArrangementStatus.AWAITING_CUSTOMER  # what the second tab still shows

    with pytest.raises(Conflict) as caught:
        arrangements.record_answer(
            panel_member, clock.now, stale, "decline", ResponseChannel.PHONE, ""
        )
    assert "already recorded: agreed" in str(caught.value)
    db.session.rollback()
    assert _status(arrangement.id) == ArrangementStatus.AGREED


@pytest.mark.policy("8.5")
def test_colleagues_ending_an_alert_at_once_end_it_once(
    live, clock, make_customer, make_staff, signed_in
):
    from portal.customers.models import Alert
    from portal.customers.services import raise_alert

    managers = [make_staff(Role.LINE_MANAGER, name=f"Lin Manager {n}") for n in range(N)]
    customer = make_customer()
    alert = raise_alert(managers[0], clock.now, customer, "Has a dog that bites", "Call first.")
    db.session.commit()
    browsers = [signed_in(manager) for manager in managers]
    path = f"/staff/customers/{customer.id}/alerts/{alert.id}/end"

    answers = race(
        [prepared(b, path, {"reason": "The dog has gone."}, token_from=path) for b in browsers]
    )

    _winner, losers = one_winner(answers)
    assert all("This alert has already ended" in loser.text for loser in losers)
    db.session.rollback()
    db.session.expire_all()
    ended = db.session.get(Alert, alert.id)
    assert ended.ended_at is not None
    assert (
        len(
            db.session.scalars(
                AuditEvent.__table__.select().where(AuditEvent.action == "alert.ended")
            ).all()
        )
        == 1
    )
