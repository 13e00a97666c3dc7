"""Staff add a customer and correct their details (§3.1, §4.5): the pages, what they refuse
and say beside each field, likely duplicates, and an edit made from an older copy."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from portal import db
from portal.audit.models import AuditEvent
from portal.customers.models import Customer, CustomerType
from tests.pages import check_page, errors_on
from tests.web.customer_forms import edit_customer_form, new_customer_form
from tests.web.forms import assert_field_error

NEW = "/staff/customers/new"
ODD = "Mr O\u0301Brien \u200fقال\u200f \u202edlrow\u202c 👩🏽\u200d🔧 fixed it\x00!"


def edit_url(customer) -> str:
    return f"/staff/customers/{customer.id}/edit"


def stored(customer_id: int) -> Customer:
    db.session.expire_all()
    return db.session.get(Customer, customer_id)


@pytest.fixture
def relative_of(make_customer):
    return make_customer(forename="Tina", surname="Tenant", customer_type=CustomerType.TENANT)


@pytest.mark.policy("3.1")
def test_a_colleague_adds_a_customer_from_the_search_page(client, act_as, post, table_counts):
    act_as("colleague")
    search = check_page(client.get("/staff/customers"))
    assert search.find("a", href=NEW) is not None
    page = check_page(client.get(NEW))
    assert page.find("form", action=NEW).find("input", attrs={"name": "submission_key"})
    assert page.find(id="vulnerability_notes") is None  # a colleague may not read them
    before = table_counts()

    response = post(NEW, new_customer_form(), token_from=NEW)

    assert response.status_code == 303, errors_on(check_page(response, response.status_code))
    made = db.session.scalar(select(Customer).where(Customer.surname == "Newcomer"))
    assert urlsplit(response.headers["Location"]).path == f"/staff/customers/{made.id}"
    record = check_page(client.get(response.headers["Location"]))
    assert f"added, with the reference {made.reference}" in record.get_text()
    assert made.housing_ref == "HMS-0042"
    assert table_counts()["customer"] == before["customer"] + 1


@pytest.mark.policy("3.1")
@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"forename": ""}, "forename", "Enter the first name"),
        ({"surname": "   "}, "surname", "Enter the last name"),
        ({"surname": None}, "surname", "Enter the last name"),
        ({"address": "x" * 10_000}, "address", "300 characters or fewer"),
        ({"vulnerability_notes": "x" * 10_000}, "vulnerability_notes", "5000 characters"),
        ({"customer_type": "landlord"}, "customer_type", "Select an option from the list"),
        ({"customer_type": None}, "customer_type", "Select the type of customer"),
        ({"customer_type": "visitor"}, "tenant_reference", "tenant they relate to"),
        (
            {"customer_type": "visitor", "tenant_reference": "C-999999"},
            "tenant_reference",
            "No customer has that reference",
        ),
        (
            {"customer_type": "visitor", "tenant_reference": "x" * 500},
            "tenant_reference",
            "characters or fewer",
        ),
        ({"preferred_language": "fr"}, "preferred_language", "Select an option from the list"),
        ({"email": "nadia at home"}, "email", "like name@example.com"),
        ({"phone": "\u202eEMOH"}, "phone", "Enter a phone number"),
    ],
)
def test_bad_details_are_refused_beside_the_field_and_nothing_is_saved(
    act_as, post, table_counts, changes, field, says
):
    act_as("panel")
    data = {k: v for k, v in {**new_customer_form(), **changes}.items() if v is not None}
    before = table_counts()
    response = post(NEW, data, token_from=NEW)
    assert_field_error(response, field, says)
    assert table_counts() == before


def test_the_tenant_named_must_be_a_tenant(act_as, post, table_counts, make_customer):
    applicant = make_customer(customer_type=CustomerType.APPLICANT, forename="Abi")
    act_as("colleague")
    before = table_counts()
    data = new_customer_form(customer_type="visitor", tenant_reference=applicant.reference.lower())
    response = post(NEW, data, token_from=NEW)
    assert_field_error(response, "tenant_reference", "is not a tenant")
    assert table_counts() == before


@pytest.mark.policy("3.1")
def test_a_relative_is_linked_to_the_tenant_named(client, act_as, post, relative_of):
    act_as("colleague")
    data = new_customer_form(
        customer_type="friend_or_relative",
        tenant_reference=relative_of.reference,
        housing_ref="",
    )
    response = post(NEW, data, token_from=NEW)
    assert response.status_code == 303
    page = check_page(client.get(response.headers["Location"]))
    assert page.find("a", href=f"/staff/customers/{relative_of.id}") is not None


def test_odd_unicode_is_kept_exactly_and_nul_is_dropped(client, act_as, post):
    act_as("panel")
    data = new_customer_form(surname=ODD, address=ODD, support_needs=ODD)
    response = post(NEW, data, token_from=NEW)
    assert response.status_code == 303, errors_on(check_page(response, response.status_code))
    made = db.session.scalar(select(Customer).order_by(Customer.id.desc()))
    assert made.surname == made.address == made.support_needs == ODD.replace("\x00", "")
    page = check_page(client.get(response.headers["Location"]))
    assert ODD.replace("\x00", "") in page.get_text()


@pytest.mark.parametrize("how", ["missing", "forged"])
def test_a_form_without_a_good_csrf_token_saves_nothing(client, act_as, table_counts, how):
    act_as("colleague")
    data = new_customer_form()
    if how == "forged":
        data["csrf_token"] = "forged"
    before = table_counts()
    check_page(client.post(NEW, data=data), 400)
    assert table_counts() == before


# --- Likely duplicates --------------------------------------------------------------------------


@pytest.mark.policy("3.1")
def test_likely_duplicates_are_shown_and_adding_anyway_is_confirmed(
    client, act_as, post, table_counts, make_customer
):
    found = make_customer(forename="José", surname="Núñez", email="jn@test.example")
    act_as("colleague")
    page = check_page(client.get(NEW))
    key = page.find("input", attrs={"name": "submission_key"})["value"]
    data = new_customer_form(forename="jose", surname="NUNEZ", submission_key=key)
    before = table_counts()

    shown = post(NEW, data, token_from=NEW)

    soup = assert_field_error(shown, "create_anyway", "may be someone we already have")
    matches = soup.find(id="possible-matches")
    link = matches.find("a", href=f"/staff/customers/{found.id}")
    assert link is not None and "Núñez" in link.get_text()
    assert "same name" in matches.get_text()
    assert table_counts() == before

    confirmed = post(NEW, {**data, "create_anyway": "y"}, token_from=NEW)
    assert confirmed.status_code == 303
    assert table_counts()["customer"] == before["customer"] + 1
    # The same form sent again (the same key) adds no one more.
    again = post(NEW, {**data, "create_anyway": "y"}, token_from=NEW)
    assert again.status_code == 303
    assert again.headers["Location"] == confirmed.headers["Location"]
    assert table_counts()["customer"] == before["customer"] + 1


def test_a_housing_reference_in_use_is_refused_beside_the_field(
    act_as, post, table_counts, make_customer
):
    make_customer(housing_ref="HMS-0042")
    act_as("colleague")
    before = table_counts()
    response = post(NEW, new_customer_form(create_anyway="y"), token_from=NEW)
    assert_field_error(response, "housing_ref", "already has this housing system reference")
    assert table_counts() == before


# --- Editing ------------------------------------------------------------------------------------


@pytest.mark.policy("4.5")
def test_the_panel_corrects_details_from_the_record(client, act_as, post, make_customer):
    customer = make_customer(forename="Ed", surname="Itme", vulnerability_notes="Deaf.")
    act_as("panel")
    record = check_page(client.get(f"/staff/customers/{customer.id}"))
    assert record.find("a", href=edit_url(customer)) is not None
    page = check_page(client.get(edit_url(customer)))
    assert page.find(id="vulnerability_notes").get_text().strip() == "Deaf."
    assert page.find("input", attrs={"name": "version"})["value"] == "1"
    viewed = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.entity_id == customer.id)
    ).all()
    assert "vulnerability.viewed" in viewed

    data = edit_customer_form(customer, surname="Edited", vulnerability_notes="Deaf; uses BSL.")
    response = post(edit_url(customer), data, token_from=edit_url(customer))

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/staff/customers/{customer.id}")
    saved = stored(customer.id)
    assert (saved.surname, saved.vulnerability_notes, saved.version) == (
        "Edited",
        "Deaf; uses BSL.",
        2,
    )
    assert "Details saved." in check_page(client.get(response.headers["Location"])).get_text()


@pytest.mark.policy("4.5")
def test_a_colleague_edits_details_but_never_the_vulnerability_notes(
    client, act_as, post, make_customer
):
    customer = make_customer(forename="Col", surname="Edit", vulnerability_notes="Anxious.")
    act_as("colleague")
    page = check_page(client.get(edit_url(customer)))
    assert page.find(id="vulnerability_notes") is None
    assert "Anxious." not in page.get_text()
    data = edit_customer_form(customer, surname="Edited", vulnerability_notes="Forged.")
    assert post(edit_url(customer), data, token_from=edit_url(customer)).status_code == 303
    saved = stored(customer.id)
    assert (saved.surname, saved.vulnerability_notes) == ("Edited", "Anxious.")


def test_an_edit_from_an_older_copy_is_told_and_overwrites_nothing(
    act_as, post, make_customer, table_counts
):
    customer = make_customer(forename="Two", surname="Editors", phone="0161 000 0001")
    act_as("colleague")
    first = edit_customer_form(customer, surname="First")
    second = edit_customer_form(customer, phone="0161 999 9999", address="Second's address")
    assert post(edit_url(customer), first, token_from=edit_url(customer)).status_code == 303
    before = table_counts()

    response = post(edit_url(customer), second, token_from=edit_url(customer))

    soup = check_page(response, 409)
    assert soup.title.get_text().startswith("Error:")
    assert "Someone else saved changes" in " ".join(errors_on(soup).values())
    # The form shows the record as it is now, at its new version ...
    assert soup.find(id="surname")["value"] == "First"
    assert soup.find(id="phone")["value"] == "0161 000 0001"
    assert soup.find("input", attrs={"name": "version"})["value"] == "2"
    # ... and what this person entered is listed, not lost.
    assert "Second's address" in soup.find(id="what-you-entered").get_text()
    assert "Last changed by Colin Colleague" in soup.get_text()
    assert table_counts() == before
    assert stored(customer.id).phone == "0161 000 0001"


@pytest.mark.parametrize("version", ["abc", "", "-1", "1.0", "99999999999999999999", "١"])
def test_a_version_that_is_not_a_number_is_told_and_saves_nothing(
    act_as, post, make_customer, table_counts, version
):
    customer = make_customer(forename="Ver", surname="Sion")
    act_as("colleague")
    before = table_counts()
    data = edit_customer_form(customer, surname="Changed", version=version)
    response = post(edit_url(customer), data, token_from=edit_url(customer))
    soup = check_page(response, 409)
    assert "could not be matched" in " ".join(errors_on(soup).values())
    assert table_counts() == before
    assert stored(customer.id).surname == "Sion"


def test_bad_edits_are_refused_beside_the_field(act_as, post, make_customer, table_counts):
    customer = make_customer(forename="Bad", surname="Edit")
    act_as("colleague")
    before = table_counts()
    for changes, field in (
        ({"forename": ""}, "forename"),
        ({"customer_type": "visitor"}, "tenant_reference"),
        ({"customer_type": "visitor", "tenant_reference": customer.reference}, "tenant_reference"),
        ({"housing_ref": "x" * 10_000}, "housing_ref"),
    ):
        data = edit_customer_form(customer, **changes)
        assert_field_error(post(edit_url(customer), data, token_from=edit_url(customer)), field)
    assert table_counts() == before
    assert stored(customer.id).version == 1


# --- Who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/staff/customers/99999999/edit",
        "/staff/customers/99999999999999999999/edit",
        "/staff/customers/abc/edit",
        "/staff/customers/0/edit",
    ],
)
def test_a_customer_that_does_not_exist_is_page_not_found(client, act_as, post, table_counts, url):
    act_as("panel")
    check_page(client.get(url), 404)
    before = table_counts()
    check_page(post(url, {"forename": "X", "surname": "Y"}), 404)
    assert table_counts() == before


@pytest.mark.parametrize("path", [NEW, "{edit}"])
@pytest.mark.parametrize("who", ["nobody", "customer"])
def test_signed_out_visitors_and_customers_are_sent_to_staff_sign_in(
    client, sign_in, account, make_customer, table_counts, token, path, who
):
    url = path.format(edit=edit_url(make_customer()))
    if who == "customer":
        sign_in(account)
    before = table_counts()
    data = {**new_customer_form(), "csrf_token": token("/staff/sign-in")}
    for response in (client.get(url), client.post(url, data=data)):
        assert response.status_code in (302, 303)
        assert urlsplit(response.headers["Location"]).path == "/staff/sign-in"
    assert table_counts() == before
