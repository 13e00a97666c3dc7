"""Locale selection and locale-aware formatting helpers for templates."""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app, has_request_context, request, session
from flask_babel import format_date, format_datetime
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


def text_direction(locale: str) -> str:
    return "rtl" if locale in current_app.config["RTL_LANGUAGES"] else "ltr"


def long_date(value: date | datetime | None) -> str:
    """e.g. 'Tuesday 12 January 2027' in English, localised elsewhere."""
    if value is None:
        return ""
    return format_date(value, "EEEE d MMMM y")


def plain_date(value: date | datetime | None) -> str:
    """e.g. '12 January 2027' in English, localised elsewhere (letters' dates)."""
    if value is None:
        return ""
    return format_date(value, "d MMMM y")


def short_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return format_date(value, "d MMM y")


def date_time(value: datetime | None) -> str:
    if value is None:
        return ""
    return format_datetime(value, "d MMM y, HH:mm")
