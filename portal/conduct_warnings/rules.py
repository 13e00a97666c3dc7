"""The escalation rule (§8.7–8.13): which stage a new incident leads to.

A warning counts against a new incident if it was issued on or before the incident's date and no
more than 12 months before it (a warning issued on 23 Nov 2025 still counts for an incident on
23 Nov 2026, and has lapsed for one on 24 Nov 2026). The newest such warning decides the next
stage: none → first, first → second, second → final. After a live final warning the next step is
a request to restrict contact, never a fourth warning.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol

from portal.conduct_warnings.models import Stage
from portal.timeutil import add_months

WINDOW_MONTHS = 12
_ORDER = [Stage.FIRST, Stage.SECOND, Stage.FINAL]


class _WarningLike(Protocol):
    stage: Stage
    issued_on: date


def lapses_on(issued_on: date) -> date:
    """The last day a warning issued on ``issued_on`` still counts."""
    return add_months(issued_on, WINDOW_MONTHS)


def live_warnings(warnings: Iterable[_WarningLike], incident_day: date) -> list[_WarningLike]:
    """Warnings that count against an incident on ``incident_day``, oldest first."""
    live = [w for w in warnings if w.issued_on <= incident_day <= lapses_on(w.issued_on)]
    return sorted(live, key=lambda w: (w.issued_on, _ORDER.index(w.stage)))


def next_stage(warnings: Iterable[_WarningLike], incident_day: date) -> Stage | None:
    """Return the stage of warning this incident leads to, or None if a restriction is next."""
    live = live_warnings(warnings, incident_day)
    if not live:
        return Stage.FIRST
    latest = live[-1].stage
    if latest == Stage.FINAL:
        return None
    return _ORDER[_ORDER.index(latest) + 1]
