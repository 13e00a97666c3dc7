"""Every letter of the warning and restriction stages as PDF and large-print PDF, read back with
pypdf: the customer's name, the dates that matter and the routes that are always open (§4.6,
§8.15, §8.20, §9.5, §10.1)."""

from __future__ import annotations

import io
import statistics
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader

from portal import db
from portal.correspondence import services as correspondence
from portal.letters.models import Letter, LetterKind
from portal.letters.pdf import render_pdf
from portal.restrictions import queries
from portal.restrictions.models import RestrictionKind
from portal.reviews import services as reviews
from portal.reviews.models import ReviewOutcome
from tests.restriction_factories import spec

COMPLAINTS = "Complaints: 0161 000 0001"
EMERGENCY = "Emergency repairs: 0161 000 0999"

TODAY = date(2026, 11, 23)  # the London date of the frozen clock (tests/conftest.py)


class Pdf:
    """A rendered PDF's text (whitespace collapsed), pages and font sizes."""

    def __init__(self, data: bytes):
        assert data.startswith(b"%PDF-")
        self.reader = PdfReader(io.BytesIO(data))
        raw = "\n".join(page.extract_text() for page in self.reader.pages)
        self.text = " ".join(raw.split())
        self.pages = len(self.reader.pages)

    def font_sizes(self) -> list[float]:
        sizes: list[float] = []

        def visitor(text, _cm, tm, _font_dict, font_size):
            if text.strip():
                sizes.append(abs(font_size * tm[0]) if tm[0] else font_size)

        for page in self.reader.pages:
            page.extract_text(visitor_text=visitor)
        return sizes


def _both(app, letter: Letter) -> tuple[Pdf, Pdf]:
    with app.test_request_context():
        return Pdf(render_pdf(letter)), Pdf(render_pdf(letter, large_print=True))


def _assert_large_print_is_larger(standard: Pdf, large: Pdf) -> None:
    assert large.pages >= standard.pages
    assert statistics.median(large.font_sizes()) >= 1.5 * statistics.median(standard.font_sizes())


def _assert_says(pdf: Pdf, *phrases: str) -> None:
    for phrase in phrases:
        assert phrase in pdf.text, f"{phrase!r} not in the PDF"


# --- one test per kind of letter ----------------------------------------------------------


@pytest.mark.policy("8.20")
def test_the_decision_letter_pdf(app, clock, restriction_in_force):
    clock.now = datetime(2027, 3, 19, 10, tzinfo=UTC)
    restriction = restriction_in_force(now=clock.now)
    letter = db.session.get(Letter, restriction.letter_id)
    assert letter.kind == LetterKind.RESTRICTION_DECISION
    standard, large = _both(app, letter)
    for pdf in (standard, large):
        _assert_says(
            pdf,
            f"Dear {restriction.customer.name},",
            restriction.customer.reference,
            "Contact us by email only",
            "It starts on 19 March 2027",
            "We will review it by 19 September 2027",
            "You have until Tuesday 20 April 2027 to appeal",
            "Write to the Customer Experience Manager to appeal.",
            "Write to the Customer Conduct Panel to ask for a review.",
            COMPLAINTS,
            EMERGENCY,
            letter.reference,
        )
    _assert_large_print_is_larger(standard, large)
    assert large.pages > standard.pages  # a full decision letter runs onto more pages


@pytest.mark.policy("4.6")
def test_the_decision_letter_pdf_for_ended_contact_keeps_the_always_open_routes(app, terminated):
    [restriction] = queries.restrictions_in_force(terminated.id, TODAY)
    standard, large = _both(app, db.session.get(Letter, restriction.letter_id))
    for pdf in (standard, large):
        _assert_says(
            pdf,
            terminated.name,
            "took effect straight away, on 23 November 2026",
            "It lasts until 23 February 2027.",
            "You have until Monday 21 December 2026 to appeal",
            "No restriction stops you making a complaint or reporting an emergency repair",
            COMPLAINTS,
            EMERGENCY,
        )
    _assert_large_print_is_larger(standard, large)


@pytest.mark.policy("8.9")
def test_the_warning_letter_pdf(app, clock, make_customer, give_warning, organisation_ready):
    customer = make_customer(address="4 Canal Street, Manchester M1 3HE")
    warning = give_warning(customer, clock.now - timedelta(days=2))
    letter = db.session.get(Letter, warning.letter_id)
    assert letter.kind == LetterKind.WARNING
    standard, large = _both(app, letter)
    for pdf in (standard, large):
        _assert_says(
            pdf,
            f"Dear {customer.name},",
            "4 Canal Street, Manchester M1 3HE",
            "first stage written warning",
            "This warning counts until 21 November 2027.",
            "Enclosed: Customer Conduct Policy",
            "you can always make a complaint and report an emergency repair",
            COMPLAINTS,
            EMERGENCY,
        )
    _assert_large_print_is_larger(standard, large)


@pytest.mark.policy("8.15")
def test_the_arrangement_letter_pdf(app, make_customer, make_arrangement, organisation_ready):
    customer = make_customer()
    arrangement = make_arrangement(customer)
    letter = db.session.get(Letter, arrangement.letter_id)
    assert letter.kind == LetterKind.ARRANGEMENT
    standard, large = _both(app, letter)
    for pdf in (standard, large):
        _assert_says(
            pdf,
            f"Dear {customer.name},",
            "You call us on Tuesday between 10:00 and 11:00.",
            "Phone calls last no more than 20 minutes.",
            "by 23 February 2027",
            COMPLAINTS,
            EMERGENCY,
        )
    _assert_large_print_is_larger(standard, large)


@pytest.mark.policy("10.1")
def test_the_review_outcome_letter_pdf(app, clock, restriction_in_force, panel_member):
    restriction = restriction_in_force()
    review = reviews.review_restriction(
        panel_member,
        clock.now,
        restriction,
        ReviewOutcome.VARY,
        "Fewer calls since the summer.",
        "",
        date(2027, 2, 23),
        spec(
            clock.now.date(),
            kind=RestrictionKind.THIRD_PARTY,
            channel=None,
            third_party="Citizens Advice Manchester",
        ),
    )
    db.session.commit()
    letter = db.session.get(Letter, review.letter_id)
    assert letter.kind == LetterKind.REVIEW_OUTCOME
    standard, large = _both(app, letter)
    for pdf in (standard, large):
        _assert_says(
            pdf,
            f"Dear {restriction.customer.name},",
            "Contact us through Citizens Advice Manchester",
            "We will review it again by 23 February 2027",
            "Fewer calls since the summer.",
            "You have until Monday 21 December 2026 to appeal",
            COMPLAINTS,
            EMERGENCY,
        )
    _assert_large_print_is_larger(standard, large)


@pytest.mark.policy("9.5")
def test_the_correspondence_acknowledgement_pdf(app, clock, terminated, panel_member):
    item = correspondence.log_correspondence(
        panel_member,
        clock.now,
        terminated,
        datetime(2026, 11, 20, 15, tzinfo=UTC),
        "email",
        "Asks again about the deposit.",
    )
    correspondence.mark_read(panel_member, clock.now, item)
    correspondence.check(panel_member, clock.now, item, False, False, "")
    letter = correspondence.close_correspondence(panel_member, clock.now, item)
    db.session.commit()
    assert letter.kind == LetterKind.CORRESPONDENCE_ACK
    standard, large = _both(app, letter)
    for pdf in (standard, large):
        _assert_says(
            pdf,
            f"Dear {terminated.name},",
            "We have received your email of Friday 20 November 2026",
            "placed it on your file",
            COMPLAINTS,
            EMERGENCY,
        )
    _assert_large_print_is_larger(standard, large)


@pytest.mark.policy("8.20")
def test_the_pdf_is_made_from_the_frozen_letter(
    app, clock, restriction_in_force, organisation_ready
):
    restriction = restriction_in_force()
    letter = db.session.get(Letter, restriction.letter_id)
    # Changing the organisation's details later does not change the letter that was sent.
    organisation_ready.appeals_contact = "A new appeals address."
    db.session.commit()
    standard, _large = _both(app, letter)
    assert "Write to the Customer Experience Manager to appeal." in standard.text
    assert "A new appeals address." not in standard.text
    assert letter.content_sha256[:16] in standard.text
