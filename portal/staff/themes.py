"""The Panel's themes, their escalations and its reviews of the register (§10.2)."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from portal import idempotency as once
from portal.auth import permissions
from portal.db import MAX_ID
from portal.incidents.models import Incident
from portal.staff import bp
from portal.staff.guard import actor, get_or_404, staff_required
from portal.steps import beside_fields, conflict_page, perform
from portal.themes import queries, services
from portal.themes.forms import (
    ActiveForm,
    EscalationForm,
    OutcomeForm,
    RegisterReviewForm,
    TagForm,
    ThemeForm,
)
from portal.themes.models import Theme, ThemeEscalation
from portal.timeutil import london_date, utcnow


def _months():
    return queries.months_to(london_date(utcnow()))


def _ids(text) -> set[int]:
    """The theme ids in the form's list of those ticked when it was shown (junk ignored)."""
    parts = (text or "").split(",")[:500]
    return {int(p) for p in parts if p.strip().isdigit() and 0 < int(p) <= MAX_ID}


def _must_manage() -> None:
    """Reading is wider than changing: refuse a change from someone who may only read."""
    if not permissions.can_manage_themes(actor()):
        abort(403)


@bp.route("/themes", methods=["GET", "POST"])
@staff_required(permissions.can_view_themes)
def themes():
    form = ThemeForm()
    if request.method != "POST":
        return _themes_page(form, 200)
    _must_manage()
    if not form.validate_on_submit():
        return _themes_page(form, 422)
    return perform(
        lambda: services.create_theme(actor(), utcnow(), form.name.data, form.description.data),
        then=url_for("staff.themes"),
        done=lambda theme: _l("Theme added: %(name)s.", name=theme.name),
        on_error=beside_fields(form, lambda: _themes_page(form, 422)),
    )


def _themes_page(form: ThemeForm, status: int):
    months = _months()
    page = render_template(
        "staff/themes/list.html",
        form=form,
        themes=queries.themes_with_counts(queries.since(months)),
        trend=queries.by_month(months),
        can_manage=permissions.can_manage_themes(actor()),
    )
    return page, status


@bp.route("/themes/<int:theme_id>")
@staff_required(permissions.can_view_themes)
def theme(theme_id: int):
    return _theme_page(get_or_404(Theme, theme_id), EscalationForm(), 200)


def _theme_page(theme: Theme, form: EscalationForm, status: int):
    months = _months()
    page = render_template(
        "staff/themes/show.html",
        theme=theme,
        form=form,
        active_form=ActiveForm(),
        trend=queries.by_month(months, theme.id),
        breakdowns=queries.breakdowns(months, theme.id),
        escalations=queries.escalations(theme.id),
        can_manage=permissions.can_manage_themes(actor()),
    )
    return page, status


@bp.route("/themes/<int:theme_id>/in-use", methods=["POST"])
@staff_required(permissions.can_manage_themes)
def theme_in_use(theme_id: int):
    theme = get_or_404(Theme, theme_id)
    form = ActiveForm()
    back = url_for("staff.theme", theme_id=theme.id)
    if not form.validate_on_submit() or form.active.data not in ("yes", "no"):
        return _theme_page(theme, EscalationForm(formdata=None), 422)
    active = form.active.data == "yes"
    return perform(
        lambda: services.set_theme_active(actor(), utcnow(), theme, active),
        then=back,
        done=_l("The theme is back in use.") if active else _l("The theme is retired."),
    )


@bp.route("/themes/<int:theme_id>/escalations", methods=["POST"])
@staff_required(permissions.can_manage_themes)
def escalate_theme(theme_id: int):
    theme = get_or_404(Theme, theme_id)
    form = EscalationForm()
    back = url_for("staff.theme", theme_id=theme.id)
    if not form.validate_on_submit():
        return _theme_page(theme, form, 422)
    if (again := once.claim(form, "theme_escalation", actor(), utcnow(), back)) is not None:
        return again

    def _escalate():
        escalation = services.escalate_theme(
            actor(),
            utcnow(),
            theme,
            form.escalated_to.data,
            form.escalated_on.data,
            form.summary.data,
            form.follow_up_on.data,
        )
        once.made(form, escalation, back)
        return escalation

    return perform(
        _escalate,
        then=back,
        done=lambda e: _l("Escalation to %(to)s recorded.", to=e.escalated_to.title),
        on_error=beside_fields(form, lambda: _theme_page(theme, form, 422)),
    )


@bp.route("/themes/escalations/<int:escalation_id>/outcome", methods=["GET", "POST"])
@staff_required(permissions.can_manage_themes)
def escalation_outcome(escalation_id: int):
    escalation = get_or_404(ThemeEscalation, escalation_id)
    back = url_for("staff.theme", theme_id=escalation.theme_id)
    if request.method != "POST":
        form = OutcomeForm(data={"follow_up_on": escalation.follow_up_on})
        return _outcome_page(escalation, form, 200)
    form = OutcomeForm()
    if not form.validate_on_submit():
        return _outcome_page(escalation, form, 422)
    return perform(
        lambda: services.record_outcome(
            actor(),
            utcnow(),
            escalation,
            form.outcome.data,
            form.outcome_on.data,
            form.follow_up_on.data,
        ),
        then=back,
        done=_l("Outcome recorded."),
        on_error=beside_fields(form, lambda: _outcome_page(escalation, form, 422)),
        on_conflict=lambda exc: conflict_page(
            exc, _l("Outcome already recorded"), back, _l("Back to the theme"), form
        ),
    )


def _outcome_page(escalation: ThemeEscalation, form: OutcomeForm, status: int):
    return render_template("staff/themes/outcome.html", escalation=escalation, form=form), status


@bp.route("/incidents/<int:incident_id>/themes", methods=["GET", "POST"])
@staff_required(permissions.can_manage_themes)
def incident_themes(incident_id: int):
    incident = get_or_404(Incident, incident_id)
    choices = queries.tag_choices(incident.id)
    form = TagForm()
    form.themes.choices = [(c.id, c.name) for c in choices]
    if request.method != "POST":
        ticked = [c.id for c in choices if c.tagged]
        form.themes.data = ticked
        form.was_tagged.data = ",".join(str(i) for i in ticked)
        return _tags_page(incident, form, choices, 200)
    if not form.validate_on_submit():
        return _tags_page(incident, form, choices, 422)
    back = url_for("staff.incident", incident_id=incident.id)
    return perform(
        lambda: services.set_incident_themes(
            actor(), utcnow(), incident, form.themes.data or [], _ids(form.was_tagged.data)
        ),
        then=back,
        done=_tagged_message,
        on_error=beside_fields(form, lambda: _tags_page(incident, form, choices, 422)),
    )


def _tagged_message(result: dict) -> str:
    said = []
    if result["added"]:
        said.append(_l("Tagged with: %(names)s.", names=", ".join(result["added"])))
    if result["removed"]:
        said.append(_l("No longer tagged with: %(names)s.", names=", ".join(result["removed"])))
    if result["already"]:
        said.append(_l("Already tagged with: %(names)s.", names=", ".join(result["already"])))
    return " ".join(str(s) for s in said) or str(_l("No change to the themes."))


def _tags_page(incident: Incident, form: TagForm, choices, status: int):
    page = render_template("staff/themes/tag.html", incident=incident, form=form, choices=choices)
    return page, status


@bp.route("/panel/reviews-of-register", methods=["GET", "POST"])
@staff_required(permissions.can_view_themes)
def register_reviews():
    form = RegisterReviewForm()
    if request.method != "POST":
        return _reviews_page(form, 200)
    _must_manage()
    if not form.validate_on_submit():
        return _reviews_page(form, 422)
    back = url_for("staff.register_reviews")
    if (again := once.claim(form, "register_review", actor(), utcnow(), back)) is not None:
        return again

    def _record():
        review = services.record_register_review(
            actor(), utcnow(), form.held_on.data, form.attendees.data, form.notes.data
        )
        once.made(form, review, back)
        return review

    return perform(
        _record,
        then=back,
        done=_l("Review of the register recorded."),
        on_error=beside_fields(form, lambda: _reviews_page(form, 422)),
    )


def _reviews_page(form: RegisterReviewForm, status: int):
    page = render_template(
        "staff/themes/reviews.html",
        form=form,
        reviews=queries.register_reviews(),
        can_manage=permissions.can_manage_themes(actor()),
    )
    return page, status
