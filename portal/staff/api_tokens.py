"""Administration: the housing management system's API tokens (docs/api.md).

A token's secret is shown once, on the page that answers the form that made it (never in a
redirect or a flashed message, which would keep it in the session cookie); after that only
its first characters. Revoking asks first, and a token revoked already is said to be.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from portal import idempotency as once
from portal.api.models import ApiToken
from portal.api.tokens import NAME_MAX, create_token, revoke_token, token_list
from portal.auth import permissions
from portal.errors import ServiceError
from portal.forms import BaseForm
from portal.idempotency import OnceForm
from portal.staff import bp
from portal.staff.guard import actor, get_or_404, staff_required
from portal.steps import perform, record
from portal.timeutil import utcnow


class TokenForm(OnceForm):
    name = StringField(
        _l("What will use the token?"),
        validators=[
            InputRequired(_l("Name the token")),
            Length(max=NAME_MAX, message=_l("The name must be 100 characters or fewer")),
        ],
    )


def _list_page(form: TokenForm, status: int = 200):
    return render_template(
        "staff/admin/api_tokens.html", form=form, rows=token_list(utcnow())
    ), status


@bp.route("/admin/api-tokens", methods=["GET", "POST"])
@staff_required(permissions.can_manage_api_tokens)
def api_tokens():
    form = TokenForm()
    if not form.validate_on_submit():
        return _list_page(form, 422 if form.is_submitted() else 200)
    fallback = url_for("staff.api_tokens")
    if (again := once.claim(form, "api_token", actor(), utcnow(), fallback)) is not None:
        return again  # the secret was shown once, on the first answer

    def _create():
        made = create_token(actor(), utcnow(), form.name.data or "")
        once.made(form, made[0], fallback)
        return made

    try:
        token, secret = record(_create)
    except ServiceError as exc:
        form.apply_errors(exc)
        return _list_page(form, 422)
    return render_template("staff/admin/api_token_created.html", token=token, secret=secret)


@bp.route("/admin/api-tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@staff_required(permissions.can_manage_api_tokens)
def revoke_api_token(token_id: int):
    token = get_or_404(ApiToken, token_id)
    form = BaseForm()
    if form.validate_on_submit():
        return perform(
            lambda: revoke_token(actor(), utcnow(), token.id),
            then=url_for("staff.api_tokens"),
            done=lambda t: _l("Token “%(name)s” revoked: calls with it are refused.", name=t.name),
        )
    if token.revoked:
        flash(_l("That token had already been revoked."), "error")
        return redirect(url_for("staff.api_tokens"), 303)
    return render_template("staff/admin/api_token_revoke.html", token=token, form=form)
