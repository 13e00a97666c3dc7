"""The retention schedule, what a run today would do, and the last run (administrators)."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l

from portal import db
from portal.auth import permissions
from portal.retention import schedule
from portal.retention.run import last_run
from portal.staff import bp
from portal.staff.guard import staff_required
from portal.timeutil import utcnow

RULE_TITLES = {
    schedule.NO_ACTION: _l("Incidents where no action was taken"),
    schedule.WARNING: _l("Warnings"),
    schedule.RESTRICTION: _l("Restrictions"),
}


@bp.route("/admin/retention")
@staff_required(permissions.can_view_retention)
def retention():
    work_plan = schedule.plan(utcnow())
    previous = last_run()
    db.session.rollback()
    return render_template(
        "staff/admin/retention.html",
        rules=schedule.SCHEDULE,
        not_covered=schedule.NOT_COVERED,
        today=work_plan.as_of,
        counts=work_plan.counts(),
        previous=previous,
        titles=RULE_TITLES,
        anon_reference=schedule.ANON_REFERENCE,
    )
