"""The Panel's review offers only what the incident allows (§8.12, §8.16), leads on to the
request to restrict contact (§8.18), and the warning letter tells the behaviour in the Panel's
words, not the colleague's report (§8.9)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import db
from portal.panel.models import PanelReview
from tests.pages import check_page
from tests.web.forms import assert_field_error, review_form


def _outcomes(soup) -> set[str]:
    return {radio["value"] for radio in soup.select("input[name=outcome]")}


@pytest.fixture
def after_a_final_warning(final_warning_for, tenant, make_incident, clock):
    final_warning_for(tenant)
    return make_incident(tenant, now=clock.now - timedelta(hours=1))


@pytest.mark.policy("8.12")
@pytest.mark.policy("8.16")
def test_a_written_warning_is_not_offered_while_a_final_warning_is_live(
    client, act_as, after_a_final_warning
):
    act_as("panel")
    page = check_page(client.get(f"/staff/incidents/{after_a_final_warning.id}/review"))
    assert "warning" not in _outcomes(page)
    assert "restriction_request" in _outcomes(page)
    assert "A written warning is not offered" in page.get_text(" ", strip=True)
    assert page.find("textarea", attrs={"name": "letter_summary"}) is None


@pytest.mark.policy("8.7")
def test_a_written_warning_is_offered_for_a_first_incident(client, act_as, asb_incident):
    act_as("panel")
    page = check_page(client.get(f"/staff/incidents/{asb_incident.id}/review"))
    assert "warning" in _outcomes(page)
    assert page.find("textarea", attrs={"name": "letter_summary"}) is not None


@pytest.mark.policy("8.18")
def test_choosing_a_request_to_restrict_contact_leads_straight_to_the_request_form(
    client, act_as, post, after_a_final_warning
):
    act_as("panel")
    url = f"/staff/incidents/{after_a_final_warning.id}/review"
    response = post(url, review_form(outcome="restriction_request"), token_from=url)
    assert response.status_code == 303
    form_url = f"/staff/customers/{after_a_final_warning.customer_id}/restriction-requests/new"
    assert response.headers["Location"].endswith(form_url)
    page = check_page(client.get(form_url))
    assert "complete the request to restrict contact" in page.get_text(" ", strip=True)
    assert page.find("form", attrs={"action": form_url}) is not None


@pytest.mark.policy("8.17")
def test_the_request_form_says_what_is_needed_instead_of_a_form_that_cannot_be_sent(
    client, act_as, tenant
):
    act_as("panel")
    form_url = f"/staff/customers/{tenant.id}/restriction-requests/new"
    page = check_page(client.get(form_url))
    notice = page.find(id="cannot-send-yet").get_text(" ", strip=True)
    assert "This request cannot be sent yet" in notice
    assert "a final warning in writing" in notice and "a serious incident (§8.1)" in notice
    assert page.find("form", attrs={"action": form_url}) is None


@pytest.mark.policy("8.19")
def test_ending_all_contact_is_not_proposed_without_a_serious_incident(
    client, act_as, final_warning_for, tenant
):
    final_warning_for(tenant)
    act_as("panel")
    page = check_page(client.get(f"/staff/customers/{tenant.id}/restriction-requests/new"))
    kinds = {box["value"] for box in page.select("input[name=proposed_kinds]")}
    assert kinds and "termination" not in kinds


@pytest.mark.policy("8.9")
@pytest.mark.parametrize(
    ("summary", "says"),
    [
        ("  ", "Write what happened, for the warning letter"),
        ("x" * 1501, "1,500 characters or fewer"),
    ],
)
def test_a_warning_without_a_good_summary_for_the_letter_is_refused_beside_the_field(
    act_as, post, asb_incident, summary, says
):
    act_as("panel")
    url = f"/staff/incidents/{asb_incident.id}/review"
    refused = post(url, review_form(letter_summary=summary), token_from=url)
    assert_field_error(refused, "letter_summary", says)
    assert (
        db.session.scalar(select(PanelReview).where(PanelReview.incident_id == asb_incident.id))
        is None
    )


@pytest.mark.policy("8.9")
def test_the_warning_letter_tells_the_panels_summary_not_the_colleagues_report(
    client, act_as, post, asb_incident
):
    act_as("panel")
    url = f"/staff/incidents/{asb_incident.id}/review"
    summary = "On 23 November you called our officer names on the phone."
    response = post(url, review_form(letter_summary=summary), token_from=url)
    assert response.status_code == 303
    letter = check_page(client.get(response.headers["Location"])).select_one(".letter")
    text = letter.get_text(" ", strip=True)
    assert summary in text
    assert asb_incident.description not in text
