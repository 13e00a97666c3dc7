"""The reasonable adjustments page (§12.1, §4.5): recording them from the customer's record,
what is refused beside each field with nothing saved, an edit made from an older copy, who
may, the box at the top of the record, and letters in large print by default."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from portal import db
from portal.audit.models import AuditEvent
from portal.customers.adjustments import AdjustmentDetails, for_customer, set_adjustments
from tests.pages import check_page, errors_on
from tests.web.forms import assert_field_error
from tests.web.routes import STAFF

ODD = "Mx O\u0301Brien \u200fقال\u200f \u202edlrow\u202c 👩🏽\u200d🔧 fixed it\x00!"


def url(customer) -> str:
    return f"/staff/customers/{customer.id}/adjustments"


def form(**overrides) -> dict:
    data = {
        "formats": ["large_print", "braille"],
        "interpreter": "y",
        "interpreter_language": "Tigrinya",
        "wants_advocate": "y",
        "contact_way": "phone",
        "contact_time": "Mornings, not before 10am",
        "other": "Needs extra time to reply.",
        "version": "0",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def stored(customer):
    db.session.expire_all()
    return for_customer(customer.id)


@pytest.fixture
def adjusted(make_customer, make_staff, clock):
    """A customer with large print, Braille and an interpreter recorded by someone else."""
    customer = make_customer(forename="Ada", surname="Adjusted")
    set_adjustments(
        make_staff(name="Rae Recorder"),
        clock.now,
        customer,
        0,
        AdjustmentDetails(
            formats=["large_print", "braille"],
            interpreter=True,
            interpreter_language="Polish",
            contact_way="email",
            contact_time="Afternoons",
        ),
    )
    db.session.commit()
    return customer


@pytest.mark.policy("12.1")
def test_a_colleague_records_adjustments_and_sees_them_at_the_top_of_the_record(
    client, act_as, post, make_customer
):
    customer = make_customer()
    act_as("colleague")
    record = check_page(client.get(f"/staff/customers/{customer.id}"))
    assert "No reasonable adjustments recorded" in record.find(id="adjustments").get_text()
    assert record.find("a", href=url(customer)) is not None
    page = check_page(client.get(url(customer)))
    assert page.find("input", attrs={"name": "version"})["value"] == "0"

    response = post(url(customer), form(), token_from=url(customer))

    assert response.status_code == 303, errors_on(check_page(response, response.status_code))
    assert urlsplit(response.headers["Location"]).path == f"/staff/customers/{customer.id}"
    row = stored(customer)
    assert row.formats == ["large_print", "braille"]
    assert (row.interpreter, row.interpreter_language) == (True, "Tigrinya")
    assert row.wants_advocate and row.contact_way == "phone"
    record = check_page(client.get(response.headers["Location"]))
    box = record.find(id="adjustments")
    said = box.get_text(" ", strip=True)
    assert "Reasonable adjustments saved" in record.get_text()
    for words in (
        "Large print, Braille",
        "Needed: Tigrinya",
        "Phone",
        "Mornings, not before 10am",
        "Needs extra time to reply.",
        "Send in Braille: the portal cannot make this format, so arrange it",
    ):
        assert words in said, said
    assert box.find("a", href="#representatives") is not None
    # Near the top: before the details and the representatives.
    text = record.get_text()
    assert text.index("Reasonable adjustments") < text.index("Representatives and advocates")
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "customer.adjustments_changed")
    ).one()
    assert event.entity_id == customer.id and event.after["braille"] is True


def test_the_form_shows_what_is_recorded(client, act_as, adjusted):
    act_as("colleague")
    page = check_page(client.get(url(adjusted)))
    ticked = {
        i["value"]
        for i in page.find_all("input", attrs={"name": "formats"})
        if i.has_attr("checked")
    }
    assert ticked == {"large_print", "braille"}
    assert page.find(id="interpreter_language")["value"] == "Polish"
    assert page.find("input", attrs={"name": "contact_way", "value": "email"}).has_attr("checked")
    assert page.find("input", attrs={"name": "version"})["value"] == "1"


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"formats": ["large_print", "smoke"]}, "formats", "Select options from the list"),
        ({"interpreter_language": ""}, "interpreter_language", "language the interpreter"),
        ({"interpreter_language": "x" * 5000}, "interpreter_language", "80 characters"),
        ({"contact_way": "pigeon"}, "contact_way", "way of contact from the list"),
        ({"contact_time": "x" * 201}, "contact_time", "200 characters"),
        ({"other": "x" * 100_000}, "other", "1000 characters"),
    ],
)
def test_bad_input_is_refused_beside_the_field_and_nothing_is_saved(
    client, act_as, post, table_counts, make_customer, changes, field, says
):
    customer = make_customer()
    act_as("colleague")
    before = table_counts()
    response = post(url(customer), form(**changes), token_from=url(customer))
    assert_field_error(response, field, says)
    assert table_counts() == before


@pytest.mark.parametrize("version", ["", "abc", "-1", "99999999999", "٣", "1.5"])
def test_an_odd_version_is_told_as_a_changed_record(
    client, act_as, post, table_counts, make_customer, version
):
    customer = make_customer()
    act_as("colleague")
    before = table_counts()
    response = post(url(customer), form(version=version), token_from=url(customer))
    page = check_page(response, 409)
    assert "Someone else saved these adjustments" in page.get_text()
    assert table_counts() == before


def test_odd_unicode_is_kept_and_shown(client, act_as, post, make_customer):
    customer = make_customer()
    act_as("colleague")
    response = post(url(customer), form(contact_time=ODD, other=ODD), token_from=url(customer))
    assert response.status_code == 303, errors_on(check_page(response, response.status_code))
    assert stored(customer).other == ODD.replace("\x00", "")
    record = check_page(client.get(response.headers["Location"]))
    assert ODD.replace("\x00", "") in record.find(id="adjustments").get_text()


@pytest.mark.policy("12.1")
def test_an_edit_from_an_older_copy_is_told_and_overwrites_nothing(
    client, act_as, post, adjusted, make_staff, clock
):
    act_as("colleague")
    page = check_page(client.get(url(adjusted)))
    version = page.find("input", attrs={"name": "version"})["value"]
    # Someone else saves while this colleague is typing.
    set_adjustments(
        make_staff(name="Quick Colleague"),
        clock.now,
        adjusted,
        1,
        AdjustmentDetails(formats=["audio"], contact_way="letter"),
    )
    db.session.commit()

    response = post(
        url(adjusted), form(version=version, contact_time="Evenings"), token_from=url(adjusted)
    )

    page = check_page(response, 409)
    assert "Someone else saved these adjustments" in page.get_text()
    assert "Evenings" in page.find(id="what-you-entered").get_text()
    assert page.find("input", attrs={"name": "version"})["value"] == "2"
    row = stored(adjusted)
    assert row.formats == ["audio"] and row.contact_time == ""


@pytest.mark.parametrize("how", ["missing", "forged"])
def test_a_form_without_a_good_csrf_token_saves_nothing(
    client, act_as, table_counts, make_customer, how
):
    customer = make_customer()
    act_as("colleague")
    before = table_counts()
    data = form()
    if how == "forged":
        data["csrf_token"] = "forged"
    check_page(client.post(url(customer), data=data), 400)
    assert table_counts() == before


def test_a_customer_that_does_not_exist_is_not_found(client, act_as, post):
    act_as("colleague")
    for customer_id in (999999, 2**31, 99999999999999999999):
        check_page(client.get(f"/staff/customers/{customer_id}/adjustments"), 404)
    check_page(post("/staff/customers/999999/adjustments", form()), 404)


# --- Who may -------------------------------------------------------------------------------------


@pytest.mark.policy("12.1")
@pytest.mark.parametrize("role", STAFF)
def test_every_colleague_who_may_edit_the_customer_may_record_them(
    client, act_as, post, make_customer, role
):
    customer = make_customer()
    act_as(role)
    check_page(client.get(url(customer)))
    assert post(url(customer), form(), token_from=url(customer)).status_code == 303


@pytest.mark.parametrize("who", ["customer", "signed_out"])
def test_customers_and_signed_out_visitors_are_refused(
    client, sign_in, post, account, adjusted, table_counts, who
):
    if who == "customer":
        sign_in(account)
    before = table_counts()
    sent = post(url(adjusted), form(version="1"), token_from="/staff/sign-in")
    for response in (client.get(url(adjusted)), sent):
        assert response.status_code in (302, 303), response.status_code
        assert urlsplit(response.headers["Location"]).path == "/staff/sign-in"
    assert table_counts() == before


def test_a_colleague_narrowed_out_of_editing_is_refused(
    client, act_as, post, make_customer, table_counts, monkeypatch
):
    from portal.auth import permissions

    customer = make_customer()
    act_as("colleague")
    monkeypatch.setattr(permissions, "can_edit_customer", lambda user: False)
    before = table_counts()
    # The service refuses, whatever the page's guard was given when the app was made.
    check_page(post(url(customer), form(), token_from="/staff/"), 403)
    assert table_counts() == before
    record = check_page(client.get(f"/staff/customers/{customer.id}"))
    assert record.find("a", href=url(customer)) is None


# --- Letters -------------------------------------------------------------------------------------


@pytest.mark.policy("12.1")
def test_letters_of_a_customer_with_large_print_come_in_large_print_by_default(
    client, act_as, adjusted, give_warning, clock
):
    warning = give_warning(adjusted, clock.now - timedelta(days=3))
    act_as("panel")
    page = check_page(client.get(f"/staff/letters/{warning.letter_id}"))
    links = [a["href"] for a in page.select("main a[href*='/pdf']")]
    assert links[0].endswith("/pdf?print=large")
    assert links[1].endswith("/pdf?print=standard")
    note = page.find(id="letter-adjustments").get_text(" ", strip=True)
    assert "Large print: send the large print PDF" in note
    assert "Send in Braille: the portal cannot make this format, so arrange it" in note
    assert "interpreter (Polish)" in note

    plain = client.get(f"/staff/letters/{warning.letter_id}/pdf")
    assert plain.status_code == 200 and plain.data.startswith(b"%PDF")
    assert "large-print" in plain.headers["Content-Disposition"]
    standard = client.get(f"/staff/letters/{warning.letter_id}/pdf?print=standard")
    assert "large-print" not in standard.headers["Content-Disposition"]


def test_letters_of_other_customers_stay_standard_with_no_note(
    client, act_as, make_customer, give_warning, clock
):
    warning = give_warning(make_customer(), clock.now - timedelta(days=3))
    act_as("panel")
    page = check_page(client.get(f"/staff/letters/{warning.letter_id}"))
    assert page.find(id="letter-adjustments") is None
    assert "Download as PDF" in page.get_text()
    plain = client.get(f"/staff/letters/{warning.letter_id}/pdf")
    assert "large-print" not in plain.headers["Content-Disposition"]


@pytest.mark.policy("12.1")
def test_the_customer_gets_their_letters_in_large_print_by_default(
    client, sign_in, account, give_warning, make_staff, clock
):
    customer = account.customer
    set_adjustments(
        make_staff(), clock.now, customer, 0, AdjustmentDetails(formats=["large_print"])
    )
    warning = give_warning(customer, clock.now - timedelta(days=3))
    sign_in(account)
    plain = client.get(f"/letters/{warning.letter_id}/pdf")
    assert plain.status_code == 200
    assert "large-print" in plain.headers["Content-Disposition"]
    # The links say which print they give: "PDF" is standard print beside "Large print PDF".
    listed = check_page(client.get("/letters"))
    links = {
        a.get_text(" ", strip=True).split(":")[0].strip(): a["href"] for a in listed.select("a")
    }
    standard = client.get(links["PDF"])
    assert "large-print" not in standard.headers["Content-Disposition"]
    large = client.get(links["Large print PDF"])
    assert "large-print" in large.headers["Content-Disposition"]
    page = check_page(client.get(f"/letters/{warning.letter_id}"))
    download = page.find("a", string="Download as PDF")["href"]
    assert "large-print" not in client.get(download).headers["Content-Disposition"]


@pytest.mark.policy("12.1")
def test_the_page_that_sends_a_warning_says_what_to_arrange(
    client, sign_in, adjusted, make_customer, make_incident, review_incident, panel_member, clock
):
    incident = make_incident(adjusted)
    review_incident(incident, clock.now)
    plain = make_incident(make_customer())
    review_incident(plain, clock.now)
    sign_in(panel_member)
    page = check_page(client.get(f"/staff/incidents/{incident.id}/warning"))
    note = page.find(id="letter-adjustments").get_text(" ", strip=True)
    assert "Large print: send the large print PDF" in note
    assert "Send in Braille" in note
    other = check_page(client.get(f"/staff/incidents/{plain.id}/warning"))
    assert other.find(id="letter-adjustments") is None


def test_the_page_that_sends_a_decision_letter_says_what_to_arrange(
    client, sign_in, adjusted, final_warning_for, make_request, approve_request, glt_member, clock
):
    final_warning_for(adjusted)
    request = make_request(adjusted, now=clock.now - timedelta(hours=2))
    approve_request(request, now=clock.now - timedelta(hours=1))
    sign_in(glt_member)
    page = check_page(client.get(f"/staff/restriction-requests/{request.id}/letter"))
    note = page.find(id="letter-adjustments").get_text(" ", strip=True)
    assert "Send in Braille" in note and "interpreter (Polish)" in note


@pytest.mark.policy("12.1")
def test_an_appeal_lodged_for_the_customer_starts_from_their_record(
    client, act_as, adjusted, restriction_in_force, clock
):
    from datetime import UTC, datetime

    clock.now = datetime(2027, 3, 19, 10, tzinfo=UTC)
    restriction_in_force(adjusted, now=clock.now)
    act_as("cem")
    page = check_page(client.get(f"/staff/customers/{adjusted.id}/appeals/new"))
    assert page.find(id="interpreter_language")["value"] == "Polish"
