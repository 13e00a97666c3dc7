"""Two colleagues recording a customer's first reasonable adjustments at the same instant, and
one colleague's form sent twice (§12.1): one save wins, the other is told (409) with what they
typed kept on the page, and the customer has one record holding exactly the winner's values."""

from __future__ import annotations

import pytest

from portal import db
from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.customers.adjustments import CustomerAdjustments, for_customer
from tests.concurrency.conftest import committed, one_winner, prepared, race

pytestmark = pytest.mark.concurrency

FIRST = {
    "formats": ["large_print"],
    "interpreter_language": "",
    "contact_way": "phone",
    "contact_time": "Mornings",
    "other": "",
    "version": "0",
}
SECOND = {**FIRST, "formats": ["braille"], "contact_time": "Evenings"}


def _changes(customer_id: int) -> int:
    return committed(
        AuditEvent,
        AuditEvent.action == "customer.adjustments_changed",
        AuditEvent.entity_id == customer_id,
    )


@pytest.mark.policy("12.1")
def test_two_colleagues_recording_the_first_adjustments_at_once(
    live, signed_in, make_staff, make_customer
):
    customer = make_customer()
    db.session.commit()
    page = f"/staff/customers/{customer.id}/adjustments"
    one = signed_in(make_staff(Role.COLLEAGUE, name="First Racer"))
    other = signed_in(make_staff(Role.COLLEAGUE, name="Second Racer"))

    _winner, [loser] = one_winner(race([prepared(one, page, FIRST), prepared(other, page, SECOND)]))

    assert "Someone else saved these adjustments" in loser.text
    assert committed(CustomerAdjustments, CustomerAdjustments.customer_id == customer.id) == 1
    kept = for_customer(customer.id)
    assert kept.version == 1
    saved = (kept.large_print, kept.braille, kept.contact_time)
    assert saved in {(True, False, "Mornings"), (False, True, "Evenings")}  # one whole form
    lost_time = "Evenings" if saved[2] == "Mornings" else "Mornings"
    assert lost_time in loser.text  # what the other typed is still on their page
    assert _changes(customer.id) == 1


@pytest.mark.policy("12.1")
def test_one_form_sent_twice_saves_once(live, signed_in, make_staff, make_customer):
    customer = make_customer()
    db.session.commit()
    page = f"/staff/customers/{customer.id}/adjustments"
    me = signed_in(make_staff(Role.COLLEAGUE, name="Double Clicker"))
    send = prepared(me, page, FIRST)

    one_winner(race([send, send]))

    assert committed(CustomerAdjustments, CustomerAdjustments.customer_id == customer.id) == 1
    assert for_customer(customer.id).version == 1
    assert _changes(customer.id) == 1
