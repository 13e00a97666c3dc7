"""Staff lodging an appeal for a customer with several decisions (§9.2): every decision still
open to appeal is offered, late ones marked and needing a reason; any other is refused
beside the field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from portal import db
from portal.appeals import services as appeals
from portal.appeals.models import Appeal
from portal.auth.models import Role
from portal.letters.models import Letter
from portal.restrictions import services as restrictions
from portal.restrictions.models import Delivery, RestrictionKind
from portal.restrictions.rules import allowed_contact
from portal.timeutil import london_date
from tests.conftest import csrf_token
from tests.pages import check_page
from tests.restriction_factories import spec

NOW = datetime(2027, 3, 19, 10, tzinfo=UTC)


@pytest.fixture
def cem(make_staff):
    return make_staff(Role.CEM, name="Cara Experience")


@pytest.fixture
def decide(make_customer, serious_incident_for, make_request, approve_request, panel_member):
    """A decision letter, handed over at ``at``, restricting ``customer``'s contact."""

    def _decide(customer, at: datetime, **spec_fields):
        threats = serious_incident_for(customer, at - timedelta(hours=3))
        request = make_request(
            customer,
            now=at - timedelta(hours=2),
            waiver_incident_id=threats.id,
            waiver_reason="Threats.",
        )
        made = approve_request(
            request, now=at - timedelta(hours=1), specs=[spec(london_date(at), **spec_fields)]
        )
        restrictions.issue_decision_letter(panel_member, at, made, Delivery.HAND)
        db.session.commit()
        return made[0]

    return _decide


@pytest.fixture
def two_open(decide, make_customer, organisation_ready, clock):
    """One customer, two decisions still open to appeal: email only, then set times."""
    customer = make_customer()
    first = decide(customer, NOW - timedelta(days=2))
    second = decide(
        customer, NOW, kind=RestrictionKind.SET_TIMES, channel=None, schedule="Mondays 10 to 11"
    )
    clock.now = NOW
    return first, second


def _url(restriction) -> str:
    return f"/staff/customers/{restriction.customer_id}/appeals/new"


def _offered(client, url) -> dict[str, str]:
    soup = check_page(client.get(url))
    return {
        radio["value"]: soup.find("label", attrs={"for": radio["id"]}).get_text(" ", strip=True)
        for radio in soup.find_all("input", attrs={"name": "decision"})
    }


def _lodge(client, url, decision, **extra):
    soup = BeautifulSoup(client.get(url).text, "html.parser")
    key = soup.find("input", attrs={"name": "submission_key"})["value"]
    data = {
        "csrf_token": csrf_token(client, url),
        "submission_key": key,
        "decision": str(decision),
        "channel": "phone",
        "received_on": "2027-03-19",
        "received_time": "09:30",
        "grounds": "Said on the phone: the decision is unfair.",
        **extra,
    }
    return client.post(url, data=data), data


def _appeal_count() -> int:
    return db.session.scalar(select(func.count(Appeal.id)).where(Appeal.reference.is_not(None)))


@pytest.mark.policy("9.2")
def test_two_open_decisions_are_both_offered_and_each_can_be_lodged(client, sign_in, cem, two_open):
    first, second = two_open
    sign_in(cem)
    url = _url(first)
    offered = _offered(client, url)
    assert set(offered) == {str(first.id), str(second.id)}
    for restriction in (first, second):
        label = offered[str(restriction.id)]
        letter = db.session.get(Letter, restriction.letter_id)
        assert allowed_contact(restriction).headline in label and letter.reference in label
        assert f"{restriction.appeal_deadline:%-d %B %Y}" in label and "Late" not in label
    response, _ = _lodge(client, url, first.id)
    assert response.status_code == 303
    assert set(_offered(client, url)) == {str(second.id)}
    response, _ = _lodge(client, url, second.id)
    assert response.status_code == 303
    lodged = db.session.scalars(select(Appeal).order_by(Appeal.id)).all()
    assert [a.restriction_id for a in lodged] == [first.id, second.id]
    assert all(a.lodged_by_staff_id == cem.id and not a.late for a in lodged)


@pytest.mark.policy("9.2")
def test_a_decision_past_its_last_day_is_offered_as_late_and_needs_a_reason(
    client, sign_in, cem, decide, make_customer, organisation_ready, clock
):
    customer = make_customer()
    old = decide(customer, NOW - timedelta(days=60))
    new = decide(customer, NOW, kind=RestrictionKind.SET_TIMES, channel=None, schedule="Mon")
    clock.now = NOW
    assert old.appeal_deadline < london_date(NOW) <= new.appeal_deadline
    sign_in(cem)
    url = _url(old)
    offered = _offered(client, url)
    assert "Late" in offered[str(old.id)] and "Late" not in offered[str(new.id)]
    assert f"{old.appeal_deadline:%-d %B %Y}" in offered[str(old.id)]
    response, _ = _lodge(client, url, old.id)
    soup = check_page(response, 422)
    assert soup.find(id="late_reason-error") is not None  # beside the field
    assert _appeal_count() == 0
    response, _ = _lodge(client, url, old.id, late_reason="She was in hospital until Monday.")
    assert response.status_code == 303
    appeal = db.session.scalar(select(Appeal).where(Appeal.reference.is_not(None)))
    assert appeal.restriction_id == old.id and appeal.late
    assert appeal.late_reason == "She was in hospital until Monday."


@pytest.mark.policy("9.2")
@pytest.mark.parametrize("forged", ["other", "abc", "99999999999999", ""])
def test_a_decision_that_is_not_this_customers_is_refused_beside_the_field(
    client, sign_in, cem, two_open, decide, make_customer, forged
):
    first, _second = two_open
    other = decide(make_customer(), NOW)
    sign_in(cem)
    response, _ = _lodge(client, _url(first), other.id if forged == "other" else forged)
    soup = check_page(response, 422)
    error = soup.find(id="decision-error")
    assert error is not None and "this customer's decisions" in error.get_text()
    assert "Said on the phone: the decision is unfair." in response.text  # nothing typed lost
    assert _appeal_count() == 0


@pytest.mark.policy("9.2")
def test_a_decision_already_appealed_is_not_offered_and_is_refused_beside_the_field(
    client, sign_in, cem, two_open
):
    first, second = two_open
    draft = appeals.start_draft(NOW, first)
    appeals.save_answers(NOW, draft, appeals.Answers(grounds="It was unfair."))
    appeals.lodge(first.customer, NOW, draft, "sent-online")
    db.session.commit()
    sign_in(cem)
    url = _url(first)
    assert set(_offered(client, url)) == {str(second.id)}
    response, _ = _lodge(client, url, first.id)  # a form opened before it was appealed
    soup = check_page(response, 422)
    error = soup.find(id="decision-error")
    assert error is not None and draft.reference in error.get_text()
    assert _appeal_count() == 1


@pytest.mark.policy("9.2")
def test_the_same_lodging_form_sent_twice_lodges_one_appeal(client, sign_in, cem, two_open):
    first, _second = two_open
    sign_in(cem)
    first_send, data = _lodge(client, _url(first), first.id)
    again = client.post(_url(first), data=data)
    assert first_send.status_code == again.status_code == 303
    assert again.location == first_send.location
    assert _appeal_count() == 1


@pytest.mark.policy("9.2")
def test_point2_the_customers_unsent_draft_is_shown_to_the_colleague_and_not_sent(
    client, sign_in, cem, two_open
):
    """The colleague is told the customer has a draft and starts from a blank form; the
    appeal lodged holds only what the colleague recorded, and the draft stays unsent."""
    first, second = two_open
    draft = appeals.start_draft(NOW - timedelta(days=1), first)
    appeals.save_answers(
        NOW,
        draft,
        appeals.Answers(grounds="Typed online, never sent.", new_information="Photos."),
    )
    db.session.commit()
    sign_in(cem)
    url = _url(first)
    soup = check_page(client.get(url))
    notice = soup.find(id="customer-draft")
    assert notice is not None
    words = " ".join(notice.get_text(" ").split())
    assert "started Thursday 18 March 2027" in words
    letter = db.session.get(Letter, first.letter_id)
    assert letter.reference in words
    assert soup.find("textarea", attrs={"name": "grounds"}).get_text().strip() == ""
    assert soup.find("textarea", attrs={"name": "new_information"}).get_text().strip() == ""

    response, data = _lodge(client, url, first.id)
    assert response.status_code == 303
    lodged = db.session.scalar(select(Appeal).where(Appeal.reference.is_not(None)))
    assert lodged.id != draft.id
    assert (lodged.grounds, lodged.new_information) == (data["grounds"], "")
    db.session.refresh(draft)
    assert draft.is_draft and draft.grounds == "Typed online, never sent."
    assert check_page(client.get(url)).find(id="customer-draft") is None, "closed, not offered"


@pytest.mark.policy("9.2")
def test_point2_no_draft_no_notice(client, sign_in, cem, two_open):
    first, _second = two_open
    sign_in(cem)
    assert check_page(client.get(_url(first))).find(id="customer-draft") is None
