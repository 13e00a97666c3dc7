"""The central register (§8.8): Panel only, live search and filters, every view audited."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from flask import current_app, request, url_for
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user

from portal import kept_pages
from portal.audit import services as audit
from portal.auth import permissions
from portal.enums import TitledEnum
from portal.htmx import is_htmx, render_page_or_fragment
from portal.i18n import short_date
from portal.incidents.catalogue import Category
from portal.incidents.models import IncidentStatus, Route
from portal.incidents.queries import RegisterFilters, RegisterRow, register_page
from portal.panel.models import Outcome
from portal.staff import bp
from portal.staff.guard import actor, staff_required
from portal.steps import record
from portal.timeutil import utcnow


def _enum_arg(name: str, enum_cls):
    value = request.args.get(name, "")
    try:
        return enum_cls(value) if value else None
    except ValueError:
        return None


def _date_arg(name: str) -> tuple[date | None, str | None]:
    value = request.args.get(name, "").strip()
    if not value:
        return None, None
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        day = None
    # Years outside 1900–9998 are typing slips, and 9999-12-31 + 1 day overflows.
    if day is None or not 1900 <= day.year <= 9998:
        return None, _("Enter a real date")
    return day, None


@bp.route("/register")
@staff_required(permissions.can_open_register)
def register():
    date_from, from_error = _date_arg("from")
    date_to, to_error = _date_arg("to")
    errors = {k: v for k, v in (("from", from_error), ("to", to_error)) if v}
    if date_from and date_to and date_to < date_from and not errors:
        errors["to"] = _("The end date must be the same as or after the start date")
    filters = RegisterFilters(
        q=request.args.get("q", "").replace("\x00", "")[:100],
        category=_enum_arg("category", Category),
        route=_enum_arg("route", Route),
        status=_enum_arg("status", IncidentStatus),
        outcome=_enum_arg("outcome", Outcome),
        date_from=date_from,
        date_to=date_to,
        page=max(1, min(request.args.get("page", 1, type=int) or 1, 1_000_000)),
    )
    limited = permissions.register_is_limited_to_asb(current_user)
    result = register_page(filters, limited, current_app.config["REGISTER_PAGE_SIZE"])
    record(
        lambda: audit.record(
            actor(),
            utcnow(),
            "register.viewed",
            "register",
            None,
            "Central register viewed",
            after={
                "q": filters.q,
                "category": filters.category,
                "route": filters.route,
                "status": filters.status,
                "outcome": filters.outcome,
                "page": result.page,
                "from": filters.date_from,
                "to": filters.date_to,
            },
        )
    )
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_page_or_fragment(
        "staff/register/index.html",
        "staff/register/_results.html",
        filters=filters,
        result=result,
        lines=_lines(result.rows),
        limited=limited,
        errors=errors,
        args=args,
        filters_form=None if is_htmx() else _filters_form(filters, errors, limited),
        page_errors=list(errors.items()),
        status=422 if errors else 200,
    )


def _filters_form(filters: RegisterFilters, errors: dict, limited: bool):
    """The filters as the reader set them: rendered once for each set of filters, errors and
    dates as typed (the page number is not shown in them)."""
    typed = {name: request.args.get(name, "") for name in ("from", "to")}
    shown = dataclasses.replace(filters, page=1)
    key = (
        "register filters",
        dataclasses.astuple(shown),
        tuple(errors.items()),
        limited,
        tuple(typed.items()),
    )
    return kept_pages.content(
        "staff/register/_filters.html",
        key,
        lambda: {
            "filters": shown,
            "errors": errors,
            "limited": limited,
            "typed": typed,
            "Category": Category,
            "Route": Route,
            "IncidentStatus": IncidentStatus,
            "Outcome": Outcome,
            "choices": _choices,
        },
    )


def _choices(enum_cls: type[TitledEnum]) -> tuple[tuple[TitledEnum, str], ...]:
    """A filter's members and their titles in the page's language."""
    return _titles(enum_cls, str(get_locale()))


@lru_cache(maxsize=64)
def _titles(enum_cls: type[TitledEnum], _locale: str) -> tuple[tuple[TitledEnum, str], ...]:
    """The titles, looked up once per process and language rather than on every page (each
    is a translation, and the filters' options cost more than the page's rows)."""
    return tuple((member, member.title) for member in enum_cls)


@dataclass(frozen=True, slots=True)
class Line:
    """One row of the register as it is shown: addresses built and values formatted."""

    incident_href: str
    reference: str
    customer_href: str
    customer_name: str
    customer_reference: str
    behaviour: str
    reported: str
    action: str  # empty while the incident awaits the Panel's review


# A number no real id reaches, so it appears in a built address only where the id goes.
_MARK = 9_000_000_000_000_000_001


def _address(endpoint: str, name: str) -> Callable[[int], str]:
    """``endpoint``'s address for any id, routed once (``url_for`` on each of a page's rows
    costs more than everything else its row needs)."""
    head, tail = url_for(endpoint, **{name: _MARK}).split(str(_MARK))
    return lambda id_: f"{head}{id_}{tail}"


def _lines(rows: list[RegisterRow]) -> list[Line]:
    """The page's rows as they are shown: each day formatted as the ``short_date`` filter
    writes it and each title and stage looked up once."""
    if not rows:
        return []
    zone = get_timezone()
    titles = dict(_choices(Category)) | dict(_choices(Outcome))
    days: dict[date, str] = {}
    incident_href = _address("staff.incident", "incident_id")
    customer_href = _address("staff.customer", "customer_id")
    stages: dict[str, str] = {}
    lines = []
    for row in rows:
        incident, customer = row.incident, row.incident.customer
        action = titles[row.outcome] if row.outcome else ""
        day = incident.reported_at.astimezone(zone).date()
        reported = days.get(day) or days.setdefault(day, short_date(day))
        if action and row.warning_stage:
            stage = stages.get(row.warning_stage)
            if stage is None:
                stage = stages[row.warning_stage] = _("%(stage)s stage", stage=row.warning_stage)
            action = f"{action}: {stage}"
        lines.append(
            Line(
                incident_href(incident.id),
                incident.reference,
                customer_href(customer.id),
                customer.name,
                customer.reference,
                "; ".join([titles[c] for c in incident.categories]),
                reported,
                action,
            )
        )
    return lines
