"""The staff home page: each person's tasks."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user
from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from portal import db
from portal.auth import permissions
from portal.incidents.models import Incident, IncidentStatus, Route
from portal.notifications.models import Notification
from portal.staff import bp
from portal.staff.guard import staff_required
from portal.timeutil import london_date, utcnow


@bp.route("/")
@staff_required()
def home():
    me = current_user
    today = london_date(utcnow())
    awaiting_decision = list(
        db.session.scalars(
            select(Incident)
            .options(joinedload(Incident.customer), joinedload(Incident.reported_by))
            .where(Incident.line_manager_id == me.id, Incident.manager_decided_at.is_(None))
            .order_by(Incident.reported_at)
        )
    )
    my_reports = list(
        db.session.scalars(
            select(Incident)
            .options(joinedload(Incident.customer))
            .where(Incident.reported_by_id == me.id)
            .order_by(Incident.reported_at.desc())
            .limit(5)
        )
    )
    panel = None
    if permissions.can_review_as_panel(me):
        stmt = select(
            func.count(Incident.id),
            func.sum(case((Incident.review_due_on < today, 1), else_=0)),
        ).where(Incident.status == IncidentStatus.AWAITING_REVIEW)
        if permissions.register_is_limited_to_asb(me):
            stmt = stmt.where(Incident.route == Route.ASB)
        waiting, overdue = db.session.execute(stmt).one()
        panel = {"waiting": waiting or 0, "overdue": int(overdue or 0)}
    notes = list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == me.id, Notification.read_at.is_(None))
            .order_by(Notification.created_at.desc())
            .limit(10)
        )
    )
    return render_template(
        "staff/home.html",
        awaiting_decision=awaiting_decision,
        my_reports=my_reports,
        panel=panel,
        notes=notes,
        today=today,
    )
