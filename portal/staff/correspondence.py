"""Correspondence received while all contact is ended: log, read, check, file or route (§9.5)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import db
from portal.auth import permissions
from portal.customers.models import Customer
from portal.errors import ServiceError
from portal.forms import combine
from portal.restrictions import services
from portal.restrictions.forms import CheckForm, CorrespondenceForm
from portal.restrictions.models import Correspondence, CorrespondenceStatus
from portal.staff import bp
from portal.staff.guard import actor, get_or_404, staff_required
from portal.timeutil import utcnow


@bp.route("/customers/<int:customer_id>/correspondence", methods=["GET", "POST"])
@staff_required(permissions.can_handle_correspondence)
def correspondence(customer_id: int):
    customer = get_or_404(Customer, customer_id)
    form = CorrespondenceForm()
    if form.validate_on_submit():
        # One clock reading: a second, later one made "today, time unknown" look like the future.
        now = utcnow()
        try:
            services.log_correspondence(
                actor(),
                now,
                customer,
                combine(form.received_on.data, form.received_time.data, latest=now),
                form.channel.data,
                form.summary.data,
            )
        except ServiceError as exc:
            db.session.rollback()
            form.apply_errors(exc)
        else:
            db.session.commit()
            flash(
                _l("Logged. Read it and check it for new information or safeguarding concerns."),
                "success",
            )
            return redirect(url_for("staff.correspondence", customer_id=customer.id), 303)
    items = list(
        db.session.scalars(
            select(Correspondence)
            .where(Correspondence.customer_id == customer.id)
            .order_by(Correspondence.received_at.desc())
        )
    )
    return render_template(
        "staff/correspondence/index.html",
        form=form,
        customer=customer,
        items=items,
        check_form=CheckForm(prefix="check"),
        Status=CorrespondenceStatus,
        termination=services._termination_in_force(customer.id),
    ), 422 if form.is_submitted() else 200


@bp.route("/correspondence/<int:item_id>/<step>", methods=["POST"])
@staff_required(permissions.can_handle_correspondence)
def correspondence_step(item_id: int, step: str):
    item = get_or_404(Correspondence, item_id)
    form = CheckForm(prefix="check")
    if not form.validate_on_submit():
        abort(400)
    try:
        if step == "read":
            services.mark_read(actor(), utcnow(), item)
            message = _l("Marked as read.")
        elif step == "check":
            services.check(
                actor(),
                utcnow(),
                item,
                bool(form.new_information.data),
                bool(form.safeguarding_concern.data),
                form.check_notes.data or "",
            )
            message = _l("Check recorded.")
        elif step == "close":
            letter = services.close_correspondence(actor(), utcnow(), item)
            message = (
                _l("Acknowledged and filed; the acknowledgement letter is issued.")
                if letter
                else _l("Routed to the Panel for review.")
            )
        else:
            abort(404)
    except ServiceError as exc:
        db.session.rollback()
        flash(next(iter(exc.errors.values())), "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(
        url_for("staff.correspondence", customer_id=item.customer_id, _anchor=f"item-{item.id}"),
        303,
    )
