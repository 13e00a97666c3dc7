"""The report's figures for what was done about incidents (§10.3): the Panel's outcomes,
warnings, informal arrangements, restriction requests, GLT's decisions, restrictions in force
and their six-monthly reviews (§10.1)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import Date, and_, cast, or_, select, type_coerce

from portal import db
from portal.arrangements.models import Arrangement
from portal.audit.models import AuditEvent
from portal.conduct_warnings.models import ConductWarning, Stage
from portal.panel.models import Outcome, PanelReview
from portal.reports.figures_sql import (
    CURRENT,
    PREVIOUS,
    Window,
    counted,
    during,
    grouped_rows,
    london_day,
    on_days,
    pair,
    row_from,
    timeliness,
)
from portal.reports.shape import Period, Row, Table
from portal.restrictions.models import (
    RequestStatus,
    Restriction,
    RestrictionKind,
    RestrictionRequest,
    RestrictionStatus,
)
from portal.reviews.models import RestrictionReview, ReviewOutcome
from portal.timeutil import add_months, from_london

# The audit entry every six-monthly review writes, with the review date it answered.
REVIEWED = "restriction.reviewed"


def _grouped_by_time(window: Window, key, when, *where):
    query = select(
        key.label("key"),
        counted(during(when, window.current)).label(CURRENT),
        counted(during(when, window.previous)).label(PREVIOUS),
    ).where(window.holds(when), *where)
    return db.session.execute(query.group_by(key)).all()


def _kinds() -> list[tuple[str, str]]:
    return [(k.value, str(k.title)) for k in RestrictionKind]


def panel_outcomes(window: Window) -> Table:
    rows = _grouped_by_time(window, PanelReview.outcome, PanelReview.reviewed_at)
    return Table(
        "panel_outcomes",
        _("Panel review outcomes"),
        grouped_rows(rows, [(o.value, str(o.title)) for o in Outcome]),
        parts=True,
        note=_("Counted by the date the Panel recorded its review."),
    )


def warnings_by_stage(window: Window) -> Table:
    rows = db.session.execute(
        select(
            ConductWarning.stage.label("key"),
            counted(on_days(ConductWarning.issued_on, window.current)).label(CURRENT),
            counted(on_days(ConductWarning.issued_on, window.previous)).label(PREVIOUS),
        )
        .where(
            ConductWarning.issued_on >= window.previous.start,
            ConductWarning.issued_on <= window.current.end,
        )
        .group_by(ConductWarning.stage)
    ).all()
    return Table(
        "warnings_by_stage",
        _("Written warnings issued, by stage"),
        grouped_rows(rows, [(s.value, str(s.title)) for s in Stage]),
        parts=True,
        note=_("Counted by the date the warning was issued."),
    )


def other_actions(window: Window) -> Table:
    """Informal arrangements made and restriction requests sent to GLT."""
    arrangements = db.session.execute(
        select(*pair(window, "arrangements", lambda p: during(Arrangement.approved_at, p))).where(
            window.holds(Arrangement.approved_at),
        )
    ).one()
    requests = db.session.execute(
        select(
            *pair(window, "requests", lambda p: during(RestrictionRequest.requested_at, p))
        ).where(
            window.holds(RestrictionRequest.requested_at),
        )
    ).one()
    return Table(
        "other_actions",
        _("Informal arrangements and restriction requests"),
        (
            row_from(arrangements, "arrangements", _("Informal arrangements made")),
            row_from(requests, "requests", _("Requests to restrict contact made")),
        ),
        note=_(
            "Arrangements are counted by the date they were approved and requests by the date "
            "they were sent to the Group Leadership Team."
        ),
    )


def glt_decisions(window: Window) -> Table:
    """GLT's decisions on requests, and restrictions varied (at a review or on appeal)."""
    decided = _grouped_by_time(
        window,
        RestrictionRequest.status,
        RestrictionRequest.decided_at,
        RestrictionRequest.status.in_([s for s in RequestStatus if s.decided]),
    )
    requests = grouped_rows(
        decided,
        [
            (RequestStatus.APPROVED.value, _("Requests approved as asked")),
            (RequestStatus.APPROVED_WITH_CHANGES.value, _("Requests approved with changes")),
            (RequestStatus.REJECTED.value, _("Requests rejected")),
        ],
    )
    varied = db.session.execute(
        select(*pair(window, "varied", lambda p: during(Restriction.approved_at, p))).where(
            Restriction.replaces_id.is_not(None),
            window.holds(Restriction.approved_at),
        )
    ).one()
    return Table(
        "glt_decisions",
        _("Decisions on restricting contact"),
        (*requests, row_from(varied, "varied", _("Restrictions varied at a review or on appeal"))),
        note=_(
            "Requests are counted by the date GLT decided them; a varied restriction by the "
            "date its new terms were decided."
        ),
    )


def approved_by_kind(window: Window) -> Table:
    rows = _grouped_by_time(
        window,
        Restriction.kind,
        Restriction.approved_at,
        Restriction.request_id.is_not(None),
        Restriction.replaces_id.is_(None),
        Restriction.reintroduces_id.is_(None),
    )
    return Table(
        "restrictions_approved_by_kind",
        _("Restrictions approved by GLT, by kind"),
        grouped_rows(rows, _kinds()),
        note=_(
            "Counted by the date GLT approved the request; one request can set more than one "
            "restriction."
        ),
    )


def _in_force_at_end(period: Period):
    """In force on the period's last day, as it stood then: started, not run out, its
    decision letter sent (or in force at once), and not lifted, ended or replaced by then."""
    day = period.end
    return and_(
        Restriction.status != RestrictionStatus.AWAITING_NOTICE,
        Restriction.starts_on <= day,
        or_(Restriction.ends_on.is_(None), Restriction.ends_on >= day),
        or_(Restriction.notified_on <= day, Restriction.immediate_notice),
        Restriction.approved_at < period.ends_before,
        or_(Restriction.closed_at.is_(None), Restriction.closed_at >= period.ends_before),
    )


def in_force_by_kind(window: Window) -> Table:
    rows = db.session.execute(
        select(
            Restriction.kind.label("key"),
            counted(_in_force_at_end(window.current)).label(CURRENT),
            counted(_in_force_at_end(window.previous)).label(PREVIOUS),
        )
        .where(Restriction.starts_on <= window.current.end)
        .group_by(Restriction.kind)
    ).all()
    return Table(
        "restrictions_in_force_by_kind",
        _("Restrictions in force at the end of the period, by kind"),
        grouped_rows(rows, _kinds()),
        parts=True,
        note=_("Counted on the last day of each period, as things stood that day."),
    )


def _audit_day(expression):
    """A day written in an audit entry, compared as a date on either database."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(expression, Date)
    return type_coerce(expression, Date)


def review_timeliness(window: Window, years: range) -> Table:
    """Six-monthly reviews due in each period: done by the due day, done later within the
    period, or not done by the period's end. A review's due day is the one the restriction
    carried when it was reviewed (kept in the audit entry); one not yet done is read from a
    restriction still in force."""
    # Each review's due day and the London day it was recorded, worked out once a row.
    days = (
        select(
            _audit_day(AuditEvent.before["review_on"].as_string()).label("due"),
            london_day(AuditEvent.at, years).label("done"),
        )
        .where(
            AuditEvent.action == REVIEWED,
            AuditEvent.entity_type == "restriction",
            # A review is due at most 6 months after the one before it (§10.1).
            AuditEvent.at >= from_london(add_months(window.previous.start, -7)),
        )
        .subquery()
    )
    done = db.session.execute(select(*timeliness(window, days.c.due, days.c.done))).one()
    # Still in force and not reviewed; or ended (on appeal) after its review was due, unreviewed.
    ended_unreviewed = and_(
        Restriction.status == RestrictionStatus.ENDED,
        london_day(Restriction.closed_at, years) > Restriction.review_on,
    )
    waiting = db.session.execute(
        select(*pair(window, "not_done", lambda p: on_days(Restriction.review_on, p))).where(
            or_(Restriction.status == RestrictionStatus.ACTIVE, ended_unreviewed),
            Restriction.review_on >= window.previous.start,
            Restriction.review_on <= window.current.end,
            or_(Restriction.ends_on.is_(None), Restriction.ends_on >= Restriction.review_on),
        )
    ).one()
    not_done = row_from(done, "not_done", _("Not done by the end of the period"))
    waited = row_from(waiting, "not_done", "")
    return Table(
        "review_timeliness",
        _("Six-monthly restriction reviews due"),
        (
            row_from(done, "on_time", _("Done on time")),
            row_from(done, "late", _("Done late")),
            Row(
                not_done.key,
                not_done.label,
                not_done.current + waited.current,
                not_done.previous + waited.previous,
            ),
        ),
        parts=True,
        note=_(
            "Counted by the day each review was due; a review recorded on or before that day "
            "(London time) is on time."
        ),
    )


def review_outcomes(window: Window) -> Table:
    rows = _grouped_by_time(window, RestrictionReview.outcome, RestrictionReview.reviewed_at)
    return Table(
        "review_outcomes",
        _("Outcomes of six-monthly reviews"),
        grouped_rows(rows, [(o.value, str(o.title)) for o in ReviewOutcome]),
        parts=True,
        note=_("Counted by the date the review was recorded."),
    )
