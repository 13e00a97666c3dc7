"""Web-test fixtures: one member of staff per role, acting as them, posting forms, row counts."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from portal import db
from portal.appeals import services as appeals
from portal.appeals.models import AppealOutcome
from portal.auth import services as auth_services
from portal.auth.models import Role
from portal.customers.models import CustomerType
from portal.customers.services import raise_alert
from portal.deadlines import add_closure
from portal.incidents.services import attach_evidence
from tests.snapshots import kept


@pytest.fixture(autouse=True)
def _quick_password_hashes(monkeypatch):
    """Hash test users' passwords with one round: scrypt would be most of each test's time.

    Sign-in still checks passwords with the real ``check_password_hash``.
    """
    monkeypatch.setattr(
        auth_services,
        "hash_password",
        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1"),
    )
    monkeypatch.setattr(auth_services, "_DUMMY_HASHES", {})


@pytest.fixture
@kept
def people(make_staff, colleague, panel_member):
    """One member of staff per role, plus a colleague and a manager from another team.

    ``colleague`` reports to ``line_manager``; ``other_manager`` is a line manager too, but
    not theirs.
    """
    return SimpleNamespace(
        colleague=colleague,
        line_manager=colleague.line_manager,
        other_colleague=make_staff(Role.COLLEAGUE, name="Olu Otherteam"),
        other_manager=make_staff(Role.LINE_MANAGER, name="Mo Othermanager"),
        panel=panel_member,
        csm=make_staff(Role.CSM, name="Cara Safety"),
        glt=make_staff(Role.GLT, name="Glen Leader"),
        cem=make_staff(Role.CEM, name="Cem Experience"),
        admin=make_staff(Role.ADMIN, name="Ada Admin"),
    )


@pytest.fixture
def act_as(people, sign_in):
    """Sign the test client in as the named member of ``people`` and return them."""

    def _act_as(name: str):
        user = getattr(people, name)
        sign_in(user)
        return user

    return _act_as


@pytest.fixture
def post(client, token):
    """POST ``data`` to ``url`` with a valid CSRF token taken from the page ``token_from``."""

    def _post(url: str, data: dict | None = None, token_from: str = "/staff/", prefix="", **kw):
        payload = dict(data or {})
        payload[f"{prefix}csrf_token"] = token(token_from)
        return client.post(url, data=payload, **kw)

    return _post


@pytest.fixture
def table_counts(app):
    """Rows in every table, read on a separate connection so only committed rows count.

    Sign-in sessions are left out: signing in to send a form is not part of what it saves.
    """
    engine = app.extensions["engine"]

    def _counts() -> dict[str, int]:
        with engine.connect() as connection:
            return {
                table.name: connection.scalar(select(func.count()).select_from(table))
                for table in db.Base.metadata.sorted_tables
                if table.name != "sign_in_session"
            }

    return _counts


@pytest.fixture
def account(clock, make_customer, make_staff):
    """A customer with a portal account (cust@test.example), opened with an access code."""
    from portal.accounts import services as accounts
    from tests.factories import PASSWORD

    customer = make_customer()
    _record, code = accounts.issue_access_code(make_staff(Role.CEM), clock.now, customer)
    made = accounts.activate(customer.reference, code, "cust@test.example", PASSWORD, clock.now)
    db.session.commit()
    return made


@pytest.fixture
def tenant(make_customer):
    """A tenant: their incidents go to the Panel / CSM with ASB remedies (§8.4)."""
    return make_customer(forename="Terry", surname="Tenant", customer_type=CustomerType.TENANT)


@pytest.fixture
def applicant(make_customer):
    """An applicant: not a tenant, so incidents go to the police and the Panel (§8.6)."""
    return make_customer(forename="Abi", surname="Applicant", customer_type=CustomerType.APPLICANT)


@pytest.fixture
def asb_incident(make_incident, tenant, clock):
    """An incident about a tenant, reported by ``colleague`` an hour ago."""
    return make_incident(tenant, now=clock.now - timedelta(hours=1))


@pytest.fixture
def other_route_incident(make_incident, applicant, clock):
    """An incident about an applicant (§8.6 route), reported by ``colleague``."""
    return make_incident(applicant, now=clock.now - timedelta(hours=1))


@pytest.fixture
@kept
def restriction_stage(
    people,
    make_customer,
    serious_incident_for,
    make_request,
    approve_request,
    make_arrangement,
    terminated,
    organisation_ready,
    clock,
):
    """The restriction stage, on customers of its own so the tenant's record stays as it was.

    ``restricted``: email only in force (letter sent) and a set-times restriction lifted at
    review. ``requested``: a request waiting for GLT (``pending``, made by ``people.panel``),
    one GLT asked more about (``more_info``), one approved and waiting for its letter
    (``awaiting_letter``, a request id), and an arrangement waiting for the customer's answer.
    ``terminated``: all contact ended, with a letter logged, one read, one checked and one
    acknowledged and filed. Each kind of restriction-stage letter: ``decision_letter``,
    ``review_letter``, ``acknowledgement_letter`` and ``arrangement_letter`` (ids).
    """
    from portal.correspondence import services as correspondence
    from portal.restrictions import services as restrictions
    from portal.restrictions.models import Delivery, RestrictionKind
    from portal.reviews import services as reviews
    from portal.reviews.models import ReviewOutcome
    from tests.restriction_factories import spec

    now = clock.now
    today = now.date()
    restricted = make_customer(
        forename="Rhys", surname="Restricted", address="2 Rule Street, Manchester M2 2RR"
    )
    threats = serious_incident_for(restricted, now - timedelta(days=3))
    in_force, lifted = approve_request(
        make_request(
            restricted,
            waiver_incident_id=threats.id,
            waiver_reason="Threatened to hurt a colleague.",
        ),
        specs=[
            spec(today),
            spec(today, kind=RestrictionKind.SET_TIMES, channel=None, schedule="Mondays 10-12"),
        ],
    )
    restrictions.issue_decision_letter(people.panel, now, [in_force, lifted], Delivery.POST)
    lift = reviews.review_restriction(
        people.panel, now, lifted, ReviewOutcome.LIFT, "Calls are calm now.", "", None
    )
    requested = make_customer(
        forename="Rosa", surname="Requested", address="3 Request Road, Manchester M3 3RQ"
    )
    attack = serious_incident_for(requested, now - timedelta(days=3))
    waiver = {"waiver_incident_id": attack.id, "waiver_reason": "Threatened a colleague."}
    pending = make_request(requested, **waiver)
    more_info = make_request(requested, **waiver)
    restrictions.ask_for_more(people.glt, now, more_info, "Has the tenancy team been told?")
    awaiting_letter = approve_request(make_request(requested, **waiver))[0]
    arrangement = make_arrangement(requested)
    logged, read, checked, filed = (
        correspondence.log_correspondence(
            people.panel, now, terminated, now - timedelta(hours=n), "letter", f"Letter {n}"
        )
        for n in (1, 2, 3, 4)
    )
    for item in (read, checked, filed):
        correspondence.mark_read(people.panel, now, item)
    for item in (checked, filed):
        correspondence.check(people.panel, now, item, False, False, "")
    acknowledgement = correspondence.close_correspondence(people.panel, now, filed)
    db.session.commit()
    return SimpleNamespace(
        restricted=restricted,
        threats=threats,
        restriction=in_force,
        lifted=lifted,
        requested=requested,
        attack=attack,
        pending=pending,
        more_info=more_info,
        awaiting_letter=awaiting_letter.request_id,
        arrangement=arrangement,
        terminated=terminated,
        correspondence=logged,
        correspondence_read=read,
        correspondence_checked=checked,
        decision_letter=in_force.letter_id,
        review_letter=lift.letter_id,
        acknowledgement_letter=acknowledgement.id,
        arrangement_letter=arrangement.letter_id,
    )


@pytest.fixture
@kept
def world(
    app,
    people,
    tenant,
    applicant,
    make_incident,
    review_incident,
    give_warning,
    clock,
    restriction_stage,
):
    """Incidents on both routes in each state, a letter on each, an alert, a closure, a file."""
    now = clock.now
    tenant_warning = give_warning(tenant, now - timedelta(days=40))
    applicant_warning = give_warning(applicant, now - timedelta(days=40))
    awaiting = make_incident(tenant, now=now - timedelta(hours=2))
    awaiting_other = make_incident(applicant, now=now - timedelta(hours=2))
    reviewed = make_incident(tenant, now=now - timedelta(hours=3))
    review_incident(reviewed, now - timedelta(hours=1))
    reviewed_other = make_incident(applicant, now=now - timedelta(hours=3))
    review_incident(reviewed_other, now - timedelta(hours=1))
    alert = raise_alert(people.panel, now, tenant, "Aggressive dog at the property", "Go in pairs")
    closure = add_closure(people.admin, now, date(2026, 12, 29), "Christmas closure")
    attachment = attach_evidence(
        people.colleague,
        now,
        awaiting,
        "call-notes.txt",
        b"Notes of the call.",
        app.config["UPLOAD_DIR"],
        app.config["MAX_ATTACHMENT_BYTES"],
    )
    db.session.commit()
    return SimpleNamespace(
        me=None,  # who the test acts as, for forms whose data depends on it
        people=people,
        tenant=tenant,
        applicant=applicant,
        awaiting=awaiting,
        awaiting_other=awaiting_other,
        reviewed=reviewed,
        reviewed_other=reviewed_other,
        letter=tenant_warning.letter_id,
        letter_other=applicant_warning.letter_id,
        alert=alert,
        closure=closure,
        attachment=attachment,
        **vars(restriction_stage),
    )


@pytest.fixture
def appeal_letters(world, clock, restriction_in_force):
    """An appeal acknowledged, decided and its outcome sent; a late appeal not accepted."""
    people, now = world.people, clock.now

    def sent(at):
        appeal = appeals.start_draft(now, restriction_in_force(now=now))
        appeals.save_answers(at, appeal, appeals.Answers(grounds="It was unfair."))
        if at != now:
            appeals.save_answers(at, appeal, appeals.Answers(late_reason="I was away."))
        appeals.lodge(appeal.customer, at, appeal, f"key-{appeal.id}")
        return appeal

    decided = sent(now)
    appeals.acknowledge(people.cem, now, decided)
    appeals.refer_to_glt(people.cem, now, decided)
    appeals.glt_decide(people.glt, now, decided, AppealOutcome.UPHELD, "It was reasonable.")
    appeals.send_outcome(people.cem, now, decided)
    later = now + timedelta(days=60)
    late = sent(later)
    appeals.decide_late(people.cem, later, late, False, "Nothing stopped you appealing in time.")
    db.session.commit()
