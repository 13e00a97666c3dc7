"""The restriction stage through the services: requests, GLT decisions, decision letters and
arrangements (§4.6, §8.15–8.21). Reviews (§10.1) are tested in test_restriction_reviews.py,
correspondence under termination (§9.5) in test_correspondence.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from portal import db
from portal.arrangements import services as arrangements
from portal.arrangements.models import ArrangementStatus, ResponseChannel, TermKind
from portal.auth.models import Role, UserRole
from portal.errors import NotAllowed, ServiceError
from portal.letters.models import Letter
from portal.restrictions import queries, rules
from portal.restrictions import services as restrictions
from portal.restrictions.models import (
    Delivery,
    RequestStatus,
    Restriction,
    RestrictionKind,
    RestrictionRequest,
    RestrictionStatus,
)
from portal.timeutil import add_months
from portal.workdays.calendar import WorkingCalendar
from tests.restriction_factories import EVIDENCE, request_input, spec
from tests.text import plain

CAL = WorkingCalendar()

TODAY = date(2026, 11, 23)  # the London date of the frozen clock (tests/conftest.py)


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


# --- dates --------------------------------------------------------------------------------


@pytest.mark.policy("8.20")
def test_appeal_deadline_across_easter_2027():
    # Notified Fri 19 Mar 2027: Good Friday 26 Mar and Easter Monday 29 Mar are skipped.
    assert rules.appeal_deadline(date(2027, 3, 19), CAL).due == date(2027, 4, 20)
    # Day 20 is the deadline; the day before is day 19.
    assert CAL.working_days_between(date(2027, 3, 19), date(2027, 4, 20)) == 20
    assert CAL.working_days_between(date(2027, 3, 19), date(2027, 4, 19)) == 19


@pytest.mark.policy("8.20")
@pytest.mark.parametrize(
    ("delivery", "sent", "days", "notified"),
    [
        (Delivery.PORTAL, date(2027, 3, 19), 2, date(2027, 3, 19)),
        (Delivery.EMAIL, date(2027, 3, 19), 2, date(2027, 3, 19)),
        (Delivery.HAND, date(2027, 3, 19), 2, date(2027, 3, 19)),
        (Delivery.POST, date(2027, 3, 19), 0, date(2027, 3, 19)),
        (Delivery.POST, date(2027, 3, 19), 2, date(2027, 3, 23)),  # Fri → Tue
        (Delivery.POST, date(2027, 3, 25), 2, date(2027, 3, 31)),  # over Easter
        (Delivery.POST, date(2026, 12, 23), 2, date(2026, 12, 29)),  # over Christmas
    ],
)
def test_notification_date_follows_the_delivery_method(delivery, sent, days, notified):
    assert rules.notified_on(delivery, sent, days, CAL) == notified


@pytest.mark.policy("10.1")
@pytest.mark.parametrize(
    ("start", "latest"),
    [
        (date(2027, 1, 15), date(2027, 7, 15)),
        (date(2026, 8, 31), date(2027, 2, 28)),  # month end
        (date(2027, 8, 31), date(2028, 2, 29)),  # leap year
    ],
)
def test_reviews_are_at_most_six_months_apart(start, latest):
    assert rules.latest_review_date(start) == latest


@pytest.mark.policy("10.1")
def test_a_review_date_six_months_and_one_day_away_is_refused(app, make_customer):
    customer = make_customer()
    start = date(2027, 1, 15)
    assert "review_on" not in restrictions.validate_spec(
        spec(start, review_on=date(2027, 7, 15)), customer.id
    )
    errors = restrictions.validate_spec(spec(start, review_on=date(2027, 7, 16)), customer.id)
    assert "6 months" in errors["review_on"]


# --- the request (§8.16–8.18) ------------------------------------------------------------


@pytest.mark.policy("8.17")
@pytest.mark.policy("8.18")
def test_a_request_needs_evidence_for_every_point(
    app, make_customer, final_warning_for, make_request
):
    customer = make_customer()
    final_warning_for(customer)
    for key in EVIDENCE:
        checklist = {**EVIDENCE, key: "  "}
        with pytest.raises(ServiceError):
            make_request(customer, checklist=checklist)
        db.session.rollback()
    request = make_request(customer)
    assert request.final_warning_id is not None
    assert request.status == RequestStatus.SUBMITTED


@pytest.mark.policy("8.17")
def test_final_warning_is_read_from_the_data_and_lapses_after_12_months(
    app, clock, make_customer, give_warning
):
    customer = make_customer()
    issued = datetime(2026, 1, 10, 9, tzinfo=UTC)
    for offset in (60, 30, 0):
        warning = give_warning(customer, issued - timedelta(days=offset))
    assert warning.stage.value == "final"
    assert restrictions.live_final_warning(customer.id, warning.lapses_on) is not None
    assert (
        restrictions.live_final_warning(customer.id, warning.lapses_on + timedelta(days=1)) is None
    )


@pytest.mark.policy("8.17")
def test_without_a_final_warning_only_a_serious_incident_can_waive_it(
    app, make_customer, make_incident, serious_incident_for, make_request
):
    customer = make_customer()
    ordinary = make_incident(customer)
    with pytest.raises(ServiceError) as no_waiver:
        make_request(customer)
    assert "waiver_incident_id" in no_waiver.value.errors
    db.session.rollback()
    with pytest.raises(ServiceError) as not_serious:
        make_request(customer, waiver_incident_id=ordinary.id, waiver_reason="Urgent.")
    assert not_serious.value.codes["waiver_incident_id"] == "restriction_request.waiver_not_serious"
    db.session.rollback()
    serious = serious_incident_for(customer)
    with pytest.raises(ServiceError) as no_reason:
        make_request(customer, waiver_incident_id=serious.id, waiver_reason=" ")
    assert "waiver_reason" in no_reason.value.errors
    db.session.rollback()
    request = make_request(customer, waiver_incident_id=serious.id, waiver_reason="Threats.")
    assert request.final_warning_id is None and request.waiver_incident_id == serious.id


@pytest.mark.policy("8.18")
def test_only_the_panel_requests(app, make_customer, final_warning_for, make_staff, clock):
    customer = make_customer()
    final_warning_for(customer)
    for role in (Role.COLLEAGUE, Role.LINE_MANAGER, Role.GLT, Role.CEM, Role.CSM, Role.ADMIN):
        with pytest.raises(NotAllowed):
            restrictions.submit_request(make_staff(role), clock.now, customer, request_input())
    assert _count(RestrictionRequest) == 0


# --- the GLT decision (§8.16, §8.19) -----------------------------------------------------


@pytest.fixture
def request_with_final(make_customer, final_warning_for, make_request):
    customer = make_customer()
    final_warning_for(customer)
    return make_request(customer)


@pytest.mark.policy("8.16")
@pytest.mark.policy("8.19")
def test_the_requester_can_never_approve_even_holding_glt(
    app, clock, request_with_final, panel_member
):
    panel_member.role_links.append(UserRole(role=Role.GLT))
    db.session.commit()
    with pytest.raises(NotAllowed):
        restrictions.decide(
            panel_member,
            clock.now,
            request_with_final,
            RequestStatus.APPROVED,
            "Approved.",
            [spec(clock.now.date())],
        )
    assert _count(Restriction) == 0
    assert request_with_final.status == RequestStatus.SUBMITTED


@pytest.mark.policy("8.16")
def test_only_glt_decides(app, clock, request_with_final, make_staff):
    for role in (Role.PANEL, Role.CEM, Role.LINE_MANAGER, Role.ADMIN):
        with pytest.raises(NotAllowed):
            restrictions.decide(
                make_staff(role), clock.now, request_with_final, RequestStatus.REJECTED, "No.", []
            )


@pytest.mark.policy("8.19")
def test_approve_with_changes_is_needed_when_glt_changes_the_restriction(
    app, clock, request_with_final, glt_member
):
    changed = [spec(clock.now.date(), kind=RestrictionKind.SET_TIMES, schedule="Tue 10–11")]
    with pytest.raises(ServiceError) as plain:
        restrictions.decide(
            glt_member, clock.now, request_with_final, RequestStatus.APPROVED, "OK", changed
        )
    assert plain.value.codes["outcome"] == "restriction_decision.differs_from_request"
    db.session.rollback()
    made = restrictions.decide(
        glt_member,
        clock.now,
        request_with_final,
        RequestStatus.APPROVED_WITH_CHANGES,
        "OK",
        changed,
    )
    assert [r.kind for r in made] == [RestrictionKind.SET_TIMES]
    assert made[0].status == RestrictionStatus.AWAITING_NOTICE


@pytest.mark.policy("8.19")
def test_reject_and_ask_for_more_information(
    app, clock, request_with_final, glt_member, panel_member
):
    with pytest.raises(ServiceError):
        restrictions.decide(
            glt_member, clock.now, request_with_final, RequestStatus.REJECTED, " ", []
        )
    db.session.rollback()
    restrictions.ask_for_more(glt_member, clock.now, request_with_final, "What did the CEM say?")
    assert request_with_final.status == RequestStatus.MORE_INFO
    restrictions.resubmit(panel_member, clock.now, request_with_final, request_input())
    assert request_with_final.status == RequestStatus.SUBMITTED
    restrictions.decide(
        glt_member, clock.now, request_with_final, RequestStatus.REJECTED, "Not proportionate.", []
    )
    assert request_with_final.status == RequestStatus.REJECTED
    assert _count(Restriction) == 0
    with pytest.raises(ServiceError):
        restrictions.decide(
            glt_member, clock.now, request_with_final, RequestStatus.REJECTED, "Again.", []
        )


@pytest.mark.policy("8.19")
@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"kind": RestrictionKind.CHANNEL_ONLY, "channel": None}, "channel"),
        ({"kind": RestrictionKind.NAMED_MANAGER, "channel": None}, "named_manager_id"),
        ({"kind": RestrictionKind.SET_TIMES, "channel": None, "schedule": " "}, "schedule"),
        ({"kind": RestrictionKind.THIRD_PARTY, "channel": None}, "third_party"),
        ({"reasons": " "}, "restriction_reasons"),
    ],
)
def test_each_restriction_names_what_it_needs(app, make_customer, fields, error):
    customer = make_customer()
    assert error in restrictions.validate_spec(spec(date(2027, 1, 4), **fields), customer.id)


@pytest.mark.policy("8.19")
def test_termination_is_refused_without_a_serious_incident_and_needs_an_end(
    app, clock, make_customer, serious_incident_for
):
    customer = make_customer()
    ending = spec(clock.now.date(), kind=RestrictionKind.TERMINATION, channel=None)
    errors = restrictions.validate_spec(ending, customer.id)
    assert "serious incident" in errors["kind"] and "end date" in errors["ends_on"]
    serious_incident_for(customer)
    ending.ends_on = add_months(clock.now.date(), 3)
    assert restrictions.validate_spec(ending, customer.id) == {}


@pytest.mark.policy("4.6")
def test_immediate_notice_puts_the_restriction_in_force_before_the_letter(
    app, clock, request_with_final, glt_member
):
    made = restrictions.decide(
        glt_member,
        clock.now,
        request_with_final,
        RequestStatus.APPROVED,
        "Colleagues at risk.",
        [spec(clock.now.date(), immediate_notice=True)],
    )
    assert made[0].status == RestrictionStatus.ACTIVE and made[0].letter_id is None


# --- the decision letter (§8.20) ---------------------------------------------------------


@pytest.mark.policy("8.20")
@pytest.mark.parametrize(
    ("field", "missing"),
    [
        ("appeals_contact", "how to appeal"),
        ("review_request_contact", "how to ask for the decision to be reviewed"),
        ("complaints_contact", "how to make a complaint"),
    ],
)
def test_the_letter_cannot_be_issued_with_a_part_missing(
    app,
    clock,
    request_with_final,
    approve_request,
    organisation_ready,
    panel_member,
    field,
    missing,
):
    made = approve_request(request_with_final)
    setattr(organisation_ready, field, "")
    db.session.commit()
    letters_before = _count(Letter)
    with pytest.raises(ServiceError) as refused:
        restrictions.issue_decision_letter(panel_member, clock.now, made, Delivery.HAND)
    assert missing in str(refused.value.errors)
    db.session.rollback()
    assert _count(Letter) == letters_before
    assert db.session.get(Restriction, made[0].id).status == RestrictionStatus.AWAITING_NOTICE


@pytest.mark.policy("8.20")
def test_the_issued_letter_says_why_what_how_long_review_and_appeal(
    app, clock, restriction_in_force
):
    clock.now = datetime(2027, 3, 19, 10, tzinfo=UTC)
    restriction = restriction_in_force(now=clock.now)
    letter = db.session.get(Letter, restriction.letter_id)
    html = letter.body_html
    assert restriction.reasons in html
    assert "Contact us by email only" in html
    assert "It starts on 19 March 2027" in html
    assert f"review it by {restriction.review_on:%-d %B %Y}" in html
    assert "Write to the Customer Conduct Panel to ask for a review." in html
    assert "Write to the Customer Experience Manager to appeal." in html
    assert "You have until Tuesday 20 April 2027 to appeal" in html
    assert "Complaints: 0161 000 0001" in plain(
        html
    ) and "Emergency repairs: 0161 000 0999" in plain(html)
    assert restriction.appeal_deadline == date(2027, 4, 20)
    assert restriction.status == RestrictionStatus.ACTIVE
    with pytest.raises(ServiceError):
        restrictions.issue_decision_letter(
            restriction.approved_by, clock.now, [restriction], Delivery.PORTAL
        )


@pytest.mark.policy("8.20")
def test_a_posted_letter_counts_from_delivery(app, clock, restriction_in_force):
    clock.now = datetime(2027, 3, 19, 10, tzinfo=UTC)
    restriction = restriction_in_force(now=clock.now, delivery=Delivery.POST)
    assert restriction.notified_on == date(2027, 3, 23)
    assert restriction.appeal_deadline == date(2027, 4, 22)


# --- the flag every colleague sees (§8.21) -----------------------------------------------


@pytest.mark.policy("8.21")
def test_the_flag_says_what_contact_is_allowed_with_whom_and_until_when(
    app, clock, restriction_in_force
):
    restriction = restriction_in_force()
    picture = queries.contact_picture(restriction.customer_id, with_history=False, today=TODAY)
    [(shown, allowed)] = picture.in_force
    assert shown.id == restriction.id
    assert allowed.headline == "Contact by email only"
    assert "Politely end calls" in allowed.how
    assert restriction.review_on.strftime("%-d %B %Y") in allowed.until
    assert picture.history == [] and picture.requests == []
    assert len(rules.ALWAYS_OPEN) == 2


# --- arrangements (§8.15) ----------------------------------------------------------------


@pytest.mark.policy("8.15")
def test_an_arrangement_combines_terms_and_waits_for_the_customer(
    app, clock, make_customer, make_arrangement
):
    customer = make_customer()
    arrangement = make_arrangement(
        customer,
        terms=[
            arrangements.TermInput(kind=TermKind.MEDIATOR, name="Manchester Mediation"),
            arrangements.TermInput(kind=TermKind.WEEKLY_CORRESPONDENCE, weekday=2),
            arrangements.TermInput(
                kind=TermKind.CALL_TIME, weekday=1, starts_at=time(10), ends_at=time(11)
            ),
            arrangements.TermInput(kind=TermKind.CALL_LENGTH, amount=20),
            arrangements.TermInput(kind=TermKind.ISSUE_LIMIT, amount=3),
            arrangements.TermInput(kind=TermKind.THIRD_PARTY, name="Citizens Advice"),
        ],
    )
    assert arrangement.status == ArrangementStatus.AWAITING_CUSTOMER
    described = [t.describe() for t in arrangement.terms]
    assert "You call us on Tuesday between 10:00 and 11:00." in described
    letter = db.session.get(Letter, arrangement.letter_id)
    assert "Manchester Mediation" in letter.body_html


@pytest.mark.policy("8.15")
@pytest.mark.parametrize(
    ("term", "error"),
    [
        (arrangements.TermInput(kind=TermKind.MEDIATOR), "mediator_name"),
        (
            arrangements.TermInput(kind=TermKind.WEEKLY_CORRESPONDENCE, weekday=5),
            "weekly_correspondence",
        ),
        (
            arrangements.TermInput(
                kind=TermKind.CALL_TIME, weekday=1, starts_at=time(11), ends_at=time(10)
            ),
            "call_time",
        ),
        (arrangements.TermInput(kind=TermKind.CALL_LENGTH, amount=0), "call_length"),
        (arrangements.TermInput(kind=TermKind.ISSUE_LIMIT, amount=601), "issue_limit"),
    ],
)
def test_arrangement_terms_are_checked(app, clock, make_customer, make_arrangement, term, error):
    customer = make_customer()
    with pytest.raises(ServiceError) as refused:
        make_arrangement(customer, terms=[term])
    assert any(key.startswith(error) for key in refused.value.errors), refused.value.errors


@pytest.mark.policy("8.15")
def test_the_customer_agrees_declines_or_proposes_a_change(
    app, clock, make_customer, make_arrangement, panel_member
):
    customer = make_customer()
    arrangement = make_arrangement(customer)
    with pytest.raises(ServiceError):
        arrangements.record_answer(
            panel_member, clock.now, arrangement, "propose_change", ResponseChannel.PHONE, " "
        )
    arrangements.record_answer(
        panel_member,
        clock.now,
        arrangement,
        "propose_change",
        ResponseChannel.PHONE,
        "Thursdays instead",
    )
    assert arrangement.status == ArrangementStatus.CHANGE_PROPOSED
    arrangements.record_answer(
        panel_member, clock.now, arrangement, "agree", ResponseChannel.LETTER, ""
    )
    assert arrangement.status == ArrangementStatus.AGREED
    with pytest.raises(ServiceError):
        arrangements.record_answer(
            panel_member, clock.now, arrangement, "decline", ResponseChannel.PHONE, ""
        )
    picture = queries.contact_picture(customer.id, with_history=False, today=TODAY)
    assert picture.arrangements == [arrangement]


@pytest.mark.policy("8.15")
def test_only_the_panel_approves_arrangements(app, clock, make_customer, make_staff):
    customer = make_customer()
    with pytest.raises(NotAllowed):
        arrangements.approve(
            make_staff(Role.COLLEAGUE),
            clock.now,
            customer,
            "Summary",
            [arrangements.TermInput(kind=TermKind.CALL_LENGTH, amount=20)],
            add_months(clock.now.date(), 3),
            Delivery.HAND,
        )
