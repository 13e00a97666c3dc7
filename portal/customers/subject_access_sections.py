"""What a subject access export (UK GDPR Art. 15) says about one customer, section by section.

Each section is read with one query whatever the number of rows (children of many rows with
one more, by the parents' ids), so the export's queries stay fixed as a record grows. Staff
are left as :class:`Staff` placeholders and named afterwards from one query
(:mod:`portal.customers.subject_access`). Whatever names or may name someone other than the
customer is marked (:mod:`portal.customers.subject_access_marks`) for the officer to review
before release; nothing is removed here. The restriction stage is in
:mod:`portal.customers.subject_access_stages`.
"""

from __future__ import annotations

import re

from sqlalchemy import or_, select

from portal import db
from portal.accounts.models import AccessCode, CustomerAccount
from portal.audit.models import AuditEvent
from portal.auth.models import SignInSession
from portal.conduct_warnings.models import ConductWarning
from portal.customers import subject_access_stages as stages
from portal.customers.adjustments import CustomerAdjustments
from portal.customers.models import (
    AccessRefusal,
    Alert,
    ContactLogEntry,
    Customer,
    CustomerRepresentative,
)
from portal.customers.subject_access_marks import (
    COLLEAGUE,
    CUSTOMER,
    OTHER,
    VULNERABILITY_VIEWED,
    WITNESS,
    Gathered,
    Staff,
    free,
    rows_of,
    safe_name,
    stored_file,
    third_party,
)
from portal.customers.timeline import end_reasons
from portal.equality.services import subject_access_section as equality_section
from portal.impact.models import ImpactAssessment
from portal.incidents.models import Attachment, Incident
from portal.letters.models import Letter
from portal.outbox.models import OutboxEmail
from portal.panel.models import PanelReview


def gather(customer: Customer) -> Gathered:
    """Read every section about ``customer``: a fixed number of queries."""
    got = Gathered()
    cid = customer.id
    letters = rows_of(select(Letter).where(Letter.customer_id == cid).order_by(Letter.id))
    got.letters = letters
    refs = {letter.id: letter.reference for letter in letters}
    incidents = rows_of(select(Incident).where(Incident.customer_id == cid).order_by(Incident.id))
    incident_refs = {i.id: i.reference for i in incidents}
    sections = got.sections
    sections["customer"] = _customer(customer)
    sections["linked_customers"] = _linked(cid)
    sections["representatives"] = _representatives(cid)
    sections["portal_account"], sections["portal_sign_ins"] = _account(cid)
    sections["portal_access_codes"] = [
        {
            "created_at": c.created_at,
            "expires_at": c.expires_at,
            "issued_by": Staff(c.issued_by_id),
            "used_at": c.used_at,
            "revoked_at": c.revoked_at,
        }
        for c in rows_of(
            select(AccessCode).where(AccessCode.customer_id == cid).order_by(AccessCode.id)
        )
    ]
    sections["alerts"] = _alerts(cid, incident_refs)
    sections["contact_log"] = [
        {
            "channel": e.channel,
            "inbound": e.inbound,
            "occurred_at": e.occurred_at,
            "duration_minutes": e.duration_minutes,
            "summary": free(e.summary),
            "logged_by": Staff(e.logged_by_id),
            "logged_at": e.logged_at,
        }
        for e in rows_of(
            select(ContactLogEntry)
            .where(ContactLogEntry.customer_id == cid)
            .order_by(ContactLogEntry.occurred_at, ContactLogEntry.id)
        )
    ]
    sections["access_refusals"] = [
        {
            "works_type": r.works_type,
            "refused_on": r.refused_on,
            "service_request_ref": r.service_request_ref,
            "works_description": free(r.works_description),
            "legal_action_flag": r.legal_action_flag,
            "service_request_cancelled": r.service_request_cancelled,
            "recorded_by": Staff(r.recorded_by_id),
            "recorded_at": r.recorded_at,
        }
        for r in rows_of(
            select(AccessRefusal)
            .where(AccessRefusal.customer_id == cid)
            .order_by(AccessRefusal.refused_on, AccessRefusal.id)
        )
    ]
    sections["incidents"] = _incidents(got, incidents)
    sections["warnings"] = [
        {
            "stage": w.stage,
            "incident": incident_refs.get(w.incident_id, ""),
            "issued_on": w.issued_on,
            "lapses_on": w.lapses_on,
            "issued_by": Staff(w.issued_by_id),
            "issued_at": w.issued_at,
            "letter": refs.get(w.letter_id, ""),
            "delivery": w.delivery,
            "sent_at": w.sent_at,
        }
        for w in rows_of(
            select(ConductWarning)
            .where(ConductWarning.customer_id == cid)
            .order_by(ConductWarning.issued_on, ConductWarning.id)
        )
    ]
    sections["arrangements"] = stages.arrangements(cid, refs, incident_refs)
    sections["restriction_requests"], request_refs = stages.requests(cid, incident_refs)
    sections["restrictions"] = stages.restrictions(cid, refs, request_refs)
    sections["appeals"] = stages.appeals(got, cid, refs)
    sections["correspondence"] = stages.correspondence(cid, refs)
    sections["letters"] = [
        {
            "reference": letter.reference,
            "kind": letter.kind,
            "subject": letter.subject,
            "language": letter.language,
            "issued_at": letter.issued_at,
            "issued_by": Staff(letter.issued_by_id),
            "content_sha256": letter.content_sha256,
        }
        for letter in letters
    ]
    sections["vulnerability_views"] = [
        {
            "at": e.at,
            "viewed_by": Staff(e.actor_id) if e.actor_id else third_party(e.actor_label, COLLEAGUE),
            "summary": e.summary,
        }
        for e in rows_of(
            select(AuditEvent)
            .where(
                AuditEvent.entity_type == "customer",
                AuditEvent.entity_id == cid,
                AuditEvent.action == VULNERABILITY_VIEWED,
            )
            .order_by(AuditEvent.id)
        )
    ]
    sections["emails"] = _emails(customer)
    sections["equality_monitoring"] = equality_section(cid)
    sections["reasonable_adjustments"] = _adjustments(cid)
    return got


FORMATS = ("large_print", "easy_read", "audio", "braille")


def _adjustments(cid: int) -> dict | None:
    """What was recorded to meet their needs (§12.1); "other" is a colleague's words."""
    found = db.session.get(CustomerAdjustments, cid)
    if found is None:
        return None
    return {
        "formats": [name for name in FORMATS if getattr(found, name)],
        "interpreter": found.interpreter,
        "interpreter_language": found.interpreter_language,
        "wants_advocate": found.wants_advocate,
        "contact_way": found.contact_way,
        "contact_time": found.contact_time,
        "other": free(found.other) if found.other else "",
        "updated_at": found.updated_at,
        "updated_by": Staff(found.updated_by_id) if found.updated_by_id else None,
    }


def _customer(c: Customer) -> dict:
    tenant = None
    if c.tenant_id is not None:
        row = db.session.get(Customer, c.tenant_id)
        tenant = third_party({"reference": row.reference, "name": row.name}, CUSTOMER)
    return {
        "reference": c.reference,
        "forename": c.forename,
        "surname": c.surname,
        "customer_type": c.customer_type,
        "tenant_they_relate_to": tenant,
        "address": c.address,
        "email": c.email,
        "phone": c.phone,
        "preferred_language": c.preferred_language,
        "housing_ref": c.housing_ref,
        "vulnerability_notes": free(c.vulnerability_notes),
        "support_needs": free(c.support_needs),
        "created_at": c.created_at,
    }


def _linked(cid: int) -> list:
    """Visitors, relatives and representatives recorded as relating to this customer."""
    rows = rows_of(select(Customer).where(Customer.tenant_id == cid).order_by(Customer.id))
    return [
        third_party(
            {"reference": r.reference, "name": r.name, "customer_type": r.customer_type.value},
            CUSTOMER,
        )
        for r in rows
    ]


def _representatives(cid: int) -> list:
    """People the customer agreed may act for them: who they are is marked for review."""
    rows = rows_of(
        select(CustomerRepresentative)
        .where(CustomerRepresentative.customer_id == cid)
        .order_by(CustomerRepresentative.id)
    )
    return [
        {
            "who": third_party(
                {
                    "name": r.name,
                    "organisation": r.organisation,
                    "phone": r.phone,
                    "email": r.email,
                    "address": r.address,
                },
                OTHER,
            ),
            "relation": r.relation,
            "relation_detail": r.relation_detail,
            "consent_given_on": r.consent_given_on,
            "consent_method": r.consent_method,
            "consent_until": r.consent_until,
            "copy_letters": r.copy_letters,
            "added_by": Staff(r.added_by_id),
            "added_at": r.added_at,
            "ended_at": r.ended_at,
            "ended_by": Staff(r.ended_by_id),
            "ended_because": r.ended_because,
            "end_reason": free(r.end_reason),
        }
        for r in rows
    ]


def _account(cid: int) -> tuple[dict | None, list]:
    """The portal account without its password hash, and its sign-ins without their tokens."""
    account = db.session.scalar(select(CustomerAccount).where(CustomerAccount.customer_id == cid))
    sessions = rows_of(
        select(SignInSession)
        .join(CustomerAccount, SignInSession.customer_account_id == CustomerAccount.id)
        .where(CustomerAccount.customer_id == cid)
        .order_by(SignInSession.id)
    )
    if account is None:
        return None, []
    return (
        {
            "email": account.email,
            "activated_at": account.activated_at,
            "password_changed_at": account.password_changed_at,
            "active": account.active,
        },
        [
            {
                "created_at": s.created_at,
                "last_seen_at": s.last_seen_at,
                "ended_at": s.ended_at,
                "ended_reason": s.ended_reason,
                "address": s.address,
                "user_agent": s.user_agent,
            }
            for s in sessions
        ],
    )


def _alerts(cid: int, incident_refs: dict) -> list:
    reasons = end_reasons(cid)
    return [
        {
            "summary": free(a.summary),
            "advice": free(a.advice),
            "incident": incident_refs.get(a.incident_id, ""),
            "raised_by": Staff(a.raised_by_id),
            "raised_at": a.raised_at,
            "ended_at": a.ended_at,
            "ended_by": Staff(a.ended_by_id),
            "end_reason": free(reasons.get(a.id, "")),
        }
        for a in rows_of(select(Alert).where(Alert.customer_id == cid).order_by(Alert.id))
    ]


def _incidents(got: Gathered, incidents: list[Incident]) -> list:
    ids = [i.id for i in incidents]
    attachments: dict[int, list[Attachment]] = {}
    for a in rows_of(
        select(Attachment).where(Attachment.incident_id.in_(ids)).order_by(Attachment.id)
    ):
        attachments.setdefault(a.incident_id, []).append(a)
    reviews = {
        r.incident_id: r
        for r in rows_of(select(PanelReview).where(PanelReview.incident_id.in_(ids)))
    }
    assessments = {
        a.incident_id: a
        for a in rows_of(select(ImpactAssessment).where(ImpactAssessment.incident_id.in_(ids)))
    }
    out = []
    for i in incidents:
        files = []
        for a in attachments.get(i.id, []):
            name = f"evidence/incidents/{i.reference}/{a.id}-{safe_name(a.original_name)}"
            got.files.append(("", a.stored_name, name))
            files.append(stored_file(a, name, Staff(a.uploaded_by_id)))
        out.append(
            {
                "reference": i.reference,
                "reported_by": Staff(i.reported_by_id),
                "line_manager": Staff(i.line_manager_id),
                "occurred_at": i.occurred_at,
                "reported_at": i.reported_at,
                "channel": i.channel,
                "categories": [c.value for c in i.categories],
                "location": i.location,
                "service_area": i.service_area,
                "example_types": i.example_types,
                "description": free(i.description),
                "immediate_action": free(i.immediate_action),
                "witnesses": third_party(i.witnesses, WITNESS),
                "injury": i.injury,
                "injury_details": free(i.injury_details),
                "protected_characteristics": i.protected_characteristics,
                "police_informed": i.police_informed,
                "police_informed_at": i.police_informed_at,
                "crime_reference": i.crime_reference,
                "serious": i.serious,
                "serious_reason": free(i.serious_reason),
                "serious_marked_at": i.serious_marked_at,
                "serious_marked_by": Staff(i.serious_marked_by_id),
                "route": i.route,
                "status": i.status,
                "review_due_on": i.review_due_on,
                "manager_decisions": i.manager_decisions,
                "manager_notes": free(i.manager_notes),
                "manager_decided_at": i.manager_decided_at,
                "manager_decided_by": Staff(i.manager_decided_by_id),
                "evidence_files": files,
                "panel_review": _panel_review(reviews.get(i.id)),
                "impact_assessment": _impact_assessment(assessments.get(i.id)),
            }
        )
    return out


def _panel_review(r: PanelReview | None) -> dict | None:
    if r is None:
        return None
    return {
        "reviewer": Staff(r.reviewer_id),
        "reviewed_at": r.reviewed_at,
        "context_considered": r.context_considered,
        "context_notes": free(r.context_notes),
        "vulnerability_considered": r.vulnerability_considered,
        "vulnerability_notes": free(r.vulnerability_notes),
        "support_referral": r.support_referral,
        "support_referral_to": third_party(r.support_referral_to, OTHER),
        "eia_needed": r.eia_needed,
        "eia_notes": free(r.eia_notes),
        "outcome": r.outcome,
        "reasons": free(r.reasons),
        "letter_summary": free(r.letter_summary),
    }


def _impact_assessment(a: ImpactAssessment | None) -> dict | None:
    """The Equality Impact Assessment the Panel's review opened (§4.7), if any."""
    if a is None:
        return None
    return {
        "opened_at": a.opened_at,
        "due_on": a.due_on,
        "status": a.status,
        "outcome": a.outcome,
        "considered": free(a.considered),
        "adjustments": free(a.adjustments),
        "completed_at": a.completed_at,
        "completed_by": Staff(a.completed_by_id),
    }


# A password-reset link works for an hour: its token is a secret, never exported.
_SECRET_LINK = re.compile(r"(/password-reset/)[^\s]+")


def without_secrets(text: str) -> str:
    return _SECRET_LINK.sub(r"\1[link removed]", text)


def _emails(customer: Customer) -> list:
    """Emails written to the customer's addresses (their record's and their account's)."""
    addresses = select(CustomerAccount.email).where(CustomerAccount.customer_id == customer.id)
    said = [OutboxEmail.to_address.in_(addresses)]
    if customer.email:
        said.append(OutboxEmail.to_address == customer.email)
    return [
        {
            "to_address": e.to_address,
            "subject": e.subject,
            "body_text": without_secrets(e.body_text),
            "created_at": e.created_at,
            "status": e.status,
            "sent_at": e.sent_at,
        }
        for e in rows_of(select(OutboxEmail).where(or_(*said)).order_by(OutboxEmail.id))
    ]
