"""What the appeal model says about itself, so pages ask it rather than compare status strings
(§9.1–9.4), and where each appeal step now lives."""

from __future__ import annotations

import pytest

from portal.appeals import decision, handling, lodging, people, services
from portal.appeals.models import Appeal, AppealChannel, AppealOutcome, AppealStatus

STATE_QUESTIONS = {
    AppealStatus.DRAFT: "is_draft",
    AppealStatus.LODGED: "is_lodged",
    AppealStatus.ACKNOWLEDGED: "is_acknowledged",
    AppealStatus.WITH_GLT: "is_with_glt",
    AppealStatus.DECIDED: "is_decided",
    AppealStatus.CLOSED: "is_closed",
    AppealStatus.NOT_ACCEPTED: "is_not_accepted",
}


def _appeal(status=AppealStatus.LODGED, **values) -> Appeal:
    return Appeal(status=status, **{"late": False, "channel": AppealChannel.PORTAL, **values})


def test_every_state_has_its_question():
    assert set(STATE_QUESTIONS) == set(AppealStatus)


@pytest.mark.parametrize("status", list(AppealStatus))
def test_each_state_answers_yes_to_its_own_question_only(status):
    appeal = _appeal(status)
    assert {name for name in STATE_QUESTIONS.values() if getattr(appeal, name)} == {
        STATE_QUESTIONS[status]
    }


@pytest.mark.policy("9.4")
@pytest.mark.parametrize(
    ("status", "is_open", "is_final"),
    [
        (AppealStatus.DRAFT, False, False),
        (AppealStatus.LODGED, True, False),
        (AppealStatus.ACKNOWLEDGED, True, False),
        (AppealStatus.WITH_GLT, True, False),
        (AppealStatus.DECIDED, True, False),
        (AppealStatus.CLOSED, False, True),
        (AppealStatus.NOT_ACCEPTED, False, True),
    ],
)
def test_an_appeal_is_open_until_it_is_over_and_final_once_it_is(status, is_open, is_final):
    appeal = _appeal(status)
    assert (appeal.is_open, appeal.is_final) == (is_open, is_final)


@pytest.mark.policy("9.2")
@pytest.mark.parametrize(
    ("status", "late", "late_accepted", "waiting"),
    [
        (AppealStatus.LODGED, True, None, True),
        (AppealStatus.LODGED, True, True, False),  # accepted: acknowledge it next
        (AppealStatus.NOT_ACCEPTED, True, False, False),
        (AppealStatus.LODGED, False, None, False),  # in time: nothing to decide
        (AppealStatus.DRAFT, True, None, False),  # not sent yet
    ],
)
def test_a_late_appeal_waits_for_the_cems_decision_until_it_is_made(
    status, late, late_accepted, waiting
):
    appeal = _appeal(status, late=late, late_accepted=late_accepted)
    assert appeal.awaiting_late_decision is waiting


@pytest.mark.policy("9.3")
@pytest.mark.parametrize(
    ("outcome", "overturned", "varied"),
    [
        (None, False, False),
        (AppealOutcome.UPHELD, False, False),
        (AppealOutcome.OVERTURNED, True, False),
        (AppealOutcome.VARIED, False, True),
    ],
)
def test_the_outcome_says_whether_the_restriction_was_removed_or_changed(
    outcome, overturned, varied
):
    appeal = _appeal(AppealStatus.DECIDED, outcome=outcome)
    assert (appeal.overturned, appeal.varied) == (overturned, varied)


@pytest.mark.parametrize("channel", list(AppealChannel))
def test_only_an_appeal_sent_online_came_by_the_portal(channel):
    assert _appeal(channel=channel).came_by_portal is (channel == AppealChannel.PORTAL)


def test_the_old_name_for_the_day_the_appeal_counts_from_is_gone():
    assert not hasattr(Appeal, "received_on")
    with pytest.raises(TypeError):
        Appeal(received_on=None)


def test_each_step_is_kept_in_one_place_and_reached_the_old_way_too():
    homes = {
        "start_draft": lodging,
        "save_answers": lodging,
        "Answers": lodging,
        "lodge": lodging,
        "already_appealed": lodging,
        "appeal_against_decision": lodging,
        "decision_key": lodging,
        "decision_sent_on": lodging,
        "received_at_for": lodging,
        "clock": handling,
        "decide_late": handling,
        "acknowledge": handling,
        "refer_to_glt": handling,
        "decision_restrictions": decision,
        "glt_decide": decision,
        "send_outcome": decision,
        "may_decide": people,
    }
    assert set(services.__all__) == set(homes)
    for name, home in homes.items():
        assert getattr(services, name) is getattr(home, name), name
