"""Six-monthly reviews of restrictions (§10.1, Appendix C) and reintroduction."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from portal import db
from portal.auth import permissions
from portal.errors import Conflict, NotAllowed, ServiceError
from portal.htmx import is_htmx
from portal.letters.models import Letter
from portal.restrictions import rules, services
from portal.restrictions.forms import ReintroduceForm, ReviewForm
from portal.restrictions.models import (
    Delivery,
    Restriction,
    ReviewOutcome,
)
from portal.staff import bp
from portal.staff.guard import actor, get_or_404, staff_required
from portal.staff.restrictions import _manager_choices
from portal.steps import conflict_page
from portal.timeutil import london_date, utcnow


@bp.route("/reviews")
@staff_required(permissions.can_request_restriction)
def reviews_due():
    today = london_date(utcnow())
    rows = services.reviews_due(today)
    return render_template("staff/reviews/queue.html", rows=rows, today=today)


def _review_form() -> ReviewForm:
    form = ReviewForm()
    form.named_manager_id.choices = _manager_choices()
    return form


@bp.route("/restrictions/<int:restriction_id>/review", methods=["GET", "POST"])
@staff_required(permissions.can_request_restriction)
def review_restriction(restriction_id: int):
    restriction = get_or_404(Restriction, restriction_id)
    form = _review_form()
    if not form.is_submitted():
        form.start_from(restriction)
        # The way the decision letter went, to start with; the Panel can choose another.
        form.delivery.data = restriction.delivery.value if restriction.delivery else None
    preview_html, preview_errors = None, None
    if form.validate_on_submit():
        outcome = ReviewOutcome(form.outcome.data)
        variation = None
        if outcome == ReviewOutcome.VARY and form.kind.data:
            today = london_date(utcnow())
            variation = form.spec(today, form.next_review_on.data or today)
        previewing = request.form.get("action") == "preview" or is_htmx()
        savepoint = db.session.begin_nested() if previewing else None
        try:
            review = services.review_restriction(
                actor(),
                utcnow(),
                restriction,
                outcome,
                form.reasons.data or "",
                form.behaviour_since.data or "",
                form.next_review_on.data,
                variation,
                Delivery(form.delivery.data),
            )
        except NotAllowed:
            db.session.rollback()
            abort(403)
        except Conflict as exc:
            db.session.rollback()
            if savepoint is None:
                return _reviewed_conflict(exc, restriction, form)
            preview_errors = exc.errors
        except ServiceError as exc:
            if savepoint is not None:
                savepoint.rollback()
                preview_errors = exc.errors
            else:
                db.session.rollback()
                form.apply_errors(exc, {"review_on": "next_review_on"})
        else:
            if savepoint is not None:
                # The letter exactly as it would be issued; nothing is kept.
                preview_html = db.session.get(Letter, review.letter_id).body_html
                savepoint.rollback()
                db.session.rollback()
            else:
                db.session.commit()
                flash(_l("Review recorded and the customer's letter issued."), "success")
                return redirect(url_for("staff.letter", letter_id=review.letter_id), 303)
    elif form.is_submitted() and is_htmx():
        preview_errors = {"": "Complete the form to see the letter"}
    context = {
        "form": form,
        "restriction": restriction,
        "allowed": rules.allowed_contact(restriction),
        "preview_html": preview_html,
        "preview_errors": preview_errors,
    }
    if is_htmx():
        return (
            render_template("staff/reviews/_preview.html", **context),
            200,
            {"Vary": "HX-Request"},
        )
    status = 422 if form.is_submitted() and form.error_list() else 200
    return render_template("staff/reviews/review.html", **context), status, {"Vary": "HX-Request"}


@bp.route("/restrictions/<int:restriction_id>/reintroduce", methods=["GET", "POST"])
@staff_required(permissions.can_request_restriction)
def reintroduce_restriction(restriction_id: int):
    restriction = get_or_404(Restriction, restriction_id)
    form = ReintroduceForm()
    if form.validate_on_submit():
        try:
            again = services.reintroduce(
                actor(), utcnow(), restriction, form.reason.data, form.review_on.data
            )
        except NotAllowed:
            db.session.rollback()
            abort(403)
        except Conflict as exc:
            db.session.rollback()
            return _reviewed_conflict(exc, restriction, form)
        except ServiceError as exc:
            db.session.rollback()
            form.apply_errors(exc)
        else:
            db.session.commit()
            flash(
                _l("Restriction reintroduced with immediate effect. Send the decision letter."),
                "success",
            )
            return redirect(url_for("staff.customer", customer_id=again.customer_id), 303)
    return render_template("staff/reviews/reintroduce.html", form=form, restriction=restriction), (
        422 if form.is_submitted() else 200
    )


def _reviewed_conflict(exc: Conflict, restriction: Restriction, form):
    """The 409 page for a review or reintroduction a colleague recorded first."""
    return conflict_page(
        exc,
        heading=str(_l("A colleague has already dealt with this restriction")),
        back_url=url_for("staff.customer", customer_id=restriction.customer_id),
        back_label=str(_l("Go to the customer's record")),
        form=form,
    )
