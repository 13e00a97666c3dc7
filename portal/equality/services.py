"""Record and read a customer's equality monitoring answers (§11.1, §12.1).

Only the Customer Experience Manager and administrators read or record them
(:func:`portal.auth.permissions.can_view_equality`), besides the customer, who gives, changes
or withdraws their own through the portal; every staff read is audited, and a save is
audited by which answers changed, never by the answers themselves. Without the customer's
consent nothing but the refusal (when and how it was given) is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from portal import db
from portal.audit import services as audit
from portal.auth import permissions
from portal.customers.models import Customer
from portal.customers.subject_access_marks import Staff
from portal.equality import queries
from portal.equality.models import FIELDS, ConsentMethod, EqualityRecord, answers
from portal.errors import Conflict, NotAllowed, Problem, ServiceError
from portal.timeutil import london_date

VIEWED = "equality.viewed"
RECORDED = "equality.recorded"
MONITORING_VIEWED = "equality.monitoring_viewed"


@dataclass
class EqualityAnswers:
    """What a member of staff records: consent, and each answer (None: not answered)."""

    consent_given: bool | None = None
    consent_on: date | None = None
    consent_method: ConsentMethod | str | None = None
    values: dict[str, str | None] = field(default_factory=dict)


def record_for(
    actor, now: datetime, customer: Customer, purpose: str = ""
) -> EqualityRecord | None:
    """The customer's answers, if any, with the read audited.

    :raises NotAllowed: if the actor may not read equality monitoring answers.
    """
    if not permissions.can_view_equality(actor):
        raise NotAllowed
    found = _stored(customer.id)
    audit.record(
        actor,
        now,
        VIEWED,
        "customer",
        customer.id,
        f"Equality monitoring answers of {customer.reference} opened{purpose}",
    )
    return found


def _checked(data: EqualityAnswers, today: date) -> dict:
    errors: dict[str, Problem] = {}
    if data.consent_given is None:
        errors["consent_given"] = Problem(
            "equality.consent_missing", _l("Select whether the customer agreed to answer")
        )
    if not isinstance(data.consent_on, date):
        errors["consent_on"] = Problem(
            "equality.consent_date_missing", _l("Enter the date they agreed or declined")
        )
    elif data.consent_on > today:
        errors["consent_on"] = Problem(
            "equality.consent_date_future", _l("The date cannot be in the future")
        )
    try:
        method = ConsentMethod(data.consent_method)
    except ValueError:
        method = None
        errors["consent_method"] = Problem(
            "equality.consent_method_missing", _l("Select how they agreed or declined")
        )
    values: dict[str, str | None] = {}
    for name in FIELDS:
        sent = data.values.get(name)
        if sent in (None, ""):
            values[name] = None
        elif sent in {code for code, _label in answers(name)}:
            values[name] = sent
        else:
            errors[name] = Problem("equality.answer_unknown", _l("Select an answer from the list"))
    if errors:
        raise ServiceError(errors)
    if not data.consent_given:
        # Without consent only the refusal is kept, whatever was ticked.
        values = dict.fromkeys(FIELDS)
    return {
        "consent_given": bool(data.consent_given),
        "consent_on": data.consent_on,
        "consent_method": method,
        **values,
    }


CHANGED_MEANWHILE = Problem(
    "equality.changed_meanwhile",
    _l(
        "Someone else saved these answers while you were editing them. The form now shows "
        "them as they are: make your changes again."
    ),
)


def save(
    actor, now: datetime, customer: Customer, expected_version: int | None, data: EqualityAnswers
) -> EqualityRecord:
    """Record the customer's consent and answers, if the record is still at
    ``expected_version`` (None: there was none); audit which answers changed.

    :raises NotAllowed: if the actor may not record equality monitoring answers.
    :raises ServiceError: for an answer at fault; nothing is saved.
    :raises Conflict: if someone else saved first; nothing is saved.
    """
    if not permissions.can_view_equality(actor):
        raise NotAllowed
    values = _checked(data, london_date(now))
    return _store(actor, now, customer, expected_version, values, actor.id, "recorded")


def _store(
    actor,
    now: datetime,
    customer: Customer,
    expected_version: int | None,
    values: dict,
    recorded_by_id: int | None,
    how: str,
) -> EqualityRecord:
    """Write checked ``values`` if the record is still at ``expected_version``; audit which
    answers changed (``how`` says who gave them)."""
    current = _stored(customer.id)
    if (current.version if current else None) != expected_version:
        raise Conflict("changed", message=CHANGED_MEANWHILE)
    by = {"recorded_by_id": recorded_by_id, "recorded_at": now}
    if current is None:
        current = EqualityRecord(customer_id=customer.id, **by, **values)
        db.session.add(current)
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError as exc:
            raise Conflict("changed", message=CHANGED_MEANWHILE) from exc
        changed = sorted(name for name, value in values.items() if value is not None)
    else:
        changed = sorted(n for n, v in values.items() if getattr(current, n) != v)
        if not changed:
            return current
        saved = db.session.execute(
            update(EqualityRecord)
            .where(EqualityRecord.id == current.id, EqualityRecord.version == expected_version)
            .values(**values, **by, version=current.version + 1)
            .execution_options(synchronize_session=False)
        )
        if saved.rowcount != 1:
            raise Conflict("changed", message=CHANGED_MEANWHILE)
        for name, value in {**values, **by}.items():
            set_committed_value(current, name, value)
        set_committed_value(current, "version", expected_version + 1)
    consent = "agreed" if values["consent_given"] else "declined"
    audit.record(
        actor,
        now,
        RECORDED,
        "customer",
        customer.id,
        # Which answers changed, never what they are.
        f"Equality monitoring of {customer.reference} {how} ({consent}); "
        f"changed: {', '.join(changed) or 'nothing'}",
    )
    return current


def _stored(customer_id: int) -> EqualityRecord | None:
    return db.session.scalar(
        select(EqualityRecord).where(EqualityRecord.customer_id == customer_id)
    )


def own_record(account) -> EqualityRecord | None:
    """The signed-in customer's own answers, if any (their own data: not a staff read, so
    not audited as one).

    :raises NotAllowed: if ``account`` is not a customer's own sign-in.
    """
    if not permissions.can_give_own_equality(account, getattr(account, "customer_id", None)):
        raise NotAllowed
    return _stored(account.customer_id)


def save_own(
    account,
    now: datetime,
    expected_version: int | None,
    consent_given: bool | None,
    values: dict[str, str | None],
) -> EqualityRecord:
    """The customer gives, changes or withdraws (``consent_given`` False: every answer
    cleared) their own answers through the portal, if the record is still at
    ``expected_version``; checked as a member of staff's are, and audited as the customer's.

    Consent given or withdrawn through the portal is dated today and kept as given in
    writing; answers changed with consent unchanged keep when and how it was first given.

    :raises NotAllowed: if ``account`` is not a customer's own sign-in.
    :raises ServiceError: for an answer at fault; nothing is saved.
    :raises Conflict: if the record changed since ``expected_version``; nothing is saved.
    """
    if not permissions.can_give_own_equality(account, getattr(account, "customer_id", None)):
        raise NotAllowed
    customer = account.customer
    current = _stored(customer.id)
    data = EqualityAnswers(
        consent_given=consent_given,
        consent_on=london_date(now),
        consent_method=ConsentMethod.IN_WRITING,
        values=values,
    )
    if current is not None and current.consent_given == consent_given:
        data.consent_on, data.consent_method = current.consent_on, current.consent_method
    values = _checked(data, london_date(now))
    return _store(
        account, now, customer, expected_version, values, None, "given by the customer online"
    )


def subject_access_section(customer_id: int) -> dict:
    """The customer's own answers and consent, for their subject access export (UK GDPR Art.
    15): one query. The export is made by those who may read them, and is itself audited."""
    found = db.session.scalar(
        select(EqualityRecord).where(EqualityRecord.customer_id == customer_id)
    )
    if found is None:
        return {"recorded": False}
    labels = {name: dict(answers(name)) for name in FIELDS}
    return {
        "recorded": True,
        "consent_given": found.consent_given,
        "consent_on": found.consent_on,
        "consent_method": found.consent_method,
        **{
            name: str(labels[name][getattr(found, name)]) if getattr(found, name) else None
            for name in FIELDS
        },
        "recorded_by": Staff(found.recorded_by_id),
        "recorded_at": found.recorded_at,
    }


def monitoring(actor, now: datetime, period: str = "all") -> list:
    """The monitoring tables for ``period`` (see :mod:`portal.equality.queries`), the view
    audited.

    :raises NotAllowed: if the actor may not read equality monitoring.
    """
    if not permissions.can_view_equality(actor):
        raise NotAllowed
    tables = queries.monitoring(now, period)
    audit.record(
        actor, now, MONITORING_VIEWED, "equality", None, f"Equality monitoring opened ({period})"
    )
    return tables
