"""The customer's home: what contact is allowed now, letters, arrangements to answer."""

from __future__ import annotations

from functools import cache

from flask import abort, current_app, render_template, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal import db, deadlines, kept_pages, page_stamps
from portal.appeals.queries import appeal_decisions_among
from portal.arrangements import services as arrangements
from portal.arrangements.models import Arrangement, ArrangementStatus, ResponseChannel
from portal.customer import bp, customer_required, signed_in_customer
from portal.customer.letters_language import letters_language_notice
from portal.errors import Conflict, ServiceError
from portal.forms import BaseForm
from portal.letters.files import LetterAltered, check_letter, frozen_pdf
from portal.letters.models import Letter, unread_text
from portal.letters.responses import large_print_wanted, pdf_name, send_kept_pdf
from portal.organisation.services import get_organisation
from portal.paging import Page, page_arg
from portal.restrictions.queries import restrictions_not_run_out
from portal.restrictions.wording import your_contact, your_contact_together
from portal.steps import perform, record
from portal.timeutil import london_date, utcnow


@bp.route("/")
def start():
    return render_template("customer/start.html", org=get_organisation())


@bp.route("/privacy")
def privacy():
    """The privacy notice (UK GDPR): open to everyone, so it can be read before signing in and
    from the address printed in every letter."""
    return render_template("customer/privacy.html", org=get_organisation())


class AnswerForm(BaseForm):
    answer = RadioField(
        _l("Your answer"),
        choices=[
            ("agree", _l("I agree to this arrangement")),
            ("propose_change", _l("I would like to suggest a change")),
            ("decline", _l("I do not agree to this arrangement")),
        ],
        validators=[InputRequired(_l("Choose your answer"))],
    )
    note = TextAreaField(
        _l("Anything you want to tell us"),
        validators=[Optional(), Length(max=2000, message=_l("Keep this to 2000 characters"))],
    )


def _customer_id() -> int:
    return signed_in_customer().customer_id


# The home shows the newest letters; all of them are on the letters page, a page at a time.
HOME_LETTERS = 5
LETTERS_PAGE_SIZE = 25


@bp.route("/home")
@customer_required
def home():
    account = signed_in_customer()
    customer_id = account.customer_id
    now = utcnow()
    # Read before anything the page shows: content kept under these stamps is never older
    # than they say (portal/page_stamps.py).
    stamps = page_stamps.current(customer_id)
    letters_language = letters_language_notice(account)
    today = london_date(now)
    key = (customer_id, stamps, today, tuple(sorted(letters_language.items())))
    content = kept_pages.content(
        "customer/_home_content.html",
        key,
        lambda: _home_values(customer_id, now, today, letters_language),
    )
    return render_template("customer/home.html", content=content)


def _home_values(customer_id: int, now, today, letters_language: dict) -> dict:
    """What the home page shows, read from the database (a fixed number of statements)."""
    # In force, starting later and the decisions that may be appealed: one statement, with
    # the decision letters that name them.
    contact = restrictions_not_run_out(customer_id, today)
    restrictions = contact.in_force
    org = get_organisation()
    decisions = appeal_decisions_among(customer_id, now, contact.all, contact.letters)
    open_arrangements = list(
        db.session.scalars(_arrangements_statement(), {"customer_id": customer_id})
    )
    # One more than is shown: whether there are others to see on the letters page.
    letters = _letters(customer_id, 0, HOME_LETTERS + 1)
    # Two or more in force are said as one (None for fewer): never a list that reads as a
    # contradiction; each is then said only as a part of that.
    together = your_contact_together(restrictions, org)
    return {
        "org": org,
        "restrictions": [] if together else [(r, your_contact(r, org)) for r in restrictions],
        "together": together,
        "upcoming": [(r, your_contact(r, org)) for r in contact.upcoming],
        "decisions": decisions,
        # Each decision named by the kinds of restriction it set (with its letter, below).
        "decided": {
            right.restriction.id: "; ".join(str(r.kind.title) for r in right.decided)
            for right in decisions
        },
        # A last day to appeal that a closure day moved says so (spec §7).
        "moves": deadlines.moved_dates(*(d.restriction for d in decisions)),
        "arrangements": open_arrangements,
        "letters": letters[:HOME_LETTERS],
        "more_letters": len(letters) > HOME_LETTERS,
        "letters_language": letters_language,
    }


def _letters(customer_id: int, offset: int, limit: int) -> list[Letter]:
    """The customer's letters, newest first, from ``offset``, at most ``limit``."""
    params = {"customer_id": customer_id, "offset": offset, "limit": limit}
    return list(db.session.scalars(_letters_statement(), params))


@cache
def _letters_statement():
    """The customer's letters (``customer_id``), newest first, each with the warning that
    names a warning letter (joined: one statement); built once per process."""
    return (
        select(Letter)
        .options(joinedload(Letter.warning), *unread_text())
        .where(Letter.customer_id == bindparam("customer_id"))
        .order_by(Letter.issued_at.desc(), Letter.id.desc())
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
    )


@cache
def _arrangements_statement():
    """The customer's arrangements (``customer_id``) to answer or in force, newest first, with
    their terms and their letter's reference; built once per process."""
    return (
        select(Arrangement)
        .options(
            selectinload(Arrangement.terms),
            joinedload(Arrangement.letter).load_only(Letter.reference),
        )
        .where(
            Arrangement.customer_id == bindparam("customer_id"),
            Arrangement.status.in_(
                (
                    ArrangementStatus.AWAITING_CUSTOMER,
                    ArrangementStatus.CHANGE_PROPOSED,
                    ArrangementStatus.AGREED,
                )
            ),
        )
        .order_by(Arrangement.approved_at.desc())
    )


@bp.route("/letters")
@customer_required
def letters():
    """Every letter we have sent the customer through the portal, newest first, a page at a
    time."""
    customer_id = _customer_id()
    total = (
        db.session.scalar(select(func.count(Letter.id)).where(Letter.customer_id == customer_id))
        or 0
    )
    page = Page.of(page_arg(), LETTERS_PAGE_SIZE, total)
    listed = _letters(customer_id, page.offset, page.size) if total else []
    # Which language the letters come in, without the home's offer to change it (offered
    # there once).
    language = signed_in_customer().customer.preferred_language or "en"
    return render_template(
        "customer/letters.html",
        letters=listed,
        page=page,
        letters_language={
            "letters": language,
            "letters_name": current_app.config["LANGUAGES"].get(language, language),
            "offer": False,
        },
    )


def _own(model, object_id: int):
    """The customer's own record, or 404 (never 403: another customer's ids stay unknown)."""
    if object_id > 2**31 - 1:
        abort(404)
    obj = db.session.get(model, object_id)
    if obj is None or obj.customer_id != _customer_id():
        abort(404)
    return obj


@bp.route("/letters/<int:letter_id>")
@customer_required
def letter(letter_id: int):
    item = _own(Letter, letter_id)
    try:
        check_letter(item)
    except LetterAltered:
        return render_template("customer/letter_altered.html", letter=item), 409
    return render_template("customer/letter.html", letter=item)


@bp.route("/letters/<int:letter_id>/pdf")
@customer_required
def letter_pdf(letter_id: int):
    item = _own(Letter, letter_id)
    large = large_print_wanted(item)
    try:
        kept = record(lambda: frozen_pdf(signed_in_customer(), utcnow(), item, large_print=large))
    except LetterAltered:
        db.session.rollback()
        return render_template("customer/letter_altered.html", letter=item), 409
    return send_kept_pdf(kept, pdf_name(item, large))


@bp.route("/arrangements/<int:arrangement_id>", methods=["GET", "POST"])
@customer_required
def arrangement(arrangement_id: int):
    item = _own(Arrangement, arrangement_id)
    form = AnswerForm()
    if form.validate_on_submit():

        def _refused(exc: ServiceError):
            if exc.problem("arrangement.change_missing") is not None:
                # The service's words are for the Panel taking an answer by phone.
                form.note.errors = [str(_l("Tell us the change you would like"))]
                return _arrangement_page(item, form, 422)
            # Answered already (another tab, or by phone), or ended: their words stay in the
            # form, and the page says why nothing was saved.
            form.form_errors.append(str(_l("This arrangement is no longer waiting for an answer.")))
            if isinstance(exc, Conflict):
                db.session.refresh(item)
                return _arrangement_page(item, form, 409)
            return _arrangement_page(item, form, 422)

        return perform(
            lambda: arrangements.record_answer(
                signed_in_customer(),
                utcnow(),
                item,
                form.answer.data,
                ResponseChannel.PORTAL,
                form.note.data or "",
            ),
            then=url_for("customer.home"),
            done=_l("Thank you. We have your answer."),
            on_error=_refused,
        )
    return _arrangement_page(item, form, 422 if form.is_submitted() else 200)


def _arrangement_page(item: Arrangement, form: AnswerForm, status: int):
    return render_template("customer/arrangement.html", arrangement=item, form=form), status
