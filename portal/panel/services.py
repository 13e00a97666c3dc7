"""The Panel's review of an incident report (§7.2, §8.7–8.14, §4.5, §4.7)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l

from portal import db, transitions
from portal.audit import services as audit
from portal.auth import permissions
from portal.conduct_warnings.services import stage_for
from portal.errors import NotAllowed, Problem, ServiceError
from portal.impact import services as impact
from portal.incidents.models import Incident, IncidentStatus, Route
from portal.panel.models import (
    CONTEXT_CONSIDERATIONS,
    LETTER_SUMMARY_MAX,
    Outcome,
    PanelReview,
)
from portal.timeutil import london_date


@dataclass
class ReviewInput:
    context_considered: list[str]
    context_notes: str
    outcome: Outcome
    reasons: str
    vulnerability_considered: bool = False
    vulnerability_notes: str = ""
    support_referral: bool = False
    support_referral_to: str = ""
    eia_needed: bool = False
    eia_notes: str = ""
    letter_summary: str = ""
    extra: dict = field(default_factory=dict)


def outcomes_for(incident: Incident) -> list[Outcome]:
    """The outcomes open to the Panel for ``incident``: no warning while a final warning is
    live (§8.12, §8.16), and ASB remedies only on the §8.4 route."""
    return [
        outcome
        for outcome in Outcome
        if not (outcome == Outcome.WARNING and stage_for(incident) is None)
        and not (outcome == Outcome.ASB_REFERRAL and incident.route != Route.ASB)
    ]


def record_review(actor, now: datetime, incident: Incident, data: ReviewInput) -> PanelReview:
    """Record the Panel's review and its outcome; a warning is then issued from its letter.

    :raises NotAllowed: if the actor is not on the Panel (or the CSM for a §8.4 referral).
    :raises ServiceError: with a message for each field that is wrong.
    :raises Conflict: if the incident has been reviewed (by whom and when).
    """
    review = draft_review(actor, now, incident, data)
    # Reviewed once, under the lock, before the review is added.
    before = {"status": transitions.move(incident, IncidentStatus.REVIEWED)}
    db.session.add(review)
    db.session.flush()
    impact.open_for_review(actor, now, review)  # §4.7: an assessment, tracked to its outcome
    audit.record(
        actor,
        now,
        "incident.reviewed",
        "incident",
        incident.id,
        f"Panel review of {incident.reference}: {data.outcome.title}",
        before=before,
        after={
            "status": incident.status,
            "outcome": data.outcome,
            "late": london_date(now) > incident.review_due_on,
            "eia_needed": data.eia_needed,
            "support_referral": data.support_referral,
        },
    )
    return review


def draft_review(actor, now: datetime, incident: Incident, data: ReviewInput) -> PanelReview:
    """The review as it would be recorded, checked but not kept (the live letter preview
    drafts the warning from it, and so writes nothing).

    :raises NotAllowed: if the actor is not on the Panel (or the CSM for a §8.4 referral).
    :raises ServiceError: with a message for each field that is wrong.
    :raises Conflict: if the incident has been reviewed (by whom and when).
    """
    if not permissions.can_review_as_panel(actor, incident):
        raise NotAllowed
    if incident.status == IncidentStatus.REVIEWED:
        raise Incident.TRANSITIONS.conflict(incident)
    errors: dict[str, Problem] = {}
    unknown = [key for key in data.context_considered if key not in CONTEXT_CONSIDERATIONS]
    if unknown:
        errors["context_considered"] = Problem(
            "panel_review.context_unknown", _l("Select considerations from the list")
        )
    elif set(data.context_considered) != set(CONTEXT_CONSIDERATIONS):
        errors["context_considered"] = Problem(
            "panel_review.context_unconfirmed",
            _l("Confirm you have weighed each point of context (§7.2)"),
        )
    if not data.context_notes.strip():
        errors["context_notes"] = Problem(
            "panel_review.context_notes_missing",
            _l("Say how the context affected your view of the behaviour"),
        )
    customer = incident.customer
    if customer.has_vulnerability and not data.vulnerability_considered:
        errors["vulnerability_considered"] = Problem(
            "panel_review.vulnerability_unconfirmed",
            _l(
                "This customer has recorded vulnerabilities or support needs: confirm you have "
                "considered them (§8.14)"
            ),
        )
    if data.vulnerability_considered and not data.vulnerability_notes.strip():
        errors["vulnerability_notes"] = Problem(
            "panel_review.vulnerability_notes_missing",
            _l("Say how the vulnerabilities were taken into account"),
        )
    if data.support_referral and not data.support_referral_to.strip():
        errors["support_referral_to"] = Problem(
            "panel_review.support_service_missing",
            _l("Name the support service the customer is referred to"),
        )
    if data.eia_needed and not data.eia_notes.strip():
        errors["eia_notes"] = Problem(
            "panel_review.eia_notes_missing",
            _l("Say who will complete the Equality Impact Assessment, and by when"),
        )
    if not data.reasons.strip():
        errors["reasons"] = Problem(
            "panel_review.reasons_missing", _l("Give the reasons for the outcome")
        )
    if data.outcome == Outcome.WARNING and stage_for(incident) is None:
        errors["outcome"] = Problem(
            "panel_review.final_warning_live",
            _l(
                "A final warning is still live: the next step is a request to restrict contact, "
                "not another warning"
            ),
        )
    summary = data.letter_summary.strip()
    if data.outcome == Outcome.WARNING and not summary:
        errors["letter_summary"] = Problem(
            "panel_review.letter_summary_missing",
            _l(
                "Write what happened, for the warning letter, in words the customer will understand"
            ),
        )
    elif len(summary) > LETTER_SUMMARY_MAX:
        errors["letter_summary"] = Problem(
            "panel_review.letter_summary_long",
            _l("Keep the summary for the letter to 1,500 characters or fewer"),
        )
    if data.outcome == Outcome.ASB_REFERRAL and incident.route != Route.ASB:
        errors["outcome"] = Problem(
            "panel_review.asb_not_tenant",
            _l(
                "Anti-social behaviour remedies apply only to tenants and their relatives or "
                "visitors (§8.4)"
            ),
        )
    if errors:
        raise ServiceError(errors)
    return PanelReview(
        incident_id=incident.id,
        reviewer_id=actor.id,
        reviewed_at=now,
        context_considered=sorted(data.context_considered),
        context_notes=data.context_notes.strip(),
        vulnerability_considered=data.vulnerability_considered,
        vulnerability_notes=data.vulnerability_notes.strip(),
        support_referral=data.support_referral,
        support_referral_to=data.support_referral_to.strip() if data.support_referral else "",
        eia_needed=data.eia_needed,
        eia_notes=data.eia_notes.strip() if data.eia_needed else "",
        outcome=data.outcome,
        reasons=data.reasons.strip(),
        letter_summary=summary if data.outcome == Outcome.WARNING else "",
    )
