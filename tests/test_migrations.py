"""The Alembic migrations build exactly the schema the models describe, and undo it cleanly.

Runs on a fresh SQLite file, and on a throwaway PostgreSQL database when TEST_DATABASE_URL
points at a PostgreSQL server (the database named there is left alone: this test creates
and drops its own ``portal_mig_<random>`` beside it).
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal import create_app, db, search
from portal.auth.models import User
from portal.customers.models import Customer, CustomerType
from portal.incidents.catalogue import Category, Channel
from portal.incidents.models import Incident, IncidentCategory, Route


def _postgres_server_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true, so this is a failure, not a skip)")
    pytest.skip(reason)


@pytest.fixture
def throwaway_postgres():
    server = _postgres_server_url()
    if server is None:
        pytest.skip(
            "PostgreSQL variant needs TEST_DATABASE_URL=postgresql+psycopg://user@host/db "
            "(a throwaway database is created beside it)"
        )
    name = f"portal_mig_{secrets.token_hex(4)}"
    admin_url = make_url(server).set(database="postgres")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        _skip_or_fail(f"no PostgreSQL reachable at {admin_url.render_as_string()}: {exc.orig}")
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def migration_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migrations.db'}"
    return request.getfixturevalue("throwaway_postgres")


def _differences(engine: sa.Engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "include_object": search.include_object},
        )
        return compare_metadata(context, db.Base.metadata)


def _tables(engine: sa.Engine) -> set[str]:
    names = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    return {name for name in names if not search.is_search_object(name)}


def _check_constraints(engine: sa.Engine) -> set[str]:
    inspector = sa.inspect(engine)
    return {
        ck["name"]
        for table in inspector.get_table_names()
        for ck in inspector.get_check_constraints(table)
    }


def _expected_check_constraints() -> set[str]:
    engine = sa.create_engine("sqlite://")
    db.Base.metadata.create_all(engine)
    names = _check_constraints(engine)
    engine.dispose()
    return names


def _cli(app, *args: str) -> None:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output + repr(result.exception)


def _round_trip(engine: sa.Engine) -> None:
    """Write and read back the awkward types; the check constraints refuse bad rows."""
    longest_type = max(CustomerType, key=lambda m: len(m.value))
    longest_category = max(Category, key=lambda m: len(m.value))
    bst = timezone(timedelta(hours=1))
    occurred = datetime(2026, 7, 1, 9, 30, tzinfo=bst)
    with Session(engine) as session:
        staff = User(
            email="mig@test.example",
            name="Migration Check",
            password_hash="x",
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
        customer = Customer(
            reference="C-MIG-1",
            forename="Mig",
            surname="Ration",
            customer_type=longest_type,
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
        session.add_all([staff, customer])
        session.flush()
        incident = Incident(
            reference="INC-MIG-1",
            customer_id=customer.id,
            reported_by_id=staff.id,
            line_manager_id=staff.id,
            occurred_at=occurred,
            reported_at=occurred + timedelta(hours=1),
            channel=Channel.SOCIAL_MEDIA,
            description="Checking the schema.",
            example_types=["verbal_abuse", "threats"],
            protected_characteristics=[],
            manager_decisions=[],
            route=Route.POLICE_PANEL,
            review_due_on=date(2026, 7, 8),
        )
        session.add(incident)
        session.flush()
        session.add(IncidentCategory(incident_id=incident.id, category=longest_category))
        session.commit()
        incident_id = incident.id

    with Session(engine) as session:
        incident = session.get(Incident, incident_id)
        assert incident.occurred_at == occurred
        assert incident.occurred_at.tzinfo is not None
        assert incident.occurred_at.utcoffset() == timedelta(0)
        assert incident.example_types == ["verbal_abuse", "threats"]
        assert incident.customer.customer_type is longest_type
        assert incident.categories == [longest_category]

        incident.manager_decided_at = occurred + timedelta(days=1)  # but nobody decided
        with pytest.raises(IntegrityError, match="ck_incident_decided_has_who"):
            session.flush()
        session.rollback()

        incident = session.get(Incident, incident_id)
        incident.reported_at = occurred - timedelta(hours=1)
        with pytest.raises(IntegrityError, match="ck_incident_not_in_future"):
            session.flush()
        session.rollback()

        session.execute(sa.delete(IncidentCategory))
        session.execute(sa.delete(Incident))
        session.execute(sa.delete(Customer))
        session.execute(sa.delete(User))
        session.commit()


def test_enum_columns_are_wide_enough_for_every_value():
    for table in db.Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, sa.Enum):
                longest = max(len(value) for value in column.type.enums)
                assert longest <= column.type.length, f"{table.name}.{column.name}"


def test_migrations_match_the_models_and_undo_cleanly(migration_url):
    app = create_app({"DATABASE_URL": migration_url, "TESTING": True})
    engine = app.extensions["engine"]
    try:
        _cli(app, "db-upgrade")
        assert _tables(engine) == set(db.Base.metadata.tables)
        assert _differences(engine) == []
        assert _check_constraints(engine) == _expected_check_constraints()
        with engine.connect() as connection:
            assert search.present(connection) == search.expected(engine.dialect.name)

        inspector = sa.inspect(engine)
        for table in db.Base.metadata.sorted_tables:
            reflected = {c["name"]: c["type"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if isinstance(column.type, sa.Enum):
                    assert reflected[column.name].length == column.type.length
                if isinstance(column.type, db.UTCDateTime) and engine.dialect.name != "sqlite":
                    assert reflected[column.name].timezone, f"{table.name}.{column.name}"

        _round_trip(engine)

        _cli(app, "db-downgrade", "--revision", "base")
        assert _tables(engine) == set()
        with engine.connect() as connection:
            assert search.present(connection) == set()
        if engine.dialect.name == "postgresql":
            assert sa.inspect(engine).get_sequence_names() == []

        _cli(app, "db-upgrade")
        assert _tables(engine) == set(db.Base.metadata.tables)
        assert _differences(engine) == []
    finally:
        engine.dispose()


def _someone_and_a_tenant(session: Session, now: datetime, reference: str):
    """A member of staff and a tenant to hang the records of a data migration test on."""
    staff = User(email="mig@test.example", name="Mig", password_hash="x", created_at=now)
    customer = Customer(
        reference=reference,
        forename="Mig",
        surname="Ration",
        customer_type=CustomerType.TENANT,
        created_at=now,
    )
    session.add_all([staff, customer])
    session.flush()
    return staff, customer


def _appeals_with_evidence(engine: sa.Engine) -> dict:
    """A decision letter that set one restriction, two appeals sent against it (as could
    happen before 0011) and a draft, the first with a file; returns their ids."""
    from portal.appeals.models import Appeal, AppealEvidence, AppealStatus
    from portal.letters.models import Letter, LetterKind
    from portal.restrictions.models import Restriction, RestrictionKind, RestrictionStatus

    now = datetime(2027, 3, 19, 10, tzinfo=UTC)
    with Session(engine) as session:
        staff, customer = _someone_and_a_tenant(session, now, "C-MIG-2")
        letter = Letter(
            reference="L-MIG-1",
            customer_id=customer.id,
            kind=LetterKind.RESTRICTION_DECISION,
            subject="Decision",
            body_html="<p>Decision</p>",
            content_sha256="0" * 64,
            issued_at=now,
            issued_by_id=staff.id,
        )
        session.add(letter)
        session.flush()
        restriction = Restriction(
            customer_id=customer.id,
            kind=RestrictionKind.THIRD_PARTY,
            third_party="A friend",
            reasons="Abuse.",
            starts_on=date(2027, 3, 19),
            review_on=date(2027, 9, 1),
            status=RestrictionStatus.ACTIVE,
            approved_by_id=staff.id,
            approved_at=now,
            letter_id=letter.id,
            notified_on=date(2027, 3, 19),
            appeal_deadline=date(2027, 4, 20),
        )
        session.add(restriction)
        session.flush()
        made = []
        for n, status in enumerate((AppealStatus.LODGED, AppealStatus.LODGED, AppealStatus.DRAFT)):
            sent = status != AppealStatus.DRAFT
            appeal = Appeal(
                reference=f"AP-MIG-{n}" if sent else None,
                customer_id=customer.id,
                restriction_id=restriction.id,
                status=status,
                created_at=now,
                updated_at=now,
                received_at=now if sent else None,
                counted_from=date(2027, 3, 19) if sent else None,
                grounds="Unfair.",
                deadline=date(2027, 4, 20),
                decision_key=f"letter:{letter.id}" if n == 0 else None,
            )
            session.add(appeal)
            session.flush()
            made.append(appeal.id)
        session.add(
            AppealEvidence(
                appeal_id=made[0],
                original_name="note.txt",
                stored_name="mig-note",
                content_type="text/plain",
                size_bytes=4,
                sha256="0" * 64,
                uploaded_at=now,
            )
        )
        session.commit()
        return {"letter": letter.id, "appeals": made}


def test_one_appeal_per_decision_migrates_up_and_down_with_data(migration_url):
    """0011 names each sent appeal's decision (two sent before it are told apart, not lost),
    and undoing it keeps every appeal and its files."""
    app = create_app({"DATABASE_URL": migration_url, "TESTING": True})
    engine = app.extensions["engine"]
    try:
        _cli(app, "db-upgrade")
        ids = _appeals_with_evidence(engine)
        first, second, draft = ids["appeals"]
        _cli(app, "db-downgrade", "--revision", "0010")
        with engine.connect() as connection:
            assert connection.scalar(sa.text("SELECT count(*) FROM appeal")) == 3
            assert connection.scalar(sa.text("SELECT count(*) FROM appeal_evidence")) == 1
        _cli(app, "db-upgrade")
        with engine.connect() as connection:
            keys = dict(connection.execute(sa.text("SELECT id, decision_key FROM appeal")).all())
            assert connection.scalar(sa.text("SELECT count(*) FROM appeal_evidence")) == 1
        assert keys == {
            first: f"letter:{ids['letter']}",
            second: f"letter:{ids['letter']}/appeal:{second}",
            draft: None,
        }
        with engine.connect() as connection, pytest.raises(IntegrityError):
            connection.execute(
                sa.text("UPDATE appeal SET decision_key = :key WHERE id = :id"),
                {"key": f"letter:{ids['letter']}", "id": second},
            )
    finally:
        engine.dispose()


def _references_given(engine: sa.Engine) -> None:
    """Incidents and a letter numbered before 0012, out of order and with a gap."""
    from portal.letters.models import Letter, LetterKind

    now = datetime(2026, 12, 4, 10, tzinfo=UTC)
    with Session(engine) as session:
        staff, customer = _someone_and_a_tenant(session, now, "C-MIG-3")
        for reference in ("INC-2026-00007", "INC-2026-00003", "INC-2025-00002", "INC-MIG-9"):
            session.add(
                Incident(
                    reference=reference,
                    customer_id=customer.id,
                    reported_by_id=staff.id,
                    line_manager_id=staff.id,
                    occurred_at=now - timedelta(hours=2),
                    reported_at=now - timedelta(hours=1),
                    channel=Channel.PHONE,
                    description="Numbered before the counters.",
                    example_types=[],
                    protected_characteristics=[],
                    manager_decisions=[],
                    route=Route.POLICE_PANEL,
                    review_due_on=date(2026, 12, 11),
                )
            )
        session.add(
            Letter(
                reference="LET-2026-00012",
                customer_id=customer.id,
                kind=LetterKind.RESTRICTION_DECISION,
                subject="Decision",
                body_html="<p>Decision</p>",
                content_sha256="0" * 64,
                issued_at=now,
                issued_by_id=staff.id,
            )
        )
        session.commit()


def test_reference_counters_carry_on_from_the_highest_reference_in_use(migration_url):
    """0012 seeds each kind's counter from the highest number given each year, so the next
    reference follows it (not the count, which the gap would make clash); undone, it leaves
    every record and no counter behind."""
    from portal.references import next_reference

    app = create_app({"DATABASE_URL": migration_url, "TESTING": True})
    engine = app.extensions["engine"]
    try:
        _cli(app, "db-upgrade")
        _references_given(engine)
        _cli(app, "db-downgrade", "--revision", "0011")
        assert {"reference_counter", "submission_key"}.isdisjoint(_tables(engine))
        _cli(app, "db-upgrade")
        with engine.connect() as connection:
            counters = set(
                connection.execute(sa.text("SELECT kind, year, value FROM reference_counter"))
            )
            assert connection.scalar(sa.text("SELECT count(*) FROM incident")) == 4
        assert counters == {("incident", 2026, 7), ("incident", 2025, 2), ("letter", 2026, 12)}
        with app.app_context():
            now = datetime(2026, 12, 4, 11, tzinfo=UTC)
            assert next_reference("incident", now) == "INC-2026-00008"
            assert next_reference("letter", now) == "LET-2026-00013"
            assert next_reference("appeal", now) == "AP-2026-0001"
            assert next_reference("restriction_request", now) == "RR-2026-0001"
            db.session.rollback()
    finally:
        db.session.remove()
        engine.dispose()


def test_letter_translations_downgrade_and_upgrade_with_data(migration_url):
    """0006 undone with letters that restrictions and appeals point at: on SQLite the letter
    table is copied and rebuilt, which foreign keys must not stop (nor cascade through), and
    nothing is left behind; done again, every row is still there."""
    app = create_app({"DATABASE_URL": migration_url, "TESTING": True})
    engine = app.extensions["engine"]
    counted = ("letter", "restriction", "appeal", "appeal_evidence")
    try:
        _cli(app, "db-upgrade")
        _appeals_with_evidence(engine)
        with engine.connect() as connection:
            before = {t: connection.scalar(sa.text(f"SELECT count(*) FROM {t}")) for t in counted}
        _cli(app, "db-downgrade", "--revision", "0005")
        assert "_alembic_tmp_letter" not in sa.inspect(engine).get_table_names()
        with engine.connect() as connection:
            assert {
                t: connection.scalar(sa.text(f"SELECT count(*) FROM {t}")) for t in counted
            } == before
        _cli(app, "db-upgrade")
        with engine.connect() as connection:
            assert {
                t: connection.scalar(sa.text(f"SELECT count(*) FROM {t}")) for t in counted
            } == before
            if engine.dialect.name == "sqlite":
                assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert _differences(engine) == []
    finally:
        engine.dispose()


def test_audit_seal_migration_seals_the_trail_already_there(migration_url):
    """0014 seals the events already recorded with the portal's AUDIT_KEY, so the trail
    verifies at once; on PostgreSQL the trail is append-only from then on. Undone, the
    events stay and the trigger goes."""
    from portal.audit.services import GENESIS, _digest
    from portal.audit.verify import find_breaks

    app = create_app({"DATABASE_URL": migration_url, "TESTING": True})
    engine = app.extensions["engine"]
    at = datetime(2026, 12, 1, 9, tzinfo=UTC)
    try:
        _cli(app, "db-upgrade", "--revision", "0013")
        prev = GENESIS
        with engine.begin() as connection:
            for n in range(3):
                fields = {
                    "at": at.isoformat(),
                    "actor_id": None,
                    "actor_label": "system",
                    "action": "test.recorded",
                    "entity_type": "test",
                    "entity_id": n,
                    "summary": f"Entry {n}",
                    "before": None,
                    "after": None,
                }
                digest = _digest(prev, fields)
                connection.execute(
                    sa.text(
                        "INSERT INTO audit_event (at, actor_label, action, entity_type, "
                        "entity_id, summary, prev_hash, hash) VALUES (:at, 'system', "
                        "'test.recorded', 'test', :n, :summary, :prev, :hash)"
                    ),
                    {
                        "at": at if engine.dialect.name != "sqlite" else at.replace(tzinfo=None),
                        "n": n,
                        "summary": f"Entry {n}",
                        "prev": prev,
                        "hash": digest,
                    },
                )
                prev = digest
        _cli(app, "db-upgrade")
        with app.app_context():
            assert find_breaks() == []
            db.session.remove()
        if engine.dialect.name == "postgresql":
            with (
                engine.begin() as connection,
                pytest.raises(sa.exc.DBAPIError, match="append-only"),
            ):
                connection.execute(sa.text("DELETE FROM audit_event"))
        _cli(app, "db-downgrade", "--revision", "0013")
        with engine.begin() as connection:
            connection.execute(sa.text("UPDATE audit_event SET summary = summary"))
            assert connection.scalar(sa.text("SELECT count(*) FROM audit_event")) == 3
    finally:
        engine.dispose()


def test_point13_0021_stores_the_due_dates_of_appeals_already_sent(migration_url):
    """0021 counts each sent appeal's step due dates as the app does (Easter 2027 skipped)
    and the due date of the step it waits on; a draft has none; undoing it drops them."""
    from datetime import time

    from portal.appeals.rules import appeal_clock
    from portal.workdays.calendar import WorkingCalendar

    app = create_app({"DATABASE_URL": migration_url, "TESTING": True})
    engine = app.extensions["engine"]
    try:
        _cli(app, "db-upgrade")
        first, second, draft = _appeals_with_evidence(engine)["appeals"]
        _cli(app, "db-downgrade", "--revision", "0020")
        _cli(app, "db-upgrade")
        columns = (
            "acknowledge_due_on, to_glt_due_on, glt_review_due_on, notify_cem_due_on, "
            "tell_customer_due_on, next_due_on"
        )
        with engine.connect() as connection:
            rows = {
                row[0]: tuple(
                    value if value is None or isinstance(value, date) else date.fromisoformat(value)
                    for value in row[1:]
                )
                for row in connection.execute(sa.text(f"SELECT id, {columns} FROM appeal"))
            }
        clock = appeal_clock(datetime(2027, 3, 19, 10, tzinfo=UTC), time(17, 0), WorkingCalendar())
        counted = tuple(step.due for step in clock.steps)
        assert counted[0] == date(2027, 3, 23) and counted[1] == date(2027, 3, 30)
        assert rows[first] == rows[second] == (*counted, date(2027, 3, 23))
        assert rows[draft] == (None,) * 6
        _cli(app, "db-downgrade", "--revision", "0020")
        with engine.connect() as connection:
            names = {c["name"] for c in sa.inspect(connection).get_columns("appeal")}
        assert "next_due_on" not in names and "acknowledge_due_on" not in names
    finally:
        engine.dispose()
