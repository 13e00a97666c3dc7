"""The six-monthly committee report's verbs (§10.3): check a chosen period, issue the report
to a committee for a meeting (frozen, hashed, audited, once), and read an issued copy back.

Nothing here opens an individual record: the report holds counts only.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import db
from portal.audit import services as audit
from portal.auth import permissions
from portal.errors import Conflict, NotAllowed, Problem, ServiceError
from portal.reports import figures, frozen
from portal.reports.models import IssuedReport
from portal.reports.shape import LONGEST_PERIOD_DAYS, Committee, Period, Report
from portal.timeutil import london_date

# The earliest day a period may start: nothing was recorded before the portal existed.
EARLIEST = date(2000, 1, 1)
# How far from today a committee meeting may be: one just held, or one planned.
MEETING_PAST = timedelta(days=366)
MEETING_FUTURE = timedelta(days=2 * 366)

ALREADY_ISSUED = Problem(
    "report.already_issued",
    _l("This report has already been issued to this committee for a meeting on this date."),
)


def period_errors(start, end, today: date) -> dict[str, Problem]:
    """What is wrong with a period from ``start`` to ``end`` (both dates, or None where none
    was given), by field: none when it can be reported on."""
    errors: dict[str, Problem] = {}
    if not isinstance(start, date):
        errors["start"] = Problem("report.start_missing", _l("Enter the first day of the period"))
    elif start < EARLIEST:
        errors["start"] = Problem("report.start_early", _l("Enter a date from 2000 onwards"))
    elif start > today:
        errors["start"] = Problem(
            "report.start_future", _l("Enter a first day that is not in the future")
        )
    if not isinstance(end, date):
        errors["end"] = Problem("report.end_missing", _l("Enter the last day of the period"))
    elif "start" not in errors:
        if end < start:
            errors["end"] = Problem(
                "report.end_before_start", _l("Enter a last day on or after the first day")
            )
        elif (end - start).days + 1 > LONGEST_PERIOD_DAYS:
            errors["end"] = Problem(
                "report.too_long", _l("Choose a period of no more than 3 years")
            )
    return errors


def choose_period(start, end, today: date) -> Period:
    """The period from ``start`` to ``end``.

    :raises ServiceError: beside ``start`` or ``end`` when it cannot be reported on.
    """
    errors = period_errors(start, end, today)
    if errors:
        raise ServiceError(errors)
    return Period(start, end)


def _meeting_errors(meeting_date, period: Period, today: date) -> dict[str, Problem]:
    if not isinstance(meeting_date, date):
        return {
            "meeting_date": Problem(
                "report.meeting_missing", _l("Enter the date of the committee meeting")
            )
        }
    if meeting_date <= period.end:
        problem = Problem(
            "report.meeting_in_period",
            _l("Enter a meeting date after the period ends"),
        )
    elif meeting_date < today - MEETING_PAST:
        problem = Problem(
            "report.meeting_long_ago", _l("Enter a meeting date within the last year")
        )
    elif meeting_date > today + MEETING_FUTURE:
        problem = Problem(
            "report.meeting_far_ahead", _l("Enter a meeting date within the next 2 years")
        )
    else:
        return {}
    return {"meeting_date": problem}


def issue_report(
    actor,
    now: datetime,
    committee: Committee,
    meeting_date: date,
    start: date,
    end: date,
    report: Report | None = None,
) -> IssuedReport:
    """Freeze the report for ``start`` to ``end`` for ``committee``'s meeting on
    ``meeting_date``: its figures as they are now, their hash, who issued it and when.

    ``report`` is the report already worked out (by default it is worked out here).

    :raises NotAllowed: for anyone but the CEM and the Panel.
    :raises ServiceError: beside the field for a period that cannot be reported on, one that
        has not ended, or a meeting date that is impossible, in the period, or too far off.
    :raises Conflict: when this committee was issued this period's report for that meeting.
    """
    if not permissions.can_issue_committee_report(actor):
        raise NotAllowed
    today = london_date(now)
    if not isinstance(committee, Committee):
        raise ServiceError({"committee": Problem("report.committee", _l("Choose the committee"))})
    period = choose_period(start, end, today)
    if period.end >= today:
        raise ServiceError(
            {
                "end": Problem(
                    "report.not_ended",
                    _l("A report can be issued only for a period that has ended"),
                )
            }
        )
    errors = _meeting_errors(meeting_date, period, today)
    if errors:
        raise ServiceError(errors)
    found = _issued(committee, period, meeting_date)
    if found is not None:
        raise _already(found)
    report = report or figures.work_out(period, now)
    content = frozen.to_dict(report)
    issued = IssuedReport(
        committee=committee,
        meeting_date=meeting_date,
        period_start=period.start,
        period_end=period.end,
        content=content,
        content_sha256=frozen.digest(content),
        issued_by_id=actor.id,
        issued_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(issued)
    except IntegrityError as exc:  # issued by someone else a moment ago
        found = _issued(committee, period, meeting_date)
        raise (_already(found) if found is not None else ServiceError(ALREADY_ISSUED)) from exc
    audit.record(
        actor,
        now,
        "committee_report.issued",
        "issued_report",
        issued.id,
        f"Six-monthly report for {period.start} to {period.end} issued to the "
        f"{committee.value} committee for its meeting on {meeting_date}",
        after={
            "committee": committee.value,
            "meeting_date": meeting_date.isoformat(),
            "period_start": period.start.isoformat(),
            "period_end": period.end.isoformat(),
            "content_sha256": issued.content_sha256,
        },
    )
    return issued


def _issued(committee: Committee, period: Period, meeting_date: date) -> IssuedReport | None:
    return db.session.scalar(
        select(IssuedReport).where(
            IssuedReport.committee == committee,
            IssuedReport.period_start == period.start,
            IssuedReport.period_end == period.end,
            IssuedReport.meeting_date == meeting_date,
        )
    )


def _already(found: IssuedReport) -> Conflict:
    by = found.issued_by.name if found.issued_by is not None else None
    return Conflict(
        _l("issued"), by=by, at=found.issued_at, field="meeting_date", message=ALREADY_ISSUED
    )


def issued_reports() -> list[IssuedReport]:
    """Every issued report, newest first (a committee is issued two a year)."""
    return list(
        db.session.scalars(
            select(IssuedReport).order_by(IssuedReport.issued_at.desc(), IssuedReport.id.desc())
        )
    )


def frozen_report(issued: IssuedReport) -> Report:
    """The report as it was issued: read from its frozen content, never worked out again."""
    return frozen.from_dict(issued.content)


def hash_matches(issued: IssuedReport) -> bool:
    """Whether the stored content still has the hash it was issued with."""
    return frozen.digest(issued.content) == issued.content_sha256


def issued_facts(issued: IssuedReport) -> dict:
    """What the downloads of an issued copy say of it: meeting, when issued, hash."""
    return {
        "meeting_date": issued.meeting_date,
        "issued_at": issued.issued_at,
        "sha256": issued.content_sha256,
    }
