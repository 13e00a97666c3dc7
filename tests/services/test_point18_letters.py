"""Issue 16, point 18: what the letters say and how their PDFs read.

The decision and appeal outcome letters signpost the Housing Ombudsman Service; every letter is
signed by the colleague who issued it, by name and role; the arrangement letter gives the
reference to quote, who deals with it and a reply-by date; the appeal acknowledgement says
when the appeal really arrived and the day the count starts; the review letter says whether it
can be appealed; the PDFs are tagged (PDF/UA-1) with a title, a language and headings, and
large print fills its pages. Each is checked in English and in a translated letter.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale
from pypdf import PdfReader
from sqlalchemy import select

from portal import db
from portal.appeals import services as appeals
from portal.appeals.models import AppealChannel, AppealOutcome
from portal.auth.models import Role
from portal.i18n import long_date
from portal.letters.models import Letter, LetterKind
from portal.letters.pdf import render_pdf
from portal.letters.services import verify
from portal.organisation.services import get_organisation
from portal.restrictions.models import RestrictionKind
from portal.reviews import services as reviews
from portal.reviews.models import ReviewOutcome
from tests.restriction_factories import spec
from tests.text import plain

OMBUDSMAN = ("Housing Ombudsman Service", "0300 111 3000", "www.housing-ombudsman.org.uk")


@pytest.fixture
def cem(make_staff):
    return make_staff(Role.CEM, name="Cara Experience")


@pytest.fixture
def other_glt(make_staff):
    return make_staff(Role.GLT, name="Otto Leader")


def _letter(letter_id) -> Letter:
    return db.session.get(Letter, letter_id)


def _draft(now, restriction):
    appeal = appeals.start_draft(now, restriction)
    appeals.save_answers(now, appeal, appeals.Answers(grounds="The report was mistaken."))
    db.session.commit()
    return appeal


def _decided(now, restriction, cem, glt, outcome=AppealOutcome.UPHELD):
    """An appeal against ``restriction`` lodged, acknowledged, decided and its outcome sent."""
    appeal = _draft(now, restriction)
    appeals.lodge(restriction.customer, now, appeal, f"k{appeal.id}")
    appeals.acknowledge(cem, now, appeal)
    appeals.refer_to_glt(cem, now, appeal)
    appeals.glt_decide(glt, now, appeal, outcome, "It was reasonable.")
    sent = appeals.send_outcome(cem, now, appeal)
    db.session.commit()
    return appeal, sent


# --- the Housing Ombudsman --------------------------------------------------------------------


@pytest.mark.policy("8.20")
@pytest.mark.parametrize("language", ["en", "pl"])
def test_point18_the_decision_letter_signposts_the_housing_ombudsman(
    restriction_in_force, make_customer, language
):
    restriction = restriction_in_force(customer=make_customer(preferred_language=language))
    letter = _letter(restriction.letter_id)
    assert letter.language == language
    for html in filter(None, (letter.body_html, letter.translation_html)):
        text = plain(html)
        for words in OMBUDSMAN[1:]:
            assert words in text
        assert 'href="https://www.housing-ombudsman.org.uk"' in html
        assert 'href="tel:03001113000"' in html
    english = plain(letter.body_html)
    assert "The Housing Ombudsman Service" in english
    assert "If you are still unhappy once our complaints process has ended" in english


@pytest.mark.policy("9.4")
@pytest.mark.parametrize("language", ["en", "ur"])
def test_point18_the_appeal_outcome_letter_ends_our_process_and_signposts_the_ombudsman(
    restriction_in_force, make_customer, clock, cem, other_glt, language
):
    restriction = restriction_in_force(customer=make_customer(preferred_language=language))
    _appeal, sent = _decided(clock.now, restriction, cem, other_glt)
    letter = _letter(sent.id)
    english = plain(letter.body_html)
    assert "there is no further appeal against this decision" in english
    assert english.index("no further appeal") < english.index("Housing Ombudsman Service")
    for html in filter(None, (letter.body_html, letter.translation_html)):
        assert all(words in plain(html) for words in OMBUDSMAN[1:])


def test_point18_other_letters_do_not_signpost_the_ombudsman(make_customer, make_arrangement):
    arrangement = make_arrangement(make_customer())
    assert "Ombudsman" not in _letter(arrangement.letter_id).body_html


# --- signed by a named person and role --------------------------------------------------------


@pytest.mark.policy("8.20")
@pytest.mark.parametrize("language", ["en", "pl"])
def test_point18_the_decision_letter_is_signed_by_the_colleague_who_issued_it(
    restriction_in_force, make_customer, panel_member, language
):
    restriction = restriction_in_force(customer=make_customer(preferred_language=language))
    letter = _letter(restriction.letter_id)
    assert letter.issued_by_id == panel_member.id
    english = plain(letter.body_html)
    signed = english[english.index("Yours sincerely,") :]
    assert "Pat Panel" in signed and "Customer Conduct Panel member" in signed
    assert get_organisation().name in signed
    if language != "en":
        translated = plain(letter.translation_html)
        with force_locale(language):
            role = str(Role.PANEL.title)
        assert "Pat Panel" in translated and role in translated


@pytest.mark.policy("9.1")
def test_point18_appeal_letters_are_signed_by_the_customer_experience_manager(
    restriction_in_force, clock, cem
):
    restriction = restriction_in_force()
    appeal = _draft(clock.now, restriction)
    appeals.lodge(restriction.customer, clock.now, appeal, "k")
    acknowledgement = appeals.acknowledge(cem, clock.now, appeal)
    signed = plain(_letter(acknowledgement.id).body_html).split("Yours sincerely,")[1]
    assert "Cara Experience" in signed and "Customer Experience Manager" in signed


def test_point18_a_frozen_letter_keeps_the_signature_it_was_issued_with(
    restriction_in_force, panel_member
):
    restriction = restriction_in_force()
    letter = _letter(restriction.letter_id)
    panel_member.name = "Patricia Panel-Smith"
    db.session.commit()
    db.session.expire_all()
    letter = _letter(restriction.letter_id)
    assert "Pat Panel" in letter.body_html and "Patricia" not in letter.body_html
    assert verify(letter)


# --- the arrangement letter -------------------------------------------------------------------


@pytest.mark.policy("8.15")
@pytest.mark.parametrize("language", ["en", "pl"])
def test_point18_the_arrangement_letter_gives_the_reference_the_officer_and_a_reply_by_date(
    make_customer, make_arrangement, organisation_ready, language
):
    organisation_ready.phone = "0161 000 0000"
    db.session.commit()
    # Approved on Monday 23 November 2026 and handed over: reply by Monday 7 December.
    arrangement = make_arrangement(make_customer(preferred_language=language))
    letter = _letter(arrangement.letter_id)
    english = plain(letter.body_html)
    assert "Please reply by Monday 7 December 2026." in english
    assert "Pat Panel, Customer Conduct Panel member, is dealing with this arrangement." in english
    assert "To reply by phone, call 0161 000 0000 and ask for Pat Panel." in english
    assert f"When you reply, please give our reference: {letter.reference}." in english
    if language != "en":
        translated = plain(letter.translation_html)
        with force_locale(language):
            assert long_date(date(2026, 12, 7)) in translated
        assert letter.reference in translated and "Pat Panel" in translated


# --- the appeal acknowledgement ---------------------------------------------------------------


@pytest.fixture
def in_force_on(restriction_in_force, clock):
    """A restriction whose letter was handed over at ``when``; the clock is then put back."""

    def _make(when: datetime, **kwargs):
        now, clock.now = clock.now, when
        try:
            return restriction_in_force(now=when, **kwargs)
        finally:
            clock.now = now

    return _make


@pytest.fixture
def told_on_friday(in_force_on):
    """A restriction whose letter was handed over on Friday 20 November 2026."""
    return in_force_on(datetime(2026, 11, 20, 10, tzinfo=UTC))


@pytest.mark.policy("9.1")
@pytest.mark.parametrize("language", ["en", "pl"])
def test_point18_the_acknowledgement_says_when_the_appeal_arrived_and_when_the_count_starts(
    told_on_friday, clock, cem, language
):
    told_on_friday.customer.preferred_language = language
    appeal = _draft(clock.now, told_on_friday)
    saturday = datetime(2026, 11, 21, 11, tzinfo=UTC)
    appeals.lodge(cem, clock.now, appeal, "k", AppealChannel.PHONE, saturday)
    letter = _letter(appeals.acknowledge(cem, clock.now, appeal).id)
    english = plain(letter.body_html)
    assert (
        "Thank you for your appeal against our decision to restrict how you contact us. "
        "We received your appeal by phone on Saturday 21 November 2026. "
        "That was a weekend, so we count the working days from Monday 23 November 2026, "
        f"the next working day. Your appeal reference is {appeal.reference}."
    ) in english
    assert "(By phone)" not in english
    if language != "en":
        translated = plain(letter.translation_html)
        with force_locale(language):
            arrived, counted = long_date(date(2026, 11, 21)), long_date(date(2026, 11, 23))
            channel = str(AppealChannel.PHONE.title)
        assert translated.index(arrived) < translated.index(counted)
        assert f"({channel})" not in translated


@pytest.mark.policy("9.1")
def test_point18_an_appeal_counted_from_the_day_it_arrived_says_that_day_only(
    told_on_friday, clock, cem
):
    appeal = _draft(clock.now, told_on_friday)
    appeals.lodge(told_on_friday.customer, clock.now, appeal, "k")  # Monday 10:00, online
    english = plain(_letter(appeals.acknowledge(cem, clock.now, appeal).id).body_html)
    assert "We received your appeal online, in the portal, on Monday 23 November 2026." in english
    assert "we count the working days" not in english


@pytest.mark.policy("9.1")
def test_point18_an_appeal_after_the_cut_off_says_the_time_and_the_next_working_day(
    told_on_friday, clock, cem
):
    appeal = _draft(clock.now, told_on_friday)
    evening = datetime(2026, 11, 20, 17, 30, tzinfo=UTC)  # Friday, after 17:00
    appeals.lodge(cem, clock.now, appeal, "k", AppealChannel.EMAIL, evening)
    english = plain(_letter(appeals.acknowledge(cem, clock.now, appeal).id).body_html)
    assert (
        "We received your appeal by email on Friday 20 November 2026. It arrived at 17:30, "
        "after our 17:00 cut-off for the day, so we count the working days from Monday "
        "23 November 2026, the next working day."
    ) in english


# --- the review letter: can it be appealed? ---------------------------------------------------


def _review(panel_member, now, restriction, outcome, next_review_on=None, variation=None):
    done = reviews.review_restriction(
        panel_member,
        now,
        restriction,
        outcome,
        "The calls have continued.",
        "Three abusive emails in October.",
        next_review_on,
        variation,
        None,
    )
    db.session.commit()
    return _letter(done.letter_id)


NOT_NEW = (
    "Continuing the restriction is not a new decision, so you cannot appeal against this review."
)


@pytest.mark.policy("10.1")
@pytest.mark.policy("9.1")
@pytest.mark.parametrize("language", ["en", "pl"])
def test_point18_a_continued_restriction_says_the_original_decision_can_still_be_appealed(
    restriction_in_force, make_customer, panel_member, clock, language
):
    restriction = restriction_in_force(customer=make_customer(preferred_language=language))
    letter = _review(panel_member, clock.now, restriction, ReviewOutcome.CONTINUE, date(2027, 5, 1))
    english = plain(letter.body_html)
    deadline = restriction.appeal_deadline
    assert NOT_NEW in english
    assert (
        f"You can still appeal against our original decision until {long_date(deadline)}."
        in english
    )
    assert "Write to the Customer Experience Manager to appeal." in english
    if language != "en":
        with force_locale(language):
            assert long_date(deadline) in plain(letter.translation_html)


@pytest.mark.policy("10.1")
@pytest.mark.policy("9.2")
def test_point18_after_the_last_day_the_review_letter_says_a_late_appeal_is_still_considered(
    in_force_on, panel_member, clock
):
    restriction = in_force_on(clock.now - timedelta(days=60))
    assert restriction.appeal_deadline < clock.now.date()
    letter = _review(panel_member, clock.now, restriction, ReviewOutcome.CONTINUE, date(2027, 5, 1))
    english = plain(letter.body_html)
    assert NOT_NEW in english
    assert (
        f"The last day to appeal against our original decision was "
        f"{long_date(restriction.appeal_deadline)}. You can still appeal late: tell us why, and "
        "we will consider it."
    ) in english


@pytest.mark.policy("10.1")
@pytest.mark.policy("9.4")
def test_point18_once_the_appeal_is_decided_the_review_letter_says_there_is_no_further_appeal(
    restriction_in_force, panel_member, clock, cem, other_glt
):
    restriction = restriction_in_force()
    _decided(clock.now, restriction, cem, other_glt)
    letter = _review(panel_member, clock.now, restriction, ReviewOutcome.CONTINUE, date(2027, 5, 1))
    english = plain(letter.body_html)
    assert NOT_NEW + (
        " Your appeal against our original decision has been decided, and there is no further "
        "appeal."
    ) in english.replace("\n", " ")
    assert "Write to the Customer Experience Manager to appeal." not in english


@pytest.mark.policy("10.1")
def test_point18_a_varied_restriction_is_a_new_decision_that_can_be_appealed(
    restriction_in_force, panel_member, clock
):
    restriction = restriction_in_force()
    variation = spec(
        clock.now.date(),
        kind=RestrictionKind.SET_TIMES,
        schedule="Tuesdays 10:00 to 11:00",
        review_on=date(2027, 5, 1),
    )
    letter = _review(
        panel_member, clock.now, restriction, ReviewOutcome.VARY, date(2027, 5, 1), variation
    )
    english = plain(letter.body_html)
    assert "to appeal against the changed restriction." in english
    assert NOT_NEW not in english


# --- the PDFs ---------------------------------------------------------------------------------


def _pdfinfo(pdf: bytes) -> dict[str, str]:
    if shutil.which("pdfinfo") is None:
        pytest.fail(
            "pdfinfo is not installed: install poppler-utils (apt-get install poppler-utils), "
            "as .ci/run does, to check the letters' PDFs."
        )
    out = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout
    return dict(
        (key.strip(), value.strip())
        for key, _sep, value in (line.partition(":") for line in out.decode().splitlines())
    )


def _structure(pdf: bytes) -> list[str]:
    """The PDF's structure tags in reading order (H1, P, L, LI, …)."""
    tags: list[str] = []

    def walk(node):
        node = node.get_object()
        if not isinstance(node, dict):
            return
        if "/S" in node:
            tags.append(str(node["/S"]).lstrip("/"))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            walk(kid)

    walk(PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/StructTreeRoot"])
    return tags


@pytest.mark.policy("8.20")
@pytest.mark.parametrize("language", ["en", "ur"])
@pytest.mark.parametrize("large_print", [False, True])
def test_point18_the_pdf_is_tagged_with_a_title_a_language_and_headings(
    app, restriction_in_force, make_customer, language, large_print
):
    restriction = restriction_in_force(customer=make_customer(preferred_language=language))
    letter = _letter(restriction.letter_id)
    with app.test_request_context():
        pdf = render_pdf(letter, large_print=large_print)
    info = _pdfinfo(pdf)
    assert info["Tagged"] == "yes"
    assert info["Title"] == letter.subject_in(language)
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert root["/Lang"] == language
    assert root["/ViewerPreferences"]["/DisplayDocTitle"]
    tags = _structure(pdf)
    headings = [t for t in tags if re.fullmatch(r"H\d", t)]
    assert headings[0] == "H1" and "H2" in headings and "H3" not in headings
    assert headings.count("H1") == (2 if language != "en" else 1)  # one per version
    assert {"P", "L", "LI"} <= set(tags)


def _fill(pdf: bytes) -> list[float]:
    """How far down each page the text goes, as a share of the space between the margins
    (the page number in the bottom margin left out)."""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is not installed: install poppler-utils, as .ci/run does.")
    out = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True)
    shares = []
    for page in out.stdout.decode().split("<page ")[1:]:
        height = float(re.search(r'height="([\d.]+)"', page)[1])
        margin = 18 / 25.4 * 72  # large print's 18 mm
        bottoms = [float(y) for y in re.findall(r'yMax="([\d.]+)"', page)]
        text = [y for y in bottoms if y < height - margin]
        shares.append((max(text) - margin) / (height - 2 * margin) if text else 0.0)
    return shares


@pytest.mark.policy("8.20")
@pytest.mark.parametrize("language", ["en", "pl"])
def test_point18_large_print_fills_each_page_before_the_last(
    app, restriction_in_force, make_customer, language
):
    restriction = restriction_in_force(customer=make_customer(preferred_language=language))
    letter = _letter(restriction.letter_id)
    with app.test_request_context():
        pdf = render_pdf(letter, large_print=True)
    reader = PdfReader(io.BytesIO(pdf))
    # Each version ends where the next starts on a new page: its last page may be short.
    starts = [
        i
        for i, page in enumerate(reader.pages)
        if page.extract_text().lstrip().startswith(get_organisation().name.split()[0])
    ]
    assert starts[0] == 0 and len(starts) == (2 if language != "en" else 1)
    last_of_version = {s - 1 for s in starts[1:]} | {len(reader.pages) - 1}
    shares = _fill(pdf)
    assert shares[0] > 0.85, f"page 1 is {shares[0]:.0%} full"
    for number, share in enumerate(shares):
        if number not in last_of_version:
            assert share > 0.6, f"page {number + 1} of {len(shares)} is {share:.0%} full"


# --- the demo's letters -----------------------------------------------------------------------


def test_point18_the_demos_letters_link_to_the_address_configured_when_it_is_loaded(
    app, runner, monkeypatch
):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://conduct.example.org")
    loaded = runner.invoke(args=["demo-data"])
    assert loaded.exit_code == 0, loaded.output
    assert "Its letters link to https://conduct.example.org (PORTAL_PUBLIC_URL)." in loaded.output
    letters = db.session.scalars(select(Letter)).all()
    assert letters and not [x.reference for x in letters if "127.0.0.1" in x.body_html]
    # Every letter gives the privacy notice's address; a decision letter also where to sign in.
    assert all("https://conduct.example.org/privacy" in x.body_html for x in letters)
    portal = re.compile(r"https://conduct\.example\.org/(sign-in|activate)")
    linked = [x for x in letters if portal.search(x.body_html)]
    assert linked and {x.kind for x in linked} == {LetterKind.RESTRICTION_DECISION}

    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://elsewhere.example.org")
    again = runner.invoke(args=["demo-data"])
    assert "to link them to https://elsewhere.example.org, load it again with --reset" in (
        again.output
    )
