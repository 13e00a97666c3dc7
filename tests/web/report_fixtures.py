"""Reports with known figures for the committee report's tests (§10.3)."""

from __future__ import annotations

from portal.reports.shape import Period, Report, Row, Section, Table

ODD_LABEL = '=HYPERLINK("http://x.example")<b>&'


def known_report(period: Period, now, scale: int = 1) -> Report:
    """Two sections: incidents by channel (parts of a whole) and colleague safety."""
    channels = Table(
        key="by_channel",
        title="Incidents by channel",
        parts=True,
        rows=(
            Row("phone", "By phone", 12 * scale, 8),
            Row("email", ODD_LABEL, 3 * scale, 5),
            Row("visit", "In person", 0, 0),
        ),
    )
    safety = Table(
        key="injuries",
        title="Colleague injuries",
        rows=(Row("injured", "Colleague injured", 2 * scale, 0),),
        note="An incident may count in more than one row.",
    )
    return Report(
        period=period,
        previous=period.previous(),
        sections=(
            Section("incidents", "Incidents", (channels,), summary="Incidents rose this period."),
            Section("colleague_safety", "Colleague safety", (safety,)),
        ),
        worked_out_at=now,
    )
