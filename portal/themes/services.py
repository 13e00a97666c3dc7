"""The Panel's verbs for §10.2: keep the list of themes, tag incidents with them, escalate a
theme to BIG or the Complaints Quality Network and record the outcome, and record each
regular review of the central incidents register. Each one audits what it changed."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from portal import db
from portal.audit import services as audit
from portal.auth import permissions
from portal.errors import Conflict, NotAllowed, Problem, ServiceError
from portal.errors import entered_text as _text
from portal.incidents.models import Incident
from portal.themes.models import (
    NAME_MAX,
    EscalatedTo,
    IncidentTheme,
    RegisterReview,
    Theme,
    ThemeEscalation,
)

TEXT_MAX = 5000
NAME_TAKEN = Problem("theme.name_taken", _l("There is already a theme with this name"))


def name_key(name: str) -> str:
    """``name`` without case or repeated spaces, to tell whether two names are one theme."""
    return " ".join(name.casefold().split())[:NAME_MAX]


def _must_manage(actor) -> None:
    if not permissions.can_manage_themes(actor):
        raise NotAllowed


def _long(errors: dict, field: str, value: str, most: int = TEXT_MAX) -> None:
    if len(value) > most:
        errors[field] = Problem(
            "theme.too_long", _l("Keep this to %(max)d characters or fewer", max=most)
        )


def _not_future(errors: dict, field: str, value, today: date, missing) -> None:
    if not isinstance(value, date):
        errors[field] = missing
    elif value > today:
        errors[field] = Problem("theme.date_future", _l("Enter a date that is not in the future"))


def create_theme(actor, now: datetime, name, description="") -> Theme:
    """Add a theme to the Panel's list.

    :raises ServiceError: for a missing, over-long or already used name (whatever its case).
    """
    _must_manage(actor)
    name, description = " ".join(_text(name).split()), _text(description)
    errors: dict = {}
    if not name:
        errors["name"] = Problem("theme.name_missing", _l("Enter the name of the theme"))
    _long(errors, "name", name, NAME_MAX)
    _long(errors, "description", description)
    key = name_key(name)
    if not errors and db.session.scalar(select(Theme.id).where(Theme.name_key == key)):
        errors["name"] = NAME_TAKEN
    if errors:
        raise ServiceError(errors)
    theme = Theme(
        name=name,
        name_key=key,
        description=description,
        active=True,
        created_at=now,
        created_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(theme)
    except IntegrityError as exc:  # added by someone else a moment ago
        raise ServiceError({"name": NAME_TAKEN}) from exc
    fields = ["name", "description", "active"]
    audit.record(
        actor,
        now,
        "theme.created",
        "theme",
        theme.id,
        f"Theme added: {name}",
        after=audit.snapshot(theme, fields),
    )
    return theme


def set_theme_active(actor, now: datetime, theme: Theme, active: bool) -> Theme:
    """Retire a theme (it keeps its incidents and escalations) or bring it back into use."""
    _must_manage(actor)
    changed = db.session.execute(
        update(Theme)
        .where(Theme.id == theme.id, Theme.active.is_(not active))
        .values(
            active=active,
            retired_at=None if active else now,
            retired_by_id=None if active else actor.id,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(theme)
    if changed.rowcount != 1:
        return theme  # already as asked: nothing to record
    audit.record(
        actor,
        now,
        "theme.reinstated" if active else "theme.retired",
        "theme",
        theme.id,
        f"Theme {'back in use' if active else 'retired'}: {theme.name}",
        before={"active": not active},
        after={"active": active},
    )
    return theme


def tagged_theme_ids(incident: Incident) -> set[int]:
    return set(
        db.session.scalars(
            select(IncidentTheme.theme_id).where(IncidentTheme.incident_id == incident.id)
        )
    )


def set_incident_themes(actor, now: datetime, incident: Incident, chosen, was_tagged) -> dict:
    """Tag ``incident`` with the ``chosen`` themes, and untag those that were tagged when the
    form was shown (``was_tagged``) and are no longer chosen.

    A tag someone else added a moment ago is reported as already there, never an error.
    Returns the names ``added``, ``removed`` and ``already`` tagged.

    :raises ServiceError: if a theme to add is retired or not on the list.
    """
    _must_manage(actor)
    chosen, was_tagged = set(chosen), set(was_tagged)
    have = tagged_theme_ids(incident)
    wanted = chosen | have | was_tagged
    themes = {t.id: t for t in db.session.scalars(select(Theme).where(Theme.id.in_(wanted)))}
    new = chosen - have
    if any(i not in themes or not themes[i].active for i in new):
        raise ServiceError(
            {"themes": Problem("theme.not_in_use", _l("Choose themes that are in use"))}
        )
    result: dict[str, list[str]] = {
        "added": [],
        "removed": [],
        "already": sorted(themes[i].name for i in (chosen & have) - was_tagged),
    }
    for theme_id in sorted(new):
        try:
            with db.session.begin_nested():
                db.session.add(
                    IncidentTheme(
                        incident_id=incident.id,
                        theme_id=theme_id,
                        tagged_by_id=actor.id,
                        tagged_at=now,
                    )
                )
        except IntegrityError:  # another Panel member tagged it at the same moment
            result["already"].append(themes[theme_id].name)
            continue
        result["added"].append(themes[theme_id].name)
    gone = sorted((have & was_tagged) - chosen)
    if gone:
        db.session.execute(
            delete(IncidentTheme).where(
                IncidentTheme.incident_id == incident.id, IncidentTheme.theme_id.in_(gone)
            )
        )
        result["removed"] = [themes[i].name for i in gone]
    if result["added"] or result["removed"]:
        audit.record(
            actor,
            now,
            "incident.themes_changed",
            "incident",
            incident.id,
            f"Themes of {incident.reference} changed",
            before={"themes": sorted(themes[i].name for i in have if i in themes)},
            after={"added": result["added"], "removed": result["removed"]},
        )
    return result


def escalate_theme(
    actor, now: datetime, theme: Theme, to, escalated_on, summary, follow_up_on=None
) -> ThemeEscalation:
    """Record that the Panel took ``theme`` to BIG or the Complaints Quality Network."""
    _must_manage(actor)
    summary = _text(summary)
    errors: dict = {}
    try:
        to = EscalatedTo(to)
    except ValueError:
        errors["escalated_to"] = Problem(
            "theme.escalated_to_missing", _l("Choose who the theme was escalated to")
        )
    missing = Problem("theme.escalated_on_missing", _l("Enter the date it was escalated"))
    _not_future(errors, "escalated_on", escalated_on, now.date(), missing)
    if not summary:
        errors["summary"] = Problem("theme.summary_missing", _l("Enter a summary"))
    _long(errors, "summary", summary)
    if follow_up_on is not None and (
        not isinstance(follow_up_on, date)
        or (isinstance(escalated_on, date) and follow_up_on < escalated_on)
    ):
        errors["follow_up_on"] = Problem(
            "theme.follow_up_early", _l("Enter a follow-up date on or after the escalation")
        )
    if errors:
        raise ServiceError(errors)
    escalation = ThemeEscalation(
        theme_id=theme.id,
        escalated_to=to,
        escalated_on=escalated_on,
        summary=summary,
        escalated_by_id=actor.id,
        recorded_at=now,
        follow_up_on=follow_up_on,
        outcome="",
    )
    db.session.add(escalation)
    db.session.flush()
    fields = ["theme_id", "escalated_to", "escalated_on", "summary", "follow_up_on"]
    audit.record(
        actor,
        now,
        "theme.escalated",
        "theme_escalation",
        escalation.id,
        f"Theme {theme.name} escalated to {to.value.upper()}",
        after=audit.snapshot(escalation, fields),
    )
    return escalation


def record_outcome(
    actor, now: datetime, escalation: ThemeEscalation, outcome, outcome_on, follow_up_on=None
) -> ThemeEscalation:
    """Record what came of an escalation (once: a second attempt is told it was recorded).

    :raises Conflict: if someone recorded the outcome first.
    """
    _must_manage(actor)
    outcome = _text(outcome)
    errors: dict = {}
    if not outcome:
        errors["outcome"] = Problem("theme.outcome_missing", _l("Enter the outcome"))
    _long(errors, "outcome", outcome)
    missing = Problem("theme.outcome_on_missing", _l("Enter the date of the outcome"))
    _not_future(errors, "outcome_on", outcome_on, now.date(), missing)
    if "outcome_on" not in errors and outcome_on < escalation.escalated_on:
        errors["outcome_on"] = Problem(
            "theme.outcome_early", _l("Enter a date on or after the escalation")
        )
    if follow_up_on is not None and not isinstance(follow_up_on, date):
        errors["follow_up_on"] = Problem("theme.follow_up_invalid", _l("Enter a real date"))
    if errors:
        raise ServiceError(errors)
    saved = db.session.execute(
        update(ThemeEscalation)
        .where(ThemeEscalation.id == escalation.id, ThemeEscalation.outcome_on.is_(None))
        .values(
            outcome=outcome,
            outcome_on=outcome_on,
            outcome_by_id=actor.id,
            follow_up_on=follow_up_on,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(escalation)
    if saved.rowcount != 1:
        raise Conflict(
            "outcome recorded",
            message=Problem(
                "theme.outcome_recorded",
                _l("The outcome of this escalation has already been recorded."),
            ),
        )
    audit.record(
        actor,
        now,
        "theme.escalation_outcome",
        "theme_escalation",
        escalation.id,
        "Outcome of an escalation recorded",
        after=audit.snapshot(escalation, ["outcome", "outcome_on", "follow_up_on"]),
    )
    return escalation


def record_register_review(actor, now: datetime, held_on, attendees, notes="") -> RegisterReview:
    """Record one of the Panel's regular reviews of the central register (§10.2)."""
    _must_manage(actor)
    attendees, notes = _text(attendees), _text(notes)
    errors: dict = {}
    missing = Problem("theme.held_on_missing", _l("Enter the date of the review"))
    _not_future(errors, "held_on", held_on, now.date(), missing)
    if not attendees:
        errors["attendees"] = Problem("theme.attendees_missing", _l("Enter who attended"))
    _long(errors, "attendees", attendees, 2000)
    _long(errors, "notes", notes)
    if errors:
        raise ServiceError(errors)
    review = RegisterReview(
        held_on=held_on,
        attendees=attendees,
        notes=notes,
        recorded_by_id=actor.id,
        recorded_at=now,
    )
    db.session.add(review)
    db.session.flush()
    audit.record(
        actor,
        now,
        "register.reviewed",
        "register_review",
        review.id,
        f"Review of the register on {held_on.isoformat()} recorded",
        after=audit.snapshot(review, ["held_on", "attendees", "notes"]),
    )
    return review
