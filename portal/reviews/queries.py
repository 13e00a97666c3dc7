"""What the customer is told still applies after a review (§10.1): the restrictions a review
leaves untouched, for the review letter to name; and the restrictions of one customer that are
reviewed together (issue 16), for the review pages to show."""

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


def in_force_by_customer(customer_ids, on: date) -> dict[int, list[Restriction]]:
    """Each customer's restrictions in force on ``on``, soonest review first, in one query:
    the reviews list shows which restrictions of one customer are reviewed together."""
    if not customer_ids:
        return {}
    found: dict[int, list[Restriction]] = {}
    for restriction in db.session.scalars(
        select(Restriction)
        .options(joinedload(Restriction.named_manager))
        .where(Restriction.customer_id.in_(set(customer_ids)), Restriction.in_force_clause(on))
        .order_by(Restriction.review_on, Restriction.id)
    ):
        found.setdefault(restriction.customer_id, []).append(restriction)
    return found
