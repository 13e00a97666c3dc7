"""Staff two-factor sign-in: the code after the password, setting it up the first time, a
recovery code instead, and an administrator's reset.

Someone half-way through signing in (the right password, no code yet) has a session record
without ``second_factor_at``; they are not signed in anywhere else (``sessions.load_user``).
"""

from __future__ import annotations

from functools import wraps

import segno
from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from portal import db, steps
from portal.auth import permissions, sessions, throttle
from portal.auth import two_factor as two_factor_service
from portal.auth.models import User
from portal.auth.throttle import Throttled
from portal.errors import ServiceError
from portal.forms import BaseForm
from portal.i18n import date_time
from portal.staff import bp
from portal.staff.auth import _safe_next
from portal.staff.guard import actor, get_or_404, staff_required
from portal.timeutil import utcnow


class CodeForm(BaseForm):
    code = StringField(
        _l("Code from your authenticator app"),
        validators=[
            InputRequired(_l("Enter the 6-digit code from your authenticator app")),
            Length(max=20),
        ],
    )


class RecoveryCodeForm(BaseForm):
    recovery_code = StringField(
        _l("Recovery code"),
        validators=[InputRequired(_l("Enter one of your recovery codes")), Length(max=40)],
    )


def _pending():
    """This browser's half-finished staff sign-in as (session record, user), or (None, None)."""
    record = sessions.current()
    if (
        record is None
        or record.staff_user_id is None
        or record.ended_at is not None
        or record.second_factor_at is not None
    ):
        return None, None
    user = db.session.get(User, record.staff_user_id)
    if user is None or not user.active or not permissions.needs_second_factor(user):
        return None, None
    try:
        sessions.check(record, utcnow())
    except sessions.Ended:
        sessions.forget()
        return None, None
    return record, user


def pending_sign_in(view):
    """Open the view only half-way through signing in; anyone else goes on or back to sign in."""

    @wraps(view)
    def wrapped():
        record, user = _pending()
        target = _safe_next(request.args.get("next"))
        if user is None:
            if current_user.is_authenticated and getattr(current_user, "is_staff", False):
                return redirect(target, 303)
            return redirect(url_for("staff.sign_in", next=target), 303)
        return view(record, user, target)

    return wrapped


def _throttle_key(user: User):
    return (throttle.SECOND_FACTOR, ("staff", str(user.id)))


def _too_many(form, throttled: Throttled, template: str, **context):
    form.form_errors.append(
        str(_l("Too many attempts. Try again after %(time)s.", time=date_time(throttled.until)))
    )
    return render_template(template, form=form, **context), 429


def _signed_in(record, user: User, target: str, response=None):
    """Finish signing in: the session is in force, and this browser is one they use."""
    steps.record(lambda: sessions.complete_second_factor(record, utcnow()))
    throttle.clear(throttle.SECOND_FACTOR, "staff", str(user.id))
    return throttle.remember_browser(response or redirect(target, 303), "staff", user.email)


def _code_step(record, user: User, target: str, form, template: str, check):
    """The code page or the recovery-code page: throttled, then ``check()`` the code and
    finish signing in with what it returns (a flash message, or None)."""
    if not two_factor_service.is_set_up(user):
        return redirect(url_for("staff.two_factor_setup", next=target), 303)
    if form.validate_on_submit():
        try:
            throttle.check(_throttle_key(user))
        except Throttled as throttled:
            return _too_many(form, throttled, template, next=target)
        try:
            said = check()
        except ServiceError as exc:
            db.session.rollback()
            throttle.count(_throttle_key(user))
            form.apply_errors(exc)
        else:
            if said:
                flash(said, "success")
            return _signed_in(record, user, target)
    status = 422 if form.is_submitted() else 200
    return render_template(template, form=form, next=target), status


@bp.route("/sign-in/code", methods=["GET", "POST"])
@pending_sign_in
def two_factor(record, user: User, target: str):
    form = CodeForm()

    def check():
        two_factor_service.verify_code(user, utcnow(), form.code.data)

    return _code_step(record, user, target, form, "staff/two_factor/code.html", check)


@bp.route("/sign-in/recovery-code", methods=["GET", "POST"])
@pending_sign_in
def two_factor_recovery(record, user: User, target: str):
    form = RecoveryCodeForm()

    def check():
        left = two_factor_service.use_recovery_code(user, utcnow(), form.recovery_code.data)
        return _l(
            "You signed in with a recovery code. You have %(left)d left: ask an "
            "administrator to reset two-factor sign-in if you have lost your phone.",
            left=left,
        )

    return _code_step(record, user, target, form, "staff/two_factor/recovery.html", check)


@bp.route("/sign-in/set-up", methods=["GET", "POST"])
@pending_sign_in
def two_factor_setup(record, user: User, target: str):
    if two_factor_service.is_set_up(user):
        return redirect(url_for("staff.two_factor", next=target), 303)
    form = CodeForm()
    if form.validate_on_submit():
        try:
            throttle.check(_throttle_key(user))
        except Throttled as throttled:
            return _too_many(form, throttled, "staff/two_factor/setup.html", **_setup(user, target))
        try:
            codes = two_factor_service.confirm_enrolment(user, utcnow(), form.code.data)
        except ServiceError as exc:
            db.session.rollback()
            throttle.count(_throttle_key(user))
            form.apply_errors(exc)
        else:
            # The codes are shown once, on this response: never from a cache or the history.
            page = make_response(
                render_template("staff/two_factor/recovery_codes.html", codes=codes, next=target)
            )
            page.headers["Cache-Control"] = "no-store"
            return _signed_in(record, user, target, page)
    else:
        steps.record(lambda: two_factor_service.start_enrolment(user, utcnow()))
    status = 422 if form.is_submitted() else 200
    page = make_response(
        render_template("staff/two_factor/setup.html", form=form, **_setup(user, target)), status
    )
    page.headers["Cache-Control"] = "no-store"
    return page


def _setup(user: User, target: str) -> dict:
    """What the setup page shows: the QR code (inline SVG), and the key to type instead."""
    qr = segno.make(two_factor_service.provisioning_uri(user), error="m")
    svg = qr.svg_inline(
        scale=5,
        border=4,
        dark="#000",
        light="#fff",
        omitsize=True,
        svgclass="qr-code__image",
        lineclass=None,
        title=str(_l("QR code to scan with your authenticator app")),
    )
    # segno writes the SVG (and escapes the title); role=img lets screen readers read the title.
    svg = Markup(svg.replace("<svg ", '<svg role="img" focusable="false" ', 1))
    secret = user.totp_secret
    return {
        "qr_svg": svg,
        "key_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        "issuer": two_factor_service.ISSUER,
        "account": user.email,
        "next": target,
    }


@bp.route("/admin/users/<int:user_id>/two-factor/reset", methods=["POST"])
@staff_required(permissions.can_manage_users)
def reset_two_factor(user_id: int):
    person = get_or_404(User, user_id)
    return steps.perform(
        lambda: two_factor_service.reset(actor(), utcnow(), person),
        then=url_for("staff.user_access", user_id=person.id),
        done=_l(
            "Two-factor sign-in reset for %(name)s: they are signed out everywhere, and "
            "set it up again with their authenticator app next time they sign in.",
            name=person.name,
        ),
    )
