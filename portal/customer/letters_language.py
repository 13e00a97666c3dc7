"""The language of the customer's letters (issue 16, point 15): a question of its own, apart
from the language the pages are read in (portal/customer/auth.py, choose_language)."""

from __future__ import annotations

from flask import current_app, render_template, session, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import RadioField
from wtforms.validators import InputRequired

from portal.accounts.services import choose_letter_language
from portal.customer import bp, customer_required, signed_in_customer
from portal.forms import BaseForm
from portal.steps import beside_fields, perform
from portal.timeutil import utcnow

# Where the home page's offer is remembered as made, [page language, letters' language], or
# as answered: once the customer has chosen, it is not offered again while they are signed in.
OFFERED = "letters_offer"
ANSWERED = "answered"


class LettersLanguageForm(BaseForm):
    language = RadioField(
        _l("Which language should we write your letters in?"),
        validators=[InputRequired(_l("Choose a language"))],
        validate_choice=False,  # the service refuses a language not on the list, by its code
    )


def _choices() -> list[tuple[str, Markup]]:
    """Each language in its own name and script, marked as that language for screen readers."""
    languages = current_app.config["LANGUAGES"]
    rtl = current_app.config["RTL_LANGUAGES"]
    return [
        (
            code,
            Markup('<span lang="{}" dir="{}">{}</span>').format(
                code, "rtl" if code in rtl else "ltr", escape(name)
            ),
        )
        for code, name in languages.items()
    ]


@bp.route("/your-letters", methods=["GET", "POST"])
@customer_required
def letters_language():
    account = signed_in_customer()
    languages = current_app.config["LANGUAGES"]
    form = LettersLanguageForm(data={"language": account.customer.preferred_language})
    form.language.choices = _choices()
    if form.validate_on_submit():
        chosen = form.language.data
        return perform(
            lambda: choose_letter_language(account, utcnow(), chosen, languages),
            then=url_for("customer.home"),
            done=_said(chosen),
            on_error=beside_fields(form, lambda: _page(form, 422)),
            after=_answered,
        )
    return _page(form, 422 if form.is_submitted() else 200)


def _answered(_result) -> None:
    session[OFFERED] = ANSWERED


def _said(language: str):
    name = current_app.config["LANGUAGES"].get(language, language)
    if language == "en":
        return _l("We will write your letters in English.")
    return _l(
        "We will write your letters in %(language)s, and send English as well.", language=name
    )


def _page(form: LettersLanguageForm, status: int):
    return render_template("customer/letters_language.html", form=form), status


def letters_language_notice(account) -> dict:
    """What the home page says about the language of the customer's letters: that language,
    and, the first time the page is read in another language, an offer to change it."""
    languages = current_app.config["LANGUAGES"]
    letters = account.customer.preferred_language or "en"
    page = str(get_locale() or "en").split("_")[0]
    pair = [page, letters]
    offered = session.get(OFFERED)
    offer = page != letters and page in languages and offered not in (pair, ANSWERED)
    if offer:
        session[OFFERED] = pair  # offered once for this pair of languages on this browser
    return {
        "letters": letters,
        "letters_name": languages.get(letters, letters),
        "page_name": languages.get(page, page),
        "offer": offer,
    }
