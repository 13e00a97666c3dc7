"""Every message a customer reads is translated into Urdu, Polish and Arabic, and customer
templates hold no English of their own outside translation calls."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from jinja2 import Environment

from portal.config import BASE_DIR, Config
from portal.translation_check import check_all, check_catalogue, customer_messages

CUSTOMER_TEMPLATES = [
    "templates/base.html",
    "templates/macros/*.html",
    "templates/errors/*.html",
    "templates/customer/**/*.html",
    "templates/letters/*.html",
]
# Attributes whose values people read or hear.
READ_ATTRIBUTES = {"aria-label", "title", "alt", "placeholder"}
WORD = re.compile(r"[A-Za-z]{2,}")
# Printed as they are in every language: the fingerprint printed on a PDF letter.
UNTRANSLATED = {"SHA"}
# Jinja's own syntax goes: what it prints is a translation or data, and what is left is what
# the template says in its own words. A printed tag name stands in as a <span>.
PRINTED_TAG = re.compile(r"<\{\{.*?\}\}")
PRINTED = re.compile(r"\{\{.*?\}\}", re.S)
STATEMENT = re.compile(r"\{%.*?%\}|\{#.*?#\}", re.S)


class _Text(HTMLParser):
    """Collects text nodes and the values of read-aloud attributes, outside <style>."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        self.found.extend(v for k, v in attrs if k in READ_ATTRIBUTES and v)

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data):
        if not self._skip:
            self.found.append(data)


def _english_of_its_own(source: str) -> list[str]:
    source = PRINTED_TAG.sub("<span", source)
    source = PRINTED.sub("\x00", STATEMENT.sub(" ", source))
    parser = _Text()
    parser.feed(source)
    return [
        word for text in parser.found for word in WORD.findall(text) if word not in UNTRANSLATED
    ]


def _customer_templates() -> list[Path]:
    return sorted({p for pattern in CUSTOMER_TEMPLATES for p in BASE_DIR.glob(pattern)})


@pytest.mark.parametrize(
    "template", _customer_templates(), ids=lambda p: str(p.relative_to(BASE_DIR))
)
def test_customer_templates_say_nothing_outside_translations(template):
    source = template.read_text()
    Environment(extensions=["jinja2.ext.i18n"]).parse(source)  # it is a valid template
    assert _english_of_its_own(source) == [], (
        f"{template.name} has text outside {{{{ _(...) }}}}: wrap it so it can be translated"
    )


def test_the_template_scan_finds_english_left_in_a_template():
    leaked = '<p>{{ _("Translated") }} Call us</p><a aria-label="Menu" href="{{ url }}">x</a>'
    assert _english_of_its_own(leaked) == ["Call", "us", "Menu"]
    assert _english_of_its_own('<p>{{ _("All of it") }}</p><style>p { color: red }</style>') == []


def test_every_customer_message_is_translated_in_every_language():
    problems = check_all(Config.LANGUAGES)
    assert not problems, "\n".join(str(p) for p in problems[:40]) + (
        f"\n… {len(problems)} in all. List them with `flask --app wsgi translate check`; "
        "add the strings with `translate extract` then `translate update`, and translate them."
    )


def test_the_customer_messages_are_the_ones_customers_read():
    messages = customer_messages()
    assert "Sign in" in messages  # a customer page
    assert "Dear %(name)s," in messages  # a letter
    assert "Waiting for your answer" in messages  # a status the customer reads
    assert "Keep this to %(max)d characters or fewer" in messages  # a form message
    assert (
        "Phone calls last no more than %(num)d minute.",
        "Phone calls last no more than %(num)d minutes.",
    ) in messages
    assert "Restriction reviews due" not in messages  # staff only


def _catalogue(tmp_path, language, entries) -> Path:
    catalogue = Catalog(locale=language)
    for message_id, string, fuzzy in entries:
        catalogue.add(message_id, string, flags=["fuzzy"] if fuzzy else [])
    path = tmp_path / language / "LC_MESSAGES"
    path.mkdir(parents=True)
    with (path / "messages.po").open("wb") as handle:
        write_po(handle, catalogue)
    return tmp_path


def test_the_check_reports_each_kind_of_fault(tmp_path):
    plural = ("%(num)d file", "%(num)d files")
    directory = _catalogue(
        tmp_path,
        "pl",
        [
            ("Sign in", "Zaloguj się", False),
            ("Dear %(name)s,", "Szanowni Państwo,", False),  # the name is lost
            ("Hello %(name)s", "Dzień dobry %(nazwa)s", False),  # would break the page
            ("Save", "Zapisz", True),  # fuzzy
            ("Send", "", False),  # empty
            ("Done", "Gotowe w 100%", False),  # a lone percent sign
            (plural, ("jeden plik", "%(num)d pliki", "%(num)d plików"), False),
        ],
    )
    messages = {"Sign in", "Dear %(name)s,", "Hello %(name)s", "Save", "Send", "Done", "Back"}
    found = {
        (p.message, p.reason)
        for p in check_catalogue("pl", messages | {plural}, directory=directory)
    }
    assert found == {
        ("Dear %(name)s,", "placeholders do not match"),
        ("Hello %(name)s", "placeholders do not match"),
        ("Save", "marked fuzzy"),
        ("Send", "not translated"),
        ("Done", 'a lone "%" (write "%%")'),
        ("Back", "missing"),
    }


def test_a_language_without_a_catalogue_is_reported(tmp_path):
    [problem] = check_catalogue("ar", {"Sign in"}, directory=tmp_path)
    assert problem.reason.startswith("no catalogue")
