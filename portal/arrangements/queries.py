"""Arrangements the Panel must act on (§8.15), read in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from portal import db
from portal.arrangements.models import WAITING_FOR_STAFF, Arrangement, ArrangementStatus
from portal.customers.models import Customer


@dataclass(frozen=True)
class AnswerToAct:
    """One answered arrangement waiting for the Panel: whose, what they said, and when."""

    arrangement_id: int
    customer_id: int
    customer_name: str
    reference: str
    status: ArrangementStatus
    responded_at: datetime
    proposal: str

    @property
    def asks_for_change(self) -> bool:
        """The customer asked to change the terms (rather than declining them)."""
        return self.status == ArrangementStatus.CHANGE_PROPOSED


def waiting_for_staff(limit: int = 20) -> tuple[int, list[AnswerToAct]]:
    """How many answered arrangements wait for the Panel, and the oldest answers first, in two
    queries whatever their number."""
    total = db.session.scalar(
        select(func.count(Arrangement.id)).where(Arrangement.status.in_(WAITING_FOR_STAFF))
    )
    return total or 0, answers_waiting(limit)


def answers_waiting(limit: int = 20) -> list[AnswerToAct]:
    """The answered arrangements waiting for the Panel, oldest answer first (§8.15): one
    statement whatever their number."""
    rows = db.session.execute(
        select(
            Arrangement.id,
            Customer.id,
            Customer.forename,
            Customer.surname,
            Customer.reference,
            Arrangement.status,
            Arrangement.responded_at,
            Arrangement.response_note,
        )
        .join(Customer, Customer.id == Arrangement.customer_id)
        .where(Arrangement.status.in_(WAITING_FOR_STAFF))
        .order_by(Arrangement.responded_at, Arrangement.id)
        .limit(limit)
    )
    return [
        AnswerToAct(a_id, c_id, f"{forename} {surname}", ref, status, responded_at, note)
        for a_id, c_id, forename, surname, ref, status, responded_at, note in rows
    ]
