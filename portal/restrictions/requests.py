"""The Request to Restrict Contact (§8.16–8.18, Appendix B): the Panel builds and submits it,
and answers GLT's question on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import db, transitions
from portal.audit import services as audit
from portal.auth import permissions
from portal.auth.models import Role, User, UserRole
from portal.conduct_warnings.models import ConductWarning, Stage
from portal.errors import NotAllowed, Problem, ServiceError
from portal.incidents.models import Incident
from portal.notifications.services import notify
from portal.references import next_reference
from portal.restrictions._common import take_part
from portal.restrictions.kinds import KINDS
from portal.restrictions.models import (
    CHECKLIST,
    EiaOutcome,
    RequestPart,
    RequestStatus,
    RestrictionKind,
    RestrictionRequest,
)
from portal.timeutil import london_date

EIA_UNANSWERED = Problem(
    "restriction.eia_unanswered",
    _l("Say whether an Equality Impact Assessment was needed (§4.7)"),
)
EIA_OUTCOME_MISSING = Problem(
    "restriction.eia_outcome_missing", _l("Choose the outcome of the Equality Impact Assessment")
)


def live_final_warning(customer_id: int, on: date) -> ConductWarning | None:
    """The customer's most recent final warning that still counts on ``on`` (§8.17, point 8)."""
    return db.session.scalar(
        select(ConductWarning)
        .where(
            ConductWarning.customer_id == customer_id,
            ConductWarning.stage == Stage.FINAL,
            ConductWarning.issued_on <= on,
            ConductWarning.lapses_on >= on,
        )
        .order_by(ConductWarning.issued_on.desc())
        .limit(1)
    )


def serious_incidents(customer_id: int) -> list[Incident]:
    """Serious incidents in the sense of §8.1 on the customer's record."""
    return list(
        db.session.scalars(
            select(Incident)
            .where(Incident.customer_id == customer_id, Incident.serious.is_(True))
            .order_by(Incident.occurred_at.desc())
        )
    )


@dataclass
class RequestInput:
    checklist: dict[str, str]
    proposed_kinds: list[RestrictionKind]
    proposal: str
    waiver_incident_id: int | None = None
    waiver_reason: str = ""
    # §4.5: None until the Panel says whether a representative was considered.
    representative_considered: bool | None = None
    representative_decision: str = ""
    # §4.7: None until the Panel says whether an Equality Impact Assessment was needed.
    eia_needed: bool | None = None
    eia_outcome: EiaOutcome | None = None
    eia_note: str = ""
    # §9.5: asked only when the proposal ends all contact.
    other_methods_exhausted: bool = False
    other_methods_tried: str = ""


SHORT = 1000  # the representative answer is a sentence or two, not a report


def ends_all_contact(kinds) -> bool:
    """Any of ``kinds`` (values or members) ends all contact (§9.5)."""
    return any(KINDS[RestrictionKind(k)].ends_all_contact for k in kinds)


def _check_considerations(data: RequestInput) -> dict[str, Problem]:
    """§4.5, §4.7 and §9.5: what the Panel must answer before GLT is asked."""
    errors: dict[str, Problem] = {}
    if data.representative_considered is None:
        errors["representative_considered"] = Problem(
            "restriction_request.representative_unanswered",
            _l("Say whether a representative, relative or support worker was considered (§4.5)"),
        )
    elif not data.representative_decision.strip():
        errors["representative_decision"] = (
            Problem(
                "restriction_request.representative_decision_missing",
                _l("Say what was decided about a representative, and why"),
            )
            if data.representative_considered
            else Problem(
                "restriction_request.representative_reason_missing",
                _l("Say why a representative was not considered"),
            )
        )
    elif len(data.representative_decision.strip()) > SHORT:
        errors["representative_decision"] = Problem(
            "restriction_request.representative_decision_long",
            _l("Keep this to %(count)s characters or fewer", count=f"{SHORT:,}"),
        )
    if data.eia_needed is None:
        errors["eia_needed"] = EIA_UNANSWERED
    elif data.eia_needed and data.eia_outcome is None:
        errors["eia_outcome"] = EIA_OUTCOME_MISSING
    elif data.eia_needed and not data.eia_note.strip():
        errors["eia_note"] = Problem(
            "restriction_request.eia_note_missing",
            _l("Say what the assessment found, or who is completing it and by when"),
        )
    if ends_all_contact(data.proposed_kinds):
        if not data.other_methods_exhausted:
            errors["other_methods_exhausted"] = Problem(
                "restriction_request.other_methods_unconfirmed",
                _l(
                    "All contact can only be ended once all other methods of restricted "
                    "contact have been exhausted (§9.5): confirm they have been"
                ),
            )
        if not data.other_methods_tried.strip():
            errors["other_methods_tried"] = Problem(
                "restriction_request.other_methods_missing",
                _l("Describe the other methods tried, and why they did not work (§9.5)"),
            )
    return errors


def considerations(data: RequestInput) -> dict[str, object]:
    """The request's columns for §4.5, §4.7 and §9.5, from answers already checked."""
    ends_all = ends_all_contact(data.proposed_kinds)
    return {
        "representative_considered": data.representative_considered,
        "representative_decision": data.representative_decision.strip(),
        "eia_needed": data.eia_needed,
        "eia_outcome": data.eia_outcome if data.eia_needed else None,
        "eia_note": data.eia_note.strip(),
        "other_methods_exhausted": ends_all and data.other_methods_exhausted,
        "other_methods_tried": data.other_methods_tried.strip() if ends_all else "",
    }


def considerations_of(request: RestrictionRequest) -> dict[str, object]:
    """The request's §4.5, §4.7 and §9.5 answers, for the audit entry."""
    return {
        "representative_considered": request.representative_considered,
        "representative_decision": request.representative_decision,
        "eia_needed": request.eia_needed,
        "eia_outcome": request.eia_outcome,
        "eia_note": request.eia_note,
        "other_methods_exhausted": request.other_methods_exhausted,
        "other_methods_tried": request.other_methods_tried,
    }


def _validate_request(
    customer_id: int, data: RequestInput, today: date
) -> tuple[dict, ConductWarning | None]:
    errors: dict[str, Problem] = {}
    missing = [key for key in CHECKLIST if not data.checklist.get(key, "").strip()]
    if missing:
        errors[f"checklist_{missing[0]}"] = Problem(
            "restriction_request.evidence_missing",
            _l("Give the evidence for each point before asking GLT"),
        )
    unknown = set(data.checklist) - set(CHECKLIST)
    if unknown:
        errors[""] = Problem(
            "restriction_request.unknown_points",
            _l("The request has points that are not in the policy"),
        )
    if not data.proposed_kinds:
        errors["proposed_kinds"] = Problem(
            "restriction_request.kind_missing", _l("Select the restriction you propose")
        )
    if not data.proposal.strip():
        errors["proposal"] = Problem(
            "restriction_request.proposal_missing",
            _l("Describe the restriction you propose and why it is proportionate"),
        )
    final = live_final_warning(customer_id, today)
    serious = {i.id for i in serious_incidents(customer_id)}
    if final is None:
        if data.waiver_incident_id is None and not data.waiver_reason.strip():
            errors["waiver_incident_id"] = Problem(
                "restriction_request.no_final_warning",
                _l(
                    "No final warning has been issued in the last 12 months. A request can only "
                    "go ahead without one after a serious incident (§8.1): choose it and give "
                    "the reason"
                ),
            )
        elif data.waiver_incident_id not in serious:
            errors["waiver_incident_id"] = Problem(
                "restriction_request.waiver_not_serious",
                _l("Choose a serious incident (§8.1) on this customer's record"),
            )
        elif not data.waiver_reason.strip():
            errors["waiver_reason"] = Problem(
                "restriction_request.waiver_reason_missing",
                _l("Explain why the request cannot wait for a final warning"),
            )
    needs_incident = [KINDS[k].needs_serious_incident for k in data.proposed_kinds if k in KINDS]
    if any(needs_incident) and not serious:
        errors["proposed_kinds"] = Problem(
            "restriction.needs_serious_incident", next(filter(None, needs_incident))
        )
    errors.update(_check_considerations(data))
    return errors, final


def submit_request(actor, now: datetime, customer, data: RequestInput) -> RestrictionRequest:
    """The Panel asks GLT to restrict contact (§8.18).

    :raises NotAllowed: if the actor is not on the Panel.
    :raises ServiceError: if a point lacks evidence or there is no final warning or waiver.
    """
    if not permissions.can_request_restriction(actor):
        raise NotAllowed
    errors, final = _validate_request(customer.id, data, london_date(now))
    if errors:
        raise ServiceError(errors)
    request = RestrictionRequest(
        reference=next_reference("restriction_request", now),
        customer_id=customer.id,
        requested_by_id=actor.id,
        requested_at=now,
        checklist={key: data.checklist[key].strip() for key in CHECKLIST},
        final_warning_id=final.id if final else None,
        waiver_incident_id=None if final else data.waiver_incident_id,
        waiver_reason="" if final else data.waiver_reason.strip(),
        proposed_kinds=[k.value for k in dict.fromkeys(data.proposed_kinds)],
        proposal=data.proposal.strip(),
        status=RequestStatus.SUBMITTED,
        **considerations(data),
    )
    db.session.add(request)
    db.session.flush()
    take_part(request, actor, RequestPart.REQUESTED, now)
    audit.record(
        actor,
        now,
        "restriction_request.submitted",
        "restriction_request",
        request.id,
        f"{request.reference}: request to restrict contact with {customer.reference}",
        after={
            "proposed_kinds": request.proposed_kinds,
            "final_warning_id": request.final_warning_id,
            "waiver_incident_id": request.waiver_incident_id,
            **considerations_of(request),
        },
    )
    _notify_glt(request, now, "asks you to decide on restricting contact")
    return request


def _notify_glt(request: RestrictionRequest, now: datetime, what: str) -> None:
    glt = db.session.scalars(
        select(User.id).join(UserRole).where(UserRole.role == Role.GLT, User.active.is_(True))
    )
    authors = request.author_ids
    for user_id in glt:
        if user_id not in authors:
            notify(
                user_id,
                f"{request.reference} {what}.",
                f"/staff/restriction-requests/{request.id}",
                now,
            )


def resubmit(actor, now: datetime, request: RestrictionRequest, data: RequestInput) -> None:
    """The Panel answers GLT's question and sends the request back."""
    if not permissions.can_request_restriction(actor):
        raise NotAllowed
    if request.status != RequestStatus.MORE_INFO:
        if request.status == RequestStatus.SUBMITTED and not request.more_info_question:
            raise ServiceError(
                Problem(
                    "restriction_request.not_waiting",
                    _l("This request is not waiting for more information"),
                )
            )
        raise RestrictionRequest.TRANSITIONS.conflict(request)
    errors, final = _validate_request(request.customer_id, data, london_date(now))
    if errors:
        raise ServiceError(errors)
    before = {
        "checklist": request.checklist,
        "proposal": request.proposal,
        **considerations_of(request),
    }
    transitions.move(
        request,
        RequestStatus.SUBMITTED,
        values={
            "checklist": {key: data.checklist[key].strip() for key in CHECKLIST},
            "proposal": data.proposal.strip(),
            "proposed_kinds": [k.value for k in dict.fromkeys(data.proposed_kinds)],
            "final_warning_id": final.id if final else None,
            "waiver_incident_id": None if final else data.waiver_incident_id,
            "waiver_reason": "" if final else data.waiver_reason.strip(),
            **considerations(data),
        },
    )
    # Whoever changes the request shares in writing it, so may not decide it (§8.16).
    take_part(request, actor, RequestPart.ANSWERED, now)
    audit.record(
        actor,
        now,
        "restriction_request.resubmitted",
        "restriction_request",
        request.id,
        f"{request.reference}: more information given",
        before=before,
        after={
            "checklist": request.checklist,
            "proposal": request.proposal,
            **considerations_of(request),
        },
    )
    _notify_glt(request, now, "has the more information you asked for")
