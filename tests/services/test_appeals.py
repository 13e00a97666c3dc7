"""Appeals through the services: lodging, the CEM's steps and GLT's decision (§9.1–9.4)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from portal import db
from portal.appeals import evidence
from portal.appeals import services as appeals
from portal.appeals.models import (
    Appeal,
    AppealChannel,
    AppealEvidence,
    AppealOutcome,
    AppealStatus,
)
from portal.appeals.queries import appeal_rights
from portal.auth.models import Role
from portal.errors import NotAllowed, ServiceError
from portal.letters.models import Letter
from portal.restrictions.models import RestrictionKind, RestrictionStatus
from portal.timeutil import london_date
from tests.restriction_factories import spec


@pytest.fixture
def cem(make_staff):
    return make_staff(Role.CEM, name="Cara Experience")


@pytest.fixture
def other_glt(make_staff):
    return make_staff(Role.GLT, name="Otto Leader")


@pytest.fixture
def notified(restriction_in_force, clock):
    """A restriction notified in the portal on Fri 19 Mar 2027 (appeal by Tue 20 Apr 2027)."""
    clock.now = datetime(2027, 3, 19, 10, tzinfo=UTC)
    return restriction_in_force(now=clock.now)


def _draft(now, restriction, grounds="The decision was based on a mistaken report."):
    appeal = appeals.start_draft(now, restriction)
    appeals.save_answers(now, appeal, appeals.Answers(grounds=grounds))
    db.session.commit()
    return appeal


@pytest.mark.policy("9.1")
def test_the_deadline_comes_from_the_decision_letter(notified):
    assert notified.appeal_deadline == date(2027, 4, 20)
    appeal = appeals.start_draft(notified.approved_at, notified)
    assert appeal.deadline == date(2027, 4, 20)


@pytest.mark.policy("9.1")
def test_lodging_twice_with_the_same_key_creates_one_appeal(notified, clock):
    appeal = _draft(clock.now, notified)
    account = notified.customer  # stands in for the customer's account as the actor
    appeals.lodge(account, clock.now, appeal, "key-1")
    again = appeals.lodge(account, clock.now, appeal, "key-1")
    db.session.commit()
    assert again.id == appeal.id
    assert db.session.scalar(select(func.count(Appeal.id))) == 1
    with pytest.raises(ServiceError):
        appeals.lodge(account, clock.now, appeal, "key-2")


@pytest.mark.policy("9.2")
def test_a_late_appeal_needs_a_reason_and_the_cem_decides(notified, clock, cem):
    appeal = _draft(clock.now, notified)
    late_moment = datetime(2027, 4, 20, 23, 0, tzinfo=UTC)  # 00:00 BST on 21 Apr
    with pytest.raises(ServiceError) as refused:
        appeals.lodge(notified.customer, late_moment, appeal, "k")
    assert "late_reason" in refused.value.errors
    db.session.rollback()
    appeals.save_answers(late_moment, appeal, appeals.Answers(late_reason="I was in hospital."))
    appeals.lodge(notified.customer, late_moment, appeal, "k")
    assert appeal.late
    with pytest.raises(ServiceError):
        appeals.acknowledge(cem, late_moment, appeal)
    appeals.decide_late(cem, late_moment, appeal, True, "Hospital stay is a good reason.")
    appeals.acknowledge(cem, late_moment, appeal)
    assert appeal.status == AppealStatus.ACKNOWLEDGED


@pytest.mark.policy("9.2")
def test_in_time_on_the_last_day_in_london(notified, clock):
    appeal = _draft(clock.now, notified)
    appeals.lodge(notified.customer, datetime(2027, 4, 20, 22, 59, tzinfo=UTC), appeal, "k")
    assert not appeal.late


@pytest.mark.policy("9.2")
def test_a_refused_late_appeal_is_explained_in_writing(notified, clock, cem):
    appeal = _draft(clock.now, notified)
    appeals.save_answers(clock.now, appeal, appeals.Answers(late_reason="Forgot."))
    moment = datetime(2027, 5, 10, 10, tzinfo=UTC)
    appeals.lodge(notified.customer, moment, appeal, "k")
    appeals.decide_late(cem, moment, appeal, False, "No reason was given that stopped you.")
    assert appeal.status == AppealStatus.NOT_ACCEPTED
    letter = db.session.get(Letter, appeal.late_letter_id)
    assert "decided not to accept the late appeal" in letter.body_html


@pytest.mark.policy("9.2")
def test_staff_lodge_on_a_customers_behalf_recording_channel_and_helper(notified, clock, cem):
    appeal = _draft(clock.now, notified)
    appeals.lodge(
        cem,
        clock.now,
        appeal,
        "k",
        channel=AppealChannel.PHONE,
        received_at=clock.now - timedelta(hours=1),
        helped_by="Interpreter from Language Line (Urdu)",
    )
    assert appeal.lodged_by_staff_id == cem.id
    assert appeal.channel == AppealChannel.PHONE
    assert "Language Line" in appeal.helped_by


@pytest.mark.policy("9.1")
@pytest.mark.policy("9.3")
@pytest.mark.policy("9.4")
def test_the_whole_appeal_over_easter(notified, clock, cem, glt_member, other_glt):
    appeal = _draft(clock.now, notified)
    received = datetime(2027, 3, 19, 11, tzinfo=UTC)
    appeals.lodge(notified.customer, received, appeal, "k")
    steps = appeals.clock(appeal)
    assert steps.step("acknowledge").due == date(2027, 3, 23)
    assert steps.step("to_glt").due == date(2027, 3, 30)

    ack = appeals.acknowledge(cem, datetime(2027, 3, 22, 9, tzinfo=UTC), appeal)
    assert appeal.expected_outcome_on == date(2027, 4, 20)
    assert "Tuesday 20 April 2027" in db.session.get(Letter, ack.id).body_html

    appeals.refer_to_glt(cem, datetime(2027, 3, 24, 9, tzinfo=UTC), appeal)
    assert appeals.clock(appeal).step("glt_review").due == date(2027, 4, 9)

    # glt_member approved the restriction: they may not decide the appeal.
    assert not appeals.may_decide(glt_member, appeal)
    with pytest.raises(NotAllowed):
        appeals.glt_decide(glt_member, clock.now, appeal, AppealOutcome.OVERTURNED, "Reasons.")
    appeals.glt_decide(
        other_glt,
        datetime(2027, 4, 6, 9, tzinfo=UTC),
        appeal,
        AppealOutcome.OVERTURNED,
        "The report it rested on was mistaken.",
    )
    assert notified.status == RestrictionStatus.ENDED
    assert appeal.cem_notified_on == date(2027, 4, 6)

    outcome = appeals.send_outcome(cem, datetime(2027, 4, 8, 9, tzinfo=UTC), appeal)
    assert appeal.status == AppealStatus.CLOSED
    assert "there is no further appeal" in db.session.get(Letter, outcome.id).body_html
    tell = appeals.clock(appeal).step("tell_customer")
    assert tell.due == date(2027, 4, 13) and tell.done_on == date(2027, 4, 8)


@pytest.mark.policy("9.3")
def test_the_panel_member_who_requested_may_not_decide_even_with_glt_role(
    notified, clock, cem, panel_member
):
    from portal.auth.models import UserRole

    panel_member.role_links.append(UserRole(role=Role.GLT))
    db.session.commit()
    appeal = _draft(clock.now, notified)
    appeals.lodge(notified.customer, clock.now, appeal, "k")
    appeals.acknowledge(cem, clock.now, appeal)
    appeals.refer_to_glt(cem, clock.now, appeal)
    assert not appeals.may_decide(panel_member, appeal)


@pytest.mark.policy("9.3")
def test_a_varied_restriction_replaces_the_old_one(notified, clock, cem, other_glt):
    appeal = _draft(clock.now, notified)
    appeals.lodge(notified.customer, clock.now, appeal, "k")
    appeals.acknowledge(cem, clock.now, appeal)
    appeals.refer_to_glt(cem, clock.now, appeal)
    variation = spec(date(2027, 3, 19), kind=RestrictionKind.SET_TIMES, schedule="Tue 10–11")
    appeals.glt_decide(
        other_glt, clock.now, appeal, AppealOutcome.VARIED, "Less strict.", variation
    )
    assert notified.status == RestrictionStatus.REPLACED


def test_only_the_cem_runs_the_steps(notified, clock, panel_member):
    appeal = _draft(clock.now, notified)
    appeals.lodge(notified.customer, clock.now, appeal, "k")
    with pytest.raises(NotAllowed):
        appeals.acknowledge(panel_member, clock.now, appeal)


# --- no further appeal (§9.4), and what the customer may still do -----------------------------


def _with_glt(now, restriction, cem):
    appeal = _draft(now, restriction)
    appeals.lodge(restriction.customer, now, appeal, f"k{appeal.id}")
    appeals.acknowledge(cem, now, appeal)
    appeals.refer_to_glt(cem, now, appeal)
    db.session.commit()
    return appeal


@pytest.mark.policy("9.4")
def test_there_is_no_further_appeal_once_the_outcome_is_sent(notified, clock, cem, other_glt):
    appeal = _with_glt(clock.now, notified, cem)
    appeals.glt_decide(other_glt, clock.now, appeal, AppealOutcome.UPHELD, "It was reasonable.")
    with pytest.raises(ServiceError) as waiting:
        appeals.start_draft(clock.now, notified)
    assert "appealed" in waiting.value.errors  # decided, but the customer not yet told
    appeals.send_outcome(cem, clock.now, appeal)
    db.session.commit()
    assert notified.status == RestrictionStatus.ACTIVE  # upheld: still in force
    with pytest.raises(ServiceError) as refused:
        appeals.start_draft(clock.now, notified)
    assert "final" in refused.value.errors
    right = appeal_rights(notified.customer_id, clock.now)[notified.id]
    assert (right.state, right.may_appeal, right.final) == ("decided", False, True)
    assert db.session.scalar(select(func.count(Appeal.id))) == 1


@pytest.fixture
def decision_for(make_request, approve_request, panel_member, organisation_ready, clock):
    """``decision_for(customer, specs)``: another decision letter setting ``specs``, handed
    to the customer now (the customer already has the final warning it needs)."""
    from portal.restrictions import services as restrictions
    from portal.restrictions.models import Delivery

    def _decide(customer, specs=None):
        made = approve_request(
            make_request(customer, now=clock.now - timedelta(hours=2)),
            now=clock.now - timedelta(hours=1),
            specs=specs or [spec(london_date(clock.now))],
        )
        restrictions.issue_decision_letter(panel_member, clock.now, made, Delivery.HAND)
        db.session.commit()
        return made

    return _decide


@pytest.mark.policy("9.4")
def test_a_draft_against_the_same_decision_cannot_be_sent_after_the_outcome(
    make_customer, final_warning_for, decision_for, clock, cem, other_glt
):
    clock.now = datetime(2027, 3, 19, 10, tzinfo=UTC)
    customer = make_customer()
    final_warning_for(customer)
    both = decision_for(
        customer,
        [
            spec(date(2027, 3, 19)),
            spec(date(2027, 3, 19), kind=RestrictionKind.SET_TIMES, schedule="Mon 10-11"),
        ],
    )
    second_draft = _draft(clock.now, both[1])
    appeal = _with_glt(clock.now, both[0], cem)
    appeals.glt_decide(other_glt, clock.now, appeal, AppealOutcome.UPHELD, "Reasonable.")
    appeals.send_outcome(cem, clock.now, appeal)
    db.session.commit()
    with pytest.raises(ServiceError) as refused:
        appeals.lodge(customer, clock.now, second_draft, "again")
    assert "final" in refused.value.errors
    rights = appeal_rights(customer.id, clock.now)
    assert rights[both[0].id] is rights[both[1].id]  # one decision, one right
    assert rights[both[1].id].final


@pytest.mark.policy("9.2")
@pytest.mark.policy("9.4")
def test_a_refused_late_appeal_is_final_too(notified, clock, cem):
    appeal = _draft(clock.now, notified)
    appeals.save_answers(clock.now, appeal, appeals.Answers(late_reason="Forgot."))
    moment = datetime(2027, 5, 10, 10, tzinfo=UTC)
    appeals.lodge(notified.customer, moment, appeal, "k")
    appeals.decide_late(cem, moment, appeal, False, "Nothing stopped you appealing in time.")
    db.session.commit()
    with pytest.raises(ServiceError) as refused:
        appeals.start_draft(moment, notified)
    assert "final" in refused.value.errors
    assert appeal_rights(notified.customer_id, moment)[notified.id].state == "not_accepted"


@pytest.mark.policy("9.1")
@pytest.mark.policy("9.2")
def test_appeal_rights_on_either_side_of_the_last_day(notified, clock):
    last_minute = datetime(2027, 4, 20, 22, 59, tzinfo=UTC)  # 23:59 BST, Tue 20 Apr
    right = appeal_rights(notified.customer_id, last_minute)[notified.id]
    assert (right.deadline, right.late, right.may_appeal, right.state) == (
        date(2027, 4, 20),
        False,
        True,
        "in_time",
    )
    next_day = datetime(2027, 4, 20, 23, 0, tzinfo=UTC)  # 00:00 BST, Wed 21 Apr
    right = appeal_rights(notified.customer_id, next_day)[notified.id]
    assert (right.late, right.may_appeal, right.state) == (True, True, "late")
    appeal = _draft(clock.now, notified)
    assert appeal_rights(notified.customer_id, next_day)[notified.id].draft is appeal
    appeals.lodge(notified.customer, clock.now, appeal, "k")
    right = appeal_rights(notified.customer_id, next_day)[notified.id]
    assert (right.appeal, right.may_appeal, right.state) == (appeal, False, "appealed")


def test_appeal_rights_takes_a_fixed_number_of_statements(
    notified, decision_for, clock, count_queries
):
    customer = notified.customer
    appeals.lodge(customer, clock.now, _draft(clock.now, notified), "first")
    db.session.commit()
    db.session.expunge_all()
    with count_queries() as one:
        appeal_rights(customer.id, clock.now)
    for _ in range(3):
        restriction = decision_for(customer)[0]
        appeals.lodge(customer, clock.now, _draft(clock.now, restriction), f"x{restriction.id}")
    db.session.commit()
    db.session.expunge_all()
    with count_queries() as four:
        rights = appeal_rights(customer.id, clock.now)
    assert len(rights) == 4 and four.count == one.count


# --- references, receipt dates and the varied outcome -----------------------------------------


def test_a_reference_taken_meanwhile_moves_the_new_appeal_to_the_next(
    notified, restriction_in_force, clock
):
    first = _draft(clock.now, notified)
    appeals.lodge(notified.customer, clock.now, first, "k1")
    # As if another appeal had been numbered at the same moment: the count says 0002 is next.
    first.reference = "AP-2027-0002"
    db.session.commit()
    other = restriction_in_force(now=clock.now)
    second = _draft(clock.now, other)
    appeals.lodge(other.customer, clock.now, second, "k2")
    db.session.commit()
    assert second.reference == "AP-2027-0003"
    assert second.status == AppealStatus.LODGED and second.counted_from is not None


@pytest.mark.policy("9.2")
@pytest.mark.parametrize(
    ("received", "field"),
    [
        (date(2027, 3, 22), "received_on"),  # the next working day: in the future
        (date(1900, 1, 1), "received_on"),
        (date(2027, 3, 18), "received_on"),  # the day before the letter was sent
    ],
)
def test_staff_cannot_record_an_impossible_receipt_date(notified, clock, cem, received, field):
    appeal = _draft(clock.now, notified)
    received_at = appeals.received_at_for(clock.now, received, None)
    with pytest.raises(ServiceError) as refused:
        appeals.lodge(cem, clock.now, appeal, "k", AppealChannel.PHONE, received_at)
    assert field in refused.value.errors
    db.session.rollback()
    assert db.session.get(Appeal, appeal.id).status == AppealStatus.DRAFT


@pytest.mark.policy("9.2")
def test_staff_record_receipt_on_the_day_the_letter_went_and_not_later_today(notified, clock, cem):
    appeal = _draft(clock.now, notified)  # now: Fri 19 Mar 2027 10:00, the letter's day
    later_today = appeals.received_at_for(clock.now, date(2027, 3, 19), time(15, 0))
    with pytest.raises(ServiceError) as refused:
        appeals.lodge(cem, clock.now, appeal, "k", AppealChannel.PHONE, later_today)
    assert "received_time" in refused.value.errors
    db.session.rollback()
    unknown_time = appeals.received_at_for(clock.now, date(2027, 3, 19), None)
    assert unknown_time == clock.now  # midday has not come yet
    appeals.lodge(cem, clock.now, appeal, "k", AppealChannel.PHONE, unknown_time)
    assert appeal.counted_from == date(2027, 3, 19) and not appeal.late


@pytest.mark.policy("9.3")
@pytest.mark.policy("9.4")
def test_a_varied_outcome_letter_sets_out_the_new_terms(notified, clock, cem, other_glt):
    appeal = _with_glt(clock.now, notified, cem)
    without_review = spec(
        date(2027, 3, 19), kind=RestrictionKind.SET_TIMES, schedule="Tuesdays 10:00 to 11:00"
    )
    without_review.review_on = None
    with pytest.raises(ServiceError) as refused:
        appeals.glt_decide(
            other_glt, clock.now, appeal, AppealOutcome.VARIED, "Less strict.", without_review
        )
    assert "review_on" in refused.value.errors
    variation = spec(
        date(2027, 3, 19),
        kind=RestrictionKind.SET_TIMES,
        schedule="Tuesdays 10:00 to 11:00",
        review_on=date(2027, 6, 18),
        reasons="Calls at a set time have worked for others.",
    )
    appeals.glt_decide(
        other_glt, clock.now, appeal, AppealOutcome.VARIED, "Less strict.", variation
    )
    letter = appeals.send_outcome(cem, clock.now, appeal)
    html = db.session.get(Letter, letter.id).body_html
    assert "Call us only at the agreed times" in html
    assert "Tuesdays 10:00 to 11:00" in html
    assert "it lasts until we review it" in html
    assert "We will review it by 18 June 2027" in html
    assert "Calls at a set time have worked for others." in html
    assert "there is no further appeal" in html


# --- files sent with an appeal ----------------------------------------------------------------

PDF = b"%PDF-1.4 evidence"


@pytest.mark.parametrize(
    ("sent_as", "kept_as"),
    [
        ("state\x00ment.pdf", "statement.pdf"),
        ("statement.pdf\x00.exe", None),  # the NUL no longer hides the real extension
        ("report\u202efdp.exe", None),  # nor does a right-to-left override
        ("Zeugnis für Łukasz — 證據 🙂.pdf", "Zeugnis für Łukasz — 證據 🙂.pdf"),
        ("C:\\Users\\me\\line\nbreak.pdf", "line break.pdf"),
        ("x" * 300 + ".PDF", "x" * 116 + ".PDF"),
        ("\x00\x01.pdf", None),
    ],
)
def test_file_names_are_cleaned_before_they_are_stored(notified, clock, tmp_path, sent_as, kept_as):
    appeal = _draft(clock.now, notified)
    if kept_as is None:
        with pytest.raises(ServiceError) as refused:
            evidence.add_evidence(notified.customer, clock.now, appeal, sent_as, PDF, tmp_path, 99)
        assert "evidence" in refused.value.errors
        return
    item = evidence.add_evidence(
        notified.customer, clock.now, appeal, sent_as, PDF, tmp_path, 2**20
    )
    db.session.commit()  # PostgreSQL refuses a NUL in text: this would raise DataError
    assert db.session.get(AppealEvidence, item.id).original_name == kept_as


def test_incident_evidence_names_are_cleaned_too(
    make_customer, make_incident, colleague, clock, tmp_path
):
    from portal.incidents.services import attach_evidence

    incident = make_incident(make_customer())
    item = attach_evidence(
        colleague, clock.now, incident, "call\x00 notes\u202e.txt", b"notes", tmp_path, 2**20
    )
    db.session.commit()
    assert item.original_name == "call notes.txt"


def test_a_file_comes_off_a_draft_but_not_off_a_sent_appeal(
    notified, clock, tmp_path, audit_events
):
    appeal = _draft(clock.now, notified)
    item = evidence.add_evidence(notified.customer, clock.now, appeal, "a.pdf", PDF, tmp_path, 99)
    kept = evidence.add_evidence(notified.customer, clock.now, appeal, "b.pdf", PDF, tmp_path, 99)
    stored = evidence.remove_evidence(notified.customer, clock.now, appeal, item)
    db.session.commit()
    assert stored == item.stored_name
    assert [e.original_name for e in db.session.get(Appeal, appeal.id).evidence] == ["b.pdf"]
    assert [e.action for e in audit_events(entity_type="appeal")][-1] == "appeal.evidence_removed"
    appeals.lodge(notified.customer, clock.now, appeal, "k")
    with pytest.raises(ServiceError):
        evidence.remove_evidence(notified.customer, clock.now, appeal, kept)


def test_staff_downloads_are_audited_and_others_refused(
    notified, clock, tmp_path, cem, colleague, audit_events
):
    appeal = _draft(clock.now, notified)
    item = evidence.add_evidence(notified.customer, clock.now, appeal, "a.pdf", PDF, tmp_path, 99)
    appeals.lodge(notified.customer, clock.now, appeal, "k")
    evidence.record_download(cem, clock.now, appeal, item)
    opened = audit_events("appeal.evidence_downloaded", "appeal", appeal.id)
    assert len(opened) == 1 and opened[0].actor_id == cem.id
    with pytest.raises(NotAllowed):
        evidence.record_download(colleague, clock.now, appeal, item)
