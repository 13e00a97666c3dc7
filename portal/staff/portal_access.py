"""Portal access codes for customers: issued (or reissued) by staff, shown once."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from portal import db, steps
from portal.accounts.models import CustomerAccount
from portal.accounts.services import issue_access_code
from portal.auth import permissions
from portal.customers.models import Customer
from portal.staff import bp
from portal.staff.guard import actor, get_or_404, staff_required
from portal.timeutil import utcnow


@bp.route("/customers/<int:customer_id>/access-code", methods=["POST"])
@staff_required(permissions.can_issue_access_code)
def issue_customer_access_code(customer_id: int):
    customer = get_or_404(Customer, customer_id)
    issued, code = steps.record(lambda: issue_access_code(actor(), utcnow(), customer))
    has_account = (
        db.session.scalar(
            select(CustomerAccount.id).where(CustomerAccount.customer_id == customer.id)
        )
        is not None
    )
    response = render_template(
        "staff/customers/access_code.html",
        customer=customer,
        code=code,
        expires_at=issued.expires_at,
        has_account=has_account,
    )
    # The code is shown once: never keep this page in a cache.
    return response, 200, {"Cache-Control": "no-store"}
