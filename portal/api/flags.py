"""Each customer's flag for the housing management system: any health and safety alert
(§8.5) and what contact IS allowed now (§8.21), read the way the staff record shows them.

A page of flags takes a fixed number of statements whatever its size: the customers, their
open alerts, their restrictions in force (with the named managers), their agreed informal
arrangements (§8.15) with the terms, and the organisation's always-open routes (§4.6) when
any of them is restricted.

Which flags changed since a moment (:func:`changed_since`) errs on the side of saying too
many: the housing system re-reads a flag that did not change at no harm, but must never miss
one that did. A flag changes when a row is written (an alert raised or ended; a restriction
approved, notified, continued or moved at review, lifted, ended or replaced; an arrangement
agreed or ended; the customer's record edited; the organisation's always-open routes
changed) and also by the calendar with nothing written: a restriction in force from the
London midnight that starts its start date, and out of force from the one after its end date.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from flask_babel import force_locale
from sqlalchemy import and_, exists, or_, select, union
from sqlalchemy.orm import joinedload, lazyload, selectinload

from portal import db
from portal.arrangements.models import Arrangement, ArrangementStatus
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.customers.models import Alert, Customer
from portal.organisation.services import always_open
from portal.restrictions.combined import combine, staff_statement
from portal.restrictions.models import Restriction, RestrictionKind, RestrictionStatus
from portal.restrictions.rules import ALWAYS_OPEN, allowed_contact
from portal.timeutil import from_london, london_date

DEFAULT_LIMIT = 500
MAX_LIMIT = 1000
# The housing system's next changed_since is a little before this answer's time, so a change
# committed by a transaction that began before it (and so stamped earlier) is not missed.
OVERLAP = timedelta(minutes=10)
# Further back than this, re-read every flag in force instead (the docs say how).
LOOKBACK = timedelta(days=400)
ROUTES = ("complaints", "emergency_and_safety")


def _has_ref():
    return and_(Customer.housing_ref.is_not(None), Customer.housing_ref != "")


def changed_since(since: datetime, today: date):
    """The ids of customers whose flag may have changed from ``since`` (UTC) to ``today``
    (a London date): a union to use in ``IN``."""
    day = london_date(since)
    # The calendar changes a flag at a London midnight: the first one at or after ``since``.
    first_midnight = day if from_london(day) >= since else day + timedelta(days=1)
    active = Restriction.status == RestrictionStatus.ACTIVE
    audit_since = AuditEvent.at >= since
    return union(
        select(Alert.customer_id).where(or_(Alert.raised_at >= since, Alert.ended_at >= since)),
        select(Restriction.customer_id).where(
            or_(
                Restriction.approved_at >= since,
                Restriction.closed_at >= since,
                # By the calendar: in force from the midnight that starts its start date ...
                and_(
                    active,
                    Restriction.starts_on >= first_midnight,
                    Restriction.starts_on <= today,
                ),
                # ... and out of force from the midnight after its end date.
                and_(
                    active,
                    Restriction.ends_on >= first_midnight - timedelta(days=1),
                    Restriction.ends_on < today,
                ),
            )
        ),
        # Alerts, and edits of the record (the name, the housing reference), are audited
        # against the customer; reviews, alignments and notices against the restriction.
        select(AuditEvent.entity_id).where(AuditEvent.entity_type == "customer", audit_since),
        select(Restriction.customer_id)
        .join(
            AuditEvent,
            and_(AuditEvent.entity_type == "restriction", AuditEvent.entity_id == Restriction.id),
        )
        .where(audit_since),
        # Informal arrangements (§8.15) the customer agreed, and their ending.
        select(Arrangement.customer_id).where(
            or_(
                Arrangement.approved_at >= since,
                Arrangement.responded_at >= since,
                Arrangement.ended_at >= since,
            )
        ),
        select(Arrangement.customer_id)
        .join(
            AuditEvent,
            and_(AuditEvent.entity_type == "arrangement", AuditEvent.entity_id == Arrangement.id),
        )
        .where(audit_since),
        # The always-open routes are on every restricted customer's flag.
        select(Restriction.customer_id).where(
            Restriction.in_force_clause(today),
            exists().where(AuditEvent.entity_type == "organisation", audit_since),
        ),
    )


def flagged(today: date):
    """The ids of customers with an open alert, a restriction in force on ``today`` or an
    agreed arrangement."""
    return union(
        select(Alert.customer_id).where(Alert.ended_at.is_(None)),
        select(Restriction.customer_id).where(Restriction.in_force_clause(today)),
        select(Arrangement.customer_id).where(Arrangement.status == ArrangementStatus.AGREED),
    )


def customers_page(ids, after: int, limit: int) -> tuple[list[Customer], bool]:
    """Up to ``limit`` customers with a housing reference among ``ids``, after the id
    ``after``, by id; and whether there are more."""
    rows = list(
        db.session.scalars(
            select(Customer)
            .where(_has_ref(), Customer.id.in_(ids), Customer.id > after)
            .order_by(Customer.id)
            .limit(limit + 1)
        )
    )
    return rows[:limit], len(rows) > limit


def customer_by_ref(housing_ref: str) -> Customer | None:
    return db.session.scalar(select(Customer).where(Customer.housing_ref == housing_ref))


def flags(customers: Sequence[Customer], today: date) -> list[dict]:
    """Each customer's flag on ``today``, in the order given, in at most five statements."""
    ids = [c.id for c in customers]
    if not ids:
        return []
    alerts: dict[int, list[Alert]] = {}
    for alert in db.session.scalars(
        select(Alert)
        .where(Alert.customer_id.in_(ids), Alert.ended_at.is_(None))
        .order_by(Alert.raised_at, Alert.id)
    ):
        alerts.setdefault(alert.customer_id, []).append(alert)
    restrictions: dict[int, list[Restriction]] = {}
    for r in db.session.scalars(
        select(Restriction)
        .options(
            joinedload(Restriction.named_manager).options(
                lazyload(User.role_links), lazyload(User.line_manager)
            )
        )
        .where(Restriction.customer_id.in_(ids), Restriction.in_force_clause(today))
        .order_by(Restriction.review_on, Restriction.id)
    ):
        restrictions.setdefault(r.customer_id, []).append(r)
    agreed: dict[int, list[Arrangement]] = {}
    for a in db.session.scalars(
        select(Arrangement)
        .options(selectinload(Arrangement.terms))
        .where(Arrangement.customer_id.in_(ids), Arrangement.status == ArrangementStatus.AGREED)
        .order_by(Arrangement.approved_at, Arrangement.id)
    ):
        agreed.setdefault(a.customer_id, []).append(a)
    routes = always_open("en") if restrictions else None
    with force_locale("en"):
        return [
            flag(
                c,
                alerts.get(c.id, []),
                restrictions.get(c.id, []),
                routes,
                agreed.get(c.id, []),
            )
            for c in customers
        ]


def flag(
    customer: Customer,
    alerts: Sequence[Alert],
    in_force: Sequence,
    routes,
    agreed: Sequence[Arrangement] = (),
) -> dict:
    """One customer's flag (call within ``force_locale("en")``)."""
    body = {
        "housing_ref": customer.housing_ref,
        "reference": customer.reference,
        "name": customer.name,
        "flagged": bool(alerts or in_force or agreed),
        "alerts": [
            {
                "summary": a.summary,
                "advice": a.advice,
                "raised_on": london_date(a.raised_at).isoformat(),
            }
            for a in alerts
        ],
        "contact": contact(in_force, routes),
    }
    # Agreed informal arrangements (§8.15), as the staff flag lists them.
    body["contact"]["agreed_arrangements"] = [
        {"review_on": a.review_on.isoformat(), "terms": [str(t.describe()) for t in a.terms]}
        for a in agreed
    ]
    return body


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def contact(in_force: Sequence[Restriction], routes) -> dict:
    """What contact IS allowed under the restrictions in force, as the staff flag says it."""
    if not in_force:
        return {
            "restricted": False,
            "all_contact_ended": False,
            "headline": "",
            "how": [],
            "notes": [],
            "until": "",
            "routes": None,
            "named_contacts": [],
            "representatives": [],
            "call_times": [],
            "ends_on": None,
            "next_review_on": None,
            "restrictions": [],
            "always_open": [],
        }
    c = combine(in_force)
    if len(in_force) > 1:
        said = staff_statement(in_force)
        headline, how, until, notes = said.headline, said.how, said.until, said.notes
    else:
        alone = allowed_contact(in_force[0])
        headline, how, until, notes = alone.headline, [alone.how], alone.until, []
    ended = c.ended is not None
    if ended:
        allowed_routes: list[str] | None = []
    elif c.channels:
        allowed_routes = sorted({part.value.value for part in c.channels})
    else:
        allowed_routes = None  # no restriction limits the route
    return {
        "restricted": True,
        "all_contact_ended": ended,
        "headline": str(headline),
        "how": [str(line) for line in how],
        "notes": [str(note) for note in notes],
        "until": str(until),
        "routes": allowed_routes,
        "named_contacts": [] if ended else [_manager(p.value) for p in c.managers],
        "representatives": [] if ended else [p.value for p in c.representatives],
        "call_times": [] if ended else [p.value for p in c.schedules],
        "ends_on": _iso(c.ends[0][1] if c.ends else None),
        "next_review_on": _iso(c.next_review_on),
        "restrictions": [_one(r) for r in c.restrictions],
        "always_open": _always_open(routes),
    }


def _manager(user) -> str:
    return user.name if user is not None else ""


def _one(r: Restriction) -> dict:
    said = allowed_contact(r)
    return {
        "kind": r.kind.value,
        "route": r.channel.value if r.kind == RestrictionKind.CHANNEL_ONLY and r.channel else None,
        "starts_on": r.starts_on.isoformat(),
        "ends_on": _iso(r.ends_on),
        "review_on": r.review_on.isoformat(),
        "headline": str(said.headline),
        "how": str(said.how),
        "until": str(said.until),
    }


def _always_open(routes) -> list[dict]:
    ways = (routes.complaints, routes.emergency) if routes is not None else ("", "")
    return [
        {"route": route, "text": str(text), "contact": way.strip()}
        for route, text, way in zip(ROUTES, ALWAYS_OPEN, ways, strict=True)
    ]
