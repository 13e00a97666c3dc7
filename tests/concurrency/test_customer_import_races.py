"""Two housing system imports at once (issue 15): the second is told an import is running, or
waits its turn and then finds every customer already there; nobody is added twice."""

from __future__ import annotations

import pytest

from portal import db
from portal.audit.models import AuditEvent
from portal.audit.services import verify_chain
from portal.auth.models import Role, User
from portal.customers.importing import ImportRunning, import_customers
from portal.customers.models import Customer
from tests.concurrency.conftest import committed, race

pytestmark = pytest.mark.concurrency

ROWS = 300
FILE = (
    "housing_ref,forename,surname,customer_type\n"
    + "".join(f"R{i:04d},Pat,Race{i},tenant\n" for i in range(ROWS))
).encode()


def test_two_imports_at_once_add_each_customer_once(app, live, make_staff, clock):
    admin_id = make_staff(Role.ADMIN).id
    db.session.commit()

    def send():
        with app.app_context():
            try:
                report = import_customers(
                    db.session.get(User, admin_id),
                    clock.now,
                    FILE,
                    languages=app.config["LANGUAGES"],
                )
                db.session.commit()
                return (report.created, report.unchanged)
            except ImportRunning:
                db.session.rollback()
                return "running"
            finally:
                db.session.remove()

    answers = race([send, send])

    assert sorted(answers, key=str) in (
        [(0, ROWS), (ROWS, 0)],
        [(ROWS, 0), "running"],
    ), answers
    assert committed(Customer) == ROWS
    assert committed(AuditEvent, AuditEvent.action == "customer.created") == ROWS
    assert verify_chain() == (True, None)
