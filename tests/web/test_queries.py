"""No N+1: each list page sends as many SQL statements for 25 rows as for 2.

Each row belongs to a different customer and member of staff, so a lazy load per row would
show; the session is emptied before each measured request, as it is in production.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal import db
from portal.auth.models import Role
from portal.customers.models import ContactChannel, WorksType
from portal.customers.services import end_alert, log_contact, raise_alert, record_access_refusal
from portal.incidents.catalogue import Category

SMALL, LARGE = 2, 25


def statements(client, count_queries, url: str, headers=None) -> int:
    """SQL statements sent to serve ``url`` once, from a cold session."""
    assert client.get(url, headers=headers).status_code == 200  # first-use rows, caches
    db.session.expunge_all()
    with count_queries() as counter:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return counter.count


def assert_same_for_few_and_many(client, count_queries, grow, urls, headers=None):
    """Grow the data to 2 rows, count; grow it to 25, count again: the counts must match."""
    grow(SMALL)
    few = {url: statements(client, count_queries, url, headers) for url in urls}
    grow(LARGE)
    many = {url: statements(client, count_queries, url, headers) for url in urls}
    assert many == few, f"statements grow with the rows (N+1): {few} → {many}"


@pytest.fixture
def reports(make_staff, make_customer, make_incident, review_incident, clock, people):
    """``grow(n)``: n reports, each by a different colleague about a different tenant, all
    telling ``people.line_manager``; every third one (from the second) reviewed."""
    made = []

    def grow(n: int):
        while len(made) < n:
            k = len(made)
            reporter = make_staff(
                Role.COLLEAGUE, name=f"Reporter {k}", line_manager_id=people.line_manager.id
            )
            customer = make_customer(forename="Row", surname=f"Tenant{k:02d}")
            incident = make_incident(
                customer,
                now=clock.now - timedelta(hours=k + 1),
                reporter=reporter,
                categories=[Category.AGGRESSIVE, Category.DEMANDS],
                example_types=["verbal_abuse", "unreasonable_timescale"],
            )
            if k % 3 == 1:
                review_incident(incident, clock.now - timedelta(minutes=k + 1))
            made.append(incident)

    return grow


def test_panel_queue(client, act_as, count_queries, reports):
    act_as("panel")
    assert_same_for_few_and_many(client, count_queries, reports, ["/staff/panel"])


REGISTER_URLS = [
    "/staff/register",
    "/staff/register?q=row",
    "/staff/register?category=unreasonable_demands&status=awaiting_review",
    "/staff/register?outcome=warning&from=2026-01-01&to=2026-12-31",
]


@pytest.mark.parametrize("role", ["panel", "csm"])
def test_register(client, act_as, count_queries, reports, role):
    act_as(role)
    assert_same_for_few_and_many(client, count_queries, reports, REGISTER_URLS)


def test_register_fragment(client, act_as, count_queries, reports):
    act_as("panel")
    assert_same_for_few_and_many(
        client, count_queries, reports, REGISTER_URLS, headers={"HX-Request": "true"}
    )


@pytest.mark.parametrize("role", ["line_manager", "panel", "csm"])
def test_home(client, act_as, count_queries, reports, role):
    act_as(role)
    assert_same_for_few_and_many(client, count_queries, reports, ["/staff/"])


@pytest.mark.policy("8.15")
def test_home_with_arrangement_answers_waiting(
    client, act_as, count_queries, make_customer, make_arrangement, make_staff, clock
):
    """The Panel's list of customers' answers to act on (each a different customer's, taken by
    phone by another Panel member, so each also brings a notice)."""
    from portal.arrangements import services as arrangements
    from portal.arrangements.models import ResponseChannel

    act_as("panel")
    taker = make_staff(Role.PANEL, name="Phone Taker")
    made: list = []

    def grow(n):
        while len(made) < n:
            arrangement = make_arrangement(make_customer(forename="Row", surname=f"A{len(made)}"))
            answer = "propose_change" if len(made) % 2 else "decline"
            arrangements.record_answer(
                taker,
                clock.now,
                arrangement,
                answer,
                ResponseChannel.PHONE,
                f"Change number {len(made)}",
            )
            db.session.commit()
            made.append(arrangement)

    assert_same_for_few_and_many(client, count_queries, grow, ["/staff/"])


def test_home_for_a_reporter(client, people, sign_in, count_queries, make_customer, make_incident):
    """The colleague's own recent reports (each about a different customer)."""
    sign_in(people.colleague)

    def grow(n):
        while len(made) < n:
            made.append(make_incident(make_customer()))

    made: list = []
    assert_same_for_few_and_many(client, count_queries, grow, ["/staff/"])


def test_audit_trail(client, act_as, count_queries, reports):
    act_as("admin")
    assert_same_for_few_and_many(client, count_queries, reports, ["/staff/audit"])


def test_customer_search(client, act_as, count_queries, make_customer, people, clock):
    act_as("colleague")
    made: list = []

    def grow(n):
        while len(made) < n:
            customer = make_customer(forename="Found", surname=f"Person{len(made):02d}")
            raise_alert(people.panel, clock.now, customer, f"Risk {len(made)}", "")
            db.session.commit()
            made.append(customer)

    urls = ["/staff/customers", "/staff/customers?q=found"]
    assert_same_for_few_and_many(client, count_queries, grow, urls)
    assert_same_for_few_and_many(client, count_queries, grow, urls, {"HX-Request": "true"})


@pytest.mark.parametrize("role", ["colleague", "panel", "csm"])
def test_customer_record(
    client, act_as, count_queries, make_staff, make_customer, give_warning, clock, people, role
):
    """A record with warnings, incidents, contacts, alerts (every other one ended, with its
    reason) and refusals, each by someone else; the CSM's links are checked per row."""
    customer = make_customer(forename="Busy", surname="Record")
    made: list = []

    def grow(n):
        while len(made) < n:
            k = len(made)
            staff = make_staff(Role.PANEL, name=f"Panel {k}")
            # A warning every 13 months, so each lapses before the next: 25 first stages.
            give_warning(customer, clock.now - timedelta(days=400 * (k + 1)))
            alert = raise_alert(
                staff, clock.now - timedelta(days=k), customer, f"Risk {k}", "Advice"
            )
            if k % 2:
                end_alert(staff, clock.now, alert, f"Reason {k}")
            log_contact(
                staff,
                clock.now,
                customer,
                ContactChannel.PHONE,
                True,
                clock.now - timedelta(days=k, hours=1),
                10,
                f"Call {k}",
            )
            record_access_refusal(
                staff,
                clock.now,
                customer,
                WorksType.NON_ESSENTIAL,
                (clock.now - timedelta(days=k)).date(),
                f"Kitchen {k}",
                "",
                False,
            )
            db.session.commit()
            made.append(k)

    act_as(role)
    assert_same_for_few_and_many(client, count_queries, grow, [f"/staff/customers/{customer.id}"])


@pytest.fixture
def correspondence(make_staff, make_customer, clock, people):
    """``grow(n)``: n items of correspondence still to handle, each from a different customer
    with whom all contact is ended, at each stage in turn (logged, read, checked)."""
    from portal.correspondence import services as steps
    from portal.restrictions.models import (
        Restriction,
        RestrictionKind,
        RestrictionStatus,
    )

    made: list = []

    def grow(n: int):
        while len(made) < n:
            k = len(made)
            customer = make_customer(forename="Letter", surname=f"Writer{k:02d}")
            db.session.add(
                Restriction(
                    customer_id=customer.id,
                    kind=RestrictionKind.TERMINATION,
                    reasons="Threats.",
                    starts_on=clock.now.date(),
                    review_on=clock.now.date() + timedelta(days=90),
                    ends_on=clock.now.date() + timedelta(days=90),
                    immediate_notice=True,
                    status=RestrictionStatus.ACTIVE,
                    approved_by_id=people.glt.id,
                    approved_at=clock.now,
                )
            )
            db.session.flush()
            handler = make_staff(Role.PANEL, name=f"Handler {k}")
            item = steps.log_correspondence(
                handler, clock.now, customer, clock.now - timedelta(hours=k + 1), "letter", "Hi"
            )
            if k % 3 >= 1:
                steps.mark_read(handler, clock.now, item)
            if k % 3 == 2:
                steps.check(handler, clock.now, item, False, False, "")
            db.session.commit()
            made.append(item)

    return grow


@pytest.mark.parametrize("role", ["panel", "cem"])
def test_correspondence_to_handle(client, act_as, count_queries, correspondence, role):
    act_as(role)
    assert_same_for_few_and_many(
        client, count_queries, correspondence, ["/staff/correspondence", "/staff/"]
    )
