"""The report's appeal figures (§9, §10.3): appeals lodged, late appeals (§9.2), outcomes, and
each step of an appeal against its deadline (2, 5, 10, 2 and 5 working days)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select

from portal import db
from portal.appeals.due_dates import DONE_FIELDS, DUE_FIELDS
from portal.appeals.models import Appeal, AppealOutcome, AppealStatus
from portal.reports.figures_sql import (
    CURRENT,
    PREVIOUS,
    Window,
    counted,
    during,
    grouped_rows,
    on_days,
    pair,
    row_from,
    timeliness,
)
from portal.reports.shape import Row, Table


def _sent():
    return Appeal.status != AppealStatus.DRAFT


def lodged(window: Window) -> Table:
    def received(p):
        return during(Appeal.received_at, p)

    def late(answer):
        return lambda p: and_(received(p), Appeal.late, Appeal.late_accepted.is_(answer))

    found = db.session.execute(
        select(
            *pair(window, "lodged", received),
            *pair(window, "late_accepted", late(True)),
            *pair(window, "late_refused", late(False)),
            *pair(window, "late_waiting", late(None)),
        ).where(
            _sent(),
            window.holds(Appeal.received_at),
        )
    ).one()
    return Table(
        "appeals_lodged",
        _("Appeals received"),
        (
            row_from(found, "lodged", _("Appeals received")),
            row_from(found, "late_accepted", _("Late appeals accepted")),
            row_from(found, "late_refused", _("Late appeals not accepted")),
            row_from(found, "late_waiting", _("Late appeals not yet decided on")),
        ),
        note=_(
            "Counted by the date the appeal was received; the late appeals are among the "
            "appeals received."
        ),
    )


def outcomes(window: Window) -> Table:
    rows = db.session.execute(
        select(
            Appeal.outcome.label("key"),
            counted(on_days(Appeal.reviewed_on, window.current)).label(CURRENT),
            counted(on_days(Appeal.reviewed_on, window.previous)).label(PREVIOUS),
        )
        .where(
            Appeal.outcome.is_not(None),
            Appeal.reviewed_on >= window.previous.start,
            Appeal.reviewed_on <= window.current.end,
        )
        .group_by(Appeal.outcome)
    ).all()
    return Table(
        "appeal_outcomes",
        _("Appeals decided by GLT"),
        grouped_rows(rows, [(o.value, str(o.title)) for o in AppealOutcome]),
        parts=True,
        note=_("Counted by the date GLT decided the appeal, by what happened to the restriction."),
    )


def _step_titles() -> dict[str, str]:
    return {
        "acknowledge": _("Acknowledged within 2 working days"),
        "to_glt": _("Passed to GLT within 5 working days"),
        "glt_review": _("Reviewed by GLT within 10 working days"),
        "notify_cem": _("CEM told of the decision within 2 working days"),
        "tell_customer": _("Customer told in writing within 5 working days"),
    }


STATES = ("on_time", "late", "not_done")


def steps(window: Window) -> tuple[Table, ...]:
    """One table per step: of the steps due in each period, done by the due day, done later
    within the period, or not done by the period's end. Late appeals that were not accepted
    have no further steps."""
    columns = []
    for step, due_field in DUE_FIELDS.items():
        columns += timeliness(
            window, getattr(Appeal, due_field), getattr(Appeal, DONE_FIELDS[step]), f"{step}_"
        )
    any_due = or_(
        *[
            and_(
                getattr(Appeal, f) >= window.previous.start,
                getattr(Appeal, f) <= window.current.end,
            )
            for f in DUE_FIELDS.values()
        ]
    )
    found = db.session.execute(
        select(*columns).where(
            Appeal.status.not_in((AppealStatus.DRAFT, AppealStatus.NOT_ACCEPTED)),
            Appeal.received_at < window.ends_before,
            any_due,
        )
    ).one()
    labels = {
        "on_time": _("On time"),
        "late": _("Late"),
        "not_done": _("Not done by the end of the period"),
    }
    return tuple(
        Table(
            f"appeal_step_{step}",
            title,
            tuple(
                Row(
                    state,
                    labels[state],
                    int(getattr(found, f"{step}_{state}__current")),
                    int(getattr(found, f"{step}_{state}__previous")),
                )
                for state in STATES
            ),
            parts=True,
            note=_(
                "Counted by the working day the step was due, after bank holidays and the "
                "daily cut-off; a step done on or before that day is on time."
            ),
        )
        for step, title in _step_titles().items()
    )
