"""The staff side of the portal: one view module per resource."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

from portal.staff import (  # noqa: E402,F401
    account,
    admin,
    admin_data,
    admin_people,
    api_tokens,
    appeals,
    arrangements,
    audit_views,
    auth,
    correspondence,
    customer_adjustments,
    customer_import,
    customer_language,
    customer_records,
    customers,
    equality,
    home,
    impact_assessments,
    incidents,
    letters,
    panel,
    portal_access,
    register,
    reports,
    representatives,
    restrictions,
    retention,
    reviews,
    subject_access,
    themes,
    two_factor,
)
