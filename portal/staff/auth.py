"""Staff sign-in and sign-out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from wtforms import EmailField, PasswordField
from wtforms.validators import InputRequired, Length

from portal.auth import permissions, sessions, throttle
from portal.auth.services import authenticate
from portal.auth.throttle import Throttled
from portal.forms import BaseForm
from portal.i18n import date_time
from portal.staff import bp
from portal.steps import perform, record
from portal.timeutil import utcnow


class SignInForm(BaseForm):
    email = EmailField(
        _l("Email address"),
        validators=[InputRequired(_l("Enter your email address")), Length(max=254)],
    )
    password = PasswordField(
        _l("Password"), validators=[InputRequired(_l("Enter your password")), Length(max=200)]
    )


def _safe_next(target: str | None) -> str:
    """Follow ``next`` only to a staff page on this site; anything else goes home.

    Control characters (a newline would break the Location header) and backslashes (which
    browsers read as slashes) are refused outright.
    """
    if target and target.isprintable() and "\\" not in target:
        parts = urlsplit(target)
        under_staff = parts.path == "/staff" or parts.path.startswith("/staff/")
        if not parts.scheme and not parts.netloc and under_staff:
            return target
    return url_for("staff.home")


def _throttled(form, throttled: Throttled):
    form.form_errors.append(
        str(
            _l(
                "Too many attempts to sign in. Try again after %(time)s.",
                time=date_time(throttled.until),
            )
        )
    )
    return render_template("staff/sign_in.html", form=form), 429


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated and getattr(current_user, "is_staff", False):
        return redirect(url_for("staff.home"))
    form = SignInForm()
    if form.validate_on_submit():
        email = form.email.data
        checks = throttle.sign_in_checks("staff", email, throttle.is_known_browser("staff", email))
        try:
            throttle.check(*checks)
        except Throttled as throttled:
            return _throttled(form, throttled)
        user = authenticate(email, form.password.data)
        if user is None:
            throttle.count(*checks)
            form.email.errors = [str(_l("The email address or password is not right"))]
            return render_template("staff/sign_in.html", form=form), 422
        throttle.signed_in("staff", email)
        pending = permissions.needs_second_factor(user)

        def _start_session():
            sessions.start(user, utcnow(), second_factor_done=not pending)
            login_user(user)

        record(_start_session)
        target = _safe_next(request.args.get("next"))
        if pending:
            return redirect(url_for("staff.two_factor", next=target), 303)
        return throttle.remember_browser(redirect(target, 303), "staff", user.email)
    status = 422 if form.is_submitted() else 200
    return render_template("staff/sign_in.html", form=form), status


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    return perform(
        lambda: _end_session(sessions.current(), utcnow()),
        then=url_for("staff.sign_in"),
        done=_l("You have signed out."),
        after=lambda _ended: _forget_browser(),
    )


def _end_session(signed_in, now) -> None:
    """End this browser's session record, if it has one (signed out)."""
    if signed_in is not None:
        sessions.end(signed_in, now, "signed_out")


def _forget_browser() -> None:
    """Sign this browser out: nothing stays in its cookie."""
    logout_user()
    sessions.forget()
