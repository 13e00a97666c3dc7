"""GLT's decision on a Request to Restrict Contact (§8.19): approve, approve with changes, ask
the Panel for more, or reject; nobody decides a request they wrote or changed (§8.16)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import db, transitions
from portal.audit import services as audit
from portal.auth import permissions
from portal.errors import NotAllowed, Problem, ServiceError
from portal.notifications.services import notify
from portal.restrictions._common import take_part
from portal.restrictions.models import (
    EiaOutcome,
    RequestPart,
    RequestStatus,
    Restriction,
    RestrictionRequest,
    RestrictionStatus,
)
from portal.restrictions.requests import EIA_OUTCOME_MISSING, EIA_UNANSWERED, ends_all_contact
from portal.restrictions.review_together import review_together
from portal.restrictions.terms import RestrictionSpec, terms_of, validate_spec
from portal.timeutil import london_date


@dataclass(frozen=True)
class EiaAnswer:
    """GLT's answer on the Equality Impact Assessment at its decision (§4.7)."""

    needed: bool | None
    outcome: EiaOutcome | None = None
    note: str = ""

    @classmethod
    def of_request(cls, request: RestrictionRequest) -> EiaAnswer:
        """The Panel's answer, which GLT confirms by leaving it as it is."""
        return cls(request.eia_needed, request.eia_outcome, request.eia_note)

    @property
    def not_complete(self) -> bool:
        return bool(self.needed) and self.outcome == EiaOutcome.NOT_COMPLETE


def _check_eia(request: RestrictionRequest, eia: EiaAnswer, approving: bool) -> dict[str, Problem]:
    errors: dict[str, Problem] = {}
    if eia.needed is None:
        errors["eia_needed"] = EIA_UNANSWERED
    elif eia.needed and eia.outcome is None:
        errors["eia_outcome"] = EIA_OUTCOME_MISSING
    elif approving and eia.not_complete:
        errors["eia_outcome"] = Problem(
            "restriction_decision.eia_not_complete",
            _l(
                "The Equality Impact Assessment must be complete before contact is restricted "
                "(§4.7): ask the Panel for more information, or reject the request"
            ),
        )
    # A request made before the question was asked has no answer to differ from.
    panel = EiaAnswer.of_request(request)
    differs = panel.needed is not None and (eia.needed, eia.outcome if eia.needed else None) != (
        panel.needed,
        panel.outcome if panel.needed else None,
    )
    if not errors and differs and not eia.note.strip():
        errors["eia_note"] = Problem(
            "restriction_decision.eia_note_missing",
            _l("Say why your answer differs from the Panel's"),
        )
    return errors


def wrote_request(actor, request: RestrictionRequest) -> bool:
    """The actor made the request or answered GLT's question on it."""
    return actor.id in request.author_ids


def decision_blocker(actor, request: RestrictionRequest) -> str | None:
    """Why a GLT member cannot decide the request now, in words for the page (None if they can).

    Separation of duties (§8.16): nobody decides a request they wrote or changed.
    """
    if request.status.decided:
        return _("This request has been decided.")
    if actor.id == request.requested_by_id:
        return _(
            "You made this request, so another member of the Group Leadership Team must decide it."
        )
    if wrote_request(actor, request):
        return _(
            "You answered the Group Leadership Team's question on this request, so another "
            "member of the Group Leadership Team must decide it."
        )
    if request.status == RequestStatus.MORE_INFO:
        return _(
            "The Group Leadership Team asked the Panel for more information. The request can "
            "be decided once the Panel has answered and sent it back."
        )
    return None


def approves_as_proposed(request: RestrictionRequest, specs: list[RestrictionSpec]) -> bool:
    """The restrictions granted are exactly the kinds the Panel proposed (§8.19 "approve");
    fewer, more or other kinds are "approve with changes"."""
    return sorted(s.kind.value for s in specs) == sorted(set(request.proposed_kinds))


def _check_glt(actor, request: RestrictionRequest) -> None:
    if not permissions.can_decide_restriction(actor):
        raise NotAllowed
    if wrote_request(actor, request):
        raise NotAllowed
    if request.status.decided:
        raise RestrictionRequest.TRANSITIONS.conflict(request)


def ask_for_more(actor, now: datetime, request: RestrictionRequest, question: str) -> None:
    """GLT asks the Panel for more information before deciding."""
    _check_glt(actor, request)
    if request.status != RequestStatus.SUBMITTED:
        raise RestrictionRequest.TRANSITIONS.conflict(request)
    if not question.strip():
        raise ServiceError(
            {
                "question": Problem(
                    "restriction_decision.question_missing",
                    _l("Say what more information you need"),
                )
            }
        )
    before = {"status": request.status}
    transitions.move(
        request,
        RequestStatus.MORE_INFO,
        rule=partial(_check_glt, actor),
        values={"more_info_question": question.strip()},
    )
    audit.record(
        actor,
        now,
        "restriction_request.more_info",
        "restriction_request",
        request.id,
        f"{request.reference}: more information requested",
        before=before,
        after={"status": request.status, "question": question.strip()},
    )
    notify(
        request.requested_by_id,
        f"GLT asked for more information on {request.reference}.",
        f"/staff/restriction-requests/{request.id}",
        now,
    )


def decide(
    actor,
    now: datetime,
    request: RestrictionRequest,
    outcome: RequestStatus,
    reasons: str,
    specs: list[RestrictionSpec],
    eia: EiaAnswer | None = None,
    together: bool = False,
    seen_in_force: str | None = None,
) -> list[Restriction]:
    """GLT approves, approves with changes, or rejects a request, with reasons (§8.19), and
    confirms or records the Equality Impact Assessment (§4.7; ``None`` confirms the Panel's).
    With ``together``, the restrictions approved and those already in force for the customer
    are given one review date (:func:`portal.restrictions.review_together.review_together`);
    ``seen_in_force`` is how GLT's page showed those in force (a Conflict if they changed).

    :raises NotAllowed: if the actor is not GLT, or made or changed the request.
    :raises ServiceError: for missing reasons or an invalid restriction, or while GLT's
        question to the Panel is still open.
    :raises Conflict: if someone else decided the request (or asked the Panel more) first.
    """
    _check_glt(actor, request)
    if request.status != RequestStatus.SUBMITTED:
        raise ServiceError(
            Problem(
                "restriction_decision.question_open",
                _l(
                    "The Panel has not yet answered the question GLT asked: the request can be "
                    "decided once they send it back"
                ),
            )
        )
    errors: dict[str, Problem] = {}
    if outcome not in (
        RequestStatus.APPROVED,
        RequestStatus.APPROVED_WITH_CHANGES,
        RequestStatus.REJECTED,
    ):
        errors["outcome"] = Problem(
            "restriction_decision.outcome_missing",
            _l("Choose approve, approve with changes or reject"),
        )
    if not reasons.strip():
        errors["reasons"] = Problem(
            "restriction_decision.reasons_missing", _l("Give the reasons for the decision")
        )
    if outcome == RequestStatus.REJECTED and specs:
        errors["outcome"] = Problem(
            "restriction_decision.rejected_with_terms",
            _l("A rejected request creates no restriction"),
        )
    if outcome in (RequestStatus.APPROVED, RequestStatus.APPROVED_WITH_CHANGES):
        if not specs:
            errors["kind"] = Problem(
                "restriction_decision.terms_missing", _l("Set out the restriction you approve")
            )
        for spec in specs:
            errors.update(validate_spec(spec, request.customer_id, today=london_date(now)))
        chosen = [s.kind.value for s in specs]
        if len(set(chosen)) != len(chosen):
            errors["kind"] = Problem(
                "restriction_decision.kind_twice", _l("Choose each kind of restriction once")
            )
        if outcome == RequestStatus.APPROVED and not approves_as_proposed(request, specs):
            errors["outcome"] = Problem(
                "restriction_decision.differs_from_request",
                _l("The restriction differs from the request: choose 'approve with changes'"),
            )
        if ends_all_contact(s.kind for s in specs) and not request.other_methods_exhausted:
            errors.setdefault(
                "kind",
                Problem(
                    "restriction_decision.other_methods_unrecorded",
                    _l(
                        "All contact can only be ended once the Panel has recorded that all "
                        "other methods of restricted contact were exhausted (§9.5): ask the "
                        "Panel for more information"
                    ),
                ),
            )
    eia = eia or EiaAnswer.of_request(request)
    errors.update(_check_eia(request, eia, approving=outcome != RequestStatus.REJECTED))
    if errors:
        raise ServiceError(errors)
    # Under the lock: whoever decides first decides; the second is told what was decided.
    before = {
        "status": transitions.move(
            request,
            outcome,
            rule=partial(_check_glt, actor),
            values={
                "decided_by_id": actor.id,
                "decided_at": now,
                "decision_reasons": reasons.strip(),
                "decision_eia_needed": eia.needed,
                "decision_eia_outcome": eia.outcome if eia.needed else None,
                "decision_eia_note": eia.note.strip(),
            },
        )
    }
    take_part(request, actor, RequestPart.DECIDED, now)
    created = []
    for spec in specs:
        restriction = Restriction(
            customer_id=request.customer_id,
            request_id=request.id,
            **terms_of(spec),
            reasons=spec.reasons.strip(),
            starts_on=spec.starts_on,
            review_on=spec.review_on,
            ends_on=spec.ends_on,
            immediate_notice=spec.immediate_notice,
            status=RestrictionStatus.ACTIVE
            if spec.immediate_notice
            else RestrictionStatus.AWAITING_NOTICE,
            approved_by_id=actor.id,
            approved_at=now,
        )
        db.session.add(restriction)
        created.append(restriction)
    db.session.flush()
    # Audited date by date, before the decision's own entry records the dates that stand.
    moved = review_together(actor, now, created, seen_in_force) if together and created else []
    audit.record(
        actor,
        now,
        "restriction_request.decided",
        "restriction_request",
        request.id,
        f"{request.reference}: {outcome.title}",
        before=before,
        after={
            "status": outcome,
            "reasons": request.decision_reasons,
            "eia_needed": eia.needed,
            "eia_outcome": eia.outcome if eia.needed else None,
            "eia_note": eia.note.strip(),
            "restrictions": [
                {
                    "id": r.id,
                    "kind": r.kind,
                    "review_on": r.review_on,
                    "ends_on": r.ends_on,
                    "immediate": r.immediate_notice,
                }
                for r in created
            ],
            "reviewed_together": [m.restriction.id for m in moved] if together else None,
        },
    )
    notify(
        request.requested_by_id,
        f"GLT decided {request.reference}: {outcome.title}.",
        f"/staff/restriction-requests/{request.id}",
        now,
    )
    return created
