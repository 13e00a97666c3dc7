"""Customer activation, sign-in, sign-out, password reset and the language choice."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user
from sqlalchemy import func, select
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length

from portal import db
from portal.accounts import services
from portal.accounts.access import portal_address
from portal.accounts.models import CustomerAccount
from portal.auth import sessions, throttle
from portal.auth.throttle import Throttled
from portal.customer import bp, signed_in_customer
from portal.errors import ServiceError
from portal.forms import BaseForm
from portal.i18n import date_time
from portal.outbox.services import enqueue
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


class ActivateForm(BaseForm):
    reference = StringField(
        _l("Your reference"),
        validators=[InputRequired(_l("Enter your reference from the letter")), Length(max=40)],
    )
    code = StringField(
        _l("Access code"),
        validators=[InputRequired(_l("Enter the access code from the letter")), Length(max=40)],
    )
    email = EmailField(
        _l("Email address"),
        validators=[InputRequired(_l("Enter your email address")), Length(max=254)],
    )
    password = PasswordField(
        _l("Choose a password"),
        validators=[InputRequired(_l("Choose a password")), Length(max=200)],
    )
    confirm = PasswordField(
        _l("Type the password again"),
        validators=[
            InputRequired(_l("Type the password again")),
            EqualTo("password", _l("The two passwords are not the same")),
        ],
    )


class ResetRequestForm(BaseForm):
    email = EmailField(
        _l("Email address"),
        validators=[InputRequired(_l("Enter your email address")), Length(max=254)],
    )


class ResetForm(BaseForm):
    password = PasswordField(
        _l("New password"), validators=[InputRequired(_l("Choose a password")), Length(max=200)]
    )
    confirm = PasswordField(
        _l("Type the password again"),
        validators=[
            InputRequired(_l("Type the password again")),
            EqualTo("password", _l("The two passwords are not the same")),
        ],
    )


def _customer_errors(form, exc: ServiceError) -> None:
    """Each of the service's messages beside its field, in the language of the page."""
    for name, message in exc.errors.items():
        target = getattr(form, name, None) if name else None
        if target is not None:
            target.errors = [str(message)]
        else:
            form.form_errors.append(str(message))


def _safe_next(target: str | None) -> str:
    """Follow ``next`` only to a customer page on this site."""
    if target and target.isprintable() and "\\" not in target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and parts.path.startswith("/")
            and not (parts.path.startswith("//") or parts.path.startswith("/staff"))
        ):
            return target
    return url_for("customer.home")


def _throttled(form, throttled: Throttled, template: str):
    form.form_errors.append(
        str(_l("Too many attempts. Try again after %(time)s.", time=date_time(throttled.until)))
    )
    return render_template(template, form=form), 429


def _signed_in(account, target: str):
    """Start the account's session on this browser and go to ``target``."""

    def _start_session():
        sessions.start(account, utcnow(), second_factor_done=True, keep=("lang",))
        session.permanent = True
        login_user(account)
        _remember_language(account)

    record(_start_session)
    return throttle.remember_browser(redirect(target, 303), "customer", account.email)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if signed_in_customer() is not None:
        return redirect(url_for("customer.home"))
    form = SignInForm()
    if form.validate_on_submit():
        email = form.email.data
        known = throttle.is_known_browser("customer", email)
        checks = throttle.sign_in_checks("customer", email, known)
        try:
            throttle.check(*checks)
        except Throttled as throttled:
            return _throttled(form, throttled, "customer/sign_in.html")
        account = services.authenticate(email, form.password.data)
        if account is None:
            throttle.count(*checks)
            form.email.errors = [str(_l("The email address or password is not right"))]
            return render_template("customer/sign_in.html", form=form), 422
        throttle.signed_in("customer", email)
        return _signed_in(account, _safe_next(request.args.get("next")))
    status = 422 if form.is_submitted() else 200
    return render_template("customer/sign_in.html", form=form), status


def _remember_language(account) -> None:
    """With no language chosen for the pages yet, show them in the language of the customer's
    letters. A language chosen for the pages never changes the letters' (issue 16, point 15):
    the customer is asked that separately (portal/customer/letters_language.py)."""
    languages = current_app.config["LANGUAGES"]
    if session.get("lang") not in languages and account.customer.preferred_language in languages:
        session["lang"] = account.customer.preferred_language


@bp.route("/activate", methods=["GET", "POST"])
def activate():
    form = ActivateForm()
    if form.validate_on_submit():
        reference = form.reference.data.strip().upper()[:40]
        checks = [
            (throttle.ACTIVATE_REFERENCE, (reference,)),
            (throttle.ACTIVATE_ADDRESS, (throttle.address(),)),
        ]
        try:
            throttle.check(*checks)
            account = services.activate(
                reference, form.code.data, form.email.data, form.password.data, utcnow()
            )
        except Throttled as throttled:
            return _throttled(form, throttled, "customer/activate.html")
        except ServiceError as exc:
            db.session.rollback()
            if exc.problem("account.code_wrong") is not None:
                throttle.count(*checks)
            _customer_errors(form, exc)
            return render_template("customer/activate.html", form=form), 422
        flash(_l("Your account is ready. You are signed in."), "success")
        return _signed_in(account, url_for("customer.home"))
    status = 422 if form.is_submitted() else 200
    return render_template("customer/activate.html", form=form), status


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    language = session.get("lang")
    said = str(_l("You have signed out."))  # in the language they were reading
    if language in current_app.config["LANGUAGES"] and language != "en":
        start = url_for("customer.start", lang=language)
    else:
        start = url_for("customer.start")
    # Nothing stays in the cookie on a shared computer, the language included; the page that
    # says "you have signed out" is still shown in the language the customer was reading.
    return perform(
        lambda: _end_session(sessions.current(), utcnow()),
        then=start,
        done=said,
        after=lambda _ended: _forget_browser(),
    )


def _end_session(signed_in, now) -> None:
    """End this browser's session record, if it has one (signed out)."""
    if signed_in is not None:
        sessions.end(signed_in, now, "signed_out")


def _forget_browser() -> None:
    logout_user()
    sessions.forget()


@bp.route("/password-reset", methods=["GET", "POST"])
def password_reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()[:254]
        checks = [
            (throttle.RESET_EMAIL, (email,)),
            (throttle.RESET_ADDRESS, (throttle.address(),)),
        ]
        try:
            throttle.check(*checks)
        except Throttled as throttled:
            return _throttled(form, throttled, "customer/password_reset_request.html")
        # Counted whether or not there is an account, so the limit tells nobody anything.
        throttle.count(*checks)
        # The same answer whether or not there is an account, so addresses cannot be probed.
        return perform(
            lambda: _email_reset_link(email),
            then=url_for("customer.sign_in"),
            done=_l("If there is an account for that address, we have emailed a link to it."),
        )
    status = 422 if form.is_submitted() else 200
    return render_template("customer/password_reset_request.html", form=form), status


def _email_reset_link(email: str) -> None:
    """Queue an email with a link to choose a new password, if ``email`` has an account."""
    account = db.session.scalar(
        select(CustomerAccount).where(
            func.lower(CustomerAccount.email) == email, CustomerAccount.active.is_(True)
        )
    )
    if account is None:
        return
    path = url_for("customer.password_reset", token=services.reset_token(account, utcnow()))
    enqueue(
        account.email,
        str(_l("Reset your password for Your contact with us")),
        str(
            _l(
                "Use this link within an hour to choose a new password:\n\n%(link)s\n\n"
                "If you did not ask for this, you can ignore this email.",
                link=portal_address(path),
            )
        ),
        utcnow(),
    )


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
def password_reset(token: str):
    account = services.account_for_reset(token[:500], utcnow())
    if account is None:
        return render_template("customer/password_reset_expired.html"), 410
    form = ResetForm()
    if form.validate_on_submit():
        email = account.email

        def _refused(exc: ServiceError):
            _customer_errors(form, exc)
            return render_template("customer/password_reset.html", form=form, token=token), 422

        def _signed_out(_result) -> None:
            throttle.password_reset("customer", email)
            # Every session of the account has ended, this browser's too: sign in afresh.
            logout_user()
            sessions.forget()

        return perform(
            lambda: services.set_password(account, form.password.data, utcnow()),
            then=url_for("customer.sign_in"),
            done=_l("Your password has been changed. Sign in with it now."),
            on_error=_refused,
            after=_signed_out,
        )
    status = 422 if form.is_submitted() else 200
    return render_template("customer/password_reset.html", form=form, token=token), status


@bp.route("/language", methods=["POST"])
def choose_language():
    """Show the pages in the chosen language (kept in the session). The language of the
    customer's letters stays as it is: that is its own question (customer.letters_language)."""
    language = request.form.get("lang", "")
    if language in current_app.config["LANGUAGES"]:
        session["lang"] = language
    back = request.form.get("back", "")
    return redirect(_safe_next(back) if back else url_for("customer.start"), 303)


@bp.route("/session/keep-alive", methods=["POST"])
def keep_alive():
    """Refresh a signed-in customer's session (the timeout warning's "stay signed in")."""
    if signed_in_customer() is None:
        return "", 401
    record = sessions.current()
    if record is not None:
        sessions.touch(record, utcnow())
    session.modified = True
    return "", 204
