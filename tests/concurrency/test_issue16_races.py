"""The steps issue 16 added, taken by several people (or tabs) at the same instant: the Panel's
judgement whether an incident is serious (§8.1), an appeal lodged by staff for a customer
(§9.2), a closure day added while appeals are lodged and acknowledged and incidents judged
(§9.1), and GLT reviewing restrictions together while one of them is reviewed (§10.1): one
judgement or appeal kept, everyone else told with what they typed shown back, no date left
counted on the calendar as it was before the closure, and no review date lost."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal import db
from portal.accounts import services as accounts
from portal.accounts.models import CustomerAccount
from portal.appeals import rules as appeal_rules
from portal.appeals import services as appeals
from portal.appeals.models import Appeal, AppealStatus
from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.deadlines import MOVED, recompute_open_deadlines
from portal.incidents.models import Incident
from portal.organisation.services import get_organisation
from portal.restrictions import services as restrictions
from portal.restrictions.models import Delivery, Restriction, RestrictionKind
from portal.restrictions.review_together import ALIGNED
from portal.workdays.models import Closure
from portal.workdays.services import load_calendar
from tests.concurrency.conftest import N, committed, one_winner, prepared, race
from tests.web.restriction_forms import decision_form, review_restriction_form

pytestmark = pytest.mark.concurrency

CUSTOMER_PASSWORD = "a long enough password"
HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>')


def _events(action: str, *where) -> list[AuditEvent]:
    committed(AuditEvent)  # a fresh read of what the server committed
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action, *where).order_by(AuditEvent.id)
        )
    )


def _fresh(model, record_id: int):
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(model, record_id)


def _hidden(page: str, name: str) -> str:
    """The value of the hidden field ``name`` on ``page`` ("" when it has none)."""
    for tag in HIDDEN.findall(page):
        if f'name="{name}"' in tag:
            found = re.search(r'value="([^"]*)"', tag)
            return found.group(1) if found else ""
    raise AssertionError(f"no hidden field {name!r} on the page")


# §8.1: the Panel's judgement whether an incident is serious ---------------------------------


@pytest.fixture
def insult(live, make_customer, make_incident):
    """Personal verbal abuse: serious only if the Panel says so."""
    return make_incident(make_customer(), example_types=["verbal_abuse"])


@pytest.fixture
def panel(make_staff, signed_in):
    return [signed_in(make_staff(Role.PANEL, name=f"Pat Panel {n}")) for n in range(N)]


def _judgement_sends(browsers, incident: Incident, forms: list[dict]):
    """Each Panel member's judgement, from the incident page each of them has open."""
    show = f"/staff/incidents/{incident.id}"
    sends = []
    for browser, form in zip(browsers, forms, strict=True):
        page = browser.get(show)
        assert page.status == 200, page.text[:300]
        seen = {"seen": _hidden(page.text, "seen")}
        sends.append(prepared(browser, f"{show}/seriousness", {**seen, **form}, show))
    return sends


def _assert_one_judgement(incident, answers, forms):
    winner, losers = one_winner(answers)
    [event] = _events("incident.seriousness_marked", AuditEvent.entity_id == incident.id)
    won = forms[answers.index(winner)]
    marked = _fresh(Incident, incident.id)
    assert marked.serious is (won["serious"] == "yes")
    assert marked.serious_reason == won["serious_reason"]
    assert event.after == {"serious": marked.serious, "reason": won["serious_reason"]}
    assert event.before == {"serious": False, "reason": ""}
    for answer, form in zip(answers, forms, strict=True):
        if answer is not winner:
            assert "judgement has changed" in answer.text
            assert marked.serious_marked_by.name in answer.text
            assert form["serious_reason"] in answer.text, "what they typed is shown back"


@pytest.mark.policy("8.1")
def test_point1_panel_members_judging_one_incident_differently_at_once_one_judgement_is_kept(
    insult, panel
):
    forms = [
        {"serious": "yes" if n % 2 else "no", "serious_reason": f"Reason of member {n}."}
        for n in range(N)
    ]
    answers = race(_judgement_sends(panel, insult, forms))
    _assert_one_judgement(insult, answers, forms)


@pytest.mark.policy("8.1")
def test_point1_panel_members_judging_one_incident_alike_at_once_one_judgement_is_kept(
    insult, panel
):
    forms = [{"serious": "yes", "serious_reason": f"Reason of member {n}."} for n in range(N)]
    answers = race(_judgement_sends(panel, insult, forms))
    _assert_one_judgement(insult, answers, forms)


@pytest.mark.policy("8.1")
def test_point1_the_same_judgement_sent_twice_at_once_is_recorded_once_and_can_then_change(
    insult, panel
):
    """A double click sends one form twice: it is recorded once, both sends end on the
    incident. A judgement sent from the page as it is now may then change it."""
    form = {"serious": "yes", "serious_reason": "Abuse repeated over three calls."}
    [send] = _judgement_sends(panel[:1], insult, [form])
    answers = race([send] * N)
    assert [a.status for a in answers] == [303] * N
    assert all(a.location.endswith(f"/staff/incidents/{insult.id}#seriousness") for a in answers)
    assert len(_events("incident.seriousness_marked")) == 1

    [change] = _judgement_sends(
        [panel[1]], insult, [{"serious": "no", "serious_reason": "Said once, in frustration."}]
    )
    assert change().status == 303
    events = _events("incident.seriousness_marked")
    assert [e.after["serious"] for e in events] == [True, False]
    assert events[1].before == {"serious": True, "reason": form["serious_reason"]}
    assert _fresh(Incident, insult.id).serious is False


# §9.2: an appeal lodged by staff for the customer -------------------------------------------


@pytest.fixture
def two_decisions(
    live, make_customer, restriction_in_force, make_request, approve_request, panel_member, clock
):
    """A customer with two decisions open to appeal, each set by a letter of its own."""
    clock.now = datetime(2027, 3, 19, 10, tzinfo=UTC)
    customer = make_customer()
    first = restriction_in_force(customer=customer, now=clock.now - timedelta(days=7))
    request = make_request(customer, now=clock.now - timedelta(hours=2))
    [second] = approve_request(request, now=clock.now - timedelta(hours=1))
    restrictions.issue_decision_letter(panel_member, clock.now, [second], Delivery.HAND)
    db.session.commit()
    assert first.letter_id != second.letter_id
    return first, second


@pytest.fixture
def colleagues(make_staff, signed_in):
    """``colleagues(n)``: n Customer Experience Managers, signed in now (on the test's clock)."""
    return lambda n=N: [
        signed_in(make_staff(Role.CEM, name=f"Cem Colleague {i}")) for i in range(n)
    ]


def _phone_form(restriction: Restriction, n: int) -> dict:
    return {
        "decision": str(restriction.id),
        "channel": "phone",
        "received_on": "2027-03-19",
        "helped_by": f"Colleague {n}",
        "grounds": f"Grounds given to colleague {n}: the calls were about a leak.",
    }


def _lodge_sends(browsers, customer_id: int, forms: list[dict]):
    url = f"/staff/customers/{customer_id}/appeals/new"
    sends = []
    for browser, form in zip(browsers, forms, strict=True):
        page = browser.get(url)
        assert page.status == 200, page.text[:300]
        key = {"submission_key": _hidden(page.text, "submission_key")}
        sends.append(prepared(browser, url, {**key, **form}))
    return sends


def _appeals_by_decision() -> dict[str, int]:
    committed(Appeal)
    rows = db.session.execute(
        select(Appeal.decision_key, func.count())
        .where(Appeal.status != AppealStatus.DRAFT)
        .group_by(Appeal.decision_key)
    )
    return dict(rows.all())


@pytest.mark.policy("9.2")
def test_point2_colleagues_lodging_against_two_different_decisions_at_once_both_are_lodged(
    two_decisions, colleagues
):
    first, second = two_decisions
    forms = [_phone_form(first, 0), _phone_form(second, 1)]
    answers = race(_lodge_sends(colleagues(2), first.customer_id, forms))
    assert [a.status for a in answers] == [303, 303], [a.text[:300] for a in answers]
    assert _appeals_by_decision() == {
        f"letter:{first.letter_id}": 1,
        f"letter:{second.letter_id}": 1,
    }
    assert len(_events("appeal.lodged")) == 2
    for restriction, form in zip(two_decisions, forms, strict=True):
        appeal = db.session.scalar(
            select(Appeal).where(
                Appeal.restriction_id == restriction.id, Appeal.status == AppealStatus.LODGED
            )
        )
        assert appeal.grounds == form["grounds"], "each decision's appeal has its own grounds"


@pytest.mark.policy("9.2")
def test_point2_colleagues_lodging_against_each_of_two_decisions_at_once_one_appeal_each(
    two_decisions, colleagues
):
    """Half the colleagues take one decision, half the other: each decision is appealed once,
    and everyone else is told, with what they typed still on the page."""
    first, second = two_decisions
    forms = [_phone_form(first if n % 2 else second, n) for n in range(N)]
    answers = race(_lodge_sends(colleagues(), first.customer_id, forms))
    statuses = [a.status for a in answers]
    assert statuses.count(303) == 2, statuses
    assert set(statuses) <= {303, 409, 422}, statuses
    assert _appeals_by_decision() == {
        f"letter:{first.letter_id}": 1,
        f"letter:{second.letter_id}": 1,
    }
    assert len(_events("appeal.lodged")) == 2
    for answer, form in zip(answers, forms, strict=True):
        if answer.status != 303:
            assert "already" in answer.text and "appealed" in answer.text, answer.text[:500]
            assert form["grounds"] in answer.text, "what they typed is shown back"


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


def _draft(restriction: Restriction, now: datetime, grounds: str) -> Appeal:
    draft = appeals.start_draft(now, restriction)
    appeals.save_answers(now, draft, appeals.Answers(grounds=grounds, needs_interpreter=False))
    db.session.commit()
    return draft


def _send_draft(browser, draft: Appeal):
    url = f"/appeals/{draft.id}/check"
    page = browser.get(url)
    assert page.status == 200, page.text[:300]
    return prepared(browser, url, {"submission_key": _hidden(page.text, "submission_key")})


@pytest.mark.policy("9.2")
def test_point2_the_customer_online_and_a_colleague_by_phone_at_once_lodge_one_appeal(
    live, restriction_in_force, clock, colleagues
):
    clock.now = datetime(2027, 3, 19, 10, tzinfo=UTC)
    restriction = restriction_in_force(now=clock.now)
    draft = _draft(restriction, clock.now, "Sent online: the calls were about a leak.")
    customer = _customer_browser(live, restriction.customer_id, clock)
    phone = _phone_form(restriction, 0)
    [by_phone] = _lodge_sends(colleagues(1), restriction.customer_id, [phone])
    answers = race([_send_draft(customer, draft), by_phone])
    winner, [loser] = one_winner(answers)
    assert _appeals_by_decision() == {f"letter:{restriction.letter_id}": 1}
    assert len(_events("appeal.lodged")) == 1
    assert "already" in loser.text
    lodged = db.session.scalar(select(Appeal).where(Appeal.status == AppealStatus.LODGED))
    if winner is answers[0]:
        assert lodged.grounds == "Sent online: the calls were about a leak."
        assert lodged.lodged_by_staff_id is None
        assert phone["grounds"] in loser.text, "the colleague's notes are shown back"
    else:
        assert lodged.grounds == phone["grounds"]
        assert lodged.lodged_by_staff_id is not None


# §9.1: a closure day added while others lodge, acknowledge and judge -------------------------


@pytest.fixture
def admin(make_staff, signed_in):
    """``admin()``: an administrator, signed in now (on the test's clock)."""
    return lambda: signed_in(make_staff(Role.ADMIN, name="Ada Admin"))


def _add_closure(admin, day: date):
    url = "/staff/admin/closures"
    return prepared(admin, url, {"day": day.isoformat(), "reason": "Office move"})


def _nothing_left_on_the_old_calendar(now: datetime) -> None:
    """A recompute now, on the calendar as it stands, would move no date: none was counted on
    the calendar before the closure and missed by the closure's own recompute."""
    db.session.rollback()
    try:
        assert recompute_open_deadlines(None, now) == 0
    finally:
        db.session.rollback()


def _audited_moves(kind: str, entity_id: int) -> list[dict]:
    return [
        e.after
        for e in _events(
            MOVED[kind], AuditEvent.entity_type == kind, AuditEvent.entity_id == entity_id
        )
    ]


@pytest.mark.policy("9.1")
def test_point3_a_closure_added_while_the_customer_lodges_counts_the_appeal_on_the_new_calendar(
    live, restriction_in_force, clock, admin
):
    """The appeal arrives on the day the closure is for: whichever is first, the appeal counts
    from the next working day (counted so when it is lodged, or moved there by the closure),
    and each date the closure moved is audited."""
    clock.now = datetime(2027, 3, 19, 10, tzinfo=UTC)  # a Friday: the decision letter
    restriction = restriction_in_force(now=clock.now)
    other = restriction_in_force(now=clock.now)  # another customer's, not appealed
    clock.now = datetime(2027, 3, 23, 10, tzinfo=UTC)  # the Tuesday after
    draft = _draft(restriction, clock.now, "The calls were about a leak.")
    before = {
        ("restriction", restriction.id): restriction.appeal_deadline,
        ("restriction", other.id): other.appeal_deadline,
        ("appeal", draft.id): draft.deadline,
    }
    customer = _customer_browser(live, restriction.customer_id, clock)
    answers = race([_add_closure(admin(), clock.now.date()), _send_draft(customer, draft)])
    assert [a.status for a in answers] == [303, 303], [a.text[:300] for a in answers]

    assert committed(Closure) == 1
    lodged = _fresh(Appeal, draft.id)
    assert lodged.status == AppealStatus.LODGED
    calendar = load_calendar()
    arrived = appeal_rules.arrival(lodged.received_at, get_organisation().cutoff_time, calendar)
    assert arrived.counted_from == date(2027, 3, 24)
    assert lodged.counted_from == arrived.counted_from, "counted on the calendar with the closure"
    [event] = _events("appeal.lodged")
    if event.after["received_on"] != "2027-03-24":  # lodged first, then moved
        moves = [m for m in _audited_moves("appeal", lodged.id) if "counted_from" in m]
        assert moves == [{"counted_from": "2027-03-24", "closure_added": "2027-03-23"}]
    still_open = _fresh(Restriction, other.id)
    assert still_open.appeal_deadline == before[("restriction", other.id)] + timedelta(days=1)
    for (kind, record_id), old in before.items():
        model = Restriction if kind == "restriction" else Appeal
        field = "appeal_deadline" if kind == "restriction" else "deadline"
        now_on = getattr(_fresh(model, record_id), field)
        moves = _audited_moves(kind, record_id)
        if now_on != old:
            assert moves and moves[-1][field] == now_on.isoformat(), (kind, record_id, moves)
            assert moves[-1]["closure_added"] == "2027-03-23"
    _nothing_left_on_the_old_calendar(clock.now)


@pytest.fixture
def lodged_appeals(live, restriction_in_force, clock):
    """N - 1 appeals, each a different customer's, received on Friday 19 March 2027."""
    clock.now = datetime(2027, 3, 19, 10, tzinfo=UTC)
    lodged = []
    for _ in range(N - 1):
        restriction = restriction_in_force(now=clock.now)
        draft = appeals.start_draft(clock.now, restriction)
        appeals.save_answers(clock.now, draft, appeals.Answers(grounds="It was unfair."))
        lodged.append(appeals.lodge(restriction.customer, clock.now, draft, f"k{draft.id}"))
        db.session.commit()
    clock.now = datetime(2027, 3, 22, 10, tzinfo=UTC)  # the Monday after
    return lodged


@pytest.mark.policy("9.1")
def test_point3_a_closure_added_while_colleagues_acknowledge_moves_every_outcome_date(
    lodged_appeals, colleagues, admin, clock
):
    """Each appeal's expected outcome, given in its acknowledgement, is counted with the
    closure: counted after it, or moved by it (and the move audited)."""
    closure_day = date(2027, 3, 25)
    sends = [_add_closure(admin(), closure_day)] + [
        prepared(b, f"/staff/appeals/{a.id}/acknowledge", {}, f"/staff/appeals/{a.id}")
        for b, a in zip(colleagues(len(lodged_appeals)), lodged_appeals, strict=True)
    ]
    answers = race(sends)
    assert [a.status for a in answers] == [303] * len(sends), [a.text[:300] for a in answers]

    calendar = load_calendar()
    assert closure_day in calendar.closures
    cutoff = get_organisation().cutoff_time
    for appeal in lodged_appeals:
        acknowledged = _fresh(Appeal, appeal.id)
        assert acknowledged.status == AppealStatus.ACKNOWLEDGED
        counted = appeal_rules.appeal_clock(acknowledged.received_at, cutoff, calendar)
        assert acknowledged.expected_outcome_on == counted.expected_outcome, appeal.id
        [ack] = _events("appeal.acknowledged", AuditEvent.entity_id == appeal.id)
        if ack.after["expected_outcome_on"] != counted.expected_outcome.isoformat():
            moves = _audited_moves("appeal", appeal.id)
            assert (
                moves and moves[-1]["expected_outcome_on"] == counted.expected_outcome.isoformat()
            )
    _nothing_left_on_the_old_calendar(clock.now)


@pytest.mark.policy("8.1")
@pytest.mark.policy("8.7")
def test_point1_a_closure_added_while_panel_members_judge_incidents_leaves_both_done(
    live, make_customer, make_incident, panel, admin, clock
):
    """The closure's recompute moves the Panel's review dates of the very incidents being
    judged: each judgement and each move is made once, audited, and nobody waits forever."""
    get_organisation().panel_review_unit = "working"  # so a closure day moves the dates
    db.session.commit()
    incidents = [make_incident(make_customer()) for _ in range(N)]
    due_before = {i.id: i.review_due_on for i in incidents}
    forms = [{"serious": "yes", "serious_reason": f"Reason {n}."} for n in range(N)]
    sends = [
        send
        for browser, incident, form in zip(panel, incidents, forms, strict=True)
        for send in _judgement_sends([browser], incident, [form])
    ]
    closure_day = clock.now.date() + timedelta(days=2)
    answers = race([_add_closure(admin(), closure_day), *sends])
    assert [a.status for a in answers] == [303] * len(answers), [a.text[:300] for a in answers]

    assert len(_events("incident.seriousness_marked")) == N
    for incident in incidents:
        moved = _fresh(Incident, incident.id)
        assert moved.serious is True
        assert moved.review_due_on > due_before[incident.id]
        [after] = _audited_moves("incident", incident.id)
        assert after["review_due_on"] == moved.review_due_on.isoformat()
    _nothing_left_on_the_old_calendar(clock.now)


# §10.1: restrictions reviewed together at GLT's decision, while a review is recorded --------


@pytest.fixture
def aligning(live, make_customer, restriction_in_force, make_request, make_staff, clock):
    """Email only in force, its review due on 3 December 2026, and a request to add "through
    Tom Whitfield" waiting for GLT (the frozen clock: Monday 23 November 2026)."""
    customer = make_customer()
    first = restriction_in_force(customer=customer, review_on=date(2026, 12, 3))
    tom = make_staff(Role.LINE_MANAGER, name="Tom Whitfield", email="tom.w@test.example")
    request = make_request(customer, proposed_kinds=[RestrictionKind.NAMED_MANAGER])
    return first, request, tom


def _together_send(glt, request, tom):
    """GLT's approval, reviewed together with the restriction in force, from the request page
    GLT has open now: the page's own record of the restrictions in force goes with it."""
    page_url = f"/staff/restriction-requests/{request.id}"
    page = glt.get(page_url)
    assert page.status == 200, page.text[:300]
    form = decision_form(
        kind="named_manager",
        channel="",
        named_manager_id=str(tom.id),
        review_on="2027-05-01",
        review_together="y",
        in_force_seen=_hidden(page.text, "in_force_seen"),
        reasons="Approved, and reviewed with the email-only restriction.",
    )
    return prepared(glt, f"{page_url}/decision", form, page_url), form


def _review_send(reviewer, restriction, outcome: str):
    url = f"/staff/restrictions/{restriction.id}/review"
    form = review_restriction_form(
        delivery="hand",
        outcome=outcome,
        next_review_on="2027-05-20" if outcome == "continue" else "",
        reasons=f"Reviewed: {outcome}.",
    )
    return prepared(reviewer, url, form)


def _review_on_as_audited(restriction_id: int) -> str | None:
    """The review date the audit trail last gave the restriction (moved, reviewed, decided)."""
    said = None
    for event in _events_about_restriction(restriction_id):
        if event.action == "restriction_request.decided":
            for made in event.after["restrictions"]:
                if made["id"] == restriction_id:
                    said = made["review_on"]
        elif "review_on" in (event.after or {}):
            said = event.after["review_on"]
    return said


def _events_about_restriction(restriction_id: int) -> list[AuditEvent]:
    return [
        e
        for e in _events_any()
        if (e.entity_type == "restriction" and e.entity_id == restriction_id)
        or e.action == "restriction_request.decided"
    ]


def _events_any() -> list[AuditEvent]:
    committed(AuditEvent)
    return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def _assert_dates_agree_with_the_trail(customer_id: int) -> None:
    committed(Restriction)
    for restriction in db.session.scalars(
        select(Restriction).where(Restriction.customer_id == customer_id)
    ):
        assert _review_on_as_audited(restriction.id) == restriction.review_on.isoformat(), (
            restriction.id
        )


@pytest.mark.policy("10.1")
@pytest.mark.parametrize("outcome", ["continue", "lift"])
def test_point5_glt_aligning_reviews_while_a_review_is_recorded_loses_no_date(
    aligning, make_staff, signed_in, outcome
):
    """GLT approves a second restriction, to be reviewed with the one in force, while a
    Panel member records that one's six-monthly review. Decided first, the new review joins
    the one in force and the review then sets its own next date; reviewed first, GLT is told
    the restrictions in force changed, and nothing is decided on the stale page."""
    first, request, tom = aligning
    glt = signed_in(make_staff(Role.GLT, name="Gwen Leader"))
    reviewer = signed_in(make_staff(Role.PANEL, name="Pat Reviewer"))
    decide, form = _together_send(glt, request, tom)
    decided, reviewed = race([decide, _review_send(reviewer, first, outcome)])

    assert reviewed.status == 303, reviewed.text[:500]
    assert decided.status in (303, 409), decided.text[:500]
    [review_event] = _events("restriction.reviewed", AuditEvent.entity_id == first.id)
    reviewed_first = _fresh(Restriction, first.id)
    if outcome == "continue":
        assert reviewed_first.review_on == date(2027, 5, 20), "the review's own date stands"
        assert review_event.after["review_on"] == "2027-05-20"
    else:
        assert not reviewed_first.in_force_on(date(2026, 11, 23))
    made = list(db.session.scalars(select(Restriction).where(Restriction.request_id == request.id)))
    if decided.status == 303:
        [decision_event] = _events(
            "restriction_request.decided", AuditEvent.entity_id == request.id
        )
        assert decision_event.id < review_event.id, "decided first"
        [new] = made
        assert new.review_on == date(2026, 12, 3), "joined the review already due"
        assert [e.entity_id for e in _events(ALIGNED)] == [new.id]
        assert review_event.before["review_on"] == "2026-12-03"
    else:
        assert made == []
        assert _events("restriction_request.decided", AuditEvent.entity_id == request.id) == []
        assert _events(ALIGNED) == []
        assert "The restrictions already in force have changed" in decided.text
        assert "Pat Reviewer" in decided.text
        assert form["reasons"] in decided.text, "what GLT typed is shown back"
    _assert_dates_agree_with_the_trail(first.customer_id)


@pytest.mark.policy("10.1")
def test_point5_a_decision_from_a_page_opened_before_a_review_moves_no_review_date(
    aligning, make_staff, signed_in
):
    """The order the race above may not hit: GLT's page was opened before the review, the
    decision is sent after it. It is refused with a 409 that says who reviewed what; sent
    again from the page as it is now, it is recorded, and the reviewed date is not moved
    later than the review set it, nor overwritten by the date GLT's stale page showed."""
    first, request, tom = aligning
    glt = signed_in(make_staff(Role.GLT, name="Gwen Leader"))
    reviewer = signed_in(make_staff(Role.PANEL, name="Pat Reviewer"))
    decide, _form = _together_send(glt, request, tom)
    assert _review_send(reviewer, first, "continue")().status == 303
    stale = decide()
    assert stale.status == 409, stale.text[:500]
    assert "Pat Reviewer" in stale.text
    assert _events(ALIGNED) == [] and _fresh(Restriction, first.id).review_on == date(2027, 5, 20)

    again, _form = _together_send(glt, request, tom)
    assert again().status == 303
    committed(Restriction)
    [new] = db.session.scalars(select(Restriction).where(Restriction.request_id == request.id))
    assert new.review_on == date(2027, 5, 1), "the earlier of the two dates as they now stand"
    assert _fresh(Restriction, first.id).review_on == date(2027, 5, 1)
    [moved] = _events(ALIGNED)
    assert (moved.entity_id, moved.before, moved.after["review_on"]) == (
        first.id,
        {"review_on": "2027-05-20"},
        "2027-05-01",
    )
    _assert_dates_agree_with_the_trail(first.customer_id)
