"""Every appeal step in one place, for callers that take them all (§9.1–9.4).

The steps live by who takes them: :mod:`~portal.appeals.lodging` (drafts and sending),
:mod:`~portal.appeals.handling` (the Customer Experience Manager's steps),
:mod:`~portal.appeals.decision` (GLT's decision and the outcome letter) and
:mod:`~portal.appeals.people` (who may act)."""

from __future__ import annotations

from portal.appeals.decision import decision_restrictions, glt_decide, send_outcome
from portal.appeals.handling import acknowledge, clock, decide_late, refer_to_glt
from portal.appeals.lodging import (
    Answers,
    already_appealed,
    appeal_against_decision,
    decision_key,
    decision_sent_on,
    lodge,
    received_at_for,
    save_answers,
    start_draft,
)
from portal.appeals.people import may_decide

__all__ = [
    "Answers",
    "acknowledge",
    "already_appealed",
    "appeal_against_decision",
    "clock",
    "decide_late",
    "decision_key",
    "decision_restrictions",
    "decision_sent_on",
    "glt_decide",
    "lodge",
    "may_decide",
    "received_at_for",
    "refer_to_glt",
    "save_answers",
    "send_outcome",
    "start_draft",
]
