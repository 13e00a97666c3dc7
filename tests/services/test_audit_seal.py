"""The audit trail holds against an insider (issue 11): whoever can write to the database can
alter, delete or recompute events with the portal's own formula, but not make the seals, which
need AUDIT_KEY; verify-audit names every break. On PostgreSQL a trigger refuses UPDATE and
DELETE outright; switched off, as a superuser could, the seals still give the tampering away."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from portal import db
from portal.audit import guard, seal
from portal.audit.models import AuditCheckpoint, AuditEvent, AuditHead
from portal.audit.services import _digest, _hashed_fields, record
from portal.audit.verify import check_trail, find_breaks

EVENTS = 12


@pytest.fixture
def trail(session, clock):
    """``trail(n)``: n events recorded a minute apart and committed; their ids, oldest first."""

    def _trail(n: int = EVENTS) -> list[int]:
        ids = []
        for i in range(n):
            event_ = record(
                None, clock.now + timedelta(minutes=i), "test.recorded", "test", i, f"Entry {i}"
            )
            ids.append(event_.id)
        session.commit()
        return ids

    return _trail


def tamper(sql: str, **params) -> None:
    """Change the database behind the portal's back, in raw SQL, and forget what was read."""
    db.session.execute(text(sql), params)
    db.session.commit()
    db.session.expire_all()


def _recompute_from(event_id: int) -> None:
    """What an insider with the portal's source but not its key can do: rehash every event
    from ``event_id`` on with the portal's formula, and point the head at the new last hash."""
    prev = db.session.scalar(
        select(AuditEvent.hash).where(AuditEvent.id < event_id).order_by(AuditEvent.id.desc())
    )
    rows = db.session.execute(
        select(*AuditEvent.__table__.c).where(AuditEvent.id >= event_id).order_by(AuditEvent.id)
    ).all()
    for row in rows:
        new_hash = _digest(prev, _hashed_fields(row))
        tamper(
            "UPDATE audit_event SET prev_hash = :prev, hash = :hash WHERE id = :id",
            prev=prev,
            hash=new_hash,
            id=row.id,
        )
        prev = new_hash
    tamper("UPDATE audit_head SET event_hash = :hash", hash=prev)


def _problems(event_id: int | None = None) -> list[str]:
    return [b.problem for b in find_breaks() if event_id is None or b.event_id == event_id]


def test_an_untouched_trail_has_no_breaks(trail):
    trail()

    assert find_breaks() == []


def test_each_append_seals_the_event_and_the_head(trail, session):
    ids = trail(3)

    head = session.get(AuditHead, 1)
    newest = session.get(AuditEvent, ids[-1])
    assert (head.event_id, head.event_hash) == (newest.id, newest.hash)
    assert seal.head_seal_ok(head)
    assert all(seal.event_seal_ok(e.hash, e.seal) for e in session.scalars(select(AuditEvent)))


def test_an_events_text_changed_is_detected(trail):
    ids = trail()
    tamper("UPDATE audit_event SET summary = 'Nothing happened' WHERE id = :id", id=ids[4])

    assert _problems() == ["its content does not match its hash: it was altered"]
    assert [b.event_id for b in find_breaks()] == [ids[4]]


def test_the_newest_event_deleted_is_detected(trail):
    ids = trail()
    tamper("DELETE FROM audit_event WHERE id = :id", id=ids[-1])

    assert _problems(ids[-1]) == ["it is missing, though the chain's head sealed it: deleted"]


def test_the_newest_event_deleted_is_still_detected_after_the_next_append(trail, session, clock):
    ids = trail()
    tamper("DELETE FROM audit_event WHERE id = :id", id=ids[-1])
    record(None, clock.now + timedelta(hours=1), "test.recorded", "test", 99, "After")
    session.commit()

    # The head, found disturbed, was kept as a checkpoint: its event is gone (PostgreSQL), or
    # another event has taken its id (SQLite reuses the highest id once it is deleted).
    [problem] = _problems(ids[-1])
    assert problem.startswith(("it is missing, though checkpoint", "its hash is not the one"))


def test_an_event_deleted_in_the_middle_is_detected(trail):
    ids = trail()
    tamper("DELETE FROM audit_event WHERE id = :id", id=ids[5])

    breaks = find_breaks()
    assert [b.event_id for b in breaks] == [ids[6]]
    assert f"does not follow event {ids[4]}" in breaks[0].problem


def test_an_edit_with_every_later_hash_recomputed_is_detected(trail):
    ids = trail()
    tamper("UPDATE audit_event SET summary = 'Nothing happened' WHERE id = :id", id=ids[4])
    _recompute_from(ids[4])

    breaks = find_breaks()
    recomputed = {b.event_id for b in breaks if "seal does not match its hash" in b.problem}
    assert recomputed == set(ids[4:])
    assert any("the chain's head's seal is not valid" in b.problem for b in breaks)


def test_a_forged_checkpoint_is_detected(trail, session):
    ids = trail()
    newest = session.get(AuditEvent, ids[-1])
    session.add(
        AuditCheckpoint(
            event_id=newest.id, event_hash=newest.hash, mac="f" * 64, sealed_at=newest.at
        )
    )
    session.commit()

    [problem] = _problems(ids[-1])
    assert problem.startswith("checkpoint ")
    assert problem.endswith("'s seal is not valid: forged without the audit key")


def test_a_seal_copied_from_another_event_is_detected(trail):
    ids = trail()
    tamper(
        "UPDATE audit_event SET seal = (SELECT seal FROM audit_event WHERE id = :other) "
        "WHERE id = :id",
        other=ids[1],
        id=ids[2],
    )

    assert [b.event_id for b in find_breaks()] == [ids[2]]


def test_every_break_is_listed_not_only_the_first(trail):
    ids = trail()
    tamper("UPDATE audit_event SET summary = 'x' WHERE id = :id", id=ids[2])
    tamper("DELETE FROM audit_event WHERE id = :id", id=ids[7])
    tamper("DELETE FROM audit_event WHERE id = :id", id=ids[-1])

    assert sorted({b.event_id for b in find_breaks()}) == [ids[2], ids[8], ids[-1]]


def test_verify_audit_lists_every_break_and_fails(trail, runner):
    ids = trail()
    tamper("UPDATE audit_event SET summary = 'x' WHERE id = :id", id=ids[2])
    tamper("DELETE FROM audit_event WHERE id = :id", id=ids[-1])

    result = runner.invoke(args=["verify-audit"])

    assert result.exit_code == 1
    assert "Audit trail broken: 2 problems found." in result.output
    assert f"Event {ids[2]}: its content does not match its hash" in result.output
    assert f"Event {ids[-1]}: it is missing" in result.output


def test_the_audit_page_checks_only_from_the_last_good_checkpoint(trail, monkeypatch):
    monkeypatch.setattr(seal, "CHECKPOINT_EVERY", 5)
    ids = trail()  # checkpoints at the 5th and 10th events

    report = check_trail(incremental=True)
    assert report.intact
    assert (report.since, report.checked) == (ids[9], 2)

    tamper("UPDATE audit_event SET summary = 'x' WHERE id = :id", id=ids[11])
    assert [b.event_id for b in check_trail(incremental=True).breaks] == [ids[11]]


def test_a_recomputed_chain_does_not_move_the_page_past_its_checkpoint(trail, monkeypatch):
    monkeypatch.setattr(seal, "CHECKPOINT_EVERY", 5)
    ids = trail()
    tamper("UPDATE audit_event SET summary = 'x' WHERE id = :id", id=ids[2])
    _recompute_from(ids[2])

    report = check_trail(incremental=True)
    assert report.since is None  # no checkpoint is good any more: the whole trail is checked
    assert ids[2] in {b.event_id for b in report.breaks}


# PostgreSQL: the trigger refuses, and a superuser who switches it off is still found out.


@pytest.fixture
def append_only(app, session):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    for statement in guard.install_statements():
        session.execute(text(statement))
    session.commit()
    yield
    session.rollback()
    for statement in guard.remove_statements():
        session.execute(text(statement))
    session.commit()


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_event SET summary = 'x'",
        "DELETE FROM audit_event",
        "TRUNCATE audit_event",
        "UPDATE audit_checkpoint SET mac = 'x'",
        "DELETE FROM audit_checkpoint",
    ],
)
def test_postgresql_refuses_changes_to_the_trail(append_only, trail, session, monkeypatch, sql):
    monkeypatch.setattr(seal, "CHECKPOINT_EVERY", 5)
    trail()

    with pytest.raises(Exception, match="the audit trail is append-only"):
        session.execute(text(sql))
    session.rollback()
    assert find_breaks() == []


@pytest.mark.postgres
def test_a_superuser_who_switches_the_trigger_off_is_still_found_out(append_only, trail):
    ids = trail()
    tamper("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
    tamper("UPDATE audit_event SET summary = 'x' WHERE id = :id", id=ids[3])
    tamper("DELETE FROM audit_event WHERE id = :id", id=ids[-1])
    _recompute_from(ids[3])
    tamper("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")

    breaks = find_breaks()
    assert {b.event_id for b in breaks} >= {*ids[3:-1]}
    assert any("the chain's head's seal is not valid" in b.problem for b in breaks)
