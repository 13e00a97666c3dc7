"""Issue 16, point 18: a large-print letter fills page 1 before its text moves on, for the
warning and arrangement letters as for the decision letter (tests/services/
test_point18_letters.py): the heading and lines that follow the greeting stay on page 1, and no
page before the last of each language's version is left part empty."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timedelta

import pytest

from portal import db
from portal.letters.models import Letter
from portal.letters.pdf import render_pdf

MARGIN = 18 / 25.4 * 72  # large print's page margin, in points
BIDI_MARKS = "[\u200e\u200f\u202a-\u202e\u2066-\u2069]"


def _run(*args: str, pdf: bytes) -> str:
    if shutil.which(args[0]) is None:
        pytest.fail(f"{args[0]} is not installed: install poppler-utils, as .ci/run does.")
    return subprocess.run(
        [*args, "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def _page_text(pdf: bytes, number: int) -> str:
    """One page's text, whitespace and bidirectional marks left out."""
    text = _run("pdftotext", "-layout", "-f", str(number), "-l", str(number), pdf=pdf)
    return " ".join(re.sub(BIDI_MARKS, "", text).split())


def _fill(pdf: bytes) -> list[float]:
    """How far down each page the text goes, as a share of the space between the margins
    (the page number in the bottom margin left out)."""
    shares = []
    for page in _run("pdftotext", "-bbox", pdf=pdf).split("<page ")[1:]:
        height = float(re.search(r'height="([\d.]+)"', page)[1])
        bottoms = [float(y) for y in re.findall(r'yMax="([\d.]+)"', page)]
        text = [y for y in bottoms if y < height - MARGIN]
        shares.append((max(text) - MARGIN) / (height - 2 * MARGIN) if text else 0.0)
    return shares


def _large(app, letter_id: int) -> tuple[Letter, bytes]:
    letter = db.session.get(Letter, letter_id)
    with app.test_request_context():
        return letter, render_pdf(letter, large_print=True)


def _assert_filled(letter: Letter, pdf: bytes) -> None:
    shares = _fill(pdf)
    assert shares[0] > 0.85, f"page 1 is {shares[0]:.0%} full"
    # Each version starts a page; the page before it ends the version and may be short.
    starts = [
        n for n in range(1, len(shares) + 1) if _page_text(pdf, n).startswith("Test Housing Group")
    ]
    assert starts[0] == 1 and len(starts) == (2 if letter.translated else 1)
    last_of_version = {s - 1 for s in starts[1:]} | {len(shares)}
    for number, share in enumerate(shares, start=1):
        if number not in last_of_version:
            assert share > 0.6, f"page {number} of {len(shares)} is {share:.0%} full"


@pytest.mark.policy("8.9")
@pytest.mark.parametrize("language", ["en", "pl", "ur"])
def test_point18_a_large_print_warning_letter_fills_page_1(
    app, clock, make_customer, give_warning, organisation_ready, language
):
    customer = make_customer(
        address="4 Canal Street, Manchester M1 3HE", preferred_language=language
    )
    warning = give_warning(customer, clock.now - timedelta(days=2))
    letter, pdf = _large(app, warning.letter_id)
    page_1 = _page_text(pdf, 1)
    assert f"{letter.reference} · 1 /" in page_1
    if language == "en":
        assert f"Dear {customer.name}," in page_1 and "What happened" in page_1
    _assert_filled(letter, pdf)


@pytest.mark.policy("8.15")
@pytest.mark.parametrize("language", ["en", "pl"])
def test_point18_a_large_print_arrangement_letter_fills_page_1(
    app, make_customer, make_arrangement, organisation_ready, language
):
    arrangement = make_arrangement(make_customer(preferred_language=language))
    letter, pdf = _large(app, arrangement.letter_id)
    if language == "en":
        assert "What we suggest" in _page_text(pdf, 1)
    _assert_filled(letter, pdf)
