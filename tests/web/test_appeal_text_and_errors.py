"""Issue 16, points 16 and 17: nothing typed is lost when a file is added or a form is sent
back (the appeal's new information, an incident report's photo), and the appeal's pages follow
one error pattern (summary linked to the field, message beside it, 422, "Error:" title), ask
one question a page and have a Back link."""

# The appeal journey's fixtures are imported, then named as test arguments:
# ruff: noqa: F811

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from portal import db
from portal.appeals.models import Appeal
from portal.incidents.models import Attachment, Incident
from tests.conftest import csrf_token
from tests.pages import check_page, errors_on
from tests.web.forms import incident_form
from tests.web.test_customer_appeals import (  # noqa: F401
    _post,
    _signed_in,
    _start,
    customer_client,
    restricted,
)

PDF = b"%PDF-1.4 evidence"
TYPED = "The neighbour who complained has since apologised."


def _send(client, appeal_id, data, then=""):
    url = f"/appeals/{appeal_id}/new-information{then}"
    return client.post(
        url,
        data={"csrf_token": csrf_token(client, f"/appeals/{appeal_id}/new-information"), **data},
        content_type="multipart/form-data",
    )


def _files(appeal_id) -> list[str]:
    db.session.expire_all()
    return [e.original_name for e in db.session.get(Appeal, appeal_id).evidence]


# --- point 16: text is kept ---------------------------------------------------------------------


def test_adding_a_file_keeps_the_new_information_typed(customer_client, restricted):
    appeal_id = _start(customer_client, restricted)
    added = _send(
        customer_client,
        appeal_id,
        {"new_information": TYPED, "evidence": (io.BytesIO(PDF), "apology.pdf"), "action": "add"},
    )
    assert added.status_code == 303
    assert added.headers["Location"].endswith(f"/appeals/{appeal_id}/new-information")
    assert _files(appeal_id) == ["apology.pdf"]
    assert db.session.get(Appeal, appeal_id).new_information == TYPED
    page = check_page(customer_client.get(added.headers["Location"]))
    assert page.find("textarea", id="new_information").get_text().strip() == TYPED
    assert "Your file has been added." in page.text
    # Text and file are on one form, so the file's button sends the text too.
    forms = [f for f in page.find_all("form") if f.find("textarea", id="new_information")]
    assert len(forms) == 1 and forms[0].find("input", type="file") is not None
    assert forms[0]["enctype"] == "multipart/form-data"


def test_removing_a_file_keeps_the_new_information_typed(customer_client, restricted):
    appeal_id = _start(customer_client, restricted)
    _send(customer_client, appeal_id, {"evidence": (io.BytesIO(PDF), "old.pdf"), "action": "add"})
    item = db.session.get(Appeal, appeal_id).evidence[0]
    removed = _send(customer_client, appeal_id, {"new_information": TYPED, "remove": str(item.id)})
    assert removed.status_code == 303
    assert _files(appeal_id) == []
    assert db.session.get(Appeal, appeal_id).new_information == TYPED
    assert "You removed old.pdf." in customer_client.get(removed.headers["Location"]).text


def test_a_refused_file_keeps_the_text_typed_beside_its_message(customer_client, restricted):
    appeal_id = _start(customer_client, restricted)
    refused = _send(
        customer_client,
        appeal_id,
        {"new_information": TYPED, "evidence": (io.BytesIO(b"MZ\x90"), "run.exe"), "action": "add"},
    )
    page = check_page(refused, 422)
    assert page.find("textarea", id="new_information").get_text().strip() == TYPED
    assert "Send a PDF" in errors_on(page)["evidence"]
    assert _files(appeal_id) == []


def test_a_file_that_cannot_be_kept_after_an_error_is_asked_for_again(customer_client, restricted):
    appeal_id = _start(customer_client, restricted)
    too_long = "x" * 5001
    refused = _send(
        customer_client,
        appeal_id,
        {"new_information": too_long, "evidence": (io.BytesIO(PDF), "apology.pdf")},
    )
    page = check_page(refused, 422)
    assert page.find("textarea", id="new_information").get_text().strip() == too_long
    beside = page.find(id="evidence-error").get_text(" ", strip=True)
    assert "apology.pdf has not been added. Choose it again" in beside
    assert set(errors_on(page)) == {"new_information", "evidence"}
    assert _files(appeal_id) == []


def test_save_and_continue_with_a_file_chosen_adds_it_and_goes_on(customer_client, restricted):
    appeal_id = _start(customer_client, restricted)
    saved = _send(
        customer_client,
        appeal_id,
        {"new_information": TYPED, "evidence": (io.BytesIO(PDF), "apology.pdf")},
        then="?then=check",
    )
    assert saved.headers["Location"].endswith(f"/appeals/{appeal_id}/check")
    assert _files(appeal_id) == ["apology.pdf"]


def test_a_rejected_incident_report_keeps_what_was_typed_and_asks_for_the_photo_again(
    post, act_as, tenant, people
):
    act_as("colleague")
    data = incident_form(
        tenant,
        people.line_manager,
        occurred_on="",  # forgotten: the form comes back
        description="Shouted at me on the doorstep.",
        evidence=(io.BytesIO(b"\xff\xd8\xff photo"), "doorstep.jpg"),
    )
    page = check_page(post("/staff/incidents/new", data, content_type="multipart/form-data"), 422)
    assert page.find("textarea", id="description").get_text().strip() == (
        "Shouted at me on the doorstep."
    )
    assert page.find(id="customer_reference")["value"] == tenant.reference
    told = errors_on(page)
    assert "occurred_on" in told
    assert "Attach doorstep.jpg again" in told["evidence"]
    assert "Attach doorstep.jpg again" in page.find(id="evidence-error").get_text()
    assert db.session.scalar(select(func.count(Incident.id))) == 0
    assert db.session.scalar(select(func.count(Attachment.id))) == 0


# --- point 17: one error pattern, one question a page, a Back link --------------------------------


def test_add_this_file_with_no_file_shows_the_error_summary(customer_client, restricted):
    appeal_id = _start(customer_client, restricted)
    refused = _send(customer_client, appeal_id, {"new_information": TYPED, "action": "add"})
    page = check_page(refused, 422)
    assert page.title.get_text().startswith("Error:")
    assert errors_on(page) == {"evidence": "Choose a file to send"}
    assert "Choose a file to send" in page.find(id="evidence-error").get_text()
    assert page.find(id="evidence")["aria-describedby"].endswith("evidence-error")
    assert page.find("textarea", id="new_information").get_text().strip() == TYPED


@pytest.mark.policy("9.2")
def test_sending_before_the_reasons_shows_the_error_summary_linked_to_them(
    customer_client, restricted
):
    appeal_id = _start(customer_client, restricted)
    base = f"/appeals/{appeal_id}"
    check = check_page(customer_client.get(f"{base}/check"))
    key = check.find("input", attrs={"name": "submission_key"})["value"]
    sent = _post(customer_client, f"{base}/check", {"submission_key": key})
    page = check_page(sent, 422)
    assert page.title.get_text().startswith("Error:")
    assert errors_on(page) == {"grounds": "Tell us why the decision should be changed"}
    link = page.find(id="grounds")
    assert link.name == "a" and link["href"].endswith(f"{base}/reasons?then=check")
    assert link["aria-describedby"] == "grounds-error"
    assert "Tell us why the decision should be changed" in page.find(id="grounds-error").text
    assert db.session.get(Appeal, appeal_id).is_draft


@pytest.mark.policy("9.2")
def test_a_late_appeal_sent_without_its_reason_lists_both_missing_answers(
    customer_client, restricted, clock
):
    appeal_id = _start(customer_client, restricted)
    clock.now = datetime(2027, 4, 21, 9, tzinfo=UTC)
    _signed_in(customer_client)
    base = f"/appeals/{appeal_id}"
    key = check_page(customer_client.get(f"{base}/check")).find(
        "input", attrs={"name": "submission_key"}
    )["value"]
    page = check_page(_post(customer_client, f"{base}/check", {"submission_key": key}), 422)
    assert list(errors_on(page)) == ["grounds", "late_reason"]
    assert page.find(id="late_reason")["href"].endswith(f"{base}/late?then=check")


def test_support_you_need_asks_one_question_a_page(customer_client, restricted):
    appeal_id = _start(customer_client, restricted)
    base = f"/appeals/{appeal_id}"
    answers = [
        ("/support", {"needs_interpreter": "yes", "interpreter_language": "Urdu"}),
        ("/support/letters", {"preferred_format": "large_print"}),
        ("/support/representative", {"representative": "Asha, 07700 900123"}),
        ("/support/other", {"other_support": "Letters read to me by phone."}),
    ]
    for number, (path, answer) in enumerate(answers, start=1):
        page = check_page(customer_client.get(f"{base}{path}"))
        asked = {f["name"] for f in page.select("main form [name]")} - {"csrf_token"}
        # One question (the interpreter's language belongs to its "Yes").
        assert asked == set(answer), path
        assert f"Question {number} of 4" in page.text
        assert page.find("span", attrs={"aria-current": "step"}).text == "Support you need"
        saved = _post(customer_client, f"{base}{path}", answer)
        assert saved.status_code == 303
    assert saved.headers["Location"].endswith(f"{base}/check")
    check = customer_client.get(f"{base}/check").text
    for shown in ("Urdu", "Large print", "Asha, 07700 900123", "Letters read to me by phone."):
        assert shown in check
    assert customer_client.get(f"{base}/support/nonsense").status_code == 404


@pytest.mark.parametrize(
    ("path", "back"),
    [
        ("/reasons", "/appeals"),
        ("/new-information", "/reasons"),
        ("/support", "/new-information"),
        ("/support/letters", "/support"),
        ("/support/representative", "/support/letters"),
        ("/support/other", "/support/representative"),
        ("/check", "/support/other"),
        ("/reasons?then=check", "/check"),
        ("/support/letters?then=check", "/check"),
    ],
)
def test_every_appeal_step_has_a_back_link_to_the_step_before(
    customer_client, restricted, path, back
):
    appeal_id = _start(customer_client, restricted)
    page = check_page(customer_client.get(f"/appeals/{appeal_id}{path}"))
    link = page.select_one("a.back-link")
    expected = back if back == "/appeals" else f"/appeals/{appeal_id}{back}"
    assert link is not None and link["href"] == expected and link.text == "Back"
    assert link.find_parent("main") is None  # before <main>, as GOV.UK places it
    assert link.find_next("main") is not None


def test_the_late_step_goes_back_to_the_last_support_question(customer_client, restricted, clock):
    appeal_id = _start(customer_client, restricted)
    clock.now = datetime(2027, 4, 21, 9, tzinfo=UTC)
    _signed_in(customer_client)
    base = f"/appeals/{appeal_id}"
    late = check_page(customer_client.get(f"{base}/late"))
    assert late.select_one("a.back-link")["href"] == f"{base}/support/other"
    check = check_page(customer_client.get(f"{base}/check"))
    assert check.select_one("a.back-link")["href"] == f"{base}/late"
