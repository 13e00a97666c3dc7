"""The staff home page: each person's tasks."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import case, func, select, update
from sqlalchemy.orm import joinedload

from portal import db
from portal.auth import permissions
from portal.incidents.models import Incident, IncidentStatus, Route
from portal.notifications.models import Notification
from portal.restrictions import queries as restriction_queries
from portal.restrictions.models import (
    RequestPart,
    RequestParticipant,
    RequestStatus,
    Restriction,
    RestrictionRequest,
)
from portal.staff import bp
from portal.staff.guard import get_or_404, staff_required
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
    restriction_tasks = None
    if permissions.can_decide_restriction(me) or permissions.can_request_restriction(me):
        to_decide = 0
        if permissions.can_decide_restriction(me):
            # Not one I made or changed: I may never decide those (§8.16).
            mine = (
                select(RequestParticipant.id)
                .where(
                    RequestParticipant.request_id == RestrictionRequest.id,
                    RequestParticipant.user_id == me.id,
                    RequestParticipant.part != RequestPart.DECIDED,
                )
                .exists()
            )
            to_decide = db.session.scalar(
                select(func.count(RestrictionRequest.id)).where(
                    RestrictionRequest.status == RequestStatus.SUBMITTED,
                    RestrictionRequest.requested_by_id != me.id,
                    ~mine,
                )
            )
        reviews = letters_to_send = more_info = 0
        letters = []
        if permissions.can_request_restriction(me):
            reviews = db.session.scalar(
                select(func.count(Restriction.id)).where(
                    Restriction.in_force_clause(today),
                    Restriction.review_on <= today + timedelta(days=14),
                )
            )
            # Approved and waiting, or in force at once or reintroduced without a letter.
            letters_to_send, letters = restriction_queries.letters_to_send()
            more_info = db.session.scalar(
                select(func.count(RestrictionRequest.id)).where(
                    RestrictionRequest.status == RequestStatus.MORE_INFO
                )
            )
        restriction_tasks = {
            "to_decide": to_decide,
            "reviews": reviews,
            "letters_to_send": letters_to_send,
            "letters": letters,
            "more_info": more_info,
        }
    correspondence_open = None
    if permissions.can_handle_correspondence(me):
        correspondence_open = restriction_queries.open_correspondence_count()
    appeal_tasks = None
    if permissions.can_manage_appeals(me) or permissions.can_decide_appeal(me):
        appeal_tasks = _appeal_tasks(me, today)
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
        restriction_tasks=restriction_tasks,
        correspondence_open=correspondence_open,
        appeal_tasks=appeal_tasks,
        notes=notes,
        today=today,
    )


def _appeal_tasks(me, today) -> dict:
    """Open appeals and how many have a step overdue or due soon (CEM), or wait for GLT."""
    from portal.appeals import progress as appeal_progress
    from portal.appeals import services as appeals
    from portal.appeals.models import AppealStatus

    counts = {"open": 0, "overdue": 0, "due_soon": 0, "for_glt": 0}
    for row in appeal_progress.for_open_appeals(today):
        counts["open"] += 1
        if row.appeal.status == AppealStatus.WITH_GLT and appeals.may_decide(me, row.appeal):
            counts["for_glt"] += 1
        if row.current is not None and row.current.attention:
            counts[row.current.attention] += 1
    return counts


@bp.route("/notifications/<int:notification_id>")
@staff_required()
def open_notification(notification_id: int):
    """Mark one of my notifications read and go to what it is about."""
    note = get_or_404(Notification, notification_id)
    if note.user_id != current_user.id:
        abort(404)
    if note.read_at is None:
        note.read_at = utcnow()
        db.session.commit()
    target = note.link if note.link.startswith("/") and not note.link.startswith("//") else None
    return redirect(target or url_for("staff.home"), 303)


@bp.route("/notifications/read", methods=["POST"])
@staff_required()
def read_all_notifications():
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    flash(_l("Notifications cleared."), "success")
    return redirect(url_for("staff.home"), 303)
