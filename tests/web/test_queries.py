"""No N+1: each list page sends as many SQL statements for 100 rows as for 1.

Each row belongs to a different customer and member of staff, so a lazy load per row would
show; the session is emptied before each measured request, as it is in production.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal import db
from portal.auth.models import Role
from portal.customers.models import ContactChannel, WorksType
from portal.customers.services import end_alert, log_contact, raise_alert, record_access_refusal
from portal.incidents.catalogue import Category

SMALL, LARGE = 2, 25
# Each role's home page is measured with one row of each list it reads, then a hundred.
ONE, HUNDRED = 1, 100


def statements(client, count_queries, url: str, headers=None) -> int:
    """SQL statements sent to serve ``url`` once, from a cold session."""
    assert client.get(url, headers=headers).status_code == 200  # first-use rows, caches
    db.session.expunge_all()
    with count_queries() as counter:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return counter.count


def assert_same_for_few_and_many(
    client, count_queries, grow, urls, headers=None, sizes=(ONE, HUNDRED)
):
    """Grow the data to 1 row (or ``sizes[0]``), count; grow it to 100 (or ``sizes[1]``),
    count again: the counts must match."""
    grow(sizes[0])
    few = {url: statements(client, count_queries, url, headers) for url in urls}
    grow(sizes[1])
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
    # Two reports (one reviewed), so each filtered list has a row, then a hundred.
    assert_same_for_few_and_many(
        client, count_queries, reports, REGISTER_URLS, sizes=(SMALL, HUNDRED)
    )


def test_register_fragment(client, act_as, count_queries, reports):
    act_as("panel")
    assert_same_for_few_and_many(
        client,
        count_queries,
        reports,
        REGISTER_URLS,
        headers={"HX-Request": "true"},
        sizes=(SMALL, HUNDRED),
    )


@pytest.mark.parametrize("role", ["line_manager", "panel", "csm"])
def test_home(client, act_as, count_queries, reports, role):
    act_as(role)
    assert_same_for_few_and_many(client, count_queries, reports, ["/staff/"], sizes=(ONE, HUNDRED))


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

    assert_same_for_few_and_many(client, count_queries, grow, ["/staff/"], sizes=(ONE, HUNDRED))


def test_panel_home_reads_its_counts_in_one_statement(
    client, act_as, count_queries, make_customer, make_incident, clock
):
    """Every count on the Panel's home is one statement; a list is read only when its count
    says it has rows (here one report waits for review and nothing is listed)."""
    act_as("panel")
    make_incident(make_customer(), now=clock.now - timedelta(days=3))
    db.session.commit()
    # The session (with the colleague's roles), then the counts: nothing else for an empty
    # worklist.
    assert statements(client, count_queries, "/staff/") == 2
    assert "Reports awaiting Panel review" in client.get("/staff/").text


def test_home_for_a_reporter(client, people, sign_in, count_queries, make_customer, make_incident):
    """The colleague's own recent reports (each about a different customer)."""
    sign_in(people.colleague)

    def grow(n):
        while len(made) < n:
            made.append(make_incident(make_customer()))

    made: list = []
    assert_same_for_few_and_many(client, count_queries, grow, ["/staff/"], sizes=(ONE, HUNDRED))


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
    assert_same_for_few_and_many(
        client, count_queries, grow, [f"/staff/customers/{customer.id}"], sizes=(SMALL, LARGE)
    )


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


# --- Each role's home with 1 and with 100 rows of each list it reads -----------------------------


def _copy(model, row_id: int, **changes) -> int:
    """Insert a copy of one row with ``changes``; the copy's id."""
    table = model.__table__
    values = dict(db.session.execute(sa.select(table).where(table.c.id == row_id)).mappings().one())
    values.pop("id")
    values.update(changes)
    return db.session.execute(sa.insert(table).values(**values)).inserted_primary_key[0]


@pytest.fixture
def appeals_with_glt(restriction_in_force, make_customer, people, clock):
    """``grow(n)``: n appeals waiting for GLT, each against a different customer's restriction
    made from a different request. The first goes through every step; the rest are copies of
    its rows, so a hundred cost little to make."""
    from portal.appeals import services as appeals
    from portal.appeals.models import Appeal
    from portal.restrictions.models import Restriction, RestrictionRequest

    made: list[int] = []

    def grow(n: int):
        if not made:
            appeal = appeals.start_draft(clock.now, restriction_in_force(now=clock.now))
            appeals.save_answers(clock.now, appeal, appeals.Answers(grounds="It was unfair."))
            appeals.lodge(appeal.restriction.customer, clock.now, appeal, "first")
            appeals.acknowledge(people.cem, clock.now, appeal)
            appeals.refer_to_glt(people.cem, clock.now, appeal)
            db.session.commit()
            made.append(appeal.id)
        first = db.session.get(Appeal, made[0])
        while len(made) < n:
            k = len(made)
            customer = make_customer(forename="Appealing", surname=f"Person{k:03d}")
            request_id = _copy(
                RestrictionRequest,
                first.restriction.request_id,
                customer_id=customer.id,
                reference=f"RQ-COPY-{k}",
            )
            restriction_id = _copy(
                Restriction, first.restriction_id, customer_id=customer.id, request_id=request_id
            )
            made.append(
                _copy(
                    Appeal,
                    first.id,
                    customer_id=customer.id,
                    restriction_id=restriction_id,
                    reference=f"AP-COPY-{k}",
                    submission_key=None,
                    decision_key=f"restriction:{restriction_id}",
                )
            )
        db.session.commit()

    return grow


@pytest.mark.policy("9.3")
def test_point13_glt_home_reads_appeals_for_glt_in_fixed_statements(
    client, act_as, count_queries, appeals_with_glt
):
    """Whether this GLT member may decide each appeal (§1 separation of duties) is worked out
    without a statement per appeal."""
    act_as("glt")
    assert_same_for_few_and_many(
        client, count_queries, appeals_with_glt, ["/staff/"], sizes=(ONE, HUNDRED)
    )
    page = client.get("/staff/").text
    assert "100 appeals wait for a GLT decision you can make" in page


def test_point13_cem_home_counts_open_appeals_in_fixed_statements(
    client, act_as, count_queries, appeals_with_glt
):
    act_as("cem")
    assert_same_for_few_and_many(
        client, count_queries, appeals_with_glt, ["/staff/"], sizes=(ONE, HUNDRED)
    )
    assert "100 open appeals" in client.get("/staff/").text


@pytest.mark.parametrize(
    "role", ["colleague", "line_manager", "panel", "csm", "glt", "cem", "admin"]
)
def test_point13_home_lists_unread_notifications_in_fixed_statements(
    client, act_as, count_queries, clock, role
):
    from portal.notifications.services import notify

    me = act_as(role)
    made: list = []

    def grow(n):
        while len(made) < n:
            k = len(made)
            when = clock.now - timedelta(minutes=HUNDRED - k)
            made.append(notify(me.id, f"Note {k}", "/staff/register", when))
        db.session.commit()

    assert_same_for_few_and_many(client, count_queries, grow, ["/staff/"], sizes=(ONE, HUNDRED))
    page = client.get("/staff/").text
    assert "Note 99" in page and "Note 0" not in page


@pytest.mark.policy("8.20")
def test_point13_panel_home_lists_decision_letters_to_send_in_fixed_statements(
    client, act_as, count_queries, make_customer, final_warning_for, make_request, approve_request
):
    """Approved restrictions still waiting for their decision letter, each for a different
    customer and request (the first approved through the steps, the rest copies of its rows)."""
    from portal.restrictions.models import Restriction, RestrictionRequest

    act_as("panel")
    made: list[int] = []

    def grow(n):
        if not made:
            customer = make_customer(forename="Letter", surname="Waiting")
            final_warning_for(customer)
            request = make_request(customer)
            approve_request(request)
            made.append(request.id)
        first = db.session.get(RestrictionRequest, made[0])
        restriction_id = db.session.scalar(
            sa.select(Restriction.id).where(Restriction.request_id == first.id)
        )
        while len(made) < n:
            k = len(made)
            customer = make_customer(forename="Letter", surname=f"Waiting{k:03d}")
            request_id = _copy(
                RestrictionRequest, first.id, customer_id=customer.id, reference=f"RQ-L-{k}"
            )
            _copy(Restriction, restriction_id, customer_id=customer.id, request_id=request_id)
            made.append(request_id)
        db.session.commit()

    assert_same_for_few_and_many(client, count_queries, grow, ["/staff/"], sizes=(ONE, HUNDRED))
    assert "100 approved restrictions wait for their decision letter" in client.get("/staff/").text


@pytest.mark.parametrize("role", ["panel", "cem"])
def test_point13_home_counts_correspondence_in_fixed_statements(
    client, act_as, count_queries, correspondence, role
):
    act_as(role)
    assert_same_for_few_and_many(
        client, count_queries, correspondence, ["/staff/"], sizes=(ONE, HUNDRED)
    )


# --- Issue 13 point 6: the Panel queue and the customer record, a page at a time ------------------


def test_point13_panel_queue_pages_in_fixed_statements(client, act_as, count_queries, reports):
    """One report waiting, then a hundred (two pages): each page costs the same."""
    act_as("panel")
    urls = ["/staff/panel", "/staff/panel?page=2"]
    assert_same_for_few_and_many(client, count_queries, reports, urls, sizes=(ONE, HUNDRED))
    assert "67 reports waiting; showing 1–50" in client.get("/staff/panel").text


@pytest.fixture
def busy_record(make_staff, make_customer, give_warning, clock, people):
    """``grow(n)``: one customer with n warnings (each about its own incident, each letter
    issued by someone else), n alerts in force and n ended (each raised and ended by
    different colleagues), n contacts and n refusals of access (three a day). The first
    warning goes through every step; the rest are copies of its rows."""
    from portal.conduct_warnings.models import ConductWarning
    from portal.incidents.models import Incident
    from portal.letters.models import Letter

    customer = make_customer(forename="Busy", surname="Paged")
    made: list[int] = []

    def grow(n: int):
        if not made:
            made.append(give_warning(customer, clock.now - timedelta(days=400)).id)
        first = db.session.get(ConductWarning, made[0])
        while len(made) < n:
            k = len(made)
            staff = make_staff(Role.PANEL, name=f"Pager {k}")
            when = clock.now - timedelta(days=400 * (k + 1))
            incident_id = _copy(
                Incident,
                first.incident_id,
                reference=f"IN-PG-{k}",
                occurred_at=when,
                reported_by_id=staff.id,
            )
            letter_id = _copy(Letter, first.letter_id, reference=f"LT-PG-{k}")
            made.append(
                _copy(
                    ConductWarning,
                    first.id,
                    incident_id=incident_id,
                    letter_id=letter_id,
                    issued_at=when,
                    issued_on=when.date(),
                    lapses_on=when.date() + timedelta(days=365),
                    issued_by_id=staff.id,
                )
            )
        while len(made_rest) < n:
            k = len(made_rest)
            staff = make_staff(Role.PANEL, name=f"Raiser {k}")
            raise_alert(staff, clock.now - timedelta(days=k), customer, f"Risk {k}", "")
            ended = raise_alert(staff, clock.now - timedelta(days=k), customer, f"Old {k}", "")
            end_alert(make_staff(Role.PANEL), clock.now, ended, f"Reason {k}")
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
                (clock.now - timedelta(days=k // 3)).date(),
                f"Kitchen {k}",
                "",
                False,
            )
            made_rest.append(k)
        db.session.commit()

    made_rest: list[int] = []
    grow.customer = customer
    return grow


@pytest.mark.parametrize("role", ["colleague", "panel", "csm"])
def test_point13_customer_record_pages_in_fixed_statements(
    client, act_as, count_queries, busy_record, role
):
    """One row of each list on the record, then a hundred: the first and a later page of each
    list cost the same statements."""
    act_as(role)
    record = f"/staff/customers/{busy_record.customer.id}"
    urls = [record, f"{record}?warnings=2&history=3&contacts=4&refusals=5"]
    assert_same_for_few_and_many(client, count_queries, busy_record, urls, sizes=(ONE, HUNDRED))
    page = client.get(record).text
    assert "100 contacts logged; showing 1–20" in page
    assert "100 refusals recorded; showing 1–20" in page
    if role != "colleague":
        assert "100 warnings; showing 1–20" in page
        assert "600 events; showing 1–25" in page


@pytest.mark.parametrize(("role", "expected"), [("colleague", 6), ("panel", 9)])
def test_point13_customer_record_reads_each_list_once(
    client, act_as, count_queries, busy_record, role, expected
):
    """The record reads the customer with every list's length and the contact counts in one
    statement, and each list once (the warnings table with the history's warnings, the
    refusals list with the history's refusals, every alert the page needs together); with no
    restriction, arrangement, request or correspondence, nothing more about contact; and the
    reasonable adjustments at the top of the record (§12.1) in one more."""
    busy_record(HUNDRED)
    act_as(role)
    record = f"/staff/customers/{busy_record.customer.id}"
    for url in (record, f"{record}?warnings=2&history=3&contacts=4&refusals=5"):
        assert statements(client, count_queries, url) == expected


def test_point13_cem_home_counts_appeals_without_stored_dates_in_fixed_statements(
    client, act_as, count_queries, appeals_with_glt
):
    """Open appeals whose due dates are not stored yet are counted from their progress, still
    in a fixed number of statements."""
    from portal.appeals.due_dates import DUE_FIELDS
    from portal.appeals.models import Appeal

    blank = {field: None for field in DUE_FIELDS.values()} | {"next_due_on": None}

    def grow(n: int):
        appeals_with_glt(n)
        db.session.execute(sa.update(Appeal).values(**blank))
        db.session.commit()

    act_as("cem")
    assert_same_for_few_and_many(client, count_queries, grow, ["/staff/"], sizes=(ONE, HUNDRED))
    assert "100 open appeals" in client.get("/staff/").text
