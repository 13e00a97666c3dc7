"""Subject access (UK GDPR Art. 15): the page saying what a customer's export holds, and the
export itself, a ZIP sent as a download and audited. Only those who answer data requests may
open either (:func:`portal.auth.permissions.can_export_subject_access`)."""

from __future__ import annotations

from flask import current_app, render_template

from portal.auth import permissions
from portal.customers.models import Customer
from portal.customers.subject_access import SECTIONS, export
from portal.downloads import personal_download
from portal.staff import bp
from portal.staff.guard import actor, get_or_404, staff_required
from portal.steps import record
from portal.timeutil import utcnow


@bp.route("/customers/<int:customer_id>/subject-access")
@staff_required(permissions.can_export_subject_access)
def subject_access(customer_id: int):
    customer = get_or_404(Customer, customer_id)
    return render_template(
        "staff/customers/subject_access.html",
        customer=customer,
        sections=SECTIONS,
    )


@bp.route("/customers/<int:customer_id>/subject-access", methods=["POST"])
@staff_required(permissions.can_export_subject_access)
def export_subject_access(customer_id: int):
    customer = get_or_404(Customer, customer_id)
    made = record(lambda: export(actor(), utcnow(), customer, current_app.config["UPLOAD_DIR"]))
    # Everything held about a person: no cache, shared or the browser's, keeps it.
    return personal_download(made.content, "application/zip", made.filename)
