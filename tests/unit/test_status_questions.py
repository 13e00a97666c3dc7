"""What templates ask the models instead of comparing stored status strings: whether an
arrangement waits for the customer's answer, whether a restriction is in force or lifted,
whether GLT waits for the Panel's answer, whether correspondence is settled and what a
review's outcome does to the restriction."""

from __future__ import annotations

import pytest

from portal.arrangements.models import Arrangement, ArrangementStatus
from portal.correspondence.models import (
    OPEN_CORRESPONDENCE,
    Correspondence,
    CorrespondenceStatus,
)
from portal.restrictions.models import (
    RequestStatus,
    Restriction,
    RestrictionRequest,
    RestrictionStatus,
)
from portal.reviews.models import ReviewOutcome


@pytest.mark.parametrize("status", list(ArrangementStatus))
def test_an_arrangement_waits_for_an_answer_until_the_customer_agrees_or_declines(status):
    waiting = status in (ArrangementStatus.AWAITING_CUSTOMER, ArrangementStatus.CHANGE_PROPOSED)
    assert status.awaiting_answer is waiting
    assert Arrangement(status=status).awaiting_answer is waiting
    # Exactly the states the customer's answer can move on from.
    assert Arrangement.TRANSITIONS.allowed(status, ArrangementStatus.AGREED) is waiting


@pytest.mark.parametrize("status", list(RestrictionStatus))
def test_a_restriction_says_whether_it_is_active_or_lifted(status):
    restriction = Restriction(status=status)
    assert restriction.is_active is (status == RestrictionStatus.ACTIVE)
    assert restriction.is_lifted is (status == RestrictionStatus.LIFTED)


@pytest.mark.parametrize("status", list(RequestStatus))
def test_a_request_says_whether_glt_waits_for_more_information(status):
    request = RestrictionRequest(status=status)
    assert request.more_information_requested is (status == RequestStatus.MORE_INFO)


@pytest.mark.parametrize("status", list(CorrespondenceStatus))
def test_correspondence_is_settled_once_filed_or_routed(status):
    settled = status in (CorrespondenceStatus.ACKNOWLEDGED, CorrespondenceStatus.ROUTED)
    assert status.is_settled is settled
    item = Correspondence(status=status)
    assert item.is_settled is settled
    assert item.needs_handling is (status in OPEN_CORRESPONDENCE)
    assert item.needs_handling is not settled


@pytest.mark.parametrize(
    ("outcome", "lifts", "varies", "keeps"),
    [
        (ReviewOutcome.CONTINUE, False, False, True),
        (ReviewOutcome.VARY, False, True, True),
        (ReviewOutcome.LIFT, True, False, False),
    ],
)
def test_a_review_outcome_says_what_it_does_to_the_restriction(outcome, lifts, varies, keeps):
    assert (outcome.lifts, outcome.varies, outcome.keeps_restriction) == (lifts, varies, keeps)
