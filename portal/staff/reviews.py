"""Six-monthly reviews of restrictions (§10.1, Appendix C) and reintroduction."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import lazy_gettext as _l

from portal import db
from portal.auth import permissions
from portal.errors import Conflict, Problem
from portal.htmx import is_htmx
from portal.letters.models import Letter
from portal.paging import page_arg
from portal.restrictions import rules
from portal.restrictions.combined import staff_statement
from portal.restrictions.models import Delivery, Restriction
from portal.reviews import services as reviews
from portal.reviews.forms import ReintroduceForm, ReviewForm
from portal.reviews.models import ReviewOutcome
from portal.reviews.queries import in_force_by_customer
from portal.staff import bp
from portal.staff.guard import actor, get_or_404, staff_required
from portal.staff.restrictions import _manager_choices
from portal.steps import beside_fields, conflict_page, perform, preview
from portal.timeutil import london_date, utcnow


@bp.route("/reviews")
@staff_required(permissions.can_request_restriction)
def reviews_due():
    today = london_date(utcnow())
    rows, page = reviews.reviews_due_page(today, page_arg())
    # A customer's restrictions in force at once are reviewed together (issue 16): each row
    # on the page names the others, with their review dates.
    in_force = in_force_by_customer({r.customer_id for r in rows}, today)
    others = {r.id: [o for o in in_force.get(r.customer_id, []) if o.id != r.id] for r in rows}
    return render_template(
        "staff/reviews/queue.html", rows=rows, page=page, today=today, others=others
    )


def _together(restriction: Restriction) -> dict:
    """The customer's other restrictions in force, what they all allow read as one, and the
    review date that brings them together (the earliest other review still ahead, within
    the six months of §10.1), for the review page."""
    today = london_date(utcnow())
    others = [
        r
        for r in in_force_by_customer([restriction.customer_id], today).get(
            restriction.customer_id, []
        )
        if r.id != restriction.id
    ]
    if not others:
        return {"others": [], "together": None, "align_on": None}
    ahead = [r.review_on for r in others if today < r.review_on <= rules.latest_review_date(today)]
    return {
        "others": [(r, rules.allowed_contact(r)) for r in others],
        "together": staff_statement([restriction, *others]),
        "align_on": min(ahead, default=None),
    }


def _review_form() -> ReviewForm:
    form = ReviewForm()
    form.named_manager_id.choices = _manager_choices()
    return form


def _record(restriction: Restriction, form: ReviewForm):
    """Record the review the form sets out (a preview records it too, and keeps nothing)."""
    outcome = ReviewOutcome(form.outcome.data)
    variation = None
    if outcome.varies and form.kind.data:
        today = london_date(utcnow())
        variation = form.spec(today, form.next_review_on.data or today)
    return reviews.review_restriction(
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


def _review_page(form: ReviewForm, restriction: Restriction, html=None, errors=None):
    """The review form with its letter preview, or (htmx) the preview alone."""
    context = {
        "form": form,
        "restriction": restriction,
        "allowed": rules.allowed_contact(restriction),
        "preview_html": html,
        "preview_errors": errors,
    }
    if is_htmx():
        return (
            render_template("staff/reviews/_preview.html", **context),
            200,
            {"Vary": "HX-Request"},
        )
    status = 422 if form.is_submitted() and form.error_list() else 200
    together = _together(restriction)
    if together["align_on"] and not form.is_submitted():
        # Offered, not imposed: the next review falls on the day the others are reviewed.
        form.next_review_on.data = together["align_on"]
    return (
        render_template("staff/reviews/review.html", **context, **together),
        status,
        {"Vary": "HX-Request"},
    )


@bp.route("/restrictions/<int:restriction_id>/review", methods=["GET", "POST"])
@staff_required(permissions.can_request_restriction)
def review_restriction(restriction_id: int):
    restriction = get_or_404(Restriction, restriction_id)
    form = _review_form()
    if not form.is_submitted():
        form.start_from(restriction)
        # The way the decision letter went, to start with; the Panel can choose another.
        form.delivery.data = restriction.delivery.value if restriction.delivery else None
    html, errors = None, None
    if form.validate_on_submit():
        if request.form.get("action") == "preview" or is_htmx():
            # The letter exactly as it would be issued; nothing is kept.
            html, errors = preview(
                lambda: db.session.get(Letter, _record(restriction, form).letter_id).body_html
            )
        else:
            return perform(
                lambda: _record(restriction, form),
                then=lambda review: url_for("staff.letter", letter_id=review.letter_id),
                done=_l("Review recorded and the customer's letter issued."),
                on_error=beside_fields(
                    form,
                    lambda: _review_page(form, restriction),
                    {"review_on": "next_review_on"},
                ),
                on_conflict=lambda exc: _reviewed_conflict(exc, restriction, form),
            )
    elif form.is_submitted() and is_htmx():
        incomplete = _l("Complete the form to see the letter")
        errors = {"": Problem("letter.preview_incomplete", incomplete)}
    return _review_page(form, restriction, html, errors)


def _reintroduce_page(form: ReintroduceForm, restriction: Restriction):
    return render_template("staff/reviews/reintroduce.html", form=form, restriction=restriction), (
        422 if form.is_submitted() else 200
    )


@bp.route("/restrictions/<int:restriction_id>/reintroduce", methods=["GET", "POST"])
@staff_required(permissions.can_request_restriction)
def reintroduce_restriction(restriction_id: int):
    restriction = get_or_404(Restriction, restriction_id)
    form = ReintroduceForm()
    if form.validate_on_submit():
        return perform(
            lambda: reviews.reintroduce(
                actor(), utcnow(), restriction, form.reason.data, form.review_on.data
            ),
            then=lambda again: url_for("staff.customer", customer_id=again.customer_id),
            done=_l("Restriction reintroduced with immediate effect. Send the decision letter."),
            on_error=beside_fields(form, lambda: _reintroduce_page(form, restriction)),
            on_conflict=lambda exc: _reviewed_conflict(exc, restriction, form),
        )
    return _reintroduce_page(form, restriction)


def _reviewed_conflict(exc: Conflict, restriction: Restriction, form):
    """The 409 page for a review or reintroduction a colleague recorded first."""
    return conflict_page(
        exc,
        heading=str(_l("A colleague has already dealt with this restriction")),
        back_url=url_for("staff.customer", customer_id=restriction.customer_id),
        back_label=str(_l("Go to the customer's record")),
        form=form,
    )
