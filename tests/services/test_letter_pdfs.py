"""Letters as PDF and large-print PDF, read back as text (§8.20, §9)."""

from __future__ import annotations

import io
import statistics
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from portal import db
from portal.letters.models import Letter
from portal.letters.pdf import render_pdf
from portal.reviews import services as reviews
from portal.reviews.models import ReviewOutcome
from portal.timeutil import add_months


def _text(pdf: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split()), reader


def _font_sizes(reader: PdfReader) -> list[float]:
    sizes: list[float] = []

    def visitor(text, cm, tm, font_dict, font_size):
        if text.strip():
            sizes.append(font_size * tm[0] if tm[0] else font_size)

    for page in reader.pages:
        page.extract_text(visitor_text=visitor)
    return sizes


@pytest.mark.policy("8.20")
def test_decision_letter_pdf_has_names_dates_and_the_always_open_routes(
    app, clock, restriction_in_force
):
    clock.now = datetime(2027, 3, 19, 10, tzinfo=UTC)
    restriction = restriction_in_force(now=clock.now)
    letter = db.session.get(Letter, restriction.letter_id)
    with app.test_request_context():
        text, _reader = _text(render_pdf(letter))
    assert restriction.customer.name in text
    assert restriction.customer.reference in text
    assert "Tuesday 20 April 2027" in text
    assert "Complaints: 0161 000 0001" in text
    assert "Emergency repairs: 0161 000 0999" in text
    assert "emergency repair" in text.lower() and "complaint" in text.lower()
    assert letter.reference in text


@pytest.mark.policy("8.20")
def test_large_print_is_larger_and_says_the_same(app, clock, restriction_in_force):
    restriction = restriction_in_force()
    letter = db.session.get(Letter, restriction.letter_id)
    with app.test_request_context():
        standard, standard_reader = _text(render_pdf(letter))
        large, large_reader = _text(render_pdf(letter, large_print=True))
    assert restriction.customer.name in large
    assert len(large_reader.pages) > len(standard_reader.pages)
    assert statistics.median(_font_sizes(large_reader)) >= 1.5 * statistics.median(
        _font_sizes(standard_reader)
    )
    for phrase in ("You have until", "emergency repair"):
        assert phrase in standard and phrase in large


@pytest.mark.policy("10.1")
def test_review_outcome_and_warning_letters_render_as_pdf(
    app, clock, restriction_in_force, panel_member, make_customer, give_warning
):
    restriction = restriction_in_force()
    review = reviews.review_restriction(
        panel_member,
        clock.now,
        restriction,
        ReviewOutcome.CONTINUE,
        "The calls have continued.",
        "",
        add_months(clock.now.date(), 6),
    )
    db.session.commit()
    customer = make_customer()
    warning = give_warning(customer, clock.now - timedelta(days=2))
    with app.test_request_context():
        review_text, _ = _text(render_pdf(db.session.get(Letter, review.letter_id)))
        warning_text, _ = _text(render_pdf(db.session.get(Letter, warning.letter_id)))
    assert restriction.customer.name in review_text
    assert "The calls have continued." in review_text
    assert customer.name in warning_text
    assert "warning" in warning_text.lower()


@pytest.mark.policy("8.15")
def test_arrangement_letter_pdf(app, clock, make_customer, make_arrangement):
    customer = make_customer()
    arrangement = make_arrangement(customer)
    with app.test_request_context():
        text, _ = _text(render_pdf(db.session.get(Letter, arrangement.letter_id)))
    assert customer.name in text
    assert "10:00" in text and "11:00" in text
