"""Valid data for the add-a-customer and edit-details forms, as a browser sends them."""

from __future__ import annotations

from portal import db
from portal.customers.models import Customer


def new_customer_form(**overrides) -> dict:
    """A complete, valid "Add a customer" form, for someone nobody else resembles."""
    data = {
        "forename": "Nadia",
        "surname": "Newcomer",
        "customer_type": "tenant",
        "tenant_reference": "",
        "address": "12 Orchard Lane, Wythenshawe, M22 1AA",
        "email": "nadia.newcomer@test.example",
        "phone": "0161 496 0101",
        "preferred_language": "en",
        "housing_ref": "HMS-0042",
        "vulnerability_notes": "",
        "support_needs": "",
    }
    data.update(overrides)
    return data


def edit_customer_form(customer, **overrides) -> dict:
    """The edit form for ``customer`` as it is now (its current version), with ``overrides``."""
    now = db.session.get(Customer, customer.id)
    db.session.refresh(now)  # what another request saved meanwhile
    data = {
        "forename": now.forename,
        "surname": now.surname,
        "customer_type": now.customer_type.value,
        "tenant_reference": now.tenant.reference if now.tenant else "",
        "address": now.address,
        "email": now.email,
        "phone": now.phone,
        "preferred_language": now.preferred_language,
        "housing_ref": now.housing_ref or "",
        "vulnerability_notes": now.vulnerability_notes,
        "support_needs": now.support_needs,
        "version": str(now.version),
    }
    data.update(overrides)
    return data
