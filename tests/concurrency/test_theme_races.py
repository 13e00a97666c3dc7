"""Themes under real concurrent requests (§10.2): Panel members tagging one incident with one
theme at once make one tag, each told it is tagged; one escalation form sent many times at
once records one escalation."""

from __future__ import annotations

import pytest

from portal import db
from portal.auth.models import Role
from portal.themes import services
from portal.themes.models import IncidentTheme, ThemeEscalation
from tests.concurrency.conftest import N, committed, prepared, race

pytestmark = pytest.mark.concurrency


@pytest.fixture
def theme(app, clock, make_staff):
    made = services.create_theme(make_staff(Role.PANEL), clock.now, "Repair delays")
    db.session.commit()
    return made


@pytest.mark.policy("10.2")
def test_panel_members_tagging_one_incident_at_once_make_one_tag(
    live, signed_in, make_staff, make_customer, make_incident, theme
):
    incident = make_incident(make_customer())
    path = f"/staff/incidents/{incident.id}/themes"
    sends = [
        prepared(
            signed_in(make_staff(Role.PANEL, name=f"Panel {n}")),
            path,
            {"themes": str(theme.id), "was_tagged": ""},
        )
        for n in range(N)
    ]

    answers = race(sends)

    assert [a.status for a in answers] == [303] * N, [a.text[:300] for a in answers]
    assert committed(IncidentTheme, IncidentTheme.incident_id == incident.id) == 1


@pytest.mark.policy("10.2")
def test_one_escalation_form_sent_many_times_at_once_records_one(
    live, signed_in, make_staff, theme
):
    browser = signed_in(make_staff(Role.PANEL, name="Double Clicker"))
    page = f"/staff/themes/{theme.id}"
    answer = browser.get(page)
    key = answer.text.split('name="submission_key"')[1].split('value="')[1].split('"')[0]
    data = {
        "submission_key": key,
        "escalated_to": "big",
        "escalated_on": "2026-11-20",
        "summary": "Raised with BIG",
    }
    send = prepared(browser, f"{page}/escalations", data, token_from=page)

    answers = race([send] * N)

    assert [a.status for a in answers] == [303] * N, [a.text[:300] for a in answers]
    assert committed(ThemeEscalation, ThemeEscalation.theme_id == theme.id) == 1
