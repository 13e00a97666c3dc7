"""A customer and the Customer Experience Manager saving the customer's equality answers at
the same instant (§11.1, §12.1): one save wins, the other is told and shown the answers as
they now are, and nothing the winner saved is lost or mixed with the other's."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal import db
from portal.accounts import services as accounts
from portal.accounts.models import CustomerAccount
from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.equality import services
from portal.equality.models import ConsentMethod, EqualityRecord
from tests.concurrency.conftest import committed, prepared, race

pytestmark = pytest.mark.concurrency

PASSWORD = "a long enough password"
ROUNDS = 3


@pytest.fixture
def customer_browser(live, clock, make_customer):
    customer = make_customer(forename="Rana", surname="Racer")
    db.session.add(
        CustomerAccount(
            customer_id=customer.id,
            email="racer@test.example",
            password_hash=accounts.hash_password(PASSWORD),
            activated_at=clock.now,
            password_changed_at=clock.now,
        )
    )
    db.session.commit()
    browser = live.browser()
    answer = browser.post("/sign-in", {"email": "racer@test.example", "password": PASSWORD})
    assert answer.status == 303, answer.text[:300]
    return customer, browser


def _fresh(customer_id: int) -> EqualityRecord:
    committed(EqualityRecord)  # a fresh read of what the server committed
    return db.session.scalar(
        select(EqualityRecord).where(EqualityRecord.customer_id == customer_id)
    )


@pytest.mark.policy("11.1")
@pytest.mark.policy("12.1")
def test_the_customer_and_the_cem_saving_at_once(
    live, signed_in, make_staff, clock, customer_browser
):
    customer, mine = customer_browser
    cem = make_staff(Role.CEM, name="Cem Racer")
    services.save(
        cem,
        clock.now,
        customer,
        None,
        services.EqualityAnswers(True, date(2026, 11, 2), ConsentMethod.IN_PERSON, {}),
    )
    db.session.commit()
    theirs = signed_in(cem)
    staff_page = f"/staff/customers/{customer.id}/equality"

    for n in range(ROUNDS):
        version = str(n + 1)
        customer_sends = prepared(
            mine,
            "/equality",
            {"version": version, "consent_given": "yes", "sex": ("female", "male")[n % 2]},
        )
        cem_sends = prepared(
            theirs,
            staff_page,
            {
                "version": version,
                "consent_given": "yes",
                "consent_on": "2026-11-02",
                "consent_method": "in_person",
                "disability": ("yes", "no")[n % 2],
            },
        )

        said_by_customer, said_to_cem = race([customer_sends, cem_sends])

        statuses = sorted([said_by_customer.status, said_to_cem.status])
        assert statuses == [303, 409], (said_by_customer.text[:300], said_to_cem.text[:300])
        found = _fresh(customer.id)
        assert found.version == n + 2
        if said_by_customer.status == 303:
            # The customer's whole save, nothing of the CEM's: the CEM is told and shown it.
            assert found.recorded_by_id is None and found.sex == ("female", "male")[n % 2]
            assert "Someone else saved these answers" in said_to_cem.text
        else:
            assert found.recorded_by_id == cem.id
            assert found.disability == ("yes", "no")[n % 2]
            assert "Our team changed your answers" in said_by_customer.text
            assert f'name="version" type="hidden" value="{n + 2}"' in said_by_customer.text

    saves = committed(AuditEvent, AuditEvent.action == services.RECORDED)
    assert saves == 1 + ROUNDS  # the first record, then one save a round
