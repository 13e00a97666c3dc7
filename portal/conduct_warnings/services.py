"""Issue a staged warning and its frozen letter (§8.7–8.14)."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import db, transitions
from portal.audit import services as audit
from portal.auth import permissions
from portal.auth.models import User
from portal.conduct_warnings import rules
from portal.conduct_warnings.models import ConductWarning, Stage
from portal.errors import Conflict, NotAllowed, Problem, ServiceError
from portal.incidents.models import Incident
from portal.letters import delivery as deliveries
from portal.letters import services as letters
from portal.letters.delivery import Delivery
from portal.letters.models import LetterKind
from portal.panel.models import Outcome, PanelReview
from portal.timeutil import london_date


def warnings_for(customer_id: int) -> list[ConductWarning]:
    return list(
        db.session.scalars(
            select(ConductWarning)
            .where(ConductWarning.customer_id == customer_id)
            .order_by(ConductWarning.issued_on, ConductWarning.id)
        )
    )


def stage_for(incident: Incident) -> Stage | None:
    """The stage this incident leads to, computed from the customer's warnings."""
    return rules.next_stage(warnings_for(incident.customer_id), london_date(incident.occurred_at))


def earlier_stages(incident: Incident) -> list[tuple[ConductWarning, Incident]]:
    """Live earlier warnings with their incidents, for the letter (§8.11, §8.13)."""
    live = rules.live_warnings(
        warnings_for(incident.customer_id), london_date(incident.occurred_at)
    )
    ids = [w.incident_id for w in live]
    incidents = {
        i.id: i
        for i in db.session.scalars(
            select(Incident).where(Incident.id.in_(ids)).options(joinedload(Incident.customer))
        )
    }
    return [(w, incidents[w.incident_id]) for w in live]


def _no_warning_yet(incident: Incident) -> None:
    """:raises Conflict: if a warning has been issued for the incident (by whom and when)."""
    warning = db.session.scalar(
        select(ConductWarning).where(ConductWarning.incident_id == incident.id)
    )
    if warning is not None:
        raise Conflict(
            warning.stage.title,
            by=db.session.get(User, warning.issued_by_id).name,
            at=warning.issued_at,
            message=Problem(
                "warning.issued_already", _l("A warning has already been issued for this incident")
            ),
        )


def _warning_letter(
    incident: Incident, now: datetime, review: PanelReview | None = None
) -> tuple[Stage, letters.Render]:
    """The stage and the letter's renderer, as it would be issued now after ``review`` (by
    default the review recorded).

    :raises ServiceError: if no warning can be issued for this incident.
    """
    if review is None:
        review = db.session.scalar(
            select(PanelReview).where(PanelReview.incident_id == incident.id)
        )
    if review is None or review.outcome != Outcome.WARNING:
        raise ServiceError(
            Problem(
                "warning.not_decided",
                _l("The Panel has not decided to issue a warning for this incident"),
            )
        )
    _no_warning_yet(incident)
    stage = stage_for(incident)
    if stage is None:
        raise ServiceError(
            Problem(
                "warning.final_live",
                _l(
                    "A final warning is still live, so the next step is a request to restrict "
                    "contact (§8.16), not another warning"
                ),
            )
        )
    issued_on = london_date(now)
    earlier = earlier_stages(incident)
    # Earlier behaviour is told in the Panel's words too, where it wrote a summary (§8.11).
    summaries = {
        r.incident_id: r.letter_summary
        for r in db.session.scalars(
            select(PanelReview).where(PanelReview.incident_id.in_([i.id for _w, i in earlier]))
        )
        if r.letter_summary
    }
    return stage, partial(
        letters.render_warning,
        incident=incident,
        stage=stage,
        earlier=earlier,
        summaries=summaries,
        issued_on=issued_on,
        lapses_on=rules.lapses_on(issued_on),
        review=review,
    )


def draft_warning_letter(
    incident: Incident, now: datetime, review: PanelReview | None = None
) -> tuple[Stage, str, str]:
    """Render the warning letter as it would be issued now: (stage, subject, html); after
    ``review`` when given (a review not yet recorded: nothing is written).

    :raises ServiceError: if no warning can be issued for this incident.
    """
    stage, render = _warning_letter(incident, now, review)
    return stage, *render()


def issue_warning(
    actor, now: datetime, incident: Incident, delivery: Delivery | None
) -> ConductWarning:
    """Freeze the warning letter, record the warning on the register and how the letter goes
    (§8.9): by a way that reaches the customer; in the portal or by email, they are told so.

    :raises NotAllowed: if the actor may not issue warnings for this incident.
    :raises ServiceError: if no warning can be issued, or not the way chosen.
    :raises Conflict: if a warning was issued for the incident already.
    """
    if not (
        permissions.can_issue_warning(actor) and permissions.can_review_as_panel(actor, incident)
    ):
        raise NotAllowed
    # The incident's row is the lock: of two issuing at once, the second finds the first's
    # warning here, before any letter is made.
    transitions.lock(incident, rule=_no_warning_yet)
    # A warning only counts if it reaches the customer: refuse before anything is written.
    deliveries.check(incident.customer, delivery)
    stage, render = _warning_letter(incident, now)
    letter = letters.freeze(actor, now, incident.customer, LetterKind.WARNING, render)
    issued_on = london_date(now)
    warning = ConductWarning(
        customer_id=incident.customer_id,
        incident_id=incident.id,
        stage=stage,
        issued_on=issued_on,
        lapses_on=rules.lapses_on(issued_on),
        issued_by_id=actor.id,
        issued_at=now,
        letter_id=letter.id,
        delivery=delivery,
        sent_at=now,
    )
    db.session.add(warning)
    db.session.flush()
    with force_locale("en"):
        sent = warning.sent_line
    audit.record(
        actor,
        now,
        "warning.issued",
        "conduct_warning",
        warning.id,
        f"{stage.title} issued to {incident.customer.reference} for {incident.reference}. {sent}",
        after={
            "stage": stage,
            "issued_on": issued_on,
            "lapses_on": warning.lapses_on,
            "letter": letter.reference,
            "sha256": letter.content_sha256,
            "delivery": delivery,
            "sent_at": now,
        },
    )
    deliveries.tell_customer(actor, now, incident.customer, letter, delivery)
    return warning
