"""The central register (§8.8): Panel only, live search and filters, every view audited."""

from __future__ import annotations

from datetime import date

from flask import current_app, request
from flask_babel import gettext as _
from flask_login import current_user

from portal.audit import services as audit
from portal.auth import permissions
from portal.htmx import render_page_or_fragment
from portal.incidents.catalogue import Category
from portal.incidents.models import IncidentStatus, Route
from portal.incidents.queries import RegisterFilters, register_page
from portal.panel.models import Outcome
from portal.staff import bp
from portal.staff.formatting import ListFormat
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
        limited=limited,
        errors=errors,
        args=args,
        fmt=ListFormat(),
        Category=Category,
        Route=Route,
        IncidentStatus=IncidentStatus,
        Outcome=Outcome,
        page_errors=list(errors.items()),
        status=422 if errors else 200,
    )
