"""Warning and arrangement letters go only a way that reaches the customer, and record how and
when they went (issue 16, point 8; §8.9, §8.15).

In the portal they need an active account, by email an address to email, by post a postal
address; by hand always works. In the portal or by email the customer is also emailed that the
letter is there; by post or by hand nobody is emailed. A refusal writes nothing.
"""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import func, select

from portal import db
from portal.arrangements import services as arrangements
from portal.arrangements.models import Arrangement, TermKind
from portal.audit.models import AuditEvent
from portal.conduct_warnings.models import ConductWarning
from portal.conduct_warnings.services import issue_warning
from portal.errors import ServiceError
from portal.letters.delivery import Delivery, sent_line
from portal.letters.models import Letter
from portal.outbox.models import OutboxEmail
from portal.timeutil import add_months
from tests.restriction_factories import make_reachable

# What the refusal says for each way, when the customer can be reached some other way.
CANNOT = {
    Delivery.PORTAL: "has no portal account",
    Delivery.EMAIL: "no email address",
    Delivery.POST: "no postal address",
}
ONLY_BY_HAND = "can only be given to them by hand"


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def _written() -> tuple[int, ...]:
    return tuple(_count(m) for m in (ConductWarning, Arrangement, Letter, OutboxEmail))


def _emails() -> list[OutboxEmail]:
    return list(db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


def _other_way(delivery: Delivery) -> Delivery:
    """A way other than ``delivery`` that needs something on the record (so the customer is
    reachable, just not by ``delivery``)."""
    return Delivery.POST if delivery != Delivery.POST else Delivery.EMAIL


@pytest.fixture
def reviewed(make_customer, make_incident, review_incident, clock):
    """``reviewed(*ways)``: an incident the Panel decided on a warning for, its customer
    reachable each of ``ways``."""

    def _make(*ways: Delivery):
        customer = make_customer()
        for way in ways:
            make_reachable(customer, way, clock.now)
        incident = make_incident(customer)
        review_incident(incident, clock.now)
        return incident

    return _make


@pytest.fixture
def warn(panel_member, clock):
    def _warn(incident, delivery):
        warning = issue_warning(panel_member, clock.now, incident, delivery)
        db.session.commit()
        return warning

    return _warn


def _refused(call) -> ServiceError:
    with pytest.raises(ServiceError) as refused:
        call()
    db.session.rollback()
    return refused.value


@pytest.fixture
def suggest(panel_member, clock):
    """``suggest(customer, delivery)``: the Panel approves an arrangement sent ``delivery``."""

    def _suggest(customer, delivery):
        terms = [
            arrangements.TermInput(
                kind=TermKind.CALL_TIME, weekday=1, starts_at=time(10), ends_at=time(11)
            )
        ]
        arrangement = arrangements.approve(
            panel_member,
            clock.now,
            customer,
            "Calls at a set time keep things calm.",
            terms,
            add_months(clock.now.date(), 3),
            delivery,
        )
        db.session.commit()
        return arrangement

    return _suggest


# --- warnings (§8.9) ---------------------------------------------------------------------------


@pytest.mark.policy("8.9")
@pytest.mark.parametrize("delivery", [Delivery.PORTAL, Delivery.EMAIL, Delivery.POST])
def test_point8_a_warning_is_refused_a_way_that_cannot_reach_and_nothing_is_written(
    reviewed, panel_member, clock, delivery
):
    incident = reviewed(_other_way(delivery))
    before = _written()
    refused = _refused(lambda: issue_warning(panel_member, clock.now, incident, delivery))
    assert CANNOT[delivery] in refused.errors["delivery"]
    assert list(refused.errors) == ["delivery"]
    assert _written() == before


@pytest.mark.policy("8.9")
@pytest.mark.parametrize("delivery", list(Delivery))
def test_point8_a_warning_sent_a_way_that_reaches_records_how_and_when(
    reviewed, warn, clock, delivery
):
    warning = warn(reviewed(delivery), delivery)
    assert warning.delivery == delivery
    assert warning.sent_at == clock.now == warning.issued_at


@pytest.mark.policy("8.9")
@pytest.mark.parametrize("delivery", [Delivery.PORTAL, Delivery.EMAIL])
def test_point8_a_warning_in_the_portal_or_by_email_tells_the_customer(reviewed, warn, delivery):
    warning = warn(reviewed(delivery), delivery)
    [email] = _emails()
    assert email.subject == "We have sent you a letter"
    assert email.dedupe_key == f"letter:{warning.letter_id}:told"
    assert f"/letters/{warning.letter_id}" in email.body_text
    assert email.to_address.endswith(
        "@portal.test" if delivery == Delivery.PORTAL else "@customer.test"
    )


@pytest.mark.policy("8.9")
@pytest.mark.parametrize("delivery", [Delivery.POST, Delivery.HAND])
def test_point8_a_warning_by_post_or_by_hand_emails_nobody(reviewed, warn, delivery):
    # Reachable by email too: still, a letter posted or handed over is not emailed.
    warn(reviewed(delivery, Delivery.EMAIL), delivery)
    assert _emails() == []


@pytest.mark.policy("8.9")
@pytest.mark.parametrize("delivery", [Delivery.PORTAL, Delivery.EMAIL, Delivery.POST])
def test_point8_a_customer_nothing_reaches_is_told_plainly_and_by_hand_still_works(
    reviewed, warn, panel_member, clock, delivery
):
    incident = reviewed()
    refused = _refused(lambda: issue_warning(panel_member, clock.now, incident, delivery))
    assert ONLY_BY_HAND in refused.errors["delivery"]
    assert "Record their address or email" in refused.errors["delivery"]
    assert _count(ConductWarning) == 0
    assert warn(incident, Delivery.HAND).delivery == Delivery.HAND


@pytest.mark.policy("8.9")
def test_point8_a_warning_without_a_way_chosen_is_refused(reviewed, panel_member, clock):
    incident = reviewed(Delivery.POST)
    refused = _refused(lambda: issue_warning(panel_member, clock.now, incident, None))
    assert refused.errors == {"delivery": "Choose how the letter is sent"}
    assert _count(ConductWarning) == 0


@pytest.mark.policy("8.9")
def test_point8_the_audit_entry_says_how_and_when_the_warning_went(reviewed, warn):
    warning = warn(reviewed(Delivery.POST), Delivery.POST)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "warning.issued"))
    assert event.summary.endswith(". Sent by post on 23 November 2026")
    assert event.after["delivery"] == "post"
    assert warning.sent_line == "Sent by post on 23 November 2026"


# --- arrangements (§8.15) ----------------------------------------------------------------------


@pytest.mark.policy("8.15")
@pytest.mark.parametrize("delivery", [Delivery.PORTAL, Delivery.EMAIL, Delivery.POST])
def test_point8_an_arrangement_is_refused_a_way_that_cannot_reach(
    make_customer, suggest, clock, delivery
):
    customer = make_customer()
    make_reachable(customer, _other_way(delivery), clock.now)
    before = _written()
    refused = _refused(lambda: suggest(customer, delivery))
    assert CANNOT[delivery] in refused.errors["delivery"]
    assert _written() == before


@pytest.mark.policy("8.15")
def test_point8_an_arrangement_gives_every_problem_at_once_and_writes_nothing(
    make_customer, panel_member, clock
):
    refused = _refused(
        lambda: arrangements.approve(
            panel_member, clock.now, make_customer(), "", [], clock.now.date(), Delivery.POST
        )
    )
    assert {"kinds", "summary", "review_on", "delivery"} <= set(refused.errors)
    assert ONLY_BY_HAND in refused.errors["delivery"]
    assert _written() == (0, 0, 0, 0)


@pytest.mark.policy("8.15")
@pytest.mark.parametrize("delivery", list(Delivery))
def test_point8_an_arrangement_sent_a_way_that_reaches_records_how_and_when(
    make_customer, suggest, clock, delivery
):
    customer = make_customer()
    make_reachable(customer, delivery, clock.now)
    arrangement = suggest(customer, delivery)
    assert (arrangement.delivery, arrangement.sent_at) == (delivery, clock.now)
    emailed = delivery in (Delivery.PORTAL, Delivery.EMAIL)
    assert [e.dedupe_key for e in _emails()] == (
        [f"letter:{arrangement.letter_id}:told"] if emailed else []
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "arrangement.approved"))
    assert event.summary.endswith(sent_line(delivery, clock.now))
    assert event.after["delivery"] == delivery.value


@pytest.mark.policy("8.15")
def test_point8_an_arrangement_for_a_customer_nothing_reaches_goes_by_hand(make_customer, suggest):
    customer = make_customer()
    assert ONLY_BY_HAND in _refused(lambda: suggest(customer, Delivery.POST)).errors["delivery"]
    assert suggest(customer, Delivery.HAND).sent_line.startswith("Given by hand on ")


def test_point8_letters_sent_before_the_delivery_step_say_nothing_of_it(app, clock):
    assert sent_line(None, None) == ""
    assert sent_line(Delivery.EMAIL, None) == ""
    assert sent_line(Delivery.PORTAL, clock.now) == (
        "Sent in the customer portal on 23 November 2026"
    )
