"""The customer's appeal journey through the pages (§9.1–9.2), and who may reach it."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from portal import db
from portal.appeals.models import Appeal, AppealStatus
from portal.customer import services as accounts
from portal.customer.models import CustomerAccount
from tests.conftest import csrf_token

PASSWORD = "a long enough password"


@pytest.fixture
def restricted(restriction_in_force, clock):
    clock.now = datetime(2027, 3, 19, 10, tzinfo=UTC)
    return restriction_in_force(now=clock.now)


@pytest.fixture
def customer_client(app, client, clock, restricted):
    account = CustomerAccount(
        customer_id=restricted.customer_id,
        email="cust@test.example",
        password_hash=accounts.hash_password(PASSWORD),
        activated_at=clock.now,
        password_changed_at=clock.now,
    )
    db.session.add(account)
    db.session.commit()
    client.post(
        "/sign-in",
        data={
            "csrf_token": csrf_token(client, "/sign-in"),
            "email": "cust@test.example",
            "password": PASSWORD,
        },
    )
    return client


def _post(client, url, data, **kw):
    return client.post(url, data={"csrf_token": csrf_token(client, url), **data}, **kw)


def _start(client, restricted):
    response = client.post(
        f"/appeals/start/{restricted.id}", data={"csrf_token": csrf_token(client, "/appeals")}
    )
    assert response.status_code == 303
    return int(re.search(r"/appeals/(\d+)/reasons", response.headers["Location"]).group(1))


@pytest.mark.policy("9.1")
def test_the_appeals_page_shows_the_deadline_as_a_date(customer_client):
    page = customer_client.get("/appeals")
    assert "You have until Tuesday 20 April 2027 to appeal." in page.text


@pytest.mark.policy("9.1")
@pytest.mark.policy("9.2")
def test_the_whole_journey_one_question_per_page(customer_client, restricted):
    client = customer_client
    appeal_id = _start(client, restricted)
    base = f"/appeals/{appeal_id}"
    empty = _post(client, f"{base}/reasons", {"grounds": "   "})
    assert empty.status_code == 422
    assert "Tell us why the decision should be changed" in empty.text
    assert _post(client, f"{base}/reasons", {"grounds": "The report was wrong."}).status_code == 303
    pdf = (io.BytesIO(b"%PDF-1.4 evidence"), "letter.pdf")
    upload = client.post(
        f"{base}/evidence",
        data={"csrf_token": csrf_token(client, f"{base}/new-information"), "file-evidence": pdf},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 303
    exe = (io.BytesIO(b"MZ\x90\x00"), "run.exe")
    refused = client.post(
        f"{base}/evidence",
        data={"csrf_token": csrf_token(client, f"{base}/new-information"), "file-evidence": exe},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    assert "Send a PDF" in refused.text
    assert _post(client, f"{base}/new-information", {"new_information": ""}).status_code == 303
    need = _post(
        client, f"{base}/support", {"needs_interpreter": "yes", "interpreter_language": ""}
    )
    assert need.status_code == 422
    assert "which language" in need.text
    done = _post(
        client,
        f"{base}/support",
        {
            "needs_interpreter": "yes",
            "interpreter_language": "Polish",
            "preferred_format": "large_print",
        },
    )
    assert done.headers["Location"].endswith(f"{base}/check")
    check = client.get(f"{base}/check")
    assert "The report was wrong." in check.text and "letter.pdf" in check.text
    key = re.search(r'name="submission_key"[^>]*value="([0-9a-f]+)"', check.text)
    key = key.group(1) if key else re.search(r'value="([0-9a-f]{32})"', check.text).group(1)
    token = csrf_token(client, f"{base}/check")
    first = client.post(f"{base}/check", data={"csrf_token": token, "submission_key": key})
    second = client.post(f"{base}/check", data={"csrf_token": token, "submission_key": key})
    assert first.status_code == 303 and second.status_code == 303
    assert db.session.scalar(select(func.count(Appeal.id))) == 1
    sent = client.get(first.headers["Location"])
    assert "Your appeal has been sent" in sent.text
    appeal = db.session.get(Appeal, appeal_id)
    assert appeal.status == AppealStatus.LODGED and appeal.needs_interpreter
    assert "We will acknowledge it by Tuesday 23 March 2027." in sent.text
    assert "We will pass it to the Group Leadership Team by Tuesday 30 March 2027." in sent.text


@pytest.mark.policy("9.2")
def test_a_late_appeal_asks_why_before_it_can_be_sent(customer_client, restricted, clock):
    client = customer_client
    appeal_id = _start(client, restricted)
    base = f"/appeals/{appeal_id}"
    _post(client, f"{base}/reasons", {"grounds": "Reasons."})
    clock.now = datetime(2027, 4, 21, 9, tzinfo=UTC)
    moved = _post(client, f"{base}/support", {"needs_interpreter": "no"})
    assert moved.headers["Location"].endswith(f"{base}/late")
    _post(client, f"{base}/late", {"late_reason": "I was in hospital."})
    check = client.get(f"{base}/check")
    key = re.search(r'value="([0-9a-f]{32})"', check.text).group(1)
    sent = _post(client, f"{base}/check", {"submission_key": key})
    assert sent.status_code == 303
    assert db.session.get(Appeal, appeal_id).late


def test_a_half_finished_appeal_is_kept_as_a_draft(customer_client, restricted):
    client = customer_client
    appeal_id = _start(client, restricted)
    _post(client, f"/appeals/{appeal_id}/reasons", {"grounds": "Kept for later."})
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/home")})
    _post(client, "/sign-in", {"email": "cust@test.example", "password": PASSWORD})
    page = client.get("/appeals")
    assert "Carry on with your appeal" in page.text
    again = _start(client, restricted)
    assert again == appeal_id
    assert "Kept for later." in client.get(f"/appeals/{appeal_id}/reasons").text


def test_another_customers_appeal_pages_are_not_found(
    customer_client, restricted, restriction_in_force, clock
):
    other = restriction_in_force(now=clock.now)
    from portal.appeals import services as appeals

    draft = appeals.start_draft(clock.now, other)
    db.session.commit()
    client = customer_client
    for path in ("/reasons", "/new-information", "/support", "/late", "/check", ""):
        assert client.get(f"/appeals/{draft.id}{path}").status_code == 404
    assert (
        client.post(
            f"/appeals/start/{other.id}", data={"csrf_token": csrf_token(client, "/appeals")}
        ).status_code
        == 404
    )


def test_signed_out_visitors_are_sent_to_sign_in(client, restricted):
    response = client.get("/appeals")
    assert response.status_code == 303 and "/sign-in" in response.headers["Location"]


def test_a_forged_csrf_token_saves_nothing(customer_client, restricted):
    appeal_id = _start(customer_client, restricted)
    response = customer_client.post(
        f"/appeals/{appeal_id}/reasons", data={"csrf_token": "forged", "grounds": "x"}
    )
    assert response.status_code == 400
    assert db.session.get(Appeal, appeal_id).grounds == ""


def test_huge_and_odd_text_never_gives_a_500(customer_client, restricted):
    appeal_id = _start(customer_client, restricted)
    base = f"/appeals/{appeal_id}"
    huge = _post(customer_client, f"{base}/reasons", {"grounds": "x" * 20000})
    assert huge.status_code == 422
    odd = _post(customer_client, f"{base}/reasons", {"grounds": "‮ زبان 𝔘𝔫𝔦 \x00 ok"})
    assert odd.status_code == 303
    assert "\x00" not in db.session.get(Appeal, appeal_id).grounds
    assert customer_client.get("/appeals/99999999999/reasons").status_code == 404
    assert customer_client.get(f"{base}/check", query_string={"then": "\r\n"}).status_code == 200
