"""GLT's decision on a request (§8.19) and the decision letter (§8.20), sent by several people
at the same instant: one decides, one letter goes, and everyone else is told what happened."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal import db
from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.letters.models import Letter, LetterKind
from portal.restrictions.models import (
    RequestPart,
    RequestParticipant,
    RequestStatus,
    Restriction,
    RestrictionRequest,
)
from tests.concurrency.conftest import N, committed, one_winner, prepared, race
from tests.web.restriction_forms import decision_form

pytestmark = pytest.mark.concurrency


@pytest.fixture
def pending(live, make_customer, final_warning_for, make_request, organisation_ready):
    customer = make_customer()
    final_warning_for(customer)
    return make_request(customer)


@pytest.mark.policy("8.19")
def test_one_glt_decision_however_many_decide_at_once(live, signed_in, make_staff, pending):
    leaders = [make_staff(Role.GLT, name=f"Glen Leader {n}") for n in range(N)]
    url = f"/staff/restriction-requests/{pending.id}/decision"
    page = f"/staff/restriction-requests/{pending.id}"
    # Half approve an immediate restriction, half reject: the request must never end up
    # rejected with a restriction in force.
    forms = [
        decision_form(immediate_notice="y", reasons=f"Approved by {n}.")
        if n % 2 == 0
        else {"outcome": "rejected", "reasons": f"Rejected by leader {n}."}
        for n in range(N)
    ]
    sends = [prepared(signed_in(g), url, f, page) for g, f in zip(leaders, forms, strict=True)]

    answers = race(sends)
    winner, losers = one_winner(answers)

    decided = db.session.get(RestrictionRequest, pending.id)
    db.session.refresh(decided)
    assert decided.status.decided
    made = committed(Restriction, Restriction.request_id == pending.id)
    assert made == (0 if decided.status == RequestStatus.REJECTED else 1)
    assert committed(AuditEvent, AuditEvent.action == "restriction_request.decided") == 1
    assert (
        committed(
            RequestParticipant,
            RequestParticipant.request_id == pending.id,
            RequestParticipant.part == RequestPart.DECIDED,
        )
        == 1
    )
    name = db.session.get(type(leaders[0]), decided.decided_by_id).name
    for answer, form in zip(answers, forms, strict=True):
        if answer is winner:
            continue
        assert "This request has already been dealt with" in answer.text
        assert "This request has already been decided" in answer.text
        assert name in answer.text and decided.status.title in answer.text
        # Nothing they entered is lost: their own reasons are shown back to them.
        assert "Nothing you entered has been lost" in answer.text
        assert form["reasons"] in answer.text


@pytest.mark.policy("8.20")
def test_one_decision_letter_however_many_send_it_at_once(
    live, signed_in, make_staff, pending, approve_request, reachable_by
):
    from portal.restrictions.models import Delivery

    restriction = approve_request(pending)[0]
    reachable_by(restriction.customer, Delivery.POST)
    panel = [make_staff(Role.PANEL, name=f"Pat Panel {n}") for n in range(N)]
    url = f"/staff/restriction-requests/{pending.id}/letter"
    sends = [
        prepared(signed_in(p), url, {"delivery": "post", "action": "issue"}, url) for p in panel
    ]

    winner, losers = one_winner(race(sends))

    assert "/staff/letters/" in winner.location
    assert committed(Letter, Letter.kind == LetterKind.RESTRICTION_DECISION) == 1
    assert committed(AuditEvent, AuditEvent.action == "restriction.notified") == 1
    letter = db.session.scalar(select(Letter).where(Letter.kind == LetterKind.RESTRICTION_DECISION))
    assert db.session.get(Restriction, restriction.id).letter_id == letter.id
    for loser in losers:
        assert "The decision letter has already been sent" in loser.text
        assert letter.reference in loser.text
