"""Adding a customer and correcting their details (§3.1, §4.5): references from the database,
every change audited with before and after, likely duplicates shown first, and two edits of
one version never both saved."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import set_committed_value

from portal import db
from portal.auth.models import Role
from portal.customers.models import Customer, CustomerType
from portal.customers.records import (
    CustomerDetails,
    LikelyDuplicates,
    create_customer,
    update_customer,
)
from portal.customers.services import set_preferred_language
from portal.errors import Conflict, NotAllowed, ServiceError


@pytest.fixture
def languages(app):
    return app.config["LANGUAGES"]


@pytest.fixture
def panel(make_staff):
    return make_staff(Role.PANEL, name="Pat Panel")


def details(**overrides) -> CustomerDetails:
    fields = {
        "forename": "Nadia",
        "surname": "Newcomer",
        "customer_type": CustomerType.TENANT,
        "address": "12 Orchard Lane, M22 1AA",
        "email": "nadia@test.example",
        "phone": "0161 496 0101",
        "preferred_language": "en",
        "housing_ref": "HMS-0042",
    }
    fields.update(overrides)
    return CustomerDetails(**fields)


def customers() -> int:
    db.session.rollback()  # as a view would after a refusal: nothing half-saved survives it
    return db.session.scalar(select(func.count()).select_from(Customer))


def refused(call) -> dict:
    """The codes of the fields a refusal names (and rolls back, as a view does)."""
    with pytest.raises(ServiceError) as caught:
        call()
    db.session.rollback()
    return caught.value.codes


@pytest.mark.policy("3.1")
def test_a_colleague_adds_a_customer_with_the_next_reference(colleague, clock, languages):
    first = create_customer(colleague, clock.now, details(), languages=languages)
    second = create_customer(
        colleague,
        clock.now,
        details(forename="Sam", surname="Second", email="", phone="", address="", housing_ref=""),
        languages=languages,
    )
    db.session.commit()

    assert re.fullmatch(r"C-\d{6}", first.reference)
    assert int(second.reference[2:]) == int(first.reference[2:]) + 1
    assert first.version == 1 and first.housing_ref == "HMS-0042"
    assert second.housing_ref is None  # blank is no reference, so many may have none
    assert first.vulnerability_notes == ""


@pytest.mark.policy("4.5")
def test_adding_a_customer_is_audited_with_what_was_recorded(panel, clock, languages, audit_events):
    made = create_customer(
        panel,
        clock.now,
        details(vulnerability_notes="Hearing loss.", support_needs="Text, never phone."),
        languages=languages,
    )
    db.session.commit()

    (event,) = audit_events("customer.created", "customer", made.id)
    assert event.actor_id == panel.id
    assert event.after["forename"] == "Nadia"
    assert event.after["customer_type"] == "tenant"
    assert event.after["vulnerability_notes"] == "Hearing loss."
    assert event.after["support_needs"] == "Text, never phone."
    assert "Hearing loss" not in event.summary


@pytest.mark.policy("4.5")
def test_an_edit_is_saved_and_audited_with_before_and_after(
    panel, make_customer, clock, languages, audit_events
):
    customer = make_customer(forename="Ann", surname="Old", vulnerability_notes="")
    data = details(forename="Ann", surname="New", vulnerability_notes="Uses a wheelchair.")

    update_customer(panel, clock.now, customer, 1, data, languages=languages)
    db.session.commit()

    db.session.expire_all()
    saved = db.session.get(Customer, customer.id)
    assert (saved.surname, saved.version) == ("New", 2)
    assert saved.vulnerability_notes == "Uses a wheelchair."
    (event,) = audit_events("customer.changed", "customer", customer.id)
    assert event.before["surname"] == "Old" and event.after["surname"] == "New"
    assert event.before["vulnerability_notes"] == ""
    assert event.after["vulnerability_notes"] == "Uses a wheelchair."
    assert "forename" not in event.after  # unchanged fields are not listed
    assert "wheelchair" not in event.summary


def test_an_edit_that_changes_nothing_saves_nothing(
    colleague, make_customer, clock, languages, audit_events
):
    customer = make_customer(forename="Ann", surname="Same", customer_type=CustomerType.TENANT)
    same = details(forename="Ann", surname="Same", address="", email="", phone="", housing_ref="")
    update_customer(colleague, clock.now, customer, 1, same, languages=languages)
    db.session.commit()
    assert customer.version == 1
    assert audit_events("customer.changed") == []


@pytest.mark.policy("3.1")
def test_of_two_edits_of_one_version_the_second_is_told_and_the_first_is_kept(
    colleague, panel, make_customer, clock, languages, audit_events
):
    customer = make_customer(forename="Ann", surname="Original")
    update_customer(
        colleague,
        clock.now,
        customer,
        1,
        details(forename="Ann", surname="First"),
        languages=languages,
    )
    db.session.commit()

    with pytest.raises(Conflict) as told:
        update_customer(
            panel,
            clock.now,
            customer,
            1,
            details(forename="Ann", surname="Second", phone="0700 000 000"),
            languages=languages,
        )
    db.session.rollback()

    assert told.value.codes == {"": "customer.changed_meanwhile"}
    assert told.value.by == colleague.name
    db.session.expire_all()
    kept = db.session.get(Customer, customer.id)
    assert (kept.surname, kept.phone, kept.version) == ("First", "0161 496 0101", 2)
    assert len(audit_events("customer.changed")) == 1


def test_the_version_is_checked_in_the_update_itself(
    colleague, make_customer, clock, languages, app
):
    """Read at version 1, then moved on by someone else before this edit writes."""
    customer_id = make_customer(forename="Ann", surname="Raced").id
    db.session.rollback()
    table = Customer.__table__
    with app.extensions["engine"].begin() as other:
        other.execute(
            table.update().where(table.c.id == customer_id).values(surname="Elsewhere", version=2)
        )
    customer = db.session.get(Customer, customer_id)
    # This request's copy is the one it read before the other save.
    set_committed_value(customer, "version", 1)
    set_committed_value(customer, "surname", "Raced")
    with pytest.raises(Conflict):
        update_customer(
            colleague,
            clock.now,
            customer,
            1,
            details(forename="Ann", surname="Mine"),
            languages=languages,
        )
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Customer, customer_id).surname == "Elsewhere"


def test_a_language_changed_meanwhile_is_not_put_back(colleague, make_customer, clock, languages):
    customer = make_customer(forename="Ann", surname="Lang")
    set_preferred_language(colleague, clock.now, customer, "pl", languages)
    db.session.commit()
    assert customer.version == 2

    with pytest.raises(Conflict):
        update_customer(
            colleague,
            clock.now,
            customer,
            1,
            details(forename="Ann", surname="Lang", preferred_language="en"),
            languages=languages,
        )
    db.session.rollback()
    assert db.session.get(Customer, customer.id).preferred_language == "pl"


@pytest.mark.parametrize("version", [None, "1", "abc", 1.0, True])
def test_a_version_that_is_not_a_number_saves_nothing(
    colleague, make_customer, clock, languages, version
):
    customer = make_customer(forename="Ann", surname="Kept")
    codes = refused(
        lambda: update_customer(
            colleague,
            clock.now,
            customer,
            version,
            details(forename="Ann", surname="Lost"),
            languages=languages,
        )
    )
    assert codes == {"": "customer.version_missing"}
    assert db.session.get(Customer, customer.id).surname == "Kept"


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"forename": ""}, "forename", "customer.forename_missing"),
        ({"surname": "   "}, "surname", "customer.surname_missing"),
        ({"forename": None}, "forename", "customer.forename_missing"),
        ({"surname": "x" * 10_000}, "surname", "customer.too_long"),
        ({"address": "x" * 10_000}, "address", "customer.too_long"),
        ({"vulnerability_notes": "x" * 10_000}, "vulnerability_notes", "customer.too_long"),
        ({"customer_type": "landlord"}, "customer_type", "customer.type_unknown"),
        ({"customer_type": None}, "customer_type", "customer.type_unknown"),
        ({"preferred_language": "fr"}, "preferred_language", "customer.language_unknown"),
        ({"preferred_language": None}, "preferred_language", "customer.language_unknown"),
        ({"email": "not an email"}, "email", "customer.email_invalid"),
        ({"phone": "call me maybe"}, "phone", "customer.phone_invalid"),
        ({"housing_ref": "H" * 41}, "housing_ref", "customer.too_long"),
    ],
)
def test_bad_details_are_refused_next_to_the_field_and_nothing_is_saved(
    panel, clock, languages, changes, field, code
):
    before = customers()
    codes = refused(
        lambda: create_customer(panel, clock.now, details(**changes), languages=languages)
    )
    assert codes[field] == code
    assert customers() == before


@pytest.mark.policy("3.1")
@pytest.mark.parametrize("kind", list(CustomerType))
def test_visitors_relatives_and_representatives_must_name_their_tenant(
    colleague, clock, languages, kind
):
    data = details(customer_type=kind, tenant_id=None, housing_ref="")
    if not kind.links_to_tenant:
        assert create_customer(colleague, clock.now, data, languages=languages).tenant_id is None
        return
    assert refused(lambda: create_customer(colleague, clock.now, data, languages=languages)) == {
        "tenant_id": "customer.tenant_missing"
    }


@pytest.mark.parametrize("tenant_id", ["not-a-tenant", 99_999_999, 0, -1, 2**40, "7", 1.5, True])
def test_the_tenant_must_be_a_tenant_on_the_portal(
    colleague, make_customer, clock, languages, tenant_id
):
    applicant = make_customer(customer_type=CustomerType.APPLICANT)
    link = applicant.id if tenant_id == "not-a-tenant" else tenant_id
    data = details(customer_type=CustomerType.VISITOR, tenant_id=link, housing_ref="")
    codes = refused(lambda: create_customer(colleague, clock.now, data, languages=languages))
    expected = (
        "customer.tenant_not_tenant" if tenant_id == "not-a-tenant" else "customer.tenant_unknown"
    )
    assert codes == {"tenant_id": expected}


def test_a_customer_is_not_their_own_tenant(colleague, make_customer, clock, languages):
    relative = make_customer(customer_type=CustomerType.TENANT, forename="Rel", surname="Self")
    data = details(
        forename="Rel",
        surname="Self",
        customer_type=CustomerType.FRIEND_OR_RELATIVE,
        tenant_id=relative.id,
        housing_ref="",
    )
    codes = refused(
        lambda: update_customer(colleague, clock.now, relative, 1, data, languages=languages)
    )
    assert codes == {"tenant_id": "customer.tenant_self"}


@pytest.mark.policy("3.1")
def test_a_relative_is_linked_to_their_tenant(colleague, make_customer, clock, languages):
    tenant = make_customer(customer_type=CustomerType.TENANT)
    data = details(
        customer_type=CustomerType.FRIEND_OR_RELATIVE, tenant_id=tenant.id, housing_ref=""
    )
    relative = create_customer(colleague, clock.now, data, languages=languages)
    db.session.commit()
    assert relative.tenant.id == tenant.id

    # A tenant others are linked to stays a tenant until they are linked elsewhere.
    as_applicant = details(
        forename=tenant.forename,
        surname=tenant.surname,
        customer_type=CustomerType.APPLICANT,
        housing_ref="",
    )
    codes = refused(
        lambda: update_customer(colleague, clock.now, tenant, 1, as_applicant, languages=languages)
    )
    assert codes == {"customer_type": "customer.tenant_has_links"}


def test_odd_unicode_is_kept_and_nul_is_dropped(panel, clock, languages):
    odd = "O\u0301Brien \u200fقال\u200f 👩🏽\u200d🔧\x00!"
    made = create_customer(
        panel, clock.now, details(surname=odd, vulnerability_notes=odd), languages=languages
    )
    db.session.commit()
    db.session.expire_all()
    saved = db.session.get(Customer, made.id)
    assert saved.surname == odd.replace("\x00", "")
    assert saved.vulnerability_notes == odd.replace("\x00", "")


@pytest.mark.policy("4.5")
def test_only_those_who_may_read_vulnerability_notes_may_set_them(
    colleague, make_customer, clock, languages
):
    with pytest.raises(NotAllowed):
        create_customer(
            colleague, clock.now, details(vulnerability_notes="Anxious."), languages=languages
        )
    db.session.rollback()
    customer = make_customer(
        forename="Vee", surname="Notes", vulnerability_notes="Partially sighted."
    )
    update_customer(
        colleague,
        clock.now,
        customer,
        1,
        details(forename="Vee", surname="Noted"),
        languages=languages,
    )
    db.session.commit()
    db.session.expire_all()
    saved = db.session.get(Customer, customer.id)
    assert (saved.surname, saved.vulnerability_notes) == ("Noted", "Partially sighted.")


@pytest.mark.parametrize(
    "actor", [None, SimpleNamespace(is_staff=False, is_authenticated=True, id=1)]
)
def test_customers_and_nobody_change_nothing(make_customer, clock, languages, actor):
    customer = make_customer()
    with pytest.raises(NotAllowed):
        create_customer(actor, clock.now, details(), languages=languages)
    with pytest.raises(NotAllowed):
        update_customer(actor, clock.now, customer, 1, details(), languages=languages)


# --- Likely duplicates -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("existing", "typed", "reasons"),
    [
        (
            {"forename": "José", "surname": "Núñez"},
            {"forename": "jose", "surname": "NUNEZ"},
            ["name"],
        ),
        (
            {"forename": "Zoë", "surname": "Smith"},
            {"forename": "Zoe", "surname": "smith"},
            ["name"],
        ),
        ({"email": "Sam@Test.Example"}, {"email": "sam@test.example"}, ["email"]),
        ({"phone": "0161 496 0999"}, {"phone": "0161-496-0999"}, ["phone"]),
        ({"address": "1 High St, M1 1AA"}, {"address": "1 high st, m1 1aa"}, ["address"]),
    ],
)
def test_likely_duplicates_are_shown_before_adding(
    colleague, make_customer, clock, languages, existing, typed, reasons
):
    found = make_customer(**existing)
    data = details(
        **{
            "forename": "Other",
            "surname": "Person",
            "email": "",
            "phone": "",
            "address": "",
            **typed,
        }
    )
    with pytest.raises(LikelyDuplicates) as shown:
        create_customer(colleague, clock.now, data, languages=languages)
    db.session.rollback()
    assert [(m.id, m.reasons) for m in shown.value.matches] == [(found.id, reasons)]
    assert shown.value.codes == {"create_anyway": "customer.likely_duplicate"}

    before = customers()
    create_customer(colleague, clock.now, data, languages=languages, confirmed=True)
    db.session.commit()
    assert customers() == before + 1


def test_a_housing_reference_in_use_is_refused_even_when_confirmed(
    colleague, make_customer, clock, languages
):
    holder = make_customer(housing_ref="HMS-7")
    before = customers()
    data = details(housing_ref="hms-7")
    codes = refused(
        lambda: create_customer(colleague, clock.now, data, languages=languages, confirmed=True)
    )
    assert codes == {"housing_ref": "customer.housing_ref_taken"}
    assert customers() == before

    other = make_customer(forename="Otto", surname="Other")
    move = details(forename="Otto", surname="Other", housing_ref="HMS-7")
    codes = refused(
        lambda: update_customer(colleague, clock.now, other, 1, move, languages=languages)
    )
    assert codes == {"housing_ref": "customer.housing_ref_taken"}
    # Keeping your own reference is no clash.
    own = details(
        forename=holder.forename,
        surname=holder.surname,
        housing_ref="HMS-7",
        address="Somewhere new",
    )
    update_customer(colleague, clock.now, holder, 1, own, languages=languages)
    db.session.commit()
