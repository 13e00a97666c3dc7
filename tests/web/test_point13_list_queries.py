"""Issue 13 point 6, "no N+1 anywhere": the staff and customer list pages not measured in
test_queries.py, each with one row of its list and then a hundred (each row by a different
member of staff, about a different customer where the list has several)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal import db
from portal.auth.models import Role
from tests.web import test_customer_home as home_tests
from tests.web import test_queries as counted
from tests.web.test_queries import HUNDRED, ONE, _copy, assert_same_for_few_and_many

SIZES = (ONE, HUNDRED)


@pytest.fixture
def restrictions_due(restriction_in_force, make_customer, make_staff, clock):
    """``grow(n)``: n restrictions in force whose review is due within the fortnight, each on
    a different customer, made from a different request by a different member of staff (the
    first through every step, the rest copies of its rows)."""
    from portal.restrictions.models import Restriction, RestrictionRequest

    made: list[int] = []

    def grow(n: int):
        if not made:
            made.append(restriction_in_force(review_on=clock.now.date() + timedelta(days=5)).id)
        first = db.session.get(Restriction, made[0])
        while len(made) < n:
            k = len(made)
            customer = make_customer(forename="Reviewed", surname=f"Person{k:03d}")
            asker = make_staff(Role.PANEL, name=f"Asker {k}")
            request_id = _copy(
                RestrictionRequest,
                first.request_id,
                customer_id=customer.id,
                requested_by_id=asker.id,
                reference=f"RQ-R-{k}",
            )
            made.append(
                _copy(
                    Restriction,
                    first.id,
                    customer_id=customer.id,
                    request_id=request_id,
                    review_on=first.review_on + timedelta(days=k % 7),
                )
            )
        db.session.commit()

    return grow


@pytest.mark.policy("10.1")
def test_point13_reviews_due_in_fixed_statements(client, act_as, count_queries, restrictions_due):
    act_as("panel")
    assert_same_for_few_and_many(
        client, count_queries, restrictions_due, ["/staff/reviews"], sizes=SIZES
    )
    page = client.get("/staff/reviews").text
    assert "Person099" in page


def test_point13_restriction_requests_in_fixed_statements(
    client, act_as, count_queries, restrictions_due
):
    act_as("panel")
    assert_same_for_few_and_many(
        client, count_queries, restrictions_due, ["/staff/restriction-requests"], sizes=SIZES
    )
    assert "RQ-R-99" in client.get("/staff/restriction-requests").text


def test_point13_staff_accounts_in_fixed_statements(
    client, act_as, count_queries, make_staff, people
):
    """Colleagues with several roles, each managed by a different line manager."""
    act_as("admin")
    made: list = []

    def grow(n: int):
        while len(made) < n:
            k = len(made)
            manager = make_staff(Role.LINE_MANAGER, name=f"Manager {k:03d}")
            made.append(
                make_staff(
                    Role.COLLEAGUE, Role.PANEL, name=f"Listed {k:03d}", line_manager_id=manager.id
                )
            )

    assert_same_for_few_and_many(client, count_queries, grow, ["/staff/admin/users"], sizes=SIZES)
    assert "Listed 099" in client.get("/staff/admin/users").text


def test_point13_closure_days_in_fixed_statements(client, act_as, count_queries, make_staff, clock):
    """Closure days each added by a different colleague."""
    from portal.workdays.models import Closure

    act_as("admin")
    made: list = []

    def grow(n: int):
        while len(made) < n:
            k = len(made)
            adder = make_staff(Role.ADMIN, name=f"Adder {k}")
            day = clock.now.date() + timedelta(days=400 + k)
            db.session.add(
                Closure(day=day, reason=f"Closed {k}", added_by_id=adder.id, added_at=clock.now)
            )
            made.append(day)
        db.session.commit()

    assert_same_for_few_and_many(
        client, count_queries, grow, ["/staff/admin/closures"], sizes=SIZES
    )
    assert "Closed 99" in client.get("/staff/admin/closures").text


@pytest.mark.policy("9.5")
def test_point13_a_customers_correspondence_in_fixed_statements(
    client, act_as, count_queries, terminated, make_staff, clock
):
    """Items from one customer with whom contact is ended, each handled by someone else, at
    each stage in turn (checked, read, logged); each checked one shows its acknowledgement."""
    from portal.correspondence import services as steps

    customer = terminated
    act_as("panel")
    made: list = []

    def grow(n: int):
        while len(made) < n:
            k = len(made)
            handler = make_staff(Role.PANEL, name=f"Handler {k}")
            item = steps.log_correspondence(
                handler, clock.now, customer, clock.now - timedelta(hours=k + 1), "letter", f"#{k}"
            )
            stage = 2 - k % 3  # the first checked, with its acknowledgement to read
            if stage >= 1:
                steps.mark_read(handler, clock.now, item)
            if stage == 2:
                steps.check(handler, clock.now, item, False, False, "")
            db.session.commit()
            made.append(item)

    url = f"/staff/customers/{customer.id}/correspondence"
    assert_same_for_few_and_many(client, count_queries, grow, [url], sizes=SIZES)


customer = home_tests.customer
decided = home_tests.decided


def test_point13_customer_home_in_fixed_statements(
    client, customer, decided, make_arrangement, organisation_ready, count_queries
):
    """The customer's home with one decision (its restriction in force, its letter, its right
    of appeal) and one arrangement, then a hundred of each: the first of each made through
    the steps, the rest copies of their rows, each decision from a request of its own."""
    from portal.arrangements.models import Arrangement, ArrangementTerm
    from portal.letters.models import Letter
    from portal.restrictions.models import Restriction, RestrictionRequest

    first: dict = {}
    made: list[int] = []

    def grow(n: int):
        if not first:
            first["restriction"] = decided(customer)
            first["arrangement"] = make_arrangement(customer)
            made.append(first["restriction"].id)
        restriction, arrangement = first["restriction"], first["arrangement"]
        while len(made) < n:
            k = len(made)
            request_id = _copy(RestrictionRequest, restriction.request_id, reference=f"RQ-H-{k}")
            letter_id = _copy(Letter, restriction.letter_id, reference=f"LT-H-{k}")
            made.append(
                _copy(Restriction, restriction.id, request_id=request_id, letter_id=letter_id)
            )
            copied = _copy(Arrangement, arrangement.id)
            for term in arrangement.terms:
                _copy(ArrangementTerm, term.id, arrangement_id=copied)
        db.session.commit()

    home_tests._home(client)
    urls = ["/home", "/appeals", "/your-letters"]
    assert_same_for_few_and_many(client, count_queries, grow, urls, sizes=SIZES)
    assert client.get("/home").text.count("LT-H-") >= 50


def test_point13_an_incidents_evidence_in_fixed_statements(
    client, act_as, count_queries, make_customer, make_incident, make_staff, clock
):
    """Files on one report, each added by a different colleague."""
    from portal.incidents.models import Attachment

    incident = make_incident(make_customer())
    act_as("panel")
    made: list = []

    def grow(n: int):
        while len(made) < n:
            k = len(made)
            adder = make_staff(Role.PANEL, name=f"Adder {k}")
            made.append(
                Attachment(
                    incident_id=incident.id,
                    original_name=f"photo-{k}.jpg",
                    stored_name=f"stored-{k}",
                    content_type="image/jpeg",
                    size_bytes=2048,
                    sha256="0" * 64,
                    uploaded_by_id=adder.id,
                    uploaded_at=clock.now,
                )
            )
            db.session.add(made[-1])
        db.session.commit()

    url = f"/staff/incidents/{incident.id}"
    assert_same_for_few_and_many(client, count_queries, grow, [url], sizes=SIZES)
    assert "photo-99.jpg" in client.get(url).text


appeals_with_glt = counted.appeals_with_glt


def test_point13_an_appeals_files_in_fixed_statements(
    client, act_as, count_queries, appeals_with_glt, clock
):
    """Files sent with one appeal, read by the CEM on the appeal's page."""
    from portal.appeals.models import Appeal, AppealEvidence

    appeals_with_glt(1)
    appeal = db.session.scalars(sa.select(Appeal)).first()
    act_as("cem")
    made: list = []

    def grow(n: int):
        while len(made) < n:
            k = len(made)
            made.append(
                AppealEvidence(
                    appeal_id=appeal.id,
                    original_name=f"statement-{k}.pdf",
                    stored_name=f"appeal-stored-{k}",
                    content_type="application/pdf",
                    size_bytes=4096,
                    sha256="0" * 64,
                    uploaded_at=clock.now,
                )
            )
            db.session.add(made[-1])
        db.session.commit()

    url = f"/staff/appeals/{appeal.id}"
    assert_same_for_few_and_many(client, count_queries, grow, [url], sizes=SIZES)
    assert "statement-99.pdf" in client.get(url).text
