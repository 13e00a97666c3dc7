"""Issue 16, point 18: the day an arrangement letter asks for an answer by, who signs a letter,
and a letter's headings as a PDF document. No database."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from portal.arrangements.rules import REPLY_WORKING_DAYS, reply_by
from portal.auth.models import Role
from portal.letters.pdf import as_document
from portal.letters.signature import letter_reference, signature, signature_of, signed_by
from portal.restrictions.models import Delivery
from portal.workdays.calendar import WorkingCalendar

CAL = WorkingCalendar()
FAR = date(2027, 6, 1)  # a review date that does not limit the reply-by date


def _staff(*roles: Role, name="Jo Bloggs", job_title=""):
    return SimpleNamespace(is_staff=True, name=name, roles=frozenset(roles), job_title=job_title)


@pytest.mark.policy("8.15")
def test_point18_reply_by_is_ten_working_days_from_the_day_it_is_handed_over():
    assert REPLY_WORKING_DAYS == 10
    # Mon 23 Nov 2026, day 0: two working weeks later.
    assert reply_by(date(2026, 11, 23), FAR, CAL, Delivery.HAND) == date(2026, 12, 7)
    assert reply_by(date(2026, 11, 23), FAR, CAL) == date(2026, 12, 7)  # no delivery yet


@pytest.mark.policy("8.15")
def test_point18_reply_by_skips_christmas_and_new_year_bank_holidays():
    # Fri 18 Dec 2026: 25 and 28 Dec (Boxing Day's substitute) and 1 Jan 2027 are skipped.
    assert reply_by(date(2026, 12, 18), FAR, CAL, Delivery.PORTAL) == date(2027, 1, 6)


@pytest.mark.policy("8.15")
def test_point18_a_posted_letter_counts_from_the_day_it_reaches_the_customer():
    posted = reply_by(date(2026, 11, 23), FAR, CAL, Delivery.POST, postal_days=2)
    assert posted == date(2026, 12, 9)  # reaches them Wed 25 Nov, then ten working days
    assert reply_by(date(2026, 11, 23), FAR, CAL, Delivery.EMAIL, postal_days=2) == date(
        2026, 12, 7
    )


@pytest.mark.policy("8.15")
def test_point18_reply_by_is_never_after_the_arrangement_is_looked_at():
    assert reply_by(date(2026, 11, 23), date(2026, 12, 4), CAL) == date(2026, 12, 4)
    assert reply_by(date(2026, 11, 23), date(2026, 12, 7), CAL) == date(2026, 12, 7)
    assert reply_by(date(2026, 11, 23), date(2026, 12, 8), CAL) == date(2026, 12, 7)


def test_point18_a_letter_is_signed_in_the_role_of_its_step_where_the_signer_holds_it(app):
    both = _staff(Role.PANEL, Role.CEM, name="Cara Experience")
    with app.test_request_context():
        assert signature_of(both, Role.CEM).role == Role.CEM
        assert signature_of(both, Role.PANEL).role == Role.PANEL
        # Not holding the step's role: their first in the portal's order.
        assert signature_of(both, Role.GLT).role == Role.CEM
        assert str(signature_of(both, Role.CEM).title) == "Customer Experience Manager"
        titled = signature_of(_staff(job_title="Housing Officer"), Role.PANEL)
        assert titled.role is None and titled.title == "Housing Officer"
        assert titled.title_is_english
        assert signature_of(None) is None


def test_point18_only_the_letter_being_issued_is_signed_and_numbered():
    panel = _staff(Role.PANEL, name="Pat Panel")
    assert signature(Role.PANEL) is None and letter_reference() is None
    with signed_by(panel, "LET-2026-00001"):
        assert signature(Role.PANEL).name == "Pat Panel"
        assert letter_reference() == "LET-2026-00001"
        with signed_by(SimpleNamespace(name="A customer")):  # only staff sign letters
            assert signature(Role.PANEL) is None and letter_reference() is None
        assert signature(Role.PANEL).name == "Pat Panel"
    assert signature(Role.PANEL) is None and letter_reference() is None


def test_point18_a_letter_as_a_pdf_document_starts_at_heading_level_one():
    frozen = '<article><h2>Subject</h2><p>x</p><h3 id="a">Why</h3><H3>How</H3></article>'
    assert as_document(frozen) == (
        '<article><h1>Subject</h1><p>x</p><h2 id="a">Why</h2><h2>How</h2></article>'
    )
    # A letter that already starts at level one is left as it is; no other tag is touched.
    assert as_document("<h1>A</h1><h2>B</h2>") == "<h1>A</h1><h2>B</h2>"
    assert as_document("<header><hr></header>") == "<header><hr></header>"
