"""Issue 16, point 5: two or three restrictions in force at once are read as one statement of
what contact is allowed, with whom, by which route, at which times and until when (§8.19,
§8.21), never as a list that reads as a contradiction; ending all contact overrides the others
while it lasts (§9.5)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from portal.restrictions import wording
from portal.restrictions.combined import combine, staff_statement
from portal.restrictions.models import ContactRoute, RestrictionKind
from tests.restriction_factories import restriction_like

ORG = SimpleNamespace(address="1 Civic Way, Manchester", email="help@example.org", phone="0161")
TOM = SimpleNamespace(id=7, name="Tom Whitfield", email="tom@example.org")
ANN = SimpleNamespace(id=8, name="Ann Lee", email="ann@example.org")


def email_only(**fields):
    fields.setdefault("review_on", date(2027, 5, 23))
    return restriction_like(RestrictionKind.CHANNEL_ONLY, channel=ContactRoute.EMAIL, **fields)


def letter_only(**fields):
    return restriction_like(RestrictionKind.CHANNEL_ONLY, channel=ContactRoute.LETTER, **fields)


def through(manager=TOM, **fields):
    return restriction_like(RestrictionKind.NAMED_MANAGER, named_manager=manager, **fields)


def set_times(schedule="Tuesdays 10:00 to 11:00", **fields):
    return restriction_like(RestrictionKind.SET_TIMES, schedule=schedule, **fields)


def representative(name="Citizens Advice", **fields):
    return restriction_like(RestrictionKind.THIRD_PARTY, third_party=name, **fields)


def ended(ends_on=date(2027, 2, 23), **fields):
    return restriction_like(RestrictionKind.TERMINATION, ends_on=ends_on, **fields)


@pytest.mark.policy("8.19")
def test_point5_one_restriction_alone_is_said_as_it_always_was(app):
    assert not combine([email_only()]).together
    assert wording.your_contact_together([email_only()], ORG) is None
    assert wording.your_contact_together([], ORG) is None


@pytest.mark.policy("8.19")
def test_point5_email_only_and_a_named_manager_read_as_email_that_manager(app):
    restrictions = [email_only(review_on=date(2027, 5, 23)), through(review_on=date(2027, 3, 1))]
    yours = wording.your_contact_together(restrictions, ORG)
    assert yours.headline == "Email Tom Whitfield only"
    assert yours.reach == [("Their email address:", "tom@example.org")]
    assert "Tom Whitfield deals with everything you raise with us." in yours.lines
    assert any("Email us" in line for line in yours.lines)
    # Until when: the earliest review of the two, and each with its own review date.
    assert yours.until == "We will next review your restrictions by Monday 1 March 2027."
    assert [alone.headline for _r, alone in yours.each] == [
        "Contact us through Tom Whitfield",
        "Contact us by email only",
    ]
    assert "23 May 2027" in yours.each[1][1].until

    staff = staff_statement(restrictions)
    assert staff.headline == "Contact by email only, through Tom Whitfield"
    assert staff.until == "first review due by Monday 1 March 2027"
    assert not staff.notes
    assert len(staff.each) == 2


@pytest.mark.policy("8.19")
def test_point5_a_manager_without_an_email_address_leaves_our_own(app):
    nameless = SimpleNamespace(id=9, name="Sam Hart", email="")
    yours = wording.your_contact_together([email_only(), through(nameless)], ORG)
    assert yours.headline == "Email Sam Hart only"
    assert yours.reach == [("Our email address:", "help@example.org")]
    letter = wording.your_contact_together([letter_only(), through()], ORG)
    assert letter.headline == "Write to Tom Whitfield only"
    assert letter.reach == [("Our address:", "1 Civic Way, Manchester")]


@pytest.mark.policy("8.19")
def test_point5_email_only_rules_out_calls_at_set_times(app):
    restrictions = [email_only(), set_times()]
    combination = combine(restrictions)
    assert combination.schedules == ()
    assert [r.kind for r in combination.calls_ruled_out_by] == [RestrictionKind.SET_TIMES]
    yours = wording.your_contact_together(restrictions, ORG)
    assert yours.headline == "Contact us by email only"
    assert ("Our phone number:", "0161") not in yours.reach
    assert not any("agreed times" in line for line in yours.lines)
    staff = staff_statement(restrictions)
    assert staff.headline == "Contact by email only"
    assert any("Tuesdays 10:00 to 11:00" in note for note in staff.notes)


@pytest.mark.policy("8.19")
def test_point5_set_times_and_a_named_manager_keep_both(app):
    restrictions = [set_times(), through()]
    yours = wording.your_contact_together(restrictions, ORG)
    assert yours.headline == "Contact us through Tom Whitfield"
    assert "Phone calls only at the agreed times: Tuesdays 10:00 to 11:00." in yours.lines
    assert yours.reach == [
        ("Their email address:", "tom@example.org"),
        ("Our phone number:", "0161"),
    ]
    assert staff_statement(restrictions).headline == (
        "Contact through Tom Whitfield, calls only at set times"
    )


@pytest.mark.policy("8.19")
def test_point5_two_different_channels_leave_either_and_tell_colleagues(app):
    restrictions = [email_only(), letter_only()]
    assert combine(restrictions).channels_clash
    yours = wording.your_contact_together(restrictions, ORG)
    assert yours.headline == "Contact us by letter or email only"
    assert {label for label, _how in yours.reach} == {"Our email address:", "Our address:"}
    staff = staff_statement(restrictions)
    assert staff.headline == "Contact by email or letter only"
    assert any("review the restrictions together" in note for note in staff.notes)


@pytest.mark.policy("8.19")
def test_point5_the_same_channel_twice_is_one_route_from_two_restrictions(app):
    restrictions = [email_only(), email_only(review_on=date(2027, 1, 4))]
    combination = combine(restrictions)
    assert not combination.channels_clash
    assert len(combination.channels) == 1
    assert len(combination.channels[0].sources) == 2
    assert combination.next_review_on == date(2027, 1, 4)


@pytest.mark.policy("8.19")
def test_point5_representative_manager_and_set_times_together(app):
    restrictions = [representative(), through(), set_times()]
    yours = wording.your_contact_together(restrictions, ORG)
    assert yours.headline == "Contact us through Citizens Advice"
    assert yours.lines == [
        "We will deal with you through Citizens Advice.",
        "Tom Whitfield deals with everything you raise with us.",
        "Phone calls only at the agreed times: Tuesdays 10:00 to 11:00.",
    ]
    staff = staff_statement(restrictions)
    assert staff.headline == (
        "Contact from Citizens Advice (the customer's representative), through Tom Whitfield, "
        "calls only at set times"
    )
    assert len(staff.how) == 3


@pytest.mark.policy("8.19")
def test_point5_two_managers_leave_either_and_tell_colleagues(app):
    restrictions = [through(TOM), through(ANN)]
    yours = wording.your_contact_together(restrictions, ORG)
    assert yours.headline == "Contact us through Tom Whitfield or Ann Lee"
    # Neither email address is "theirs" alone: our own is not offered instead of a person's.
    assert yours.reach == []
    assert any("different managers" in note for note in staff_statement(restrictions).notes)


@pytest.mark.policy("9.5")
def test_point5_ending_all_contact_overrides_the_others_while_it_lasts(app):
    restrictions = [email_only(), through(), ended(ends_on=date(2027, 2, 23))]
    combination = combine(restrictions)
    assert combination.ended.kind == RestrictionKind.TERMINATION
    assert len(combination.overridden) == 2
    yours = wording.your_contact_together(restrictions, ORG)
    assert yours.headline == "We have stopped all contact with you for a while"
    assert yours.reach == []
    assert yours.lines[-1] == (
        "When this ends on Tuesday 23 February 2027, your other restrictions listed here "
        "still apply."
    )
    staff = staff_statement(restrictions)
    assert staff.headline == "All contact ended for a period"
    assert "read and checked" in staff.how[0]
    assert "Contact by email only" in staff.notes[0]
    # Until when: the end comes before the first review, so it is said first.
    assert staff.until.startswith("until Tuesday 23 February 2027 for one of them")


@pytest.mark.policy("9.5")
def test_point5_a_restriction_ending_with_all_contact_does_not_outlast_it(app):
    end = date(2027, 2, 23)
    same_day = [email_only(ends_on=end), ended(ends_on=end)]
    assert combine(same_day).outlasting == ()
    assert len(wording.your_contact_together(same_day, ORG).lines) == 1
    day_later = [email_only(ends_on=date(2027, 2, 24)), ended(ends_on=end)]
    assert len(combine(day_later).outlasting) == 1
    assert not staff_statement(same_day).notes
    assert staff_statement(day_later).notes
