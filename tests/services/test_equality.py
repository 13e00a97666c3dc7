"""Equality monitoring answers (§11.1, §12.1): kept only with consent, read and recorded only
by the CEM and administrators, every read and save audited without the answers, and the
monitoring tables counted in one query and suppressed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal import db
from portal.appeals.models import Appeal, AppealOutcome, AppealStatus
from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.equality import queries, services
from portal.equality.models import FIELDS, ConsentMethod, EqualityRecord
from portal.errors import Conflict, NotAllowed, ServiceError

pytestmark = pytest.mark.policy("11.1")


@pytest.fixture
def cem(make_staff):
    return make_staff(Role.CEM, name="Cara Experience")


def agreed(**values) -> services.EqualityAnswers:
    return services.EqualityAnswers(
        consent_given=True,
        consent_on=date(2026, 11, 20),
        consent_method=ConsentMethod.IN_PERSON,
        values=values,
    )


def declined(**values) -> services.EqualityAnswers:
    return services.EqualityAnswers(
        consent_given=False,
        consent_on=date(2026, 11, 20),
        consent_method=ConsentMethod.BY_PHONE,
        values=values,
    )


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_answers_are_kept_with_consent_and_the_audit_names_fields_not_values(
    app, clock, cem, make_customer
):
    customer = make_customer()
    saved = services.save(
        cem, clock.now, customer, None, agreed(ethnic_group="black", religion="prefer_not_to_say")
    )
    db.session.commit()
    assert saved.consent_given and saved.ethnic_group == "black"
    assert saved.religion == "prefer_not_to_say" and saved.sex is None  # not answered
    assert saved.version == 1 and saved.recorded_by_id == cem.id
    (event,) = events(services.RECORDED)
    assert "ethnic_group" in event.summary and "religion" in event.summary
    assert "black" not in event.summary and "prefer_not" not in event.summary
    assert event.before is None and event.after is None

    services.save(cem, clock.now, customer, 1, agreed(ethnic_group="white", religion="none"))
    db.session.commit()
    latest = events(services.RECORDED)[-1]
    assert "ethnic_group, religion" in latest.summary and "white" not in latest.summary


def test_without_consent_only_the_refusal_is_kept(app, clock, cem, make_customer):
    customer = make_customer()
    saved = services.save(cem, clock.now, customer, None, declined(sex="female", disability="yes"))
    db.session.commit()
    assert saved.consent_given is False
    assert all(getattr(saved, name) is None for name in FIELDS)


def test_withdrawing_consent_clears_every_answer(app, clock, cem, make_customer):
    customer = make_customer()
    services.save(cem, clock.now, customer, None, agreed(sex="male", age_band="25_34"))
    saved = services.save(cem, clock.now, customer, 1, declined())
    db.session.commit()
    assert saved.version == 2 and all(getattr(saved, name) is None for name in FIELDS)


def test_the_database_refuses_answers_without_consent(app, clock, cem, make_customer):
    customer = make_customer()
    db.session.add(
        EqualityRecord(
            customer_id=customer.id,
            consent_given=False,
            consent_on=date(2026, 11, 20),
            consent_method=ConsentMethod.IN_PERSON,
            sex="female",
            recorded_by_id=cem.id,
            recorded_at=clock.now,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            services.EqualityAnswers(consent_on=date(2026, 11, 20), consent_method="by_phone"),
            "consent_given",
        ),
        (agreed(sex="robot"), "sex"),
        (agreed(age_band="\u202e16_24"), "age_band"),
        (services.EqualityAnswers(True, None, "in_person"), "consent_on"),
        (services.EqualityAnswers(True, date(2026, 12, 25), "in_person"), "consent_on"),
        (services.EqualityAnswers(True, date(2026, 11, 20), "telepathy"), "consent_method"),
    ],
)
def test_bad_answers_are_refused_beside_their_field_and_nothing_saved(
    app, clock, cem, make_customer, data, field
):
    customer = make_customer()
    with pytest.raises(ServiceError) as refused:
        services.save(cem, clock.now, customer, None, data)
    assert field in refused.value.errors
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(EqualityRecord)) == 0


@pytest.mark.parametrize(
    "role", [Role.COLLEAGUE, Role.LINE_MANAGER, Role.PANEL, Role.CSM, Role.GLT]
)
def test_other_roles_may_neither_read_nor_record(app, clock, make_staff, make_customer, role):
    someone = make_staff(role)
    customer = make_customer()
    with pytest.raises(NotAllowed):
        services.record_for(someone, clock.now, customer)
    with pytest.raises(NotAllowed):
        services.save(someone, clock.now, customer, None, agreed(sex="male"))
    with pytest.raises(NotAllowed):
        services.monitoring(someone, clock.now)


def test_administrators_read_and_every_read_is_audited(app, clock, make_staff, make_customer):
    admin = make_staff(Role.ADMIN)
    customer = make_customer()
    assert services.record_for(admin, clock.now, customer) is None
    services.save(admin, clock.now, customer, None, agreed(sex="male"))
    assert services.record_for(admin, clock.now, customer).sex == "male"
    db.session.commit()
    assert len(events(services.VIEWED)) == 2
    assert all("male" not in e.summary for e in events(services.VIEWED))


def test_a_save_from_an_older_version_is_refused(app, clock, cem, make_customer):
    customer = make_customer()
    services.save(cem, clock.now, customer, None, agreed(sex="male"))
    services.save(cem, clock.now, customer, 1, agreed(sex="female"))
    db.session.commit()
    with pytest.raises(Conflict):
        services.save(cem, clock.now, customer, 1, agreed(sex="prefer_not_to_say"))
    with pytest.raises(Conflict):
        services.save(cem, clock.now, customer, None, agreed(sex="prefer_not_to_say"))
    db.session.rollback()
    assert db.session.scalar(select(EqualityRecord.sex)) == "female"


def _upheld_appeal(customer, restriction, cem, now, outcome=AppealOutcome.UPHELD):
    db.session.add(
        Appeal(
            customer_id=customer.id,
            restriction_id=restriction.id,
            status=AppealStatus.DECIDED,
            created_at=now,
            updated_at=now,
            received_at=now,
            counted_from=now.date(),
            grounds="I disagree.",
            deadline=now.date() + timedelta(days=28),
            outcome=outcome,
            outcome_reasons="Decided on its merits.",
            decided_by_id=cem.id,
        )
    )
    db.session.commit()


def _table(tables, name):
    return next(t for t in tables if t.name == name)


def test_monitoring_counts_each_step_by_group_and_hides_small_numbers(
    app, clock, cem, make_customer, make_incident, restriction_in_force
):
    restricted = make_customer()
    restriction = restriction_in_force(restricted)
    _upheld_appeal(restricted, restriction, cem, clock.now)
    services.save(cem, clock.now, restricted, None, agreed(sex="female"))
    for _n in range(6):
        customer = make_customer()
        make_incident(customer)
        services.save(cem, clock.now, customer, None, agreed(sex="male"))
    for _n in range(8):
        services.save(cem, clock.now, make_customer(), None, agreed(sex="female"))
    services.save(cem, clock.now, make_customer(), None, declined())  # never counted
    db.session.commit()

    sex = _table(queries.monitoring(clock.now), "sex")
    rows = {row.label: row for row in sex.rows}
    female, male = rows["Female"].cells, rows["Male"].cells
    assert female[0].count == 9 and female[0].share == 60.0
    # 6 men, but 15 - 9 would show that "prefer not to say" and "not answered" are 0.
    assert male[0].hidden
    assert female[1].hidden and male[1].hidden  # 1 woman and 6 men reported: total 7
    assert sex.totals[0].count == 15 and sex.totals[1].count == 7
    assert all(cell.hidden for cell in female[2:])  # one warned, restricted, appealed
    assert all(cell.hidden for cell in sex.totals[2:])


@pytest.mark.policy("11.1")
def test_an_appeal_counts_as_won_only_when_the_restriction_was_removed_or_changed(
    app, clock, cem, make_customer, restriction_in_force
):
    """Five women won their appeals (three removed, two changed): shown. Five more had the
    restriction stay as it was: not counted as won."""
    outcomes = [AppealOutcome.OVERTURNED] * 3 + [AppealOutcome.VARIED] * 2
    outcomes += [AppealOutcome.UPHELD] * 5
    for outcome in outcomes:
        customer = make_customer()
        _upheld_appeal(customer, restriction_in_force(customer), cem, clock.now, outcome)
        services.save(cem, clock.now, customer, None, agreed(sex="female"))
    db.session.commit()

    female = queries.counts(None)["sex"]["female"]
    columns = [key for key, _label in queries.COLUMNS]
    assert female[columns.index("succeeded")] == 5
    assert female[columns.index("restricted")] == 10


def test_the_period_leaves_out_steps_taken_before_it(app, clock, cem, make_customer, make_incident):
    for _n in range(5):
        customer = make_customer()
        make_incident(customer, now=clock.now - timedelta(days=200))
        services.save(cem, clock.now, customer, None, agreed(disability="yes"))
    db.session.commit()
    everything = _table(queries.monitoring(clock.now), "disability").totals
    recent = _table(queries.monitoring(clock.now, "3m"), "disability").totals
    assert everything[1].count == 5 and recent[1].hidden
    assert recent[0].count == 5  # everyone recorded is counted in any period


def test_monitoring_is_one_query_at_any_size(app, clock, cem, make_customer, count_queries):
    def measured() -> int:
        with count_queries() as q:
            queries.monitoring(clock.now, "12m")
        return q.count

    services.save(cem, clock.now, make_customer(), None, agreed(sex="male"))
    db.session.commit()
    small = measured()
    for _n in range(12):
        services.save(cem, clock.now, make_customer(), None, agreed(sex="female"))
    db.session.commit()
    assert measured() == small == 1


def test_the_customers_own_answers_are_in_their_subject_access_export(
    app, clock, cem, make_customer
):
    customer, other = make_customer(), make_customer()
    assert services.subject_access_section(customer.id) == {"recorded": False}
    services.save(cem, clock.now, customer, None, agreed(religion="prefer_not_to_say"))
    services.save(cem, clock.now, other, None, agreed(religion="sikh"))
    db.session.commit()
    section = services.subject_access_section(customer.id)
    assert section["recorded"] and section["consent_given"]
    assert section["religion"] == "Prefer not to say" and section["sex"] is None
