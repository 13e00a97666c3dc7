"""Restrictions reviewed together (§10.1, issue 16): when GLT approves a restriction while
another is in force for the same customer, it may give them all one review date, so that one
review looks at everything that limits the customer's contact at once.

:func:`common_review_date` is the rule (no database); :func:`review_together` moves the dates
and audits each move; :func:`aligned_reviews` tells the decision letter which dates it moved.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import db
from portal.audit import services as audit
from portal.audit.models import AuditEvent
from portal.errors import Conflict, Problem
from portal.restrictions.models import Restriction
from portal.timeutil import london_date

ALIGNED = "restriction.review_aligned"

# GLT's page showed the restrictions in force as they no longer are (a review was recorded,
# one was lifted or varied meanwhile): the decision is not recorded on a stale picture.
CHANGED = Problem(
    "restriction.in_force_changed",
    _l(
        "The restrictions already in force changed after you opened this page, so their "
        "review dates were not moved. Check them on the request and record your decision again."
    ),
)


@dataclass(frozen=True)
class MovedReview:
    """One review date moved so that the restrictions are reviewed together."""

    restriction: Restriction
    old: date
    new: date


def others_in_force(customer_id: int, today: date, leaving_out: Iterable[int] = ()) -> list:
    """The customer's restrictions in force today, soonest review first, but ``leaving_out``
    (the ones just decided): what GLT is offered to review the new one together with."""
    leaving_out = set(leaving_out)
    return [
        r
        for r in db.session.scalars(
            select(Restriction)
            .where(Restriction.customer_id == customer_id, Restriction.in_force_clause(today))
            .order_by(Restriction.review_on, Restriction.id)
        )
        if r.id not in leaving_out
    ]


def in_force_seen(restrictions: Iterable[Restriction]) -> str:
    """The restrictions in force as a page shows them, in words its form carries back (a
    hidden field): each one's id and review date, e.g. ``"12:2027-04-10,15:2027-06-01"``."""
    return ",".join(f"{r.id}:{r.review_on.isoformat()}" for r in sorted(restrictions, key=_id))


def _id(restriction) -> int:
    return restriction.id


def _changed_since(seen: str, others: Sequence[Restriction]) -> Conflict:
    """The Conflict for a page that showed ``seen``: who last changed one of the restrictions
    that differ, when, and what its review date or state is now."""
    was = dict(pair.split(":", 1) for pair in seen.split(",") if ":" in pair)
    now = {str(r.id): r.review_on.isoformat() for r in others}
    changed = (set(was) ^ set(now)) | {i for i in was if now.get(i) != was[i]}
    differ = [int(i) for i in changed if i.isdigit() and len(i) < 10]
    event = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.entity_type == "restriction", AuditEvent.entity_id.in_(differ))
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    if event is None:
        return Conflict("", field="review_together", message=CHANGED)
    return Conflict(
        event.summary or event.action,
        by=event.actor_label.split(" <", 1)[0],
        at=event.at,
        field="review_together",
        message=CHANGED,
    )


def can_move(restriction, today: date, new_starts_on: date) -> bool:
    """Whether the review of a restriction already in force can join the new one's: its review
    is still ahead, and after the new restriction starts."""
    return restriction.review_on >= today and restriction.review_on > new_starts_on


def common_review_date(new: Sequence, others: Sequence, today: date) -> date:
    """The one review date for the restrictions just decided (``new``) and those in force
    (``others``): the earliest of their review dates, leaving out any other whose review is
    already past or falls before the new ones start (see :func:`review_together`)."""
    starts = max(r.starts_on for r in new)
    return min(
        [r.review_on for r in new] + [r.review_on for r in others if can_move(r, today, starts)]
    )


def review_together(
    actor, now: datetime, new: Sequence[Restriction], seen: str | None = None
) -> list[MovedReview]:
    """Give the restrictions just decided (``new``) and the customer's others in force one
    review date, the earliest of theirs, auditing each date moved; returns the moves.

    ``seen`` is what GLT's page showed of the others (:func:`in_force_seen`). If a review
    was recorded on one of them since (or one was lifted, varied or came into force), the
    dates GLT chose to align are not the dates that stand: nothing is moved, and a
    :class:`~portal.errors.Conflict` (code ``restriction.in_force_changed``) says who
    changed what and when, so that the review's own next date is never overwritten.

    What a fair landlord does, and why:

    - dates only come forward, never back: the customer was told in writing when each
      restriction would be reviewed (§8.20), and a review is their chance to have it lifted,
      so no review is put later than they were told. Taking the earliest date also keeps every
      restriction within the six months of §10.1, since none moves later than its own date;
    - a review already past (overdue) or a restriction that has ended or been lifted is left
      alone: the overdue review is due now and will offer the others' date itself; nothing is
      moved before today;
    - a restriction cannot be reviewed before it starts, so a restriction in force whose review
      falls on or before the day the new one starts keeps its own date (it is reviewed first,
      and that review offers the others' date);
    - each restriction keeps its own end date: only when it is reviewed changes.

    Flushes; the caller commits. The decision letter, frozen when issued, states each date.
    """
    if not new:
        return []
    today = london_date(now)
    customer_id = new[0].customer_id
    ids = {r.id for r in new}
    # Lock the others' rows: a review recorded meanwhile is not undone by this decision.
    others = list(
        db.session.scalars(
            select(Restriction)
            .where(Restriction.customer_id == customer_id, Restriction.in_force_clause(today))
            .order_by(Restriction.review_on, Restriction.id)
            .with_for_update(of=Restriction)
            .execution_options(populate_existing=True)
        )
    )
    others = [r for r in others if r.id not in ids]
    if seen is not None and in_force_seen(others) != seen:
        raise _changed_since(seen, others)
    if not others:
        return []
    on = common_review_date(new, others, today)
    moved = []
    for restriction in [*new, *others]:
        if restriction.review_on > on > restriction.starts_on:
            moved.append(MovedReview(restriction, restriction.review_on, on))
    together_ids = sorted(r.id for r in [*new, *others])
    request_id = new[0].request_id
    for move in moved:
        restriction = move.restriction
        restriction.review_on = move.new
        audit.record(
            actor,
            now,
            ALIGNED,
            "restriction",
            restriction.id,
            f"Review of the {restriction.kind.value} restriction on "
            f"{restriction.customer.reference} moved from {move.old} to {move.new}, to review "
            "it together with the customer's other restrictions",
            before={"review_on": move.old},
            after={
                "review_on": move.new,
                "reviewed_together_with": [i for i in together_ids if i != restriction.id],
                "decided_on_request": request_id,
            },
        )
    db.session.flush()
    return moved


def aligned_reviews(request_id: int | None, restriction_ids: Iterable[int]) -> dict[int, date]:
    """Of ``restriction_ids``, those whose review date the decision on request ``request_id``
    moved (and which still stand there): restriction id → the date before the move."""
    ids = set(restriction_ids)
    if not ids or request_id is None:
        return {}
    found: dict[int, date] = {}
    current = {
        row.id: row.review_on
        for row in db.session.execute(
            select(Restriction.id, Restriction.review_on).where(Restriction.id.in_(ids))
        )
    }
    rows = db.session.execute(
        select(AuditEvent.entity_id, AuditEvent.before, AuditEvent.after)
        .where(
            AuditEvent.action == ALIGNED,
            AuditEvent.entity_type == "restriction",
            AuditEvent.entity_id.in_(ids),
        )
        .order_by(AuditEvent.id)
    )
    for entity_id, before, after in rows:
        if (after or {}).get("decided_on_request") != request_id:
            continue
        now_on = current.get(entity_id)
        if now_on is not None and now_on.isoformat() == after["review_on"]:
            found[entity_id] = date.fromisoformat(before["review_on"])
    return found
