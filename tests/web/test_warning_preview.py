"""The warning letter previewed live on the Panel's review form (§8.7–8.14, §8.9).

The letter depends on the review: a referral to a support service is written into it. One URL
serves the review page or, for htmx, only the preview fragment; a real "Preview" button does
the same without JavaScript. A preview records nothing and never issues a warning.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup

from portal import db
from portal.incidents.models import IncidentStatus
from tests.pages import check_fragment, check_page, errors_on
from tests.web.forms import review_form

HTMX = {"HX-Request": "true"}
REFERRED = "We have also referred you to Manchester Mind, who may be able to help you."

# Every table a review or a warning would write to; a preview must leave them all alone.
RECORDS = ("panel_review", "conduct_warning", "letter", "audit_event", "notification")


@pytest.fixture
def review_url(asb_incident):
    return f"/staff/incidents/{asb_incident.id}/review"


@pytest.fixture
def panel(act_as):
    return act_as("panel")


@pytest.fixture
def csrf(client, panel, review_url):
    """The CSRF token from the review form itself, as htmx sends it with the form's fields."""
    page = BeautifulSoup(client.get(review_url).data, "html.parser")
    form = page.find("form", attrs={"action": review_url})
    return form.find("input", attrs={"name": "csrf_token"})["value"]


@pytest.fixture
def recorded(table_counts):
    """Rows that a review or a warning would have written, counted on a separate connection."""

    def _counts():
        counts = table_counts()
        return {name: counts[name] for name in RECORDS}

    return _counts


def _letter_text(soup) -> str:
    letter = soup.select_one("#warning-preview .letter")
    assert letter is not None, soup.select_one("#warning-preview").get_text(" ", strip=True)
    return letter.get_text(" ", strip=True)


def test_the_review_page_has_a_live_preview_and_a_preview_button(client, panel, review_url):
    soup = check_page(client.get(review_url))
    form = soup.find("form", attrs={"action": review_url})
    assert form["method"] == "post" and form["hx-post"] == review_url
    assert "delay:" in form["hx-trigger"], "the preview waits for a pause in typing"
    assert form["hx-target"] == "#warning-preview" and form["hx-swap"] == "outerHTML"
    assert form["hx-include"] == "#preview-shown" and soup.find(id="preview-shown")
    buttons = {b["value"]: b.get_text(strip=True) for b in form.find_all("button")}
    assert buttons == {"preview": "Preview the warning letter", "record": "Record review"}
    assert list(buttons)[0] == "preview", "Enter in the form previews; it never records"
    preview = soup.find(id="warning-preview")
    assert preview.find_previous("form") is form and not preview.find_parent("form")
    assert "as you fill in the form" in preview.get_text()


@pytest.mark.policy("8.9")
def test_htmx_gets_only_the_letter_and_it_follows_the_support_referral(
    client, csrf, review_url, asb_incident, recorded
):
    before = recorded()
    data = {**review_form(), "csrf_token": csrf}

    plain = check_fragment(client.post(review_url, data=data, headers=HTMX), "warning-preview")
    letter = _letter_text(plain)
    assert "first stage written warning" in letter
    assert data["letter_summary"] in letter, "the letter tells the Panel's summary (§8.9)"
    assert asb_incident.description not in letter, "not the colleague's report word for word"
    assert "Support" not in letter and "referred you" not in letter

    referred = {**data, "support_referral": "y", "support_referral_to": "Manchester Mind"}
    fragment = check_fragment(
        client.post(review_url, data=referred, headers=HTMX), "warning-preview"
    )
    assert REFERRED in _letter_text(fragment)

    renamed = {**referred, "support_referral_to": "Salford Citizens Advice"}
    fragment = check_fragment(
        client.post(review_url, data=renamed, headers=HTMX), "warning-preview"
    )
    assert "referred you to Salford Citizens Advice" in _letter_text(fragment)
    assert "Manchester Mind" not in _letter_text(fragment)

    assert recorded() == before, "a preview records nothing"
    db.session.expire_all()
    assert asb_incident.status != IncidentStatus.REVIEWED


def test_the_preview_button_shows_the_letter_on_the_full_page_without_javascript(
    client, csrf, review_url, asb_incident, recorded
):
    before = recorded()
    data = {
        **review_form(support_referral="y", support_referral_to="Manchester Mind"),
        "csrf_token": csrf,
        "action": "preview",
    }
    soup = check_page(client.post(review_url, data=data))
    assert REFERRED in _letter_text(soup)
    form = soup.find("form", attrs={"action": review_url})
    typed = form.find("textarea", attrs={"name": "support_referral_to"}).get_text(strip=True)
    assert typed == "Manchester Mind", "the form keeps what was typed"
    assert form.find("input", attrs={"name": "support_referral"}).has_attr("checked")
    assert recorded() == before
    db.session.expire_all()
    assert asb_incident.status != IncidentStatus.REVIEWED


def test_recording_the_review_still_works_and_the_letter_matches_the_preview(
    client, csrf, review_url, asb_incident, recorded
):
    data = {
        **review_form(support_referral="y", support_referral_to="Manchester Mind"),
        "csrf_token": csrf,
    }
    previewed = _letter_text(
        check_fragment(client.post(review_url, data=data, headers=HTMX), "warning-preview")
    )
    response = client.post(review_url, data={**data, "action": "record"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/staff/incidents/{asb_incident.id}/warning")
    assert recorded()["panel_review"] == 1 and recorded()["conduct_warning"] == 0
    warning_page = check_page(client.get(response.headers["Location"]))
    assert warning_page.select_one(".letter").get_text(" ", strip=True) == previewed
    # Once recorded, a late preview from the same form says so rather than showing a form.
    late = check_fragment(client.post(review_url, data=data, headers=HTMX), "warning-preview")
    assert "already been reviewed" in late.get_text()


def test_a_form_with_no_action_still_records_the_review(client, csrf, review_url, recorded):
    response = client.post(review_url, data={**review_form(), "csrf_token": csrf})
    assert response.status_code == 303
    assert recorded()["panel_review"] == 1


def test_an_incomplete_form_says_what_the_preview_is_waiting_for(
    client, csrf, review_url, recorded
):
    before = recorded()
    data = {**review_form(reasons="", support_referral="y"), "csrf_token": csrf}
    fragment = check_fragment(client.post(review_url, data=data, headers=HTMX), "warning-preview")
    text = fragment.get_text(" ", strip=True)
    assert "The preview appears when the form is complete" in text
    assert "Give the reasons for the outcome" in text
    assert fragment.select_one(".letter") is None

    # The service's own rules too: a referral needs the service's name.
    data = {**review_form(support_referral="y"), "csrf_token": csrf}
    fragment = check_fragment(client.post(review_url, data=data, headers=HTMX), "warning-preview")
    assert "Name the support service" in fragment.get_text()

    # Without JavaScript the same preview is refused with the errors linked to their fields.
    page = check_page(client.post(review_url, data={**data, "action": "preview"}), 422)
    assert "Name the support service" in errors_on(page)["support_referral_to"]
    assert recorded() == before


def test_an_outcome_with_no_warning_has_no_letter(client, csrf, review_url, recorded):
    before = recorded()
    data = {**review_form(outcome="no_action"), "csrf_token": csrf}
    fragment = check_fragment(client.post(review_url, data=data, headers=HTMX), "warning-preview")
    assert "No warning letter is sent with this outcome." in fragment.get_text()
    assert recorded() == before


def test_after_a_final_warning_the_preview_says_no_more_warnings(
    client, act_as, final_warning_for, tenant, make_incident, clock, recorded
):
    final_warning_for(tenant)
    incident = make_incident(tenant, now=clock.now - timedelta(hours=1))
    act_as("panel")
    url = f"/staff/incidents/{incident.id}/review"
    page = BeautifulSoup(client.get(url).data, "html.parser")
    token = page.find("form", attrs={"action": url}).find("input", attrs={"name": "csrf_token"})
    before = recorded()
    data = {**review_form(), "csrf_token": token["value"]}
    fragment = check_fragment(client.post(url, data=data, headers=HTMX), "warning-preview")
    assert "A final warning is still live" in fragment.get_text()
    assert fragment.select_one(".letter") is None
    assert recorded() == before


def test_the_preview_is_announced_only_when_it_changes(client, csrf, review_url):
    data = {**review_form(), "csrf_token": csrf}

    def announced(**changes):
        response = client.post(review_url, data={**data, **changes}, headers=HTMX)
        fragment = check_fragment(response, "warning-preview")
        shown = fragment.find(id="preview-shown")["value"]
        return fragment.find(attrs={"data-announce": True})["data-announce"], shown

    said, shown = announced()
    assert said == "Warning letter preview updated"
    # Typing in a field the letter does not use: the same letter, so nothing is read out.
    said, same = announced(preview_shown=shown, context_notes="Weighed again, more carefully.")
    assert (said, same) == ("", shown)
    said, changed = announced(
        preview_shown=shown, support_referral="y", support_referral_to="Manchester Mind"
    )
    assert said == "Warning letter preview updated" and changed != shown
    said, _ = announced(preview_shown=changed, reasons="")
    assert said == "The warning letter preview appears when the form is complete"


def test_an_htmx_preview_without_the_csrf_token_is_refused(client, panel, review_url, recorded):
    before = recorded()
    response = client.post(review_url, data=review_form(), headers=HTMX)
    assert response.status_code == 400
    assert recorded() == before


@pytest.mark.parametrize("role", ["colleague", "line_manager", "glt", "cem"])
def test_only_the_panel_may_preview(client, act_as, review_url, role, recorded):
    act_as(role)
    before = recorded()
    page = BeautifulSoup(client.get("/staff/").data, "html.parser")
    token = page.find("input", attrs={"name": "csrf_token"})["value"]
    response = client.post(review_url, data={**review_form(), "csrf_token": token}, headers=HTMX)
    assert response.status_code == 403
    assert recorded() == before
