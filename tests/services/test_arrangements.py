"""Informal arrangements (§8.15): any combination of the six kinds of term, each checked; the
Panel alone approves; the letter is frozen; the customer agrees, declines or proposes a change
(online, or staff record an answer given another way); the Panel ends it with a reason."""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from portal import db
from portal.accounts.models import CustomerAccount
from portal.arrangements import services as arrangements
from portal.arrangements.models import (
    Arrangement,
    ArrangementStatus,
    ArrangementTerm,
    ResponseChannel,
    TermKind,
)
from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.errors import Conflict, NotAllowed, ServiceError
from portal.letters.delivery import Delivery
from portal.letters.models import Letter, LetterKind
from portal.restrictions import queries
from tests.text import plain

TODAY = date(2026, 11, 23)  # the frozen clock's day, a Monday
Term = arrangements.TermInput

# One valid term of each kind, and how the customer reads it.
VALID = {
    TermKind.MEDIATOR: (
        Term(TermKind.MEDIATOR, name="Manchester Mediation Service"),
        "An independent mediator, Manchester Mediation Service, passes messages between us.",
    ),
    TermKind.THIRD_PARTY: (
        Term(TermKind.THIRD_PARTY, name="Citizens Advice Manchester"),
        "We deal with you through Citizens Advice Manchester.",
    ),
    TermKind.WEEKLY_CORRESPONDENCE: (
        Term(TermKind.WEEKLY_CORRESPONDENCE, weekday=4),
        "We write to each other once a week, on Friday.",
    ),
    TermKind.CALL_TIME: (
        Term(TermKind.CALL_TIME, weekday=0, starts_at=time(9, 30), ends_at=time(10, 15)),
        "You call us on Monday between 09:30 and 10:15.",
    ),
    TermKind.CALL_LENGTH: (
        Term(TermKind.CALL_LENGTH, amount=15),
        "Phone calls last no more than 15 minutes.",
    ),
    TermKind.ISSUE_LIMIT: (
        Term(TermKind.ISSUE_LIMIT, amount=2),
        "You raise no more than 2 issues at a time.",
    ),
}
SUMMARY = "Calls at a set time, with a mediator, should keep things calm."


def _counts() -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(select(func.count(model.id)))
        for model in (Arrangement, ArrangementTerm, Letter)
    )


@pytest.fixture
def approve(app, clock, panel_member):
    """``approve(customer, terms, review_on=..., summary=..., actor=...)`` now, by the Panel."""

    def _approve(customer, terms, review_on=date(2027, 2, 23), summary=SUMMARY, actor=None):
        return arrangements.approve(
            actor or panel_member, clock.now, customer, summary, terms, review_on, Delivery.HAND
        )

    return _approve


@pytest.fixture
def customer_account(app, clock):
    """A portal account for ``customer``."""

    def _account(customer) -> CustomerAccount:
        account = CustomerAccount(
            customer_id=customer.id,
            email=f"{customer.reference.lower()}@customer.example",
            password_hash="not-used",
            activated_at=clock.now,
            password_changed_at=clock.now,
        )
        db.session.add(account)
        db.session.commit()
        return account

    return _account


# --- any combination of terms ----------------------------------------------------------------


@pytest.mark.policy("8.15")
def test_every_combination_of_terms_can_be_approved(app, make_customer, approve):
    customer = make_customer()
    kinds = list(VALID)
    combinations = [
        combo for size in range(1, len(kinds) + 1) for combo in itertools.combinations(kinds, size)
    ]
    assert len(combinations) == 63
    for combo in combinations:
        arrangement = approve(customer, [VALID[kind][0] for kind in combo])
        assert [t.kind for t in arrangement.terms] == list(combo)
        assert [t.describe() for t in arrangement.terms] == [VALID[kind][1] for kind in combo]
        assert arrangement.status == ArrangementStatus.AWAITING_CUSTOMER
    assert _counts()[0] == 63


@pytest.mark.policy("8.15")
def test_the_arrangement_letter_is_frozen_and_says_what_is_suggested(
    app, clock, make_customer, approve, organisation_ready, panel_member, audit_events
):
    customer = make_customer()
    arrangement = approve(customer, [term for term, _ in VALID.values()])
    db.session.commit()
    assert arrangement.approved_by_id == panel_member.id and arrangement.approved_at == clock.now
    assert arrangement.summary == SUMMARY and arrangement.review_on == date(2027, 2, 23)
    letter = db.session.get(Letter, arrangement.letter_id)
    assert letter.kind == LetterKind.ARRANGEMENT and letter.customer_id == customer.id
    assert letter.content_sha256 == hashlib.sha256(letter.body_html.encode()).hexdigest()
    html = letter.body_html
    assert f"Dear {customer.name}," in html
    assert "This is not a formal restriction." in html
    assert SUMMARY in html
    for _term, described in VALID.values():
        assert described in html
    assert "We will look at how it is working by 23 February 2027." in html
    assert "You can agree, say no, or suggest a change" in html
    assert "Complaints: 0161 000 0001" in plain(
        html
    ) and "Emergency repairs: 0161 000 0999" in plain(html)
    [event] = audit_events("arrangement.approved", entity_id=arrangement.id)
    assert event.after["letter"] == letter.reference
    assert len(event.after["terms"]) == 6


@pytest.mark.policy("8.15")
def test_details_of_another_kind_are_not_kept(app, make_customer, approve):
    arrangement = approve(
        make_customer(),
        [
            Term(TermKind.CALL_LENGTH, amount=20, starts_at=time(9), ends_at=time(10)),
            Term(TermKind.MEDIATOR, name="  Mediation UK  ", amount=3),
        ],
    )
    length, mediator = arrangement.terms
    assert (length.starts_at, length.ends_at, length.amount) == (None, None, 20)
    assert (mediator.name, mediator.amount) == ("Mediation UK", None)


# --- each term is checked -------------------------------------------------------------------


@pytest.mark.policy("8.15")
@pytest.mark.parametrize(
    ("term", "field"),
    [
        (Term(TermKind.MEDIATOR), "mediator_name"),
        (Term(TermKind.MEDIATOR, name="   "), "mediator_name"),
        (Term(TermKind.THIRD_PARTY), "third_party_name"),
        (Term(TermKind.WEEKLY_CORRESPONDENCE), "weekly_correspondence_weekday"),
        (Term(TermKind.WEEKLY_CORRESPONDENCE, weekday=-1), "weekly_correspondence_weekday"),
        (Term(TermKind.WEEKLY_CORRESPONDENCE, weekday=5), "weekly_correspondence_weekday"),
        (Term(TermKind.WEEKLY_CORRESPONDENCE, weekday=6), "weekly_correspondence_weekday"),
        (
            Term(TermKind.CALL_TIME, weekday=5, starts_at=time(10), ends_at=time(11)),
            "call_time_weekday",
        ),
        (Term(TermKind.CALL_TIME, weekday=1, ends_at=time(11)), "call_time_starts_at"),
        (Term(TermKind.CALL_TIME, weekday=1, starts_at=time(10)), "call_time_starts_at"),
        (
            Term(TermKind.CALL_TIME, weekday=1, starts_at=time(10), ends_at=time(10)),
            "call_time_ends_at",
        ),
        (
            Term(TermKind.CALL_TIME, weekday=1, starts_at=time(11), ends_at=time(10, 59)),
            "call_time_ends_at",
        ),
        (Term(TermKind.CALL_LENGTH), "call_length_amount"),
        (Term(TermKind.CALL_LENGTH, amount=0), "call_length_amount"),
        (Term(TermKind.CALL_LENGTH, amount=601), "call_length_amount"),
        (Term(TermKind.ISSUE_LIMIT, amount=-1), "issue_limit_amount"),
        (Term(TermKind.ISSUE_LIMIT, amount=601), "issue_limit_amount"),
    ],
)
def test_a_term_missing_what_it_needs_is_refused_and_nothing_is_saved(
    app, make_customer, approve, term, field
):
    customer = make_customer()
    before = _counts()
    with pytest.raises(ServiceError) as refused:
        approve(customer, [VALID[TermKind.ISSUE_LIMIT][0], term])
    db.session.rollback()
    assert field in refused.value.errors, refused.value.errors
    assert _counts() == before


@pytest.mark.policy("8.15")
@pytest.mark.parametrize(
    "term",
    [
        Term(TermKind.WEEKLY_CORRESPONDENCE, weekday=0),  # Monday
        Term(TermKind.WEEKLY_CORRESPONDENCE, weekday=4),  # Friday
        Term(TermKind.CALL_TIME, weekday=2, starts_at=time(10), ends_at=time(10, 1)),
        Term(TermKind.CALL_LENGTH, amount=1),
        Term(TermKind.CALL_LENGTH, amount=600),
        Term(TermKind.ISSUE_LIMIT, amount=1),
        Term(TermKind.ISSUE_LIMIT, amount=600),
    ],
)
def test_the_limits_of_each_term_are_allowed(app, make_customer, approve, term):
    [saved] = approve(make_customer(), [term]).terms
    assert (saved.weekday, saved.amount) == (term.weekday, term.amount)


@pytest.mark.policy("8.15")
def test_each_kind_of_term_is_chosen_once(app, make_customer, approve):
    customer = make_customer()
    before = _counts()
    with pytest.raises(ServiceError) as refused:
        approve(
            customer, [Term(TermKind.CALL_LENGTH, amount=10), Term(TermKind.CALL_LENGTH, amount=20)]
        )
    db.session.rollback()
    assert "once" in refused.value.errors["kinds"]
    with pytest.raises(ServiceError) as empty:
        approve(customer, [])
    db.session.rollback()
    assert "at least one" in empty.value.errors["kinds"]
    assert _counts() == before


@pytest.mark.policy("8.15")
@pytest.mark.parametrize(
    ("review_on", "summary", "field"),
    [
        (TODAY, SUMMARY, "review_on"),
        (TODAY - timedelta(days=1), SUMMARY, "review_on"),
        (date(2027, 5, 24), SUMMARY, "review_on"),  # six months and a day
        (date(2027, 2, 23), "  ", "summary"),
    ],
)
def test_the_review_date_and_summary_are_checked(
    app, make_customer, approve, review_on, summary, field
):
    customer = make_customer()
    before = _counts()
    with pytest.raises(ServiceError) as refused:
        approve(customer, [VALID[TermKind.CALL_LENGTH][0]], review_on=review_on, summary=summary)
    db.session.rollback()
    assert field in refused.value.errors
    assert _counts() == before


@pytest.mark.policy("8.15")
@pytest.mark.parametrize("review_on", [TODAY + timedelta(days=1), date(2027, 5, 23)])
def test_a_review_from_tomorrow_to_six_months_is_allowed(app, make_customer, approve, review_on):
    assert approve(make_customer(), [VALID[TermKind.CALL_LENGTH][0]], review_on=review_on)


@pytest.mark.policy("8.15")
@pytest.mark.parametrize(
    "role", [Role.COLLEAGUE, Role.LINE_MANAGER, Role.CSM, Role.GLT, Role.CEM, Role.ADMIN]
)
def test_only_the_panel_approves(app, make_customer, approve, make_staff, role):
    customer = make_customer()
    someone = make_staff(role)
    before = _counts()
    with pytest.raises(NotAllowed):
        approve(customer, [VALID[TermKind.CALL_LENGTH][0]], actor=someone)
    db.session.rollback()
    assert _counts() == before


# --- the customer's answer -------------------------------------------------------------------


@pytest.mark.policy("8.15")
def test_the_customer_agrees_online(
    app, clock, make_customer, make_arrangement, customer_account, audit_events
):
    customer = make_customer()
    arrangement = make_arrangement(customer)
    account = customer_account(customer)
    clock.now = datetime(2026, 11, 25, 18, 30, tzinfo=UTC)
    arrangements.record_answer(account, clock.now, arrangement, "agree", ResponseChannel.PORTAL, "")
    db.session.commit()
    assert arrangement.status == ArrangementStatus.AGREED and arrangement.active
    assert arrangement.response_channel == ResponseChannel.PORTAL
    assert arrangement.responded_at == clock.now
    assert arrangement.response_recorded_by_id is None  # the customer, not staff
    [event] = audit_events("arrangement.answered", entity_id=arrangement.id)
    assert event.actor_id is None and customer.name in event.actor_label
    assert event.before == {"status": "awaiting_customer"}
    assert event.after["status"] == "agreed" and event.after["channel"] == "portal"
    # Agreed arrangements show on the customer record for every colleague.
    assert queries.contact_picture(customer.id, with_history=False).arrangements == [arrangement]
    assert arrangements.active_for(customer.id) == [arrangement]


@pytest.mark.policy("8.15")
def test_a_customer_answers_only_their_own_arrangement(
    app, clock, make_customer, make_arrangement, customer_account
):
    mine, theirs = make_customer(), make_customer()
    arrangement = make_arrangement(theirs)
    account = customer_account(mine)
    with pytest.raises(NotAllowed):
        arrangements.record_answer(
            account, clock.now, arrangement, "decline", ResponseChannel.PORTAL, ""
        )
    db.session.rollback()
    assert db.session.get(Arrangement, arrangement.id).status == (
        ArrangementStatus.AWAITING_CUSTOMER
    )


@pytest.mark.policy("8.15")
@pytest.mark.parametrize(
    "channel",
    [
        ResponseChannel.PHONE,
        ResponseChannel.LETTER,
        ResponseChannel.EMAIL,
        ResponseChannel.IN_PERSON,
    ],
)
def test_the_panel_records_an_answer_given_another_way(
    app, clock, make_customer, make_arrangement, panel_member, channel
):
    arrangement = make_arrangement(make_customer())
    arrangements.record_answer(
        panel_member, clock.now, arrangement, "decline", channel, " Wants no limits. "
    )
    assert arrangement.status == ArrangementStatus.DECLINED and not arrangement.active
    assert arrangement.response_channel == channel
    assert arrangement.response_note == "Wants no limits."
    assert arrangement.response_recorded_by_id == panel_member.id


@pytest.mark.policy("8.15")
def test_staff_say_how_the_answer_was_given(
    app, clock, make_customer, make_arrangement, panel_member
):
    arrangement = make_arrangement(make_customer())
    with pytest.raises(ServiceError) as refused:
        arrangements.record_answer(
            panel_member, clock.now, arrangement, "agree", ResponseChannel.PORTAL, ""
        )
    db.session.rollback()
    assert "channel" in refused.value.errors
    assert arrangement.status == ArrangementStatus.AWAITING_CUSTOMER


@pytest.mark.policy("8.15")
@pytest.mark.parametrize("role", [Role.COLLEAGUE, Role.GLT, Role.ADMIN])
def test_only_the_panel_records_an_answer_for_the_customer(
    app, clock, make_customer, make_arrangement, make_staff, role
):
    arrangement = make_arrangement(make_customer())
    with pytest.raises(NotAllowed):
        arrangements.record_answer(
            make_staff(role), clock.now, arrangement, "agree", ResponseChannel.PHONE, ""
        )
    db.session.rollback()
    assert db.session.get(Arrangement, arrangement.id).status == (
        ArrangementStatus.AWAITING_CUSTOMER
    )


@pytest.mark.policy("8.15")
def test_a_proposed_change_needs_details_and_can_then_be_agreed(
    app, clock, make_customer, make_arrangement, customer_account
):
    customer = make_customer()
    arrangement = make_arrangement(customer)
    account = customer_account(customer)
    for answer, note, field in (("propose_change", "  ", "note"), ("maybe", "", "answer")):
        with pytest.raises(ServiceError) as refused:
            arrangements.record_answer(
                account, clock.now, arrangement, answer, ResponseChannel.PORTAL, note
            )
        db.session.rollback()
        assert field in refused.value.errors
    arrangements.record_answer(
        account,
        clock.now,
        arrangement,
        "propose_change",
        ResponseChannel.PORTAL,
        "Could the calls be on Thursdays? I work Tuesdays.",
    )
    assert arrangement.status == ArrangementStatus.CHANGE_PROPOSED
    assert arrangement.response_note.startswith("Could the calls be on Thursdays?")
    # Shown to the Panel with the history, not yet to every colleague.
    assert queries.contact_picture(customer.id, with_history=True).arrangements == [arrangement]
    assert queries.contact_picture(customer.id, with_history=False).arrangements == []
    later = clock.now + timedelta(days=2)
    arrangements.record_answer(account, later, arrangement, "agree", ResponseChannel.PORTAL, "")
    assert arrangement.status == ArrangementStatus.AGREED
    assert arrangement.responded_at == later


@pytest.mark.policy("8.15")
@pytest.mark.parametrize("first", ["agree", "decline"])
@pytest.mark.parametrize("second", ["agree", "decline", "propose_change"])
def test_an_answered_arrangement_cannot_be_answered_again(
    app, clock, make_customer, make_arrangement, panel_member, first, second
):
    arrangement = make_arrangement(make_customer())
    arrangements.record_answer(
        panel_member, clock.now, arrangement, first, ResponseChannel.PHONE, ""
    )
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        arrangements.record_answer(
            panel_member, clock.now, arrangement, second, ResponseChannel.PHONE, "Change it."
        )
    db.session.rollback()
    # The second person is told what the first answer was, by whom and when.
    assert f"already recorded: {arrangements.ANSWERS[first].value}" in str(refused.value)
    assert refused.value.by == panel_member.name
    assert arrangement.status == arrangements.ANSWERS[first]


# --- ending an arrangement --------------------------------------------------------------------


@pytest.mark.policy("8.15")
def test_the_panel_ends_an_arrangement_with_a_reason(
    app, clock, make_customer, make_arrangement, panel_member, audit_events
):
    customer = make_customer()
    arrangement = make_arrangement(customer)
    arrangements.record_answer(
        panel_member, clock.now, arrangement, "agree", ResponseChannel.PHONE, ""
    )
    db.session.commit()
    with pytest.raises(ServiceError) as no_reason:
        arrangements.end(panel_member, clock.now, arrangement, "  ")
    db.session.rollback()
    assert "reason" in no_reason.value.errors
    assert db.session.get(Arrangement, arrangement.id).status == ArrangementStatus.AGREED

    arrangements.end(panel_member, clock.now, arrangement, "Working well; no longer needed.")
    db.session.commit()
    assert arrangement.status == ArrangementStatus.ENDED and arrangement.ended_at == clock.now
    [event] = audit_events("arrangement.ended", entity_id=arrangement.id)
    assert event.before == {"status": "agreed"}
    assert event.after["reason"] == "Working well; no longer needed."
    assert queries.contact_picture(customer.id, with_history=False).arrangements == []
    assert queries.contact_picture(customer.id, with_history=True).arrangements == []

    with pytest.raises(ServiceError):
        arrangements.end(panel_member, clock.now, arrangement, "Again.")
    db.session.rollback()
    with pytest.raises(ServiceError):
        arrangements.record_answer(
            panel_member, clock.now, arrangement, "agree", ResponseChannel.PHONE, ""
        )
    db.session.rollback()


@pytest.mark.policy("8.15")
def test_an_arrangement_waiting_for_an_answer_can_be_withdrawn(
    app, clock, make_customer, make_arrangement, panel_member
):
    arrangement = make_arrangement(make_customer())
    arrangements.end(panel_member, clock.now, arrangement, "Customer moved away.")
    assert arrangement.status == ArrangementStatus.ENDED


@pytest.mark.policy("8.15")
@pytest.mark.parametrize("role", [Role.COLLEAGUE, Role.GLT, Role.CEM])
def test_only_the_panel_ends_an_arrangement(
    app, clock, make_customer, make_arrangement, make_staff, role
):
    arrangement = make_arrangement(make_customer())
    with pytest.raises(NotAllowed):
        arrangements.end(make_staff(role), clock.now, arrangement, "No longer needed.")
    db.session.rollback()
    assert db.session.get(Arrangement, arrangement.id).status == (
        ArrangementStatus.AWAITING_CUSTOMER
    )


def test_approving_and_answering_are_audited_in_order(
    app, clock, make_customer, make_arrangement, panel_member
):
    arrangement = make_arrangement(make_customer())
    arrangements.record_answer(
        panel_member, clock.now, arrangement, "agree", ResponseChannel.LETTER, ""
    )
    actions = list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.like("arrangement.%") | (AuditEvent.entity_type == "letter"))
            .order_by(AuditEvent.id)
        )
    )
    assert actions == ["letter.issued", "arrangement.approved", "arrangement.answered"]
