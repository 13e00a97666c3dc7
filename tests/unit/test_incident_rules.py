"""What counts as a serious incident under §8.1, and what the line manager may decide (§8.3)."""

from __future__ import annotations

import pytest

from portal.incidents.catalogue import ManagerDecision
from portal.incidents.rules import manager_decisions_allowed, serious_by_report


@pytest.mark.policy("8.1")
@pytest.mark.parametrize("example", ["threats", "physical_violence", "discriminatory_comments"])
def test_threats_violence_and_discriminatory_comments_make_a_report_serious(example):
    assert serious_by_report([example], injury=False) is True


@pytest.mark.policy("8.1")
def test_an_injury_makes_a_report_serious():
    assert serious_by_report([], injury=True) is True


@pytest.mark.policy("8.1")
@pytest.mark.parametrize("example", ["verbal_abuse", "written_abuse", "derogatory_remarks"])
def test_insulting_or_offensive_comments_alone_wait_for_the_panels_judgement(example):
    assert serious_by_report([example, "rudeness"], injury=False) is False


@pytest.mark.policy("8.3")
@pytest.mark.policy("8.19")
def test_ending_all_contact_is_open_to_the_line_manager_only_after_a_serious_incident():
    assert ManagerDecision.END_CONTACT in manager_decisions_allowed(serious=True)
    assert manager_decisions_allowed(serious=False) == [
        ManagerDecision.POLICE,
        ManagerDecision.LEGAL,
        ManagerDecision.NONE,
    ]
