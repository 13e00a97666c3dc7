"""Correspondence while all contact is ended (§9.5): every item is logged and read, checked for
new information or a safeguarding concern, then acknowledged and filed, or routed for review."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal import db
from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.correspondence import services as correspondence
from portal.correspondence.models import Correspondence, CorrespondenceStatus
from portal.errors import NotAllowed, ServiceError
from portal.letters.models import Letter, LetterKind
from portal.notifications.models import Notification
from portal.restrictions import queries
from portal.restrictions.models import RestrictionKind
from portal.reviews import services as reviews
from portal.reviews.models import ReviewOutcome
from tests.restriction_factories import refusal
from tests.text import plain

TODAY = date(2026, 11, 23)  # the London date of the frozen clock (tests/conftest.py)


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def _state() -> tuple[int, int, int, int]:
    return _count(Correspondence), _count(Letter), _count(AuditEvent), _count(Notification)


def _open(customer_id: int, with_history: bool) -> int:
    """The unhandled items the customer record counts (for those who may see them)."""
    return queries.contact_picture(customer_id, with_history, TODAY).open_correspondence


@pytest.fixture
def log(app, clock, panel_member):
    """``log(customer, summary=..., channel=..., received_at=..., actor=...)``, now."""

    def _log(customer, summary="Same points about the fence again.", channel="letter", **kw):
        return correspondence.log_correspondence(
            kw.get("actor", panel_member),
            clock.now,
            customer,
            kw.get("received_at", clock.now - timedelta(hours=3)),
            channel,
            summary,
        )

    return _log


# --- only while all contact is ended ---------------------------------------------------------


@pytest.mark.policy("9.5")
def test_correspondence_is_logged_only_while_all_contact_is_ended(
    app, make_customer, restriction_in_force, log
):
    assert "not been ended" in str(refusal(log, make_customer()))
    channel_only = restriction_in_force()
    assert channel_only.kind == RestrictionKind.CHANNEL_ONLY
    before = _state()
    assert "not been ended" in str(refusal(log, channel_only.customer))
    assert _state() == before


@pytest.mark.policy("9.5")
def test_once_contact_is_restored_correspondence_is_not_logged_here(
    app, clock, terminated, log, panel_member
):
    [termination] = queries.restrictions_in_force(terminated.id, TODAY)
    reviews.review_restriction(
        panel_member, clock.now, termination, ReviewOutcome.LIFT, "Apologised.", "", None
    )
    db.session.commit()
    assert "not been ended" in str(refusal(log, terminated))


@pytest.mark.policy("9.5")
@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"summary": "  "}, "summary"),
        ({"channel": "phone"}, "channel"),
        ({"received_at": datetime(2026, 11, 23, 10, 1, tzinfo=UTC)}, "received_on"),
    ],
)
def test_what_is_logged_is_checked(app, terminated, log, kw, field):
    before = _state()
    with pytest.raises(ServiceError) as refused:
        log(terminated, **kw)
    db.session.rollback()
    assert field in refused.value.errors
    assert _state() == before


@pytest.mark.policy("9.5")
@pytest.mark.parametrize("channel", ["letter", "email", "other"])
def test_an_item_received_up_to_now_is_logged(app, clock, terminated, log, panel_member, channel):
    item = log(terminated, channel=channel, received_at=clock.now)
    [termination] = queries.restrictions_in_force(terminated.id, TODAY)
    assert item.status == CorrespondenceStatus.LOGGED
    assert item.restriction_id == termination.id and item.customer_id == terminated.id
    assert item.channel == channel and item.received_at == clock.now
    assert item.logged_by_id == panel_member.id


@pytest.mark.policy("9.5")
@pytest.mark.parametrize("role", [Role.COLLEAGUE, Role.LINE_MANAGER, Role.GLT, Role.ADMIN])
def test_only_the_panel_and_the_cem_handle_correspondence(
    app, clock, terminated, log, make_staff, role
):
    someone = make_staff(role)
    before = _state()
    with pytest.raises(NotAllowed):
        log(terminated, actor=someone)
    db.session.rollback()
    assert _state() == before
    item = log(terminated)
    for step, args in (
        (correspondence.mark_read, ()),
        (correspondence.check, (False, False, "")),
        (correspondence.close_correspondence, ()),
    ):
        with pytest.raises(NotAllowed):
            step(someone, clock.now, item, *args)
    assert item.status == CorrespondenceStatus.LOGGED


# --- nothing new: acknowledged and filed -----------------------------------------------------


@pytest.mark.policy("9.5")
def test_nothing_new_is_read_checked_acknowledged_and_filed(
    app, clock, terminated, log, panel_member, make_staff, audit_events
):
    cem = make_staff(Role.CEM, name="Helen Byrne")
    item = log(terminated, summary="Asks again about the deposit.")
    later = clock.now + timedelta(hours=1)
    correspondence.mark_read(cem, later, item)
    assert item.status == CorrespondenceStatus.READ
    assert (item.read_at, item.read_by_id) == (later, cem.id)
    correspondence.check(panel_member, later, item, False, False, "")
    assert item.status == CorrespondenceStatus.CHECKED and item.checked_at == later
    notes_before = _count(Notification)
    letter = correspondence.close_correspondence(panel_member, later, item)
    db.session.commit()

    assert item.status == CorrespondenceStatus.ACKNOWLEDGED and item.closed_at == later
    assert item.letter_id == letter.id
    assert letter.kind == LetterKind.CORRESPONDENCE_ACK and letter.customer_id == terminated.id
    assert letter.content_sha256 == hashlib.sha256(letter.body_html.encode()).hexdigest()
    html = letter.body_html
    assert f"Dear {terminated.name}," in html
    assert "We have received your letter of Monday 23 November 2026" in html
    assert "placed it on your file" in html
    assert "Complaints: 0161 000 0001" in plain(
        html
    ) and "Emergency repairs: 0161 000 0999" in plain(html)
    assert _count(Notification) == notes_before  # nothing for the Panel to review

    actions = [e.action for e in audit_events(entity_type="correspondence", entity_id=item.id)]
    assert actions == [
        "correspondence.logged",
        "correspondence.read",
        "correspondence.checked",
        "correspondence.closed",
    ]
    [closed] = audit_events("correspondence.closed", entity_id=item.id)
    assert closed.after == {"status": "acknowledged_and_filed"}
    assert _open(terminated.id, True) == 0


@pytest.mark.policy("9.5")
def test_unhandled_items_are_counted_for_the_panel(app, clock, terminated, log, panel_member):
    first, second = log(terminated), log(terminated)
    correspondence.mark_read(panel_member, clock.now, first)
    assert _open(terminated.id, True) == 2
    correspondence.check(panel_member, clock.now, first, False, False, "")
    correspondence.close_correspondence(panel_member, clock.now, first)
    assert _open(terminated.id, True) == 1
    assert _open(terminated.id, False) == 0
    assert second.status == CorrespondenceStatus.LOGGED


# --- new information or a safeguarding concern: routed for review ---------------------------


@pytest.mark.policy("9.5")
@pytest.mark.parametrize(
    ("new_information", "safeguarding", "said"),
    [
        (True, False, "new information"),
        (False, True, "safeguarding concern"),
        (True, True, "safeguarding concern"),
    ],
)
def test_new_information_or_a_concern_is_routed_for_review_without_a_letter(
    app, clock, terminated, log, panel_member, make_staff, new_information, safeguarding, said
):
    other_panel = make_staff(Role.PANEL, name="Daniel Hughes")
    retired = make_staff(Role.PANEL, name="Retired Panel", active=False)
    item = log(terminated, summary="Says the boiler has failed and a child is unwell.")
    correspondence.mark_read(panel_member, clock.now, item)
    db.session.commit()
    before = _state()
    refused = refusal(
        correspondence.check, panel_member, clock.now, item, new_information, safeguarding, "  "
    )
    assert "check_notes" in refused.errors
    assert _state() == before
    item = db.session.get(Correspondence, item.id)
    assert item.status == CorrespondenceStatus.READ

    correspondence.check(
        panel_member, clock.now, item, new_information, safeguarding, " Referred to safeguarding. "
    )
    assert (item.new_information, item.safeguarding_concern) == (new_information, safeguarding)
    assert item.check_notes == "Referred to safeguarding."
    letters_before = _count(Letter)
    assert correspondence.close_correspondence(panel_member, clock.now, item) is None
    db.session.commit()
    assert item.status == CorrespondenceStatus.ROUTED and item.closed_at == clock.now
    assert item.letter_id is None and _count(Letter) == letters_before
    told = {
        n.user_id: n.message
        for n in db.session.scalars(
            select(Notification).where(Notification.link.like("%#correspondence"))
        )
    }
    assert set(told) == {panel_member.id, other_panel.id}
    assert retired.id not in told
    assert all(said in message and terminated.name in message for message in told.values())


@pytest.mark.policy("9.5")
def test_an_item_with_a_concern_cannot_be_filed(app, clock, terminated, log, panel_member):
    item = log(terminated)
    correspondence.mark_read(panel_member, clock.now, item)
    correspondence.check(panel_member, clock.now, item, False, True, "Mentions self-harm.")
    db.session.commit()
    # Even forced, the database refuses to file an item with a concern.
    some_letter = db.session.scalar(select(Letter.id).limit(1))
    item.status = CorrespondenceStatus.ACKNOWLEDGED
    item.letter_id = some_letter
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


# --- steps in order --------------------------------------------------------------------------


@pytest.mark.policy("9.5")
def test_steps_out_of_order_are_refused(app, clock, terminated, log, panel_member):
    item = log(terminated)
    db.session.commit()  # each refusal rolls back: the item must outlast them
    now = clock.now
    check = (correspondence.check, panel_member, now, item, False, False, "")
    close = (correspondence.close_correspondence, panel_member, now, item)
    read = (correspondence.mark_read, panel_member, now, item)

    assert "Read the item before checking it" in str(refusal(*check))
    assert "Check the item before closing it" in str(refusal(*close))
    correspondence.mark_read(panel_member, now, item)
    db.session.commit()
    assert "already been read" in str(refusal(*read))
    assert "Check the item before closing it" in str(refusal(*close))
    correspondence.check(panel_member, now, item, False, False, "")
    db.session.commit()
    assert "already been checked" in str(refusal(*check))
    assert "already been checked" in str(refusal(*read))
    correspondence.close_correspondence(panel_member, now, item)
    db.session.commit()
    letters = _count(Letter)
    for step in (read, check, close):
        refusal(*step)
    assert item.status == CorrespondenceStatus.ACKNOWLEDGED
    assert _count(Letter) == letters


@pytest.mark.policy("9.5")
def test_the_acknowledgement_is_dated_the_day_it_is_sent(app, clock, terminated, log, panel_member):
    item = log(terminated, received_at=datetime(2026, 11, 20, 16, 0, tzinfo=UTC))
    clock.now = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)  # still the 24th in London (GMT)
    correspondence.mark_read(panel_member, clock.now, item)
    correspondence.check(panel_member, clock.now, item, False, False, "")
    letter = correspondence.close_correspondence(panel_member, clock.now, item)
    assert "<p>24 November 2026</p>" in letter.body_html
    assert "of Friday 20 November 2026" in letter.body_html


# --- each step in turn -----------------------------------------------------------------------


@pytest.mark.policy("9.5")
def test_correspondence_is_logged_read_checked_then_acknowledged_and_filed(
    app, clock, terminated, panel_member
):
    item = correspondence.log_correspondence(
        panel_member,
        clock.now,
        terminated,
        clock.now - timedelta(hours=1),
        "letter",
        "Same points.",
    )
    with pytest.raises(ServiceError):
        correspondence.check(panel_member, clock.now, item, False, False, "")  # not read yet
    correspondence.mark_read(panel_member, clock.now, item)
    with pytest.raises(ServiceError):
        correspondence.close_correspondence(panel_member, clock.now, item)  # not checked yet
    correspondence.check(panel_member, clock.now, item, False, False, "")
    letter = correspondence.close_correspondence(panel_member, clock.now, item)
    assert item.status == CorrespondenceStatus.ACKNOWLEDGED
    assert "received" in letter.body_html.lower()


@pytest.mark.policy("9.5")
def test_new_information_or_a_safeguarding_concern_is_routed_for_review(
    app, clock, terminated, panel_member
):
    item = correspondence.log_correspondence(
        panel_member, clock.now, terminated, clock.now, "email", "Says a child is at risk."
    )
    correspondence.mark_read(panel_member, clock.now, item)
    with pytest.raises(ServiceError):
        correspondence.check(panel_member, clock.now, item, False, True, " ")
    correspondence.check(
        panel_member, clock.now, item, False, True, "Safeguarding referral needed."
    )
    assert correspondence.close_correspondence(panel_member, clock.now, item) is None
    assert item.status == CorrespondenceStatus.ROUTED and item.letter_id is None


@pytest.mark.policy("9.5")
def test_correspondence_is_only_logged_while_all_contact_is_ended(
    app, clock, restriction_in_force, panel_member
):
    restriction = restriction_in_force()
    with pytest.raises(ServiceError):
        correspondence.log_correspondence(
            panel_member, clock.now, restriction.customer, clock.now, "letter", "Hello."
        )
