"""Read-only queries for correspondence still to handle (§9.5), each one statement."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal import db
from portal.correspondence.models import OPEN_CORRESPONDENCE, Correspondence


def open_correspondence(limit: int = 200) -> list[Correspondence]:
    """Correspondence still to read, check, or file or route, oldest first, for every
    customer (§9.5), in one query."""
    return list(
        db.session.scalars(
            select(Correspondence)
            .options(joinedload(Correspondence.customer))
            .where(Correspondence.status.in_(OPEN_CORRESPONDENCE))
            .order_by(Correspondence.received_at, Correspondence.id)
            .limit(limit)
        )
    )


def open_correspondence_count() -> int:
    return db.session.scalar(
        select(func.count(Correspondence.id)).where(Correspondence.status.in_(OPEN_CORRESPONDENCE))
    )


def open_for_customer(customer_id: int) -> int:
    """How many of the customer's items are still to handle."""
    return db.session.scalar(
        select(func.count(Correspondence.id)).where(
            Correspondence.customer_id == customer_id,
            Correspondence.status.in_(OPEN_CORRESPONDENCE),
        )
    )


def items_for_customer(customer_id: int) -> list[Correspondence]:
    """Every item the customer has sent while contact was ended, newest first."""
    return list(
        db.session.scalars(
            select(Correspondence)
            .where(Correspondence.customer_id == customer_id)
            .order_by(Correspondence.received_at.desc())
        )
    )
