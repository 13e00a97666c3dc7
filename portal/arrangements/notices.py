"""Telling the Panel that a customer answered an informal arrangement (§8.15): an in-portal
notice and an email, queued with the answer, to the Panel member who suggested it (or, when
they have left the Panel, to every active Panel member)."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from portal import db
from portal.arrangements.models import Arrangement, ArrangementStatus
from portal.auth.models import Role, User, UserRole
from portal.notifications.services import notify
from portal.outbox.services import enqueue

# What the customer did, and what the Panel is asked to do after it.
DID = {
    ArrangementStatus.AGREED: "agreed to the contact arrangement",
    ArrangementStatus.DECLINED: "did not agree to the contact arrangement",
    ArrangementStatus.CHANGE_PROPOSED: "asked to change the contact arrangement",
}
NEXT_STEP = {
    ArrangementStatus.AGREED: "No action is needed unless the terms are not kept.",
    ArrangementStatus.DECLINED: "Decide what happens next and end the arrangement.",
    ArrangementStatus.CHANGE_PROPOSED: "Read the change they ask for and reply to them.",
}


def recipients(arrangement: Arrangement) -> list[User]:
    """Who must act on the answer: whoever suggested it, while they are on the Panel."""
    suggested_by = db.session.get(User, arrangement.approved_by_id)
    if suggested_by is not None and suggested_by.active and suggested_by.has_role(Role.PANEL):
        return [suggested_by]
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole)
            .where(UserRole.role == Role.PANEL, User.active.is_(True))
            .order_by(User.id)
        )
    )


def tell_panel(actor, now: datetime, arrangement: Arrangement) -> int:
    """Queue one notice and one email per person who must act (never the one who recorded the
    answer). The email's key names the answer, so the same answer never emails twice.

    Returns how many people were told.
    """
    customer = arrangement.customer
    did = DID.get(arrangement.status, "answered the contact arrangement")
    link = f"/staff/customers/{arrangement.customer_id}#arrangement-{arrangement.id}"
    message = f"{customer.name} ({customer.reference}) {did}. " + NEXT_STEP.get(
        arrangement.status, ""
    )
    body = [
        f"{customer.name} ({customer.reference}) {did} suggested on "
        f"{arrangement.approved_at:%-d %B %Y} "
        f"({arrangement.response_channel.title.lower()}).",
    ]
    if arrangement.response_note:
        body.append(f"In their words:\n{arrangement.response_note}")
    body.append(NEXT_STEP.get(arrangement.status, ""))
    base_url = current_app.config.get("PUBLIC_URL", "").rstrip("/")
    body.append(f"Open the customer's record: {base_url}{link}")
    subject = f"{customer.reference}: the customer answered the contact arrangement"
    told = 0
    for person in recipients(arrangement):
        if person.id == getattr(actor, "id", None) and getattr(actor, "is_staff", False):
            continue
        key = f"arrangement:{arrangement.id}:{arrangement.responded_at:%Y%m%d%H%M%S%f}:{person.id}"
        if enqueue(person.email, subject, "\n\n".join(body) + "\n", now, dedupe_key=key) is None:
            continue  # told already about this very answer
        notify(person.id, message, link, now)
        told += 1
    return told
