"""Letters go in the customer's preferred language with the English alongside, frozen and
hashed together; Urdu and Arabic read right to left and keep their own fonts in the PDF."""

from __future__ import annotations

import io

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from pypdf import PdfReader

from portal import db
from portal.customers.models import Customer
from portal.letters.models import Letter
from portal.letters.pdf import render_pdf
from portal.letters.services import content_hash, verify
from portal.restrictions.models import Delivery


@pytest.fixture
def letter_to(make_customer, restriction_in_force):
    def _send(language: str) -> Letter:
        customer = make_customer(preferred_language=language, address="1 Road, Manchester")
        restriction = restriction_in_force(customer, delivery=Delivery.POST)
        return db.session.get(Letter, restriction.letter_id)

    return _send


def _in(language: str, message: str, **values) -> str:
    with force_locale(language):
        return _(message, **values)


def test_a_letter_to_a_polish_reader_carries_polish_and_english(app, letter_to):
    letter = letter_to("pl")
    name = letter.body_html.split("Dear ")[1].split(",")[0]

    assert letter.language == "pl" and letter.translated
    assert '<article class="letter" lang="en" dir="ltr">' in letter.body_html
    assert '<article class="letter" lang="pl" dir="ltr">' in letter.translation_html
    polish_dear = _in("pl", "Dear %(name)s,", name=name)
    assert polish_dear != f"Dear {name}," and polish_dear in letter.translation_html
    assert f"Dear {name}," in letter.body_html
    assert letter.subject == "Decision to restrict how you contact us"
    assert letter.translation_subject == _in("pl", "Decision to restrict how you contact us")
    assert letter.translation_subject != letter.subject
    # The appeal deadline is a date in Polish: posted on Monday 23 November 2026, taken as
    # received on Wednesday 25th, and 20 working days on is Wednesday 23 December 2026.
    assert "do dnia 23 grudnia 2026 r. (środa)" in letter.translation_html
    assert "Wednesday 23 December 2026" in letter.body_html


def test_one_hash_covers_both_versions(app, letter_to):
    letter = letter_to("pl")
    assert letter.content_sha256 == content_hash(letter.body_html, "pl", letter.translation_html)
    assert verify(letter)
    letter.translation_html = letter.translation_html.replace("2026", "2027")
    assert not verify(letter)
    db.session.rollback()


@pytest.mark.parametrize("language", ["ur", "ar"])
def test_urdu_and_arabic_letters_read_right_to_left(app, letter_to, language):
    letter = letter_to(language)
    assert letter.language == language
    assert f'<article class="letter" lang="{language}" dir="rtl">' in letter.translation_html
    # What staff wrote stays in English, marked so, inside the right-to-left letter.
    assert '<p lang="en" dir="ltr">Abusive calls continued' in letter.translation_html


@pytest.mark.parametrize("language", ["en", "fr", ""])
def test_english_only_without_a_catalogue_for_the_customers_language(app, letter_to, language):
    letter = letter_to(language)
    assert letter.language == "en"
    assert letter.translation_html is None and letter.translation_subject is None
    assert letter.content_sha256 == content_hash(letter.body_html)


def test_a_letter_keeps_the_language_it_was_sent_in(app, letter_to):
    letter = letter_to("pl")
    db.session.get(Customer, letter.customer_id).preferred_language = "ar"
    db.session.commit()
    assert db.session.get(Letter, letter.id).language == "pl"


def _fonts(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for font in fonts.values():
            names.add(str(font.get_object().get("/BaseFont", "")))
    return names


@pytest.mark.parametrize(("language", "font"), [("ur", "Nastaliq"), ("ar", "Naskh")])
def test_the_pdf_embeds_the_arabic_script_font_and_keeps_the_english(
    app, letter_to, language, font
):
    letter = letter_to(language)
    pdf = render_pdf(letter)
    reader = PdfReader(io.BytesIO(pdf))
    assert any(font in name for name in _fonts(pdf)), _fonts(pdf)
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    # The translation comes first; the English starts on a page of its own.
    assert "Decision to restrict how you contact us" not in reader.pages[0].extract_text()
    assert "Decision to restrict how you contact us" in text
    assert "Complaints: 0161 000 0001" in text


def test_a_polish_pdf_has_both_versions(app, letter_to):
    letter = letter_to("pl")
    reader = PdfReader(io.BytesIO(render_pdf(letter, large_print=True)))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert letter.translation_subject in text
    assert letter.subject in text
