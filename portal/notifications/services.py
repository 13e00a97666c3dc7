"""Tell staff about new tasks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

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
