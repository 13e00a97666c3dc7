"""Incident verbs: report (§8.1–8.2), attach evidence, the line manager's §8.3 decision."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import db, transitions, uploads
from portal.audit import services as audit
from portal.auth import permissions
from portal.auth.models import User
from portal.customers.models import Customer, CustomerType
from portal.errors import Conflict, NotAllowed, Problem, ServiceError
from portal.incidents.catalogue import (
    EXAMPLE_CATEGORY,
    Category,
    Channel,
    ManagerDecision,
    ProtectedCharacteristic,
)
from portal.incidents.models import Attachment, Incident, IncidentCategory, IncidentStatus, Route
from portal.incidents.rules import manager_decisions_allowed, serious_by_report
from portal.notifications.services import notify
from portal.organisation.services import get_organisation
from portal.references import next_reference
from portal.timeutil import london_date
from portal.workdays.calendar import WorkingCalendar
from portal.workdays.services import hold_calendar, load_calendar

SERIOUS_REASON_MAX = 2000


@dataclass
class IncidentInput:
    customer_id: int
    occurred_at: datetime
    channel: Channel
    categories: list[Category]
    description: str
    example_types: list[str] = field(default_factory=list)
    location: str = ""
    service_area: str = ""
    immediate_action: str = ""
    witnesses: str = ""
    injury: bool = False
    injury_details: str = ""
    protected_characteristics: list[ProtectedCharacteristic] = field(default_factory=list)
    police_informed: bool = False
    police_informed_at: datetime | None = None
    crime_reference: str = ""
    line_manager_id: int | None = None


def route_for(customer: Customer) -> Route:
    """Tenants and their relatives or visitors go to the Panel/CSM (§8.4); others §8.6."""
    if customer.customer_type == CustomerType.TENANT:
        return Route.ASB
    linked_tenant = customer.tenant
    if (
        customer.customer_type in (CustomerType.VISITOR, CustomerType.FRIEND_OR_RELATIVE)
        and linked_tenant is not None
        and linked_tenant.customer_type == CustomerType.TENANT
    ):
        return Route.ASB
    return Route.POLICE_PANEL


def review_due_on(reported_at: datetime, calendar: WorkingCalendar):
    """The Panel reviews within N days of the report (§8.7); the unit is a setting."""
    org = get_organisation()
    deadline = calendar.deadline_for(
        reported_at, org.panel_review_days, org.panel_review_unit, org.cutoff_time
    )
    return deadline


def review_deadline(incident: Incident):
    """When the Panel reviews ``incident`` by, counted on today's calendar, with the working
    (``explain()``) to show staff how the date was reached."""
    return review_due_on(incident.reported_at, load_calendar())


def _validate(data: IncidentInput, now: datetime) -> dict[str, Problem]:
    errors: dict[str, Problem] = {}
    if data.occurred_at > now:
        said = _l("The date and time of the incident must be in the past")
        errors["occurred_on"] = Problem("incident.occurred_in_future", said)
    if not data.categories:
        said = _l("Select at least one type of behaviour")
        errors["categories"] = Problem("incident.categories_missing", said)
    if not data.description.strip():
        said = _l("Describe what happened")
        errors["description"] = Problem("incident.description_missing", said)
    unknown = [key for key in data.example_types if key not in EXAMPLE_CATEGORY]
    if unknown:
        said = _l("Select examples from the list")
        errors["example_types"] = Problem("incident.example_unknown", said)
    elif any(EXAMPLE_CATEGORY[key] not in data.categories for key in data.example_types):
        said = _l("Each example must belong to a type of behaviour you selected")
        errors["example_types"] = Problem("incident.example_outside_types", said)
    if "discriminatory_comments" in data.example_types and not data.protected_characteristics:
        said = _l("Select the protected characteristic the comments were about")
        errors["protected_characteristics"] = Problem("incident.characteristic_missing", said)
    if data.police_informed:
        if data.police_informed_at is None:
            said = _l("Enter when the police were told")
            errors["police_informed_on"] = Problem("incident.police_date_missing", said)
        elif data.police_informed_at < data.occurred_at:
            said = _l("The police cannot have been told before the incident")
            errors["police_informed_on"] = Problem("incident.police_told_before", said)
        elif data.police_informed_at > now:
            said = _l("The date the police were told must be in the past")
            errors["police_informed_on"] = Problem("incident.police_date_future", said)
    if data.injury and not data.injury_details.strip():
        said = _l("Describe the injury")
        errors["injury_details"] = Problem("incident.injury_details_missing", said)
    return errors


def report_incident(actor: User, now: datetime, data: IncidentInput) -> Incident:
    """File an incident report, route it and tell the line manager at once (§8.2).

    :raises ServiceError: with a message for each field that is wrong.
    """
    customer = db.session.get(Customer, data.customer_id)
    if customer is None:
        raise ServiceError(
            {"customer_id": Problem("incident.customer_missing", _l("Choose the customer"))}
        )
    errors = _validate(data, now)
    manager_id = data.line_manager_id or actor.line_manager_id
    manager = db.session.get(User, manager_id) if manager_id else None
    if manager is None or not manager.active or manager.id == actor.id:
        said = _l("Choose the manager to tell (your line manager or another)")
        errors["line_manager_id"] = Problem("incident.manager_missing", said)
    if errors:
        raise ServiceError(errors)
    hold_calendar()  # the review's due date is counted with it (see portal.deadlines)
    examples = sorted(set(data.example_types))
    serious = serious_by_report(examples, data.injury)
    incident = Incident(
        reference=next_reference("incident", now),
        customer_id=customer.id,
        reported_by_id=actor.id,
        line_manager_id=manager.id,
        occurred_at=data.occurred_at,
        reported_at=now,
        channel=data.channel,
        location=data.location.strip()[:200],
        service_area=data.service_area.strip()[:80],
        example_types=examples,
        description=data.description.strip(),
        immediate_action=data.immediate_action.strip(),
        witnesses=data.witnesses.strip(),
        injury=data.injury,
        injury_details=data.injury_details.strip() if data.injury else "",
        protected_characteristics=sorted({p.value for p in data.protected_characteristics}),
        police_informed=data.police_informed,
        police_informed_at=data.police_informed_at if data.police_informed else None,
        crime_reference=data.crime_reference.strip()[:40] if data.police_informed else "",
        serious=serious,
        route=route_for(customer),
        status=IncidentStatus.AWAITING_REVIEW,
        review_due_on=review_due_on(now, load_calendar()).due,
    )
    incident.category_links = [IncidentCategory(category=c) for c in dict.fromkeys(data.categories)]
    db.session.add(incident)
    db.session.flush()
    audit.record(
        actor,
        now,
        "incident.reported",
        "incident",
        incident.id,
        f"{incident.reference} reported about {customer.reference}",
        after={
            "reference": incident.reference,
            "customer": customer.reference,
            "categories": incident.categories,
            "route": incident.route,
            "review_due_on": incident.review_due_on,
            "serious": serious,
        },
    )
    notify(
        manager.id,
        f"{actor.name} reported incident {incident.reference} about {customer.name}. "
        "Record your decision on police and legal action.",
        f"/staff/incidents/{incident.id}/decision",
        now,
    )
    return incident


def attach_evidence(
    actor: User,
    now: datetime,
    incident: Incident,
    filename: str,
    content: bytes,
    upload_dir: Path,
    max_bytes: int,
) -> Attachment:
    """Store an evidence file outside static/, checking its size and type.

    :raises ServiceError: if the file is empty, too big or of a type we do not accept.
    """
    name, suffix = uploads.check_upload(filename, content, max_bytes)
    stored = uploads.store(upload_dir, suffix, content)
    attachment = Attachment(
        incident_id=incident.id,
        original_name=name,
        stored_name=stored,
        content_type=uploads.ALLOWED_ATTACHMENT_TYPES[suffix],
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by_id=actor.id,
        uploaded_at=now,
    )
    db.session.add(attachment)
    db.session.flush()
    audit.record(
        actor,
        now,
        "incident.evidence_added",
        "incident",
        incident.id,
        f"Evidence {name} added to {incident.reference}",
        after={"file": name, "sha256": attachment.sha256, "bytes": len(content)},
    )
    return attachment


def record_manager_decision(
    actor: User, now: datetime, incident: Incident, decisions: list[ManagerDecision], notes: str
) -> Incident:
    """Record what the colleague and line manager decided under §8.3.

    :raises NotAllowed: if the actor is not the manager the report went to.
    :raises ServiceError: if the decision is empty, contradictory, or already recorded.
    """
    if incident.line_manager_id != actor.id:
        raise NotAllowed
    if incident.manager_decided:
        said = _l("The decision on this incident has already been recorded")
        raise ServiceError(Problem("incident.decision_recorded", said))
    chosen = list(dict.fromkeys(decisions))
    if not chosen:
        said = _l("Select what you decided, or 'No further immediate action'")
        raise ServiceError({"decisions": Problem("incident.decision_missing", said)})
    if ManagerDecision.NONE in chosen and len(chosen) > 1:
        said = _l("'No further immediate action' cannot be chosen with another action")
        raise ServiceError({"decisions": Problem("incident.decision_none_with_other", said)})
    if any(d not in manager_decisions_allowed(incident.serious) for d in chosen):
        said = _l(
            "Ending all contact is only possible after a serious incident "
            "(§8.1, §8.19): this incident is not marked serious"
        )
        raise ServiceError({"decisions": Problem("incident.end_contact_not_serious", said)})
    if ManagerDecision.NONE not in chosen and not notes.strip():
        said = _l("Explain the decision and what happens next")
        raise ServiceError({"notes": Problem("incident.decision_notes_missing", said)})
    incident.manager_decisions = [d.value for d in chosen]
    incident.manager_notes = notes.strip()
    incident.manager_decided_at = now
    incident.manager_decided_by_id = actor.id
    db.session.flush()
    audit.record(
        actor,
        now,
        "incident.manager_decision",
        "incident",
        incident.id,
        f"Line manager decision on {incident.reference}",
        before={"manager_decisions": []},
        after={"manager_decisions": incident.manager_decisions, "notes": incident.manager_notes},
    )
    return incident


def mark_seriousness(
    actor: User,
    now: datetime,
    incident: Incident,
    serious: bool,
    reason: str,
    seen: str | None = None,
) -> Incident:
    """Record the Panel's judgement that ``incident`` is serious under §8.1, or is not.

    ``seen`` is the judgement the member's page showed (``Incident.serious_judgement_seen``;
    None checks nothing). The same judgement sent again by the same member (a double click)
    is recorded once.

    :raises NotAllowed: if the actor may not review the incident for the Panel.
    :raises ServiceError: if no reason is given, or it is too long.
    :raises Conflict: if another member's judgement was recorded after the page was shown.
    """
    if not permissions.can_review_as_panel(actor, incident):
        raise NotAllowed
    reason = reason.strip()
    if not reason:
        said = _l("Give the reason for your judgement")
        raise ServiceError({"serious_reason": Problem("incident.serious_reason_missing", said)})
    if len(reason) > SERIOUS_REASON_MAX:
        said = _l("Keep the reason to 2,000 characters or fewer")
        raise ServiceError({"serious_reason": Problem("incident.serious_reason_long", said)})
    transitions.lock(incident)  # read again, under the lock: another member may have judged it
    if (incident.serious_marked_by_id, incident.serious, incident.serious_reason) == (
        actor.id,
        serious,
        reason,
    ):
        return incident  # this judgement is on record already: sent twice
    if (
        seen is not None
        and incident.serious_marked_by_panel
        and seen != incident.serious_judgement_seen
    ):
        raise _judged_meanwhile(incident)
    before = {"serious": incident.serious, "reason": incident.serious_reason}
    incident.serious = serious
    incident.serious_reason = reason
    incident.serious_marked_at = now
    incident.serious_marked_by_id = actor.id
    db.session.flush()
    audit.record(
        actor,
        now,
        "incident.seriousness_marked",
        "incident",
        incident.id,
        f"{incident.reference} marked {'serious' if serious else 'not serious'} (§8.1)",
        before=before,
        after={"serious": serious, "reason": reason},
    )
    return incident


def _judged_meanwhile(incident: Incident) -> Conflict:
    what = "Marked serious" if incident.serious else "Marked not serious"
    return Conflict(
        what,
        by=incident.serious_marked_by.name,
        at=incident.serious_marked_at,
        message=Problem(
            "incident.judged_meanwhile",
            _l(
                "The Panel's judgement has changed since you opened this page: read it, then "
                "record yours again if you still disagree"
            ),
        ),
    )


def recompute_review_due(
    actor, now: datetime, calendar: WorkingCalendar, because: dict | None = None
) -> int:
    """Recompute open Panel review deadlines after a calendar change; audit each change.

    A due date already passed stays as it was, and none is moved to a day already passed.
    ``because`` (e.g. ``{"closure_added": day}``) is recorded with each change.
    """
    changed = 0
    today = london_date(now)
    open_incidents = db.session.scalars(
        select(Incident).where(
            Incident.status == IncidentStatus.AWAITING_REVIEW, Incident.review_due_on >= today
        )
    )
    for incident in open_incidents:
        due = review_due_on(incident.reported_at, calendar).due
        if due != incident.review_due_on and due >= today:
            audit.record(
                actor,
                now,
                "incident.review_due_recomputed",
                "incident",
                incident.id,
                f"Review due date of {incident.reference} moved from {incident.review_due_on} "
                f"to {due} after a calendar change",
                before={"review_due_on": incident.review_due_on},
                after={"review_due_on": due, **(because or {})},
            )
            incident.review_due_on = due
            changed += 1
    db.session.flush()
    return changed


def record_evidence_download(actor, now: datetime, incident: Incident, attachment) -> None:
    """Audit a member of staff opening an evidence file (the caller has checked they may)."""
    audit.record(
        actor,
        now,
        "incident.evidence_downloaded",
        "incident",
        incident.id,
        f"{incident.reference}: file {attachment.original_name} opened",
        after={"file": attachment.original_name, "sha256": attachment.sha256},
    )
