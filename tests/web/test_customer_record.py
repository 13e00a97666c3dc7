"""The customer's record: ending a health and safety alert asks why and confirms (§8.5), the
record links only to what the person reading it may open, and its history is in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal import db
from portal.customers.services import raise_alert
from tests.pages import check_page
from tests.web.forms import assert_field_error


def _text(soup) -> str:
    return soup.get_text(" ", strip=True)


def _history(soup) -> list[str]:
    return [li.get_text(" ", strip=True) for li in soup.select("ol.timeline > li")]


# --- ending an alert ------------------------------------------------------------------------------


@pytest.mark.policy("8.5")
def test_ending_an_alert_asks_why_and_confirms_without_javascript(
    client, world, act_as, post, table_counts
):
    panel = act_as("panel")
    record_url = f"/staff/customers/{world.tenant.id}"
    record = check_page(client.get(record_url))
    flags = record.find(id="customer-flags")
    assert flags.find("form") is None, "ending an alert is not one click"
    end = next(a for a in flags.find_all("a") if "End this alert" in a.get_text())
    end_url = end["href"]
    assert end_url == f"{record_url}/alerts/{world.alert.id}/end"

    confirm = check_page(client.get(end_url))
    assert "End the alert “Aggressive dog at the property”?" in _text(confirm)
    form = confirm.find("form", attrs={"action": end_url})
    assert form["method"] == "post" and form.find("textarea", attrs={"name": "reason"})

    before = table_counts()
    assert_field_error(post(end_url, {"reason": "  "}), "reason", "Say why the alert is ending")
    assert_field_error(post(end_url, {"reason": "x" * 501}), "reason", "500 characters or fewer")
    assert table_counts() == before
    db.session.refresh(world.alert)
    assert world.alert.active

    ended = post(end_url, {"reason": "The dog has been rehomed."}, token_from=end_url)
    assert ended.status_code == 303 and ended.headers["Location"] == record_url
    page = check_page(client.get(record_url))
    assert "Aggressive dog at the property" not in _text(page.find(id="customer-flags"))
    newest = _history(page)[0]
    assert "Health and safety alert ended : Aggressive dog at the property" in newest
    assert f"by {panel.name}" in newest
    assert "Reason: The dog has been rehomed." in newest


@pytest.mark.policy("8.5")
def test_an_alert_someone_else_ended_answers_the_conflict_page(client, world, act_as, post):
    first = act_as("line_manager")
    end_url = f"/staff/customers/{world.tenant.id}/alerts/{world.alert.id}/end"
    assert post(end_url, {"reason": "Moved out."}).status_code == 303

    act_as("panel")
    for response in (client.get(end_url), post(end_url, {"reason": "Moved out, I heard."})):
        soup = check_page(response, 409)
        assert "This alert has already ended" in _text(soup)
        assert first.name in _text(soup)


def test_another_customers_alert_is_page_not_found_on_the_confirmation_page(client, world, act_as):
    act_as("panel")
    check_page(
        client.get(f"/staff/customers/{world.applicant.id}/alerts/{world.alert.id}/end"), 404
    )


# --- links only to what the role may open --------------------------------------------------------


def _links(soup) -> set[str]:
    main = soup.find("main") or soup
    return {
        a["href"].split("#")[0]
        for a in main.find_all("a", href=True)
        if a["href"].startswith("/staff/") and a["href"].split("#")[0]
    }


@pytest.mark.parametrize("role", ["csm", "panel", "glt", "cem", "colleague", "line_manager"])
def test_every_link_on_a_customer_record_opens_for_the_role_reading_it(client, world, act_as, role):
    act_as(role)
    for customer in (world.tenant, world.applicant, world.restricted, world.terminated):
        page = check_page(client.get(f"/staff/customers/{customer.id}"))
        for href in sorted(_links(page)):
            status = client.get(href).status_code
            assert status == 200, f"{role} on {customer.reference}'s record: {href} gave {status}"


@pytest.mark.policy("8.4")
def test_the_csm_sees_other_routes_incidents_and_letters_as_plain_text(client, world, act_as):
    act_as("csm")
    other = check_page(client.get(f"/staff/customers/{world.applicant.id}"))
    links = _links(other)
    assert f"/staff/incidents/{world.awaiting_other.id}" not in links
    assert f"/staff/letters/{world.letter_other}" not in links
    assert world.awaiting_other.reference in _text(other), "still listed, as plain text"
    assert "Sent (not shared with your role)" in _text(other)

    asb = _links(check_page(client.get(f"/staff/customers/{world.tenant.id}")))
    assert {f"/staff/incidents/{world.awaiting.id}", f"/staff/letters/{world.letter}"} <= asb


def test_the_panel_is_linked_to_every_incident_and_letter(client, world, act_as):
    act_as("panel")
    links = _links(check_page(client.get(f"/staff/customers/{world.applicant.id}")))
    assert f"/staff/incidents/{world.awaiting_other.id}" in links
    assert f"/staff/letters/{world.letter_other}" in links


# --- the history's order ------------------------------------------------------------------------


def test_the_history_lists_events_of_one_day_newest_first_by_their_time(
    client, act_as, make_customer, people, clock
):
    customer = make_customer()
    nine = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    raise_alert(people.panel, nine + timedelta(hours=7), customer, "Afternoon risk", "")
    raise_alert(people.panel, nine, customer, "Morning risk", "")  # recorded second
    db.session.commit()

    act_as("panel")
    page = check_page(client.get(f"/staff/customers/{customer.id}"))

    assert "Newest first." in _text(page)
    history = _history(page)
    assert [("Afternoon" in h, "Morning" in h) for h in history] == [(True, False), (False, True)]
