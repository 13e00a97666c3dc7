"""Record every state change and every sensitive view; verify the chain."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, date, datetime, time
from enum import Enum
from types import SimpleNamespace
from typing import NamedTuple

from sqlalchemy import event, func, insert, select, text, update
from sqlalchemy.orm import Session, make_transient_to_detached

from portal import db
from portal.audit import seal
from portal.audit.models import AuditCheckpoint, AuditEvent, AuditHead

logger = logging.getLogger(__name__)

GENESIS = "0" * 64


class AuditTamperError(RuntimeError):
    """Raised when code tries to change or delete an audit event."""


def _plain(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


def snapshot(obj, fields: list[str]) -> dict:
    """Take the named attributes of ``obj`` as JSON-safe values."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def _digest(prev_hash: str, fields: dict) -> str:
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


def _hashed_fields(event_: AuditEvent) -> dict:
    return {
        # Hashed as UTC, as it is stored, so a time given in another zone still verifies.
        "at": event_.at.astimezone(UTC).isoformat(),
        "actor_id": event_.actor_id,
        "actor_label": event_.actor_label,
        "action": event_.action,
        "entity_type": event_.entity_type,
        "entity_id": event_.entity_id,
        "summary": event_.summary,
        "before": event_.before,
        "after": event_.after,
    }


def _chain_turn(session, now: datetime):
    """Take this transaction's turn at the chain (PostgreSQL: an advisory lock; SQLite: the
    database's write lock), then read its state: the raw row, the newest event, and the id
    of the head kept as a checkpoint if the head was disturbed (else None)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_CHAIN_LOCK)
    else:
        db.take_write_lock(session)
    found = connection.execute(_CHAIN_STATE).one()
    newest = _Newest(found.newest_id, found.newest_hash) if found.newest_id is not None else None
    head = _Head(*found[2:6]) if found.head_event_id is not None else None
    return found, newest, _keep_head_if_disturbed(session, head, newest, now)


def record(
    actor,
    now: datetime,
    action: str,
    entity_type: str,
    entity_id: int | None,
    summary: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Append one audit event, chained to the one before it and sealed with the audit key.

    Appends take their turn: the chain's head is read only once this transaction holds the
    lock no other append can hold at the same time (PostgreSQL: an advisory lock; SQLite: the
    database's write lock), so two appends never follow the same event.
    """
    session = db.session
    # The changes being recorded are written first, as a query would flush them: rows are
    # locked before the chain's turn is taken, in every append alike.
    session.flush()
    found, newest, kept_at = _chain_turn(session, now)
    label = "system" if actor is None else f"{actor.name} <{actor.email}>"
    event_ = AuditEvent(
        at=now,
        actor_id=getattr(actor, "id", None) if getattr(actor, "is_staff", False) else None,
        actor_label=label[:160],
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        summary=summary[:300],
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
        prev_hash=newest.hash if newest else GENESIS,
    )
    event_.hash = _digest(event_.prev_hash, _hashed_fields(event_))
    event_.seal = seal.event_seal(event_.hash)
    _append(session, event_)
    since = found.since_checkpoint + 1
    if kept_at is not None:  # the head just kept as a checkpoint is the last one now
        since = session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.id > kept_at))
    _seal_head(session, found.head_id is not None, since, event_, now)
    return event_


class _Newest(NamedTuple):
    id: int
    hash: str


class _Head(NamedTuple):
    event_id: int
    event_hash: str
    mac: str
    sealed_at: datetime


def _scalar(column, *where, newest: bool = False):
    query = select(column).where(*where)
    if newest:
        query = query.order_by(AuditEvent.id.desc()).limit(1)
    return query.scalar_subquery()


_LAST_CHECKPOINT = func.coalesce(select(func.max(AuditCheckpoint.event_id)).scalar_subquery(), 0)
# What an append needs to know, in one statement: the newest event, the head as the last
# append left it, and how many events there are since the last checkpoint.
_CHAIN_STATE = select(
    _scalar(AuditEvent.id, newest=True).label("newest_id"),
    _scalar(AuditEvent.hash, newest=True).label("newest_hash"),
    _scalar(AuditHead.event_id, AuditHead.id == 1).label("head_event_id"),
    _scalar(AuditHead.event_hash, AuditHead.id == 1),
    _scalar(AuditHead.mac, AuditHead.id == 1),
    _scalar(AuditHead.sealed_at, AuditHead.id == 1),
    _scalar(AuditHead.id, AuditHead.id == 1).label("head_id"),
    select(func.count(AuditEvent.id))
    .where(AuditEvent.id > _LAST_CHECKPOINT)
    .scalar_subquery()
    .label("since_checkpoint"),
)


def _keep_head_if_disturbed(session, head: _Head | None, newest, now: datetime) -> int | None:
    """Keep the head as a checkpoint when it is not as the last append left it (the newest
    event deleted, the chain recomputed, the head rewritten), before it is sealed afresh, so
    what was found stays for verify-audit to report. Returns the kept checkpoint's event id."""
    if head is None and newest is None:
        return None  # the first event ever
    if (
        head is not None
        and newest is not None
        and (head.event_id, head.event_hash) == tuple(newest)
        and seal.head_seal_ok(head)
    ):
        return None
    logger.warning("audit chain head disturbed; kept as a checkpoint for verify-audit")
    if head is None:
        # No seal where one should be: kept with an empty MAC, which never verifies.
        session.add(
            AuditCheckpoint(event_id=newest.id, event_hash=newest.hash, mac="", sealed_at=now)
        )
        return newest.id
    session.add(
        AuditCheckpoint(
            event_id=head.event_id,
            event_hash=head.event_hash,
            mac=head.mac,
            sealed_at=head.sealed_at,
        )
    )
    return head.event_id


def _append(session, event_: AuditEvent) -> None:
    """Insert ``event_`` with one plain statement (the unit of work would cost more than the
    statement itself), then keep it in ``session`` as the row it now is."""
    columns = AuditEvent.__table__.columns
    values = {c.key: getattr(event_, c.key) for c in columns if c.key != "id"}
    event_.id = session.connection().execute(_INSERT_EVENT, values).scalar_one()
    make_transient_to_detached(event_)
    session.add(event_)


_AUDIT_EVENT = AuditEvent.__table__
_INSERT_EVENT = insert(_AUDIT_EVENT).returning(_AUDIT_EVENT.c.id)
_CHAIN_LOCK = text("SELECT pg_advisory_xact_lock(7301)")
_HEAD = AuditHead.__table__
_SEAL_HEAD = update(_HEAD).where(_HEAD.c.id == 1)


def _seal_head(session, head_exists: bool, since: int, event_: AuditEvent, now: datetime) -> None:
    """Seal the head on ``event_`` (one statement), and keep a checkpoint when ``since``, the
    events since the last one, reaches ``CHECKPOINT_EVERY``."""
    mac = seal.head_seal(event_.id, event_.hash, now)
    values = {"event_id": event_.id, "event_hash": event_.hash, "mac": mac, "sealed_at": now}
    if head_exists:
        session.connection().execute(_SEAL_HEAD, values)
    else:
        session.connection().execute(insert(_HEAD), {"id": 1, **values})
    if since >= seal.CHECKPOINT_EVERY:
        session.add(AuditCheckpoint(**values))
        session.flush()


class Entry(NamedTuple):
    """One event for :func:`record_many`."""

    action: str
    entity_type: str
    entity_id: int | None
    summary: str = ""
    before: dict | None = None
    after: dict | None = None


# Events inserted per statement by record_many (well under any driver's parameter limit).
_MANY_BATCH = 1000


def record_many(actor, now: datetime, entries: list[Entry]) -> list[int]:
    """Append many events by one actor at one time, chained and sealed as :func:`record`
    does, under one turn of the chain's lock, in a few statements; return their ids.

    The head is sealed once, on the last, and a checkpoint is kept at every
    ``CHECKPOINT_EVERY``-th event, as appending them one by one would have.
    """
    if not entries:
        return []
    session = db.session
    # The changes being recorded are written first, as a query would flush them: rows are
    # locked before the chain's turn is taken, in every append alike.
    session.flush()
    found, newest, kept_at = _chain_turn(session, now)
    session.flush()
    since = found.since_checkpoint
    if kept_at is not None:
        since = session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.id > kept_at))
    label = ("system" if actor is None else f"{actor.name} <{actor.email}>")[:160]
    actor_id = getattr(actor, "id", None) if getattr(actor, "is_staff", False) else None
    prev = newest.hash if newest else GENESIS
    rows = []
    for entry in entries:
        row = {
            "at": now,
            "actor_id": actor_id,
            "actor_label": label,
            "action": entry.action,
            "entity_type": entry.entity_type,
            "entity_id": entry.entity_id,
            "summary": entry.summary[:300],
            "before": _plain(entry.before) if entry.before is not None else None,
            "after": _plain(entry.after) if entry.after is not None else None,
            "prev_hash": prev,
        }
        row["hash"] = prev = _digest(prev, _hashed_fields(SimpleNamespace(**row)))
        row["seal"] = seal.event_seal(row["hash"])
        rows.append(row)
    ids: list[int] = []
    # No RETURNING: SQLite would insert one row per statement to keep their order. The ids
    # are found by the hashes, which are unique.
    for start in range(0, len(rows), _MANY_BATCH):
        batch = rows[start : start + _MANY_BATCH]
        session.execute(insert(AuditEvent.__table__), batch)
        hashes = [row["hash"] for row in batch]
        found_ids = dict(
            session.execute(
                select(AuditEvent.hash, AuditEvent.id).where(AuditEvent.hash.in_(hashes))
            ).all()
        )
        ids += [found_ids[h] for h in hashes]
    checkpoints = []
    for event_id, row in zip(ids, rows, strict=True):
        since += 1
        if since >= seal.CHECKPOINT_EVERY:
            mac = seal.head_seal(event_id, row["hash"], now)
            checkpoints.append(
                {"event_id": event_id, "event_hash": row["hash"], "mac": mac, "sealed_at": now}
            )
            since = 0
    if checkpoints:
        session.execute(insert(AuditCheckpoint), checkpoints)
    last = SimpleNamespace(id=ids[-1], hash=rows[-1]["hash"])
    mac = seal.head_seal(last.id, last.hash, now)
    values = {"event_id": last.id, "event_hash": last.hash, "mac": mac, "sealed_at": now}
    if found.head_id is not None:
        session.execute(update(AuditHead).where(AuditHead.id == 1).values(**values))
    else:
        session.execute(insert(AuditHead).values(id=1, **values))
    return ids


def verify_chain() -> tuple[bool, int | None]:
    """Check the whole trail; return (ok, id of the first event found wrong)."""
    from portal.audit.verify import find_breaks

    breaks = find_breaks()
    return (not breaks, breaks[0].event_id if breaks else None)


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session, _flush_context, _instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent | AuditCheckpoint) and (
            obj in session.deleted or session.is_modified(obj)
        ):
            raise AuditTamperError("audit events are append-only")
