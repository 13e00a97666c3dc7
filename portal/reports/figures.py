"""The report's figures, counted in aggregate SQL for a period and the period before it.

Every table is one query (or two) over its own table, each counting both periods at once with
``SUM(CASE …)``, so the number of queries is the same however many incidents there are."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import ngettext

from portal.reports import figures_actions as actions
from portal.reports import figures_appeals as appeals
from portal.reports import figures_incidents as incidents
from portal.reports.figures_sql import Window, years_around
from portal.reports.shape import COLLEAGUE_SAFETY, Period, Report, Row, Section


def compared(row: Row) -> str:
    """How this period's count compares with the previous period's, in a few words."""
    change = row.change
    if change > 0:
        return ngettext(
            "%(num)d more than in the previous period",
            "%(num)d more than in the previous period",
            change,
        )
    if change < 0:
        return ngettext(
            "%(num)d fewer than in the previous period",
            "%(num)d fewer than in the previous period",
            -change,
        )
    return _("the same as in the previous period")


def _summary(sentence: str, row: Row) -> str:
    return _("%(sentence)s, %(compared)s.", sentence=sentence, compared=compared(row))


def work_out(period: Period, now: datetime) -> Report:
    """Every figure of the six-monthly report for ``period`` and the period before it."""
    window = Window(period, period.previous())
    years = years_around(window, now)

    found = incidents.reported(window)
    totals = incidents.totals_table(found)
    total = totals.rows[0]
    incident_section = Section(
        "incidents",
        _("Incidents"),
        (
            totals,
            incidents.by_category(window),
            incidents.by_channel(found),
            incidents.by_service_area(found),
            incidents.by_customer_type(found),
        ),
        summary=_summary(
            ngettext(
                "%(num)d incident was reported", "%(num)d incidents were reported", total.current
            ),
            total,
        ),
    )

    outcomes = actions.panel_outcomes(window)
    reviewed = Row("reviewed", "", outcomes.total(), outcomes.total("previous"))
    action_section = Section(
        "actions",
        _("Actions taken"),
        (outcomes, actions.warnings_by_stage(window), actions.other_actions(window)),
        summary=_summary(
            ngettext(
                "The Panel reviewed %(num)d incident",
                "The Panel reviewed %(num)d incidents",
                reviewed.current,
            ),
            reviewed,
        ),
    )

    in_force = actions.in_force_by_kind(window)
    forced = Row("in_force", "", in_force.total(), in_force.total("previous"))
    restriction_section = Section(
        "restrictions",
        _("Restrictions"),
        (actions.glt_decisions(window), actions.approved_by_kind(window), in_force),
        summary=_summary(
            ngettext(
                "%(num)d restriction was in force at the end of the period",
                "%(num)d restrictions were in force at the end of the period",
                forced.current,
            ),
            forced,
        ),
    )

    timeliness = actions.review_timeliness(window, years)
    on_time = timeliness.rows[0]
    review_section = Section(
        "reviews",
        _("Six-monthly reviews"),
        (timeliness, actions.review_outcomes(window)),
        summary=_summary(
            ngettext(
                "%(num)d review due was done on time",
                "%(num)d reviews due were done on time",
                on_time.current,
            ),
            on_time,
        ),
    )

    received = appeals.lodged(window)
    lodged = received.rows[0]
    appeal_section = Section(
        "appeals",
        _("Appeals"),
        (received, appeals.outcomes(window), *appeals.steps(window)),
        summary=_summary(
            ngettext(
                "%(num)d appeal was received", "%(num)d appeals were received", lodged.current
            ),
            lodged,
        ),
    )

    panel = incidents.panel_reviews(window, years)
    in_time = panel.rows[0]
    panel_section = Section(
        "panel",
        panel.title,
        (panel,),
        summary=_summary(
            ngettext(
                "%(num)d report was reviewed by the Panel on time",
                "%(num)d reports were reviewed by the Panel on time",
                in_time.current,
            ),
            in_time,
        ),
    )

    safety = incidents.colleague_safety_table(found, incidents.alerts_raised(window))
    injured = safety.rows[0]
    safety_section = Section(
        COLLEAGUE_SAFETY,
        _("Colleague safety"),
        (safety,),
        summary=_summary(
            ngettext(
                "%(num)d incident caused an injury",
                "%(num)d incidents caused an injury",
                injured.current,
            ),
            injured,
        ),
    )

    return Report(
        period=period,
        previous=window.previous,
        sections=(
            incident_section,
            action_section,
            restriction_section,
            review_section,
            appeal_section,
            panel_section,
            safety_section,
        ),
        worked_out_at=now,
    )
