"""Customer records kept in the portal: add a customer and correct their details (§3.1, §4.5).

Two people may edit one record at once: each edit names the version of the record it was made
from, and is saved only if the record is still at that version (one conditional ``UPDATE``),
so the second to save is told and overwrites nothing. Before a customer is added, customers
who may be the same person are shown, and adding them anyway is a second, confirmed step.
"""

from __future__ import annotations

import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from portal import db
from portal.audit import services as audit
from portal.audit.models import AuditEvent
from portal.auth import permissions
from portal.auth.models import User
from portal.customers.models import Customer, CustomerType
from portal.errors import Conflict, NotAllowed, Problem, ServiceError
from portal.errors import entered_text as _text
from portal.references import next_reference

# The longest each text may be (the columns' widths; the notes are kept readable).
LIMITS = {
    "forename": 100,
    "surname": 100,
    "address": 300,
    "email": 254,
    "phone": 40,
    "housing_ref": 40,
    "vulnerability_notes": 5000,
    "support_needs": 5000,
}
VULNERABILITY = ("vulnerability_notes", "support_needs")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE = re.compile(r"\+?[0-9 ()\-]{6,40}")
MAX_MATCHES = 10


@dataclass
class CustomerDetails:
    """What a person (or, later, an import) says about a customer."""

    forename: str = ""
    surname: str = ""
    customer_type: CustomerType | str | None = None
    tenant_id: int | None = None  # the tenant a visitor, relative or representative relates to
    address: str = ""
    email: str = ""
    phone: str = ""
    preferred_language: str = "en"
    housing_ref: str = ""
    # None leaves them as they are: sent by someone who may not read them.
    vulnerability_notes: str | None = None
    support_needs: str | None = None


@dataclass
class Match:
    """A customer who may be the one being added, and what they have in common."""

    id: int
    reference: str
    name: str
    customer_type: CustomerType
    reasons: list[str] = field(default_factory=list)  # "name", "email", "phone", "address"


class LikelyDuplicates(ServiceError):
    """Customers already recorded who may be this person: shown before adding another."""

    def __init__(self, matches: list[Match]):
        self.matches = matches
        super().__init__(
            {
                "create_anyway": Problem(
                    "customer.likely_duplicate",
                    _l(
                        "This may be someone we already have: check the customers listed, "
                        "or confirm this is a different person"
                    ),
                )
            }
        )


HOUSING_REF_TAKEN = Problem(
    "customer.housing_ref_taken", _l("Another customer already has this housing system reference")
)


def folded(text: str) -> str:
    """``text`` without case, accents or repeated spaces, to compare names."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def _digits(phone: str) -> str:
    return "".join(c for c in phone if c.isdigit())


def check_contact(errors: dict, values: dict, kind: str) -> None:
    """Add to ``errors`` a message for an email address or phone number (already within its
    length) that is not one; ``kind`` starts each problem's code."""
    if values["email"] and "email" not in errors and not EMAIL.fullmatch(values["email"]):
        errors["email"] = Problem(
            f"{kind}.email_invalid", _l("Enter an email address like name@example.com")
        )
    if values["phone"] and "phone" not in errors and not PHONE.fullmatch(values["phone"]):
        errors["phone"] = Problem(
            f"{kind}.phone_invalid",
            _l("Enter a phone number in digits, like 0161 496 0000 or +44 161 496 0000"),
        )


def _tenant_problem(customer_type, tenant_id, customer: Customer | None) -> Problem | None:
    if not customer_type.links_to_tenant:
        return None
    if tenant_id is None:
        return Problem(
            "customer.tenant_missing",
            _l("Enter the customer reference of the tenant they relate to"),
        )
    valid_id = isinstance(tenant_id, int) and not isinstance(tenant_id, bool)
    tenant = (
        db.session.get(Customer, tenant_id) if valid_id and 0 < tenant_id <= db.MAX_ID else None
    )
    if tenant is None:
        return Problem("customer.tenant_unknown", _l("No customer has that reference"))
    if customer is not None and tenant.id == customer.id:
        return Problem(
            "customer.tenant_self", _l("A customer cannot be linked to themselves as the tenant")
        )
    if tenant.customer_type != CustomerType.TENANT:
        return Problem(
            "customer.tenant_not_tenant",
            _l("%(name)s is not a tenant: enter the reference of a tenant", name=tenant.name),
        )
    return None


def field_problems(values: dict, languages) -> dict[str, Problem]:
    """What is wrong with a customer's own fields: lengths, names, email, phone, language and
    type (the rules the form and the housing system import share; the tenant link and the
    housing reference are checked by each against the database).

    ``values`` holds the cleaned texts, ``preferred_language`` and ``customer_type`` as sent;
    a type that is one is made a :class:`CustomerType` in place.
    """
    errors: dict[str, Problem] = {}
    for name, most in LIMITS.items():
        if len(values.get(name, "")) > most:
            errors[name] = Problem(
                "customer.too_long", _l("Keep this to %(max)d characters or fewer", max=most)
            )
    if not values["forename"]:
        errors["forename"] = Problem("customer.forename_missing", _l("Enter the first name"))
    if not values["surname"]:
        errors["surname"] = Problem("customer.surname_missing", _l("Enter the last name"))
    check_contact(errors, values, "customer")
    if values["preferred_language"] not in languages:
        errors["preferred_language"] = Problem(
            "customer.language_unknown", _l("Choose a language from the list")
        )
    try:
        values["customer_type"] = CustomerType(values["customer_type"])
    except ValueError:
        errors["customer_type"] = Problem(
            "customer.type_unknown", _l("Select the type of customer")
        )
    return errors


def _checked(actor, data: CustomerDetails, languages, customer: Customer | None) -> dict:
    """The values to store, or :class:`ServiceError` with a message for each field at fault."""
    values = {name: _text(getattr(data, name)) for name in LIMITS if name not in VULNERABILITY}
    if permissions.can_edit_vulnerability(actor):
        for name in VULNERABILITY:
            sent = getattr(data, name)
            if sent is not None or customer is None:
                values[name] = _text(sent)
    elif any(getattr(data, name) is not None for name in VULNERABILITY):
        raise NotAllowed
    language = data.preferred_language if isinstance(data.preferred_language, str) else ""
    values["preferred_language"] = language
    values["customer_type"] = data.customer_type
    errors = field_problems(values, languages)
    if "customer_type" in errors:
        del values["customer_type"]
    else:
        customer_type = values["customer_type"]
        if problem := _tenant_problem(customer_type, data.tenant_id, customer):
            errors["tenant_id"] = problem
        values["tenant_id"] = data.tenant_id if customer_type.links_to_tenant else None
        if (
            customer is not None
            and customer_type != CustomerType.TENANT
            and customer.customer_type == CustomerType.TENANT
            and db.session.scalar(select(Customer.id).where(Customer.tenant_id == customer.id))
        ):
            errors["customer_type"] = Problem(
                "customer.tenant_has_links",
                _l(
                    "Other customers are linked to this customer as their tenant: "
                    "link them to their new tenant first"
                ),
            )
    values["housing_ref"] = values["housing_ref"] or None
    if values["housing_ref"] and "housing_ref" not in errors:
        taken = select(Customer.id).where(
            func.lower(Customer.housing_ref) == values["housing_ref"].lower()
        )
        if customer is not None:
            taken = taken.where(Customer.id != customer.id)
        if db.session.scalar(taken.limit(1)) is not None:
            errors["housing_ref"] = HOUSING_REF_TAKEN
    if errors:
        raise ServiceError(errors)
    return values


def likely_duplicates(values: dict) -> list[Match]:
    """Customers with the same name (ignoring case and accents), email, phone or address."""
    forename, surname = values["forename"], values["surname"]
    # Names are narrowed by length in the database and compared without accents here: an
    # accent folded away keeps the name's length, and no index is needed for a rare step.
    conditions = [
        and_(
            func.length(Customer.forename) == len(forename),
            func.length(Customer.surname) == len(surname),
        )
    ]
    if values["email"]:
        conditions.append(func.lower(Customer.email) == values["email"].lower())
    phone = _digits(values["phone"])
    if len(phone) >= 6:
        stripped = Customer.phone
        for character in (" ", "-", "(", ")", "+"):
            stripped = func.replace(stripped, character, "")
        conditions.append(stripped == phone)
    if values["address"]:
        conditions.append(func.lower(func.trim(Customer.address)) == values["address"].lower())
    name = folded(f"{forename} {surname}")
    matches = []
    for found in db.session.scalars(
        select(Customer).where(or_(*conditions)).order_by(Customer.surname, Customer.id)
    ):
        reasons = []
        if folded(found.name) == name:
            reasons.append("name")
        if values["email"] and found.email.lower() == values["email"].lower():
            reasons.append("email")
        if len(phone) >= 6 and _digits(found.phone) == phone:
            reasons.append("phone")
        if values["address"] and found.address.strip().lower() == values["address"].lower():
            reasons.append("address")
        if reasons:
            matches.append(
                Match(found.id, found.reference, found.name, found.customer_type, reasons)
            )
        if len(matches) == MAX_MATCHES:
            break
    return matches


@contextmanager
def _housing_ref_refused():
    """A housing reference saved by someone else a moment ago becomes a message by the field."""
    try:
        yield
    except IntegrityError as exc:
        if "housing_ref" in str(exc.orig):
            raise ServiceError({"housing_ref": HOUSING_REF_TAKEN}) from exc
        raise


def create_customer(
    actor, now: datetime, data: CustomerDetails, *, languages, confirmed: bool = False
) -> Customer:
    """Add a customer, with a reference from the database, and audit what was recorded.

    :raises NotAllowed: if the actor may not add customers (or set what they may not read).
    :raises LikelyDuplicates: if customers already recorded may be this person and adding
        them anyway was not ``confirmed``.
    :raises ServiceError: for a field at fault (a housing reference in use is refused).
    """
    if not permissions.can_edit_customer(actor):
        raise NotAllowed
    values = _checked(actor, data, languages, None)
    if not confirmed and (matches := likely_duplicates(values)):
        raise LikelyDuplicates(matches)
    customer = Customer(reference=next_reference("customer", now), created_at=now, **values)
    db.session.add(customer)
    with _housing_ref_refused():
        db.session.flush()
    audit.record(
        actor,
        now,
        "customer.created",
        "customer",
        customer.id,
        f"Customer {customer.reference} added",
        after=audit.snapshot(customer, sorted(values)),
    )
    return customer


def _who(event: AuditEvent | None) -> str | None:
    """The name of whoever made ``event`` (its label, for a change made by the system)."""
    if event is None:
        return None
    person = db.session.get(User, event.actor_id) if event.actor_id else None
    return person.name if person else event.actor_label


def changed_meanwhile(customer: Customer) -> Conflict:
    """What to tell someone whose edit was made from an older version of the record."""
    last = db.session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.entity_type == "customer",
            AuditEvent.entity_id == customer.id,
            AuditEvent.action.in_(("customer.changed", "customer.language_set")),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    return Conflict(
        "changed",
        by=_who(last),
        at=last.at if last else None,
        message=Problem(
            "customer.changed_meanwhile",
            _l(
                "Someone else saved changes to these details while you were editing them. "
                "The form now shows the details as they are; what you entered is listed "
                "below it. Make your changes again."
            ),
        ),
    )


def update_customer(
    actor, now: datetime, customer: Customer, expected_version, data: CustomerDetails, *, languages
) -> Customer:
    """Correct a customer's details, if the record is still at ``expected_version``; audit
    each change with what it was before.

    :raises NotAllowed: if the actor may not edit customers (or set what they may not read).
    :raises ServiceError: for a field at fault.
    :raises Conflict: if the record changed since the form was made (or the form names no
        version): nothing is saved.
    """
    if not permissions.can_edit_customer(actor):
        raise NotAllowed
    values = _checked(actor, data, languages, customer)
    if not isinstance(expected_version, int) or isinstance(expected_version, bool):
        raise Conflict(
            "unknown",
            message=Problem(
                "customer.version_missing",
                _l(
                    "This form could not be matched to a version of the record. The form now "
                    "shows the details as they are: make your changes again."
                ),
            ),
        )
    if customer.version != expected_version:
        raise changed_meanwhile(customer)
    before = {name: getattr(customer, name) for name in values}
    changes = {name: value for name, value in values.items() if before[name] != value}
    if not changes:
        return customer
    with _housing_ref_refused():
        saved = db.session.execute(
            update(Customer)
            .where(Customer.id == customer.id, Customer.version == expected_version)
            .values(**changes, version=expected_version + 1)
            .execution_options(synchronize_session=False)
        )
    if saved.rowcount != 1:
        db.session.refresh(customer)
        raise changed_meanwhile(customer)
    for name, value in changes.items():
        set_committed_value(customer, name, value)
    set_committed_value(customer, "version", expected_version + 1)
    db.session.expire(customer, ["tenant"])
    audit.record(
        actor,
        now,
        "customer.changed",
        "customer",
        customer.id,
        f"Details of {customer.reference} changed: {', '.join(sorted(changes))}",
        before=audit.snapshot(SimpleNamespace(**before), sorted(changes)),
        after=audit.snapshot(SimpleNamespace(**changes), sorted(changes)),
    )
    return customer
