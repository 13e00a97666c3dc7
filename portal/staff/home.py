"""The staff home page: each person's tasks."""

from __future__ import annotations

from flask import abort, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.notifications.models import Notification
from portal.notifications.services import mark_all_read, mark_read
from portal.staff import bp
from portal.staff.guard import get_or_404, staff_required
from portal.steps import perform
from portal.timeutil import london_date, utcnow
from portal.worklist.queries import worklist


@bp.route("/")
@staff_required()
def home():
    return render_template("staff/home.html", work=worklist(current_user, london_date(utcnow())))


@bp.route("/notifications/<int:notification_id>")
@staff_required()
def open_notification(notification_id: int):
    """Mark one of my notifications read and go to what it is about."""
    note = get_or_404(Notification, notification_id)
    if note.user_id != current_user.id:
        abort(404)
    target = note.link if note.link.startswith("/") and not note.link.startswith("//") else None
    return perform(
        lambda: mark_read(note, utcnow()),
        then=target or url_for("staff.home"),
    )


@bp.route("/notifications/read", methods=["POST"])
@staff_required()
def read_all_notifications():
    return perform(
        lambda: mark_all_read(current_user.id, utcnow()),
        then=url_for("staff.home"),
        done=_l("Notifications cleared."),
    )
