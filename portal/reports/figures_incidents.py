"""The report's incident figures (§10.3), colleague safety and the Panel's 5-day reviews
(§8.7): each table counted for both periods in one aggregate query."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, func, literal, select

from portal import db
from portal.customers.models import Alert, Customer, CustomerType
from portal.incidents.catalogue import Category, Channel
from portal.incidents.models import Incident, IncidentCategory
from portal.organisation.services import get_organisation
from portal.panel.models import PanelReview
from portal.reports.figures_sql import (
    CURRENT,
    PREVIOUS,
    Window,
    counted,
    during,
    grouped_rows,
    london_day,
    pair,
    row_from,
    timeliness,
)
from portal.reports.shape import Row, Table

NOT_RECORDED = "not_recorded"


FLAGS = ("total", "serious", "police_informed", "injury")


@dataclass
class Reported:
    """Incidents reported in each period, as (this period, previous period) pairs: in all and
    by flag (``FLAGS``), by channel, by service area and by customer type."""

    flags: dict[str, list[int]] = field(default_factory=dict)
    channels: dict[str, list[int]] = field(default_factory=dict)
    areas: dict[str, list[int]] = field(default_factory=dict)
    customer_types: dict[str, list[int]] = field(default_factory=dict)

    def add(self, into: dict, key: str, current: int, previous: int) -> None:
        pair_ = into.setdefault(key, [0, 0])
        pair_[0] += int(current)
        pair_[1] += int(previous)

    def row(self, into: dict, key: str, label: str) -> Row:
        current, previous = into.get(key, (0, 0))
        return Row(key, label, current, previous)


def _reported_in(window: Window):
    return window.holds(Incident.reported_at)


def _grouped(window: Window, key, *joins):
    """``key``, this period's and the previous period's incidents reported, for each ``key``."""
    query = select(
        key.label("key"),
        counted(during(Incident.reported_at, window.current)).label(CURRENT),
        counted(during(Incident.reported_at, window.previous)).label(PREVIOUS),
    ).select_from(Incident)
    for target, on in joins:
        query = query.join(target, on)
    return db.session.execute(query.where(_reported_in(window)).group_by(key)).all()


def _reported_and(flag):
    return lambda p: and_(during(Incident.reported_at, p), flag)


def reported(window: Window) -> Reported:
    """One pass over the incidents reported in both periods, grouped by channel, service area
    and customer type, with the flags summed: the totals and three tables are added up from
    those few groups."""
    area = func.coalesce(func.nullif(func.trim(Incident.service_area), ""), literal(NOT_RECORDED))
    groups = db.session.execute(
        select(
            Incident.channel.label("channel"),
            area.label("area"),
            Customer.customer_type.label("customer_type"),
            *pair(window, "total", lambda p: during(Incident.reported_at, p)),
            *pair(window, "serious", _reported_and(Incident.serious)),
            *pair(window, "police_informed", _reported_and(Incident.police_informed)),
            *pair(window, "injury", _reported_and(Incident.injury)),
        )
        .join(Customer, Customer.id == Incident.customer_id)
        .where(_reported_in(window))
        .group_by(Incident.channel, area, Customer.customer_type)
    ).all()
    found = Reported()
    for g in groups:
        for flag in FLAGS:
            found.add(
                found.flags, flag, getattr(g, f"{flag}__current"), getattr(g, f"{flag}__previous")
            )
        current, previous = g.total__current, g.total__previous
        found.add(found.channels, str(g.channel), current, previous)
        found.add(found.areas, g.area, current, previous)
        found.add(found.customer_types, str(g.customer_type), current, previous)
    return found


def totals_table(found: Reported) -> Table:
    return Table(
        "incidents_totals",
        _("Incidents reported"),
        (
            found.row(found.flags, "total", _("All incidents")),
            found.row(found.flags, "serious", _("Serious incidents")),
            found.row(found.flags, "police_informed", _("Police informed")),
            found.row(found.flags, "injury", _("Someone was injured")),
        ),
        note=_(
            "Counted by the date the incident was reported; one incident can be serious, "
            "involve the police and cause an injury at once."
        ),
    )


def by_category(window: Window) -> Table:
    rows = _grouped(
        window,
        IncidentCategory.category,
        (IncidentCategory, IncidentCategory.incident_id == Incident.id),
    )
    return Table(
        "incidents_by_category",
        _("Incidents by behaviour category"),
        grouped_rows(rows, [(c.value, str(c.title)) for c in Category]),
        parts=False,
        note=_(
            "Counted by the date the incident was reported; an incident can show more than one "
            "kind of behaviour, so it can be counted in more than one row."
        ),
    )


def by_channel(found: Reported) -> Table:
    return Table(
        "incidents_by_channel",
        _("Incidents by channel"),
        tuple(found.row(found.channels, c.value, str(c.title)) for c in Channel),
        parts=True,
        note=_("Counted by the date the incident was reported, by where it happened."),
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or NOT_RECORDED


def by_service_area(found: Reported) -> Table:
    merged: dict[str, list] = {}
    # Spelled the same but for case or punctuation, two areas are one row (under one key).
    for area, (current, previous) in sorted(found.areas.items()):
        key = NOT_RECORDED if area == NOT_RECORDED else _slug(area)
        label = _("Not recorded") if area == NOT_RECORDED else area
        seen = merged.setdefault(key, [label, 0, 0])
        seen[1] += current
        seen[2] += previous
    ordered = sorted(merged.items(), key=lambda kv: (-kv[1][1], -kv[1][2], kv[0]))
    return Table(
        "incidents_by_service_area",
        _("Incidents by service area"),
        tuple(Row(key, label, current, previous) for key, (label, current, previous) in ordered),
        parts=True,
        note=_(
            "Counted by the date the incident was reported, by the service area written on "
            "the report; most incidents this period first."
        ),
    )


def by_customer_type(found: Reported) -> Table:
    return Table(
        "incidents_by_customer_type",
        _("Incidents by customer type"),
        tuple(found.row(found.customer_types, t.value, str(t.title)) for t in CustomerType),
        parts=True,
        note=_(
            "Counted by the date the incident was reported, by the customer's type as it is "
            "recorded now."
        ),
    )


def alerts_raised(window: Window):
    return db.session.execute(
        select(*pair(window, "alerts", lambda p: during(Alert.raised_at, p))).where(
            window.holds(Alert.raised_at)
        )
    ).one()


def colleague_safety_table(found: Reported, alerts) -> Table:
    return Table(
        "colleague_safety",
        _("Colleague safety"),
        (
            found.row(found.flags, "injury", _("Incidents where someone was injured")),
            found.row(found.flags, "police_informed", _("Incidents reported to the police")),
            found.row(found.flags, "serious", _("Serious incidents")),
            row_from(alerts, "alerts", _("Staff safety alerts raised")),
        ),
        note=_(
            "Incidents are counted by the date they were reported and alerts by the date they "
            "were raised; one incident can appear in more than one row."
        ),
    )


def panel_deadline_title() -> str:
    """The Panel's review deadline as the organisation sets it (§8.7: 5 days, calendar days
    unless the setting says working days)."""
    org = get_organisation()
    if org.panel_review_unit == "working":
        return ngettext(
            "Panel reviews within %(num)d working day",
            "Panel reviews within %(num)d working days",
            org.panel_review_days,
        )
    return ngettext(
        "Panel reviews within %(num)d day",
        "Panel reviews within %(num)d days",
        org.panel_review_days,
    )


def panel_reviews(window: Window, years: range) -> Table:
    """Reports whose Panel review was due in each period: reviewed by the due day, after it
    but within the period, or not by the period's end."""
    # Each report's due day and the London day it was reviewed, worked out once a row.
    days = (
        select(
            Incident.review_due_on.label("due"),
            london_day(PanelReview.reviewed_at, years).label("done"),
        )
        .outerjoin(PanelReview, PanelReview.incident_id == Incident.id)
        .where(
            Incident.review_due_on >= window.previous.start,
            Incident.review_due_on <= window.current.end,
        )
        .subquery()
    )
    found = db.session.execute(select(*timeliness(window, days.c.due, days.c.done))).one()
    return Table(
        "panel_review_timeliness",
        panel_deadline_title(),
        (
            row_from(found, "on_time", _("Reviewed on time")),
            row_from(found, "late", _("Reviewed late")),
            row_from(found, "not_done", _("Not reviewed by the end of the period")),
        ),
        parts=True,
        note=_(
            "Counted by the day the Panel's review was due; a review on or before that day "
            "(London time) is on time."
        ),
    )
