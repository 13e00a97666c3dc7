"""Every appeal step (§9.1–9.4) sent by several people, or from several tabs, at the same
instant: each step is taken once, one appeal per decision, one letter per step."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from portal import db
from portal.accounts import services as accounts
from portal.accounts.models import CustomerAccount
from portal.appeals import services as appeals
from portal.appeals.models import Appeal, AppealStatus
from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.letters.models import Letter, LetterKind
from portal.restrictions.models import Delivery, RestrictionKind, RestrictionStatus
from tests.concurrency.conftest import N, committed, one_winner, prepared, race
from tests.restriction_factories import spec

pytestmark = pytest.mark.concurrency

CUSTOMER_PASSWORD = "a long enough password"


def _letters(kind: LetterKind) -> int:
    return committed(Letter, Letter.kind == kind)


def _events(action: str) -> int:
    return committed(AuditEvent, AuditEvent.action == action)


@pytest.fixture
def restricted(live, restriction_in_force, clock):
    clock.now = datetime(2027, 3, 19, 10, tzinfo=UTC)
    return restriction_in_force(now=clock.now)


@pytest.fixture
def lodged(restricted, clock):
    def _lodge(late_reason: str = "") -> Appeal:
        appeal = appeals.start_draft(clock.now, restricted)
        appeals.save_answers(
            clock.now,
            appeal,
            appeals.Answers(grounds="It was unfair.", late_reason=late_reason or None),
        )
        appeals.lodge(restricted.customer, clock.now, appeal, f"k{appeal.id}")
        db.session.commit()
        return appeal

    return _lodge


@pytest.fixture
def cems(make_staff, signed_in):
    return [signed_in(make_staff(Role.CEM, name=f"Cem Experience {n}")) for n in range(N)]


def _step_race(browsers, appeal: Appeal, step: str, data: dict | None = None):
    url = f"/staff/appeals/{appeal.id}/{step}"
    page = f"/staff/appeals/{appeal.id}"
    return race([prepared(b, url, data or {}, page) for b in browsers])


def _status(appeal: Appeal) -> AppealStatus:
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(Appeal, appeal.id).status


@pytest.mark.policy("9.1")
def test_one_acknowledgement_however_many_acknowledge_at_once(lodged, cems):
    appeal = lodged()
    winner, losers = one_winner(_step_race(cems, appeal, "acknowledge"))
    assert _status(appeal) == AppealStatus.ACKNOWLEDGED
    assert _letters(LetterKind.APPEAL_ACKNOWLEDGEMENT) == 1
    assert _events("appeal.acknowledged") == 1
    for loser in losers:
        assert "This appeal has already been acknowledged" in loser.text
        assert "Cem Experience" in loser.text


@pytest.mark.policy("9.3")
def test_passed_to_glt_once(lodged, cems, make_staff, clock):
    appeal = lodged()
    appeals.acknowledge(make_staff(Role.CEM), clock.now, appeal)
    db.session.commit()
    one_winner(_step_race(cems, appeal, "refer"))
    assert _status(appeal) == AppealStatus.WITH_GLT
    assert _events("appeal.referred") == 1


@pytest.mark.policy("9.3")
def test_one_glt_decision_on_an_appeal(lodged, make_staff, signed_in, clock, restricted):
    appeal = lodged()
    cem = make_staff(Role.CEM)
    appeals.acknowledge(cem, clock.now, appeal)
    appeals.refer_to_glt(cem, clock.now, appeal)
    db.session.commit()
    leaders = [signed_in(make_staff(Role.GLT, name=f"Gail Leader {n}")) for n in range(N)]
    forms = [
        {
            "decision-outcome": "upheld" if n % 2 else "overturned",
            "decision-reasons": f"Reasons of leader {n}.",
        }
        for n in range(N)
    ]
    url = f"/staff/appeals/{appeal.id}/decision"
    page = f"/staff/appeals/{appeal.id}"
    answers = race([prepared(b, url, f, page) for b, f in zip(leaders, forms, strict=True)])
    winner, losers = one_winner(answers)
    decided = db.session.get(Appeal, appeal.id)
    db.session.refresh(decided)
    assert decided.status == AppealStatus.DECIDED
    assert _events("appeal.decided") == 1
    restriction_status = db.session.get(type(restricted), restricted.id).status
    expected = RestrictionStatus.ENDED if decided.outcome.value == "overturned" else "active"
    assert restriction_status == expected
    for answer, form in zip(answers, forms, strict=True):
        if answer is not winner:
            assert "GLT has already decided this appeal" in answer.text
            assert form["decision-reasons"] in answer.text


@pytest.mark.policy("9.4")
def test_one_outcome_letter(lodged, cems, make_staff, clock):
    appeal = lodged()
    cem = make_staff(Role.CEM)
    appeals.acknowledge(cem, clock.now, appeal)
    appeals.refer_to_glt(cem, clock.now, appeal)
    from portal.appeals.models import AppealOutcome

    appeals.glt_decide(make_staff(Role.GLT), clock.now, appeal, AppealOutcome.UPHELD, "Fair.")
    db.session.commit()
    one_winner(_step_race(cems, appeal, "outcome"))
    assert _status(appeal) == AppealStatus.CLOSED
    assert _letters(LetterKind.APPEAL_OUTCOME) == 1


@pytest.fixture
def late(lodged, clock):
    clock.now = datetime(2027, 4, 28, 10, tzinfo=UTC)  # after the last day
    appeal = lodged(late_reason="I was in hospital.")
    assert appeal.late
    return appeal


@pytest.mark.policy("9.2")
def test_one_decision_on_a_late_appeal(late, cems):
    appeal = late
    answers = race(
        [
            prepared(
                b,
                f"/staff/appeals/{appeal.id}/late",
                {"late-accept": "no" if n % 2 else "yes", "late-late_decision_reason": f"R{n}."},
                f"/staff/appeals/{appeal.id}",
            )
            for n, b in enumerate(cems)
        ]
    )
    one_winner(answers)
    assert _events("appeal.late_decided") == 1
    refused = db.session.get(Appeal, appeal.id).late_accepted is False
    assert _letters(LetterKind.LATE_APPEAL) == (1 if refused else 0)


@pytest.mark.policy("9.2")
def test_one_appeal_lodged_for_a_customer_by_several_colleagues(
    restricted, make_staff, signed_in, clock
):
    colleagues = [signed_in(make_staff(Role.CEM, name=f"Cem {n}")) for n in range(N)]
    url = f"/staff/customers/{restricted.customer_id}/appeals/new"
    form = {
        "channel": "phone",
        "received_on": "2027-03-19",
        "grounds": "The customer says the calls were about a leak.",
    }
    answers = race(
        [prepared(b, url, {**form, "helped_by": f"Cem {n}"}) for n, b in enumerate(colleagues)]
    )
    one_winner(answers)
    assert committed(Appeal, Appeal.status != AppealStatus.DRAFT) == 1
    assert _events("appeal.lodged") == 1
    for answer in answers:
        if answer.status == 409:
            assert "already been lodged" in answer.text
            assert form["grounds"] in answer.text


@pytest.fixture
def two_restrictions(
    live,
    make_customer,
    serious_incident_for,
    make_request,
    approve_request,
    panel_member,
    organisation_ready,
    clock,
):
    """One decision letter that set two restrictions."""
    from portal.restrictions import services as restrictions

    clock.now = datetime(2027, 3, 19, 10, tzinfo=UTC)
    customer = make_customer()
    threats = serious_incident_for(customer, clock.now)
    made = approve_request(
        make_request(customer, waiver_incident_id=threats.id, waiver_reason="Threats."),
        specs=[
            spec(clock.now.date()),
            spec(clock.now.date(), kind=RestrictionKind.SET_TIMES, channel=None, schedule="Mon"),
        ],
    )
    restrictions.issue_decision_letter(panel_member, clock.now, made, Delivery.HAND)
    db.session.commit()
    return made


def _customer_browser(live, customer_id: int, clock):
    db.session.add(
        CustomerAccount(
            customer_id=customer_id,
            email=f"c{customer_id}@test.example",
            password_hash=accounts.hash_password(CUSTOMER_PASSWORD),
            activated_at=clock.now,
            password_changed_at=clock.now,
        )
    )
    db.session.commit()
    browser = live.browser()
    answer = browser.post(
        "/sign-in", {"email": f"c{customer_id}@test.example", "password": CUSTOMER_PASSWORD}
    )
    assert answer.status == 303, answer.text[:300]
    return browser


@pytest.mark.policy("9.1")
@pytest.mark.policy("9.4")
def test_one_appeal_per_decision_from_several_tabs(
    live, two_restrictions, clock, organisation_ready
):
    """A draft on each restriction the decision set, each sent from tabs at once."""
    customer_id = two_restrictions[0].customer_id
    drafts = []
    for restriction in two_restrictions:
        draft = appeals.start_draft(clock.now, restriction)
        appeals.save_answers(
            clock.now,
            draft,
            appeals.Answers(grounds="Unfair.", needs_interpreter=False),
        )
        drafts.append(draft.id)
    db.session.commit()
    browser = _customer_browser(live, customer_id, clock)
    sends = []
    for n in range(N):
        url = f"/appeals/{drafts[n % 2]}/check"
        page = browser.get(url)
        assert page.status == 200, page.text[:300]
        key = re.search(r'name="submission_key"[^>]*value="([^"]+)"', page.text)
        key = key or re.search(r'value="([^"]+)"[^>]*name="submission_key"', page.text)
        sends.append(prepared(browser, url, {"submission_key": key.group(1)}))
    answers = race(sends)
    one_winner(answers)
    assert committed(Appeal, Appeal.status != AppealStatus.DRAFT) == 1
    assert _events("appeal.lodged") == 1
    for answer in answers:
        if answer.status == 409:
            assert "already" in answer.text
