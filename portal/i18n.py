"""Locale selection and locale-aware formatting helpers for templates."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from babel import dates as babel_dates
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import get_locale, get_translations, to_user_timezone
from flask_babel import lazy_gettext as _l

# Each language's name in English, for staff pages (customers see each in its own script).
ENGLISH_NAMES = {"en": _l("English"), "ur": _l("Urdu"), "pl": _l("Polish"), "ar": _l("Arabic")}


def language_label(code: str) -> str:
    """e.g. 'Polish (Polski)': the name staff read, then the name the customer knows."""
    native = current_app.config["LANGUAGES"].get(code, code)
    english = str(ENGLISH_NAMES.get(code, native))
    return english if english == native else f"{english} ({native})"


def select_locale() -> str:
    """Staff pages are English. A customer's page: the language chosen (kept in the session),
    or named for this one page (``?lang=``, the page after signing out), then the browser's."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context() or request.path.startswith("/staff"):
        return "en"
    chosen = session.get("lang") or request.args.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(list(languages)) or "en"


def page_translations():
    """The translations for this request's locale, looked up once per request and locale
    (a ``force_locale`` block has a locale of its own, so it gets its own)."""
    state = g.get("_flask_babel") if has_request_context() else None
    if state is None:
        return get_translations()
    locale = get_locale()
    kept = getattr(state, "page_translations", None)
    if kept is None or kept[0] is not locale:
        kept = state.page_translations = (locale, get_translations())
    return kept[1]


def install_template_gettext(app: Flask) -> None:
    """Templates' ``_``, ``ngettext``, ``pgettext`` and ``npgettext`` through
    :func:`page_translations` (as Flask-Babel's, with the lookup done once a request)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: page_translations().ugettext(s),
        ngettext=lambda s, p, n: page_translations().ungettext(s, p, n),
        pgettext=lambda c, s: page_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: page_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )


def text_direction(locale: str) -> str:
    return "rtl" if locale in current_app.config["RTL_LANGUAGES"] else "ltr"


# A date with its weekday, shaped to sit inside each language's sentences (issue 16, point 20).
# Polish messages put the date after "do dnia" / "w dniu", which take the genitive: the month is
# genitive already ("5 stycznia"), and the weekday, which would be nominative, goes last in
# brackets ("do dnia 5 stycznia 2027 r. (wtorek)") rather than first ("do dnia wtorek 5 ...",
# which is wrong). Urdu and Arabic use their standard full form, the weekday set off by a comma.
LONG_DATE_PATTERNS = {
    "en": "EEEE d MMMM y",
    "pl": "d MMMM y 'r.' (EEEE)",
    "ur": "EEEE، d MMMM y",
    "ar": "EEEE، d MMMM y",
}
# Without the weekday: Polish writes "r." (roku) after the year.
PLAIN_DATE_PATTERNS = {"en": "d MMMM y", "pl": "d MMMM y 'r.'", "ur": "d MMMM y", "ar": "d MMMM y"}


def _language() -> str:
    return str(get_locale() or "en").split("_")[0]


@lru_cache(maxsize=8192)
def _day_in(value: date, pattern: str, locale: str) -> str:
    return babel_dates.format_date(value, pattern, locale=locale)


def _format_day(value: date | datetime, pattern: str) -> str:
    """The day of ``value`` (a moment is first put in the reader's time zone) in ``pattern``
    and the page's locale; each day is formatted once per process for each pattern and
    locale."""
    if isinstance(value, datetime):
        value = to_user_timezone(value).date()
    return _day_in(value, pattern, str(get_locale() or "en"))


def long_date(value: date | datetime | None) -> str:
    """e.g. 'Tuesday 12 January 2027' in English, '12 stycznia 2027 r. (wtorek)' in Polish."""
    if value is None:
        return ""
    return _format_day(value, LONG_DATE_PATTERNS.get(_language(), LONG_DATE_PATTERNS["en"]))


def plain_date(value: date | datetime | None) -> str:
    """e.g. '12 January 2027' in English, '12 stycznia 2027 r.' in Polish (letters' dates)."""
    if value is None:
        return ""
    return _format_day(value, PLAIN_DATE_PATTERNS.get(_language(), PLAIN_DATE_PATTERNS["en"]))


def short_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return _format_day(value, "d MMM y")


def date_time(value: datetime | None) -> str:
    """e.g. '5 Dec 2026, 13:47' in the reader's time zone; the day formatted once a process."""
    if value is None:
        return ""
    local = to_user_timezone(value)
    return f"{_day_in(local.date(), 'd MMM y', str(get_locale() or 'en'))}, {local:%H:%M}"
