"""Equality Impact Assessments (§4.7): a Panel review that says one is needed opens one, due
10 working days after the review (England & Wales bank holidays and closure days skipped,
the day taken in London time); it is given to someone and completed once with what was
considered, the adjustments and the outcome; each step is audited, a stale page is refused,
and only the Panel and the CEM may take the steps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal import db
from portal.auth.models import Role
from portal.errors import Conflict, NotAllowed, ServiceError
from portal.impact import queries, services
from portal.impact.models import AssessmentOutcome, AssessmentStatus, ImpactAssessment
from portal.panel.models import Outcome
from portal.restrictions.models import EiaOutcome
from portal.workdays.services import add_closure_day

NOTES = "The equality lead will complete it; the customer has a learning difficulty."


@pytest.fixture
def reviewed(make_customer, make_incident, review_incident, clock):
    """Report an incident and have the Panel review it at ``at``, asking for an assessment."""

    def _review(at: datetime, eia_needed: bool = True, customer=None):
        incident = make_incident(customer or make_customer(), now=clock.now)
        review = review_incident(
            incident,
            at,
            outcome=Outcome.NO_ACTION,
            letter_summary="",
            eia_needed=eia_needed,
            eia_notes=NOTES if eia_needed else "",
        )
        return incident, review

    return _review


@pytest.fixture
def assessment(reviewed, clock) -> ImpactAssessment:
    _incident, review = reviewed(clock.now)
    return services.for_review(review.id)


def _count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(ImpactAssessment.id))) or 0


@pytest.mark.policy("4.7")
def test_a_review_that_asks_for_an_assessment_opens_one_and_it_is_audited(
    reviewed, clock, audit_events
):
    incident, review = reviewed(clock.now)
    made = services.for_review(review.id)
    assert made.status == AssessmentStatus.OPEN and made.version == 1
    assert (made.incident_id, made.customer_id) == (incident.id, incident.customer_id)
    assert made.opened_at == clock.now and made.assigned_to_id is None
    # Monday 23 November 2026 + 10 working days.
    assert made.due_on == date(2026, 12, 7)
    [event] = audit_events("impact_assessment.opened", "impact_assessment", made.id)
    assert event.after["due_on"] == "2026-12-07"


@pytest.mark.policy("4.7")
def test_a_review_that_needs_no_assessment_opens_none(reviewed, clock):
    _incident, review = reviewed(clock.now, eia_needed=False)
    assert services.for_review(review.id) is None and _count() == 0


@pytest.mark.policy("4.7")
@pytest.mark.parametrize(
    ("reviewed_at", "due"),
    [
        # Christmas and New Year: 25 Dec, 28 Dec (Boxing Day observed) and 1 Jan are skipped.
        (datetime(2026, 12, 18, 16, 0, tzinfo=UTC), date(2027, 1, 6)),
        (datetime(2026, 12, 17, 16, 0, tzinfo=UTC), date(2027, 1, 5)),
        # Easter 2027: Good Friday 26 March and Easter Monday 29 March are skipped. In March
        # (before the clocks change) London is on UTC: midnight is the boundary.
        (datetime(2027, 3, 17, 23, 59, tzinfo=UTC), date(2027, 4, 2)),
        (datetime(2027, 3, 18, 0, 0, tzinfo=UTC), date(2027, 4, 5)),
        # Spring bank holiday, Monday 31 May 2027, in summer time: 22:59 UTC on Thursday is
        # still Thursday in London; 23:00 UTC is already Friday.
        (datetime(2027, 5, 27, 22, 59, tzinfo=UTC), date(2027, 6, 11)),
        (datetime(2027, 5, 27, 23, 0, tzinfo=UTC), date(2027, 6, 14)),
    ],
)
def test_the_due_date_is_ten_working_days_after_the_review(reviewed, reviewed_at, due):
    _incident, review = reviewed(reviewed_at)
    assert services.for_review(review.id).due_on == due
    assert services.due_date(reviewed_at).due == due


@pytest.mark.policy("4.7")
def test_a_closure_day_on_record_is_not_a_working_day(reviewed, make_staff, clock):
    add_closure_day(make_staff(Role.ADMIN), clock.now, date(2026, 12, 4), "Staff training")
    db.session.commit()
    _incident, review = reviewed(clock.now)
    assert services.for_review(review.id).due_on == date(2026, 12, 8)


@pytest.mark.policy("4.7")
def test_an_assessment_is_overdue_only_after_its_due_day(assessment):
    assert not assessment.overdue(assessment.due_on)
    assert assessment.overdue(assessment.due_on + timedelta(days=1))


@pytest.mark.policy("4.7")
def test_the_panel_completes_an_assessment_once_and_it_is_audited(
    assessment, panel_member, clock, audit_events
):
    later = clock.now + timedelta(days=3)
    services.complete(
        panel_member,
        later,
        assessment,
        "adjustments_made",
        "  Her learning difficulty; letters are hard for her to follow.  ",
        "Easy-read letters and a named contact.",
        1,
    )
    db.session.commit()
    db.session.expire_all()
    done = db.session.get(ImpactAssessment, assessment.id)
    assert done.status == AssessmentStatus.COMPLETED and done.version == 2
    assert done.outcome == AssessmentOutcome.ADJUSTMENTS
    assert done.considered == "Her learning difficulty; letters are hard for her to follow."
    assert (done.completed_at, done.completed_by_id) == (later, panel_member.id)
    [event] = audit_events("impact_assessment.completed", "impact_assessment", done.id)
    assert event.after["outcome"] == "adjustments_made" and event.after["version"] == 2
    with pytest.raises(Conflict) as again:
        services.complete(panel_member, later, done, "no_impact", "Again", "", 2)
    assert again.value.codes == {"": "impact_assessment.completed"}
    assert again.value.by == panel_member.name


@pytest.mark.policy("4.7")
@pytest.mark.parametrize(
    ("outcome", "considered", "adjustments", "field", "code"),
    [
        ("", "x", "", "outcome", "impact_assessment.outcome_missing"),
        ("restriction_changed", "x", "", "outcome", "impact_assessment.outcome_missing"),
        (None, "x", "", "outcome", "impact_assessment.outcome_missing"),
        ("no_impact", "  ", "", "considered", "impact_assessment.considered_missing"),
        ("no_impact", None, "", "considered", "impact_assessment.considered_missing"),
        ("adjustments_made", "x", " ", "adjustments", "impact_assessment.adjustments_missing"),
        ("action_changed", "x", "", "adjustments", "impact_assessment.adjustments_missing"),
        ("no_impact", "x" * 5001, "", "considered", "impact_assessment.too_long"),
        ("no_impact", "x", "y" * 5001, "adjustments", "impact_assessment.too_long"),
    ],
)
def test_an_incomplete_outcome_is_refused_field_by_field(
    assessment, panel_member, clock, outcome, considered, adjustments, field, code
):
    with pytest.raises(ServiceError) as refused:
        services.complete(panel_member, clock.now, assessment, outcome, considered, adjustments, 1)
    assert refused.value.codes[field] == code
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(ImpactAssessment, assessment.id).is_open


@pytest.mark.policy("4.7")
def test_the_edges_of_the_text_limits_are_kept(assessment, make_staff, clock):
    services.complete(
        make_staff(Role.CEM), clock.now, assessment, "no_impact", "x" * 5000, "y" * 5000, 1
    )
    db.session.commit()
    assert len(assessment.considered) == 5000 and len(assessment.adjustments) == 5000


@pytest.mark.policy("4.7")
@pytest.mark.parametrize("version", [2, 0, None, "1", True])
def test_a_page_older_or_newer_than_the_assessment_is_refused(
    assessment, panel_member, clock, version
):
    with pytest.raises(Conflict) as refused:
        services.complete(panel_member, clock.now, assessment, "no_impact", "x", "", version)
    assert refused.value.codes == {"": "impact_assessment.changed"}
    db.session.rollback()


@pytest.mark.policy("4.7")
def test_giving_an_assessment_to_someone_moves_its_version_on(
    assessment, panel_member, make_staff, clock, audit_events
):
    cem = make_staff(Role.CEM, name="Cem Experience")
    services.assign(panel_member, clock.now, assessment, cem.id, 1)
    db.session.commit()
    assert assessment.assigned_to_id == cem.id and assessment.version == 2
    [event] = audit_events("impact_assessment.assigned", "impact_assessment", assessment.id)
    assert event.before == {"assigned_to_id": None} and event.after == {"assigned_to_id": cem.id}
    # A page shown before the change is told, not obeyed.
    with pytest.raises(Conflict):
        services.complete(panel_member, clock.now, assessment, "no_impact", "x", "", 1)
    db.session.rollback()
    services.assign(panel_member, clock.now, assessment, None, 2)
    db.session.commit()
    assert assessment.assigned_to_id is None and assessment.version == 3


@pytest.mark.policy("4.7")
@pytest.mark.parametrize("role", [Role.COLLEAGUE, Role.LINE_MANAGER, Role.GLT, Role.CSM])
def test_it_is_given_only_to_someone_who_may_complete_it(
    assessment, panel_member, make_staff, clock, role
):
    other = make_staff(role)
    for who in (other.id, 2_147_483_647):
        with pytest.raises(ServiceError) as refused:
            services.assign(panel_member, clock.now, assessment, who, 1)
        assert refused.value.codes == {"assigned_to": "impact_assessment.assignee_unknown"}
        db.session.rollback()


@pytest.mark.policy("4.7")
@pytest.mark.parametrize(
    "role", [Role.COLLEAGUE, Role.LINE_MANAGER, Role.GLT, Role.ADMIN, Role.CSM]
)
def test_only_the_panel_and_the_cem_take_the_steps(assessment, make_staff, clock, role):
    other = make_staff(role)
    with pytest.raises(NotAllowed):
        services.assign(other, clock.now, assessment, None, 1)
    with pytest.raises(NotAllowed):
        services.complete(other, clock.now, assessment, "no_impact", "x", "", 1)
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(ImpactAssessment, assessment.id).version == 1


@pytest.mark.policy("4.7")
def test_the_lists_put_the_earliest_due_first_and_the_latest_completed_first(
    reviewed, panel_member, clock
):
    made = {}
    for days in (0, 2, 1):
        _incident, review = reviewed(clock.now + timedelta(days=days))
        made[days] = services.for_review(review.id)
    open_ = queries.open_page(1)
    assert [r.id for r in open_.rows] == [made[0].id, made[1].id, made[2].id]
    assert open_.page.total == 3
    for n, days in enumerate((2, 0)):
        services.complete(
            panel_member, clock.now + timedelta(hours=n), made[days], "no_impact", "x", "", 1
        )
    db.session.commit()
    assert [r.id for r in queries.open_page(1).rows] == [made[1].id]
    done = queries.completed_page(1)
    assert [r.id for r in done.rows] == [made[0].id, made[2].id]
    assert done.rows[0].completed_by == panel_member.name
    assert [r.id for r in queries.completed_page(2, size=1).rows] == [made[2].id]


@pytest.mark.policy("4.7")
def test_waiting_restriction_requests_with_an_unfinished_assessment_are_listed(
    make_customer, final_warning_for, make_request
):
    customer = make_customer()
    final_warning_for(customer)
    pending = make_request(
        customer,
        eia_needed=True,
        eia_outcome=EiaOutcome.NOT_COMPLETE,
        eia_note="The equality lead is completing it.",
    )
    make_request(
        customer, eia_needed=True, eia_outcome=EiaOutcome.NO_IMPACT, eia_note="Done: no impact."
    )
    make_request(customer, eia_needed=False)
    rows, total = queries.waiting_requests()
    assert total == 1 and [r.id for r in rows] == [pending.id]
    assert rows[0].reference == pending.reference


@pytest.mark.policy("4.7")
def test_the_customers_subject_access_export_carries_the_assessment(
    app, assessment, panel_member, make_staff, clock
):
    import io
    import json
    import zipfile

    from portal.customers import subject_access

    services.complete(panel_member, clock.now, assessment, "no_impact", "Her anxiety.", "", 1)
    db.session.commit()
    made = subject_access.export(
        make_staff(Role.CEM), clock.now, assessment.customer, app.config["UPLOAD_DIR"]
    )
    db.session.commit()
    archive = zipfile.ZipFile(io.BytesIO(made.content))
    document = json.loads(archive.read(subject_access.JSON_NAME).decode("utf-8"))
    [incident] = document["incidents"]
    shown = json.dumps(incident["impact_assessment"])
    assert "Her anxiety." in shown and "no_impact" in shown


@pytest.mark.policy("4.7")
def test_retention_anonymises_the_assessment_with_its_incident(
    reviewed, panel_member, clock, tmp_path
):
    from portal.retention import schedule
    from portal.retention.run import MARK, carry_out

    incident, review = reviewed(clock.now)
    customer_id = incident.customer_id
    made = services.for_review(review.id)
    services.complete(panel_member, clock.now, made, "no_impact", "Her anxiety.", "", 1)
    db.session.commit()
    later = clock.now + timedelta(days=365 * 3)
    carry_out(schedule.plan(later), later, tmp_path)
    db.session.commit()
    db.session.expire_all()
    after = db.session.get(ImpactAssessment, made.id)
    assert after.considered == MARK and after.customer_id != customer_id
