"""A member of staff's own account: where they are signed in, and their password. An
administrator can end every session of someone else's."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import EqualTo, InputRequired, Length

from portal.auth import permissions, sessions
from portal.auth.admin import sign_out_everywhere
from portal.auth.models import User
from portal.auth.services import change_password
from portal.forms import BaseForm
from portal.staff import bp
from portal.staff.guard import actor, get_or_404, staff_required
from portal.steps import beside_fields, perform
from portal.timeutil import utcnow


class PasswordForm(BaseForm):
    current = PasswordField(
        _l("Your current password"),
        validators=[InputRequired(_l("Enter your current password")), Length(max=200)],
    )
    new = PasswordField(
        _l("New password"),
        validators=[InputRequired(_l("Choose a new password")), Length(max=200)],
    )
    confirm = PasswordField(
        _l("Type the new password again"),
        validators=[
            InputRequired(_l("Type the new password again")),
            EqualTo("new", _l("The two passwords are not the same")),
        ],
    )


@bp.route("/account")
@staff_required()
def account():
    return render_template(
        "staff/account/account.html",
        open_sessions=sessions.open_sessions(actor()),
        this_session=sessions.current(),
        form=BaseForm(),
    )


@bp.route("/account/sign-out-elsewhere", methods=["POST"])
@staff_required()
def sign_out_elsewhere():
    return perform(
        lambda: sessions.end_all(
            actor(), utcnow(), "signed_out_elsewhere", keep=sessions.current()
        ),
        then=url_for("staff.account"),
        done=lambda ended: _l("You have been signed out everywhere else (%(count)d).", count=ended),
    )


@bp.route("/account/password", methods=["GET", "POST"])
@staff_required()
def account_password():
    form = PasswordForm()
    if form.validate_on_submit():
        return perform(
            lambda: change_password(
                actor(), form.current.data, form.new.data, utcnow(), keep=sessions.current()
            ),
            then=url_for("staff.account"),
            done=_l("Your password has been changed. You are signed out everywhere else."),
            on_error=beside_fields(form, lambda: _password_page(form, 422)),
        )
    return _password_page(form, 422 if form.is_submitted() else 200)


def _password_page(form: PasswordForm, status: int):
    return render_template("staff/account/password.html", form=form), status


@bp.route("/admin/users/<int:user_id>/sign-out-everywhere", methods=["POST"])
@staff_required(permissions.can_manage_users)
def user_sign_out_everywhere(user_id: int):
    person = get_or_404(User, user_id)
    return perform(
        lambda: sign_out_everywhere(actor(), utcnow(), person),
        then=url_for("staff.user_access", user_id=person.id),
        done=lambda ended: _l(
            "%(name)s has been signed out everywhere (%(count)d).", name=person.name, count=ended
        ),
    )
