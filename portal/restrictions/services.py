"""Restriction verbs: request (§8.16–8.18), GLT decision (§8.19), decision letter (§8.20),
six-monthly review (§10.1), reintroduction, and correspondence under termination (§9.5)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import partial

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import db, transitions
from portal.accounts.access import PortalAccess, letter_access
from portal.audit import services as audit
from portal.auth import permissions
from portal.auth.models import Role, User, UserRole
from portal.conduct_warnings.models import ConductWarning, Stage
from portal.customers.models import Customer
from portal.errors import Conflict, NotAllowed, ServiceError
from portal.i18n import long_date
from portal.incidents.models import Incident
from portal.letters import render as letter_render
from portal.letters import services as letters
from portal.letters.models import Letter, LetterKind
from portal.notifications.services import notify
from portal.organisation.services import get_organisation
from portal.references import next_reference
from portal.restrictions import delivery as deliveries
from portal.restrictions import queries, rules
from portal.restrictions.models import (
    CHECKLIST,
    ContactRoute,
    Correspondence,
    CorrespondenceStatus,
    Delivery,
    RequestPart,
    RequestParticipant,
    RequestStatus,
    Restriction,
    RestrictionKind,
    RestrictionRequest,
    RestrictionReview,
    RestrictionStatus,
    ReviewOutcome,
)
from portal.timeutil import london_date
from portal.workdays.services import load_calendar

# Who may be the one named manager a customer deals with (§8.19): the people the decision
# form offers, so a restriction never names a colleague without a manager's role.
MANAGER_ROLES = (Role.LINE_MANAGER, Role.PANEL, Role.CEM)

# --- reading the data ---------------------------------------------------------------------


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


# --- the request (Appendix B) ---------------------------------------------------------------


@dataclass
class RequestInput:
    checklist: dict[str, str]
    proposed_kinds: list[RestrictionKind]
    proposal: str
    waiver_incident_id: int | None = None
    waiver_reason: str = ""


def _validate_request(
    customer_id: int, data: RequestInput, today: date
) -> tuple[dict, ConductWarning | None]:
    errors: dict[str, str] = {}
    missing = [key for key in CHECKLIST if not data.checklist.get(key, "").strip()]
    if missing:
        errors[f"checklist_{missing[0]}"] = "Give the evidence for each point before asking GLT"
    unknown = set(data.checklist) - set(CHECKLIST)
    if unknown:
        errors[""] = "The request has points that are not in the policy"
    if not data.proposed_kinds:
        errors["proposed_kinds"] = "Select the restriction you propose"
    if not data.proposal.strip():
        errors["proposal"] = "Describe the restriction you propose and why it is proportionate"
    final = live_final_warning(customer_id, today)
    serious = {i.id for i in serious_incidents(customer_id)}
    if final is None:
        if data.waiver_incident_id is None and not data.waiver_reason.strip():
            errors["waiver_incident_id"] = (
                "No final warning has been issued in the last 12 months. A request can only go "
                "ahead without one after a serious incident (§8.1): choose it and give the reason"
            )
        elif data.waiver_incident_id not in serious:
            errors["waiver_incident_id"] = (
                "Choose a serious incident (§8.1) on this customer's record"
            )
        elif not data.waiver_reason.strip():
            errors["waiver_reason"] = "Explain why the request cannot wait for a final warning"
    if RestrictionKind.TERMINATION in data.proposed_kinds and not serious:
        errors["proposed_kinds"] = (
            "Ending all contact is only possible after a serious incident (§8.1, §8.19)"
        )
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
    )
    db.session.add(request)
    db.session.flush()
    _take_part(request, actor, RequestPart.REQUESTED, now)
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
        },
    )
    _notify_glt(request, now, "asks you to decide on restricting contact")
    return request


def _take_part(request: RestrictionRequest, actor, part: RequestPart, now: datetime) -> None:
    """Record the actor's part in the request (once: a second part by anyone is refused)."""
    if any(p.user_id == actor.id for p in request.parts):
        return
    request.parts.append(RequestParticipant(user_id=actor.id, part=part, at=now))
    db.session.flush()


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


def ask_for_more(actor, now: datetime, request: RestrictionRequest, question: str) -> None:
    """GLT asks the Panel for more information before deciding."""
    _check_glt(actor, request)
    if request.status != RequestStatus.SUBMITTED:
        raise RestrictionRequest.TRANSITIONS.conflict(request)
    if not question.strip():
        raise ServiceError({"question": "Say what more information you need"})
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


def resubmit(actor, now: datetime, request: RestrictionRequest, data: RequestInput) -> None:
    """The Panel answers GLT's question and sends the request back."""
    if not permissions.can_request_restriction(actor):
        raise NotAllowed
    if request.status != RequestStatus.MORE_INFO:
        if request.status == RequestStatus.SUBMITTED and not request.more_info_question:
            raise ServiceError("This request is not waiting for more information")
        raise RestrictionRequest.TRANSITIONS.conflict(request)
    errors, final = _validate_request(request.customer_id, data, london_date(now))
    if errors:
        raise ServiceError(errors)
    before = {"checklist": request.checklist, "proposal": request.proposal}
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
        },
    )
    # Whoever changes the request shares in writing it, so may not decide it (§8.16).
    _take_part(request, actor, RequestPart.ANSWERED, now)
    audit.record(
        actor,
        now,
        "restriction_request.resubmitted",
        "restriction_request",
        request.id,
        f"{request.reference}: more information given",
        before=before,
        after={"checklist": request.checklist, "proposal": request.proposal},
    )
    _notify_glt(request, now, "has the more information you asked for")


# --- the GLT decision (§8.19) ----------------------------------------------------------------


@dataclass
class RestrictionSpec:
    kind: RestrictionKind
    starts_on: date
    review_on: date
    reasons: str
    ends_on: date | None = None
    channel: ContactRoute | None = None
    named_manager_id: int | None = None
    schedule: str = ""
    third_party: str = ""
    immediate_notice: bool = False


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


def _terms(spec: RestrictionSpec) -> dict:
    """The kind and the one detail that kind needs; details of other kinds are dropped."""
    kind = spec.kind
    return {
        "kind": kind,
        "channel": spec.channel if kind == RestrictionKind.CHANNEL_ONLY else None,
        "named_manager_id": spec.named_manager_id
        if kind == RestrictionKind.NAMED_MANAGER
        else None,
        "schedule": spec.schedule.strip() if kind == RestrictionKind.SET_TIMES else "",
        "third_party": spec.third_party.strip() if kind == RestrictionKind.THIRD_PARTY else "",
    }


def same_terms(restriction: Restriction, spec: RestrictionSpec) -> bool:
    """Whether ``spec`` limits contact exactly as ``restriction`` does, to the same end date
    (the reasons and the review date aside)."""
    in_force = {
        "kind": restriction.kind,
        "channel": restriction.channel,
        "named_manager_id": restriction.named_manager_id,
        "schedule": (restriction.schedule or "").strip(),
        "third_party": (restriction.third_party or "").strip(),
    }
    return _terms(spec) == in_force and spec.ends_on == restriction.ends_on


def validate_spec(
    spec: RestrictionSpec, customer_id: int, prefix: str = "", today: date | None = None
) -> dict[str, str]:
    """Check one restriction's terms; keys are field names with ``prefix``.

    Given ``today`` (the day of the decision), the start must be from today and within
    :data:`rules.START_WITHIN_MONTHS`; without it the start is taken as checked already.
    """
    errors: dict[str, str] = {}
    if today is not None:
        if spec.starts_on < today:
            # A restriction cannot apply to a time before it was decided.
            errors[prefix + "starts_on"] = _("The start date must be today or later")
        elif spec.starts_on > rules.latest_start_date(today):
            errors[prefix + "starts_on"] = _(
                "The start date must be within %(months)d months of today",
                months=rules.START_WITHIN_MONTHS,
            )
    if prefix + "starts_on" in errors:
        # The other dates are measured from the start: they are checked once it is right (and
        # a start such as 9999-12-01 has no date six months later to compare with).
        spec = replace(spec, review_on=None, ends_on=None)
    if spec.kind == RestrictionKind.CHANNEL_ONLY and spec.channel is None:
        errors[prefix + "channel"] = "Choose the channel the customer may use"
    if spec.kind == RestrictionKind.NAMED_MANAGER:
        manager = db.session.get(User, spec.named_manager_id) if spec.named_manager_id else None
        if manager is None or not manager.active or not manager.has_role(*MANAGER_ROLES):
            errors[prefix + "named_manager_id"] = "Choose the manager the customer deals with"
    if spec.kind == RestrictionKind.SET_TIMES and not spec.schedule.strip():
        errors[prefix + "schedule"] = "Give the days and times, or the contact agreement"
    if spec.kind == RestrictionKind.THIRD_PARTY and not spec.third_party.strip():
        errors[prefix + "third_party"] = "Name the third-party representative"
    if spec.kind == RestrictionKind.TERMINATION:
        if not serious_incidents(customer_id):
            errors[prefix + "kind"] = (
                "Ending all contact is only possible after a serious incident (§8.1, §8.19)"
            )
        if spec.ends_on is None and prefix + "starts_on" not in errors:
            errors[prefix + "ends_on"] = "Ending all contact must have an end date"
    if spec.review_on is not None:
        if spec.review_on <= spec.starts_on:
            errors[prefix + "review_on"] = "The review date must be after the start date"
        elif spec.review_on > rules.latest_review_date(spec.starts_on):
            errors[prefix + "review_on"] = (
                "Restrictions are reviewed at least every 6 months (§10.1): choose an earlier date"
            )
    if spec.ends_on is not None:
        if spec.ends_on < spec.starts_on:
            errors[prefix + "ends_on"] = "The end date must be on or after the start date"
        elif spec.ends_on > rules.latest_end_date(spec.starts_on):
            errors[prefix + "ends_on"] = _(
                "The end date must be within %(months)d months of the start: a longer "
                "restriction is continued at its reviews instead",
                months=rules.LONGEST_PERIOD_MONTHS,
            )
    if not spec.reasons.strip():
        errors[prefix + "restriction_reasons"] = "Explain why this restriction is needed"
    return errors


def decide(
    actor,
    now: datetime,
    request: RestrictionRequest,
    outcome: RequestStatus,
    reasons: str,
    specs: list[RestrictionSpec],
) -> list[Restriction]:
    """GLT approves, approves with changes, or rejects a request, with reasons (§8.19).

    :raises NotAllowed: if the actor is not GLT, or made or changed the request.
    :raises ServiceError: for missing reasons or an invalid restriction, or while GLT's
        question to the Panel is still open.
    :raises Conflict: if someone else decided the request (or asked the Panel more) first.
    """
    _check_glt(actor, request)
    if request.status != RequestStatus.SUBMITTED:
        raise ServiceError(
            _(
                "The Panel has not yet answered the question GLT asked: the request can be "
                "decided once they send it back"
            )
        )
    errors: dict[str, str] = {}
    if outcome not in (
        RequestStatus.APPROVED,
        RequestStatus.APPROVED_WITH_CHANGES,
        RequestStatus.REJECTED,
    ):
        errors["outcome"] = "Choose approve, approve with changes or reject"
    if not reasons.strip():
        errors["reasons"] = "Give the reasons for the decision"
    if outcome == RequestStatus.REJECTED and specs:
        errors["outcome"] = "A rejected request creates no restriction"
    if outcome in (RequestStatus.APPROVED, RequestStatus.APPROVED_WITH_CHANGES):
        if not specs:
            errors["kind"] = "Set out the restriction you approve"
        for spec in specs:
            errors.update(validate_spec(spec, request.customer_id, today=london_date(now)))
        chosen = [s.kind.value for s in specs]
        if len(set(chosen)) != len(chosen):
            errors["kind"] = _("Choose each kind of restriction once")
        if outcome == RequestStatus.APPROVED and not approves_as_proposed(request, specs):
            errors["outcome"] = (
                "The restriction differs from the request: choose 'approve with changes'"
            )
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
            },
        )
    }
    _take_part(request, actor, RequestPart.DECIDED, now)
    created = []
    for spec in specs:
        restriction = Restriction(
            customer_id=request.customer_id,
            request_id=request.id,
            **_terms(spec),
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
        },
    )
    notify(
        request.requested_by_id,
        f"GLT decided {request.reference}: {outcome.title}.",
        f"/staff/restriction-requests/{request.id}",
        now,
    )
    return created


# --- the decision letter (§8.20) -------------------------------------------------------------


@dataclass
class LetterDates:
    sent_on: date
    notified_on: date
    appeal_deadline: date
    explanation: list[str]


def letter_dates(delivery: Delivery, now: datetime) -> LetterDates:
    """When the customer is told, and the appeal deadline that follows (§9.1)."""
    org = get_organisation()
    calendar = load_calendar()
    sent_on = london_date(now)
    notified = rules.notified_on(delivery, sent_on, org.postal_delivery_days, calendar)
    deadline = rules.appeal_deadline(notified, calendar)
    lines = []
    if notified != sent_on:
        lines.append(
            f"Sent by post on {sent_on:%A %-d %B %Y}; taken as received {org.postal_delivery_days} "
            f"working days later, on {notified:%A %-d %B %Y}."
        )
    return LetterDates(sent_on, notified, deadline.due, lines + deadline.explain())


def missing_from_decision_letter(restrictions: list[Restriction]) -> list[str]:
    """What §8.20 needs that is missing: why, what, how long, review, how to ask, how to appeal."""
    org = get_organisation()
    missing = []
    if not restrictions:
        missing.append("what restriction applies")
    if any(not r.reasons.strip() for r in restrictions):
        missing.append("why the restriction is needed")
    if any(r.review_on is None for r in restrictions):
        missing.append("when it will be reviewed")
    if not org.review_request_contact.strip():
        missing.append(
            "how to ask for the decision to be reviewed (set it in Organisation details)"
        )
    if not org.appeals_contact.strip():
        missing.append("how to appeal (set the appeals contact in Organisation details)")
    if not org.complaints_contact.strip() or not org.emergency_contact.strip():
        missing.append("how to make a complaint and report an emergency (Organisation details)")
    return missing


def _decision_letter(
    restrictions: list[Restriction], delivery: Delivery, now: datetime, access: PortalAccess
):
    """The decision letter's renderer and dates, as it would be issued now."""
    dates = letter_dates(delivery, now)
    render = partial(
        letter_render.restriction_decision,
        restrictions=restrictions,
        issued_on=dates.sent_on,
        notified_on=dates.notified_on,
        appeal_deadline=dates.appeal_deadline,
        delivery=delivery,
        access=access,
    )
    return render, dates


def draft_decision_letter(restrictions: list[Restriction], delivery: Delivery, now: datetime):
    """(subject, html, dates) for the decision letter as it would be issued now."""
    access = letter_access(None, now, restrictions[0].customer, preview=True)
    render, dates = _decision_letter(restrictions, delivery, now, access)
    return *render(), dates


def _no_letter_yet(restriction: Restriction) -> None:
    """Refuse a second decision letter, saying who sent the first and when.

    :raises Conflict: if the restriction's decision letter has been sent.
    """
    if restriction.letter_id is None and restriction.notified_on is None:
        return
    letter = db.session.get(Letter, restriction.letter_id) if restriction.letter_id else None
    already = _("The decision letter has already been sent")
    if letter is None:
        raise Conflict(
            _("Customer told on %(date)s", date=long_date(restriction.notified_on)),
            message=already,
        )
    raise Conflict(
        _("Decision letter %(ref)s issued", ref=letter.reference),
        by=db.session.get(User, letter.issued_by_id).name,
        at=letter.issued_at,
        message=already,
    )


def decision_letter_sent(request_id: int) -> Conflict | None:
    """What to tell someone who sends the decision letter form after the letter went: the
    Conflict for the request's letter, or None if none was sent."""
    restriction = db.session.scalar(
        select(Restriction)
        .where(Restriction.request_id == request_id, Restriction.letter_id.is_not(None))
        .order_by(Restriction.id)
        .limit(1)
    )
    if restriction is None:
        return None
    try:
        _no_letter_yet(restriction)
    except Conflict as conflict:
        return conflict
    return None


def issue_decision_letter(
    actor, now: datetime, restrictions: list[Restriction], delivery: Delivery
):
    """Freeze the decision letter and put the restrictions in force (§8.20).

    :raises ServiceError: if anything §8.20 requires is missing.
    :raises Conflict: if the letter was already sent (by whom and when).
    """
    if not permissions.can_decide_restriction(actor) and not permissions.can_request_restriction(
        actor
    ):
        raise NotAllowed
    if not restrictions:
        raise ServiceError("The decision letter has already been sent")
    # Lock each restriction before anything is created: a second letter is never made.
    for restriction in restrictions:
        transitions.lock(restriction, rule=_no_letter_yet)
    if any(
        r.status not in (RestrictionStatus.AWAITING_NOTICE, RestrictionStatus.ACTIVE)
        for r in restrictions
    ):
        # A restriction lifted or replaced before its letter went must not come back into force.
        raise ServiceError("A restriction that is no longer in force needs no decision letter")
    if len({r.customer_id for r in restrictions}) != 1:
        raise ServiceError("A decision letter is about one customer's restrictions")
    missing = missing_from_decision_letter(restrictions)
    if missing:
        raise ServiceError("The letter cannot be issued without: " + "; ".join(missing))
    customer = restrictions[0].customer
    # The appeal clock starts when the customer is told (§9.1): only a way that reaches them.
    cannot = deliveries.problem(customer, delivery)
    if cannot:
        raise ServiceError({"delivery": cannot})
    # The letter carries the customer's way into the portal: a new access code if they have
    # no account yet (issued, and audited, only now that the letter goes).
    access = letter_access(actor, now, customer)
    render, dates = _decision_letter(restrictions, delivery, now, access)
    letter = letters.freeze(actor, now, customer, LetterKind.RESTRICTION_DECISION, render)
    for restriction in restrictions:
        before = {"status": restriction.status}
        transitions.move(
            restriction,
            RestrictionStatus.ACTIVE,
            where=(Restriction.letter_id.is_(None), Restriction.notified_on.is_(None)),
            values={
                "letter_id": letter.id,
                "delivery": delivery,
                "notified_on": dates.notified_on,
                "appeal_deadline": dates.appeal_deadline,
            },
        )
        audit.record(
            actor,
            now,
            "restriction.notified",
            "restriction",
            restriction.id,
            f"Restriction on {customer.reference} notified; appeal by {dates.appeal_deadline}",
            before=before,
            after={
                "status": restriction.status,
                "letter": letter.reference,
                "delivery": delivery,
                "notified_on": dates.notified_on,
                "appeal_deadline": dates.appeal_deadline,
            },
        )
    db.session.flush()
    deliveries.tell_customer(actor, now, customer, letter, delivery, access)
    return letter


# --- six-monthly review (§10.1) --------------------------------------------------------------


def reviews_due(today: date, within_days: int = 14, limit: int = 200) -> list[Restriction]:
    """Restrictions in force on ``today`` whose review is due within ``within_days``, most
    urgent first (one whose end date has passed needs no review)."""
    return list(
        db.session.scalars(
            select(Restriction)
            .options(joinedload(Restriction.customer))
            .where(
                Restriction.in_force_clause(today),
                Restriction.review_on <= today + timedelta(days=within_days),
            )
            .order_by(Restriction.review_on, Restriction.id)
            .limit(limit)
        )
    )


def build_replacement(
    actor, now: datetime, old: Restriction, variation: RestrictionSpec, review_on: date
) -> Restriction:
    """A restriction in force from today that replaces ``old`` with varied terms (at a review
    or on appeal); not yet added to the session."""
    return Restriction(
        customer_id=old.customer_id,
        request_id=old.request_id,
        **_terms(variation),
        reasons=variation.reasons.strip(),
        starts_on=london_date(now),
        review_on=review_on,
        ends_on=variation.ends_on,
        immediate_notice=True,
        status=RestrictionStatus.ACTIVE,
        approved_by_id=actor.id,
        approved_at=now,
        replaces_id=old.id,
        delivery=old.delivery,
    )


def review_restriction(
    actor,
    now: datetime,
    restriction: Restriction,
    outcome: ReviewOutcome,
    reasons: str,
    behaviour_since: str,
    next_review_on: date | None,
    variation: RestrictionSpec | None = None,
    delivery: Delivery | None = None,
) -> RestrictionReview:
    """Record the Restricted Contact Review (Appendix C) and write to the customer (§10.1).

    ``delivery`` is how the letter goes (by default, the way the decision letter went); it
    must be a way that reaches the customer.

    :raises ServiceError: for missing reasons, a missing or late next review, a bad variation
        or a way of sending the letter that cannot reach the customer.
    """
    if not permissions.can_request_restriction(actor):
        raise NotAllowed
    today = london_date(now)
    # Under the lock: two colleagues recording the same review at once record one.
    transitions.lock(restriction, rule=partial(_not_reviewed_on, today))
    if restriction.ran_out_by(today):
        raise ServiceError(
            _(
                "This restriction ended on %(date)s, so there is nothing to review",
                date=long_date(restriction.ends_on),
            )
        )
    errors: dict[str, str] = {}
    delivery = delivery or restriction.delivery
    if delivery is None:
        errors["delivery"] = _("Choose how the letter is sent")
    else:
        cannot = deliveries.problem(restriction.customer, delivery)
        if cannot:
            errors["delivery"] = cannot
    if not reasons.strip():
        errors["reasons"] = "Give the reasons for the decision"
    if outcome in (ReviewOutcome.CONTINUE, ReviewOutcome.VARY):
        if next_review_on is None:
            errors["next_review_on"] = "Enter the date of the next review"
        elif next_review_on <= today:
            errors["next_review_on"] = "The next review must be in the future"
        elif next_review_on > rules.latest_review_date(today):
            errors["next_review_on"] = "Restrictions are reviewed at least every 6 months (§10.1)"
    if outcome == ReviewOutcome.VARY:
        if variation is None:
            errors["kind"] = "Set out the varied restriction"
        else:
            # The replacement starts today and is next reviewed on ``next_review_on``: check
            # those dates, whatever the variation itself says.
            variation = replace(
                variation, starts_on=today, review_on=next_review_on or variation.review_on
            )
            spec_errors = validate_spec(variation, restriction.customer_id)
            errors.update(
                {
                    key: message
                    for key, message in spec_errors.items()
                    if key != "review_on" or "next_review_on" not in errors
                }
            )
            if not spec_errors and same_terms(restriction, variation):
                # The form starts from the terms in force: choosing "vary" and changing
                # nothing would send a new decision, with new appeal rights, for the same thing.
                errors["kind"] = (
                    "The varied restriction is the same as the one in force: change its terms, "
                    "or choose to continue it"
                )
    if errors:
        raise ServiceError(errors)
    before = {"status": restriction.status, "review_on": restriction.review_on}
    replacement = None
    if outcome == ReviewOutcome.CONTINUE:
        transitions.move(
            restriction, RestrictionStatus.ACTIVE, values={"review_on": next_review_on}
        )
    elif outcome == ReviewOutcome.LIFT:
        transitions.move(restriction, RestrictionStatus.LIFTED, values={"closed_at": now})
    else:
        transitions.move(restriction, RestrictionStatus.REPLACED, values={"closed_at": now})
        replacement = build_replacement(actor, now, restriction, variation, next_review_on)
        db.session.add(replacement)
    db.session.flush()
    # A varied restriction is a new decision: the review letter tells the customer how long
    # they have to appeal it, counted like a decision letter's (§8.20, §9.1).
    dates = letter_dates(delivery, now) if replacement else None
    render = partial(
        letter_render.review_outcome,
        restriction=restriction,
        replacement=replacement,
        outcome=outcome,
        reasons=reasons.strip(),
        issued_on=today,
        next_review_on=next_review_on,
        notified_on=dates.notified_on if dates else None,
        appeal_deadline=dates.appeal_deadline if dates else None,
    )
    letter = letters.freeze(actor, now, restriction.customer, LetterKind.REVIEW_OUTCOME, render)
    if replacement is not None:
        replacement.letter_id = letter.id
        replacement.delivery = delivery
        replacement.notified_on = dates.notified_on
        replacement.appeal_deadline = dates.appeal_deadline
    review = RestrictionReview(
        restriction_id=restriction.id,
        reviewer_id=actor.id,
        reviewed_at=now,
        outcome=outcome,
        reasons=reasons.strip(),
        behaviour_since=behaviour_since.strip(),
        next_review_on=next_review_on if outcome != ReviewOutcome.LIFT else None,
        letter_id=letter.id,
        delivery=delivery,
    )
    db.session.add(review)
    db.session.flush()
    audit.record(
        actor,
        now,
        "restriction.reviewed",
        "restriction",
        restriction.id,
        f"Six-monthly review: {outcome.title}",
        before=before,
        after={
            "status": restriction.status,
            "review_on": restriction.review_on,
            "replacement_id": replacement.id if replacement else None,
            "letter": letter.reference,
            "delivery": delivery,
        },
    )
    deliveries.tell_customer(actor, now, restriction.customer, letter, delivery)
    return review


def _not_reviewed_on(today: date, restriction: Restriction) -> None:
    """A restriction is reviewed once at a time: in force, and not reviewed already today.

    :raises Conflict: if a colleague has lifted, varied or reviewed it already.
    """
    last = db.session.scalar(
        select(RestrictionReview)
        .where(RestrictionReview.restriction_id == restriction.id)
        .order_by(RestrictionReview.reviewed_at.desc())
        .limit(1)
    )
    if last is not None and london_date(last.reviewed_at) == today:
        raise Conflict(
            last.outcome.title,
            by=last.reviewer.name,
            at=last.reviewed_at,
            message="This restriction has already been reviewed",
        )
    if restriction.status != RestrictionStatus.ACTIVE:
        raise ServiceError("Only a restriction in force can be reviewed")


def _not_reintroduced(lifted: Restriction) -> None:
    """:raises Conflict: if a colleague has reintroduced the restriction already."""
    again = db.session.scalar(
        select(Restriction).where(Restriction.reintroduces_id == lifted.id).limit(1)
    )
    if again is not None:
        raise Conflict(
            RestrictionStatus.ACTIVE.title,
            by=again.approved_by.name,
            at=again.approved_at,
            message="This restriction has already been reintroduced: review or lift that one "
            "instead",
        )


def reintroduce(
    actor, now: datetime, lifted: Restriction, reason: str, review_on: date
) -> Restriction:
    """Bring back a lifted restriction at once because the behaviour started again (§10.1).

    :raises Conflict: if a colleague has reintroduced it already.
    """
    if not permissions.can_request_restriction(actor):
        raise NotAllowed
    if lifted.status != RestrictionStatus.LIFTED:
        raise ServiceError("Only a lifted restriction can be reintroduced")
    # Under the lock on the lifted restriction: two at once bring it back once.
    transitions.lock(lifted, expect=(RestrictionStatus.LIFTED,), rule=_not_reintroduced)
    today = london_date(now)
    errors = {}
    if not reason.strip():
        errors["reason"] = "Say what behaviour started again"
    if review_on <= today or review_on > rules.latest_review_date(today):
        errors["review_on"] = "Choose a review date within the next 6 months (§10.1)"
    if lifted.ends_on is not None and lifted.ends_on < today:
        errors["reason"] = "This restriction's period has ended; ask GLT for a new decision"
    if errors:
        raise ServiceError(errors)
    again = Restriction(
        customer_id=lifted.customer_id,
        request_id=lifted.request_id,
        kind=lifted.kind,
        channel=lifted.channel,
        named_manager_id=lifted.named_manager_id,
        schedule=lifted.schedule,
        third_party=lifted.third_party,
        reasons=lifted.reasons,
        starts_on=today,
        review_on=review_on,
        ends_on=lifted.ends_on,
        immediate_notice=True,
        status=RestrictionStatus.ACTIVE,
        approved_by_id=actor.id,
        approved_at=now,
        reintroduces_id=lifted.id,
        reintroduce_reason=reason.strip(),
    )
    db.session.add(again)
    db.session.flush()
    audit.record(
        actor,
        now,
        "restriction.reintroduced",
        "restriction",
        again.id,
        f"Restriction reintroduced for {lifted.customer.reference}",
        after={
            "reintroduces_id": lifted.id,
            "reason": again.reintroduce_reason,
            "review_on": review_on,
        },
    )
    return again


# --- correspondence under termination (§9.5) -------------------------------------------------


def log_correspondence(
    actor, now: datetime, customer, received_at: datetime, channel: str, summary: str
) -> Correspondence:
    """Log an item received while all contact is ended; it must still be read (§9.5).

    :raises NotAllowed: unless the actor is on the Panel or is the CEM.
    """
    if not permissions.can_handle_correspondence(actor):
        raise NotAllowed
    # Logged here while all contact is ended (§9.5): not before it starts or after it ends.
    termination = queries.termination_in_force(customer.id, london_date(now))
    if termination is None:
        raise ServiceError("All contact has not been ended for this customer: log it as a contact")
    errors = {}
    if received_at > now:
        errors["received_on"] = "The date received must be today or in the past"
    if not summary.strip():
        errors["summary"] = "Summarise what the correspondence says"
    if channel not in ("letter", "email", "other"):
        errors["channel"] = "Choose how it arrived"
    if errors:
        raise ServiceError(errors)
    item = Correspondence(
        customer_id=customer.id,
        restriction_id=termination.id,
        received_at=received_at,
        channel=channel,
        summary=summary.strip(),
        logged_by_id=actor.id,
    )
    db.session.add(item)
    db.session.flush()
    audit.record(
        actor,
        now,
        "correspondence.logged",
        "correspondence",
        item.id,
        f"Correspondence from {customer.reference} logged",
        after={"received_at": received_at, "channel": channel},
    )
    return item


def mark_read(actor, now: datetime, item: Correspondence) -> None:
    """Record that the item has been read (§9.5: the Group reads all correspondence)."""
    if not permissions.can_handle_correspondence(actor):
        raise NotAllowed
    transitions.move(
        item, CorrespondenceStatus.READ, values={"read_at": now, "read_by_id": actor.id}
    )
    audit.record(
        actor,
        now,
        "correspondence.read",
        "correspondence",
        item.id,
        "Correspondence read",
        before={"status": CorrespondenceStatus.LOGGED},
        after={"status": item.status},
    )


def check(
    actor,
    now: datetime,
    item: Correspondence,
    new_information: bool,
    safeguarding_concern: bool,
    notes: str,
) -> None:
    """Record whether the item brings new information or a safeguarding concern."""
    if not permissions.can_handle_correspondence(actor):
        raise NotAllowed
    if item.status == CorrespondenceStatus.LOGGED:
        raise ServiceError("Read the item before checking it")
    if (new_information or safeguarding_concern) and not notes.strip():
        raise ServiceError({"check_notes": "Describe the new information or the concern"})
    transitions.move(
        item,
        CorrespondenceStatus.CHECKED,
        values={
            "new_information": new_information,
            "safeguarding_concern": safeguarding_concern,
            "check_notes": notes.strip(),
            "checked_at": now,
        },
    )
    audit.record(
        actor,
        now,
        "correspondence.checked",
        "correspondence",
        item.id,
        "Correspondence checked",
        before={"status": CorrespondenceStatus.READ},
        after={
            "status": item.status,
            "new_information": new_information,
            "safeguarding_concern": safeguarding_concern,
        },
    )


def _acknowledgement(customer, item: Correspondence, now: datetime):
    return partial(
        letter_render.correspondence_acknowledgement,
        customer=customer,
        item=item,
        issued_on=london_date(now),
    )


def draft_acknowledgement(item: Correspondence, now: datetime) -> tuple[str, str] | None:
    """(subject, html) of the acknowledgement as it would be sent now, for staff to read
    before it is issued; None if the item is not checked or goes to the Panel instead."""
    if item.status != CorrespondenceStatus.CHECKED or item.new_information:
        return None
    if item.safeguarding_concern:
        return None
    return _acknowledgement(item.customer, item, now)()


def close_correspondence(actor, now: datetime, item: Correspondence):
    """Acknowledge and file an item with nothing new, or route it for review (§9.5)."""
    if not permissions.can_handle_correspondence(actor):
        raise NotAllowed
    if item.status in (CorrespondenceStatus.LOGGED, CorrespondenceStatus.READ):
        raise ServiceError("Check the item before closing it")
    # Locked before the letter is made: closed twice at once, it is acknowledged once.
    transitions.lock(item, expect=(CorrespondenceStatus.CHECKED,))
    customer = db.session.get(Customer, item.customer_id)
    if item.new_information or item.safeguarding_concern:
        transitions.move(item, CorrespondenceStatus.ROUTED, values={"closed_at": now})
        for user_id in db.session.scalars(
            select(User.id).join(UserRole).where(UserRole.role == Role.PANEL, User.active.is_(True))
        ):
            notify(
                user_id,
                f"Correspondence from {customer.name} needs review: "
                f"{'safeguarding concern' if item.safeguarding_concern else 'new information'}.",
                f"/staff/customers/{customer.id}#correspondence",
                now,
            )
        letter = None
    else:
        render = _acknowledgement(customer, item, now)
        letter = letters.freeze(actor, now, customer, LetterKind.CORRESPONDENCE_ACK, render)
        transitions.move(
            item,
            CorrespondenceStatus.ACKNOWLEDGED,
            values={"letter_id": letter.id, "closed_at": now},
        )
    audit.record(
        actor,
        now,
        "correspondence.closed",
        "correspondence",
        item.id,
        f"Correspondence {item.status.title.lower()}",
        before={"status": CorrespondenceStatus.CHECKED},
        after={"status": item.status},
    )
    return letter
