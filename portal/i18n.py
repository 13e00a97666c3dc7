"""Locale selection and locale-aware formatting helpers for templates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from types import SimpleNamespace

from babel import dates as babel_dates
from flask import Flask, current_app, has_request_context, request, session
from flask.globals import _cv_app
from flask_babel import Domain, get_domain, get_locale, get_timezone, get_translations
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


def _babel_state() -> SimpleNamespace | None:
    """Flask-Babel's namespace for this app context (``g._flask_babel``), read straight from
    the context: its own lookup goes through ``g`` three times, for every word a page shows."""
    context = _cv_app.get(None)
    if context is None:
        return None
    state = getattr(context.g, "_flask_babel", None)
    if state is None:
        state = context.g._flask_babel = SimpleNamespace()
    return state


def _locale_of(state: SimpleNamespace):
    """The locale in force: the one Flask-Babel keeps (swapped by ``force_locale``), chosen
    on first use."""
    locale = getattr(state, "babel_locale", None)
    return get_locale() if locale is None else locale


def page_translations():
    """The translations for this request's locale, looked up once per request and locale
    (a ``force_locale`` block has a locale of its own, so it gets its own)."""
    state = _babel_state()
    if state is None:
        return get_translations()
    locale = _locale_of(state)
    kept = getattr(state, "page_translations", None)
    if kept is None or kept[0] is not locale:
        kept = state.page_translations = (locale, Domain.get_translations(get_domain()))
    return kept[1]


class PageDomain(Domain):
    """Flask-Babel's message domain, giving the catalogue :func:`page_translations` keeps:
    Python's ``_()`` and lazy strings then find it in one step, not the nine context reads
    and the locale's formatting that Flask-Babel spends on every word."""

    def get_translations(self):
        if _babel_state() is None:
            return super().get_translations()
        return page_translations()


def install_page_domain(app: Flask) -> None:
    """Make :class:`PageDomain` the message domain (after ``babel.init_app``). Flask-Babel
    keeps one domain for every app sharing its extension object, as it does its own."""
    configuration = app.extensions["babel"]
    babel = configuration.instance
    # Read without computing Flask-Babel's own, which needs an app context.
    if not isinstance(vars(babel).get("domain_instance"), PageDomain):
        babel.domain_instance = PageDomain(domain=configuration.default_domain)


def _locale_name() -> str:
    """This page's locale as a string, e.g. 'ur' (inside a ``force_locale`` block, the forced
    one), worked out once per request and locale."""
    state = _babel_state()
    if state is None:
        return "en"
    locale = _locale_of(state)
    kept = getattr(state, "locale_name", None)
    if kept is None or kept[0] is not locale:
        kept = state.locale_name = (locale, str(locale or "en"))
    return kept[1]


def _reader_time(value: datetime) -> datetime:
    """``value`` (naive means UTC) in the reader's time zone, as Flask-Babel's
    ``to_user_timezone``, with the zone it keeps for the request read directly."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    state = _babel_state()
    zone = getattr(state, "babel_tzinfo", None) if state is not None else None
    if zone is None:
        zone = get_timezone()
    return zone.normalize(value.astimezone(zone))


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
    return _locale_name().split("_")[0]


@lru_cache(maxsize=8192)
def _day_in(value: date, pattern: str, locale: str) -> str:
    return babel_dates.format_date(value, pattern, locale=locale)


def _format_day(value: date | datetime, pattern: str) -> str:
    """The day of ``value`` (a moment is first put in the reader's time zone) in ``pattern``
    and the page's locale; each day is formatted once per process for each pattern and
    locale."""
    if isinstance(value, datetime):
        value = _reader_time(value).date()
    return _day_in(value, pattern, _locale_name())


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
    local = _reader_time(value)
    return f"{_day_in(local.date(), 'd MMM y', _locale_name())}, {local:%H:%M}"
