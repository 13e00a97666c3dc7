"""Representatives and advocates: people a customer has agreed may act for them.

The customer chooses them and gives their consent (on a date, in a way, perhaps until a last
day); a colleague records it, confirming the customer agreed. Any number may act at once.
Each is ended, never deleted, when the customer withdraws consent or the arrangement ends:
one conditional ``UPDATE`` (``WHERE ended_at IS NULL``), so of two colleagues ending the same
one at once, the second is told and nothing is lost. Every change is audited on the customer
with what it was before and after.

Not to be confused with the "third-party representative" restriction (portal/restrictions/),
where a decision says contact must go through someone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, lazyload, load_only
from sqlalchemy.orm.attributes import set_committed_value

from portal import db
from portal.audit import services as audit
from portal.auth import permissions
from portal.auth.models import User
from portal.customers.models import (
    ConsentMethod,
    Customer,
    CustomerRepresentative,
    RepresentativeEnding,
    RepresentativeRelation,
)
from portal.customers.records import check_contact
from portal.errors import Conflict, NotAllowed, Problem, ServiceError
from portal.errors import entered_text as _text
from portal.timeutil import london_date

# The longest each text may be (the columns' widths).
LIMITS = {
    "name": 200,
    "relation_detail": 100,
    "organisation": 200,
    "phone": 40,
    "email": 254,
    "address": 300,
}
END_REASON_MAX = 500
EARLIEST = date(1900, 1, 1)
# What the audit keeps of a representative when they are added.
AUDITED = [
    "id",
    "name",
    "relation",
    "relation_detail",
    "organisation",
    "phone",
    "email",
    "address",
    "consent_given_on",
    "consent_method",
    "consent_until",
    "copy_letters",
]


@dataclass
class RepresentativeDetails:
    """What a colleague records about someone acting for the customer, and their consent."""

    name: str = ""
    relation: RepresentativeRelation | str | None = None
    relation_detail: str = ""
    organisation: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    consent_given_on: date | None = None
    consent_method: ConsentMethod | str | None = None
    consent_until: date | None = None
    copy_letters: bool = False
    # The colleague confirms the customer has agreed to this person acting for them.
    consent_confirmed: bool = False


def _is_date(value) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _choice(kind, value):
    try:
        return kind(value)
    except ValueError:
        return None


def _checked(data: RepresentativeDetails, today: date) -> dict:
    """The values to store, or :class:`ServiceError` with a message for each field at fault."""
    errors: dict[str, Problem] = {}
    values = {name: _text(getattr(data, name)) for name in LIMITS}
    for name, most in LIMITS.items():
        if len(values[name]) > most:
            errors[name] = Problem(
                "representative.too_long",
                _l("Keep this to %(max)d characters or fewer", max=most),
            )
    if not values["name"] and "name" not in errors:
        errors["name"] = Problem(
            "representative.name_missing", _l("Enter the name of the person acting for them")
        )
    check_contact(errors, values, "representative")
    relation = _choice(RepresentativeRelation, data.relation)
    if relation is None:
        errors["relation"] = Problem(
            "representative.relation_missing", _l("Select who they are to the customer")
        )
    elif relation == RepresentativeRelation.OTHER:
        if not values["relation_detail"] and "relation_detail" not in errors:
            errors["relation_detail"] = Problem(
                "representative.relation_detail_missing",
                _l("Say who they are to the customer"),
            )
    else:
        values["relation_detail"] = ""
    values["relation"] = relation
    method = _choice(ConsentMethod, data.consent_method)
    if method is None:
        errors["consent_method"] = Problem(
            "representative.method_missing", _l("Select how the customer gave their consent")
        )
    values["consent_method"] = method
    given = data.consent_given_on if _is_date(data.consent_given_on) else None
    if given is None:
        errors["consent_given_on"] = Problem(
            "representative.given_missing", _l("Enter the date the customer gave their consent")
        )
    elif given > today:
        errors["consent_given_on"] = Problem(
            "representative.given_future", _l("The date consent was given cannot be in the future")
        )
    elif given < EARLIEST:
        errors["consent_given_on"] = Problem(
            "representative.given_early", _l("Enter a date in 1900 or later")
        )
    until = data.consent_until
    if until is not None and not _is_date(until):
        errors["consent_until"] = Problem("representative.until_invalid", _l("Enter a real date"))
    elif until is not None and given is not None and until <= given:
        errors["consent_until"] = Problem(
            "representative.until_not_after",
            _l("The last day of consent must be after the date it was given"),
        )
    elif until is not None and until < today:
        errors["consent_until"] = Problem(
            "representative.until_past",
            _l("This consent has already run out: enter a last day from today onwards"),
        )
    if data.consent_confirmed is not True:
        errors["consent_confirmed"] = Problem(
            "representative.consent_unconfirmed",
            _l("Confirm the customer has agreed to this person acting for them"),
        )
    if errors:
        raise ServiceError(errors)
    return values | {
        "consent_given_on": given,
        "consent_until": until,
        "copy_letters": data.copy_letters is True,
    }


def add_representative(
    actor, now: datetime, customer: Customer, data: RepresentativeDetails
) -> CustomerRepresentative:
    """Record someone the customer has agreed may act for them, and audit what was recorded.

    :raises NotAllowed: if the actor may not edit the customer.
    :raises ServiceError: for each field at fault; nothing is saved.
    """
    if not permissions.can_edit_customer(actor):
        raise NotAllowed
    values = _checked(data, london_date(now))
    representative = CustomerRepresentative(
        customer_id=customer.id, added_by_id=actor.id, added_at=now, **values
    )
    db.session.add(representative)
    db.session.flush()
    audit.record(
        actor,
        now,
        "representative.added",
        "customer",
        customer.id,
        f"Representative added for {customer.reference}: {representative.name}",
        after=audit.snapshot(representative, AUDITED),
    )
    return representative


def already_ended(representative: CustomerRepresentative) -> Conflict:
    """What to tell someone ending a representative who was ended meanwhile."""
    ended_by = (
        db.session.get(User, representative.ended_by_id) if representative.ended_by_id else None
    )
    return Conflict(
        str(_l("Ended")),
        by=ended_by.name if ended_by else None,
        at=representative.ended_at,
        message=Problem(
            "representative.ended_already",
            _l("%(name)s has already stopped acting for the customer", name=representative.name),
        ),
    )


def end_representative(
    actor,
    now: datetime,
    representative: CustomerRepresentative,
    because: RepresentativeEnding | str | None,
    reason: str = "",
) -> CustomerRepresentative:
    """Record that the representative no longer acts for the customer, and why.

    :raises NotAllowed: if the actor may not edit the customer.
    :raises ServiceError: if why is not said, or the note is too long.
    :raises Conflict: if they were ended already (two colleagues at once: one ends them).
    """
    if not permissions.can_edit_customer(actor):
        raise NotAllowed
    errors: dict[str, Problem] = {}
    why = _choice(RepresentativeEnding, because)
    if why is None:
        errors["because"] = Problem(
            "representative.end_why_missing", _l("Select why they are no longer acting")
        )
    note = _text(reason)
    if len(note) > END_REASON_MAX:
        errors["reason"] = Problem(
            "representative.end_reason_long",
            _l("Keep this to %(max)d characters or fewer", max=END_REASON_MAX),
        )
    if errors:
        raise ServiceError(errors)
    ended = db.session.execute(
        update(CustomerRepresentative)
        .where(
            CustomerRepresentative.id == representative.id,
            CustomerRepresentative.ended_at.is_(None),
        )
        .values(ended_at=now, ended_by_id=actor.id, ended_because=why, end_reason=note)
        .execution_options(synchronize_session=False)
    )
    if ended.rowcount != 1:
        db.session.refresh(representative)
        raise already_ended(representative)
    values = {"ended_at": now, "ended_by_id": actor.id, "ended_because": why, "end_reason": note}
    for name, value in values.items():
        set_committed_value(representative, name, value)
    audit.record(
        actor,
        now,
        "representative.ended",
        "customer",
        representative.customer_id,
        f"Representative ended: {representative.name}",
        before={"representative_id": representative.id, "ended": False},
        after={
            "representative_id": representative.id,
            "ended": True,
            "ended_because": why.value,
            "reason": note,
        },
    )
    return representative


def _name_of(person):
    return joinedload(person).options(
        load_only(User.name), lazyload(User.role_links), lazyload(User.line_manager)
    )


def for_customer(customer_id: int) -> list[CustomerRepresentative]:
    """Everyone who acts or acted for the customer, in one statement: those still recorded as
    acting first, newest first, then those who stopped, most recently ended first."""
    stmt = (
        select(CustomerRepresentative)
        .options(
            _name_of(CustomerRepresentative.added_by), _name_of(CustomerRepresentative.ended_by)
        )
        .where(CustomerRepresentative.customer_id == customer_id)
        .order_by(
            CustomerRepresentative.ended_at.is_not(None),
            CustomerRepresentative.ended_at.desc(),
            CustomerRepresentative.added_at.desc(),
            CustomerRepresentative.id.desc(),
        )
    )
    return list(db.session.scalars(stmt).unique())


@dataclass
class RecordRepresentatives:
    """The record's section: who acts now, whose consent ran out, and who stopped acting."""

    acting: list[CustomerRepresentative]
    expired: list[CustomerRepresentative]
    ended: list[CustomerRepresentative]

    @property
    def letters_copied_to(self) -> list[CustomerRepresentative]:
        return [r for r in self.acting if r.copy_letters]

    def __bool__(self) -> bool:
        return bool(self.acting or self.expired or self.ended)


def on_record(customer_id: int, today: date, how_many: int) -> RecordRepresentatives:
    """The record's section for ``today``; nothing is read when ``how_many`` says none."""
    everyone = for_customer(customer_id) if how_many else []
    return RecordRepresentatives(
        acting=[r for r in everyone if r.acting_on(today)],
        expired=[r for r in everyone if not r.ended and r.expired_on(today)],
        ended=[r for r in everyone if r.ended],
    )
