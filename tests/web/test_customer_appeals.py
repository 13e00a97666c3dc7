"""The customer's appeal journey through the pages (§9.1–9.2), and who may reach it."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from portal import db
from portal.accounts import services as accounts
from portal.accounts.models import CustomerAccount
from portal.appeals import for_customer
from portal.appeals import services as appeals
from portal.appeals.models import Appeal, AppealChannel, AppealOutcome, AppealStatus
from portal.auth.models import Role
from tests.conftest import csrf_token
from tests.pages import check_page

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
    return _signed_in(client)


def _signed_in(client):
    """Sign the customer in (again, after the clock has moved on past their session)."""
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
    interpreter = {"needs_interpreter": "yes", "interpreter_language": "Polish"}
    answered = _post(client, f"{base}/support", interpreter)
    assert answered.headers["Location"].endswith(f"{base}/support/letters")
    letters = _post(client, f"{base}/support/letters", {"preferred_format": "large_print"})
    assert letters.headers["Location"].endswith(f"{base}/support/representative")
    _post(client, f"{base}/support/representative", {"representative": ""})
    done = _post(client, f"{base}/support/other", {"other_support": ""})
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
    _signed_in(customer_client)
    _post(client, f"{base}/support", {"needs_interpreter": "no"})
    moved = _post(client, f"{base}/support/other", {"other_support": ""})
    assert moved.headers["Location"].endswith(f"{base}/late")
    _post(client, f"{base}/late", {"late_reason": "I was in hospital."})
    check = client.get(f"{base}/check")
    key = re.search(r'value="([0-9a-f]{32})"', check.text).group(1)
    sent = _post(client, f"{base}/check", {"submission_key": key})
    assert sent.status_code == 303
    assert db.session.get(Appeal, appeal_id).late


@pytest.mark.parametrize(
    ("page", "answer", "shown"),
    [
        ("reasons", {"grounds": "Changed my reasons."}, "Changed my reasons."),
        ("new-information", {"new_information": "A new fact."}, "A new fact."),
        ("support", {"needs_interpreter": "yes", "interpreter_language": "Urdu"}, "Urdu"),
        ("late", {"late_reason": "I was away."}, "I was away."),
    ],
)
def test_an_answer_changed_from_the_check_page_goes_back_to_it(
    customer_client, restricted, page, answer, shown
):
    appeal_id = _start(customer_client, restricted)
    base = f"/appeals/{appeal_id}"
    saved = _post(customer_client, f"{base}/{page}?then=check", answer)
    assert saved.status_code == 303 and saved.headers["Location"].endswith(f"{base}/check")
    assert shown in customer_client.get(f"{base}/{page}").text


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


# --- what the customer may still do, per state (§9.2, §9.4) -----------------------------------


@pytest.fixture
def cem(make_staff):
    return make_staff(Role.CEM, name="Cara Experience")


@pytest.fixture
def other_glt(make_staff):
    return make_staff(Role.GLT, name="Otto Leader")


def _lodged(restricted, now, late_reason=""):
    appeal = appeals.start_draft(now, restricted)
    appeals.save_answers(
        now, appeal, appeals.Answers(grounds="It was unfair.", late_reason=late_reason or None)
    )
    appeals.lodge(restricted.customer, now, appeal, f"k{appeal.id}")
    db.session.commit()
    return appeal


def _appeal_count() -> int:
    return db.session.scalar(select(func.count(Appeal.id)))


@pytest.mark.policy("9.4")
def test_after_the_outcome_there_is_no_further_appeal(
    customer_client, restricted, clock, cem, other_glt
):
    appeal = _lodged(restricted, clock.now)
    appeals.acknowledge(cem, clock.now, appeal)
    appeals.refer_to_glt(cem, clock.now, appeal)
    appeals.glt_decide(other_glt, clock.now, appeal, AppealOutcome.UPHELD, "It was reasonable.")
    appeals.send_outcome(cem, clock.now, appeal)
    db.session.commit()
    index = check_page(customer_client.get("/appeals"))
    assert "Start an appeal" not in index.text and "Carry on" not in index.text
    assert "There is no further appeal against this decision." in index.text
    refused = customer_client.post(
        f"/appeals/start/{restricted.id}",
        data={"csrf_token": csrf_token(customer_client, "/appeals")},
    )
    assert refused.status_code == 303 and _appeal_count() == 1
    told = customer_client.get(refused.headers["Location"]).text
    assert "there is no further appeal" in told and "already appealed" not in told
    progress = check_page(customer_client.get(f"/appeals/{appeal.id}"))
    assert "The restriction stays as it is" in progress.text
    assert progress.find("a", string="Read the outcome letter")["href"] == (
        f"/letters/{appeal.outcome_letter_id}"
    )
    assert "there is no further appeal against this decision" in progress.text
    assert "We will write to you with the outcome by" not in progress.text


@pytest.mark.policy("9.2")
@pytest.mark.policy("9.4")
def test_a_refused_late_appeal_promises_nothing_more(customer_client, restricted, clock, cem):
    clock.now = datetime(2027, 5, 10, 10, tzinfo=UTC)
    _signed_in(customer_client)
    appeal = _lodged(restricted, clock.now, late_reason="I forgot.")
    waiting = check_page(customer_client.get(f"/appeals/{appeal.id}")).text
    assert "will first decide whether to accept it" in waiting
    assert "We will pass it to the Group Leadership Team" not in waiting
    appeals.decide_late(cem, clock.now, appeal, False, "Nothing stopped you appealing in time.")
    db.session.commit()
    page = check_page(customer_client.get(f"/appeals/{appeal.id}"))
    assert "We did not accept your late appeal" in page.text
    assert "We will pass it to the Group Leadership Team" not in page.text
    assert "We will write to you with the outcome by" not in page.text
    assert page.find("a", string="Read our letter explaining why")["href"] == (
        f"/letters/{appeal.late_letter_id}"
    )
    assert "There is no further appeal against this decision." in page.text
    index = customer_client.get("/appeals").text
    assert "Start a late appeal" not in index and "Start an appeal" not in index


def test_starting_again_while_an_appeal_is_dealt_with_says_so(customer_client, restricted, clock):
    _lodged(restricted, clock.now)
    index = customer_client.get("/appeals").text
    assert "You have appealed against this decision." in index and "Start an" not in index
    response = customer_client.post(
        f"/appeals/start/{restricted.id}",
        data={"csrf_token": csrf_token(customer_client, "/appeals")},
    )
    assert "You have already appealed against this decision." in (
        customer_client.get(response.headers["Location"]).text
    )
    assert _appeal_count() == 1


@pytest.mark.policy("9.2")
def test_after_the_last_day_the_page_offers_a_late_appeal(customer_client, restricted, clock):
    clock.now = datetime(2027, 4, 20, 22, 59, tzinfo=UTC)  # 23:59 BST, the last day
    _signed_in(customer_client)
    on_time = customer_client.get("/appeals").text
    assert "You have until Tuesday 20 April 2027 to appeal." in on_time
    assert "Start an appeal" in on_time
    clock.now = datetime(2027, 4, 20, 23, 0, tzinfo=UTC)  # 00:00 BST, the day after
    late = customer_client.get("/appeals").text
    assert "You have until" not in late
    assert "The last day to appeal was Tuesday 20 April 2027." in late
    assert "Tell us why your appeal is late" in late and "Start a late appeal" in late


def test_the_interpreter_question_is_never_answered_for_the_customer(customer_client, restricted):
    appeal_id = _start(customer_client, restricted)
    base = f"/appeals/{appeal_id}"
    _post(customer_client, f"{base}/reasons", {"grounds": "Reasons."})
    _post(customer_client, f"{base}/new-information", {"new_information": "More."})
    page = check_page(customer_client.get(f"{base}/support"))
    assert page.select('input[name="needs_interpreter"][checked]') == []
    assert "Not answered yet" in customer_client.get(f"{base}/check").text
    _post(customer_client, f"{base}/support", {"needs_interpreter": "no"})
    page = check_page(customer_client.get(f"{base}/support"))
    assert [i["value"] for i in page.select('input[name="needs_interpreter"][checked]')] == ["no"]


# --- the customer's own files -----------------------------------------------------------------

PDF = b"%PDF-1.4 evidence"


def _upload(client, appeal_id, name, content=PDF):
    base = f"/appeals/{appeal_id}"
    return client.post(
        f"{base}/evidence",
        data={
            "csrf_token": csrf_token(client, f"{base}/new-information"),
            "file-evidence": (io.BytesIO(content), name),
        },
        content_type="multipart/form-data",
    )


def test_the_customer_opens_and_removes_their_own_files(app, customer_client, restricted):
    appeal_id = _start(customer_client, restricted)
    assert _upload(customer_client, appeal_id, "letter.pdf").status_code == 303
    assert (
        _upload(customer_client, appeal_id, "photo.png", b"\x89PNG\r\n\x1a\n...").status_code == 303
    )
    letter, photo = db.session.get(Appeal, appeal_id).evidence
    page = check_page(customer_client.get(f"/appeals/{appeal_id}/new-information"))
    link = f"/appeals/{appeal_id}/evidence/{letter.id}"
    assert page.find("a", href=link) is not None
    opened = customer_client.get(link)
    assert opened.status_code == 200 and opened.data == PDF
    assert opened.headers["Content-Type"] == "application/pdf"
    assert opened.headers["Content-Disposition"].startswith("attachment;")
    assert "letter.pdf" in opened.headers["Content-Disposition"]
    assert customer_client.get(f"/static/uploads/appeals/{letter.stored_name}").status_code == 404
    stored = app.config["UPLOAD_DIR"] / "appeals" / photo.stored_name
    assert stored.is_file()
    removed = customer_client.post(
        f"/appeals/{appeal_id}/evidence/{photo.id}/remove",
        data={"csrf_token": csrf_token(customer_client, f"/appeals/{appeal_id}/new-information")},
    )
    assert removed.status_code == 303
    db.session.expire_all()
    assert [e.original_name for e in db.session.get(Appeal, appeal_id).evidence] == ["letter.pdf"]
    assert not stored.exists()
    assert "You removed photo.png." in customer_client.get(removed.headers["Location"]).text
    assert customer_client.get(f"/appeals/{appeal_id}/evidence/{photo.id}").status_code == 404


def test_files_of_a_sent_appeal_can_be_opened_but_not_removed(customer_client, restricted, clock):
    appeal_id = _start(customer_client, restricted)
    _upload(customer_client, appeal_id, "letter.pdf")
    _post(customer_client, f"/appeals/{appeal_id}/reasons", {"grounds": "Reasons."})
    appeal = db.session.get(Appeal, appeal_id)
    appeals.lodge(restricted.customer, clock.now, appeal, "k")
    db.session.commit()
    item = appeal.evidence[0]
    assert customer_client.get(f"/appeals/{appeal_id}/evidence/{item.id}").data == PDF
    refused = customer_client.post(
        f"/appeals/{appeal_id}/evidence/{item.id}/remove",
        data={"csrf_token": csrf_token(customer_client, "/appeals")},
    )
    assert refused.status_code == 303 and refused.headers["Location"].endswith(
        f"/appeals/{appeal_id}"
    )
    db.session.expire_all()
    assert len(db.session.get(Appeal, appeal_id).evidence) == 1


def test_files_up_to_10_mb_are_taken_and_one_byte_more_is_not(app, customer_client, restricted):
    limit = app.config["MAX_ATTACHMENT_BYTES"]
    assert limit == 10 * 2**20
    appeal_id = _start(customer_client, restricted)
    at_limit = PDF + b"0" * (limit - len(PDF))
    assert _upload(customer_client, appeal_id, "big.pdf", at_limit).status_code == 303
    over = _upload(customer_client, appeal_id, "bigger.pdf", at_limit + b"0")
    assert over.status_code == 422
    assert "The file must be smaller than 10 MB" in over.text
    sizes = [e.size_bytes for e in db.session.get(Appeal, appeal_id).evidence]
    assert sizes == [limit]


@pytest.mark.parametrize(
    ("sent_as", "kept_as"),
    [
        ("wit\x00ness.pdf", "witness.pdf"),
        ("شهادة‮ 證據 🙂.pdf", "شهادة 證據 🙂.pdf"),
    ],
)
def test_odd_file_names_are_cleaned_not_a_500(customer_client, restricted, sent_as, kept_as):
    appeal_id = _start(customer_client, restricted)
    assert _upload(customer_client, appeal_id, sent_as).status_code == 303
    item = db.session.get(Appeal, appeal_id).evidence[0]
    assert item.original_name == kept_as
    opened = customer_client.get(f"/appeals/{appeal_id}/evidence/{item.id}")
    assert opened.status_code == 200 and "\x00" not in opened.headers["Content-Disposition"]


@pytest.mark.policy("9.1")
@pytest.mark.policy("9.4")
def test_the_progress_page_follows_the_appeal(customer_client, restricted, clock, cem, other_glt):
    appeal = _lodged(restricted, clock.now)  # Fri 19 Mar 2027
    appeals.acknowledge(cem, datetime(2027, 3, 22, 9, tzinfo=UTC), appeal)
    db.session.commit()
    page = check_page(customer_client.get(f"/appeals/{appeal.id}"))
    assert "We have received your appeal and written to you about it" in page.text
    assert page.find("a", href=f"/letters/{appeal.acknowledgement_letter_id}") is not None
    assert "We will write to you with the outcome by Tuesday 20 April 2027." in page.text
    appeals.refer_to_glt(cem, datetime(2027, 3, 24, 9, tzinfo=UTC), appeal)
    appeals.glt_decide(
        other_glt, datetime(2027, 4, 6, 9, tzinfo=UTC), appeal, AppealOutcome.UPHELD, "Fair."
    )
    db.session.commit()
    page = check_page(customer_client.get(f"/appeals/{appeal.id}")).text
    assert "The Group Leadership Team decided on Tuesday 6 April 2027." in page
    # Told within 5 working days of the review (§9.4): by Tuesday 13 April.
    assert "We will write to you with the outcome by Tuesday 13 April 2027." in page
    assert "Being reviewed" not in page and "letter being prepared" not in page


@pytest.mark.policy("9.2")
def test_point2_a_draft_closed_by_an_appeal_taken_by_phone_is_explained(
    customer_client, restricted, clock, cem
):
    """The customer started online, then phoned: the appeals page says their appeal was
    taken by phone that day and their draft closed unsent; its pages lead there."""
    draft = appeals.start_draft(clock.now, restricted)
    appeals.save_answers(clock.now, draft, appeals.Answers(grounds="Typed online."))
    db.session.commit()
    token = csrf_token(customer_client, f"/appeals/{draft.id}/check")  # the page left open
    for_customer.lodge_for_customer(
        cem,
        clock.now,
        restricted.customer,
        restricted.id,
        appeals.Answers(grounds="Said on the phone."),
        "k-phone",
        channel=AppealChannel.PHONE,
        received_at=clock.now,
    )
    db.session.commit()
    page = check_page(customer_client.get("/appeals"))
    [line] = page.select(".closed-draft")
    assert " ".join(line.get_text().split()) == (
        "We took your appeal by phone on Friday 19 March 2027. The appeal you started online "
        "was closed without being sent. If you want us to know something you wrote in it, "
        "contact us."
    )
    for path in ("/reasons", "/check", "/support/letters", "/new-information", "/late"):
        answer = customer_client.get(f"/appeals/{draft.id}{path}")
        assert (answer.status_code, answer.location) == (303, "/appeals"), path
    sent = customer_client.post(
        f"/appeals/{draft.id}/check", data={"csrf_token": token, "submission_key": "k-late"}
    )
    assert sent.status_code == 409
    assert "You have already appealed against this decision." in sent.text
    assert db.session.get(Appeal, draft.id).is_draft


def test_point13_a_question_page_sends_two_statements(customer_client, restricted, count_queries):
    """The session with its holder and the organisation, and the draft with its restriction
    and whether an appeal was already sent against the same decision: nothing else, the
    organisation included, is read again."""
    appeal_id = _start(customer_client, restricted)
    url = f"/appeals/{appeal_id}/reasons"
    assert customer_client.get(url).status_code == 200
    db.session.expunge_all()
    with count_queries() as counter:
        page = customer_client.get(url)
    assert page.status_code == 200
    assert counter.count <= 2, counter.statements
