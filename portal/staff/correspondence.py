"""Correspondence received while all contact is ended: log, read, check, file or route (§9.5)."""

from __future__ import annotations

from flask import abort, render_template, url_for
from flask_babel import lazy_gettext as _l

from portal import db
from portal import idempotency as once
from portal.auth import permissions
from portal.correspondence import queries
from portal.correspondence import services as correspondence_steps
from portal.correspondence.forms import CheckForm, CorrespondenceForm
from portal.correspondence.models import Correspondence, CorrespondenceStatus
from portal.customers.models import Customer
from portal.errors import Conflict, ServiceError
from portal.forms import combine
from portal.restrictions.queries import termination_in_force
from portal.staff import bp
from portal.staff.guard import actor, get_or_404, staff_required
from portal.steps import beside_fields, perform
from portal.timeutil import london_date, utcnow

STEPS = ("read", "check", "close")


@bp.route("/correspondence")
@staff_required(permissions.can_handle_correspondence)
def correspondence_queue():
    """Every item, for every customer, still to read, check, or file or route."""
    return render_template(
        "staff/correspondence/queue.html",
        items=queries.open_correspondence(),
        Status=CorrespondenceStatus,
    )


def _customer_page(
    customer: Customer,
    log_form: CorrespondenceForm | None = None,
    check_form: CheckForm | None = None,
    failed: Correspondence | None = None,
    page_errors: list[tuple[str, str]] | None = None,
    status: int = 200,
):
    """The customer's items; a step refused on ``failed`` comes back with its message beside
    the item (and what was typed kept), with the summary at the top of the page."""
    now = utcnow()
    log_form = log_form or CorrespondenceForm()
    check_form = check_form or CheckForm(prefix="check")
    items = queries.items_for_customer(customer.id)
    # Each acknowledgement as it would go, read before it is issued and frozen.
    previews = {}
    for item in items:
        draft = correspondence_steps.draft_acknowledgement(item, now)
        if draft is not None:
            previews[item.id] = draft[1]
    summary_form = next((f for f in (log_form, check_form) if f.error_list()), None)
    return render_template(
        "staff/correspondence/index.html",
        form=summary_form,
        page_errors=page_errors or [],
        log_form=log_form,
        customer=customer,
        items=items,
        check_form=check_form,
        failed=failed,
        previews=previews,
        Status=CorrespondenceStatus,
        termination=termination_in_force(customer.id, london_date(now)),
    ), status


@bp.route("/customers/<int:customer_id>/correspondence", methods=["GET", "POST"])
@staff_required(permissions.can_handle_correspondence)
def correspondence(customer_id: int):
    customer = get_or_404(Customer, customer_id)
    form = CorrespondenceForm()
    if form.validate_on_submit():
        # One clock reading: a second, later one made "today, time unknown" look like the future.
        now = utcnow()
        items_url = url_for("staff.correspondence", customer_id=customer.id)
        if (again := once.claim(form, "correspondence", actor(), now, items_url)) is not None:
            return again

        def _log():
            item = correspondence_steps.log_correspondence(
                actor(),
                now,
                customer,
                combine(form.received_on.data, form.received_time.data, latest=now),
                form.channel.data,
                form.summary.data,
            )
            once.made(form, item, items_url)

        return perform(
            _log,
            then=items_url,
            done=_l("Logged. Read it and check it for new information or safeguarding concerns."),
            on_error=beside_fields(
                form, lambda: _customer_page(customer, log_form=form, status=422)
            ),
        )
    return _customer_page(customer, log_form=form, status=422 if form.is_submitted() else 200)


def _take(step: str, item: Correspondence, form: CheckForm):
    """Take one step on the item; what to tell the person once it is done."""
    if step == "read":
        correspondence_steps.mark_read(actor(), utcnow(), item)
        return _l("Marked as read.")
    if step == "check":
        correspondence_steps.check(
            actor(),
            utcnow(),
            item,
            bool(form.new_information.data),
            bool(form.safeguarding_concern.data),
            form.check_notes.data or "",
        )
        return _l("Check recorded.")
    letter = correspondence_steps.close_correspondence(actor(), utcnow(), item)
    if letter:
        return _l("Acknowledged and filed; the acknowledgement letter is issued.")
    return _l("Routed to the Panel for review.")


@bp.route("/correspondence/<int:item_id>/<step>", methods=["POST"])
@staff_required(permissions.can_handle_correspondence)
def correspondence_step(item_id: int, step: str):
    item = get_or_404(Correspondence, item_id)
    if step not in STEPS:
        abort(404)
    form = CheckForm(prefix="check")
    customer = item.customer
    # The token is checked for every form; only the check has fields of its own.
    if step == "check" and not form.validate_on_submit():
        if item.status != CorrespondenceStatus.READ:
            # Its check form is not on the page: say why beside the item instead.
            page_errors = [(f"item-{item.id}", str(_l("Read the item before checking it")))]
            return _customer_page(customer, failed=item, page_errors=page_errors, status=422)
        return _customer_page(customer, check_form=form, failed=item, status=422)

    def _taken_first(exc: Conflict):
        # A colleague took the step first: said beside the item, with who and when (409),
        # and the check as typed kept in its form.
        db.session.refresh(item)
        said = next(iter(exc.errors.values()))
        detail = exc.describe() if exc.by or exc.at else ""
        message = f"{said}. {detail}" if detail and detail != said else str(said)
        page_errors = [(f"item-{item.id}", message)]
        return _customer_page(
            customer, check_form=form, failed=item, page_errors=page_errors, status=409
        )

    def _refused(exc: ServiceError):
        form.apply_errors(exc)
        # A refusal that is not about a field is shown beside the item it is about.
        anchor = f"item-{item.id}"
        page_errors = [(anchor, str(m)) for m in form.form_errors]
        form.form_errors.clear()
        db.session.refresh(item)
        return _customer_page(
            customer, check_form=form, failed=item, page_errors=page_errors, status=422
        )

    return perform(
        lambda: _take(step, item, form),
        then=url_for(
            "staff.correspondence", customer_id=item.customer_id, _anchor=f"item-{item.id}"
        ),
        done=lambda message: message,
        on_error=_refused,
        on_conflict=_taken_first,
    )
