"""Every appeal route against the wrong person: another customer's appeal is not found and
nothing changes; staff without the role are refused; customers never reach staff pages. And
the customer's appeals page costs the same few statements however many appeals there are."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from portal import db
from portal.accounts import services as accounts
from portal.accounts.models import CustomerAccount
from portal.appeals import evidence
from portal.appeals import services as appeals
from portal.appeals.models import Appeal, AppealOutcome
from portal.restrictions import services as restrictions
from portal.restrictions.models import Delivery
from tests.conftest import csrf_token
from tests.restriction_factories import spec
from tests.snapshots import kept

PASSWORD = "a long enough password"
PDF = b"%PDF-1.4 evidence"
MARCH_19 = datetime(2027, 3, 19, 10, tzinfo=UTC)  # a Friday; the appeal deadline is 20 April


def _draft(now, restriction, with_file: bool, upload_dir, max_bytes):
    appeal = appeals.start_draft(now, restriction)
    appeals.save_answers(now, appeal, appeals.Answers(grounds="It was unfair."))
    item = None
    if with_file:
        item = evidence.add_evidence(
            restriction.customer, now, appeal, "proof.pdf", PDF, upload_dir, max_bytes
        )
    return appeal, item


@pytest.fixture
def march_19(clock):
    clock.now = MARCH_19
    return clock


@pytest.fixture
@kept
def others(app, march_19, restriction_in_force):
    """Another customer's draft appeal and a third customer's sent appeal, each with a file."""
    now = march_19.now
    upload_dir = app.config["UPLOAD_DIR"] / "appeals"
    limit = app.config["MAX_ATTACHMENT_BYTES"]
    draft_restriction = restriction_in_force(now=now)
    draft, draft_file = _draft(now, draft_restriction, True, upload_dir, limit)
    lodged, lodged_file = _draft(now, restriction_in_force(now=now), True, upload_dir, limit)
    appeals.lodge(lodged.customer, now, lodged, "sent")
    db.session.commit()
    return SimpleNamespace(
        draft=draft,
        draft_file=draft_file,
        draft_restriction=draft_restriction,
        lodged=lodged,
        lodged_file=lodged_file,
        upload_dir=upload_dir,
    )


@pytest.fixture
@kept
def appeal_world(others, clock, restriction_in_force, people):
    """Besides ``others``: appeals in each state the CEM and GLT act on, each against a
    decision on a customer of its own, and a customer who has not appealed yet."""
    now = clock.now

    def lodged(at=None):
        appeal, _item = _draft(now, restriction_in_force(now=now), False, None, 0)
        if at is not None:
            appeals.save_answers(at, appeal, appeals.Answers(late_reason="I was away."))
        appeals.lodge(appeal.customer, at or now, appeal, f"k{appeal.id}")
        return appeal

    acknowledged = lodged()
    appeals.acknowledge(people.cem, now, acknowledged)
    with_glt = lodged()
    appeals.acknowledge(people.cem, now, with_glt)
    appeals.refer_to_glt(people.cem, now, with_glt)
    decided = lodged()
    appeals.acknowledge(people.cem, now, decided)
    appeals.refer_to_glt(people.cem, now, decided)
    appeals.glt_decide(people.glt, now, decided, AppealOutcome.UPHELD, "It was reasonable.")
    late = lodged(at=now + timedelta(days=52))
    not_yet = restriction_in_force(now=now)
    db.session.commit()
    return SimpleNamespace(
        **vars(others),
        acknowledged=acknowledged,
        with_glt=with_glt,
        decided=decided,
        late=late,
        not_yet=not_yet,
    )


def _stored_files(world) -> list[str]:
    return sorted(p.name for p in world.upload_dir.iterdir())


def _sign_in_customer(client, customer_id, now):
    db.session.add(
        CustomerAccount(
            customer_id=customer_id,
            email="me@customer.test",
            password_hash=accounts.hash_password(PASSWORD),
            activated_at=now,
            password_changed_at=now,
        )
    )
    db.session.commit()
    client.post(
        "/sign-in",
        data={
            "csrf_token": csrf_token(client, "/sign-in"),
            "email": "me@customer.test",
            "password": PASSWORD,
        },
    )
    return client


@pytest.fixture
def me(app, client, clock, others, restriction_in_force):
    """A signed-in customer with a draft appeal of their own (and one file on it)."""
    mine = restriction_in_force(now=clock.now)
    draft, item = _draft(
        clock.now,
        mine,
        True,
        others.upload_dir,
        app.config["MAX_ATTACHMENT_BYTES"],
    )
    db.session.commit()
    _sign_in_customer(client, mine.customer_id, clock.now)
    return SimpleNamespace(client=client, restriction=mine, draft=draft, file=item)


# --- another customer's appeal: not found, nothing changed -----------------------------------

UPLOAD = object()  # stands for a multipart upload of a good PDF

CUSTOMER_ROUTES = [
    ("GET", "/appeals/{draft}/reasons", None),
    ("POST", "/appeals/{draft}/reasons", {"grounds": "Written by someone else."}),
    ("GET", "/appeals/{draft}/new-information", None),
    ("POST", "/appeals/{draft}/new-information", {"new_information": "Someone else's."}),
    ("POST", "/appeals/{draft}/evidence", UPLOAD),
    ("GET", "/appeals/{draft}/evidence/{draft_file}", None),
    ("POST", "/appeals/{draft}/evidence/{draft_file}/remove", {}),
    ("GET", "/appeals/{draft}/support", None),
    ("POST", "/appeals/{draft}/support", {"needs_interpreter": "yes", "interpreter_language": "x"}),
    ("GET", "/appeals/{draft}/support/letters", None),
    ("POST", "/appeals/{draft}/support/letters", {"preferred_format": "large_print"}),
    ("GET", "/appeals/{draft}/support/representative", None),
    ("POST", "/appeals/{draft}/support/representative", {"representative": "Someone else"}),
    ("GET", "/appeals/{draft}/support/other", None),
    ("POST", "/appeals/{draft}/support/other", {"other_support": "Someone else's."}),
    ("GET", "/appeals/{draft}/late", None),
    ("POST", "/appeals/{draft}/late", {"late_reason": "Someone else's reason."}),
    ("GET", "/appeals/{draft}/check", None),
    ("POST", "/appeals/{draft}/check", {"submission_key": "f" * 32}),
    ("GET", "/appeals/{lodged}", None),
    ("GET", "/appeals/{lodged}/evidence/{lodged_file}", None),
    ("POST", "/appeals/start/{draft_restriction}", {}),
    # My own appeal, with another customer's file
    ("GET", "/appeals/{mine}/evidence/{draft_file}", None),
    ("POST", "/appeals/{mine}/evidence/{draft_file}/remove", {}),
    ("POST", "/appeals/{mine}/new-information", {"remove": "{draft_file}"}),
]


@pytest.mark.parametrize(
    ("method", "path", "data"), CUSTOMER_ROUTES, ids=[f"{m} {p}" for m, p, _ in CUSTOMER_ROUTES]
)
def test_another_customers_appeal_is_not_found_and_nothing_changes(
    me, others, table_counts, method, path, data
):
    w = others
    ids = {
        "draft": w.draft.id,
        "draft_file": w.draft_file.id,
        "lodged": w.lodged.id,
        "lodged_file": w.lodged_file.id,
        "draft_restriction": w.draft_restriction.id,
        "mine": me.draft.id,
    }
    url = path.format(**ids)
    if isinstance(data, dict):
        data = {name: value.format(**ids) for name, value in data.items()}
    before = (table_counts(), _stored_files(w))
    draft_before = (w.draft.grounds, w.draft.new_information, w.draft.needs_interpreter)
    if method == "GET":
        response = me.client.get(url)
    else:
        payload = {"csrf_token": csrf_token(me.client, "/appeals")}
        if data is UPLOAD:
            payload["file-evidence"] = (io.BytesIO(PDF), "mine.pdf")
            response = me.client.post(url, data=payload, content_type="multipart/form-data")
        else:
            response = me.client.post(url, data={**payload, **data})
    assert response.status_code == 404
    assert PDF not in response.data
    assert (table_counts(), _stored_files(w)) == before
    db.session.expire_all()
    draft = db.session.get(Appeal, w.draft.id)
    assert (draft.grounds, draft.new_information, draft.needs_interpreter) == draft_before
    assert draft.status.value == "draft"


# --- staff routes: refused without the role --------------------------------------------------

STAFF_ROLES = ("colleague", "line_manager", "panel", "csm", "glt", "cem", "admin")
VIEWERS = frozenset({"cem", "glt", "panel"})  # permissions.can_view_appeals
CEM = frozenset({"cem"})  # permissions.can_manage_appeals
LODGERS = frozenset({"cem", "panel"})  # permissions.can_lodge_appeal_for_customer
GLT = frozenset({"glt"})  # permissions.can_decide_appeal

LODGE_FORM = {"channel": "phone", "received_on": "2027-03-19", "grounds": "Unfair."}
STAFF_ROUTES = [
    ("GET", "/staff/appeals", None, VIEWERS),
    ("GET", "/staff/appeals/{lodged}", None, VIEWERS),
    ("GET", "/staff/appeals/{lodged}/evidence/{lodged_file}", None, VIEWERS),
    ("POST", "/staff/appeals/{lodged}/acknowledge", {}, CEM),
    ("POST", "/staff/appeals/{acknowledged}/refer", {}, CEM),
    ("POST", "/staff/appeals/{decided}/outcome", {}, CEM),
    (
        "POST",
        "/staff/appeals/{late}/late",
        {"late-accept": "yes", "late-late_decision_reason": "Ill."},
        CEM,
    ),
    (
        "POST",
        "/staff/appeals/{with_glt}/decision",
        {"decision-outcome": "overturned", "decision-reasons": "Mistaken."},
        GLT,
    ),
    ("GET", "/staff/customers/{not_yet}/appeals/new", None, LODGERS),
    ("POST", "/staff/customers/{not_yet}/appeals/new", LODGE_FORM, LODGERS),
]


def _staff_url(path: str, w) -> str:
    return path.format(
        lodged=w.lodged.id,
        lodged_file=w.lodged_file.id,
        acknowledged=w.acknowledged.id,
        decided=w.decided.id,
        late=w.late.id,
        with_glt=w.with_glt.id,
        not_yet=w.not_yet.customer_id,
    )


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_without_the_role_are_refused_every_appeal_route(
    client, appeal_world, act_as, table_counts, token, role
):
    act_as(role)
    refused = [route for route in STAFF_ROUTES if role not in route[3]]
    before = (table_counts(), _stored_files(appeal_world))
    for method, path, data, _allowed in refused:
        url = _staff_url(path, appeal_world)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token("/staff/"), **data})
        assert response.status_code == 403, f"{role}: {method} {url} gave {response.status_code}"
        assert PDF not in response.data
    assert (table_counts(), _stored_files(appeal_world)) == before


@pytest.mark.parametrize("route", [r for r in STAFF_ROUTES if r[0] == "GET"], ids=lambda r: r[1])
def test_each_role_allowed_a_staff_page_gets_it(client, appeal_world, act_as, route):
    _method, path, _data, allowed = route
    for role in sorted(allowed):
        act_as(role)
        assert client.get(_staff_url(path, appeal_world)).status_code == 200, role


def test_customers_never_reach_staff_appeal_routes(client, appeal_world, clock, table_counts):
    _sign_in_customer(client, appeal_world.lodged.customer_id, clock.now)
    token = csrf_token(client, "/appeals")
    before = (table_counts(), _stored_files(appeal_world))
    for method, path, data, _allowed in STAFF_ROUTES:
        url = _staff_url(path, appeal_world)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token, **data})
        assert response.status_code in (302, 303), f"{method} {url}"
        assert "/staff/sign-in" in response.headers["Location"]
        assert PDF not in response.data
    assert (table_counts(), _stored_files(appeal_world)) == before


# --- the customer's appeals page: a fixed number of statements --------------------------------


def test_the_appeals_page_costs_the_same_for_one_appeal_or_many(
    client,
    clock,
    make_customer,
    final_warning_for,
    make_request,
    approve_request,
    panel_member,
    organisation_ready,
    people,
    count_queries,
):
    clock.now = MARCH_19
    customer = make_customer()
    final_warning_for(customer)

    def decision():
        made = approve_request(
            make_request(customer, now=clock.now - timedelta(hours=2)),
            now=clock.now - timedelta(hours=1),
            specs=[spec(clock.now.date())],
        )
        restrictions.issue_decision_letter(panel_member, clock.now, made, Delivery.HAND)
        return made[0]

    def appealed(restriction, steps):
        appeal = appeals.start_draft(clock.now, restriction)
        appeals.save_answers(clock.now, appeal, appeals.Answers(grounds="Unfair."))
        appeals.lodge(customer, clock.now, appeal, f"k{appeal.id}")
        for step in steps:
            step(appeal)
        db.session.commit()

    def acknowledge(appeal):
        appeals.acknowledge(people.cem, clock.now, appeal)

    def refer(appeal):
        appeals.refer_to_glt(people.cem, clock.now, appeal)

    def decide(appeal):
        appeals.glt_decide(people.glt, clock.now, appeal, AppealOutcome.UPHELD, "Fair.")

    def tell(appeal):
        appeals.send_outcome(people.cem, clock.now, appeal)

    appealed(decision(), [])
    _sign_in_customer(client, customer.id, clock.now)

    def statements() -> int:
        assert client.get("/appeals").status_code == 200
        db.session.expunge_all()
        with count_queries() as counter:
            assert client.get("/appeals").status_code == 200
        return counter.count

    few = statements()
    appealed(decision(), [acknowledge])
    appealed(decision(), [acknowledge, refer])
    appealed(decision(), [acknowledge, refer, decide, tell])
    appeals.start_draft(clock.now, decision())
    decision()
    db.session.commit()
    page = client.get("/appeals").text
    assert page.count("/appeals/start/") == 2 and "no further appeal" in page
    assert statements() == few
