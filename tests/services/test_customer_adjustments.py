"""Reasonable adjustments kept on the customer (§12.1, §4.5): what is stored, what is refused
with nothing saved, every change audited with before and after, two edits of one version never
both saved, and large print becoming the default for the customer's letters."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal import db
from portal.audit.models import AuditEvent
from portal.customers.adjustments import (
    AdjustmentDetails,
    CustomerAdjustments,
    for_customer,
    large_print_for,
    set_adjustments,
)
from portal.errors import Conflict, NotAllowed, ServiceError

ODD = "Mr O\u0301Brien \u200fقال\u200f \u202edlrow\u202c 👩🏽\u200d🔧\x00!"


def details(**overrides) -> AdjustmentDetails:
    fields = {
        "formats": ["large_print", "braille"],
        "interpreter": True,
        "interpreter_language": "Tigrinya",
        "wants_advocate": True,
        "contact_way": "phone",
        "contact_time": "Mornings, not before 10am",
        "other": "Needs extra time to reply.",
    }
    fields.update(overrides)
    return AdjustmentDetails(**fields)


def rows() -> int:
    db.session.rollback()  # as a view would after a refusal
    return db.session.scalar(select(func.count()).select_from(CustomerAdjustments))


def events() -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "customer.adjustments_changed")
            .order_by(AuditEvent.id)
        )
    )


@pytest.mark.policy("12.1")
def test_adjustments_are_recorded_and_audited_with_before_and_after(
    make_customer, make_staff, clock
):
    customer = make_customer()
    colleague = make_staff()
    assert for_customer(customer.id) is None
    assert large_print_for(customer.id) is False

    row = set_adjustments(colleague, clock.now, customer, 0, details())
    db.session.commit()

    assert row.version == 1
    assert row.formats == ["large_print", "braille"]
    assert row.to_arrange == ["braille"]
    assert row.interpreter_language == "Tigrinya"
    assert row.contact_way == "phone"
    assert row.updated_by_id == colleague.id
    assert large_print_for(customer.id) is True
    first = events()[-1]
    assert first.entity_id == customer.id
    assert first.before["large_print"] is False
    assert first.after["large_print"] is True

    row = set_adjustments(
        colleague, clock.now, customer, 1, details(formats=["easy_read"], interpreter=False)
    )
    db.session.commit()
    assert row.version == 2
    assert row.formats == ["easy_read"]
    assert row.interpreter_language == ""  # no interpreter: no language kept
    assert large_print_for(customer.id) is False
    last = events()[-1]
    assert last.before == {
        "large_print": True,
        "easy_read": False,
        "braille": True,
        "interpreter": True,
        "interpreter_language": "Tigrinya",
    }
    assert last.after["easy_read"] is True and last.after["interpreter"] is False


def test_saving_what_is_there_already_changes_nothing(make_customer, make_staff, clock):
    customer = make_customer()
    colleague = make_staff()
    set_adjustments(colleague, clock.now, customer, 0, details())
    db.session.commit()
    before = len(events())
    assert set_adjustments(colleague, clock.now, customer, 1, details()).version == 1
    assert set_adjustments(colleague, clock.now, make_customer(), 0, AdjustmentDetails()) is None
    db.session.commit()
    assert len(events()) == before
    assert rows() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"formats": ["large_print", "smoke_signals"]}, "formats"),
        ({"formats": "large_print"}, "formats"),  # not a list: nothing ticked, nothing refused
        ({"interpreter_language": ""}, "interpreter_language"),
        ({"interpreter_language": "x" * 81}, "interpreter_language"),
        ({"contact_way": "pigeon"}, "contact_way"),
        ({"contact_way": None}, "contact_way"),
        ({"contact_time": "x" * 201}, "contact_time"),
        ({"other": "x" * 1001}, "other"),
    ],
)
def test_bad_details_are_refused_and_nothing_is_saved(
    make_customer, make_staff, clock, changes, field
):
    customer = make_customer()
    if changes == {"formats": "large_print"}:
        row = set_adjustments(make_staff(), clock.now, customer, 0, details(**changes))
        assert row.formats == []
        return
    with pytest.raises(ServiceError) as caught:
        set_adjustments(make_staff(), clock.now, customer, 0, details(**changes))
    assert field in caught.value.errors
    assert rows() == 0


def test_odd_unicode_is_kept_without_nul(make_customer, make_staff, clock):
    customer = make_customer()
    row = set_adjustments(
        make_staff(), clock.now, customer, 0, details(contact_time=ODD, other=ODD)
    )
    db.session.commit()
    db.session.expire_all()
    assert for_customer(customer.id).other == ODD.replace("\x00", "")
    assert row.contact_time == ODD.replace("\x00", "")


@pytest.mark.policy("12.1")
def test_an_edit_from_an_older_version_is_refused_and_overwrites_nothing(
    make_customer, make_staff, clock
):
    customer = make_customer()
    first, second = make_staff(), make_staff()
    set_adjustments(first, clock.now, customer, 0, details())
    db.session.commit()
    # Both opened the form at version 1; the first saves.
    set_adjustments(first, clock.now, customer, 1, details(contact_way="email"))
    db.session.commit()
    for version in (1, 0, None, "2", True):
        with pytest.raises(Conflict):
            set_adjustments(second, clock.now, customer, version, details(contact_way="text"))
        db.session.rollback()
    db.session.expire_all()
    assert for_customer(customer.id).contact_way == "email"


def test_a_first_record_made_meanwhile_is_a_conflict(make_customer, make_staff, clock):
    """Two colleagues recording the first adjustments at once: the second is told."""
    customer = make_customer()
    set_adjustments(make_staff(), clock.now, customer, 0, details())
    db.session.commit()
    with pytest.raises(Conflict):
        set_adjustments(make_staff(), clock.now, customer, 0, details(contact_way="email"))


def test_whoever_may_not_edit_the_customer_is_refused(
    make_customer, make_staff, clock, monkeypatch
):
    from portal.auth import permissions

    customer = make_customer()
    monkeypatch.setattr(permissions, "can_edit_customer", lambda user: False)
    with pytest.raises(NotAllowed):
        set_adjustments(make_staff(), clock.now, customer, 0, details())
    with pytest.raises(NotAllowed):
        set_adjustments(None, clock.now, customer, 0, details())
    assert rows() == 0


def test_lookups_of_ids_that_cannot_exist_find_nothing(app):
    for odd in (0, -1, 2**31, None, "1"):
        assert for_customer(odd) is None
    assert large_print_for(None) is False


@pytest.mark.policy("12.1")
def test_a_new_draft_appeal_starts_with_the_support_on_the_record(
    make_customer, make_staff, restriction_in_force, clock
):
    from datetime import UTC, datetime

    from portal.appeals import lodging

    clock.now = datetime(2027, 3, 19, 10, tzinfo=UTC)
    adjusted, plain = make_customer(), make_customer()
    set_adjustments(
        make_staff(),
        clock.now,
        adjusted,
        0,
        details(formats=["easy_read", "audio"], interpreter_language="Polish"),
    )
    db.session.commit()
    draft = lodging.start_draft(clock.now, restriction_in_force(adjusted, now=clock.now))
    assert (draft.needs_interpreter, draft.interpreter_language) == (True, "Polish")
    assert draft.preferred_format == "easy_read"
    other = lodging.start_draft(clock.now, restriction_in_force(plain, now=clock.now))
    assert other.needs_interpreter is None  # never a "no" they did not give
    assert other.preferred_format == ""


@pytest.mark.policy("12.1")
def test_an_appeal_staff_lodge_keeps_the_format_on_the_record(
    make_customer, make_staff, restriction_in_force, clock
):
    from datetime import UTC, datetime

    from portal.appeals import for_customer, lodging
    from portal.appeals.models import AppealChannel
    from portal.auth.models import Role

    clock.now = datetime(2027, 3, 19, 10, tzinfo=UTC)
    customer = make_customer()
    set_adjustments(make_staff(), clock.now, customer, 0, details(formats=["braille"]))
    restriction = restriction_in_force(customer, now=clock.now)
    appeal = for_customer.lodge_for_customer(
        make_staff(Role.CEM),
        clock.now,
        customer,
        restriction.id,
        # The colleague left the interpreter blank: their answer, not the record's, stands.
        lodging.Answers(grounds="Unfair.", needs_interpreter=False, interpreter_language=""),
        "k-adjusted",
        channel=AppealChannel.PHONE,
        received_at=clock.now,
    )
    assert appeal.preferred_format == "braille"
    assert (appeal.needs_interpreter, appeal.interpreter_language) == (False, "")
