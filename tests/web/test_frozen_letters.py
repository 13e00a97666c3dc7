"""Frozen means frozen (issue 11): a letter's PDFs are made once and kept with their SHA-256;
every page and download, staff and customer, checks the hashes and refuses altered content with
a page saying so; downloads carry an ETag and answer If-None-Match with 304; a later change to
the templates does not change an old letter's PDF."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select, text

from portal import db
from portal.accounts import services as accounts
from portal.audit.models import AuditEvent
from portal.audit.verify import find_breaks
from portal.auth.models import Role
from portal.letters import files
from portal.letters.models import LetterFile
from tests.conftest import csrf_token
from tests.factories import PASSWORD
from tests.pages import check_page


@pytest.fixture
def letter_id(make_customer, make_arrangement):
    return make_arrangement(make_customer()).letter_id


@pytest.fixture
def staff(act_as):
    return act_as("panel")


@pytest.fixture
def customer_letter(client, clock, make_customer, make_staff, make_arrangement):
    """A customer signed in on ``client`` through the form, and the id of a letter to them."""
    customer = make_customer()
    record_, code = accounts.issue_access_code(make_staff(Role.CEM), clock.now, customer)
    accounts.activate(customer.reference, code, "cust@test.example", PASSWORD, clock.now)
    letter = make_arrangement(customer).letter_id
    db.session.commit()
    answer = client.post(
        "/sign-in",
        data={
            "csrf_token": csrf_token(client, "/sign-in"),
            "email": "cust@test.example",
            "password": PASSWORD,
        },
    )
    assert answer.status_code == 303
    return letter


def _tamper(sql: str, **params) -> None:
    db.session.execute(text(sql), params)
    db.session.commit()
    db.session.expire_all()


def _kept() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(LetterFile.id)))


@pytest.mark.parametrize("large", [False, True])
def test_a_pdf_is_made_once_and_the_same_bytes_sent_ever_after(
    client, staff, letter_id, monkeypatch, large
):
    url = f"/staff/letters/{letter_id}/pdf" + ("?print=large" if large else "")
    first = client.get(url)
    assert first.status_code == 200
    assert first.mimetype == "application/pdf"
    assert first.headers["ETag"] == f'"{hashlib.sha256(first.data).hexdigest()}"'
    assert _kept() == 1

    # The templates change (a new layout, new CSS): the letter already made does not.
    monkeypatch.setattr(files, "render_pdf", lambda *a, **k: b"%PDF-1.7 a new layout")
    again = client.get(url)
    assert again.data == first.data
    assert again.headers["ETag"] == first.headers["ETag"]
    assert _kept() == 1
    [made] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "letter.pdf_kept")
    ).all()
    assert made.after["sha256"] == hashlib.sha256(first.data).hexdigest()
    assert find_breaks() == []


def test_a_browser_that_has_the_pdf_is_told_so(client, staff, letter_id):
    first = client.get(f"/staff/letters/{letter_id}/pdf")

    unchanged = client.get(
        f"/staff/letters/{letter_id}/pdf", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert unchanged.status_code == 304
    assert unchanged.data == b""
    assert unchanged.headers["ETag"] == first.headers["ETag"]
    other = client.get(f"/staff/letters/{letter_id}/pdf", headers={"If-None-Match": '"x"'})
    assert other.status_code == 200


def test_standard_and_large_print_are_kept_apart(client, staff, letter_id):
    standard = client.get(f"/staff/letters/{letter_id}/pdf")
    large = client.get(f"/staff/letters/{letter_id}/pdf?print=large")

    assert standard.data != large.data
    assert _kept() == 2


def test_staff_are_refused_a_letter_whose_content_was_altered(client, staff, letter_id):
    _tamper("UPDATE letter SET body_html = '<p>Rewritten</p>' WHERE id = :id", id=letter_id)

    for url in (f"/staff/letters/{letter_id}", f"/staff/letters/{letter_id}/pdf"):
        soup = check_page(client.get(url), 409)
        assert soup.h1.get_text(strip=True) == "This letter has been altered"
        assert "Rewritten" not in soup.get_text()
    assert _kept() == 0


def test_staff_are_refused_a_kept_pdf_that_was_altered(client, staff, letter_id):
    client.get(f"/staff/letters/{letter_id}/pdf")
    _tamper("UPDATE letter_file SET content = :forged", forged=b"%PDF-1.7 forged")

    soup = check_page(client.get(f"/staff/letters/{letter_id}/pdf"), 409)
    assert soup.h1.get_text(strip=True) == "This letter has been altered"


def test_the_customer_downloads_the_kept_pdf(client, customer_letter):
    page = check_page(client.get(f"/letters/{customer_letter}"))
    assert page.h1 is not None
    first = client.get(f"/letters/{customer_letter}/pdf")
    assert first.status_code == 200
    assert first.data.startswith(b"%PDF")
    unchanged = client.get(
        f"/letters/{customer_letter}/pdf", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert unchanged.status_code == 304
    assert _kept() == 1


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("en", "We cannot show this letter"),
        ("pl", "Nie możemy wyświetlić tego listu"),
        ("ur", "ہم یہ خط نہیں دکھا سکتے"),
        ("ar", "لا يمكننا عرض هذه الرسالة"),
    ],
)
def test_the_customer_is_refused_an_altered_letter_in_their_language(
    client, customer_letter, language, heading
):
    client.post(
        "/language",
        data={"csrf_token": csrf_token(client, "/home"), "lang": language, "back": "/home"},
    )
    _tamper("UPDATE letter SET body_html = '<p>Rewritten</p>' WHERE id = :id", id=customer_letter)

    for url in (f"/letters/{customer_letter}", f"/letters/{customer_letter}/pdf"):
        soup = check_page(client.get(url), 409)
        assert soup.h1.get_text(strip=True) == heading
        assert "Rewritten" not in soup.get_text()


def test_the_customer_is_refused_an_altered_kept_pdf(client, customer_letter):
    client.get(f"/letters/{customer_letter}/pdf?print=large")
    _tamper("UPDATE letter_file SET sha256 = :forged", forged="0" * 64)

    soup = check_page(client.get(f"/letters/{customer_letter}/pdf?print=large"), 409)
    assert soup.h1.get_text(strip=True) == "We cannot show this letter"


def test_the_worker_keeps_a_new_letters_pdfs_before_anyone_downloads_them(
    client, staff, clock, letter_id, monkeypatch
):
    from datetime import time

    from portal import worker

    # The PDFs are made by the worker's next pass, from the letter as issued...
    done = worker.run_pass("worker-0", time(7), lambda: clock.now, jobs=())
    assert "letters: kept 2 PDFs" in done.steps
    assert _kept() == 2
    made = {
        f.variant: f.content
        for f in db.session.scalars(select(LetterFile).where(LetterFile.letter_id == letter_id))
    }

    # ...so a template changed before the first download changes nothing.
    monkeypatch.setattr(files, "render_pdf", lambda *a, **k: b"%PDF-1.7 a new layout")
    assert client.get(f"/staff/letters/{letter_id}/pdf").data == made["standard"]
    assert client.get(f"/staff/letters/{letter_id}/pdf?print=large").data == made["large_print"]

    # A later pass has nothing left to make.
    again = worker.run_pass("worker-0", time(7), lambda: clock.now, jobs=())
    assert "letters: kept 0 PDFs" in again.steps
    assert find_breaks() == []


def test_the_worker_leaves_an_altered_letter_for_the_page_to_refuse(
    client, staff, clock, letter_id
):
    from datetime import time

    from portal import worker

    _tamper("UPDATE letter SET body_html = '<p>Something else</p>' WHERE id = :id", id=letter_id)
    done = worker.run_pass("worker-0", time(7), lambda: clock.now, jobs=())
    assert "letters: kept 0 PDFs" in done.steps
    assert _kept() == 0
    assert client.get(f"/staff/letters/{letter_id}/pdf").status_code == 409
