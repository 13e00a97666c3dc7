"""The retention schedule: both sides of each period the privacy notice promises, and a run
that does exactly what the dry run listed, once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal import db
from portal.audit.verify import find_breaks
from portal.conduct_warnings.models import ConductWarning
from portal.customers.models import Customer
from portal.incidents.catalogue import Category
from portal.incidents.models import Incident, IncidentCategory
from portal.letters.models import Letter
from portal.panel.models import Outcome
from portal.restrictions.models import Restriction
from portal.retention import schedule
from portal.retention.run import MARK, carry_out, last_run
from portal.timeutil import add_months, from_london


def noon(day: date) -> datetime:
    return from_london(day, 12)


def due_keys(now: datetime, rule: str) -> set[int]:
    return {item.key for item in schedule.plan(now).items if item.rule == rule}


@pytest.fixture
def no_action_incident(make_customer, make_incident, review_incident):
    def _make(reported: date, customer=None):
        incident = make_incident(customer or make_customer(), now=noon(reported))
        review_incident(
            incident,
            noon(reported) + timedelta(hours=2),
            outcome=Outcome.NO_ACTION,
            letter_summary="",
            reasons="Upset about the repair; not unreasonable.",
        )
        return incident

    return _make


@pytest.mark.parametrize(
    ("reported", "last_kept"),
    [(date(2023, 6, 10), date(2025, 6, 10)), (date(2024, 2, 29), date(2026, 2, 28))],
)
def test_no_action_report_kept_two_years_then_due(no_action_incident, reported, last_kept):
    incident = no_action_incident(reported)
    assert incident.id not in due_keys(noon(last_kept), schedule.NO_ACTION)
    plan = schedule.plan(noon(last_kept + timedelta(days=1)))
    [item] = [i for i in plan.items if i.key == incident.id]
    assert item.rule == schedule.NO_ACTION
    assert item.due_on == last_kept + timedelta(days=1)


def test_report_that_led_to_a_warning_is_not_a_no_action_report(give_warning, make_customer):
    warning = give_warning(make_customer(), noon(date(2022, 1, 10)))
    assert warning.incident_id not in due_keys(noon(date(2026, 1, 1)), schedule.NO_ACTION)


def test_warning_kept_one_year_after_it_stops_counting(give_warning, make_customer):
    warning = give_warning(make_customer(), noon(date(2023, 3, 14)))
    lapses = warning.lapses_on
    assert lapses == date(2024, 3, 14)
    last_kept = add_months(lapses, 12)
    assert warning.id not in due_keys(noon(last_kept), schedule.WARNING)
    assert warning.id in due_keys(noon(last_kept + timedelta(days=1)), schedule.WARNING)


def test_warning_lapsing_on_29_february(give_warning, make_customer):
    warning = give_warning(make_customer(), noon(date(2023, 2, 28)))
    # Issued 28 Feb 2023, counts to 28 Feb 2024; kept to 28 Feb 2025, due on 1 March.
    assert warning.id not in due_keys(noon(date(2025, 2, 28)), schedule.WARNING)
    assert warning.id in due_keys(noon(date(2025, 3, 1)), schedule.WARNING)


@pytest.fixture
def ended_restriction(clock, restriction_in_force):
    """A restriction that started on ``starts`` and ran out on ``ends``."""

    def _make(starts: date, ends: date):
        clock.now = noon(starts)
        restriction = restriction_in_force(ends_on=ends)
        clock.now = datetime(2026, 11, 23, 10, tzinfo=UTC)
        return restriction

    return _make


def test_restriction_kept_six_years_after_it_ends(ended_restriction):
    restriction = ended_restriction(date(2018, 5, 1), date(2019, 5, 1))
    last_kept = date(2025, 5, 1)
    assert restriction.id not in due_keys(noon(last_kept), schedule.RESTRICTION)
    plan = schedule.plan(noon(last_kept + timedelta(days=1)))
    [item] = [i for i in plan.items if i.rule == schedule.RESTRICTION]
    assert item.restrictions == (restriction.id,)
    assert item.due_on == date(2025, 5, 2)
    # The final warning it relied on, and that warning's incident, go with it.
    assert len(item.warnings) == 1 and len(item.incidents) == 1
    warnings = {i.key for i in plan.items if i.rule == schedule.WARNING}
    assert item.warnings[0] not in warnings


def test_restriction_ending_on_29_february(ended_restriction):
    restriction = ended_restriction(date(2019, 9, 2), date(2020, 2, 29))
    assert restriction.id not in due_keys(noon(date(2026, 2, 28)), schedule.RESTRICTION)
    assert restriction.id in due_keys(noon(date(2026, 3, 1)), schedule.RESTRICTION)


def test_restriction_in_force_is_never_due(clock, restriction_in_force):
    clock.now = noon(date(2015, 1, 5))
    restriction = restriction_in_force()
    assert restriction.ends_on is None
    assert restriction.id not in due_keys(noon(date(2026, 11, 23)), schedule.RESTRICTION)


def _owner_and_texts():
    incidents = db.session.execute(select(Incident.id, Incident.customer_id, Incident.description))
    warnings = db.session.execute(select(ConductWarning.id, ConductWarning.customer_id))
    restrictions = db.session.execute(
        select(Restriction.id, Restriction.customer_id, Restriction.reasons)
    )
    letters = db.session.execute(select(Letter.id, Letter.customer_id, Letter.body_html))
    return {
        "incident": {r[0]: r[1:] for r in incidents},
        "warning": {r[0]: r[1:] for r in warnings},
        "restriction": {r[0]: r[1:] for r in restrictions},
        "letter": {r[0]: r[1:] for r in letters},
    }


def test_run_changes_exactly_what_the_dry_run_listed_once(
    app, no_action_incident, give_warning, make_customer, ended_restriction, audit_events
):
    keep_customer = make_customer()
    old = no_action_incident(date(2022, 4, 1), customer=keep_customer)
    recent = no_action_incident(date(2026, 1, 5), customer=keep_customer)
    warning = give_warning(keep_customer, noon(date(2021, 6, 1)))
    fresh_warning = give_warning(keep_customer, noon(date(2026, 6, 1)))
    restriction = ended_restriction(date(2018, 5, 1), date(2019, 5, 1))
    now = noon(date(2026, 11, 23))

    plan = schedule.plan(now)
    listed = {
        "incident": {i for item in plan.items for i in item.incidents},
        "warning": {w for item in plan.items for w in item.warnings},
        "restriction": {r for item in plan.items for r in item.restrictions},
    }
    assert old.id in listed["incident"] and recent.id not in listed["incident"]
    assert warning.id in listed["warning"] and fresh_warning.id not in listed["warning"]
    assert listed["restriction"] == {restriction.id}
    before = _owner_and_texts()

    counts = carry_out(plan, now, app.config["UPLOAD_DIR"])

    after = _owner_and_texts()
    anon = db.session.scalar(select(Customer.id).where(Customer.reference == "ANONYMISED"))
    for table in ("incident", "warning", "restriction"):
        changed = {key for key in before[table] if before[table][key] != after[table][key]}
        assert changed == listed[table], table
        assert all(after[table][key][0] == anon for key in changed)
    letters = {db.session.get(ConductWarning, w).letter_id for w in listed["warning"]} | {
        db.session.get(Restriction, r).letter_id for r in listed["restriction"]
    }
    assert {k for k in before["letter"] if before["letter"][k] != after["letter"][k]} == letters
    assert db.session.get(Incident, old.id).description == MARK
    assert db.session.get(Incident, old.id).reported_at.day == 1
    assert db.session.get(Incident, recent.id).customer_id == keep_customer.id
    # Counts by category still add up after the run.
    assert db.session.scalar(
        select(func.count()).where(IncidentCategory.category == Category.AGGRESSIVE)
    ) == len(before["incident"])
    assert counts == plan.counts()
    [event] = audit_events("retention.run")
    assert event.after["counts"] == counts
    assert last_run()[2] == counts
    assert find_breaks() == []

    # A second run finds nothing and changes nothing.
    again = schedule.plan(now)
    assert again.items == []
    carry_out(again, now, app.config["UPLOAD_DIR"])
    assert _owner_and_texts() == after


def test_plan_takes_a_fixed_number_of_queries(
    no_action_incident, give_warning, make_customer, ended_restriction, count_queries
):
    now = noon(date(2026, 11, 23))
    no_action_incident(date(2022, 4, 1))
    with count_queries() as few:
        schedule.plan(now)
    for day in (date(2022, 5, 1), date(2022, 6, 1)):
        no_action_incident(day)
        give_warning(make_customer(), noon(day))
    ended_restriction(date(2018, 5, 1), date(2019, 5, 1))
    with count_queries() as many:
        plan = schedule.plan(now)
    assert len(plan.items) >= 5
    assert many.count == few.count


def test_evidence_files_are_deleted_with_the_report(app, no_action_incident, colleague):
    from pathlib import Path

    from portal.incidents.models import Attachment
    from portal.incidents.services import attach_evidence

    incident = no_action_incident(date(2022, 4, 1))
    upload_dir = Path(app.config["UPLOAD_DIR"])
    pdf = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
    attachment = attach_evidence(
        colleague, noon(date(2022, 4, 1)), incident, "Witness.pdf", pdf, upload_dir, 1024
    )
    db.session.commit()
    stored = upload_dir / attachment.stored_name
    assert stored.exists()
    now = noon(date(2026, 11, 23))
    carry_out(schedule.plan(now), now, upload_dir)
    assert not stored.exists()
    assert db.session.scalar(select(func.count(Attachment.id))) == 0


def test_dry_run_lists_and_changes_nothing(runner, no_action_incident, audit_events):
    incident = no_action_incident(date(2022, 4, 1))
    result = runner.invoke(args=["retention", "--dry-run", "--as-of", "2026-11-23"])
    assert result.exit_code == 0, result.output
    assert f"would anonymise no_action_incident {incident.id}: due since 2024-04-02" in (
        result.output
    )
    assert "Dry run: nothing changed" in result.output
    assert db.session.get(Incident, incident.id).description != MARK
    assert audit_events("retention.run") == []


def test_as_of_only_with_dry_run(runner):
    result = runner.invoke(args=["retention", "--as-of", "2026-11-23"])
    assert result.exit_code != 0
    assert "--as-of can only be used with --dry-run" in result.output
    assert "privacy notice" in runner.invoke(args=["retention", "--help"]).output


def test_real_run_from_the_command(runner, no_action_incident, audit_events):
    incident = no_action_incident(date(2022, 4, 1))
    result = runner.invoke(args=["retention"])
    assert result.exit_code == 0, result.output
    assert "anonymised no_action_incident 1" in result.output
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).description == MARK
    assert len(audit_events("retention.run")) == 1


def test_an_active_safety_alert_stays_with_the_customer(app, give_warning, make_customer, clock):
    from portal.customers.models import Alert

    customer = make_customer()
    warning = give_warning(customer, noon(date(2021, 6, 1)))
    active = Alert(
        customer_id=customer.id,
        summary="Two officers on visits",
        incident_id=warning.incident_id,
        raised_by_id=warning.issued_by_id,
        raised_at=noon(date(2021, 6, 1)),
    )
    db.session.add(active)
    db.session.commit()
    now = noon(date(2026, 11, 23))
    carry_out(schedule.plan(now), now, app.config["UPLOAD_DIR"])
    db.session.expire_all()
    alert = db.session.get(Alert, active.id)
    assert (alert.customer_id, alert.summary, alert.incident_id) == (
        customer.id,
        "Two officers on visits",
        None,
    )
    assert db.session.get(ConductWarning, warning.id).customer_id != customer.id


@pytest.fixture
def varied_then_lifted(app, clock, restriction_in_force, panel_member):
    """A restriction put in force on 1 May 2018, varied at review on 1 October 2018 and the
    replacement lifted at review on 4 March 2019: one chain that ended on 4 March 2019."""
    from portal.restrictions.models import RestrictionKind
    from portal.reviews import services as reviews
    from portal.reviews.models import ReviewOutcome
    from tests.restriction_factories import spec

    def _review(restriction, outcome, when, **kwargs):
        clock.now = when
        done = reviews.review_restriction(
            panel_member,
            when,
            restriction,
            outcome,
            "Reviewed with the customer's support worker, Mrs Example.",
            "Two calls in September.",
            kwargs.get("next_review_on"),
            kwargs.get("variation"),
            None,
        )
        db.session.commit()
        return done

    clock.now = noon(date(2018, 5, 1))
    first = restriction_in_force()
    _review(
        first,
        ReviewOutcome.VARY,
        noon(date(2018, 10, 1)),
        next_review_on=date(2019, 3, 1),
        variation=spec(
            date(2018, 10, 1), kind=RestrictionKind.SET_TIMES, channel=None, schedule="Tue 10-11"
        ),
    )
    second = db.session.scalar(select(Restriction).where(Restriction.replaces_id == first.id))
    _review(second, ReviewOutcome.LIFT, noon(date(2019, 3, 4)))
    clock.now = datetime(2026, 11, 23, 10, tzinfo=UTC)
    return first, second


def test_a_chain_is_kept_six_years_after_its_last_restriction_ends(app, varied_then_lifted):
    from portal.reviews.models import RestrictionReview

    first, second = varied_then_lifted
    assert first.id not in due_keys(noon(date(2025, 3, 4)), schedule.RESTRICTION)
    now = noon(date(2025, 3, 5))
    plan = schedule.plan(now)
    [item] = [i for i in plan.items if i.rule == schedule.RESTRICTION]
    assert item.restrictions == (first.id, second.id)
    assert item.due_on == date(2025, 3, 5)

    carry_out(plan, now, app.config["UPLOAD_DIR"])
    db.session.expire_all()
    reviews = db.session.scalars(
        select(RestrictionReview).where(RestrictionReview.restriction_id.in_(item.restrictions))
    ).all()
    assert len(reviews) == 2
    for review in reviews:
        assert review.reasons == MARK
        letter = db.session.get(Letter, review.letter_id)
        assert letter.body_html == MARK and "Mrs Example" not in letter.subject
    assert db.session.get(Restriction, second.id).schedule == MARK
    assert db.session.get(Restriction, second.id).starts_on == date(2018, 10, 1)


def test_an_open_appeal_holds_its_restriction_then_goes_with_it(app, varied_then_lifted):
    from pathlib import Path

    from portal.appeals.models import Appeal, AppealEvidence, AppealStatus

    first, second = varied_then_lifted
    customer_id = second.customer_id
    at = noon(date(2019, 3, 10))
    appeal = Appeal(
        customer_id=second.customer_id,
        restriction_id=second.id,
        status=AppealStatus.LODGED,
        created_at=at,
        updated_at=at,
        received_at=at,
        counted_from=date(2019, 3, 10),
        grounds="My neighbour Mr Example will say the calls were about a leak.",
        deadline=date(2019, 4, 1),
    )
    db.session.add(appeal)
    db.session.flush()
    folder = Path(app.config["UPLOAD_DIR"]) / "appeals"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "evidence-1.pdf").write_bytes(b"%PDF-1.7 statement")
    db.session.add(
        AppealEvidence(
            appeal_id=appeal.id,
            original_name="Statement by Mr Example.pdf",
            stored_name="evidence-1.pdf",
            content_type="application/pdf",
            size_bytes=18,
            sha256="0" * 64,
            uploaded_at=at,
        )
    )
    db.session.commit()
    now = noon(date(2026, 11, 23))
    assert first.id not in due_keys(now, schedule.RESTRICTION)

    appeal.status = AppealStatus.NOT_ACCEPTED
    appeal.late, appeal.late_reason = True, "Was in hospital."
    db.session.commit()
    plan = schedule.plan(now)
    assert first.id in {i.key for i in plan.items if i.rule == schedule.RESTRICTION}
    carry_out(plan, now, app.config["UPLOAD_DIR"])
    db.session.expire_all()
    kept = db.session.get(Appeal, appeal.id)
    assert (kept.grounds, kept.late_reason) == (MARK, MARK)
    assert kept.customer_id != customer_id
    assert db.session.scalar(select(func.count(AppealEvidence.id))) == 0
    assert not (folder / "evidence-1.pdf").exists()


def test_a_failed_run_changes_nothing(runner, monkeypatch, no_action_incident, audit_events):
    from sqlalchemy.exc import OperationalError

    from portal.retention import run

    incident = no_action_incident(date(2022, 4, 1))

    def fail(*_args, **_kwargs):
        raise OperationalError("INSERT", {}, Exception("database went away"))

    monkeypatch.setattr(run, "record", fail)
    result = runner.invoke(args=["retention"])
    assert result.exit_code == 1
    assert "nothing was changed" in result.output
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).description != MARK
    assert (
        db.session.scalar(select(func.count(Customer.id)).where(Customer.reference == "ANONYMISED"))
        == 0
    )
    assert audit_events("retention.run") == []


@pytest.mark.parametrize(
    ("status", "ends_on", "closed_at", "reviewed_at", "ended"),
    [
        # Continued at a review in March, ended on appeal in June: it ended in June.
        ("ended", None, date(2020, 6, 10), date(2020, 3, 2), date(2020, 6, 10)),
        # Its end date came before it was closed.
        ("lifted", date(2020, 5, 31), date(2020, 6, 10), None, date(2020, 5, 31)),
        # An older row with only its review.
        ("replaced", None, None, date(2020, 3, 2), date(2020, 3, 2)),
        # In force with an end date still to come, or none: not ended.
        ("active", date(2030, 1, 1), None, None, None),
        ("active", None, None, None, None),
        ("active", date(2020, 1, 1), None, None, date(2020, 1, 1)),
        ("awaiting_notice", date(2020, 1, 1), None, None, None),
    ],
)
def test_the_day_a_restriction_ended(status, ends_on, closed_at, reviewed_at, ended):
    from portal.restrictions.models import RestrictionStatus

    today = date(2026, 11, 23)
    assert (
        schedule._ended_on(
            RestrictionStatus(status),
            ends_on,
            noon(closed_at) if closed_at else None,
            noon(reviewed_at) if reviewed_at else None,
            today,
        )
        == ended
    )


def test_notifications_and_emails_naming_the_customer_go_too(
    app, no_action_incident, give_warning, make_customer
):
    from portal.notifications.models import Notification
    from portal.outbox.models import OutboxEmail
    from portal.outbox.services import enqueue

    customer = make_customer(forename="Zainab", surname="Example")
    old = no_action_incident(date(2022, 4, 1), customer=customer)
    recent = no_action_incident(date(2026, 10, 1), customer=customer)
    warning = give_warning(customer, noon(date(2021, 6, 1)))
    enqueue(
        "z@test.example",
        "Letter",
        "Dear Zainab Example",
        noon(date(2021, 6, 1)),
        dedupe_key=f"letter:{warning.letter_id}:told",
    )
    enqueue(
        "z@test.example",
        "Other",
        "Dear Zainab Example",
        noon(date(2021, 6, 1)),
        dedupe_key=f"letter:{warning.letter_id}9:told",
    )
    db.session.commit()

    def naming() -> list[str]:
        return list(
            db.session.scalars(
                select(Notification.link).where(Notification.message.contains("Zainab"))
            )
        )

    assert f"/staff/incidents/{old.id}/decision" in naming()
    now = noon(date(2026, 11, 23))
    carry_out(schedule.plan(now), now, app.config["UPLOAD_DIR"])
    assert naming() == [f"/staff/incidents/{recent.id}/decision"]
    assert list(db.session.scalars(select(OutboxEmail.dedupe_key))) == [
        f"letter:{warning.letter_id}9:told"
    ]
