"""Administration: staff accounts and roles, and the organisation's details."""

from __future__ import annotations

from flask import current_app, render_template, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal import db
from portal.auth import permissions
from portal.auth.admin import add_user, set_roles
from portal.auth.models import Role, User
from portal.deadlines import update_organisation
from portal.forms import BaseForm, MultiCheckboxField, PlainTimeField
from portal.organisation.services import ORGANISATION_FIELDS, get_organisation
from portal.organisation.texts import (
    LANGUAGE_NAMES,
    MAX_LENGTH,
    TEXT_FIELDS,
    TEXT_LANGUAGES,
    form_key,
    translations,
)
from portal.staff import bp
from portal.staff.guard import actor, get_or_404, staff_required
from portal.steps import beside_fields, perform
from portal.timeutil import utcnow


class UserForm(BaseForm):
    name = StringField(
        _l("Full name"), validators=[InputRequired(_l("Enter the person's name")), Length(max=120)]
    )
    email = EmailField(
        _l("Work email address"),
        validators=[InputRequired(_l("Enter their work email address")), Length(max=254)],
    )
    job_title = StringField(_l("Job title"), validators=[Optional(), Length(max=120)])
    line_manager_id = SelectField(_l("Line manager"), coerce=int, validators=[Optional()])
    roles = MultiCheckboxField(
        _l("Roles"),
        choices=Role.choices(),
        validators=[InputRequired(_l("Select at least one role"))],
    )
    password = PasswordField(
        _l("Temporary password"),
        validators=[InputRequired(_l("Enter a temporary password")), Length(max=200)],
    )


class RolesForm(BaseForm):
    roles = MultiCheckboxField(
        _l("Roles"),
        choices=Role.choices(),
        validators=[InputRequired(_l("Select at least one role"))],
    )
    active = BooleanField(_l("The account is active"))


class OrganisationForm(BaseForm):
    name = StringField(
        _l("Organisation name"),
        validators=[InputRequired(_l("Enter the organisation's name")), Length(max=160)],
    )
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=1000)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=254)])
    policy_title = StringField(
        _l("Title of the policy sent with warnings"),
        validators=[InputRequired(_l("Enter the policy's title")), Length(max=160)],
    )
    policy_url = StringField(
        _l("Web address of the policy"), validators=[Optional(), Length(max=500)]
    )
    complaints_contact = TextAreaField(
        _l("How to make a complaint"), validators=[Optional(), Length(max=1000)]
    )
    emergency_contact = TextAreaField(
        _l("How to report an emergency repair or safety issue"),
        validators=[Optional(), Length(max=1000)],
    )
    appeals_contact = TextAreaField(
        _l("How to appeal a restriction (printed in decision letters)"),
        validators=[Optional(), Length(max=1000)],
    )
    review_request_contact = TextAreaField(
        _l("How to ask for a restriction to be reviewed (printed in decision letters)"),
        validators=[Optional(), Length(max=1000)],
    )
    postal_delivery_days = IntegerField(
        _l("Working days after posting that a letter counts as received"),
        validators=[
            InputRequired(_l("Enter the number of working days")),
            NumberRange(0, 10, _l("Enter a number of working days from 0 to 10")),
        ],
    )
    cutoff_time = PlainTimeField(
        _l("Cut-off time for receiving things the same day"),
        validators=[InputRequired(_l("Enter the cut-off time, like 17:00"))],
    )
    panel_review_days = IntegerField(
        _l("Panel reviews a report within"),
        validators=[
            InputRequired(_l("Enter the number of days")),
            NumberRange(1, 60, _l("The review period must be between 1 and 60 days")),
        ],
    )
    panel_review_unit = RadioField(
        _l("Counted in"),
        choices=[("calendar", _l("Calendar days")), ("working", _l("Working days"))],
        validators=[InputRequired(_l("Select calendar days or working days"))],
    )


# Each customer-facing text in each other language (blank: the English shows, marked).
for _field in TEXT_FIELDS:
    for _code in TEXT_LANGUAGES:
        setattr(
            OrganisationForm,
            form_key(_field, _code),
            TextAreaField(
                _l("In %(language)s", language=LANGUAGE_NAMES.get(_code, _code)),
                validators=[Optional(), Length(max=MAX_LENGTH)],
            ),
        )


def _managers() -> list[tuple[int, str]]:
    users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name))
    return [(0, str(_l("None")))] + [(u.id, u.name) for u in users]


@bp.route("/admin/users", methods=["GET", "POST"])
@staff_required(permissions.can_manage_users)
def users():
    form = UserForm()
    form.line_manager_id.choices = _managers()
    if form.validate_on_submit():
        return perform(
            lambda: add_user(
                actor(),
                utcnow(),
                form.email.data,
                form.name.data,
                form.password.data,
                [Role(r) for r in form.roles.data],
                form.job_title.data or "",
                form.line_manager_id.data or None,
            ),
            then=url_for("staff.users"),
            done=_l("Account created."),
            on_error=beside_fields(form, lambda: _users_page(form, 422)),
        )
    return _users_page(form, 422 if form.is_submitted() else 200)


def _users_page(form: UserForm, status: int):
    people = list(db.session.scalars(select(User).order_by(User.name)))
    return render_template("staff/admin/users.html", form=form, people=people), status


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@staff_required(permissions.can_manage_users)
def user_access(user_id: int):
    person = get_or_404(User, user_id)
    form = RolesForm(data={"roles": [r.value for r in person.roles], "active": person.active})
    if form.validate_on_submit():
        return perform(
            lambda: set_roles(
                actor(),
                utcnow(),
                person,
                [Role(r) for r in form.roles.data],
                bool(form.active.data),
            ),
            then=url_for("staff.users"),
            done=_l("Access updated for %(name)s.", name=person.name),
            on_error=beside_fields(form, lambda: _user_page(form, person, 422)),
        )
    return _user_page(form, person, 422 if form.is_submitted() else 200)


def _user_page(form: RolesForm, person: User, status: int):
    return render_template("staff/admin/user.html", form=form, person=person), status


@bp.route("/admin/organisation", methods=["GET", "POST"])
@staff_required(permissions.can_manage_users)
def organisation():
    org = get_organisation()
    form = OrganisationForm(obj=org, **translations(org))
    if form.validate_on_submit():
        names = (*ORGANISATION_FIELDS, *translations(org))
        changes = {name: getattr(form, name).data for name in names}
        changes = {
            k: ("" if v is None and k not in ("cutoff_time",) else v) for k, v in changes.items()
        }
        return perform(
            lambda: update_organisation(actor(), utcnow(), changes),
            then=url_for("staff.organisation"),
            done=_l("Organisation details saved."),
            on_error=beside_fields(form, lambda: _organisation_page(form, 422)),
        )
    return _organisation_page(form, 422 if form.is_submitted() else 200)


def _organisation_page(form: OrganisationForm, status: int):
    return render_template(
        "staff/admin/organisation.html",
        form=form,
        text_languages=[(code, LANGUAGE_NAMES.get(code, code)) for code in TEXT_LANGUAGES],
        rtl=current_app.config["RTL_LANGUAGES"],
    ), status
