"""Whole journeys through the staff pages, each marked with the policy clauses it proves."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import db
from portal.audit.models import AuditEvent
from portal.customers.models import CustomerType
from portal.incidents.models import Incident
from portal.panel.models import CONTEXT_CONSIDERATIONS, PanelReview
from tests.factories import PASSWORD
from tests.pages import check_page, errors_on
from tests.web.forms import (
    assert_field_error,
    give_second_factor,
    incident_form,
    review_form,
)


def sign_in_with_form(client, token, user):
    """Sign in the way a person does, from a fresh browser: the form, email and password, and
    the code from their authenticator app for roles that need a second factor."""
    with client.session_transaction() as flask_session:
        flask_session.clear()
    response = client.post(
        "/staff/sign-in",
        data={"csrf_token": token("/staff/sign-in"), "email": user.email, "password": PASSWORD},
    )
    assert response.status_code == 303, response.data[:500]
    if response.headers["Location"].startswith("/staff/sign-in/code"):
        give_second_factor(client, user)


def follow(client, response):
    assert response.status_code == 303, errors_on(check_page(response, response.status_code))
    return check_page(client.get(response.headers["Location"]))


def text_of(soup) -> str:
    return soup.get_text(" ", strip=True)


def latest_incident() -> Incident:
    return db.session.scalar(select(Incident).order_by(Incident.id.desc()).limit(1))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- incident → decision → review → first warning ------------------------------------------------


@pytest.mark.policy("8.1")
@pytest.mark.policy("8.2")
@pytest.mark.policy("8.3")
@pytest.mark.policy("7.2")
@pytest.mark.policy("8.7")
@pytest.mark.policy("8.9")
def test_a_report_goes_to_the_manager_then_the_panel_and_ends_in_a_first_warning(
    client, token, post, people, tenant
):
    colleague, manager = people.colleague, people.line_manager

    # The colleague reports from the customer's record, with a recording as evidence.
    sign_in_with_form(client, token, colleague)
    form = check_page(client.get(f"/staff/incidents/new?customer={tenant.id}"))
    assert form.find(id="customer_reference")["value"] == tenant.reference
    assert form.select_one("#line_manager_id option[selected]")["value"] == str(manager.id)
    data = incident_form(
        tenant,
        manager,
        channel="home_visit",
        location="14 Acacia Avenue",
        example_types=["threats", "verbal_abuse"],
        description="Said he would hurt me if the boiler was not fixed today.",
        immediate_action="Ended the visit and left the property.",
        evidence=(io.BytesIO(b"\xff\xd8\xff photo of the note"), "note.jpg"),
    )
    page = follow(client, post("/staff/incidents/new", data, token_from="/staff/incidents/new"))
    incident = latest_incident()
    assert f"Incident {incident.reference} reported. Lena Manager has been told." in text_of(page)
    assert "Serious incident (§8.1) Yes" in text_of(page)
    assert "Ended the visit and left the property." in text_of(page)
    assert page.find("a", string="note.jpg")

    # The line manager is told at once (§8.2) and records the §8.3 decision.
    sign_in_with_form(client, token, manager)
    home = check_page(client.get("/staff/"))
    assert f"{incident.reference}: Terry Tenant" in text_of(home)
    assert "Colin Colleague reported incident" in text_of(home)
    decision_url = f"/staff/incidents/{incident.id}/decision"
    check_page(client.get(decision_url))
    decided = follow(
        client,
        post(
            decision_url,
            {
                "decisions": ["report_to_police", "legal_action"],
                "notes": "Police told; injunction.",
            },
            token_from=decision_url,
        ),
    )
    assert "Report to the police; Pursue legal action" in text_of(decided)
    home = check_page(client.get("/staff/"))
    assert home.find("h2", string="Reports waiting for your decision (§8.3)") is None

    # The Panel reviews it, weighing every point of context in §7.2 (a box left out is refused).
    sign_in_with_form(client, token, people.panel)
    queue = check_page(client.get("/staff/panel"))
    assert queue.find("a", string=incident.reference)
    review_url = f"/staff/incidents/{incident.id}/review"
    review_page = check_page(client.get(review_url))
    assert "it will be a first stage warning" in text_of(review_page)
    assert len(review_page.select("input[name=context_considered]")) == len(CONTEXT_CONSIDERATIONS)
    not_all = review_form(context_considered=list(CONTEXT_CONSIDERATIONS)[:-1])
    assert_field_error(post(review_url, not_all, token_from=review_url), "context_considered")
    assert count(PanelReview) == 0
    summary = "You said you would hurt our officer if the boiler was not fixed that day."
    reviewed = review_form(letter_summary=summary)
    preview = follow(client, post(review_url, reviewed, token_from=review_url))

    # The letter is previewed: this behaviour in the Panel's words (not the colleague's report
    # word for word), the consequences, the policy enclosed (§8.9).
    assert preview.h1.get_text(strip=True) == "Check the first stage warning before you issue it"
    letter = text_of(preview.select_one(".letter"))
    assert summary in letter
    assert "Said he would hurt me if the boiler was not fixed today." not in letter
    assert "first stage written warning" in letter
    assert "we will send you a second stage written warning" in letter
    assert "Enclosed:" in letter

    # Issued, the letter is frozen.
    warning_url = f"/staff/incidents/{incident.id}/warning"
    issued = follow(client, post(warning_url, {"delivery": "hand"}, token_from=warning_url))
    assert "First stage warning issued." in text_of(issued)
    assert "Unchanged since issue" in text_of(issued)
    assert letter == text_of(issued.select_one(".letter"))
    register = check_page(client.get(f"/staff/register?q={incident.reference}"))
    assert "Written warning: first stage" in text_of(register)


def test_a_report_without_evidence_needs_no_upload(client, post, act_as, tenant, people):
    act_as("colleague")
    data = incident_form(tenant, people.line_manager, evidence=(io.BytesIO(b""), ""))
    page = follow(client, post("/staff/incidents/new", data))
    assert "No evidence attached." in text_of(page)


def test_a_report_of_something_earlier_today_with_no_time_is_accepted(
    client, post, act_as, tenant, people
):
    """At 10:00, "earlier today, time unknown" must not count as midday, in the future."""
    act_as("colleague")
    data = incident_form(tenant, people.line_manager, occurred_on="2026-11-23", occurred_time="")
    follow(client, post("/staff/incidents/new", data))
    assert latest_incident().occurred_at <= latest_incident().reported_at


# --- escalation: second, final, then no fourth warning -------------------------------------------


def _report_review_issue(client, post, act_as, customer, people, description, today):
    act_as("colleague")
    data = incident_form(
        customer, people.line_manager, description=description, occurred_on=today.isoformat()
    )
    follow(client, post("/staff/incidents/new", data))
    incident = latest_incident()
    act_as("panel")
    # The Panel's summary for the letter tells the behaviour (§8.9, §8.11, §8.13).
    reviewed = review_form(letter_summary=description)
    preview = follow(client, post(f"/staff/incidents/{incident.id}/review", reviewed))
    issued = follow(client, post(f"/staff/incidents/{incident.id}/warning", {"delivery": "hand"}))
    return incident, text_of(preview.select_one(".letter")), issued


@pytest.mark.policy("8.10")
@pytest.mark.policy("8.11")
@pytest.mark.policy("8.12")
@pytest.mark.policy("8.13")
def test_further_incidents_lead_to_second_and_final_warnings_and_then_no_more(
    client, post, act_as, tenant, people, clock
):
    first = "Swore at the repairs officer on the phone."
    second = "Sent eleven abusive emails in one evening."
    third = "Shouted abuse at reception."
    _report_review_issue(client, post, act_as, tenant, people, first, clock.now.date())

    clock.now += timedelta(days=30)
    _, letter, issued = _report_review_issue(
        client, post, act_as, tenant, people, second, clock.now.date()
    )
    assert "Second stage warning issued." in text_of(issued)
    assert "second stage written warning" in letter
    assert first in letter, "the second stage letter repeats the first stage's behaviour (§8.11)"
    assert second in letter

    clock.now += timedelta(days=30)
    _, letter, issued = _report_review_issue(
        client, post, act_as, tenant, people, third, clock.now.date()
    )
    assert "Final warning issued." in text_of(issued)
    assert all(text in letter for text in (first, second, third)), "§8.13: every stage"
    assert "restrict how you can contact us" in letter

    clock.now += timedelta(days=30)
    act_as("colleague")
    data = incident_form(tenant, people.line_manager, occurred_on=clock.now.date().isoformat())
    follow(client, post("/staff/incidents/new", data))
    fourth = latest_incident()
    act_as("panel")
    review_url = f"/staff/incidents/{fourth.id}/review"
    page = check_page(client.get(review_url))
    assert "the next step is a request to restrict contact" in text_of(page)
    refused = post(review_url, review_form(outcome="warning"))
    assert_field_error(refused, "outcome", "A final warning is still live")
    assert (
        db.session.scalar(select(PanelReview).where(PanelReview.incident_id == fourth.id)) is None
    )
    follow(client, post(review_url, review_form(outcome="restriction_request")))


# --- routes, protected characteristics, vulnerability --------------------------------------------


@pytest.mark.policy("8.4")
@pytest.mark.policy("8.6")
@pytest.mark.policy("3.1")
@pytest.mark.parametrize(
    ("customer_type", "linked_to_tenant", "route"),
    [
        (CustomerType.TENANT, False, "Customer Conduct Panel / Community Safety Manager"),
        (CustomerType.VISITOR, True, "Customer Conduct Panel / Community Safety Manager"),
        (CustomerType.FRIEND_OR_RELATIVE, True, "Customer Conduct Panel / Community Safety"),
        (CustomerType.VISITOR, False, "Police where criminal; Panel considers other action"),
        (CustomerType.APPLICANT, False, "Police where criminal; Panel considers other action"),
        (CustomerType.LEASEHOLDER, False, "Police where criminal; Panel considers other action"),
    ],
)
def test_the_route_follows_who_the_customer_is(
    client, post, act_as, make_customer, tenant, people, customer_type, linked_to_tenant, route
):
    customer = make_customer(
        customer_type=customer_type, tenant_id=tenant.id if linked_to_tenant else None
    )
    act_as("colleague")
    page = follow(
        client, post("/staff/incidents/new", incident_form(customer, people.line_manager))
    )
    assert route in text_of(page)
    act_as("csm")
    status = 200 if route.startswith("Customer Conduct Panel") else 403
    check_page(client.get(f"/staff/incidents/{latest_incident().id}"), status)


@pytest.mark.policy("5.5")
@pytest.mark.policy("8.1")
def test_discriminatory_comments_record_the_characteristic_and_the_police(
    client, post, act_as, tenant, people, table_counts
):
    act_as("colleague")
    data = incident_form(tenant, people.line_manager, example_types=["discriminatory_comments"])
    before = table_counts()
    assert_field_error(post("/staff/incidents/new", data), "protected_characteristics")
    data["police_informed"] = "yes"
    assert_field_error(post("/staff/incidents/new", data), "police_informed_on")
    assert table_counts() == before
    data.update(
        protected_characteristics=["race", "religion_or_belief"],
        police_informed_on="2026-11-23",
        police_informed_time="09:40",
        crime_reference="GMP-26-1234",
    )
    page = text_of(follow(client, post("/staff/incidents/new", data)))
    assert "Protected characteristics Race, Religion or belief" in page
    assert "crime reference GMP-26-1234" in page
    assert "Serious incident (§8.1) Yes" in page


@pytest.mark.policy("4.5")
@pytest.mark.policy("8.14")
@pytest.mark.policy("4.7")
def test_the_panel_must_weigh_recorded_vulnerabilities_and_say_who_does_the_eia(
    client, post, act_as, make_customer, make_incident, table_counts
):
    customer = make_customer(vulnerability_notes="Learning disability; has a support worker.")
    incident = make_incident(customer)
    act_as("panel")
    url = f"/staff/incidents/{incident.id}/review"
    assert "Learning disability" in text_of(check_page(client.get(url)))
    before = table_counts()
    assert_field_error(post(url, review_form()), "vulnerability_considered", "§8.14")
    refused = post(
        url,
        review_form(vulnerability_considered="y", vulnerability_notes="", eia_needed="y"),
    )
    assert_field_error(refused, "vulnerability_notes")
    assert_field_error(refused, "eia_notes", "Equality Impact Assessment")
    assert table_counts() == before
    follow(
        client,
        post(
            url,
            review_form(
                vulnerability_considered="y",
                vulnerability_notes="Letter in easy read, copy to the support worker.",
                support_referral="y",
                support_referral_to="Manchester Mind",
                eia_needed="y",
                eia_notes="Panel chair by 30 November.",
            ),
        ),
    )
    review = db.session.scalar(select(PanelReview).where(PanelReview.incident_id == incident.id))
    assert review.vulnerability_considered and review.eia_needed
    assert review.support_referral_to == "Manchester Mind"


# --- the register is the Panel's, and every look at it is recorded -------------------------------


@pytest.mark.policy("8.8")
def test_every_view_of_the_register_is_audited_and_shown_on_the_audit_trail(
    client, act_as, asb_incident, people
):
    def register_views():
        return list(
            db.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "register.viewed")
                .order_by(AuditEvent.id)
            )
        )

    act_as("colleague")
    check_page(client.get("/staff/register"), 403)
    assert register_views() == []

    act_as("panel")
    check_page(client.get("/staff/register?q=terry&category=aggressive_or_abusive"))
    client.get("/staff/register?q=terr", headers={"HX-Request": "true"})
    views = register_views()
    assert [(v.actor_id, v.after["q"]) for v in views] == [
        (people.panel.id, "terry"),
        (people.panel.id, "terr"),
    ]
    assert views[0].after["category"] == "aggressive_or_abusive"

    act_as("admin")
    trail = check_page(client.get("/staff/audit"))
    assert "Central register viewed" in text_of(trail)
    assert "Pat Panel" in text_of(trail)
    assert "Intact" in text_of(trail)


@pytest.mark.policy("8.8")
@pytest.mark.policy("8.4")
def test_the_community_safety_manager_sees_only_tenant_referrals_on_the_register(
    client, act_as, asb_incident, other_route_incident
):
    act_as("csm")
    soup = check_page(client.get("/staff/register"))
    listed = text_of(soup.find(id="register-results"))
    assert asb_incident.reference in listed
    assert other_route_incident.reference not in listed
    assert soup.find(id="route") is None, "no route filter: the CSM has one route"
    queue = text_of(check_page(client.get("/staff/panel")))
    assert asb_incident.reference in queue and other_route_incident.reference not in queue


# --- the customer's record: alerts, contacts, refusals -------------------------------------------


@pytest.mark.policy("8.5")
def test_a_safety_alert_raised_by_the_panel_is_shown_to_every_colleague(
    client, post, act_as, tenant, people
):
    url = f"/staff/customers/{tenant.id}"
    act_as("colleague")
    assert check_page(client.get(url)).find(id="alert-summary") is None, "colleagues cannot raise"

    act_as("panel")
    alert = {"alert-summary": "Has threatened staff with a dog", "alert-advice": "Visit in pairs."}
    raised = follow(client, post(f"{url}/alerts", alert, prefix="alert-", token_from=url))
    assert "Every colleague who opens this customer will see it." in text_of(raised)

    act_as("other_colleague")
    flags = check_page(client.get(url)).find(id="customer-flags")
    assert "Health and safety alert" in text_of(flags)
    assert "Has threatened staff with a dog" in text_of(flags)
    assert "Visit in pairs." in text_of(flags)
    assert "Raised by Pat Panel" in text_of(flags)
    assert flags.find("form") is None, "a colleague cannot end the alert"
    found = check_page(client.get("/staff/customers?q=terry"))
    assert "Safety alert" in text_of(found.find(id="customer-results"))

    act_as("panel")
    assert_field_error(
        post(f"{url}/alerts", {"alert-summary": "  "}, prefix="alert-", token_from=url),
        "alert-summary",
        "Enter the risk",
    )


@pytest.mark.policy("6.5")
@pytest.mark.policy("6.6")
def test_contacts_are_logged_and_counted_by_channel_over_time(
    client, post, act_as, tenant, table_counts
):
    url = f"/staff/customers/{tenant.id}"
    act_as("colleague")

    def log(**fields):
        data = {"contact-direction": "in", "contact-occurred_time": "11:00"}
        data.update({f"contact-{k}": v for k, v in fields.items()})
        return post(f"{url}/contacts", data, prefix="contact-", token_from=url)

    before = table_counts()
    assert_field_error(
        log(channel="phone", occurred_on="2026-11-21"), "contact-duration_minutes", "how long"
    )
    assert table_counts() == before
    follow(client, log(channel="phone", occurred_on="2026-11-21", duration_minutes="25"))
    follow(client, log(channel="phone", occurred_on="2026-10-01", duration_minutes="40"))
    follow(client, log(channel="email", occurred_on="2026-11-01", summary="Same complaint"))
    page = follow(client, log(channel="letter", occurred_on="2026-03-01"))

    table = page.find("caption", string="Contacts over time (§6.5)").find_parent("table")
    rows = {
        tr.th.get_text(strip=True): [td.get_text(strip=True) for td in tr.find_all("td")]
        for tr in table.tbody.find_all("tr")
    }
    # Columns: the last 7, 30, 90 and 365 days (§6.6: counts over several periods).
    assert rows["Phone call"] == ["1", "1", "2", "2"]
    assert rows["Email"] == ["0", "1", "1", "1"]
    assert rows["Letter"] == ["0", "0", "0", "1"]
    assert rows["All contacts"] == ["1", "2", "3", "4"]
    assert rows["Minutes on the phone"] == ["25", "25", "65", "65"]
    assert "Same complaint" in text_of(page)


@pytest.mark.policy("6.8")
@pytest.mark.policy("6.9")
def test_refusals_of_access_flag_legal_action_or_cancel_the_request(
    client, post, act_as, tenant, table_counts
):
    url = f"/staff/customers/{tenant.id}"
    act_as("colleague")

    def refuse(**fields):
        data = {f"refusal-{k}": v for k, v in fields.items()}
        return post(f"{url}/access-refusals", data, prefix="refusal-", token_from=url)

    before = table_counts()
    refused = refuse(
        works_type="essential",
        refused_on="2026-11-20",
        works_description="Gas safety check",
        cancel_request="y",
    )
    assert_field_error(refused, "refusal-cancel_request", "flagged for legal action")
    assert table_counts() == before

    follow(
        client,
        refuse(
            works_type="essential", refused_on="2026-11-20", works_description="Gas safety check"
        ),
    )
    page = follow(
        client,
        refuse(
            works_type="non_essential",
            refused_on="2026-11-21",
            works_description="Kitchen survey",
            service_request_ref="SR-4411",
            cancel_request="y",
        ),
    )
    items = {
        li.get_text(" ", strip=True)
        for li in page.find("h2", string="Refusals of access").find_next("ul").find_all("li")
    }
    assert any(
        "Gas safety check" in i and "Legal action to enforce access (§6.8)" in i for i in items
    )
    assert any("Kitchen survey" in i and "Service request cancelled (§6.9)" in i for i in items)


# --- administration ------------------------------------------------------------------------------


def test_an_administrator_adds_a_closure_day_and_the_audit_trail_shows_it(
    client, post, act_as, table_counts
):
    act_as("admin")
    url = "/staff/admin/closures"
    page = follow(
        client, post(url, {"day": "2026-12-29", "reason": "Christmas closure"}, token_from=url)
    )
    assert "Closure day added." in text_of(page)
    assert "29 December 2026" in text_of(page) and "Christmas closure" in text_of(page)

    before = table_counts()
    again = post(url, {"day": "2026-12-29", "reason": "Again"}, token_from=url)
    assert_field_error(again, "day", "already a closure day")
    assert table_counts() == before

    trail = text_of(check_page(client.get("/staff/audit")))
    assert "Closure on 2026-12-29: Christmas closure" in trail
    assert "closure.added" in trail
    assert "Ada Admin" in trail
