"""Record every state change and every sensitive view; verify the chain."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, time
from enum import Enum

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from portal import db
from portal.audit.models import AuditEvent


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
    """Append one audit event, chained to the one before it."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7301)"))
    prev = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
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
        prev_hash=prev or "0" * 64,
    )
    event_.hash = _digest(event_.prev_hash, _hashed_fields(event_))
    session.add(event_)
    session.flush()
    return event_


def verify_chain() -> tuple[bool, int | None]:
    """Check every event's hash and link; return (ok, id of the first bad event)."""
    prev = "0" * 64
    for event_ in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
        if event_.prev_hash != prev or event_.hash != _digest(prev, _hashed_fields(event_)):
            return False, event_.id
        prev = event_.hash
    return True, None


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session, _flush_context, _instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditTamperError("audit events are append-only")
