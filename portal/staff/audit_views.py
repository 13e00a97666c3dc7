"""The audit trail, for administrators and the Customer Experience Manager.

Each view checks the trail from its last good checkpoint (a few hundred events at most), not
the whole trail; ``flask verify-audit`` checks every event.
"""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import func, select

from portal import db
from portal.audit.models import AuditEvent
from portal.audit.verify import check_trail
from portal.auth import permissions
from portal.staff import bp
from portal.staff.guard import staff_required

PAGE_SIZE = 50


@bp.route("/audit")
@staff_required(permissions.can_view_audit)
def audit_trail():
    total = db.session.scalar(select(func.count(AuditEvent.id)))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, request.args.get("page", 1, type=int) or 1), pages)
    events = list(
        db.session.scalars(
            select(AuditEvent)
            .order_by(AuditEvent.id.desc())
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    return render_template(
        "staff/audit/index.html",
        events=events,
        page=page,
        pages=pages,
        total=total,
        check=check_trail(incremental=True),
    )
