"""A letter's PDF downloaded for the first time by several people at the same instant: one
PDF is kept, and everyone gets exactly its bytes."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from portal import db
from portal.accounts import services as accounts
from portal.audit.verify import find_breaks
from portal.auth.models import Role
from portal.letters.models import LetterFile
from tests.concurrency.conftest import N, race
from tests.factories import PASSWORD

pytestmark = pytest.mark.concurrency


def _download(browser, path: str) -> tuple[int, dict, bytes]:
    with browser.opener.open(browser.base + path, timeout=60) as answer:
        return answer.status, dict(answer.headers), answer.read()


def test_one_pdf_kept_however_many_download_it_first_at_once(
    live, make_staff, signed_in, make_customer, make_arrangement
):
    letter_id = make_arrangement(make_customer()).letter_id
    panel = [signed_in(make_staff(Role.PANEL, name=f"Pat Panel {n}")) for n in range(N)]

    answers = race([lambda b=b: _download(b, f"/staff/letters/{letter_id}/pdf") for b in panel])

    assert [status for status, _headers, _body in answers] == [200] * N
    db.session.rollback()
    kept = db.session.scalar(select(LetterFile).where(LetterFile.letter_id == letter_id))
    assert db.session.scalar(select(func.count(LetterFile.id))) == 1
    assert {headers["ETag"] for _status, headers, _body in answers} == {f'"{kept.sha256}"'}
    assert {body for _status, _headers, body in answers} == {kept.content}
    assert kept.sha256 == hashlib.sha256(kept.content).hexdigest()
    assert find_breaks() == []


def test_point5_the_customer_and_staff_downloading_large_print_at_once_get_one_kept_pdf(
    live, clock, make_staff, signed_in, make_customer, make_arrangement
):
    customer = make_customer()
    _record, code = accounts.issue_access_code(make_staff(Role.CEM), clock.now, customer)
    accounts.activate(customer.reference, code, "race@test.example", PASSWORD, clock.now)
    letter_id = make_arrangement(customer).letter_id
    db.session.commit()
    tabs = []
    for _ in range(N // 2):
        tab = live.browser()
        signed = tab.post("/sign-in", {"email": "race@test.example", "password": PASSWORD})
        assert signed.status == 303, signed.text[:300]
        tabs.append(tab)
    panel = [signed_in(make_staff(Role.PANEL)) for _ in range(N - len(tabs))]
    sends = [lambda b=b: _download(b, f"/letters/{letter_id}/pdf?print=large") for b in tabs]
    sends += [
        lambda b=b: _download(b, f"/staff/letters/{letter_id}/pdf?print=large") for b in panel
    ]

    answers = race(sends)

    assert [status for status, _headers, _body in answers] == [200] * N
    db.session.rollback()
    kept = db.session.scalars(select(LetterFile).where(LetterFile.letter_id == letter_id)).all()
    assert [f.variant for f in kept] == ["large_print"]
    assert {headers["ETag"] for _status, headers, _body in answers} == {f'"{kept[0].sha256}"'}
    assert {body for _status, _headers, body in answers} == {kept[0].content}
    assert {headers["Cache-Control"] for _status, headers, _body in answers} == {
        "private, no-store"
    }
    assert find_breaks() == []
