"""What the customer is told still applies after a review (§10.1): the restrictions a review
leaves untouched, for the review letter to name."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from portal import db
from portal.restrictions.models import Restriction


def still_in_force(reviewed: Restriction, on: date) -> list[Restriction]:
    """The customer's other restrictions that remain after ``reviewed`` is reviewed on ``on``:
    in force that day, or notified and starting later, soonest review first.

    The reviewed restriction and any restriction replacing it (a variation) are left out: the
    letter says what became of those. Lifted, replaced, ended and not yet notified restrictions
    are not in force, so they are left out too. An empty list means nothing else limits how the
    customer contacts us.
    """
    return list(
        db.session.scalars(
            select(Restriction)
            .options(joinedload(Restriction.named_manager))
            .where(
                Restriction.customer_id == reviewed.customer_id,
                Restriction.not_run_out_clause(on),
                Restriction.id != reviewed.id,
                or_(Restriction.replaces_id.is_(None), Restriction.replaces_id != reviewed.id),
            )
            .order_by(Restriction.review_on, Restriction.starts_on, Restriction.id)
        )
    )
