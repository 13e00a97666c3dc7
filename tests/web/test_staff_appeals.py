"""The CEM's tracker and steps, GLT's decision and assisted lodging, through the pages."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from portal import db
from portal.appeals import evidence
from portal.appeals import services as appeals
from portal.appeals.models import Appeal, AppealChannel, AppealOutcome, AppealStatus
from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.letters.models import Letter
from portal.restrictions.models import RestrictionStatus
from portal.timeutil import from_london
from tests.conftest import csrf_token
from tests.pages import check_page, errors_on


@pytest.fixture
def cem(make_staff):
    return make_staff(Role.CEM, name="Cara Experience")


@pytest.fixture
def other_glt(make_staff):
    return make_staff(Role.GLT, name="Otto Leader")


@pytest.fixture
def restricted(restriction_in_force, clock):
    clock.now = datetime(2027, 3, 19, 10, tzinfo=UTC)
    return restriction_in_force(now=clock.now)


@pytest.fixture
def lodged(restricted, clock):
    def _lodge(restriction=None, at=None):
        restriction = restriction or restricted
        appeal = appeals.start_draft(clock.now, restriction)
        appeals.save_answers(clock.now, appeal, appeals.Answers(grounds="It was unfair."))
        appeals.lodge(restriction.customer, at or clock.now, appeal, f"k{appeal.id}")
        db.session.commit()
        return appeal

    return _lodge


def _post(client, url, data=None, page=None):
    return client.post(url, data={"csrf_token": csrf_token(client, page or url), **(data or {})})


@pytest.mark.policy("9.1")
@pytest.mark.policy("9.3")
@pytest.mark.policy("9.4")
def test_cem_walks_an_appeal_to_its_outcome(client, sign_in, cem, other_glt, lodged, clock):
    appeal = lodged()
    sign_in(cem)
    tracker = client.get("/staff/appeals")
    assert appeal.reference in tracker.text
    assert "Acknowledge the appeal" in tracker.text and "Due soon" not in tracker.text
    page = f"/staff/appeals/{appeal.id}"
    assert _post(client, f"{page}/acknowledge", page=page).status_code == 303
    assert appeal.expected_outcome_on is not None
    assert _post(client, f"{page}/refer", page=page).status_code == 303
    sign_in(other_glt)
    decided = _post(
        client,
        f"{page}/decision",
        {"decision-outcome": "overturned", "decision-reasons": "The report was mistaken."},
        page=page,
    )
    assert decided.status_code == 303
    db.session.expire_all()
    assert appeal.restriction.status == RestrictionStatus.ENDED
    sign_in(cem)
    assert _post(client, f"{page}/outcome", page=page).status_code == 303
    db.session.expire_all()
    assert db.session.get(Appeal, appeal.id).status == AppealStatus.CLOSED
    assert appeal.reference not in client.get("/staff/appeals").text


@pytest.mark.policy("9.3")
def test_glt_member_who_decided_the_restriction_cannot_decide_the_appeal(
    client, sign_in, cem, glt_member, lodged, clock
):
    appeal = lodged()
    appeals.acknowledge(cem, clock.now, appeal)
    appeals.refer_to_glt(cem, clock.now, appeal)
    db.session.commit()
    sign_in(glt_member)
    page = f"/staff/appeals/{appeal.id}"
    assert "GLT decision" not in client.get(page).text
    response = _post(
        client, f"{page}/decision", {"decision-outcome": "upheld", "decision-reasons": "x"}, page
    )
    assert response.status_code == 403
    assert db.session.get(Appeal, appeal.id).outcome is None


def test_overdue_steps_say_so_in_words(client, sign_in, cem, lodged, clock):
    appeal = lodged()
    clock.now = datetime(2027, 3, 24, 10, tzinfo=UTC)  # acknowledgement was due Tue 23 Mar
    sign_in(cem)
    tracker = client.get("/staff/appeals")
    assert "Overdue" in tracker.text
    assert appeal.reference in tracker.text


@pytest.mark.policy("9.2")
def test_staff_lodge_an_appeal_for_a_customer(client, sign_in, cem, restricted):
    sign_in(cem)
    url = f"/staff/customers/{restricted.customer_id}/appeals/new"
    assert client.get(url).status_code == 200
    response = _post(
        client,
        url,
        {
            "channel": "phone",
            "received_on": "2027-03-19",
            "received_time": "09:30",
            "helped_by": "Language Line interpreter (Urdu)",
            "grounds": "Said on the phone: the decision is unfair.",
            "interpreter_language": "Urdu",
        },
    )
    assert response.status_code == 303
    appeal = db.session.scalar(select(Appeal))
    assert appeal.channel == AppealChannel.PHONE and appeal.lodged_by_staff_id == cem.id
    assert appeal.needs_interpreter and appeal.interpreter_language == "Urdu"


def test_assisted_lodging_refuses_bad_input_without_saving(client, sign_in, cem, restricted):
    sign_in(cem)
    url = f"/staff/customers/{restricted.customer_id}/appeals/new"
    response = _post(client, url, {"channel": "pigeon", "received_on": "2027-02-31", "grounds": ""})
    assert response.status_code == 422
    assert 'href="#received_on"' in response.text
    assert db.session.scalar(select(func.count(Appeal.id))) == 0


@pytest.mark.parametrize("role", [Role.COLLEAGUE, Role.LINE_MANAGER, Role.CSM, Role.ADMIN])
def test_roles_without_appeal_rights_are_refused(client, sign_in, make_staff, lodged, role):
    appeal = lodged()
    sign_in(make_staff(role))
    assert client.get("/staff/appeals").status_code == 403
    assert client.get(f"/staff/appeals/{appeal.id}").status_code == 403
    page = "/staff/"
    assert _post(client, f"/staff/appeals/{appeal.id}/acknowledge", page=page).status_code == 403


def test_only_the_cem_runs_the_steps(client, sign_in, make_staff, lodged):
    appeal = lodged()
    sign_in(make_staff(Role.PANEL))
    page = f"/staff/appeals/{appeal.id}"
    assert client.get(page).status_code == 200
    assert _post(client, f"{page}/acknowledge", page=page).status_code == 403
    assert db.session.get(Appeal, appeal.id).status == AppealStatus.LODGED


def test_a_customers_draft_is_not_visible_to_staff(client, sign_in, cem, restricted, clock):
    draft = appeals.start_draft(clock.now, restricted)
    db.session.commit()
    sign_in(cem)
    assert client.get(f"/staff/appeals/{draft.id}").status_code == 404
    assert client.get("/staff/appeals/99999999999").status_code == 404


def test_the_tracker_runs_a_fixed_number_of_queries(
    client, sign_in, cem, lodged, restriction_in_force, clock, count_queries
):
    lodged()
    sign_in(cem)
    client.get("/staff/appeals")
    with count_queries() as one:
        client.get("/staff/appeals")
    for _ in range(4):
        lodged(restriction_in_force(now=clock.now))
    with count_queries() as five:
        client.get("/staff/appeals")
    assert five.count == one.count


def test_home_page_tells_the_cem_and_glt_what_waits(
    client, sign_in, cem, other_glt, glt_member, lodged, clock
):
    appeal = lodged()
    clock.now = datetime(2027, 3, 24, 10, tzinfo=UTC)  # acknowledgement overdue
    sign_in(cem)
    home = client.get("/staff/")
    assert "1 open appeal" in home.text and "1 overdue" in home.text
    appeals.acknowledge(cem, clock.now, appeal)
    appeals.refer_to_glt(cem, clock.now, appeal)
    db.session.commit()
    sign_in(other_glt)
    assert "1 appeal waits for a GLT decision you can make" in client.get("/staff/").text
    sign_in(glt_member)  # decided the restriction, so cannot decide the appeal
    assert "0 appeals wait for a GLT decision" in client.get("/staff/").text


# --- GLT varies the restriction (§9.3), the customer told the new terms (§9.4) ----------------


@pytest.fixture
def with_glt(lodged, cem, clock):
    appeal = lodged()
    appeals.acknowledge(cem, clock.now, appeal)
    appeals.refer_to_glt(cem, clock.now, appeal)
    db.session.commit()
    return appeal


@pytest.mark.policy("9.3")
@pytest.mark.policy("9.4")
def test_glt_can_vary_the_restriction_on_the_page(client, sign_in, cem, other_glt, with_glt):
    appeal = with_glt
    page = f"/staff/appeals/{appeal.id}"
    sign_in(other_glt)
    form = check_page(client.get(page))
    assert form.find("input", attrs={"name": "decision-outcome", "value": "varied"}) is not None
    legend = form.find("legend", string=lambda t: t and "The changed restriction" in t)
    assert legend is not None and legend.parent.name == "fieldset"
    data = {
        "decision-outcome": "varied",
        "decision-reasons": "Calls at set times are enough.",
        "decision-kind": "set_times",
        "decision-schedule": "Tuesdays 10:00 to 11:00",
        "decision-restriction_reasons": "Long calls kept staff from other customers.",
    }
    missing = _post(client, f"{page}/decision", data, page=page)
    soup = check_page(missing, 422)
    assert "decision-review_on" in errors_on(soup)
    assert db.session.get(Appeal, appeal.id).outcome is None
    data["decision-review_on"] = "2027-06-18"
    assert _post(client, f"{page}/decision", data, page=page).status_code == 303
    db.session.expire_all()
    assert appeal.restriction.status == RestrictionStatus.REPLACED
    sign_in(cem)
    assert _post(client, f"{page}/outcome", page=page).status_code == 303
    db.session.expire_all()
    html = db.session.get(Letter, db.session.get(Appeal, appeal.id).outcome_letter_id).body_html
    assert "Call us only at the agreed times" in html and "Tuesdays 10:00 to 11:00" in html
    assert "We will review it by 18 June 2027" in html
    assert "Long calls kept staff from other customers." in html


# --- assisted lodging: only possible receipt dates (§9.2) -------------------------------------


@pytest.mark.policy("9.2")
@pytest.mark.parametrize(
    ("received_on", "received_time", "field"),
    [
        ("2027-03-22", "", "received_on"),  # the next working day, no time: not "now"
        ("2027-03-19", "15:00", "received_time"),  # later today
        ("1900-01-01", "", "received_on"),
        ("2027-03-18", "09:00", "received_on"),  # the day before the letter was sent
    ],
)
def test_assisted_lodging_refuses_impossible_receipt_dates(
    client, sign_in, cem, restricted, received_on, received_time, field
):
    sign_in(cem)
    url = f"/staff/customers/{restricted.customer_id}/appeals/new"
    response = _post(
        client,
        url,
        {
            "channel": "phone",
            "received_on": received_on,
            "received_time": received_time,
            "grounds": "Said on the phone: unfair.",
        },
    )
    soup = check_page(response, 422)
    assert field in errors_on(soup)
    assert soup.find(id=f"{field}-error") is not None  # next to the field
    assert db.session.scalar(select(func.count(Appeal.id))) == 0


def test_assisted_lodging_after_the_appeal_is_over_is_refused(
    client, sign_in, cem, other_glt, with_glt, clock
):
    appeal = with_glt
    appeals.glt_decide(other_glt, clock.now, appeal, AppealOutcome.UPHELD, "Reasonable.")
    appeals.send_outcome(cem, clock.now, appeal)
    db.session.commit()
    sign_in(cem)
    url = f"/staff/customers/{appeal.customer_id}/appeals/new"
    response = client.get(url)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/staff/appeals/{appeal.id}")
    assert "there is no further appeal" in client.get(response.headers["Location"]).text
    assert db.session.scalar(select(func.count(Appeal.id))) == 1


# --- the tracker: due today is not due soon ---------------------------------------------------


def test_the_tracker_says_due_today_apart_from_due_soon(client, sign_in, cem, lodged, clock):
    lodged()  # received Fri 19 Mar 2027: acknowledge by Tue 23 Mar
    clock.now = datetime(2027, 3, 22, 10, tzinfo=UTC)
    sign_in(cem)
    soon = client.get("/staff/appeals").text
    assert "Due soon" in soon and "Due today" not in soon
    clock.now = datetime(2027, 3, 23, 10, tzinfo=UTC)
    sign_in(cem)
    today = client.get("/staff/appeals").text
    assert "Due today" in today and "Due soon" not in today


# --- files sent with an appeal, opened by staff -----------------------------------------------


def test_staff_open_an_appeals_files_and_each_opening_is_audited(
    app, client, sign_in, cem, restricted, clock
):
    draft = appeals.start_draft(clock.now, restricted)
    appeals.save_answers(clock.now, draft, appeals.Answers(grounds="Unfair."))
    item = evidence.add_evidence(
        restricted.customer,
        clock.now,
        draft,
        "Doctor's letter.pdf",
        b"%PDF-1.4 letter",
        app.config["UPLOAD_DIR"] / "appeals",
        app.config["MAX_ATTACHMENT_BYTES"],
    )
    db.session.commit()
    sign_in(cem)
    url = f"/staff/appeals/{draft.id}/evidence/{item.id}"
    assert client.get(url).status_code == 404  # an unsent draft is the customer's alone
    appeals.lodge(restricted.customer, clock.now, draft, "k")
    db.session.commit()
    page = check_page(client.get(f"/staff/appeals/{draft.id}"))
    assert page.find("a", href=url) is not None
    opened = client.get(url)
    assert opened.status_code == 200 and opened.data == b"%PDF-1.4 letter"
    assert opened.headers["Content-Type"] == "application/pdf"
    assert opened.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in opened.headers["Cache-Control"]
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "appeal.evidence_downloaded")
    ).all()
    assert [(e.entity_id, e.actor_id) for e in events] == [(draft.id, cem.id)]
    assert client.get(f"/staff/appeals/{draft.id}/evidence/{item.id + 1}").status_code == 404
    assert client.get(f"/staff/appeals/{draft.id}/evidence/99999999999").status_code == 404


def _received_line(client, appeal) -> str:
    page = check_page(client.get(f"/staff/appeals/{appeal.id}"))
    return " ".join(page.find(id="appeal-received").get_text(" ").split())


@pytest.mark.policy("9.2")
def test_point2_the_received_line_reads_as_sentences(
    client, sign_in, cem, restriction_in_force, clock
):
    """Issue 16 leftover: "…(a weekend). (By letter), lodged by …" reads as two sentences."""
    clock.now = datetime(2026, 11, 9, 10, tzinfo=UTC)
    restriction = restriction_in_force(now=clock.now)
    clock.now = datetime(2026, 11, 30, 10, tzinfo=UTC)
    appeal = appeals.start_draft(clock.now, restriction)
    appeals.save_answers(clock.now, appeal, appeals.Answers(grounds="It was unfair."))
    appeals.lodge(
        cem,
        clock.now,
        appeal,
        "k-saturday",
        channel=AppealChannel.LETTER,
        received_at=from_london(date(2026, 11, 28), 10, 15),
        helped_by="Her daughter",
    )
    db.session.commit()
    sign_in(cem)
    assert _received_line(client, appeal) == (
        "Arrived 10:15 on Saturday 28 November 2026; counted from Monday 30 November 2026, "
        "the next working day (a weekend). By letter, lodged by Cara Experience; "
        "helped by Her daughter."
    )


@pytest.mark.policy("9.2")
def test_point2_a_received_line_on_a_working_day_ends_its_date_with_a_full_stop(
    client, sign_in, cem, lodged
):
    appeal = lodged()
    sign_in(cem)
    assert _received_line(client, appeal) == "Friday 19 March 2027. Online, in the portal."
