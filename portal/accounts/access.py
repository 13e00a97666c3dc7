"""How a letter tells the customer to reach the portal: its address, and an access code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from portal import db
from portal.accounts.models import CustomerAccount
from portal.accounts.services import ACCESS_CODE_DAYS, PREVIEW_CODE, issue_access_code
from portal.customers.models import Customer
from portal.timeutil import london_date


@dataclass(frozen=True)
class PortalAccess:
    """How a letter tells the customer to reach the portal: the address, and a one-time access
    code when they have no account yet."""

    url: str
    code: str | None = None
    expires_on: date | None = None


def portal_address(path: str) -> str:
    """The portal's public address for ``path``, as printed in letters and emails.

    Always ``PUBLIC_URL`` (set at start-up, portal/security.py), never the ``Host`` a request
    came with: the sender of a request chooses that, and could aim a reset link at their site.
    """
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def letter_access(actor, now: datetime, customer: Customer, preview: bool = False):
    """Portal access for a decision letter: sign in with an account, or a new access code.

    A preview shows where the code goes without issuing one.
    """
    has_account = db.session.scalar(
        select(CustomerAccount.id).where(
            CustomerAccount.customer_id == customer.id, CustomerAccount.active.is_(True)
        )
    )
    if has_account is not None:
        return PortalAccess(portal_address("/sign-in"))
    if preview:
        expires_on = london_date(now + timedelta(days=ACCESS_CODE_DAYS))
        return PortalAccess(portal_address("/activate"), PREVIEW_CODE, expires_on)
    record, code = issue_access_code(actor, now, customer)
    return PortalAccess(portal_address("/activate"), code, london_date(record.expires_at))
