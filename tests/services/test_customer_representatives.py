"""Representatives and advocates a customer has agreed may act for them (§4.5): what is
checked, what is audited with before and after, ending once, and consent that runs out."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal import db
from portal.audit.models import AuditEvent
from portal.customers.models import (
    ConsentMethod,
    CustomerRepresentative,
    RepresentativeEnding,
    RepresentativeRelation,
)
from portal.customers.representatives import (
    RepresentativeDetails,
    add_representative,
    end_representative,
    on_record,
)
from portal.errors import Conflict, NotAllowed, ServiceError
from portal.timeutil import london_date

ODD = "Ms O\u0301Brien \u200fقال\u200f \u202edlrow\u202c 👩🏽\u200d🔧\x00"


def details(**overrides) -> RepresentativeDetails:
    fields = {
        "name": "Asha Advocate",
        "relation": RepresentativeRelation.ADVOCATE,
        "organisation": "Speak Up Manchester",
        "phone": "0161 496 0202",
        "email": "asha@advocacy.example",
        "address": "1 Market Street, M1 1AA",
        "consent_given_on": date(2026, 11, 20),
        "consent_method": ConsentMethod.IN_WRITING,
        "consent_until": None,
        "copy_letters": True,
        "consent_confirmed": True,
    }
    fields.update(overrides)
    return RepresentativeDetails(**fields)


def refused(call) -> dict:
    with pytest.raises(ServiceError) as caught:
        call()
    db.session.rollback()
    return caught.value.codes


def rows() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(CustomerRepresentative))


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.mark.policy("4.5")
def test_a_colleague_records_a_representative_and_it_is_audited(colleague, make_customer, clock):
    customer = make_customer()
    made = add_representative(colleague, clock.now, customer, details())
    db.session.commit()

    assert made.customer_id == customer.id and made.added_by_id == colleague.id
    assert made.copy_letters is True and made.ended_at is None
    assert made.acting_on(london_date(clock.now))
    [event] = events("representative.added")
    assert event.entity_type == "customer" and event.entity_id == customer.id
    assert event.before is None
    assert event.after["name"] == "Asha Advocate"
    assert event.after["relation"] == "advocate"
    assert event.after["consent_given_on"] == "2026-11-20"
    assert event.after["consent_method"] == "in_writing"


def test_a_customer_may_have_more_than_one(colleague, make_customer, clock):
    customer = make_customer()
    add_representative(colleague, clock.now, customer, details())
    add_representative(
        colleague,
        clock.now,
        customer,
        details(name="Sam Sister", relation="family_or_friend", organisation=""),
    )
    db.session.commit()
    shown = on_record(customer.id, london_date(clock.now), 2)
    assert [r.name for r in shown.acting] == ["Sam Sister", "Asha Advocate"]
    assert [r.name for r in shown.letters_copied_to] == ["Sam Sister", "Asha Advocate"]


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"name": "  "}, "name", "representative.name_missing"),
        ({"name": None}, "name", "representative.name_missing"),
        ({"name": "x" * 10_000}, "name", "representative.too_long"),
        ({"organisation": "x" * 201}, "organisation", "representative.too_long"),
        ({"address": "x" * 301}, "address", "representative.too_long"),
        ({"email": "asha at home"}, "email", "representative.email_invalid"),
        ({"phone": "call me"}, "phone", "representative.phone_invalid"),
        ({"relation": "landlord"}, "relation", "representative.relation_missing"),
        ({"relation": None}, "relation", "representative.relation_missing"),
        ({"relation": "other"}, "relation_detail", "representative.relation_detail_missing"),
        ({"consent_method": "telepathy"}, "consent_method", "representative.method_missing"),
        ({"consent_given_on": None}, "consent_given_on", "representative.given_missing"),
        ({"consent_given_on": "2026-11-20"}, "consent_given_on", "representative.given_missing"),
        (
            {"consent_given_on": date(2026, 11, 24)},
            "consent_given_on",
            "representative.given_future",
        ),
        (
            {"consent_given_on": date(1899, 12, 31)},
            "consent_given_on",
            "representative.given_early",
        ),
        (
            {"consent_until": date(2026, 11, 20)},
            "consent_until",
            "representative.until_not_after",
        ),
        (
            {"consent_given_on": date(2026, 1, 1), "consent_until": date(2026, 11, 22)},
            "consent_until",
            "representative.until_past",
        ),
        ({"consent_until": "soon"}, "consent_until", "representative.until_invalid"),
        ({"consent_confirmed": False}, "consent_confirmed", "representative.consent_unconfirmed"),
        ({"consent_confirmed": "yes"}, "consent_confirmed", "representative.consent_unconfirmed"),
    ],
)
def test_what_is_refused_is_named_by_its_field_and_nothing_is_saved(
    colleague, make_customer, clock, changes, field, code
):
    customer = make_customer()
    before = rows()
    codes = refused(lambda: add_representative(colleague, clock.now, customer, details(**changes)))
    assert codes[field] == code
    assert rows() == before


def test_every_field_at_fault_is_named_at_once(colleague, make_customer, clock):
    customer = make_customer()
    codes = refused(
        lambda: add_representative(colleague, clock.now, customer, RepresentativeDetails())
    )
    assert set(codes) == {
        "name",
        "relation",
        "consent_method",
        "consent_given_on",
        "consent_confirmed",
    }


def test_odd_text_is_kept_as_typed_without_nul(colleague, make_customer, clock):
    customer = make_customer()
    made = add_representative(
        colleague, clock.now, customer, details(name=ODD, relation="other", relation_detail=ODD)
    )
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(CustomerRepresentative, made.id)
    assert stored.name == ODD.replace("\x00", "").strip()
    assert stored.relation_detail == stored.name


def test_the_other_description_is_dropped_for_a_named_relation(colleague, make_customer, clock):
    made = add_representative(
        colleague, clock.now, make_customer(), details(relation_detail="neighbour")
    )
    assert made.relation_detail == ""


def test_consent_given_today_is_accepted(colleague, make_customer, clock):
    today = london_date(clock.now)
    made = add_representative(
        colleague, clock.now, make_customer(), details(consent_given_on=today)
    )
    assert made.consent_given_on == today


def test_someone_who_is_not_staff_may_not_add_or_end(colleague, make_customer, clock):
    customer = make_customer()
    with pytest.raises(NotAllowed):
        add_representative(None, clock.now, customer, details())
    made = add_representative(colleague, clock.now, customer, details())
    with pytest.raises(NotAllowed):
        end_representative(None, clock.now, made, "consent_withdrawn", "")


@pytest.mark.policy("4.5")
def test_ending_is_audited_with_before_and_after(colleague, make_customer, clock):
    customer = make_customer()
    made = add_representative(colleague, clock.now, customer, details())
    db.session.commit()
    later = clock.now + timedelta(days=3)
    end_representative(colleague, later, made, "consent_withdrawn", "Phoned to say so")
    db.session.commit()

    db.session.expire_all()
    stored = db.session.get(CustomerRepresentative, made.id)
    assert stored.ended_at == later and stored.ended_by_id == colleague.id
    assert stored.ended_because == RepresentativeEnding.CONSENT_WITHDRAWN
    assert stored.end_reason == "Phoned to say so"
    [event] = events("representative.ended")
    assert event.entity_id == customer.id
    assert event.before == {"representative_id": made.id, "ended": False}
    assert event.after["ended"] is True
    assert event.after["ended_because"] == "consent_withdrawn"
    shown = on_record(customer.id, london_date(later), 1)
    assert shown.acting == [] and [r.id for r in shown.ended] == [made.id]
    assert shown.letters_copied_to == []


def test_ending_needs_a_reason_kind_and_a_short_note(colleague, make_customer, clock):
    made = add_representative(colleague, clock.now, make_customer(), details())
    db.session.commit()
    assert refused(lambda: end_representative(colleague, clock.now, made, None, "")) == {
        "because": "representative.end_why_missing"
    }
    assert refused(lambda: end_representative(colleague, clock.now, made, "bored", ""))
    assert refused(
        lambda: end_representative(colleague, clock.now, made, "arrangement_ended", "x" * 501)
    ) == {"reason": "representative.end_reason_long"}
    db.session.expire_all()
    assert db.session.get(CustomerRepresentative, made.id).ended_at is None


def test_ending_twice_tells_the_second_and_keeps_the_first(
    colleague, make_staff, make_customer, clock
):
    made = add_representative(colleague, clock.now, make_customer(), details())
    db.session.commit()
    other = make_staff(name="Second Ender")
    # The second has the representative loaded before the first ends them.
    stale = db.session.get(CustomerRepresentative, made.id)
    end_representative(colleague, clock.now, made, "arrangement_ended", "First")
    db.session.commit()
    from sqlalchemy.orm.attributes import set_committed_value

    set_committed_value(stale, "ended_at", None)
    with pytest.raises(Conflict) as caught:
        end_representative(other, clock.now, stale, "consent_withdrawn", "Second")
    db.session.rollback()
    assert caught.value.by == colleague.name
    db.session.expire_all()
    stored = db.session.get(CustomerRepresentative, made.id)
    assert stored.end_reason == "First" and stored.ended_by_id == colleague.id
    assert len(events("representative.ended")) == 1


@pytest.mark.policy("4.5")
def test_consent_acts_on_its_last_day_and_has_run_out_the_day_after(
    colleague, make_customer, clock
):
    customer = make_customer()
    today = london_date(clock.now)
    made = add_representative(colleague, clock.now, customer, details(consent_until=today))
    db.session.commit()

    on_last_day = on_record(customer.id, today, 1)
    assert [r.id for r in on_last_day.acting] == [made.id] and on_last_day.expired == []
    day_after = on_record(customer.id, today + timedelta(days=1), 1)
    assert day_after.acting == [] and [r.id for r in day_after.expired] == [made.id]
    assert day_after.letters_copied_to == []  # not acting: no copies
    assert made.expired_on(today + timedelta(days=1)) and not made.expired_on(today)


def test_nothing_is_read_for_a_record_with_no_representatives(count_queries, clock):
    with count_queries() as counted:
        shown = on_record(1, london_date(clock.now), 0)
    assert counted.count == 0 and not shown
