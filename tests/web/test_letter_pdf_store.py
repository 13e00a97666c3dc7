"""Issue 13, point 5: a letter's PDF is laid out once and kept; every later download sends the
kept bytes, fast, with their SHA-256 as ETag, never to a shared cache, after the same access
checks as before; a kept PDF goes when its letter goes."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

import pytest
import weasyprint
from sqlalchemy import delete, func, select

from portal import db
from portal.accounts.models import CustomerAccount
from portal.auth.models import Role
from portal.letters import files
from portal.letters.models import Letter, LetterFile, LetterKind
from portal.letters.services import freeze


@pytest.fixture
def customer_signed_in(client, clock, sign_in, make_customer):
    """A customer signed in on ``client``; returns the customer."""

    def _sign_in(customer=None, email="pdf-store@test.example"):
        customer = customer or make_customer()
        account = CustomerAccount(
            customer_id=customer.id,
            email=email,
            password_hash="pbkdf2:sha256:1$x$" + "0" * 64,
            activated_at=clock.now,
            password_changed_at=clock.now,
        )
        db.session.add(account)
        db.session.commit()
        sign_in(account)
        return customer

    return _sign_in


@pytest.fixture
def layouts(monkeypatch):
    """How many times WeasyPrint has laid out a document since the test began, counted below
    the test suite's memo of PDFs (a remembered PDF is counted as laid out)."""
    made = []
    html = weasyprint.HTML
    original = html.write_pdf

    def counted(self, *args, **kwargs):
        made.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(html, "write_pdf", counted)
    return made


def _kept(letter_id: int | None = None) -> int:
    db.session.expire_all()
    query = select(func.count(LetterFile.id))
    if letter_id is not None:
        query = query.where(LetterFile.letter_id == letter_id)
    return db.session.scalar(query)


@pytest.mark.parametrize("large", [False, True], ids=["standard", "large_print"])
def test_point5_the_second_download_lays_nothing_out(
    client, customer_signed_in, make_arrangement, layouts, large
):
    letter_id = make_arrangement(customer_signed_in()).letter_id
    db.session.commit()
    url = f"/letters/{letter_id}/pdf" + ("?print=large" if large else "")

    first = client.get(url)
    assert first.status_code == 200
    assert len(layouts) == 1
    again = [client.get(url) for _ in range(3)]

    assert len(layouts) == 1
    assert {answer.status_code for answer in again} == {200}
    assert {answer.data for answer in again} == {first.data}
    assert _kept(letter_id) == 1


def test_point5_staff_and_customer_get_the_same_kept_bytes(
    client, app, customer_signed_in, make_arrangement, make_staff, sign_in, layouts
):
    letter_id = make_arrangement(customer_signed_in()).letter_id
    db.session.commit()
    theirs = client.get(f"/letters/{letter_id}/pdf")

    staff = app.test_client()
    sign_in(make_staff(Role.PANEL), on=staff)
    ours = staff.get(f"/staff/letters/{letter_id}/pdf")

    assert ours.status_code == 200
    assert ours.data == theirs.data
    assert ours.headers["ETag"] == theirs.headers["ETag"]
    assert len(layouts) == 1


def test_point5_the_etag_is_the_sha256_and_no_shared_cache_keeps_it(
    client, customer_signed_in, make_arrangement
):
    letter_id = make_arrangement(customer_signed_in()).letter_id
    db.session.commit()

    first = client.get(f"/letters/{letter_id}/pdf?print=large")
    kept = db.session.scalar(select(LetterFile).where(LetterFile.letter_id == letter_id))

    assert first.headers["ETag"] == f'"{kept.sha256}"'
    assert kept.sha256 == hashlib.sha256(first.data).hexdigest()
    cache = {part.strip() for part in first.headers["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache
    assert "public" not in cache
    unchanged = client.get(
        f"/letters/{letter_id}/pdf?print=large", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert unchanged.status_code == 304
    assert unchanged.data == b""
    assert "private" in unchanged.headers["Cache-Control"]


def test_point5_another_customers_letter_is_refused_even_with_its_etag(
    client, customer_signed_in, make_customer, make_arrangement
):
    owner = make_customer()
    letter_id = make_arrangement(owner).letter_id
    db.session.commit()
    # The owner downloads it: the PDF is kept, and its ETag known.
    customer_signed_in(owner, email="owner@test.example")
    etag = client.get(f"/letters/{letter_id}/pdf").headers["ETag"]
    assert _kept(letter_id) == 1
    customer_signed_in(email="someone-else@test.example")

    for headers in ({}, {"If-None-Match": etag}):
        refused = client.get(f"/letters/{letter_id}/pdf", headers=headers)
        assert refused.status_code == 404
        assert b"%PDF" not in refused.data
        assert "ETag" not in refused.headers


def test_point5_signed_out_the_kept_pdf_is_not_sent(client, customer_signed_in, make_arrangement):
    letter_id = make_arrangement(customer_signed_in()).letter_id
    db.session.commit()
    etag = client.get(f"/letters/{letter_id}/pdf").headers["ETag"]
    with client.session_transaction() as signed_out:
        signed_out.clear()

    answer = client.get(f"/letters/{letter_id}/pdf", headers={"If-None-Match": etag})
    assert answer.status_code == 303
    assert urlsplit(answer.headers["Location"]).path == "/sign-in"
    assert "ETag" not in answer.headers


def _saying(subject: str):
    return lambda: (subject, f"<h2>{subject}</h2><p>Thank you for writing to us.</p>")


def test_point5_the_kept_pdfs_go_when_the_letter_goes(
    client, clock, make_customer, make_staff, sign_in
):
    panel = make_staff(Role.PANEL)
    customer = make_customer()
    letters = [
        freeze(panel, clock.now, customer, LetterKind.CORRESPONDENCE_ACK, _saying(subject))
        for subject in ("First", "Second")
    ]
    db.session.commit()
    sign_in(panel)
    for letter in letters:
        for url in (
            f"/staff/letters/{letter.id}/pdf",
            f"/staff/letters/{letter.id}/pdf?print=large",
        ):
            assert client.get(url).status_code == 200
    assert _kept() == 4
    first, second = (letter.id for letter in letters)

    db.session.execute(delete(Letter).where(Letter.id == first))
    db.session.commit()
    assert _kept(first) == 0
    assert _kept(second) == 2

    # A customer's letters erased (as the retention rules will): nothing of them is left.
    db.session.execute(delete(Letter).where(Letter.customer_id == customer.id))
    db.session.commit()
    assert _kept() == 0


def test_point5_the_worker_keeps_what_the_first_download_then_sends(
    client, clock, customer_signed_in, make_arrangement, layouts, monkeypatch
):
    from datetime import time as clock_time

    from portal import worker

    letter_id = make_arrangement(customer_signed_in()).letter_id
    db.session.commit()
    worker.run_pass("worker-0", clock_time(7), lambda: clock.now, jobs=())
    made = len(layouts)
    assert made >= 2
    monkeypatch.setattr(files, "render_pdf", lambda *a, **k: pytest.fail("laid out again"))

    standard = client.get(f"/letters/{letter_id}/pdf")
    large = client.get(f"/letters/{letter_id}/pdf?print=large")

    assert standard.status_code == large.status_code == 200
    assert len(layouts) == made
    assert standard.data != large.data
