"""Ending all contact is offered only for a serious incident (§8.16, §8.19); the Panel marks an
incident serious, or not, with a reason (§8.1), and the offers follow."""

from __future__ import annotations

import pytest

from portal import db
from tests.pages import check_page
from tests.web.forms import assert_field_error

END_CONTACT = "end_contact_for_period"


def _offered(soup) -> set[str]:
    return {box["value"] for box in soup.select("input[name=decisions]")}


@pytest.fixture
def insult(make_incident, tenant, clock):
    """Personal verbal abuse: not serious by the report alone (portal/incidents/rules.py)."""
    return make_incident(tenant, example_types=["verbal_abuse"])


@pytest.mark.policy("8.16")
@pytest.mark.policy("8.19")
def test_the_line_manager_is_not_offered_ending_all_contact_for_a_non_serious_incident(
    client, act_as, post, insult
):
    act_as("line_manager")
    url = f"/staff/incidents/{insult.id}/decision"
    page = check_page(client.get(url))
    assert END_CONTACT not in _offered(page)
    assert "report_to_police" in _offered(page)
    assert "Ending all contact is not offered" in page.get_text(" ", strip=True)

    forged = post(url, {"decisions": [END_CONTACT], "notes": "No contact."}, token_from=url)
    assert_field_error(forged, "decisions")
    db.session.refresh(insult)
    assert insult.manager_decided is False


@pytest.mark.policy("8.1")
@pytest.mark.policy("8.19")
def test_the_panel_marks_an_incident_serious_and_the_line_manager_is_then_offered_it(
    client, act_as, post, insult
):
    act_as("panel")
    show = f"/staff/incidents/{insult.id}"
    page = check_page(client.get(show))
    form = page.find("form", attrs={"action": f"{show}/seriousness"})
    assert form is not None and form.find("textarea", attrs={"name": "serious_reason"})

    done = post(
        f"{show}/seriousness",
        {"serious": "yes", "serious_reason": "Abuse repeated over three calls."},
        token_from=show,
    )
    assert done.status_code == 303
    text = check_page(client.get(show)).get_text(" ", strip=True)
    assert "Abuse repeated over three calls." in text and "marked by" in text

    act_as("line_manager")
    page = check_page(client.get(f"{show}/decision"))
    assert END_CONTACT in _offered(page)


@pytest.mark.policy("8.1")
@pytest.mark.parametrize(
    ("reason", "says"),
    [("   ", "Give the reason for your judgement"), ("x" * 2001, "2,000 characters or fewer")],
)
def test_the_panels_judgement_without_a_good_reason_is_refused_beside_the_field(
    act_as, post, insult, reason, says
):
    act_as("panel")
    show = f"/staff/incidents/{insult.id}"
    refused = post(
        f"{show}/seriousness", {"serious": "yes", "serious_reason": reason}, token_from=show
    )
    assert_field_error(refused, "serious_reason", says)
    db.session.refresh(insult)
    assert insult.serious is False and insult.serious_marked_at is None
