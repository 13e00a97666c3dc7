"""Requests to restrict contact, GLT decisions and the decision letter through the services
(§4.6, §8.16–8.21): evidence for every point, the final warning read from the data, only GLT
deciding and never on their own request, a letter that cannot go without what §8.20 requires,
and the flag every colleague sees."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal import db
from portal.audit.models import AuditEvent
from portal.auth.models import Role, UserRole
from portal.deadlines import add_closure
from portal.errors import Conflict, NotAllowed, ServiceError
from portal.letters import services as letter_services
from portal.letters.models import Letter, LetterKind
from portal.notifications.models import Notification
from portal.restrictions import queries
from portal.restrictions import services as restrictions
from portal.restrictions.models import (
    CHECKLIST,
    ContactRoute,
    Delivery,
    RequestStatus,
    Restriction,
    RestrictionKind,
    RestrictionRequest,
    RestrictionStatus,
)
from portal.reviews import services as reviews
from portal.reviews.models import ReviewOutcome
from portal.timeutil import add_months, london_date
from tests.restriction_factories import EVIDENCE, refusal, request_input, spec
from tests.text import plain

MARCH_19_2027 = datetime(2027, 3, 19, 10, 0, tzinfo=UTC)  # a Friday, a week before Easter

TODAY = date(2026, 11, 23)  # the London date of the frozen clock (tests/conftest.py)


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


@pytest.fixture
def customer_with_final(make_customer, final_warning_for):
    customer = make_customer()
    final_warning_for(customer)
    return customer


@pytest.fixture
def request_with_final(customer_with_final, make_request):
    return make_request(customer_with_final)


@pytest.fixture
def decide(app, clock, glt_member):
    """``decide(request, outcome, specs, reasons=..., actor=...)`` with the frozen clock."""

    def _decide(request, outcome, specs, reasons="The evidence is clear.", actor=None):
        return restrictions.decide(actor or glt_member, clock.now, request, outcome, reasons, specs)

    return _decide


# --- the request: every point of §8.17 evidenced (§8.17, §8.18) ------------------------------


@pytest.mark.policy("8.17")
@pytest.mark.parametrize("point", list(CHECKLIST))
@pytest.mark.parametrize("evidence", [None, "   \n "])
def test_every_point_needs_evidence(app, clock, customer_with_final, panel_member, point, evidence):
    checklist = dict(EVIDENCE)
    if evidence is None:
        del checklist[point]
    else:
        checklist[point] = evidence
    refused = refusal(
        restrictions.submit_request,
        panel_member,
        clock.now,
        customer_with_final,
        request_input(checklist=checklist),
    )
    assert f"checklist_{point}" in refused.errors
    assert _count(RestrictionRequest) == 0


@pytest.mark.policy("8.17")
def test_a_point_not_in_the_policy_is_refused(app, clock, customer_with_final, panel_member):
    checklist = {**EVIDENCE, "customer_is_annoying": "They call a lot."}
    refused = refusal(
        restrictions.submit_request,
        panel_member,
        clock.now,
        customer_with_final,
        request_input(checklist=checklist),
    )
    assert refused.codes[""] == "restriction_request.unknown_points"


@pytest.mark.policy("8.18")
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"proposed_kinds": []}, "proposed_kinds"),
        ({"proposal": "  "}, "proposal"),
    ],
)
def test_the_request_says_what_restriction_is_proposed(
    app, clock, customer_with_final, panel_member, fields, field
):
    refused = refusal(
        restrictions.submit_request,
        panel_member,
        clock.now,
        customer_with_final,
        request_input(**fields),
    )
    assert field in refused.errors
    assert _count(RestrictionRequest) == 0


@pytest.mark.policy("8.18")
def test_the_panel_sends_the_request_to_glt(
    app, clock, customer_with_final, panel_member, glt_member, make_request, audit_events
):
    request = make_request(customer_with_final)
    assert request.reference == "RR-2026-0001"
    assert request.status == RequestStatus.SUBMITTED
    assert request.requested_by_id == panel_member.id
    assert request.checklist == {key: value.strip() for key, value in EVIDENCE.items()}
    assert make_request(customer_with_final).reference == "RR-2026-0002"
    # GLT is told; the requester is not told about their own request.
    told = db.session.scalars(select(Notification.user_id)).all()
    assert glt_member.id in told and panel_member.id not in told
    [event, _second] = audit_events("restriction_request.submitted")
    assert event.entity_id == request.id
    assert event.after["final_warning_id"] == request.final_warning_id


@pytest.mark.policy("8.18")
@pytest.mark.parametrize(
    "role", [Role.COLLEAGUE, Role.LINE_MANAGER, Role.CSM, Role.GLT, Role.CEM, Role.ADMIN]
)
def test_only_the_panel_completes_a_request(app, clock, customer_with_final, make_staff, role):
    with pytest.raises(NotAllowed):
        restrictions.submit_request(
            make_staff(role), clock.now, customer_with_final, request_input()
        )
    assert _count(RestrictionRequest) == 0


# --- the final warning is read from the data (§8.17, point 8) --------------------------------


@pytest.mark.policy("8.17")
def test_a_final_warning_issued_exactly_12_months_ago_still_counts(
    app, clock, make_customer, final_warning_for, make_request
):
    customer = make_customer()
    final = final_warning_for(customer, days_ago=365)  # Mon 23 Nov 2025, a year before now
    assert final.stage.value == "final" and final.issued_on == date(2025, 11, 23)
    assert final.lapses_on == date(2026, 11, 23)
    today = london_date(clock.now)
    assert restrictions.live_final_warning(customer.id, today).id == final.id
    request = make_request(customer)
    assert request.final_warning_id == final.id
    assert request.waiver_incident_id is None


@pytest.mark.policy("8.17")
def test_a_final_warning_issued_12_months_and_a_day_ago_has_lapsed(
    app, clock, make_customer, final_warning_for, panel_member
):
    customer = make_customer()
    final = final_warning_for(customer, days_ago=366)  # Sat 22 Nov 2025
    assert final.lapses_on == date(2026, 11, 22)
    today = london_date(clock.now)
    assert restrictions.live_final_warning(customer.id, today) is None
    assert restrictions.live_final_warning(customer.id, today - timedelta(days=1)).id == final.id
    refused = refusal(
        restrictions.submit_request, panel_member, clock.now, customer, request_input()
    )
    assert refused.codes["waiver_incident_id"] == "restriction_request.no_final_warning"
    assert _count(RestrictionRequest) == 0


@pytest.mark.policy("8.17")
def test_a_second_stage_warning_is_not_a_final_warning(
    app, clock, make_customer, give_warning, panel_member
):
    customer = make_customer()
    give_warning(customer, clock.now - timedelta(days=60))
    second = give_warning(customer, clock.now - timedelta(days=10))
    assert second.stage.value == "second"
    assert restrictions.live_final_warning(customer.id, london_date(clock.now)) is None
    refused = refusal(
        restrictions.submit_request, panel_member, clock.now, customer, request_input()
    )
    assert "waiver_incident_id" in refused.errors


@pytest.mark.policy("8.17")
def test_another_customers_final_warning_does_not_count(
    app, clock, make_customer, customer_with_final, panel_member
):
    other = make_customer()
    assert restrictions.live_final_warning(customer_with_final.id, london_date(clock.now))
    assert restrictions.live_final_warning(other.id, london_date(clock.now)) is None


# --- waiving the final warning after a serious incident (§8.17, §8.1) -----------------------


@pytest.mark.policy("8.17")
def test_only_a_serious_incident_with_a_reason_waives_the_final_warning(
    app, clock, make_customer, make_incident, serious_incident_for, panel_member, make_request
):
    customer = make_customer()
    ordinary = make_incident(customer)  # verbal abuse: not serious in the sense of §8.1
    assert not ordinary.serious

    def submit(**fields):
        return refusal(
            restrictions.submit_request,
            panel_member,
            clock.now,
            customer,
            request_input(**fields),
        )

    assert "waiver_incident_id" in submit().errors
    assert "waiver_incident_id" in submit(waiver_reason="It is urgent.").errors
    not_serious = submit(waiver_incident_id=ordinary.id, waiver_reason="It is urgent.")
    assert not_serious.codes["waiver_incident_id"] == "restriction_request.waiver_not_serious"
    serious = serious_incident_for(customer)
    assert serious.serious
    assert "waiver_reason" in submit(waiver_incident_id=serious.id, waiver_reason="  ").errors
    assert _count(RestrictionRequest) == 0

    request = make_request(
        customer, waiver_incident_id=serious.id, waiver_reason="  Threats to kill.  "
    )
    assert request.final_warning_id is None
    assert request.waiver_incident_id == serious.id
    assert request.waiver_reason == "Threats to kill."


@pytest.mark.policy("8.17")
def test_another_customers_serious_incident_cannot_waive(
    app, clock, make_customer, serious_incident_for, panel_member
):
    customer, other = make_customer(), make_customer()
    theirs = serious_incident_for(other)
    refused = refusal(
        restrictions.submit_request,
        panel_member,
        clock.now,
        customer,
        request_input(waiver_incident_id=theirs.id, waiver_reason="Threats."),
    )
    assert "waiver_incident_id" in refused.errors


@pytest.mark.policy("8.17")
def test_with_a_live_final_warning_no_waiver_is_recorded(
    app, customer_with_final, serious_incident_for, make_request
):
    serious = serious_incident_for(customer_with_final)
    request = make_request(
        customer_with_final, waiver_incident_id=serious.id, waiver_reason="Not needed."
    )
    assert request.final_warning_id is not None
    assert request.waiver_incident_id is None and request.waiver_reason == ""


@pytest.mark.policy("8.17")
def test_the_database_refuses_a_request_with_neither_final_warning_nor_waiver(
    app, clock, make_customer, panel_member
):
    customer = make_customer()
    db.session.add(
        RestrictionRequest(
            reference="RR-2026-9999",
            customer_id=customer.id,
            requested_by_id=panel_member.id,
            requested_at=clock.now,
            checklist=dict(EVIDENCE),
            proposed_kinds=["channel_only"],
            proposal="Email only.",
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.policy("8.19")
def test_ending_all_contact_cannot_be_proposed_without_a_serious_incident(
    app, clock, customer_with_final, panel_member, serious_incident_for, make_request
):
    refused = refusal(
        restrictions.submit_request,
        panel_member,
        clock.now,
        customer_with_final,
        request_input(proposed_kinds=[RestrictionKind.TERMINATION]),
    )
    assert refused.codes["proposed_kinds"] == "restriction.needs_serious_incident"
    serious_incident_for(customer_with_final)
    request = make_request(customer_with_final, proposed_kinds=[RestrictionKind.TERMINATION])
    assert request.proposed_kinds == ["termination"]


# --- only GLT decides, never on their own request (§8.16, §8.19) -----------------------------


@pytest.mark.policy("8.16")
@pytest.mark.parametrize(
    "role", [Role.PANEL, Role.CEM, Role.CSM, Role.LINE_MANAGER, Role.COLLEAGUE, Role.ADMIN]
)
def test_only_glt_decides(app, clock, request_with_final, make_staff, decide, role):
    someone = make_staff(role)
    for outcome, specs in (
        (RequestStatus.APPROVED, [spec(london_date(clock.now))]),
        (RequestStatus.REJECTED, []),
    ):
        with pytest.raises(NotAllowed):
            decide(request_with_final, outcome, specs, actor=someone)
    with pytest.raises(NotAllowed):
        restrictions.ask_for_more(someone, clock.now, request_with_final, "Why?")
    db.session.rollback()
    assert _count(Restriction) == 0
    assert db.session.get(RestrictionRequest, request_with_final.id).status == (
        RequestStatus.SUBMITTED
    )


@pytest.mark.policy("8.16")
@pytest.mark.policy("8.19")
def test_the_requester_can_never_decide_even_holding_glt(
    app, clock, customer_with_final, make_staff, make_request, decide, glt_member
):
    both = make_staff(Role.PANEL, Role.GLT, name="Pat and GLT")
    request = make_request(customer_with_final, requester=both)
    for outcome, specs in (
        (RequestStatus.APPROVED, [spec(london_date(clock.now))]),
        (RequestStatus.REJECTED, []),
    ):
        with pytest.raises(NotAllowed):
            decide(request, outcome, specs, actor=both)
    with pytest.raises(NotAllowed):
        restrictions.ask_for_more(both, clock.now, request, "Anything else?")
    db.session.rollback()
    assert _count(Restriction) == 0
    # GLT is told about the request, but not the GLT member who made it.
    told = set(db.session.scalars(select(Notification.user_id)))
    assert glt_member.id in told and both.id not in told
    # Another GLT member may decide it.
    made = decide(request, RequestStatus.APPROVED, [spec(london_date(clock.now))])
    assert len(made) == 1 and request.decided_by_id == glt_member.id


@pytest.mark.policy("8.19")
def test_the_database_refuses_a_decision_by_the_requester(app, request_with_final):
    request_with_final.decided_by_id = request_with_final.requested_by_id
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.policy("8.19")
def test_the_database_refuses_a_decision_without_reasons(
    app, clock, request_with_final, glt_member
):
    request_with_final.status = RequestStatus.APPROVED
    request_with_final.decided_by_id = glt_member.id
    request_with_final.decided_at = clock.now
    request_with_final.decision_reasons = ""
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


# --- approve, approve with changes, reject, ask for more (§8.19) -----------------------------


@pytest.mark.policy("8.19")
def test_approving_what_was_proposed(
    app, clock, request_with_final, decide, panel_member, audit_events
):
    today = london_date(clock.now)
    made = decide(request_with_final, RequestStatus.APPROVED, [spec(today)], reasons=" Clear. ")
    [restriction] = made
    assert request_with_final.status == RequestStatus.APPROVED
    assert request_with_final.decision_reasons == "Clear."
    assert request_with_final.decided_at == clock.now
    assert restriction.kind == RestrictionKind.CHANNEL_ONLY
    assert restriction.channel == ContactRoute.EMAIL
    assert restriction.request_id == request_with_final.id
    assert restriction.starts_on == today and restriction.review_on == add_months(today, 6)
    assert restriction.status == RestrictionStatus.AWAITING_NOTICE
    assert restriction.letter_id is None
    [event] = audit_events("restriction_request.decided", entity_id=request_with_final.id)
    assert event.before == {"status": "submitted"}
    assert event.after["status"] == "approved"
    assert event.after["restrictions"][0]["id"] == restriction.id
    assert panel_member.id in set(db.session.scalars(select(Notification.user_id)))


@pytest.mark.policy("8.19")
@pytest.mark.parametrize(
    "chosen",
    [
        [RestrictionKind.SET_TIMES],  # a different kind
        [RestrictionKind.CHANNEL_ONLY, RestrictionKind.THIRD_PARTY],  # more than proposed
    ],
)
def test_approving_something_else_must_be_approve_with_changes(
    app, clock, request_with_final, decide, chosen
):
    today = london_date(clock.now)
    fields = {
        RestrictionKind.SET_TIMES: {"schedule": "Tuesdays 10:00 to 11:00"},
        RestrictionKind.THIRD_PARTY: {"third_party": "Citizens Advice"},
        RestrictionKind.CHANNEL_ONLY: {},
    }
    specs = [spec(today, kind=kind, **fields[kind]) for kind in chosen]
    refused = refusal(decide, request_with_final, RequestStatus.APPROVED, specs)
    assert refused.codes["outcome"] == "restriction_decision.differs_from_request"
    assert _count(Restriction) == 0
    assert request_with_final.status == RequestStatus.SUBMITTED

    made = decide(request_with_final, RequestStatus.APPROVED_WITH_CHANGES, specs)
    assert sorted(r.kind.value for r in made) == sorted(k.value for k in chosen)
    assert request_with_final.status == RequestStatus.APPROVED_WITH_CHANGES


@pytest.mark.policy("8.19")
def test_approving_fewer_kinds_than_proposed_is_a_change(
    app, clock, customer_with_final, make_request, decide
):
    request = make_request(
        customer_with_final,
        proposed_kinds=[RestrictionKind.CHANNEL_ONLY, RestrictionKind.THIRD_PARTY],
    )
    specs = [spec(london_date(clock.now))]
    refused = refusal(decide, request, RequestStatus.APPROVED, specs)
    assert "outcome" in refused.errors
    assert len(decide(request, RequestStatus.APPROVED_WITH_CHANGES, specs)) == 1


@pytest.mark.policy("8.19")
def test_a_rejection_needs_reasons_and_creates_no_restriction(
    app, clock, request_with_final, decide
):
    assert (
        "reasons"
        in refusal(decide, request_with_final, RequestStatus.REJECTED, [], reasons=" ").errors
    )
    with_restriction = refusal(
        decide, request_with_final, RequestStatus.REJECTED, [spec(london_date(clock.now))]
    )
    assert with_restriction.codes["outcome"] == "restriction_decision.rejected_with_terms"
    assert decide(request_with_final, RequestStatus.REJECTED, [], reasons="Disproportionate.") == []
    assert request_with_final.status == RequestStatus.REJECTED
    assert request_with_final.decision_reasons == "Disproportionate."
    assert _count(Restriction) == 0


@pytest.mark.policy("8.19")
def test_an_approval_needs_reasons_and_a_restriction(app, clock, request_with_final, decide):
    today = london_date(clock.now)
    no_reasons = refusal(
        decide, request_with_final, RequestStatus.APPROVED, [spec(today)], reasons="\n"
    )
    assert "reasons" in no_reasons.errors
    assert "kind" in refusal(decide, request_with_final, RequestStatus.APPROVED, []).errors
    for not_a_decision in (RequestStatus.SUBMITTED, RequestStatus.MORE_INFO):
        assert "outcome" in refusal(decide, request_with_final, not_a_decision, []).errors
    assert _count(Restriction) == 0
    assert request_with_final.status == RequestStatus.SUBMITTED


@pytest.mark.policy("8.19")
def test_a_decided_request_cannot_be_decided_again(app, clock, request_with_final, decide):
    today = london_date(clock.now)
    decide(request_with_final, RequestStatus.APPROVED, [spec(today)])
    db.session.commit()
    for outcome, specs in (
        (RequestStatus.APPROVED, [spec(today)]),
        (RequestStatus.REJECTED, []),
    ):
        refused = refusal(decide, request_with_final, outcome, specs)
        # The second is told what was decided, by whom and when.
        assert isinstance(refused, Conflict) and "already been decided" in str(refused)
        assert (refused.what, refused.by, refused.at) == ("Approved", "Gwen Leader", clock.now)
    assert _count(Restriction) == 1


@pytest.mark.policy("8.19")
def test_glt_asks_for_more_information_and_the_panel_answers(
    app, clock, request_with_final, glt_member, panel_member, decide, audit_events
):
    assert (
        "question"
        in refusal(
            restrictions.ask_for_more, glt_member, clock.now, request_with_final, "  "
        ).errors
    )
    # The Panel cannot resubmit a request GLT has not asked about.
    assert "not waiting" in str(
        refusal(restrictions.resubmit, panel_member, clock.now, request_with_final, request_input())
    )
    restrictions.ask_for_more(glt_member, clock.now, request_with_final, "What did CEM say?")
    db.session.commit()
    assert request_with_final.status == RequestStatus.MORE_INFO
    assert request_with_final.more_info_question == "What did CEM say?"
    assert panel_member.id in set(db.session.scalars(select(Notification.user_id)))
    assert audit_events("restriction_request.more_info", entity_id=request_with_final.id)

    # The answer is checked like the request itself.
    blank = {**EVIDENCE, "decisions_right": ""}
    refused = refusal(
        restrictions.resubmit,
        panel_member,
        clock.now,
        request_with_final,
        request_input(checklist=blank),
    )
    assert "checklist_decisions_right" in refused.errors
    assert db.session.get(RestrictionRequest, request_with_final.id).status == (
        RequestStatus.MORE_INFO
    )
    with pytest.raises(NotAllowed):
        restrictions.resubmit(glt_member, clock.now, request_with_final, request_input())

    answered = {**EVIDENCE, "decisions_right": "The CEM confirmed the repair decision in writing."}
    restrictions.resubmit(
        panel_member, clock.now, request_with_final, request_input(checklist=answered)
    )
    assert request_with_final.status == RequestStatus.SUBMITTED
    assert request_with_final.checklist["decisions_right"].startswith("The CEM confirmed")
    assert audit_events("restriction_request.resubmitted", entity_id=request_with_final.id)
    made = decide(request_with_final, RequestStatus.APPROVED, [spec(london_date(clock.now))])
    assert len(made) == 1


# --- what each restriction needs (§8.19, §10.1) ----------------------------------------------


@pytest.mark.policy("8.19")
@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"channel": None}, "channel", "Choose the channel"),
        (
            {"kind": RestrictionKind.NAMED_MANAGER, "channel": None},
            "named_manager_id",
            "Choose the manager",
        ),
        (
            {"kind": RestrictionKind.NAMED_MANAGER, "named_manager_id": 987654},
            "named_manager_id",
            "Choose the manager",
        ),
        ({"kind": RestrictionKind.SET_TIMES, "schedule": "  "}, "schedule", "days and times"),
        ({"kind": RestrictionKind.THIRD_PARTY, "third_party": " "}, "third_party", "Name"),
        ({"reasons": "  "}, "restriction_reasons", "Explain why"),
    ],
)
def test_each_restriction_needs_its_terms(
    app, clock, request_with_final, decide, fields, field, message
):
    specs = [spec(london_date(clock.now), **fields)]
    refused = refusal(decide, request_with_final, RequestStatus.APPROVED_WITH_CHANGES, specs)
    assert message in refused.errors[field]
    assert _count(Restriction) == 0
    assert request_with_final.status == RequestStatus.SUBMITTED


@pytest.mark.policy("8.19")
def test_the_named_manager_must_be_an_active_manager(
    app, clock, request_with_final, decide, make_staff
):
    today = london_date(clock.now)
    left = make_staff(Role.LINE_MANAGER, name="Former Manager", active=False)
    not_a_manager = make_staff(Role.COLLEAGUE, name="Colin Colleague")
    for person in (left, not_a_manager):
        specs = [spec(today, kind=RestrictionKind.NAMED_MANAGER, named_manager_id=person.id)]
        refused = refusal(decide, request_with_final, RequestStatus.APPROVED_WITH_CHANGES, specs)
        assert "named_manager_id" in refused.errors, person.name
    manager = make_staff(Role.LINE_MANAGER, name="Tom Whitfield")
    [made] = decide(
        request_with_final,
        RequestStatus.APPROVED_WITH_CHANGES,
        [
            spec(
                today,
                kind=RestrictionKind.NAMED_MANAGER,
                named_manager_id=manager.id,
                schedule="ignored",
            )
        ],
    )
    assert made.named_manager_id == manager.id
    # Only the terms of its own kind are kept.
    assert made.channel is None and made.schedule == ""


@pytest.mark.policy("8.19")
@pytest.mark.parametrize(
    ("starts_on", "review_on", "ok"),
    [
        (date(2026, 11, 23), date(2026, 11, 23), False),  # the same day: not after the start
        (date(2026, 11, 23), date(2026, 11, 24), True),
        (date(2026, 11, 23), date(2027, 5, 23), True),  # exactly 6 months
        (date(2026, 11, 23), date(2027, 5, 24), False),  # 6 months and a day
        (date(2027, 8, 31), date(2028, 2, 29), True),  # month end, leap year
        (date(2027, 8, 31), date(2028, 3, 1), False),
        (date(2028, 8, 31), date(2029, 2, 28), True),  # month end
        (date(2028, 8, 31), date(2029, 3, 1), False),
    ],
)
def test_every_restriction_is_reviewed_within_six_months(
    app, clock, request_with_final, decide, starts_on, review_on, ok
):
    clock.now = datetime(starts_on.year, starts_on.month, starts_on.day, 10, tzinfo=UTC)
    specs = [spec(starts_on, review_on=review_on)]
    if ok:
        [made] = decide(request_with_final, RequestStatus.APPROVED, specs)
        assert made.review_on == review_on
    else:
        refused = refusal(decide, request_with_final, RequestStatus.APPROVED, specs)
        assert "review_on" in refused.errors
        assert _count(Restriction) == 0


@pytest.mark.policy("8.19")
def test_a_restriction_cannot_start_before_glt_decides_it(app, clock, request_with_final, decide):
    today = london_date(clock.now)
    refused = refusal(
        decide, request_with_final, RequestStatus.APPROVED, [spec(today - timedelta(days=1))]
    )
    assert refused.codes["starts_on"] == "restriction.start_past"
    assert _count(Restriction) == 0
    [later] = decide(request_with_final, RequestStatus.APPROVED, [spec(today + timedelta(days=7))])
    assert later.starts_on == date(2026, 11, 30)


@pytest.mark.policy("8.19")
def test_an_end_date_cannot_be_before_the_start(app, clock, request_with_final, decide):
    today = london_date(clock.now)
    refused = refusal(
        decide,
        request_with_final,
        RequestStatus.APPROVED,
        [spec(today, ends_on=today - timedelta(days=1))],
    )
    assert "ends_on" in refused.errors
    [made] = decide(request_with_final, RequestStatus.APPROVED, [spec(today, ends_on=today)])
    assert made.ends_on == today


@pytest.mark.policy("8.19")
def test_the_database_refuses_a_restriction_without_a_later_review(
    app, clock, request_with_final, decide
):
    today = london_date(clock.now)
    [made] = decide(request_with_final, RequestStatus.APPROVED, [spec(today)])
    db.session.commit()
    made.review_on = today
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.policy("8.19")
def test_ending_all_contact_needs_a_serious_incident_and_an_end_date(
    app, clock, customer_with_final, make_request, decide, serious_incident_for
):
    today = london_date(clock.now)
    request = make_request(customer_with_final)
    ending = {"kind": RestrictionKind.TERMINATION, "channel": None}
    refused = refusal(
        decide,
        request,
        RequestStatus.APPROVED_WITH_CHANGES,
        [spec(today, ends_on=add_months(today, 3), **ending)],
    )
    assert refused.codes["kind"] == "restriction.needs_serious_incident"
    assert "ends_on" not in refused.errors
    serious_incident_for(customer_with_final)
    # Only a request that records all other methods exhausted can end all contact (§9.5).
    request = make_request(
        customer_with_final,
        proposed_kinds=[RestrictionKind.CHANNEL_ONLY, RestrictionKind.TERMINATION],
    )
    no_end = refusal(decide, request, RequestStatus.APPROVED_WITH_CHANGES, [spec(today, **ending)])
    assert no_end.codes["ends_on"] == "restriction.end_missing" and "kind" not in no_end.errors
    assert _count(Restriction) == 0
    [made] = decide(
        request,
        RequestStatus.APPROVED_WITH_CHANGES,
        [spec(today, ends_on=add_months(today, 3), **ending)],
    )
    assert made.kind == RestrictionKind.TERMINATION and made.ends_on == date(2027, 2, 23)


# --- notice: at once where safety requires it, otherwise with the letter (§4.6) --------------


@pytest.mark.policy("4.6")
def test_immediate_notice_puts_the_restriction_in_force_before_the_letter(
    app, clock, request_with_final, decide, panel_member, organisation_ready
):
    customer_id = request_with_final.customer_id
    [made] = decide(
        request_with_final,
        RequestStatus.APPROVED,
        [spec(london_date(clock.now), immediate_notice=True)],
    )
    db.session.commit()
    assert made.status == RestrictionStatus.ACTIVE and made.in_force_on(TODAY)
    assert made.letter_id is None and made.notified_on is None and made.appeal_deadline is None
    picture = queries.contact_picture(customer_id, with_history=False, today=TODAY)
    assert [r.id for r, _ in picture.in_force] == [made.id]
    # The letter still follows, and says it took effect straight away.
    letter = restrictions.issue_decision_letter(panel_member, clock.now, [made], Delivery.HAND)
    assert made.status == RestrictionStatus.ACTIVE and made.letter_id == letter.id
    assert "took effect straight away, on 23 November 2026" in letter.body_html


@pytest.mark.policy("4.6")
def test_without_immediate_notice_the_restriction_waits_for_the_letter(
    app, clock, request_with_final, decide, panel_member, organisation_ready
):
    customer_id = request_with_final.customer_id
    [made] = decide(request_with_final, RequestStatus.APPROVED, [spec(london_date(clock.now))])
    db.session.commit()
    assert made.status == RestrictionStatus.AWAITING_NOTICE and not made.in_force_on(TODAY)
    assert queries.contact_picture(customer_id, with_history=False, today=TODAY).in_force == []
    assert queries.restrictions_in_force(customer_id, TODAY) == []
    letter = restrictions.issue_decision_letter(panel_member, clock.now, [made], Delivery.HAND)
    assert made.status == RestrictionStatus.ACTIVE
    assert "It starts on 23 November 2026" in letter.body_html
    assert [r.id for r, _ in queries.contact_picture(customer_id, False, TODAY).in_force] == [
        made.id
    ]


@pytest.mark.policy("4.6")
def test_the_database_refuses_a_restriction_in_force_without_notice_or_letter(
    app, clock, request_with_final, decide
):
    [made] = decide(request_with_final, RequestStatus.APPROVED, [spec(london_date(clock.now))])
    db.session.commit()
    made.status = RestrictionStatus.ACTIVE
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.policy("4.6")
def test_ending_all_contact_never_closes_complaints_or_emergency_reports(app, terminated):
    [restriction] = queries.restrictions_in_force(terminated.id, TODAY)
    assert restriction.kind == RestrictionKind.TERMINATION
    html = db.session.get(Letter, restriction.letter_id).body_html
    assert html.count("We have stopped all contact with you for a while") == 1  # once, not twice
    assert "It lasts until 23 February 2027." in html
    assert "No restriction stops you making a complaint or reporting an emergency repair" in html
    assert "Complaints: 0161 000 0001" in plain(html)
    assert "Emergency repairs: 0161 000 0999" in plain(html)


# --- the decision letter (§8.20) -------------------------------------------------------------


@pytest.mark.policy("8.20")
@pytest.mark.parametrize(
    ("field", "named"),
    [
        ("review_request_contact", "how to ask for the decision to be reviewed"),
        ("appeals_contact", "how to appeal"),
        ("complaints_contact", "how to make a complaint and report an emergency"),
        ("emergency_contact", "how to make a complaint and report an emergency"),
    ],
)
@pytest.mark.parametrize("blank", ["", "   "])
def test_the_letter_is_refused_while_a_part_is_missing_and_nothing_is_saved(
    app,
    clock,
    request_with_final,
    decide,
    organisation_ready,
    panel_member,
    audit_events,
    field,
    named,
    blank,
):
    [made] = decide(request_with_final, RequestStatus.APPROVED, [spec(london_date(clock.now))])
    setattr(organisation_ready, field, blank)
    db.session.commit()
    letters_before, events_before = _count(Letter), _count(AuditEvent)
    with pytest.raises(ServiceError) as refused:
        restrictions.issue_decision_letter(panel_member, clock.now, [made], Delivery.HAND)
    message = str(refused.value)
    assert message.startswith("The letter cannot be issued without: ")
    assert named in message
    db.session.rollback()
    assert _count(Letter) == letters_before and _count(AuditEvent) == events_before
    again = db.session.get(Restriction, made.id)
    assert again.status == RestrictionStatus.AWAITING_NOTICE
    assert again.letter_id is None and again.notified_on is None and again.appeal_deadline is None


@pytest.mark.policy("8.20")
def test_every_missing_part_is_named(app, clock, request_with_final, decide, panel_member):
    # The organisation has none of its contact details yet.
    [made] = decide(request_with_final, RequestStatus.APPROVED, [spec(london_date(clock.now))])
    made.reasons = " "
    letters_before = _count(Letter)
    refused = refusal(
        restrictions.issue_decision_letter, panel_member, clock.now, [made], Delivery.PORTAL
    )
    message = str(refused)
    for part in (
        "why the restriction is needed",
        "how to ask for the decision to be reviewed",
        "how to appeal",
        "how to make a complaint",
    ):
        assert part in message
    assert restrictions.missing_from_decision_letter([])[:1] == ["what restriction applies"]
    assert _count(Letter) == letters_before


@pytest.mark.policy("8.20")
def test_the_letter_says_why_what_how_long_review_and_how_to_appeal_by_when(
    app, clock, customer_with_final, make_request, decide, panel_member, organisation_ready
):
    clock.now = MARCH_19_2027
    customer = customer_with_final
    request = make_request(customer, now=clock.now - timedelta(days=2))
    [made] = decide(
        request,
        RequestStatus.APPROVED,
        [
            spec(
                date(2027, 3, 19),
                review_on=date(2027, 6, 18),
                ends_on=date(2027, 9, 17),
                reasons="Forty abusive calls in March after a final warning.",
            )
        ],
    )
    letter = restrictions.issue_decision_letter(panel_member, clock.now, [made], Delivery.HAND)
    db.session.commit()
    html = letter.body_html

    assert letter.kind == LetterKind.RESTRICTION_DECISION
    assert letter.customer_id == customer.id and letter.issued_at == clock.now
    assert letter.content_sha256 == hashlib.sha256(html.encode()).hexdigest()
    assert letter_services.verify(letter)
    assert f"Dear {customer.name}," in html
    assert "Forty abusive calls in March after a final warning." in html  # why
    assert "Contact us by email only" in html  # what
    assert "It starts on 19 March 2027" in html  # from
    assert "It lasts until 17 September 2027." in html  # how long
    assert "We will review it by 18 June 2027" in html  # review
    assert "Write to the Customer Conduct Panel to ask for a review." in html  # ask for review
    assert "Write to the Customer Experience Manager to appeal." in html  # appeal
    assert "You have until Tuesday 20 April 2027 to appeal" in html  # the exact deadline
    assert "20 working days from 19 March 2027" in html
    assert "Complaints: 0161 000 0001" in plain(html)  # always open
    assert "Emergency repairs: 0161 000 0999" in plain(html)

    assert made.letter_id == letter.id and made.delivery == Delivery.HAND
    assert made.notified_on == date(2027, 3, 19)
    assert made.appeal_deadline == date(2027, 4, 20)
    assert made.status == RestrictionStatus.ACTIVE


@pytest.mark.policy("8.20")
def test_the_decision_letter_is_issued_once(
    app, clock, restriction_in_force, panel_member, audit_events
):
    restriction = restriction_in_force()
    letters_before = _count(Letter)
    refused = refusal(
        restrictions.issue_decision_letter, panel_member, clock.now, [restriction], Delivery.POST
    )
    assert isinstance(refused, Conflict) and "already been sent" in str(refused)
    assert refused.by == panel_member.name and refused.at == clock.now
    assert _count(Letter) == letters_before
    assert restriction.delivery == Delivery.HAND
    assert len(audit_events("restriction.notified", entity_id=restriction.id)) == 1


@pytest.mark.policy("4.6")
def test_a_restriction_lifted_before_its_letter_is_not_brought_back_by_the_letter(
    app, clock, request_with_final, decide, panel_member, organisation_ready
):
    [made] = decide(
        request_with_final,
        RequestStatus.APPROVED,
        [spec(london_date(clock.now), immediate_notice=True)],
    )
    reviews.review_restriction(
        panel_member,
        clock.now,
        made,
        ReviewOutcome.LIFT,
        "Apology accepted.",
        "",
        None,
        delivery=Delivery.HAND,
    )
    db.session.commit()
    letters_before = _count(Letter)
    refused = refusal(
        restrictions.issue_decision_letter, panel_member, clock.now, [made], Delivery.PORTAL
    )
    assert "no longer in force" in str(refused)
    assert db.session.get(Restriction, made.id).status == RestrictionStatus.LIFTED
    assert _count(Letter) == letters_before


@pytest.mark.policy("8.20")
def test_a_decision_letter_is_about_one_customer(
    app,
    clock,
    make_customer,
    final_warning_for,
    make_request,
    approve_request,
    panel_member,
    organisation_ready,
):
    made = []
    for _ in range(2):
        customer = make_customer()
        final_warning_for(customer)
        made += approve_request(make_request(customer))
    letters_before = _count(Letter)
    refused = refusal(
        restrictions.issue_decision_letter, panel_member, clock.now, made, Delivery.PORTAL
    )
    assert "one customer" in str(refused)
    assert _count(Letter) == letters_before


@pytest.mark.policy("8.20")
def test_one_letter_for_every_restriction_of_a_decision(
    app,
    clock,
    customer_with_final,
    make_request,
    decide,
    panel_member,
    make_staff,
    audit_events,
    organisation_ready,
    reachable_by,
):
    reachable_by(customer_with_final, Delivery.EMAIL)
    manager = make_staff(Role.LINE_MANAGER, name="Tom Whitfield")
    request = make_request(
        customer_with_final,
        proposed_kinds=[RestrictionKind.CHANNEL_ONLY, RestrictionKind.NAMED_MANAGER],
    )
    today = london_date(clock.now)
    made = decide(
        request,
        RequestStatus.APPROVED,
        [
            spec(today),
            spec(
                today,
                kind=RestrictionKind.NAMED_MANAGER,
                channel=None,
                named_manager_id=manager.id,
                reasons="One point of contact stops the same issue going to many colleagues.",
            ),
        ],
    )
    letter = restrictions.issue_decision_letter(panel_member, clock.now, made, Delivery.EMAIL)
    assert {r.letter_id for r in made} == {letter.id}
    assert "Contact us by email only" in letter.body_html
    assert "Contact us through Tom Whitfield" in letter.body_html
    assert "One point of contact" in letter.body_html
    assert len(audit_events("restriction.notified")) == 2
    [issued] = audit_events("letter.issued", entity_id=letter.id)
    assert issued.after["sha256"] == letter.content_sha256


@pytest.mark.policy("8.20")
@pytest.mark.parametrize("role", [Role.COLLEAGUE, Role.LINE_MANAGER, Role.CEM, Role.ADMIN])
def test_only_the_panel_or_glt_issues_the_decision_letter(
    app, clock, request_with_final, decide, organisation_ready, make_staff, role
):
    [made] = decide(request_with_final, RequestStatus.APPROVED, [spec(london_date(clock.now))])
    letters_before = _count(Letter)
    with pytest.raises(NotAllowed):
        restrictions.issue_decision_letter(make_staff(role), clock.now, [made], Delivery.PORTAL)
    assert _count(Letter) == letters_before
    assert made.status == RestrictionStatus.AWAITING_NOTICE and made.letter_id is None


# --- the dates in the letter: the frozen clock, London time, post (§8.20, §9.1) --------------


@pytest.mark.policy("8.20")
@pytest.mark.parametrize(
    ("delivery", "postal_days", "notified", "deadline"),
    [
        (Delivery.PORTAL, 2, date(2027, 3, 19), date(2027, 4, 20)),
        (Delivery.EMAIL, 2, date(2027, 3, 19), date(2027, 4, 20)),
        (Delivery.HAND, 2, date(2027, 3, 19), date(2027, 4, 20)),
        (Delivery.POST, 0, date(2027, 3, 19), date(2027, 4, 20)),
        (Delivery.POST, 2, date(2027, 3, 23), date(2027, 4, 22)),  # posted on a Friday
        (Delivery.POST, 5, date(2027, 3, 30), date(2027, 4, 27)),  # … over Easter
    ],
)
def test_letter_dates_follow_the_delivery_and_the_postal_allowance(
    app, organisation_ready, delivery, postal_days, notified, deadline
):
    organisation_ready.postal_delivery_days = postal_days
    db.session.commit()
    dates = restrictions.letter_dates(delivery, MARCH_19_2027)
    assert dates.sent_on == date(2027, 3, 19)
    assert (dates.notified_on, dates.appeal_deadline) == (notified, deadline)
    assert dates.explanation[-1] == f"Due: {deadline:%A %-d %B %Y}"
    if notified < date(2027, 3, 26):
        assert "Not counted: Friday 26 March 2027 (bank holiday: Good Friday)" in dates.explanation
    posted_note = [line for line in dates.explanation if line.startswith("Sent by post")]
    assert bool(posted_note) == (notified != date(2027, 3, 19))


@pytest.mark.policy("8.20")
@pytest.mark.parametrize(
    ("now", "sent_on", "deadline"),
    [
        # British Summer Time: 23:00 UTC is already midnight in London.
        (datetime(2027, 4, 19, 22, 59, tzinfo=UTC), date(2027, 4, 19), date(2027, 5, 18)),
        (datetime(2027, 4, 19, 23, 0, tzinfo=UTC), date(2027, 4, 20), date(2027, 5, 19)),
        # Greenwich Mean Time: London and UTC agree.
        (datetime(2027, 1, 18, 23, 59, tzinfo=UTC), date(2027, 1, 18), date(2027, 2, 15)),
        (datetime(2027, 1, 19, 0, 0, tzinfo=UTC), date(2027, 1, 19), date(2027, 2, 16)),
    ],
)
def test_letter_dates_use_the_london_date_of_now(app, organisation_ready, now, sent_on, deadline):
    dates = restrictions.letter_dates(Delivery.PORTAL, now)
    assert dates.sent_on == dates.notified_on == sent_on
    assert dates.appeal_deadline == deadline


@pytest.mark.policy("8.20")
def test_a_closure_day_on_record_moves_the_appeal_deadline(app, organisation_ready, make_staff):
    admin = make_staff(Role.ADMIN)
    before = restrictions.letter_dates(Delivery.PORTAL, MARCH_19_2027)
    add_closure(admin, MARCH_19_2027, date(2027, 4, 6), "Staff training day")
    db.session.commit()
    after = restrictions.letter_dates(Delivery.PORTAL, MARCH_19_2027)
    assert (before.appeal_deadline, after.appeal_deadline) == (date(2027, 4, 20), date(2027, 4, 21))
    assert any("Staff training day" in line for line in after.explanation)


@pytest.mark.policy("8.20")
def test_a_posted_decision_letter_counts_from_delivery(
    app,
    clock,
    customer_with_final,
    make_request,
    decide,
    panel_member,
    organisation_ready,
    reachable_by,
):
    reachable_by(customer_with_final, Delivery.POST)
    clock.now = datetime(2027, 3, 25, 15, 0, tzinfo=UTC)  # Thursday before Good Friday
    request = make_request(customer_with_final)
    [made] = decide(request, RequestStatus.APPROVED, [spec(date(2027, 3, 25))])
    letter = restrictions.issue_decision_letter(panel_member, clock.now, [made], Delivery.POST)
    assert made.notified_on == date(2027, 3, 31)  # Fri and Mon are bank holidays
    assert made.appeal_deadline == date(2027, 4, 28)
    assert "You have until Wednesday 28 April 2027 to appeal" in letter.body_html
    assert "20 working days from 31 March 2027" in letter.body_html
    assert letter.body_html.count("25 March 2027") >= 1  # dated the day it was posted


# --- the flag on the customer record for every colleague (§8.21) -----------------------------


@pytest.mark.policy("8.21")
def test_every_colleague_sees_what_contact_is_allowed_with_whom_and_until_when(
    app, clock, restriction_in_force
):
    restriction = restriction_in_force(ends_on=add_months(london_date(clock.now), 12))
    picture = queries.contact_picture(restriction.customer_id, with_history=False, today=TODAY)
    [(shown, allowed)] = picture.in_force
    assert shown.id == restriction.id
    assert allowed.headline == "Contact by email only"
    assert "Politely end calls and visits and ask them to use email" in allowed.how
    assert allowed.until == "until Tuesday 23 November 2027, reviewed by Sunday 23 May 2027"
    # Colleagues see what is allowed, not how it came about.
    assert picture.history == [] and picture.requests == [] and picture.open_correspondence == 0
    assert not picture.terminated


@pytest.mark.policy("8.21")
def test_the_flag_shows_only_restrictions_in_force(
    app, clock, customer_with_final, make_request, decide, panel_member, organisation_ready
):
    request = make_request(customer_with_final)
    [waiting] = decide(request, RequestStatus.APPROVED, [spec(london_date(clock.now))])
    pending = make_request(customer_with_final)
    db.session.commit()
    everyone = queries.contact_picture(customer_with_final.id, with_history=False, today=TODAY)
    assert everyone.in_force == [] and everyone.history == []
    panel_view = queries.contact_picture(customer_with_final.id, with_history=True, today=TODAY)
    assert [r.id for r in panel_view.history] == [waiting.id]
    assert [r.id for r in panel_view.requests] == [pending.id]
    restrictions.issue_decision_letter(panel_member, clock.now, [waiting], Delivery.HAND)
    db.session.commit()
    assert [
        r.id for r, _ in queries.contact_picture(customer_with_final.id, False, TODAY).in_force
    ] == [waiting.id]


@pytest.mark.policy("8.21")
def test_the_flag_for_ended_contact_says_so(app, terminated):
    picture = queries.contact_picture(terminated.id, with_history=False, today=TODAY)
    assert picture.terminated
    [(_restriction, allowed)] = picture.in_force
    assert allowed.headline == "All contact ended for a period"
    assert "Do not respond to calls, emails or visits" in allowed.how
    assert allowed.until.startswith("until Tuesday 23 February 2027")


@pytest.mark.policy("8.21")
def test_a_named_manager_flag_names_the_manager(
    app,
    clock,
    customer_with_final,
    make_request,
    approve_request,
    panel_member,
    make_staff,
    organisation_ready,
):
    manager = make_staff(Role.LINE_MANAGER, name="Tom Whitfield")
    request = make_request(customer_with_final, proposed_kinds=[RestrictionKind.NAMED_MANAGER])
    made = approve_request(
        request, kind=RestrictionKind.NAMED_MANAGER, channel=None, named_manager_id=manager.id
    )
    restrictions.issue_decision_letter(panel_member, clock.now, made, Delivery.HAND)
    db.session.commit()
    [(_shown, allowed)] = queries.contact_picture(customer_with_final.id, False, TODAY).in_force
    assert allowed.headline == "Contact only through Tom Whitfield"
    assert "pass it to Tom Whitfield" in allowed.how


# --- every change is audited ------------------------------------------------------------------


def test_each_step_of_the_restriction_stage_is_audited(
    app, clock, restriction_in_force, audit_events
):
    restriction = restriction_in_force()
    actions = [e.action for e in audit_events()]
    for action in (
        "restriction_request.submitted",
        "restriction_request.decided",
        "letter.issued",
        "restriction.notified",
    ):
        assert action in actions
    [notified] = audit_events("restriction.notified", entity_id=restriction.id)
    assert notified.before == {"status": "awaiting_notice"}
    assert notified.after["status"] == "active"
    assert notified.after["appeal_deadline"] == restriction.appeal_deadline.isoformat()


@pytest.mark.policy("8.19")
def test_glt_members_are_told_and_a_member_of_both_is_not_told_of_their_own(
    app, clock, customer_with_final, make_staff, glt_member
):
    both = make_staff(Role.PANEL, name="Both Roles")
    both.role_links.append(UserRole(role=Role.GLT))
    retired = make_staff(Role.GLT, name="Retired GLT", active=False)
    db.session.commit()
    restrictions.submit_request(both, clock.now, customer_with_final, request_input())
    told = list(
        db.session.scalars(
            select(Notification.user_id).where(
                Notification.link.like("/staff/restriction-requests/%")
            )
        )
    )
    assert told == [glt_member.id]
    assert retired.id not in told
