"""The restriction stage's later steps sent twice (the form sent again, or a colleague in the
same moment): the Panel's answer to GLT, the six-monthly review and reintroduction, and each
step of correspondence under termination. The second is a Conflict that says what happened,
by whom and when, and creates nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal import db
from portal.correspondence import services as correspondence
from portal.correspondence.models import CorrespondenceStatus
from portal.errors import Conflict
from portal.letters.models import Letter
from portal.restrictions import services as restrictions
from portal.restrictions.models import ContactRoute, RequestStatus, Restriction
from portal.reviews import services as reviews
from portal.reviews.models import RestrictionReview, ReviewOutcome
from portal.timeutil import london_date
from tests.restriction_factories import request_input, spec


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def twice(call, *args, **kwargs) -> Conflict:
    """Call the step, commit, call it again: the Conflict the second raises, having made no
    letter, review or restriction."""
    call(*args, **kwargs)
    db.session.commit()
    made = (_count(Letter), _count(RestrictionReview), _count(Restriction))
    with pytest.raises(Conflict) as second:
        call(*args, **kwargs)
    db.session.rollback()
    assert (_count(Letter), _count(RestrictionReview), _count(Restriction)) == made
    return second.value


@pytest.mark.policy("8.19")
def test_the_panel_answers_glts_question_once(
    make_customer, final_warning_for, make_request, glt_member, panel_member, clock
):
    customer = make_customer()
    final_warning_for(customer)
    asked = make_request(customer)
    restrictions.ask_for_more(glt_member, clock.now, asked, "Who else was there?")
    db.session.commit()
    conflict = twice(restrictions.resubmit, panel_member, clock.now, asked, request_input())
    assert asked.status == RequestStatus.SUBMITTED
    assert "sent this request back" in str(conflict) and conflict.by == panel_member.name


def _next_review(clock) -> date:
    return london_date(clock.now) + timedelta(days=90)


@pytest.mark.policy("10.1")
@pytest.mark.parametrize("outcome", [ReviewOutcome.CONTINUE, ReviewOutcome.LIFT])
def test_a_restriction_is_reviewed_once(restriction_in_force, panel_member, clock, outcome):
    restriction = restriction_in_force()
    next_review = _next_review(clock) if outcome == ReviewOutcome.CONTINUE else None
    conflict = twice(
        reviews.review_restriction,
        panel_member,
        clock.now,
        restriction,
        outcome,
        "Reasons.",
        "Calmer.",
        next_review,
    )
    assert "already been reviewed" in str(conflict)
    assert (conflict.by, conflict.at, conflict.what) == (
        panel_member.name,
        clock.now,
        outcome.title,
    )
    assert _count(RestrictionReview) == 1


@pytest.mark.policy("10.1")
def test_a_restriction_is_varied_once(restriction_in_force, panel_member, clock):
    restriction = restriction_in_force()
    today = london_date(clock.now)
    variation = spec(today, channel=ContactRoute.LETTER)
    conflict = twice(
        reviews.review_restriction,
        panel_member,
        clock.now,
        restriction,
        ReviewOutcome.VARY,
        "Reasons.",
        "Some progress.",
        _next_review(clock),
        variation,
    )
    assert conflict.what == ReviewOutcome.VARY.title


@pytest.mark.policy("10.1")
def test_a_lifted_restriction_is_reintroduced_once(restriction_in_force, panel_member, clock):
    restriction = restriction_in_force()
    reviews.review_restriction(
        panel_member, clock.now, restriction, ReviewOutcome.LIFT, "Calmer.", "Calmer.", None
    )
    db.session.commit()
    conflict = twice(
        reviews.reintroduce,
        panel_member,
        clock.now,
        restriction,
        "Abusive calls again.",
        _next_review(clock),
    )
    assert "already been reintroduced" in str(conflict) and conflict.by == panel_member.name


@pytest.fixture
def item(terminated, panel_member, clock):
    logged = correspondence.log_correspondence(
        panel_member, clock.now, terminated, clock.now - timedelta(hours=1), "letter", "Fence."
    )
    db.session.commit()
    return logged


@pytest.mark.policy("9.5")
def test_each_correspondence_step_is_taken_once(item, panel_member, clock):
    read = twice(correspondence.mark_read, panel_member, clock.now, item)
    assert "already been read" in str(read) and read.by == panel_member.name
    checked = twice(correspondence.check, panel_member, clock.now, item, False, False, "")
    assert "already been checked" in str(checked)
    filed = twice(correspondence.close_correspondence, panel_member, clock.now, item)
    assert "acknowledged and filed" in str(filed) and filed.at == clock.now
    assert item.status == CorrespondenceStatus.ACKNOWLEDGED


@pytest.mark.policy("9.5")
def test_an_item_with_a_concern_is_routed_once(item, panel_member, clock):
    correspondence.mark_read(panel_member, clock.now, item)
    correspondence.check(panel_member, clock.now, item, False, True, "Mentions self-harm.")
    db.session.commit()
    routed = twice(correspondence.close_correspondence, panel_member, clock.now, item)
    assert "routed to the Panel" in str(routed)
