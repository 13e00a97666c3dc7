"""Correspondence under termination (§9.5): logging what arrives while all contact is ended,
reading and checking it, then acknowledging it or routing it to the Panel."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import db, transitions
from portal.audit import services as audit
from portal.auth import permissions
from portal.auth.models import Role, User, UserRole
from portal.correspondence.models import Correspondence, CorrespondenceStatus
from portal.customers.models import Customer
from portal.errors import NotAllowed, Problem, ServiceError
from portal.letters import render as letter_render
from portal.letters import services as letters
from portal.letters.models import LetterKind
from portal.notifications.services import notify
from portal.restrictions import queries
from portal.timeutil import london_date


def log_correspondence(
    actor, now: datetime, customer, received_at: datetime, channel: str, summary: str
) -> Correspondence:
    """Log an item received while all contact is ended; it must still be read (§9.5).

    :raises NotAllowed: unless the actor is on the Panel or is the CEM.
    """
    if not permissions.can_handle_correspondence(actor):
        raise NotAllowed
    # Logged here while all contact is ended (§9.5): not before it starts or after it ends.
    termination = queries.termination_in_force(customer.id, london_date(now))
    if termination is None:
        raise ServiceError(
            Problem(
                "correspondence.contact_not_ended",
                _l("All contact has not been ended for this customer: log it as a contact"),
            )
        )
    errors: dict[str, Problem] = {}
    if received_at > now:
        errors["received_on"] = Problem(
            "correspondence.received_in_future",
            _l("The date received must be today or in the past"),
        )
    if not summary.strip():
        errors["summary"] = Problem(
            "correspondence.summary_missing", _l("Summarise what the correspondence says")
        )
    if channel not in ("letter", "email", "other"):
        errors["channel"] = Problem("correspondence.channel_unknown", _l("Choose how it arrived"))
    if errors:
        raise ServiceError(errors)
    item = Correspondence(
        customer_id=customer.id,
        restriction_id=termination.id,
        received_at=received_at,
        channel=channel,
        summary=summary.strip(),
        logged_by_id=actor.id,
    )
    db.session.add(item)
    db.session.flush()
    audit.record(
        actor,
        now,
        "correspondence.logged",
        "correspondence",
        item.id,
        f"Correspondence from {customer.reference} logged",
        after={"received_at": received_at, "channel": channel},
    )
    return item


def mark_read(actor, now: datetime, item: Correspondence) -> None:
    """Record that the item has been read (§9.5: the Group reads all correspondence)."""
    if not permissions.can_handle_correspondence(actor):
        raise NotAllowed
    transitions.move(
        item, CorrespondenceStatus.READ, values={"read_at": now, "read_by_id": actor.id}
    )
    audit.record(
        actor,
        now,
        "correspondence.read",
        "correspondence",
        item.id,
        "Correspondence read",
        before={"status": CorrespondenceStatus.LOGGED},
        after={"status": item.status},
    )


def check(
    actor,
    now: datetime,
    item: Correspondence,
    new_information: bool,
    safeguarding_concern: bool,
    notes: str,
) -> None:
    """Record whether the item brings new information or a safeguarding concern."""
    if not permissions.can_handle_correspondence(actor):
        raise NotAllowed
    if item.status == CorrespondenceStatus.LOGGED:
        raise ServiceError(
            Problem("correspondence.not_read", _l("Read the item before checking it"))
        )
    if (new_information or safeguarding_concern) and not notes.strip():
        raise ServiceError(
            {
                "check_notes": Problem(
                    "correspondence.check_notes_missing",
                    _l("Describe the new information or the concern"),
                )
            }
        )
    transitions.move(
        item,
        CorrespondenceStatus.CHECKED,
        values={
            "new_information": new_information,
            "safeguarding_concern": safeguarding_concern,
            "check_notes": notes.strip(),
            "checked_at": now,
        },
    )
    audit.record(
        actor,
        now,
        "correspondence.checked",
        "correspondence",
        item.id,
        "Correspondence checked",
        before={"status": CorrespondenceStatus.READ},
        after={
            "status": item.status,
            "new_information": new_information,
            "safeguarding_concern": safeguarding_concern,
        },
    )


def _acknowledgement(customer, item: Correspondence, now: datetime):
    return partial(
        letter_render.correspondence_acknowledgement,
        customer=customer,
        item=item,
        issued_on=london_date(now),
    )


def draft_acknowledgement(item: Correspondence, now: datetime) -> tuple[str, str] | None:
    """(subject, html) of the acknowledgement as it would be sent now, for staff to read
    before it is issued; None if the item is not checked or goes to the Panel instead."""
    if item.status != CorrespondenceStatus.CHECKED or item.new_information:
        return None
    if item.safeguarding_concern:
        return None
    return _acknowledgement(item.customer, item, now)()


def close_correspondence(actor, now: datetime, item: Correspondence):
    """Acknowledge and file an item with nothing new, or route it for review (§9.5)."""
    if not permissions.can_handle_correspondence(actor):
        raise NotAllowed
    if item.status in (CorrespondenceStatus.LOGGED, CorrespondenceStatus.READ):
        raise ServiceError(
            Problem("correspondence.not_checked", _l("Check the item before closing it"))
        )
    # Locked before the letter is made: closed twice at once, it is acknowledged once.
    transitions.lock(item, expect=(CorrespondenceStatus.CHECKED,))
    customer = db.session.get(Customer, item.customer_id)
    if item.new_information or item.safeguarding_concern:
        transitions.move(item, CorrespondenceStatus.ROUTED, values={"closed_at": now})
        for user_id in db.session.scalars(
            select(User.id).join(UserRole).where(UserRole.role == Role.PANEL, User.active.is_(True))
        ):
            notify(
                user_id,
                f"Correspondence from {customer.name} needs review: "
                f"{'safeguarding concern' if item.safeguarding_concern else 'new information'}.",
                f"/staff/customers/{customer.id}#correspondence",
                now,
            )
        letter = None
    else:
        render = _acknowledgement(customer, item, now)
        letter = letters.freeze(actor, now, customer, LetterKind.CORRESPONDENCE_ACK, render)
        transitions.move(
            item,
            CorrespondenceStatus.ACKNOWLEDGED,
            values={"letter_id": letter.id, "closed_at": now},
        )
    audit.record(
        actor,
        now,
        "correspondence.closed",
        "correspondence",
        item.id,
        f"Correspondence {item.status.title.lower()}",
        before={"status": CorrespondenceStatus.CHECKED},
        after={"status": item.status},
    )
    return letter
