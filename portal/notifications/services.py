"""Tell staff about new tasks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from portal import db
from portal.notifications.models import Notification


def notify(user_id: int, message: str, link: str, now: datetime) -> Notification:
    """Queue an in-portal notification for one member of staff."""
    note = Notification(user_id=user_id, message=message[:300], link=link, created_at=now)
    db.session.add(note)
    db.session.flush()
    return note


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
    )


def unread(user_id: int, limit: int = 10) -> list[Notification]:
    """The member of staff's unread notifications, newest first."""
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
            .order_by(Notification.created_at.desc())
            .limit(limit)
        )
    )


def mark_read(note: Notification, now: datetime) -> bool:
    """Mark one notification read (the first time it is opened); whether it was unread."""
    if note.read_at is not None:
        return False
    note.read_at = now
    db.session.flush()
    return True


def mark_all_read(user_id: int, now: datetime) -> int:
    """Mark every unread notification of the member of staff read; how many there were."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=now)
    )
    return result.rowcount or 0
