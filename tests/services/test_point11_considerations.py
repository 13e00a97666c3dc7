"""Issue 16 point 11: before GLT is asked, the Panel says whether a representative was
considered (§4.5) and whether an Equality Impact Assessment was needed and what it found
(§4.7); GLT confirms or records the assessment at its decision; all contact is ended only once
all other methods of restricted contact are recorded as exhausted (§9.5)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import db
from portal.audit.models import AuditEvent
from portal.restrictions import services as restrictions
from portal.restrictions.models import (
    EiaOutcome,
    RequestStatus,
    RestrictionKind,
    RestrictionRequest,
)
from portal.timeutil import add_months, london_date
from tests.restriction_factories import refusal, request_input, spec

ENDING = {"kind": RestrictionKind.TERMINATION, "channel": None}


@pytest.fixture
def customer_with_final(make_customer, final_warning_for):
    customer = make_customer()
    final_warning_for(customer)
    return customer


@pytest.fixture
def submit(app, clock, panel_member):
    """``submit(customer, **answers)``: the Panel sends a request with these answers changed."""

    def _submit(customer, **overrides):
        made = restrictions.submit_request(
            panel_member, clock.now, customer, request_input(**overrides)
        )
        db.session.commit()
        return made

    return _submit


def _refused(clock, panel_member, customer, **overrides) -> dict[str, str]:
    return refusal(
        restrictions.submit_request,
        panel_member,
        clock.now,
        customer,
        request_input(**overrides),
    ).errors


def _audit_after(action: str, request_id: int) -> dict:
    return db.session.scalar(
        select(AuditEvent.after)
        .where(AuditEvent.action == action, AuditEvent.entity_id == request_id)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )


# --- §4.5: was a representative considered? ----------------------------------------------------


@pytest.mark.policy("4.5")
@pytest.mark.parametrize(
    ("answers", "field", "words"),
    [
        ({"representative_considered": None}, "representative_considered", "representative"),
        (
            {"representative_considered": True, "representative_decision": "  "},
            "representative_decision",
            "what was decided",
        ),
        (
            {"representative_considered": False, "representative_decision": ""},
            "representative_decision",
            "why a representative was not considered",
        ),
        (
            {"representative_considered": True, "representative_decision": "x" * 1001},
            "representative_decision",
            "1,000 characters",
        ),
    ],
    ids=["unanswered", "yes-no-words", "no-no-words", "too-long"],
)
def test_point11_request_refused_without_the_representative_answer(
    clock, panel_member, customer_with_final, answers, field, words
):
    errors = _refused(clock, panel_member, customer_with_final, **answers)
    assert words in errors[field].lower()
    assert db.session.scalar(select(RestrictionRequest.id)) is None


@pytest.mark.policy("4.5")
@pytest.mark.parametrize("considered", [True, False])
def test_point11_request_keeps_the_representative_answer_either_way(
    customer_with_final, submit, considered
):
    made = submit(
        customer_with_final,
        representative_considered=considered,
        representative_decision=" " + "y" * 1000 + " ",
    )
    assert made.representative_considered is considered
    assert made.representative_decision == "y" * 1000
    after = _audit_after("restriction_request.submitted", made.id)
    assert after["representative_considered"] is considered


# --- §4.7: the Equality Impact Assessment at the request -------------------------------------


@pytest.mark.policy("4.7")
@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"eia_needed": None}, "eia_needed"),
        ({"eia_needed": True, "eia_outcome": None, "eia_note": "Done."}, "eia_outcome"),
        ({"eia_needed": True, "eia_outcome": EiaOutcome.NO_IMPACT, "eia_note": " "}, "eia_note"),
    ],
    ids=["unanswered", "needed-no-outcome", "needed-no-note"],
)
def test_point11_request_refused_without_the_eia_answer(
    clock, panel_member, customer_with_final, answers, field
):
    errors = _refused(clock, panel_member, customer_with_final, **answers)
    assert set(errors) == {field}


@pytest.mark.policy("4.7")
def test_point11_request_keeps_the_eia_answer_and_may_go_before_it_is_complete(
    customer_with_final, submit
):
    not_needed = submit(
        customer_with_final, eia_needed=False, eia_outcome=EiaOutcome.ADJUSTMENTS, eia_note=""
    )
    assert not_needed.eia_needed is False and not_needed.eia_outcome is None
    pending = submit(
        customer_with_final,
        eia_needed=True,
        eia_outcome=EiaOutcome.NOT_COMPLETE,
        eia_note="Being completed by the equality lead, due Friday.",
    )
    assert pending.eia_outcome == EiaOutcome.NOT_COMPLETE
    after = _audit_after("restriction_request.submitted", pending.id)
    assert after["eia_needed"] is True and after["eia_outcome"] == "not_complete"


# --- §4.7: GLT confirms or records the assessment at its decision ------------------------------


@pytest.mark.policy("4.7")
def test_point11_glt_confirms_the_panels_eia_answer(clock, customer_with_final, submit, glt_member):
    request = submit(
        customer_with_final,
        eia_needed=True,
        eia_outcome=EiaOutcome.ADJUSTMENTS,
        eia_note="Large print letters.",
    )
    restrictions.decide(
        glt_member,
        clock.now,
        request,
        RequestStatus.APPROVED,
        "Clear.",
        [spec(london_date(clock.now))],
    )
    db.session.commit()
    assert (request.decision_eia_needed, request.decision_eia_outcome) == (
        True,
        EiaOutcome.ADJUSTMENTS,
    )
    after = _audit_after("restriction_request.decided", request.id)
    assert after["eia_outcome"] == "adjustments_made"


@pytest.mark.policy("4.7")
def test_point11_glt_cannot_approve_while_the_assessment_is_not_complete(
    clock, customer_with_final, submit, glt_member
):
    request = submit(
        customer_with_final,
        eia_needed=True,
        eia_outcome=EiaOutcome.NOT_COMPLETE,
        eia_note="Due Friday.",
    )
    today = london_date(clock.now)
    refused = refusal(
        restrictions.decide,
        glt_member,
        clock.now,
        request,
        RequestStatus.APPROVED,
        "Clear.",
        [spec(today)],
    )
    assert refused.codes["eia_outcome"] == "restriction_decision.eia_not_complete"
    # A different answer needs its reason; with it, GLT records its own outcome and approves.
    found = restrictions.EiaAnswer(True, EiaOutcome.NO_IMPACT)
    differs = refusal(
        restrictions.decide,
        glt_member,
        clock.now,
        request,
        RequestStatus.APPROVED,
        "Clear.",
        [spec(today)],
        found,
    )
    assert set(differs.errors) == {"eia_note"}
    restrictions.decide(
        glt_member,
        clock.now,
        request,
        RequestStatus.APPROVED,
        "Clear.",
        [spec(today)],
        restrictions.EiaAnswer(True, EiaOutcome.NO_IMPACT, "Completed today: no impact."),
    )
    db.session.commit()
    assert request.decision_eia_outcome == EiaOutcome.NO_IMPACT
    assert request.eia_outcome == EiaOutcome.NOT_COMPLETE  # the Panel's answer is kept
    assert request.decision_eia_note == "Completed today: no impact."


@pytest.mark.policy("4.7")
def test_point11_glt_may_reject_while_the_assessment_is_not_complete(
    clock, customer_with_final, submit, glt_member
):
    request = submit(
        customer_with_final, eia_needed=True, eia_outcome=EiaOutcome.NOT_COMPLETE, eia_note="Due."
    )
    restrictions.decide(glt_member, clock.now, request, RequestStatus.REJECTED, "Too soon.", [])
    db.session.commit()
    assert request.status == RequestStatus.REJECTED
    assert request.decision_eia_outcome == EiaOutcome.NOT_COMPLETE


# --- §9.5: all other methods exhausted before all contact is ended ----------------------------


@pytest.mark.policy("9.5")
@pytest.mark.parametrize(
    ("answers", "fields"),
    [
        (
            {"other_methods_exhausted": False, "other_methods_tried": ""},
            {"other_methods_exhausted", "other_methods_tried"},
        ),
        (
            {"other_methods_exhausted": False, "other_methods_tried": "Letters only."},
            {"other_methods_exhausted"},
        ),
        ({"other_methods_exhausted": True, "other_methods_tried": "  "}, {"other_methods_tried"}),
    ],
    ids=["neither", "not-confirmed", "not-described"],
)
def test_point11_ending_all_contact_refused_without_other_methods_exhausted(
    clock, panel_member, customer_with_final, serious_incident_for, answers, fields
):
    serious_incident_for(customer_with_final)
    errors = _refused(
        clock,
        panel_member,
        customer_with_final,
        proposed_kinds=[RestrictionKind.TERMINATION],
        **answers,
    )
    assert set(errors) == fields
    assert "§9.5" in errors[sorted(fields)[0]]


@pytest.mark.policy("9.5")
def test_point11_ending_all_contact_records_the_other_methods_tried(
    customer_with_final, serious_incident_for, submit
):
    serious_incident_for(customer_with_final)
    made = submit(
        customer_with_final,
        proposed_kinds=[RestrictionKind.TERMINATION],
        other_methods_exhausted=True,
        other_methods_tried=" Letters only, then one named manager. ",
    )
    assert made.other_methods_exhausted is True
    assert made.other_methods_tried == "Letters only, then one named manager."
    after = _audit_after("restriction_request.submitted", made.id)
    assert after["other_methods_exhausted"] is True


@pytest.mark.policy("9.5")
def test_point11_other_requests_need_no_exhausted_methods_and_keep_none(
    customer_with_final, submit
):
    made = submit(customer_with_final, other_methods_exhausted=False, other_methods_tried="")
    assert made.other_methods_exhausted is False
    ticked = submit(customer_with_final, other_methods_exhausted=True, other_methods_tried="x")
    assert (ticked.other_methods_exhausted, ticked.other_methods_tried) == (False, "")


@pytest.mark.policy("9.5")
def test_point11_glt_cannot_end_all_contact_on_a_request_without_exhausted_methods(
    clock, customer_with_final, serious_incident_for, submit, glt_member
):
    serious_incident_for(customer_with_final)
    today = london_date(clock.now)
    ending = [spec(today, ends_on=add_months(today, 3), **ENDING)]
    lesser = submit(customer_with_final)  # email only: nothing recorded under §9.5
    refused = refusal(
        restrictions.decide,
        glt_member,
        clock.now,
        lesser,
        RequestStatus.APPROVED_WITH_CHANGES,
        "Serious.",
        ending,
    )
    assert refused.codes["kind"] == "restriction_decision.other_methods_unrecorded"
    asked = submit(customer_with_final, proposed_kinds=[RestrictionKind.TERMINATION])
    [made] = restrictions.decide(
        glt_member, clock.now, asked, RequestStatus.APPROVED, "Serious.", ending
    )
    assert made.kind == RestrictionKind.TERMINATION


# --- the database keeps each answer whole -----------------------------------------------------


@pytest.mark.policy("4.5")
@pytest.mark.policy("4.7")
@pytest.mark.policy("9.5")
@pytest.mark.parametrize(
    "values",
    [
        {"representative_considered": True, "representative_decision": ""},
        {"eia_needed": True, "eia_outcome": None},
        {"decision_eia_needed": True, "decision_eia_outcome": None},
        {"other_methods_exhausted": True, "other_methods_tried": ""},
    ],
    ids=["representative", "eia", "decision-eia", "exhausted"],
)
def test_point11_the_database_refuses_half_an_answer(customer_with_final, submit, values):
    made = submit(customer_with_final)
    for name, value in values.items():
        setattr(made, name, value)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.policy("4.7")
def test_point11_glt_records_the_assessment_on_a_request_made_before_it_was_asked(
    clock, customer_with_final, submit, glt_member
):
    request = submit(customer_with_final)
    request.eia_needed, request.representative_considered = None, None  # as migrated
    request.representative_decision = ""
    db.session.commit()
    today = london_date(clock.now)
    args = (glt_member, clock.now, request, RequestStatus.APPROVED, "Clear.", [spec(today)])
    assert set(refusal(restrictions.decide, *args).errors) == {"eia_needed"}
    restrictions.decide(*args, restrictions.EiaAnswer(False))
    db.session.commit()
    assert request.decision_eia_needed is False and request.eia_needed is None
