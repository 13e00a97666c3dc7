"""The restriction stage at scale: restrictions in force with their decision letters, open
appeals at each step of the Customer Experience Manager's tracker, and informal arrangements.

Each row is a copy of one the demo data made through the services (so it meets every
constraint of its model), given to another customer with its own reference and dates.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Table, insert, select

from portal import db
from portal.appeals import due_dates
from portal.appeals.models import Appeal, AppealStatus
from portal.arrangements.models import Arrangement, ArrangementTerm
from portal.customers.models import Customer
from portal.letters.models import Letter
from portal.organisation.services import get_organisation
from portal.restrictions.models import Restriction, RestrictionRequest
from portal.workdays.services import load_calendar

Progress = Callable[[str, int, int], None]


def _row(table: Table, row_id: int) -> dict:
    row = db.session.execute(select(table).where(table.c.id == row_id)).mappings().one()
    return {key: value for key, value in row.items() if key != "id"}


def _copies(table: Table, source: dict, changes: list[dict]) -> list[int]:
    """Insert one copy of ``source`` per entry of ``changes``; return the new ids in order."""
    if not changes:
        return []
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return db.session.scalars(statement, [{**source, **change} for change in changes]).all()


def _demo_customer(reference: str) -> int:
    return db.session.scalar(select(Customer.id).where(Customer.reference == reference))


def appeals(customer_ids: list[int], count: int, rng: random.Random, progress: Progress) -> int:
    """Give ``count`` customers a restriction in force, its decision letter and an open
    appeal: a third each received, acknowledged and with GLT. Returns how many."""
    chosen = customer_ids[:count]
    if not chosen:
        return 0
    former = _demo_customer("C-100009")
    appeal = db.session.scalar(
        select(Appeal).where(Appeal.customer_id == former, Appeal.reference.is_not(None))
    )
    restriction = db.session.get(Restriction, appeal.restriction_id)
    request = _row(RestrictionRequest.__table__, restriction.request_id)
    letter = _row(Letter.__table__, restriction.letter_id)
    restriction_row = _row(Restriction.__table__, restriction.id)
    appeal_row = _row(Appeal.__table__, appeal.id)

    request_ids = _copies(
        RestrictionRequest.__table__,
        request,
        [{"reference": f"RR-B{n:06d}", "customer_id": c} for n, c in enumerate(chosen)],
    )
    letter_ids = _copies(
        Letter.__table__,
        letter,
        [{"reference": f"L-B{n:06d}", "customer_id": c} for n, c in enumerate(chosen)],
    )
    restriction_ids = _copies(
        Restriction.__table__,
        restriction_row,
        [
            {"customer_id": c, "request_id": r, "letter_id": letter_id}
            for c, r, letter_id in zip(chosen, request_ids, letter_ids, strict=True)
        ],
    )
    progress("restrictions in force", len(restriction_ids), len(chosen))
    now = datetime.now(UTC).replace(microsecond=0)
    changes = []
    for n, (customer, restriction_id, letter_id) in enumerate(
        zip(chosen, restriction_ids, letter_ids, strict=True)
    ):
        received = now - timedelta(days=rng.randint(0, 25), hours=rng.randint(0, 8))
        counted = received.date()
        step = n % 3
        change = {
            "reference": f"AP-B{n:06d}",
            "customer_id": customer,
            "restriction_id": restriction_id,
            "decision_key": f"letter:{letter_id}",
            "submission_key": f"bench-appeal-{n}",
            "received_at": received,
            "received_on": counted,
            "created_at": received,
            "updated_at": received,
            "status": (AppealStatus.LODGED, AppealStatus.ACKNOWLEDGED, AppealStatus.WITH_GLT)[step],
        }
        if step:
            change["acknowledged_on"] = counted + timedelta(days=rng.randint(1, 4))
            change["expected_outcome_on"] = counted + timedelta(days=28)
        if step == 2:
            change["referred_on"] = change["acknowledged_on"] + timedelta(days=rng.randint(1, 5))
        changes.append(change)
    created = _copies(Appeal.__table__, appeal_row, changes)
    _count_due_dates(created)
    progress("open appeals", len(created), len(chosen))
    return len(created)


def _count_due_dates(appeal_ids: list[int]) -> None:
    """Store each copied appeal's own step due dates, as lodging and each step would."""
    calendar, cutoff = load_calendar(), get_organisation().cutoff_time
    for appeal in db.session.scalars(select(Appeal).where(Appeal.id.in_(appeal_ids))):
        due_dates.fill(appeal, calendar, cutoff)
    db.session.flush()


def arrangements(customer_ids: list[int], count: int, progress: Progress) -> int:
    """Give ``count`` customers a copy of the demo's informal arrangement and its terms."""
    chosen = customer_ids[:count]
    source = db.session.scalar(
        select(Arrangement).where(Arrangement.customer_id == _demo_customer("C-100003"))
    )
    if source is None or not chosen:
        return 0
    row = _row(Arrangement.__table__, source.id)
    letter_ids: list[int | None] = [None] * len(chosen)
    if source.letter_id is not None:
        letter = _row(Letter.__table__, source.letter_id)
        letter_ids = _copies(
            Letter.__table__,
            letter,
            [{"reference": f"L-A{n:06d}", "customer_id": c} for n, c in enumerate(chosen)],
        )
    ids = _copies(
        Arrangement.__table__,
        row,
        [
            {"customer_id": c, "letter_id": letter_id}
            for c, letter_id in zip(chosen, letter_ids, strict=True)
        ],
    )
    terms = [
        {k: v for k, v in term.items() if k != "id"}
        for term in db.session.execute(
            select(ArrangementTerm.__table__).where(ArrangementTerm.arrangement_id == source.id)
        ).mappings()
    ]
    rows = [{**term, "arrangement_id": new} for new in ids for term in terms]
    if rows:
        db.session.execute(insert(ArrangementTerm.__table__), rows)
    progress("arrangements", len(ids), len(chosen))
    return len(ids)
