"""The restriction stage of a subject access export: arrangements, requests to restrict
contact, restrictions and their reviews, appeals, and correspondence received while contact is
ended. Each section is one query (children of many rows one more), whatever its size."""

from __future__ import annotations

from sqlalchemy import select

from portal.appeals.models import Appeal
from portal.arrangements.models import Arrangement
from portal.correspondence.models import Correspondence
from portal.customers.subject_access_marks import (
    OTHER,
    Gathered,
    Staff,
    free,
    rows_of,
    safe_name,
    stored_file,
    third_party,
)
from portal.restrictions.models import RequestParticipant, Restriction, RestrictionRequest
from portal.reviews.models import RestrictionReview


def arrangements(cid: int, refs: dict, incident_refs: dict) -> list:
    return [
        {
            "letter": refs.get(a.letter_id, ""),
            "incident": incident_refs.get(a.incident_id, ""),
            "summary": free(a.summary),
            "approved_by": Staff(a.approved_by_id),
            "approved_at": a.approved_at,
            "review_on": a.review_on,
            "status": a.status,
            "response_channel": a.response_channel,
            "responded_at": a.responded_at,
            "response_note": free(a.response_note),
            "response_recorded_by": Staff(a.response_recorded_by_id),
            "ended_at": a.ended_at,
            "delivery": a.delivery,
            "sent_at": a.sent_at,
            "terms": [
                {
                    "kind": t.kind,
                    "name": third_party(t.name, OTHER),
                    "weekday": t.weekday,
                    "starts_at": t.starts_at,
                    "ends_at": t.ends_at,
                    "amount": t.amount,
                    "details": free(t.details),
                }
                for t in a.terms
            ],
        }
        for a in rows_of(
            select(Arrangement).where(Arrangement.customer_id == cid).order_by(Arrangement.id)
        )
    ]


def requests(cid: int, incident_refs: dict) -> tuple[list, dict]:
    """The requests to restrict contact, and each one's reference by its id."""
    made = rows_of(
        select(RestrictionRequest)
        .where(RestrictionRequest.customer_id == cid)
        .order_by(RestrictionRequest.id)
    )
    ids = [r.id for r in made]
    parts: dict[int, list] = {}
    for p in rows_of(
        select(RequestParticipant)
        .where(RequestParticipant.request_id.in_(ids))
        .order_by(RequestParticipant.id)
    ):
        parts.setdefault(p.request_id, []).append(
            {"who": Staff(p.user_id), "part": p.part, "at": p.at}
        )
    listed = [
        {
            "reference": r.reference,
            "requested_by": Staff(r.requested_by_id),
            "requested_at": r.requested_at,
            "checklist": {key: free(text) for key, text in (r.checklist or {}).items()},
            "final_warning_id": r.final_warning_id,
            "waiver_incident": incident_refs.get(r.waiver_incident_id, ""),
            "waiver_reason": free(r.waiver_reason),
            "proposed_kinds": r.proposed_kinds,
            "proposal": free(r.proposal),
            "status": r.status,
            "more_info_question": free(r.more_info_question),
            "decided_by": Staff(r.decided_by_id),
            "decided_at": r.decided_at,
            "decision_reasons": free(r.decision_reasons),
            "representative_considered": r.representative_considered,
            "representative_decision": free(r.representative_decision),
            "eia_needed": r.eia_needed,
            "eia_outcome": r.eia_outcome,
            "eia_note": free(r.eia_note),
            "decision_eia_needed": r.decision_eia_needed,
            "decision_eia_outcome": r.decision_eia_outcome,
            "decision_eia_note": free(r.decision_eia_note),
            "other_methods_exhausted": r.other_methods_exhausted,
            "other_methods_tried": free(r.other_methods_tried),
            "people": parts.get(r.id, []),
        }
        for r in made
    ]
    return listed, {r.id: r.reference for r in made}


def restrictions(cid: int, refs: dict, request_refs: dict) -> list:
    rows = rows_of(
        select(Restriction).where(Restriction.customer_id == cid).order_by(Restriction.id)
    )
    reviews: dict[int, list] = {}
    for v in rows_of(
        select(RestrictionReview)
        .where(RestrictionReview.restriction_id.in_([r.id for r in rows]))
        .order_by(RestrictionReview.id)
    ):
        reviews.setdefault(v.restriction_id, []).append(
            {
                "reviewer": Staff(v.reviewer_id),
                "reviewed_at": v.reviewed_at,
                "outcome": v.outcome,
                "reasons": free(v.reasons),
                "behaviour_since": free(v.behaviour_since),
                "next_review_on": v.next_review_on,
                "letter": refs.get(v.letter_id, ""),
                "delivery": v.delivery,
            }
        )
    return [
        {
            "id": r.id,
            "request": request_refs.get(r.request_id, ""),
            "kind": r.kind,
            "channel": r.channel,
            "named_manager": Staff(r.named_manager_id),
            "schedule": free(r.schedule),
            "third_party": third_party(r.third_party, OTHER),
            "reasons": free(r.reasons),
            "starts_on": r.starts_on,
            "review_on": r.review_on,
            "ends_on": r.ends_on,
            "immediate_notice": r.immediate_notice,
            "status": r.status,
            "approved_by": Staff(r.approved_by_id),
            "approved_at": r.approved_at,
            "delivery": r.delivery,
            "letter": refs.get(r.letter_id, ""),
            "notified_on": r.notified_on,
            "appeal_deadline": r.appeal_deadline,
            "replaces": r.replaces_id,
            "reintroduces": r.reintroduces_id,
            "reintroduce_reason": free(r.reintroduce_reason),
            "closed_at": r.closed_at,
            "reviews": reviews.get(r.id, []),
        }
        for r in rows
    ]


def appeals(got: Gathered, cid: int, refs: dict) -> list:
    out = []
    for a in rows_of(select(Appeal).where(Appeal.customer_id == cid).order_by(Appeal.id)):
        files = []
        for e in a.evidence:
            folder = a.reference or f"draft-{a.id}"
            name = f"evidence/appeals/{folder}/{e.id}-{safe_name(e.original_name)}"
            got.files.append(("appeals", e.stored_name, name))
            files.append(stored_file(e, name, None))
        out.append(
            {
                "reference": a.reference,
                "restriction": a.restriction_id,
                "status": a.status,
                "created_at": a.created_at,
                "updated_at": a.updated_at,
                "received_at": a.received_at,
                "counted_from": a.counted_from,
                "channel": a.channel,
                "lodged_by": Staff(a.lodged_by_staff_id),
                "helped_by": third_party(a.helped_by, OTHER),
                "grounds": a.grounds,
                "new_information": a.new_information,
                "needs_interpreter": a.needs_interpreter,
                "interpreter_language": a.interpreter_language,
                "preferred_format": a.preferred_format,
                "representative": third_party(a.representative, OTHER),
                "other_support": a.other_support,
                "deadline": a.deadline,
                "late": a.late,
                "late_reason": a.late_reason,
                "late_accepted": a.late_accepted,
                "late_decided_by": Staff(a.late_decided_by_id),
                "late_decision_reason": free(a.late_decision_reason),
                "acknowledged_on": a.acknowledged_on,
                "expected_outcome_on": a.expected_outcome_on,
                "referred_on": a.referred_on,
                "reviewed_on": a.reviewed_on,
                "cem_notified_on": a.cem_notified_on,
                "customer_told_on": a.customer_told_on,
                "outcome": a.outcome,
                "outcome_reasons": free(a.outcome_reasons),
                "decided_by": Staff(a.decided_by_id),
                "acknowledgement_letter": refs.get(a.acknowledgement_letter_id, ""),
                "late_letter": refs.get(a.late_letter_id, ""),
                "outcome_letter": refs.get(a.outcome_letter_id, ""),
                "evidence_files": files,
            }
        )
    return out


def correspondence(cid: int, refs: dict) -> list:
    return [
        {
            "id": c.id,
            "restriction": c.restriction_id,
            "received_at": c.received_at,
            "channel": c.channel,
            "summary": free(c.summary),
            "logged_by": Staff(c.logged_by_id),
            "status": c.status,
            "read_at": c.read_at,
            "read_by": Staff(c.read_by_id),
            "checked_at": c.checked_at,
            "new_information": c.new_information,
            "safeguarding_concern": c.safeguarding_concern,
            "check_notes": free(c.check_notes),
            "letter": refs.get(c.letter_id, ""),
            "closed_at": c.closed_at,
        }
        for c in rows_of(
            select(Correspondence)
            .where(Correspondence.customer_id == cid)
            .order_by(Correspondence.received_at, Correspondence.id)
        )
    ]
