"""The representatives and advocates pages (§4.5): adding one from the customer's record,
what is refused beside each field, ending one, who may, and the record's section."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from portal import db
from portal.customers.models import CustomerRepresentative, RepresentativeRelation
from portal.customers.representatives import RepresentativeDetails, add_representative
from portal.restrictions import services as restriction_services
from portal.restrictions.models import Delivery, RestrictionKind
from tests.pages import check_page, errors_on
from tests.web.forms import assert_field_error
from tests.web.routes import STAFF

ODD = "Ms O\u0301Brien \u200fقال\u200f \u202edlrow\u202c 👩🏽\u200d🔧 fixed it\x00!"


def new_url(customer) -> str:
    return f"/staff/customers/{customer.id}/representatives/new"


def end_url(customer, representative) -> str:
    return f"/staff/customers/{customer.id}/representatives/{representative.id}/end"


def form(**overrides) -> dict:
    data = {
        "name": "Asha Advocate",
        "relation": "advocate",
        "relation_detail": "",
        "organisation": "Speak Up Manchester",
        "phone": "0161 496 0202",
        "email": "asha@advocacy.example",
        "address": "1 Market Street, M1 1AA",
        "consent_given_on": "2026-11-20",
        "consent_method": "in_writing",
        "consent_until": "",
        "copy_letters": "y",
        "consent_confirmed": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def represented(make_customer, make_staff, clock):
    """A customer with one representative acting for them, recorded by someone else."""
    customer = make_customer(forename="Rita", surname="Represented", address="1 Road, M22 1AA")
    made = add_representative(
        make_staff(name="Rae Recorder"),
        clock.now,
        customer,
        RepresentativeDetails(
            name="Sam Solicitor",
            relation=RepresentativeRelation.SOLICITOR,
            organisation="Law & Co",
            consent_given_on=date(2026, 11, 1),
            consent_method="in_person",
            copy_letters=True,
            consent_confirmed=True,
        ),
    )
    db.session.commit()
    customer.rep = made
    return customer


@pytest.mark.policy("4.5")
def test_a_colleague_adds_a_representative_from_the_record(
    client, act_as, post, table_counts, make_customer
):
    customer = make_customer(forename="Cara", surname="Customer")
    act_as("colleague")
    record = check_page(client.get(f"/staff/customers/{customer.id}"))
    section = record.find(id="representatives")
    assert section is not None
    assert record.find("a", href=new_url(customer)) is not None
    assert "Nobody is recorded as acting for this customer." in record.get_text()
    page = check_page(client.get(new_url(customer)))
    assert page.find("input", attrs={"name": "submission_key"})
    assert "not a restriction" in page.get_text()
    before = table_counts()

    response = post(new_url(customer), form(), token_from=new_url(customer))

    assert response.status_code == 303, errors_on(check_page(response, response.status_code))
    assert urlsplit(response.headers["Location"]).path == f"/staff/customers/{customer.id}"
    assert table_counts()["customer_representative"] == before["customer_representative"] + 1
    shown = check_page(client.get(response.headers["Location"]))
    made = db.session.scalar(select(CustomerRepresentative))
    item = shown.find(id=f"representative-{made.id}")
    text = " ".join(item.get_text().split())
    assert "Asha Advocate" in text and "Acting" in text and "Speak Up Manchester" in text
    assert "Given 20 Nov 2026, in writing" in text
    letters = shown.find(id="representative-letters").get_text()
    assert "Asha Advocate" in letters and "not copied automatically" in letters
    assert "recorded as acting for the customer" in shown.get_text()


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"name": ""}, "name", "Enter the name"),
        ({"name": "   "}, "name", "Enter the name"),
        ({"name": "x" * 100_000}, "name", "200 characters or fewer"),
        ({"address": "x" * 10_000}, "address", "300 characters or fewer"),
        ({"email": "asha at home"}, "email", "like name@example.com"),
        ({"phone": "\u202eEMOH"}, "phone", "Enter a phone number"),
        ({"relation": None}, "relation", "Select who they are"),
        ({"relation": "landlord"}, "relation", None),
        ({"relation": "other"}, "relation_detail", "Say who they are"),
        ({"consent_given_on": ""}, "consent_given_on", "Enter the date"),
        ({"consent_given_on": "2026-02-30"}, "consent_given_on", "Enter a real date"),
        ({"consent_given_on": "1899-12-31"}, "consent_given_on", "Enter a real date"),
        ({"consent_given_on": "next tuesday"}, "consent_given_on", "Enter a real date"),
        ({"consent_given_on": "2026-11-24"}, "consent_given_on", "cannot be in the future"),
        ({"consent_method": None}, "consent_method", "Select how"),
        ({"consent_until": "2026-11-19"}, "consent_until", "must be after the date"),
        ({"consent_until": "2026-13-01"}, "consent_until", "Enter a real date"),
        ({"consent_confirmed": None}, "consent_confirmed", "Confirm the customer has agreed"),
    ],
)
def test_bad_input_is_refused_beside_the_field_and_nothing_is_saved(
    act_as, post, table_counts, make_customer, changes, field, says
):
    customer = make_customer()
    act_as("colleague")
    before = table_counts()
    response = post(new_url(customer), form(**changes), token_from=new_url(customer))
    assert_field_error(response, field, says)
    assert table_counts() == before


def test_odd_unicode_is_kept_and_shown(client, act_as, post, make_customer):
    customer = make_customer()
    act_as("colleague")
    response = post(
        new_url(customer),
        form(name=ODD, relation="other", relation_detail=ODD, address=ODD),
        token_from=new_url(customer),
    )
    assert response.status_code == 303, errors_on(check_page(response, response.status_code))
    made = db.session.scalar(select(CustomerRepresentative))
    assert made.name == made.address == ODD.replace("\x00", "")
    page = check_page(client.get(response.headers["Location"]))
    assert ODD.replace("\x00", "") in page.get_text()


@pytest.mark.parametrize("how", ["missing", "forged"])
def test_a_form_without_a_good_csrf_token_saves_nothing(
    client, act_as, table_counts, represented, how
):
    act_as("colleague")
    before = table_counts()
    for url, data in (
        (new_url(represented), form()),
        (end_url(represented, represented.rep), {"because": "consent_withdrawn"}),
    ):
        if how == "forged":
            data["csrf_token"] = "forged"
        check_page(client.post(url, data=data), 400)
    assert table_counts() == before


def test_the_same_form_sent_twice_adds_one(client, act_as, post, table_counts, make_customer):
    customer = make_customer()
    act_as("colleague")
    page = check_page(client.get(new_url(customer)))
    key = page.find("input", attrs={"name": "submission_key"})["value"]
    before = table_counts()["customer_representative"]
    first = post(new_url(customer), form(submission_key=key), token_from=new_url(customer))
    again = post(new_url(customer), form(submission_key=key), token_from=new_url(customer))
    assert first.status_code == again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    assert table_counts()["customer_representative"] == before + 1
    assert "already been sent" in client.get(again.headers["Location"]).text


@pytest.mark.policy("4.5")
def test_ending_a_representative_keeps_them_summarised(client, act_as, post, represented):
    act_as("colleague")
    url = end_url(represented, represented.rep)
    record = check_page(client.get(f"/staff/customers/{represented.id}"))
    assert record.find("a", href=url) is not None
    page = check_page(client.get(url))
    assert "Sam Solicitor" in page.get_text()

    refused = post(url, {"because": ""}, token_from=url)
    assert_field_error(refused, "because", "Select why")
    refused = post(url, {"because": "consent_withdrawn", "reason": "x" * 5000}, token_from=url)
    assert_field_error(refused, "reason", "500 characters or fewer")

    done = post(url, {"because": "consent_withdrawn", "reason": "Rang us"}, token_from=url)
    assert done.status_code == 303
    shown = check_page(client.get(done.headers["Location"]))
    ended = " ".join(shown.find(id="ended-representatives").get_text().split())
    assert "Sam Solicitor (Solicitor): stopped" in ended
    assert "withdrew their consent: Rang us" in ended
    assert shown.find(id=f"representative-{represented.rep.id}") is None
    assert shown.find(id="representative-letters") is None

    again = post(url, {"because": "arrangement_ended", "reason": "Later"}, token_from=url)
    soup = check_page(again, 409)
    assert "already stopped acting" in soup.get_text()
    assert "Later" in soup.get_text()  # what they typed is shown, not lost
    check_page(client.get(url), 409)
    db.session.expire_all()
    assert db.session.get(CustomerRepresentative, represented.rep.id).end_reason == "Rang us"


def test_a_representative_of_another_customer_is_not_found(
    client, act_as, post, table_counts, represented, make_customer
):
    other = make_customer()
    act_as("colleague")
    url = end_url(other, represented.rep)
    check_page(client.get(url), 404)
    before = table_counts()
    check_page(post(url, {"because": "consent_withdrawn"}, token_from="/staff/"), 404)
    assert table_counts() == before
    for bad in (
        f"/staff/customers/{represented.id}/representatives/999999/end",
        f"/staff/customers/{represented.id}/representatives/99999999999/end",
        "/staff/customers/99999999999/representatives/new",
        "/staff/customers/999999/representatives/new",
    ):
        check_page(client.get(bad), 404)


@pytest.mark.policy("4.5")
def test_consent_that_ran_out_shows_as_not_acting(client, act_as, clock, make_customer, make_staff):
    customer = make_customer()
    today = clock.now.date()
    add_representative(
        make_staff(),
        clock.now,
        customer,
        RepresentativeDetails(
            name="Fay Friend",
            relation="family_or_friend",
            consent_given_on=today - timedelta(days=10),
            consent_method="by_phone",
            consent_until=today,
            copy_letters=True,
            consent_confirmed=True,
        ),
    )
    db.session.commit()
    act_as("colleague")
    url = f"/staff/customers/{customer.id}"
    on_last_day = check_page(client.get(url)).find(id="representatives").find_next("ul")
    assert "Acting" in on_last_day.get_text()
    assert "Consent ran out" not in on_last_day.get_text()

    clock.now += timedelta(days=1)
    act_as("colleague")  # signed in afresh on the new day
    page = check_page(client.get(url))
    item = page.find(id="representatives").find_next("ul").get_text()
    assert "Consent ran out: not acting" in item
    assert page.find(id="representative-letters") is None


def test_the_record_tells_representatives_from_the_restriction(
    client,
    act_as,
    represented,
    make_request,
    approve_request,
    final_warning_for,
    panel_member,
    clock,
    organisation_ready,
):
    """The customer's chosen representative and a decision that contact goes through a
    third-party representative are shown in their own sections, each saying which it is."""
    final_warning_for(represented)
    made = approve_request(
        make_request(represented, now=clock.now - timedelta(hours=2)),
        now=clock.now - timedelta(hours=1),
        kind=RestrictionKind.THIRD_PARTY,
        channel=None,
        third_party="Tom Thirdparty",
    )
    restriction_services.issue_decision_letter(panel_member, clock.now, made, Delivery.POST)
    db.session.commit()
    act_as("panel")
    page = check_page(client.get(f"/staff/customers/{represented.id}"))
    mine = page.find(id="representatives")
    assert "not a restriction" in mine.find_next("p").get_text()
    pointer = page.find(id="third-party-restriction")
    assert pointer.find("a", href="#restrictions") is not None
    assert "Sam Solicitor" in page.find(id=f"representative-{represented.rep.id}").get_text()
    restrictions = page.find(id="restrictions")
    assert restrictions is not None
    assert "Contact only through an agreed third-party representative" in page.get_text()
    act_as("colleague")  # may not see restrictions: no pointer to them
    page = check_page(client.get(f"/staff/customers/{represented.id}"))
    assert page.find(id="third-party-restriction") is None


# --- Who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", STAFF)
def test_every_colleague_who_may_edit_the_customer_may_add_and_end(
    client, act_as, post, represented, role
):
    act_as(role)
    check_page(client.get(new_url(represented)))
    check_page(client.get(end_url(represented, represented.rep)))
    response = post(new_url(represented), form(), token_from=new_url(represented))
    assert response.status_code == 303


@pytest.mark.parametrize("who", ["customer", "signed_out"])
def test_customers_and_signed_out_visitors_are_refused(
    client, sign_in, post, account, represented, table_counts, who
):
    if who == "customer":
        sign_in(account)
    before = table_counts()
    for url in (new_url(represented), end_url(represented, represented.rep)):
        sent = post(url, form(because="consent_withdrawn"), token_from="/staff/sign-in")
        for response in (client.get(url), sent):
            assert response.status_code in (302, 303), response.status_code
            assert urlsplit(response.headers["Location"]).path == "/staff/sign-in"
    assert table_counts() == before


def test_the_services_refuse_whoever_may_not_edit_the_customer(
    act_as, represented, clock, monkeypatch
):
    """Should who may edit a customer narrow, adding and ending narrow with it."""
    from portal.auth import permissions
    from portal.customers import representatives as service
    from portal.errors import NotAllowed

    colleague = act_as("colleague")
    monkeypatch.setattr(permissions, "can_edit_customer", lambda user: False)
    with pytest.raises(NotAllowed):
        service.add_representative(colleague, clock.now, represented, RepresentativeDetails())
    with pytest.raises(NotAllowed):
        service.end_representative(colleague, clock.now, represented.rep, "consent_withdrawn")


def test_the_record_reads_representatives_in_one_statement_however_many(
    client, act_as, count_queries, make_customer, make_staff, clock
):
    customer = make_customer()
    recorder = make_staff()
    url = f"/staff/customers/{customer.id}"
    act_as("colleague")

    def add(n):
        for k in range(n):
            made = add_representative(
                recorder,
                clock.now,
                customer,
                RepresentativeDetails(
                    name=f"Rep {k}",
                    relation="advocate",
                    consent_given_on=date(2026, 1, 1),
                    consent_method="portal",
                    consent_confirmed=True,
                ),
            )
            if k % 2:
                from portal.customers.representatives import end_representative

                end_representative(make_staff(), clock.now, made, "arrangement_ended", "")
        db.session.commit()

    client.get(url)
    with count_queries() as none:
        client.get(url)
    add(1)
    client.get(url)
    with count_queries() as one:
        client.get(url)
    add(30)
    with count_queries() as many:
        page = client.get(url)
    assert "Rep 29" in page.text
    assert one.count == many.count == none.count + 1
