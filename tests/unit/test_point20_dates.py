"""Dates read as each language's grammar needs (issue 16, point 20). Polish messages put a
date after "do dnia" / "w dniu", which take the genitive, so the Polish date leads with the day
and month ("5 stycznia", genitive) and keeps the weekday in brackets at the end."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.i18n import long_date, plain_date

TUESDAY = date(2027, 1, 5)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Tuesday 5 January 2027"),
        ("pl", "5 stycznia 2027 r. (wtorek)"),
        ("ur", "منگل، 5 جنوری 2027"),
        ("ar", "الثلاثاء، 5 يناير 2027"),
    ],
)
def test_point20_long_date_per_language(app, language, expected):
    with app.test_request_context(), force_locale(language):
        assert long_date(TUESDAY) == expected
        assert long_date(datetime(2027, 1, 5, 23, 59)) == expected
        assert long_date(None) == ""


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "5 January 2027"), ("pl", "5 stycznia 2027 r."), ("ur", "5 جنوری 2027")],
)
def test_point20_plain_date_per_language(app, language, expected):
    with app.test_request_context(), force_locale(language):
        assert plain_date(TUESDAY) == expected


def test_point20_a_polish_month_is_genitive_in_every_month(app):
    with app.test_request_context(), force_locale("pl"):
        assert long_date(date(2027, 3, 1)) == "1 marca 2027 r. (poniedziałek)"
        assert long_date(date(2026, 12, 31)) == "31 grudnia 2026 r. (czwartek)"


@pytest.mark.policy("9.1")
def test_point20_the_polish_appeal_deadline_reads_grammatically(app):
    with app.test_request_context(), force_locale("pl"):
        sentence = _("You have until %(date)s to appeal.", date=long_date(TUESDAY))
    assert sentence == "Odwołanie można złożyć do dnia 5 stycznia 2027 r. (wtorek)."
    assert "dnia wtorek" not in sentence
