"""Who may open each staff page and send each staff form, and what everyone else gets.

Every page is fetched through ``check_page`` for each role that may see it. Every route, GET
and POST, is tried by each role that must be refused (a 403 page, nothing saved) and signed out
(sent to sign in, nothing saved).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from portal import db
from portal.audit.models import AuditEvent
from tests.every import every
from tests.pages import check_page
from tests.web.forms import assert_field_error, incident_form
from tests.web.routes import BARE_POSTS, EVERYONE, FORMS, INCIDENT_READERS, PAGES, STAFF


@pytest.mark.parametrize("spec", PAGES, ids=lambda p: p.name)
def test_each_role_sees_only_the_pages_it_may(client, world, act_as, spec):
    """Every role in turn on one copy of the world: reading a page changes nothing that
    another role's answer depends on."""

    def check(role: str) -> None:
        act_as(role)
        response = client.get(spec.href(world))
        if role in spec.allowed:
            check_page(response, 200)
        else:
            soup = check_page(response, 403)
            assert "You cannot see this page" in soup.h1.get_text()

    every(STAFF, check)


@pytest.mark.parametrize("spec", PAGES, ids=lambda p: p.name)
def test_signed_out_visitors_are_sent_to_sign_in(client, world, spec):
    url = spec.href(world)
    response = client.get(url)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/staff/sign-in"
    assert parse_qs(location.query)["next"] == [url]


def test_the_start_page_is_open_to_everyone(client, act_as, people):
    soup = check_page(client.get("/"))
    assert soup.find("a", href="/staff/sign-in")
    act_as("colleague")
    check_page(client.get("/"))


def test_the_sign_in_page_sends_signed_in_staff_home(client, act_as, people):
    check_page(client.get("/staff/sign-in"))
    act_as("panel")
    response = client.get("/staff/sign-in")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/staff/"


@pytest.mark.parametrize("role", sorted(INCIDENT_READERS | {"csm"}))
def test_evidence_downloads_for_those_who_may_see_the_incident(client, world, act_as, role):
    act_as(role)
    response = client.get(f"/staff/incidents/{world.awaiting.id}/evidence/{world.attachment.id}")
    assert response.status_code == 200
    assert response.data == b"Notes of the call."
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    opened = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "incident.evidence_downloaded")
    ).all()
    assert [(e.entity_id, e.after["file"]) for e in opened] == [
        (world.awaiting.id, world.attachment.original_name)
    ]


@pytest.mark.parametrize("role", sorted(EVERYONE - INCIDENT_READERS - {"csm"}))
def test_evidence_is_refused_to_everyone_else(client, world, act_as, role):
    act_as(role)
    response = client.get(f"/staff/incidents/{world.awaiting.id}/evidence/{world.attachment.id}")
    check_page(response, 403)


# --- forms -------------------------------------------------------------------------------------


def _allowed_cases(forms):
    for form in forms:
        for role in sorted(form.allowed):
            yield pytest.param(form, role, id=f"{form.name}-{role}")


@pytest.mark.parametrize(("form", "role"), list(_allowed_cases(FORMS)))
def test_each_form_is_accepted_from_each_role_that_may_send_it(
    world, act_as, post, table_counts, form, role
):
    world.me = act_as(role)
    before = table_counts()
    response = post(form.href(world), form.data(world), prefix=form.prefix)
    assert response.status_code == 303, response.data[:1000]
    assert table_counts()[form.changes] > before[form.changes]


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.name)
def test_each_form_is_refused_to_every_other_role_and_saves_nothing(
    world, act_as, post, table_counts, form
):
    def check(role: str) -> None:
        world.me = act_as(role)
        before = table_counts()
        response = post(form.href(world), form.data(world), prefix=form.prefix)
        check_page(response, 403)
        assert table_counts() == before, "a refused form saved something"

    every([role for role in STAFF if role not in form.allowed], check)


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.name)
def test_signed_out_forms_go_to_sign_in_and_save_nothing(client, world, post, table_counts, form):
    before = table_counts()
    response = post(form.href(world), form.data(world), token_from="/staff/sign-in")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/staff/sign-in"
    assert table_counts() == before


def _bare_cases():
    for name, url, allowed in BARE_POSTS:
        for role in STAFF:
            yield pytest.param(url, allowed, role, id=f"{name}-{role}")


@pytest.mark.parametrize(("url", "allowed", "role"), list(_bare_cases()))
def test_ending_alerts_and_removing_closures_need_the_right_role(
    world, act_as, post, table_counts, url, allowed, role
):
    act_as(role)
    before = table_counts()
    response = post(
        url.format(tenant=world.tenant.id, alert=world.alert.id, closure=world.closure.id)
    )
    if role in allowed:
        assert response.status_code == 303
        assert table_counts()["audit_event"] > before["audit_event"]
    else:
        check_page(response, 403)
        assert table_counts() == before


@pytest.mark.parametrize("url", [url for _name, url, _allowed in BARE_POSTS] + ["/staff/sign-out"])
def test_signed_out_posts_to_other_routes_save_nothing(client, world, post, table_counts, url):
    before = table_counts()
    href = url.format(tenant=world.tenant.id, alert=world.alert.id, closure=world.closure.id)
    response = post(href, token_from="/staff/sign-in")
    assert response.status_code in (302, 303)
    assert urlsplit(response.headers["Location"]).path == "/staff/sign-in"
    assert table_counts() == before


def test_the_line_manager_cannot_report_naming_themself(world, act_as, post, table_counts):
    act_as("line_manager")
    before = table_counts()
    data = incident_form(world.tenant, world.people.line_manager)
    assert_field_error(post("/staff/incidents/new", data), "line_manager_id")
    assert table_counts() == before


def test_a_decision_already_recorded_is_not_recorded_again(
    client, world, act_as, post, table_counts
):
    act_as("line_manager")
    url = f"/staff/incidents/{world.awaiting.id}/decision"
    decision = {"decisions": ["no_further_immediate_action"], "notes": ""}
    assert post(url, decision).status_code == 303
    before = table_counts()
    again = post(url, decision, token_from=f"/staff/incidents/{world.awaiting.id}")
    assert again.status_code == 303
    assert table_counts() == before
    page = check_page(client.get(again.headers["Location"]))
    assert "already been recorded" in page.get_text()


@pytest.mark.parametrize(
    ("role", "letter", "status"),
    [
        ("panel", "letter_other", 200),
        ("colleague", "letter", 200),
        ("csm", "letter", 200),
        ("csm", "letter_other", 403),
        ("other_colleague", "letter", 403),
        ("admin", "letter", 403),
    ],
)
def test_letter_pdfs_are_shared_like_the_letter(client, world, act_as, role, letter, status):
    act_as(role)
    response = client.get(f"/staff/letters/{getattr(world, letter)}/pdf")
    if status == 200:
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        assert response.data.startswith(b"%PDF")
    else:
        check_page(response, status)


def test_letter_pdfs_need_sign_in(client, world):
    response = client.get(f"/staff/letters/{world.letter}/pdf")
    assert urlsplit(response.headers["Location"]).path == "/staff/sign-in"


@pytest.mark.parametrize("role", sorted(INCIDENT_READERS | {"csm"}))
def test_the_upload_form_is_offered_only_to_those_who_may_add_evidence(client, world, act_as, role):
    act_as(role)
    soup = check_page(client.get(f"/staff/incidents/{world.awaiting.id}"))
    offered = soup.find("form", action=f"/staff/incidents/{world.awaiting.id}/evidence")
    may_add = next(form for form in FORMS if form.name == "add evidence").allowed
    assert (offered is not None) == (role in may_add)
