"""Issuing the committee report under real concurrent requests (§10.3): two people issuing
the same report to the same committee for the same meeting at once make one issued report;
the other is told it was issued already."""

from __future__ import annotations

import pytest

from portal.auth.models import Role
from portal.reports import figures
from portal.reports.models import IssuedReport
from tests.concurrency.conftest import committed, one_winner, race
from tests.web.report_fixtures import known_report

pytestmark = pytest.mark.concurrency

REPORT = "/staff/reports"


@pytest.mark.policy("10.3")
def test_two_people_issuing_one_report_at_once_issue_it_once(
    live, signed_in, make_staff, monkeypatch
):
    monkeypatch.setattr(figures, "work_out", known_report)
    sends = []
    for role in (Role.CEM, Role.PANEL):
        browser = signed_in(make_staff(role, name=f"Issuer {role.value}"))
        token = browser.token(REPORT)
        payload = {
            "csrf_token": token,
            "issue-csrf_token": token,
            "issue-start": "2026-04-01",
            "issue-end": "2026-09-30",
            "issue-committee": "customer_experience",
            "issue-meeting_date": "2026-12-10",
        }
        sends.append(lambda b=browser, p=payload: b.request("POST", f"{REPORT}/issue", p))

    answers = race(sends)

    winner, losers = one_winner(answers)
    assert "/staff/reports/issued/" in winner.location
    assert "already been issued to this committee" in losers[0].text
    assert committed(IssuedReport) == 1
