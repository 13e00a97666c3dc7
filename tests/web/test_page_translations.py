"""Templates' words and dates are looked up once a request and locale (portal/i18n.py), yet a
``force_locale`` block within the request (a letter in another language) gets its own."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date
from flask_babel import force_locale

TEMPLATE = (
    '{{ _("%(name)s deals with everything you raise with us.", name=who) }}'
    "|{{ ngettext('For your security, we sign you out after %(num)d minute without activity."
    " Anything you have saved is kept.', 'For your security, we sign you out after %(num)d"
    " minutes without activity. Anything you have saved is kept.', 30) }}"
    "|{{ day | long_date }}"
)


def test_a_forced_locale_within_a_page_gets_its_own_words_and_the_page_its_own_after(app):
    words = app.jinja_env.from_string(TEMPLATE)
    day = date(2027, 1, 12)
    with app.test_request_context("/home?lang=pl"):
        polish = words.render(who="<b>Jan</b>", day=day).split("|")
        with force_locale("ur"):
            urdu = words.render(who="<b>Jan</b>", day=day).split("|")
        after = words.render(who="<b>Jan</b>", day=day).split("|")

    # Variables are put in after translating, escaped; the plural follows the number.
    assert polish[0] == "Wszystkimi Państwa sprawami zajmuje się &lt;b&gt;Jan&lt;/b&gt;."
    assert "po 30 minutach bezczynności" in polish[1]
    assert polish[2] == "12 stycznia 2027 r. (wtorek)"
    assert (
        urdu[0] == "آپ جو بھی معاملہ ہمارے سامنے اٹھائیں گے، اسے &lt;b&gt;Jan&lt;/b&gt; دیکھیں گے۔"
    )
    assert "اگر 30 منٹ" in urdu[1]
    assert urdu[2] == format_date(day, "EEEE، d MMMM y", locale="ur")
    assert after == polish


def test_python_words_and_lazy_words_follow_a_forced_locale_too(app):
    from flask_babel import get_domain, gettext, lazy_gettext

    from portal.i18n import PageDomain

    later = lazy_gettext("Your account")
    with app.test_request_context("/home?lang=pl"):
        assert isinstance(get_domain(), PageDomain)
        polish = (gettext("Your account"), str(later))
        with force_locale("ur"):
            urdu = (gettext("Your account"), str(later))
        after = (gettext("Your account"), str(later))

    assert polish[0] == polish[1] != "Your account"
    assert urdu[0] == urdu[1] not in (polish[0], "Your account")
    assert after == polish
