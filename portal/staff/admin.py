"""Administration: organisation closure days for the working-day calendar."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from portal import deadlines
from portal.auth import permissions
from portal.forms import BaseForm, PlainDateField
from portal.staff import bp
from portal.staff.guard import actor, get_or_404, staff_required
from portal.steps import beside_fields, perform
from portal.timeutil import london_date, utcnow


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
    calendar = deadlines.calendar_summary(today)
    return render_template(
        "staff/admin/closures.html",
        form=form,
        closures=calendar.closures,
        bank_holidays=calendar.bank_holidays,
        today=today,
    ), status


@bp.route("/admin/closures", methods=["GET", "POST"])
@staff_required(permissions.can_manage_calendar)
def closures():
    form = ClosureForm()
    if form.validate_on_submit():
        return perform(
            lambda: deadlines.add_closure(actor(), utcnow(), form.day.data, form.reason.data),
            then=url_for("staff.closures"),
            done=_l("Closure day added. Open deadlines have been recalculated."),
            on_error=beside_fields(form, lambda: _page(form, 422)),
        )
    return _page(form, 422 if form.is_submitted() else 200)


@bp.route("/admin/closures/<int:closure_id>/delete", methods=["POST"])
@staff_required(permissions.can_manage_calendar)
def delete_closure(closure_id: int):
    form = BaseForm()
    closure = get_or_404(deadlines.Closure, closure_id)
    if form.validate_on_submit():
        return perform(
            lambda: deadlines.remove_closure(actor(), utcnow(), closure),
            then=url_for("staff.closures"),
            done=_l("Closure day removed. Open deadlines have been recalculated."),
        )
    return redirect(url_for("staff.closures"), 303)
