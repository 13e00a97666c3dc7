"""Separation of duties on a request to restrict contact (§8.16, §8.19): nobody who wrote or
changed a request decides it, even holding both Panel and GLT roles; and GLT decides only once
the Panel has answered the question GLT asked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import db
from portal.auth.models import Role, UserRole
from portal.errors import NotAllowed, ServiceError
from portal.notifications.models import Notification
from portal.restrictions import services as restrictions
from portal.restrictions.models import (
    RequestPart,
    RequestParticipant,
    RequestStatus,
    RestrictionKind,
)
from tests.restriction_factories import request_input, spec


@pytest.fixture
def both_roles(make_staff):
    """A Panel member who is also on the Group Leadership Team."""
    person = make_staff(Role.PANEL, name="Bo Both")
    person.role_links.append(UserRole(role=Role.GLT))
    db.session.commit()
    return person


@pytest.fixture
def asked(app, clock, make_customer, final_warning_for, make_request, glt_member):
    """A request by the Panel on which GLT (``glt_member``) asked for more information."""
    customer = make_customer()
    final_warning_for(customer)
    request = make_request(customer, now=clock.now - timedelta(hours=3))
    restrictions.ask_for_more(glt_member, clock.now - timedelta(hours=2), request, "Who else?")
    db.session.commit()
    return request


def _answer(actor, clock, request):
    restrictions.resubmit(
        actor, clock.now - timedelta(hours=1), request, request_input(proposal="Email only.")
    )
    db.session.commit()


def _approve(actor, clock, request):
    return restrictions.decide(
        actor, clock.now, request, RequestStatus.APPROVED, "Clear.", [spec(clock.now.date())]
    )


@pytest.mark.policy("8.16")
@pytest.mark.policy("8.19")
def test_whoever_answers_glts_question_cannot_then_decide_the_request(
    app, clock, asked, both_roles, glt_member
):
    _answer(both_roles, clock, asked)
    assert asked.requested_by_id != both_roles.id  # someone else made it
    assert both_roles.id in asked.author_ids

    with pytest.raises(NotAllowed):
        _approve(both_roles, clock, asked)
    db.session.rollback()
    with pytest.raises(NotAllowed):
        restrictions.ask_for_more(both_roles, clock.now, asked, "More?")
    db.session.rollback()
    assert db.session.get(type(asked), asked.id).status == RequestStatus.SUBMITTED
    assert "another member" in restrictions.decision_blocker(both_roles, asked)

    # Another member of GLT may: the one who asked the question.
    assert restrictions.decision_blocker(glt_member, asked) is None
    [made] = _approve(glt_member, clock, asked)
    db.session.commit()
    parts = {(p.user_id, p.part) for p in asked.parts}
    assert parts == {
        (asked.requested_by_id, RequestPart.REQUESTED),
        (both_roles.id, RequestPart.ANSWERED),
        (glt_member.id, RequestPart.DECIDED),
    }
    assert made.approved_by_id == glt_member.id


@pytest.mark.policy("8.16")
def test_the_database_refuses_a_decider_who_wrote_or_changed_the_request(
    app, clock, asked, both_roles
):
    _answer(both_roles, clock, asked)
    db.session.add(
        RequestParticipant(
            request_id=asked.id, user_id=both_roles.id, part=RequestPart.DECIDED, at=clock.now
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.policy("8.16")
def test_the_answerer_is_not_asked_to_decide(app, clock, asked, both_roles, glt_member):
    _answer(both_roles, clock, asked)
    told = set(
        db.session.scalars(
            select(Notification.user_id).where(Notification.message.contains("more information"))
        )
    )
    assert glt_member.id in told and both_roles.id not in told


@pytest.mark.policy("8.19")
def test_glt_decides_only_once_the_panel_has_answered(app, clock, asked, make_staff, panel_member):
    other_glt = make_staff(Role.GLT, name="Olga Other")
    for outcome, specs in (
        (RequestStatus.APPROVED, [spec(clock.now.date())]),
        (RequestStatus.REJECTED, []),
    ):
        with pytest.raises(ServiceError) as refused:
            restrictions.decide(other_glt, clock.now, asked, outcome, "Clear.", specs)
        db.session.rollback()
        assert "has not yet answered" in str(refused.value)
    assert "once the Panel has answered" in restrictions.decision_blocker(other_glt, asked)
    with pytest.raises(ServiceError) as again:
        restrictions.ask_for_more(other_glt, clock.now, asked, "And another thing?")
    db.session.rollback()
    assert "already asked" in str(again.value)
    assert asked.status == RequestStatus.MORE_INFO and asked.more_info_question == "Who else?"

    _answer(panel_member, clock, asked)
    assert restrictions.decision_blocker(other_glt, asked) is None
    made = _approve(other_glt, clock, asked)
    assert [r.kind for r in made] == [RestrictionKind.CHANNEL_ONLY]


@pytest.mark.policy("8.19")
def test_the_requester_answering_their_own_request_changes_nothing_about_who_decides(
    app, clock, asked, panel_member, glt_member
):
    _answer(panel_member, clock, asked)
    assert [p.part for p in asked.parts] == [RequestPart.REQUESTED]  # one part each
    assert restrictions.decision_blocker(glt_member, asked) is None
