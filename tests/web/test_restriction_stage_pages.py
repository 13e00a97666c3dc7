"""The restriction-stage staff pages through the test client: who may use them, bad input,
htmx fragments and full pages, query counts, and the journeys end to end."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import db
from portal.arrangements.models import Arrangement, ArrangementStatus
from portal.auth.models import Role
from portal.correspondence.models import Correspondence, CorrespondenceStatus
from portal.letters.models import Letter
from portal.restrictions.models import (
    CHECKLIST,
    Delivery,
    RequestStatus,
    Restriction,
    RestrictionRequest,
    RestrictionStatus,
)
from portal.timeutil import add_months
from tests.conftest import csrf_token
from tests.pages import check_fragment, check_page, errors_on
from tests.web.restriction_forms import REQUEST_CONSIDERATIONS

ROLES = [
    Role.COLLEAGUE,
    Role.LINE_MANAGER,
    Role.PANEL,
    Role.CSM,
    Role.GLT,
    Role.CEM,
    Role.ADMIN,
]


@pytest.fixture
def staff(make_staff, panel_member, glt_member):
    people = {role: make_staff(role) for role in ROLES}
    people[Role.PANEL] = panel_member
    people[Role.GLT] = glt_member
    return people


@pytest.fixture
def world(
    staff,
    restriction_in_force,
    make_customer,
    make_arrangement,
    final_warning_for,
    make_request,
    clock,
):
    restriction = restriction_in_force()
    customer = restriction.customer
    pending_customer = make_customer()
    final_warning_for(pending_customer)
    pending = make_request(pending_customer, requester=staff[Role.PANEL])
    arrangement = make_arrangement(make_customer())
    return {
        "restriction": restriction,
        "customer": customer,
        "pending": pending,
        "arrangement": arrangement,
    }


def _pages(w) -> list[tuple[str, set[Role]]]:
    r, c, p, a = w["restriction"], w["customer"], w["pending"], w["arrangement"]
    panel = {Role.PANEL}
    return [
        ("/staff/restriction-requests", {Role.PANEL, Role.GLT, Role.CEM}),
        (f"/staff/restriction-requests/{p.id}", {Role.PANEL, Role.GLT, Role.CEM}),
        (f"/staff/customers/{c.id}/restriction-requests/new", panel),
        ("/staff/reviews", panel),
        (f"/staff/restrictions/{r.id}/review", panel),
        (f"/staff/restrictions/{r.id}/reintroduce", panel),
        (f"/staff/customers/{c.id}/arrangements/new", panel),
        (f"/staff/arrangements/{a.id}/answer", panel),
        (f"/staff/arrangements/{a.id}/end", panel),
        (f"/staff/customers/{c.id}/correspondence", {Role.PANEL, Role.CEM}),
    ]


@pytest.mark.policy("8.16")
@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_each_page_refuses_the_roles_it_must(client, sign_in, staff, world, role):
    sign_in(staff[role])
    for url, allowed in _pages(world):
        response = client.get(url)
        if role in allowed:
            check_page(response, 200)
        else:
            assert response.status_code == 403, (url, role)


def test_signed_out_visitors_go_to_sign_in(client, world):
    for url, _allowed in _pages(world):
        response = client.get(url)
        assert (
            response.status_code in (302, 303) and "/staff/sign-in" in response.headers["Location"]
        )


def test_ids_that_do_not_exist_are_not_found(client, sign_in, staff):
    sign_in(staff[Role.PANEL])
    for url in (
        "/staff/restriction-requests/999999",
        "/staff/restrictions/99999999999/review",
        "/staff/arrangements/999999/answer",
        "/staff/customers/999999/correspondence",
    ):
        assert client.get(url).status_code == 404, url


@pytest.mark.policy("8.16")
@pytest.mark.policy("8.19")
def test_the_requester_holding_glt_cannot_decide_their_own_request(client, sign_in, staff, world):
    from portal.auth.models import UserRole

    requester = staff[Role.PANEL]
    requester.role_links.append(UserRole(role=Role.GLT))
    db.session.commit()
    sign_in(requester)
    url = f"/staff/restriction-requests/{world['pending'].id}"
    assert 'action="' + url + '/decision"' not in client.get(url).text
    response = client.post(
        f"{url}/decision",
        data={"csrf_token": csrf_token(client, url), "outcome": "rejected", "reasons": "No."},
    )
    assert response.status_code == 403
    assert db.session.get(RestrictionRequest, world["pending"].id).status == RequestStatus.SUBMITTED


def _request_data(**overrides) -> dict:
    data = {f"checklist_{key}": f"Evidence about {key}." for key in CHECKLIST}
    data.update(
        {
            "proposed_kinds": ["channel_only"],
            "proposal": "Email only for six months.",
            "waiver_incident_id": "0",
            "waiver_reason": "",
            **REQUEST_CONSIDERATIONS,
        }
    )
    data.update(overrides)
    return data


@pytest.mark.policy("8.18")
@pytest.mark.policy("8.19")
@pytest.mark.policy("8.20")
@pytest.mark.policy("8.21")
def test_request_more_information_approve_with_changes_letter_and_flag(
    client,
    sign_in,
    staff,
    make_customer,
    final_warning_for,
    clock,
    organisation_ready,
    reachable_by,
):
    customer = make_customer()
    reachable_by(customer, Delivery.PORTAL)
    final_warning_for(customer)
    panel, glt = staff[Role.PANEL], staff[Role.GLT]

    sign_in(panel)
    new = f"/staff/customers/{customer.id}/restriction-requests/new"
    missing = client.post(
        new,
        data={
            "csrf_token": csrf_token(client, new),
            **_request_data(checklist_policies_followed=""),
        },
    )
    assert missing.status_code == 422
    assert "checklist_policies_followed" in errors_on(check_page(missing, 422))
    sent = client.post(new, data={"csrf_token": csrf_token(client, new), **_request_data()})
    assert sent.status_code == 303
    request = db.session.scalar(
        select(RestrictionRequest).where(RestrictionRequest.customer_id == customer.id)
    )

    sign_in(glt)
    page = f"/staff/restriction-requests/{request.id}"
    asked = client.post(
        f"{page}/more-information",
        data={
            "csrf_token": csrf_token(client, page),
            "more-question": "Has the CEM been consulted?",
        },
    )
    assert asked.status_code == 303

    sign_in(panel)
    edit = f"/staff/restriction-requests/{request.id}/edit"
    check_page(client.get(edit))
    resent = client.post(
        edit,
        data={
            "csrf_token": csrf_token(client, edit),
            **_request_data(proposal="Email only; CEM agrees."),
        },
    )
    assert resent.status_code == 303

    sign_in(glt)
    today = clock.now.date()
    bad = client.post(
        f"{page}/decision",
        data={
            "csrf_token": csrf_token(client, page),
            "outcome": "approved_with_changes",
            "reasons": "Proportionate.",
            "kind": "set_times",
            "schedule": "Tuesdays 10:00–11:00",
            "restriction_reasons": "Calls at set times keep colleagues safe.",
            "starts_on": today.isoformat(),
            "review_on": "2027-02-31",
        },
    )
    assert bad.status_code == 422
    assert "review_on" in errors_on(check_page(bad, 422))
    assert db.session.scalar(select(func.count(Restriction.id))) == 0
    decided = client.post(
        f"{page}/decision",
        data={
            "csrf_token": csrf_token(client, page),
            "outcome": "approved_with_changes",
            "reasons": "Proportionate.",
            "kind": "set_times",
            "schedule": "Tuesdays 10:00–11:00",
            "restriction_reasons": "Calls at set times keep colleagues safe.",
            "starts_on": today.isoformat(),
            "review_on": add_months(today, 6).isoformat(),
        },
    )
    assert decided.status_code == 303

    letter_url = f"/staff/restriction-requests/{request.id}/letter"
    full = check_page(client.get(letter_url, query_string={"delivery": "post"}))
    assert "Appeal deadline" in full.get_text()
    fragment = check_fragment(
        client.get(letter_url, query_string={"delivery": "portal"}, headers={"HX-Request": "true"}),
        "letter-preview",
    )
    assert "Appeal deadline" in fragment.get_text()
    issued = client.post(
        letter_url, data={"csrf_token": csrf_token(client, letter_url), "delivery": "portal"}
    )
    assert issued.status_code == 303
    restriction = db.session.scalar(select(Restriction).where(Restriction.request_id == request.id))
    assert restriction.status == RestrictionStatus.ACTIVE and restriction.letter_id

    sign_in(staff[Role.COLLEAGUE])
    record = client.get(f"/staff/customers/{customer.id}").text
    assert "Contact is restricted: what IS allowed" in record
    assert "Calls only at set times" in record and "Tuesdays 10:00–11:00" in record
    assert "Complaints can always be made." in record
    assert "Emergency repairs and health and safety issues can always be reported." in record
    assert "Restriction requests" not in record  # the history is not for every colleague


@pytest.mark.policy("8.20")
def test_the_letter_cannot_be_issued_while_the_organisation_lacks_the_appeal_route(
    client, sign_in, staff, world, approve_request, organisation_ready
):
    made = approve_request(world["pending"])
    organisation_ready.appeals_contact = ""
    db.session.commit()
    sign_in(staff[Role.PANEL])
    url = f"/staff/restriction-requests/{world['pending'].id}/letter"
    preview = client.get(url).text
    assert "This letter cannot be issued yet" in preview and "how to appeal" in preview
    refused = client.post(url, data={"csrf_token": csrf_token(client, url), "delivery": "post"})
    assert refused.status_code == 422
    assert db.session.get(Restriction, made[0].id).letter_id is None


def test_forged_csrf_saves_nothing(client, sign_in, staff, world):
    sign_in(staff[Role.GLT])
    url = f"/staff/restriction-requests/{world['pending'].id}/decision"
    response = client.post(
        url, data={"csrf_token": "forged", "outcome": "rejected", "reasons": "x"}
    )
    assert response.status_code == 400
    assert db.session.get(RestrictionRequest, world["pending"].id).status == RequestStatus.SUBMITTED


@pytest.mark.parametrize(
    "value",
    ["x" * 20000, "‮ زبان 𝔘𝔫𝔦 \x00", "<script>alert(1)</script>"],
    ids=["huge", "unicode", "markup"],
)
def test_odd_text_in_a_review_never_gives_a_500(client, sign_in, staff, world, value):
    sign_in(staff[Role.PANEL])
    url = f"/staff/restrictions/{world['restriction'].id}/review"
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "outcome": "lift",
            "reasons": value,
            "behaviour_since": value,
        },
    )
    assert response.status_code in (303, 422)
    if response.status_code == 422:
        check_page(response, 422)


@pytest.mark.policy("10.1")
def test_review_lift_then_reintroduce_through_the_pages(client, sign_in, staff, world, clock):
    sign_in(staff[Role.PANEL])
    restriction = world["restriction"]
    queue = client.get("/staff/reviews").text
    assert "No reviews are due" in queue  # review is six months away
    url = f"/staff/restrictions/{restriction.id}/review"
    lifted = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "outcome": "lift",
            "reasons": "Calmer now.",
            "delivery": "hand",
        },
    )
    assert lifted.status_code == 303
    assert db.session.get(Restriction, restriction.id).status == RestrictionStatus.LIFTED
    back = f"/staff/restrictions/{restriction.id}/reintroduce"
    impossible = client.post(
        back,
        data={
            "csrf_token": csrf_token(client, back),
            "reason": "Again.",
            "review_on": "2027-13-01",
        },
    )
    assert impossible.status_code == 422
    again = client.post(
        back,
        data={
            "csrf_token": csrf_token(client, back),
            "reason": "Abusive calls started again.",
            "review_on": (clock.now.date() + timedelta(days=90)).isoformat(),
        },
    )
    assert again.status_code == 303
    assert (
        db.session.scalar(
            select(func.count(Restriction.id)).where(Restriction.reintroduces_id == restriction.id)
        )
        == 1
    )


@pytest.mark.policy("8.15")
def test_arrangement_preview_as_fragment_and_page_then_approve_answer_and_end(
    client, sign_in, staff, make_customer, clock
):
    customer = make_customer()
    sign_in(staff[Role.PANEL])
    url = f"/staff/customers/{customer.id}/arrangements/new"
    data = {
        "kinds": ["call_time", "call_length"],
        "summary": "Calls at a set time keep things calm.",
        "call_time_weekday": "1",
        "call_time_starts_at": "10:00",
        "call_time_ends_at": "11:00",
        "call_length_amount": "20",
        "review_on": add_months(clock.now.date(), 3).isoformat(),
        "delivery": "hand",
    }
    fragment = check_fragment(
        client.post(
            url,
            data={"csrf_token": csrf_token(client, url), **data},
            headers={"HX-Request": "true"},
        ),
        "arrangement-preview",
    )
    assert "Tuesday between 10:00 and 11:00" in fragment.get_text()
    page = check_page(
        client.post(url, data={"csrf_token": csrf_token(client, url), "action": "preview", **data})
    )
    assert "Tuesday between 10:00 and 11:00" in page.get_text()
    assert db.session.scalar(select(func.count(Arrangement.id))) == 0
    approved = client.post(url, data={"csrf_token": csrf_token(client, url), **data})
    assert approved.status_code == 303
    arrangement = db.session.scalar(select(Arrangement))
    answer = f"/staff/arrangements/{arrangement.id}/answer"
    recorded = client.post(
        answer,
        data={
            "csrf_token": csrf_token(client, answer),
            "answer": "agree",
            "channel": "phone",
            "note": "",
        },
    )
    assert recorded.status_code == 303
    assert db.session.get(Arrangement, arrangement.id).status == ArrangementStatus.AGREED
    end = f"/staff/arrangements/{arrangement.id}/end"
    empty = client.post(end, data={"csrf_token": csrf_token(client, end), "reason": ""})
    assert empty.status_code == 422
    ended = client.post(
        end, data={"csrf_token": csrf_token(client, end), "reason": "Behaviour improved."}
    )
    assert ended.status_code == 303


@pytest.mark.policy("9.5")
def test_correspondence_steps_through_the_pages(client, sign_in, staff, terminated, clock):
    customer = terminated
    today = clock.now.date()
    sign_in(staff[Role.CEM])
    url = f"/staff/customers/{customer.id}/correspondence"
    logged = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "received_on": today.isoformat(),
            "received_time": "09:00",
            "channel": "letter",
            "summary": "Asks again about the same repair.",
        },
    )
    assert logged.status_code == 303
    item = db.session.scalar(select(Correspondence))
    for step, data in (("read", {}), ("check", {}), ("close", {})):
        done = client.post(
            f"/staff/correspondence/{item.id}/{step}",
            data={"csrf_token": csrf_token(client, url), **data},
        )
        assert done.status_code == 303, step
    db.session.expire_all()
    item = db.session.get(Correspondence, item.id)
    assert item.status == CorrespondenceStatus.ACKNOWLEDGED
    assert db.session.get(Letter, item.letter_id) is not None
    assert (
        client.post(
            f"/staff/correspondence/{item.id}/shred", data={"csrf_token": csrf_token(client, url)}
        ).status_code
        == 404
    )


def _queries_for(client, url, count_queries) -> int:
    client.get(url)
    with count_queries() as counted:
        assert client.get(url).status_code == 200
    return counted.count


def test_lists_run_a_fixed_number_of_queries(
    client,
    sign_in,
    staff,
    restriction_in_force,
    make_request,
    make_customer,
    final_warning_for,
    make_arrangement,
    count_queries,
    clock,
    approve_request,
):
    soon = clock.now.date() + timedelta(days=5)
    first = restriction_in_force(review_on=soon)
    customer = first.customer
    make_arrangement(customer)
    sign_in(staff[Role.PANEL])
    urls = ["/staff/restriction-requests", "/staff/reviews", f"/staff/customers/{customer.id}"]
    before = {url: _queries_for(client, url, count_queries) for url in urls}
    for _ in range(4):
        restriction_in_force(review_on=soon)
        make_arrangement(customer)
    from portal.restrictions import services as restrictions

    more = approve_request(make_request(customer), review_on=soon)
    restrictions.issue_decision_letter(staff[Role.PANEL], clock.now, more, Delivery.HAND)
    db.session.commit()
    after = {url: _queries_for(client, url, count_queries) for url in urls}
    assert after == before


@pytest.mark.policy("8.20")
def test_without_javascript_the_preview_button_updates_the_letter_and_issues_nothing(
    client, sign_in, staff, world, approve_request, organisation_ready, reachable_by
):
    reachable_by(world["pending"].customer, Delivery.POST)
    made = approve_request(world["pending"])
    sign_in(staff[Role.PANEL])
    url = f"/staff/restriction-requests/{world['pending'].id}/letter"
    page = check_page(client.get(url))
    form = page.find("form", attrs={"action": url})
    token = form.find("input", attrs={"name": "csrf_token"})["value"]
    preview = client.post(url, data={"csrf_token": token, "delivery": "post", "action": "preview"})
    soup = check_page(preview, 200)
    assert "Sent by post" in soup.get_text()
    assert db.session.get(Restriction, made[0].id).letter_id is None
    issued = client.post(url, data={"csrf_token": token, "delivery": "post", "action": "issue"})
    assert issued.status_code == 303
    assert db.session.get(Restriction, made[0].id).letter_id is not None


@pytest.mark.policy("10.1")
def test_review_letter_preview_as_fragment_and_page_keeps_nothing(
    client, sign_in, staff, world, clock
):
    sign_in(staff[Role.PANEL])
    restriction = world["restriction"]
    url = f"/staff/restrictions/{restriction.id}/review"
    letters_before = db.session.scalar(select(func.count(Letter.id)))
    data = {
        "csrf_token": csrf_token(client, url),
        "outcome": "continue",
        "reasons": "The calls have continued at the same level.",
        "next_review_on": add_months(clock.now.date(), 6).isoformat(),
        "delivery": "hand",
    }
    fragment = check_fragment(
        client.post(url, data=data, headers={"HX-Request": "true"}), "review-preview"
    )
    assert "The calls have continued at the same level." in fragment.get_text()
    page = check_page(client.post(url, data={**data, "action": "preview"}))
    assert (
        "The calls have continued at the same level."
        in page.select_one("#review-preview").get_text()
    )
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Letter.id))) == letters_before
    assert db.session.get(Restriction, restriction.id).review_on == restriction.review_on
    incomplete = check_fragment(
        client.post(url, data={**data, "reasons": ""}, headers={"HX-Request": "true"}),
        "review-preview",
    )
    assert "The preview appears when the form is complete" in incomplete.get_text()
    recorded = client.post(url, data={**data, "action": "record"})
    assert recorded.status_code == 303
    assert db.session.scalar(select(func.count(Letter.id))) == letters_before + 1
