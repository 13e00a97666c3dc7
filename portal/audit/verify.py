"""Check the audit trail: every event, every link, every seal; every break, not just the first.

``check_trail()`` walks the whole chain (``flask verify-audit``); ``check_trail(incremental=True)``
starts from the newest checkpoint that is still good, for the audit page, so a view costs the
events since then rather than the whole trail.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from portal import db
from portal.audit import seal
from portal.audit.models import AuditCheckpoint, AuditEvent, AuditHead
from portal.audit.services import GENESIS, _digest, _hashed_fields

# The audit page looks this far back for a checkpoint that is still good before it gives up
# and checks the whole trail.
CHECKPOINTS_TRIED = 20


@dataclass(frozen=True)
class Break:
    """One thing wrong with the trail, and the event it is about."""

    event_id: int | None
    problem: str

    def __str__(self) -> str:
        return self.problem if self.event_id is None else f"Event {self.event_id}: {self.problem}"


@dataclass
class Report:
    breaks: list[Break] = field(default_factory=list)
    checked: int = 0  # events re-hashed
    since: int | None = None  # the checkpoint's event the check started after (None: the start)

    @property
    def intact(self) -> bool:
        return not self.breaks


def find_breaks() -> list[Break]:
    """Every break in the whole trail, in the order of the events they are about."""
    return check_trail().breaks


def check_trail(incremental: bool = False) -> Report:
    """Check the events (all, or those after the last good checkpoint), the checkpoints after
    where the check starts, and the sealed head."""
    start = _last_good_checkpoint() if incremental else None
    report = Report(since=start.event_id if start else None)
    after_id, prev_hash = (start.event_id, start.event_hash) if start else (0, GENESIS)
    prev_id: int | None = start.event_id if start else None
    rows = db.session.execute(
        select(*AuditEvent.__table__.c)
        .where(AuditEvent.id > after_id)
        .order_by(AuditEvent.id)
        .execution_options(yield_per=1000)
    )
    for event_ in rows:
        report.checked += 1
        report.breaks += _event_breaks(event_, prev_id, prev_hash)
        prev_hash, prev_id = event_.hash, event_.id
    report.breaks += _checkpoint_breaks(after_id)
    report.breaks += _head_breaks()
    report.breaks.sort(key=lambda b: b.event_id or 0)
    return report


def _event_breaks(event_, prev_id: int | None, prev_hash: str) -> list[Break]:
    found = []
    if event_.prev_hash != prev_hash:
        if prev_id is None:
            problem = "no event comes before it, yet it is not the first: the first were deleted"
        else:
            problem = (
                f"it does not follow event {prev_id}: an event between them was deleted, "
                f"or event {prev_id} was altered and its hash recomputed"
            )
        found.append(Break(event_.id, problem))
    if event_.hash != _digest(event_.prev_hash, _hashed_fields(event_)):
        found.append(Break(event_.id, "its content does not match its hash: it was altered"))
    if not event_.seal:
        found.append(Break(event_.id, "it has no seal: the seal was removed"))
    elif not seal.event_seal_ok(event_.hash, event_.seal):
        found.append(
            Break(
                event_.id,
                "its seal does not match its hash: the hash was recomputed without the audit key",
            )
        )
    return found


def _checkpoint_breaks(after_id: int) -> list[Break]:
    found = []
    rows = db.session.execute(
        select(AuditCheckpoint, AuditEvent.hash)
        .outerjoin(AuditEvent, AuditEvent.id == AuditCheckpoint.event_id)
        .where(AuditCheckpoint.event_id > after_id)
        .order_by(AuditCheckpoint.id)
        .execution_options(populate_existing=True)
    )
    for checkpoint, stored_hash in rows:
        found += _sealed_point_breaks(checkpoint, stored_hash, f"checkpoint {checkpoint.id}")
    return found


def _head_breaks() -> list[Break]:
    head = db.session.get(AuditHead, 1, populate_existing=True)
    newest = db.session.scalar(select(func.max(AuditEvent.id)))
    if head is None:
        if newest is not None:
            return [Break(None, "The chain's head has no seal: it was deleted.")]
        return []
    stored_hash = db.session.scalar(select(AuditEvent.hash).where(AuditEvent.id == head.event_id))
    found = _sealed_point_breaks(head, stored_hash, "the chain's head")
    if newest is not None and newest > head.event_id:
        found.append(
            Break(newest, f"events after event {head.event_id} were added without the head's seal")
        )
    return found


def _sealed_point_breaks(point, stored_hash: str | None, name: str) -> list[Break]:
    found = []
    if not seal.head_seal_ok(point):
        found.append(
            Break(point.event_id, f"{name}'s seal is not valid: forged without the audit key")
        )
    if stored_hash is None:
        found.append(Break(point.event_id, f"it is missing, though {name} sealed it: deleted"))
    elif stored_hash != point.event_hash:
        found.append(
            Break(
                point.event_id,
                f"its hash is not the one {name} sealed: it was replaced or the chain recomputed",
            )
        )
    return found


def _last_good_checkpoint() -> AuditCheckpoint | None:
    """The newest checkpoint whose seal is good and whose event is still as it sealed it."""
    rows = db.session.execute(
        select(AuditCheckpoint, AuditEvent.hash, AuditEvent.seal)
        .join(AuditEvent, AuditEvent.id == AuditCheckpoint.event_id)
        .order_by(AuditCheckpoint.id.desc())
        .limit(CHECKPOINTS_TRIED)
        .execution_options(populate_existing=True)
    )
    for checkpoint, stored_hash, event_seal in rows:
        if (
            stored_hash == checkpoint.event_hash
            and seal.head_seal_ok(checkpoint)
            and seal.event_seal_ok(stored_hash, event_seal)
        ):
            return checkpoint
    return None
