"""The customer record's history: every event of the record merged, newest first, each a link
only for a reader who may open it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import db
from portal.audit.models import AuditEvent
from portal.auth import permissions
from portal.incidents.models import Incident
from portal.timeutil import from_london, london_date

if TYPE_CHECKING:
    from portal.customers.queries import CustomerRecord


@dataclass
class TimelineItem:
    at: datetime | date  # shown: a date where only the day is known
    kind: str
    title: str  # or a lazy translation
    detail: str
    link: str = ""  # only where the person reading the record may open it
    moment: datetime | None = None  # where it sorts (UTC); ``at`` itself when a time is known
    ident: int = 0  # the row's id: the order of two events at the same moment
    by: str = ""
    reason: str = ""


def end_reasons(customer_id: int) -> dict[int, str]:
    """Why each of the customer's alerts ended, as its audit entry keeps it (one query)."""
    rows = db.session.scalars(
        select(AuditEvent.after).where(
            AuditEvent.entity_type == "customer",
            AuditEvent.entity_id == customer_id,
            AuditEvent.action == "alert.ended",
        )
    )
    return {
        after["alert_id"]: after.get("reason", "")
        for after in rows
        if isinstance(after, dict) and "alert_id" in after
    }


def timeline(record: CustomerRecord, viewer, letters: set[int] | None = None) -> list[TimelineItem]:
    """Merge the record's events, newest first by the moment each happened (the row's id
    breaks a tie); an incident or a warning letter is a link only for a ``viewer`` who may
    open it (the same permissions the incident and letter pages check); ``letters``, when
    given, are :func:`warnings_with_readable_letters` for the ``viewer``."""
    items: list[TimelineItem] = []
    if letters is None:
        letters = warnings_with_readable_letters(record, viewer)
    titles: dict = {}  # each category's title, looked up once

    def title(category) -> str:
        if category not in titles:
            titles[category] = str(category.title)
        return titles[category]

    for incident in record.incidents:
        items.append(
            TimelineItem(
                incident.occurred_at,
                "incident",
                f"Incident {incident.reference}",
                ", ".join(title(c) for c in incident.categories),
                f"/staff/incidents/{incident.id}" if may_open(viewer, incident) else "",
                ident=incident.id,
            )
        )
    for warning in record.history_warnings:
        items.append(
            TimelineItem(
                warning.issued_at,
                "warning",
                str(warning.stage.title),
                f"Counts until {warning.lapses_on:%-d %B %Y}",
                f"/staff/letters/{warning.letter_id}" if warning.id in letters else "",
                ident=warning.id,
            )
        )
    for alert in record.raised_alerts:
        items.append(
            TimelineItem(
                alert.raised_at,
                "alert",
                _l("Health and safety alert raised"),
                alert.summary,
                ident=alert.id,
                by=alert.raised_by.name,
            )
        )
    for alert in record.ended_alerts:
        items.append(
            TimelineItem(
                alert.ended_at,
                "alert_ended",
                _l("Health and safety alert ended"),
                alert.summary,
                ident=alert.id,
                by=alert.ended_by.name if alert.ended_by else "",
                reason=record.end_reasons.get(alert.id, ""),
            )
        )
    for refusal in record.history_refusals:
        # Only the day is known; a refusal recorded that day sorts at the moment it was.
        start = from_london(refusal.refused_on)
        recorded = refusal.recorded_at
        moment = recorded if london_date(recorded) == refusal.refused_on else start
        items.append(
            TimelineItem(
                refusal.refused_on,
                "refusal",
                str(refusal.works_type.title),
                refusal.works_description,
                moment=moment,
                ident=refusal.id,
            )
        )

    def key(item: TimelineItem):
        return (item.moment or item.at, item.ident, item.kind == "alert_ended")

    page = record.pages.get("history")
    newest = sorted(items, key=key, reverse=True)
    return newest[page.offset : page.offset + page.size] if page else newest


def may_open(viewer, incident: Incident | None) -> bool:
    """Whether ``viewer`` may open this incident, and so the warning letter about it."""
    return incident is not None and permissions.can_view_incident(viewer, incident)


def warnings_with_readable_letters(record: CustomerRecord, viewer) -> set[int]:
    """Ids of the warnings whose letter ``viewer`` may read: a warning letter is shared
    exactly as its incident is (portal/staff/letters.py), so the CSM reads §8.4 ones only."""
    return {wid for wid, incident in record.incident_of.items() if may_open(viewer, incident)}
