"""§4.6: every kind of letter says how to make a complaint and report an emergency repair,
with the phone numbers as tap-to-call links, in the page and in the PDF."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader
from sqlalchemy import select

from portal import db
from portal.appeals import services as appeals
from portal.appeals.models import AppealOutcome
from portal.letters.models import Letter, LetterKind
from portal.letters.pdf import render_pdf

LINKS = ("tel:01610000001", "tel:01610000999")  # organisation_ready's two routes


@pytest.fixture
def appeal_letters(world, clock, restriction_in_force):
    """An appeal acknowledged, decided and its outcome sent; a late appeal not accepted."""
    people, now = world.people, clock.now

    def sent(at):
        appeal = appeals.start_draft(now, restriction_in_force(now=now))
        appeals.save_answers(at, appeal, appeals.Answers(grounds="It was unfair."))
        if at != now:
            appeals.save_answers(at, appeal, appeals.Answers(late_reason="I was away."))
        appeals.lodge(appeal.customer, at, appeal, f"key-{appeal.id}")
        return appeal

    decided = sent(now)
    appeals.acknowledge(people.cem, now, decided)
    appeals.refer_to_glt(people.cem, now, decided)
    appeals.glt_decide(people.glt, now, decided, AppealOutcome.UPHELD, "It was reasonable.")
    appeals.send_outcome(people.cem, now, decided)
    later = now + timedelta(days=60)
    late = sent(later)
    appeals.decide_late(people.cem, later, late, False, "Nothing stopped you appealing in time.")
    db.session.commit()


@pytest.mark.policy("4.6")
def test_every_kind_of_letter_gives_the_routes_that_are_always_open(world, appeal_letters):
    letters = db.session.scalars(select(Letter)).all()
    assert {letter.kind for letter in letters} == set(LetterKind)
    for letter in letters:
        for html in filter(None, (letter.body_html, letter.translation_html)):
            soup = BeautifulSoup(html, "html.parser")
            for href in LINKS:
                assert soup.find("a", href=href) is not None, f"{letter.kind}: no {href}"


@pytest.mark.policy("4.6")
def test_the_pdf_letter_keeps_the_tap_to_call_links(world):
    pdf = PdfReader(io.BytesIO(render_pdf(db.session.get(Letter, world.decision_letter))))
    targets = {
        annotation.get_object()["/A"].get("/URI")
        for page in pdf.pages
        for annotation in page.get("/Annots") or []
        if "/A" in annotation.get_object()
    }
    assert set(LINKS) <= targets
