"""What the themes pages show, each in one aggregate query whatever the number of incidents:
counts by theme, by month, by service area, channel and behaviour category (§10.2)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import format_date
from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import aliased

from portal import db
from portal.auth.models import User
from portal.incidents.catalogue import Category, Channel
from portal.incidents.models import Incident, IncidentCategory
from portal.themes.models import IncidentTheme, RegisterReview, Theme, ThemeEscalation
from portal.timeutil import from_london

MONTHS = 12


@dataclass
class Month:
    key: str  # "2026-12"
    first: date
    count: int = 0

    @property
    def label(self) -> str:
        return format_date(self.first, "MMM yyyy")


def months_to(today: date, count: int = MONTHS) -> list[Month]:
    """The ``count`` calendar months up to and including ``today``'s, oldest first."""
    out = []
    year, month = today.year, today.month
    for _ in range(count):
        out.append(Month(f"{year:04d}-{month:02d}", date(year, month, 1)))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def since(months: list[Month]) -> datetime:
    """The first moment of the first month, at midnight in London."""
    return from_london(months[0].first)


def _month_of(column, months: list[Month]):
    """The "YYYY-MM" of the London month a timestamp falls in, among ``months``: stored times
    are UTC, and an incident at 00:30 on 1 July in London happened at 23:30 on 30 June UTC."""
    return case(*[(column >= from_london(m.first), m.key) for m in reversed(months)], else_=None)


def themes_with_counts(since: datetime) -> list:
    """Every theme, in use first then by name, with its incidents since ``since`` and ever."""
    recent = func.count(distinct(case((Incident.occurred_at >= since, Incident.id))))
    return db.session.execute(
        select(
            Theme.id,
            Theme.name,
            Theme.description,
            Theme.active,
            recent.label("recent"),
            func.count(IncidentTheme.id).label("ever"),
        )
        .outerjoin(IncidentTheme, IncidentTheme.theme_id == Theme.id)
        .outerjoin(Incident, Incident.id == IncidentTheme.incident_id)
        .group_by(Theme.id, Theme.name, Theme.description, Theme.active)
        .order_by(Theme.active.desc(), Theme.name_key)
    ).all()


def _recent_tags(months: list[Month], theme_id: int | None):
    query = (
        select(IncidentTheme.incident_id)
        .select_from(IncidentTheme)
        .join(Incident, Incident.id == IncidentTheme.incident_id)
        .where(Incident.occurred_at >= since(months))
    )
    if theme_id is not None:
        query = query.where(IncidentTheme.theme_id == theme_id)
    return query


def by_month(months: list[Month], theme_id: int | None = None) -> list[Month]:
    """Incidents tagged with ``theme_id`` (with any theme, without one) in each month."""
    month = _month_of(Incident.occurred_at, months)
    query = (
        _recent_tags(months, theme_id)
        .with_only_columns(month, func.count(distinct(IncidentTheme.incident_id)))
        .group_by(month)
    )
    counts = dict(db.session.execute(query).all())
    return [Month(m.key, m.first, int(counts.get(m.key, 0))) for m in months]


def _grouped(months: list[Month], theme_id: int, column) -> list[tuple]:
    query = (
        _recent_tags(months, theme_id)
        .with_only_columns(column, func.count(distinct(IncidentTheme.incident_id)))
        .group_by(column)
    )
    return db.session.execute(query).all()


def breakdowns(months: list[Month], theme_id: int) -> dict[str, list[tuple[str, int]]]:
    """The theme's incidents in ``months`` by service area, channel and behaviour category,
    largest first (an incident in two categories counts in each)."""
    areas = Counter()
    for area, count in _grouped(months, theme_id, Incident.service_area):
        areas[(area or "").strip() or "—"] += count
    channels = Counter()
    for channel, count in _grouped(months, theme_id, Incident.channel):
        channels[Channel(channel).title if channel else "—"] += count
    category = (
        _recent_tags(months, theme_id)
        .join(IncidentCategory, IncidentCategory.incident_id == IncidentTheme.incident_id)
        .with_only_columns(
            IncidentCategory.category, func.count(distinct(IncidentTheme.incident_id))
        )
        .group_by(IncidentCategory.category)
    )
    categories = Counter()
    for value, count in db.session.execute(category):
        categories[Category(value).title] += count
    return {
        "service_area": _largest(areas),
        "channel": _largest(channels),
        "category": _largest(categories),
    }


def _largest(counter: Counter) -> list[tuple[str, int]]:
    return sorted(((str(k), v) for k, v in counter.items()), key=lambda kv: (-kv[1], kv[0]))


def escalations(theme_id: int) -> list:
    """The theme's escalations, latest first, with who escalated them and recorded the outcome."""
    escalator, outcome_by = aliased(User), aliased(User)
    return db.session.execute(
        select(
            ThemeEscalation,
            escalator.name.label("escalated_by"),
            outcome_by.name.label("outcome_by"),
        )
        .join(escalator, escalator.id == ThemeEscalation.escalated_by_id)
        .outerjoin(outcome_by, outcome_by.id == ThemeEscalation.outcome_by_id)
        .where(ThemeEscalation.theme_id == theme_id)
        .order_by(ThemeEscalation.escalated_on.desc(), ThemeEscalation.id.desc())
    ).all()


def register_reviews(limit: int = 50) -> list:
    """The latest reviews of the register, with who recorded each."""
    return db.session.execute(
        select(RegisterReview, User.name.label("recorded_by"))
        .join(User, User.id == RegisterReview.recorded_by_id)
        .order_by(RegisterReview.held_on.desc(), RegisterReview.id.desc())
        .limit(limit)
    ).all()


def tag_choices(incident_id: int) -> list:
    """Themes in use, and retired ones the incident already has: (id, name, active, tagged)."""
    tagged = (
        select(IncidentTheme.theme_id)
        .where(IncidentTheme.incident_id == incident_id)
        .scalar_subquery()
    )
    is_tagged = Theme.id.in_(tagged)
    return db.session.execute(
        select(Theme.id, Theme.name, Theme.active, is_tagged.label("tagged"))
        .where(Theme.active | is_tagged)
        .order_by(Theme.name_key)
    ).all()
