"""The review letter says what still limits contact (§10.1): lifting or varying one restriction
while others stay in force names each of the others, with whom or by which route and its next
review, and says "You can contact us in the usual ways again" only when nothing remains."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal import db
from portal.letters.models import Letter
from portal.letters.pdf import render_pdf
from portal.restrictions.models import ContactRoute, Restriction, RestrictionKind
from portal.reviews import services as reviews
from portal.reviews.models import ReviewOutcome
from portal.reviews.queries import still_in_force
from tests.restriction_factories import spec

TODAY = date(2026, 11, 23)  # the frozen clock's day, a Monday
USUAL_WAYS = "You can contact us in the usual ways again"
SCHEDULE = "Tuesdays 10:00 to 11:00"
PHONE = "0161 000 0123"


@pytest.fixture
def two_restrictions(restriction_in_force, organisation_ready):
    """A customer restricted to email only (reviewed by 23 May 2027) and to calls at set times
    (reviewed by 1 March 2027), both decided together and in force."""
    organisation_ready.phone = PHONE
    email_only = restriction_in_force(
        specs=[
            spec(TODAY, review_on=date(2027, 5, 23)),
            spec(
                TODAY,
                kind=RestrictionKind.SET_TIMES,
                channel=None,
                schedule=SCHEDULE,
                review_on=date(2027, 3, 1),
            ),
        ]
    )
    set_times = db.session.scalar(
        select(Restriction).where(
            Restriction.customer_id == email_only.customer_id, Restriction.id != email_only.id
        )
    )
    assert email_only.kind == RestrictionKind.CHANNEL_ONLY
    assert set_times.kind == RestrictionKind.SET_TIMES
    return email_only, set_times


def _review(panel_member, clock, restriction, outcome, next_review_on=None, variation=None):
    done = reviews.review_restriction(
        panel_member,
        clock.now,
        restriction,
        outcome,
        "No incidents by email for six months.",
        "None.",
        next_review_on,
        variation,
    )
    db.session.commit()
    return db.session.get(Letter, done.letter_id)


def _text(html: str) -> str:
    return " ".join(html.split())


@pytest.mark.policy("10.1")
def test_lifting_one_of_two_restrictions_names_the_other_and_its_review_not_the_usual_ways(
    app, clock, panel_member, two_restrictions
):
    email_only, set_times = two_restrictions
    letter = _review(panel_member, clock, email_only, ReviewOutcome.LIFT)

    html = _text(letter.body_html)
    assert USUAL_WAYS not in html
    assert "We have lifted this restriction:" in html
    assert "Contact us by email only" in html  # the one lifted, named
    assert "What still applies" in html
    assert "Your other restriction on how you contact us has not changed" in html
    # The one that remains: what it is, its terms, the route and its next review.
    assert "Call us only at the agreed times" in html
    assert f"The agreed times: {SCHEDULE}." in html
    assert "Our phone number:" in html and PHONE in html
    assert "We will review it by Monday 1 March 2027." in html
    assert still_in_force(email_only, TODAY) == [set_times]


@pytest.mark.policy("10.1")
def test_lifting_the_only_restriction_says_the_usual_ways_again(
    app, clock, panel_member, restriction_in_force
):
    only = restriction_in_force()
    letter = _review(panel_member, clock, only, ReviewOutcome.LIFT)

    html = _text(letter.body_html)
    assert USUAL_WAYS in html
    assert "What still applies" not in html
    assert still_in_force(only, TODAY) == []


@pytest.mark.policy("10.1")
def test_lifting_the_last_of_two_restrictions_says_the_usual_ways_again(
    app, clock, panel_member, two_restrictions
):
    email_only, set_times = two_restrictions
    first = _review(panel_member, clock, email_only, ReviewOutcome.LIFT)
    clock.now = clock.now.replace(day=24)
    second = _review(panel_member, clock, set_times, ReviewOutcome.LIFT)

    assert USUAL_WAYS not in _text(first.body_html)
    assert USUAL_WAYS in _text(second.body_html)
    assert "Contact us by email only" not in _text(second.body_html)  # lifted already


@pytest.mark.policy("10.1")
def test_varying_one_restriction_states_the_new_terms_and_what_else_remains(
    app, clock, panel_member, two_restrictions
):
    email_only, set_times = two_restrictions
    letter = _review(
        panel_member,
        clock,
        email_only,
        ReviewOutcome.VARY,
        date(2027, 4, 30),
        variation=spec(TODAY, channel=ContactRoute.LETTER, reasons="Letters are easier to answer."),
    )

    html = _text(letter.body_html)
    assert USUAL_WAYS not in html
    # The new terms ...
    assert "We have changed the restriction. From now on:" in html
    assert "Contact us by letter only" in html
    assert "We will review it again by 30 April 2027." in html
    # ... and the other restriction, unchanged, with its own review date.
    assert "What still applies" in html
    assert "Call us only at the agreed times" in html
    assert "We will review it by Monday 1 March 2027." in html
    # The replacement is not counted as "another" restriction: it is the new terms.
    assert [r.id for r in still_in_force(email_only, TODAY)] == [set_times.id]
    assert html.count("Contact us by letter only") == 1


@pytest.mark.policy("10.1")
def test_continuing_one_restriction_also_names_the_others(
    app, clock, panel_member, two_restrictions
):
    email_only, _set_times = two_restrictions
    letter = _review(panel_member, clock, email_only, ReviewOutcome.CONTINUE, date(2027, 5, 1))

    html = _text(letter.body_html)
    assert "The restriction continues:" in html and "Contact us by email only" in html
    assert "What still applies" in html and "Call us only at the agreed times" in html


@pytest.mark.policy("10.1")
def test_the_letter_keeps_what_remained_when_it_was_issued(
    app, clock, panel_member, two_restrictions
):
    email_only, set_times = two_restrictions
    letter = _review(panel_member, clock, email_only, ReviewOutcome.LIFT)
    frozen = letter.body_html
    clock.now = clock.now.replace(day=24)
    _review(panel_member, clock, set_times, ReviewOutcome.LIFT)

    db.session.refresh(letter)
    assert letter.body_html == frozen  # frozen: a later review does not rewrite it
    assert "Call us only at the agreed times" in frozen


@pytest.mark.policy("10.1")
def test_the_review_letter_in_the_customers_language_names_what_remains(
    app, clock, panel_member, make_customer, restriction_in_force
):
    customer = make_customer(preferred_language="pl")
    email_only = restriction_in_force(
        customer=customer,
        specs=[
            spec(TODAY),
            spec(TODAY, kind=RestrictionKind.SET_TIMES, channel=None, schedule=SCHEDULE),
        ],
    )
    letter = _review(panel_member, clock, email_only, ReviewOutcome.LIFT)

    assert letter.language == "pl"
    translated = _text(letter.translation_html)
    assert "Co nadal obowiązuje" in translated
    assert "Znieśliśmy to ograniczenie:" in translated
    assert "w zwykły sposób" not in translated
    assert SCHEDULE in translated


@pytest.mark.policy("10.1")
def test_the_review_letter_pdf_contains_the_remaining_restriction(
    app, clock, panel_member, two_restrictions
):
    email_only, _set_times = two_restrictions
    letter = _review(panel_member, clock, email_only, ReviewOutcome.LIFT)

    for large_print in (False, True):
        with app.test_request_context():
            data = render_pdf(letter, large_print=large_print)
        reader = PdfReader(io.BytesIO(data))
        text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
        assert "What still applies" in text
        assert "Call us only at the agreed times" in text
        assert SCHEDULE in text
        assert "1 March 2027" in text
        assert USUAL_WAYS not in text
