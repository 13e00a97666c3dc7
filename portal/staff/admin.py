"""Administration: organisation closure days for the working-day calendar."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from portal import db
from portal.auth import permissions
from portal.errors import ServiceError
from portal.forms import BaseForm, PlainDateField
from portal.staff import bp
from portal.staff.guard import actor, get_or_404, staff_required
from portal.timeutil import london_date, utcnow
from portal.workdays.calendar import _bank_holidays
from portal.workdays.models import Closure
from portal.workdays.services import add_closure, remove_closure


class ClosureForm(BaseForm):
    day = PlainDateField(
        _l("Date"),
        validators=[InputRequired(_l("Enter the date the organisation is closed"))],
        message=_l("Enter a real date"),
    )
    reason = StringField(
        _l("Reason"),
        validators=[
            InputRequired(_l("Enter why the organisation is closed")),
            Length(max=120, message=_l("The reason must be 120 characters or fewer")),
        ],
    )


def _page(form: ClosureForm, status: int = 200):
    today = london_date(utcnow())
    closures = list(db.session.scalars(select(Closure).order_by(Closure.day)))
    upcoming_bank = sorted(
        (d, name)
        for year in (today.year, today.year + 1)
        for d, name in _bank_holidays(year).items()
        if d >= today
    )[:10]
    return render_template(
        "staff/admin/closures.html",
        form=form,
        closures=closures,
        bank_holidays=upcoming_bank,
        today=today,
    ), status


@bp.route("/admin/closures", methods=["GET", "POST"])
@staff_required(permissions.can_manage_calendar)
def closures():
    form = ClosureForm()
    if form.validate_on_submit():
        try:
            add_closure(actor(), utcnow(), form.day.data, form.reason.data)
        except ServiceError as exc:
            db.session.rollback()
            form.apply_errors(exc)
        else:
            db.session.commit()
            flash(_l("Closure day added. Open deadlines have been recalculated."), "success")
            return redirect(url_for("staff.closures"), 303)
    return _page(form, 422 if form.is_submitted() else 200)


@bp.route("/admin/closures/<int:closure_id>/delete", methods=["POST"])
@staff_required(permissions.can_manage_calendar)
def delete_closure(closure_id: int):
    form = BaseForm()
    closure = get_or_404(Closure, closure_id)
    if form.validate_on_submit():
        remove_closure(actor(), utcnow(), closure)
        db.session.commit()
        flash(_l("Closure day removed. Open deadlines have been recalculated."), "success")
    return redirect(url_for("staff.closures"), 303)
