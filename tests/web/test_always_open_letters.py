"""§4.6: every kind of letter says how to make a complaint and report an emergency repair,
with the phone numbers as tap-to-call links, in the page and in the PDF."""

from __future__ import annotations

import io
import re
import subprocess

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader
from sqlalchemy import select

from portal import db
from portal.config import BASE_DIR
from portal.letters.models import Letter, LetterKind
from portal.letters.pdf import render_pdf

LINKS = ("tel:01610000001", "tel:01610000999")  # organisation_ready's two routes


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


def _rule(css: str, selector: str) -> str:
    """The declarations of ``selector``'s rule in ``css`` ("" if there is none)."""
    found = re.search(rf"(?:^|\}}|\n)\s*{re.escape(selector)}\s*\{{([^}}]*)\}}", css)
    return found.group(1) if found else ""


def test_point18_the_sign_off_stands_apart_from_the_list_before_it(world, appeal_letters):
    """ "Yours sincerely," came straight under the last always-open route ("…any time"): the
    sign-off is a block of its own in the letter, with space above it."""
    for letter in db.session.scalars(select(Letter)):
        for html in filter(None, (letter.body_html, letter.translation_html)):
            article = BeautifulSoup(html, "html.parser").find("article", class_="letter")
            sign_offs = article.find_all("div", class_="sign-off", recursive=False)
            assert len(sign_offs) == 1, letter.kind
            before = sign_offs[0].find_previous_sibling()
            assert before.name in ("p", "ul"), letter.kind
            if letter.kind is LetterKind.ARRANGEMENT:
                assert "always-open__routes" in before.get("class", []), letter.kind
    page_css = (BASE_DIR / "static" / "css" / "portal.css").read_text()
    assert "margin-top" in _rule(page_css, ".letter .sign-off")
    assert "margin-bottom" in _rule(page_css, ".letter .always-open__routes")
    pdf_css = (BASE_DIR / "templates" / "letters" / "pdf.html").read_text()
    assert "margin-top" in _rule(pdf_css, ".sign-off")


def test_point18_the_pdf_leaves_a_line_before_the_sign_off(world, tmp_path):
    letter = db.session.scalar(select(Letter).where(Letter.kind == LetterKind.ARRANGEMENT))
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(render_pdf(letter))
    boxes = tmp_path / "letter.html"
    subprocess.run(["pdftotext", "-bbox-layout", str(pdf), str(boxes)], check=True)
    lines = BeautifulSoup(boxes.read_text(), "html.parser").find_all("line")
    said = [(" ".join(w.get_text() for w in line.find_all("word")), line) for line in lines]
    sign_off = next(i for i, (text, _line) in enumerate(said) if text == "Yours sincerely,")
    above, line = said[sign_off - 1][1], said[sign_off][1]
    height = float(line["ymax"]) - float(line["ymin"])
    assert float(line["ymin"]) - float(above["ymax"]) > 1.25 * height


@pytest.mark.policy("4.6")
def test_point12_the_letter_head_gives_its_email_address_breaks_after_at_and_dots(
    client, organisation_ready, make_customer, restriction_in_force, sign_in
):
    """On a 320 px page "customer.services@demo.ex|ample" wrapped mid-word in the letter's
    head: the address there is a tap-to-email link that may break after "@" and each dot."""
    organisation_ready.email = "customer.services@demo.example"
    db.session.commit()
    letter = db.session.get(
        Letter, restriction_in_force(make_customer(preferred_language="ur")).letter_id
    )
    for html in (letter.body_html, letter.translation_html):
        head = BeautifulSoup(html, "html.parser").find("article").find("p")
        link = head.find("a", href="mailto:customer.services@demo.example")
        assert link is not None
        assert link.decode_contents() == "customer.<wbr/>services@<wbr/>demo.<wbr/>example"
        assert link.get_text() == "customer.services@demo.example"
