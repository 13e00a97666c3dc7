"""The six-monthly committee report (§10.3): choose a period and a committee, read each
section's charts with their tables, download them as CSV or PDF, and issue the report to a
committee for a meeting (frozen, like a letter); issued copies are read back as issued."""

from __future__ import annotations

from datetime import date

from flask import abort, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from portal import idempotency as once
from portal.auth import permissions
from portal.downloads import personal_download
from portal.errors import ServiceError
from portal.reports import exports, figures, services
from portal.reports.charts import bar_chart, period_labels, share, signed
from portal.reports.forms import IssueForm, PeriodForm
from portal.reports.models import IssuedReport
from portal.reports.shape import Committee, Period, Report
from portal.staff import bp
from portal.staff.guard import actor, get_or_404, staff_required
from portal.steps import beside_fields, conflict_page, perform
from portal.timeutil import london_date, utcnow

ISSUE_PREFIX = "issue-"


def _today() -> date:
    return london_date(utcnow())


def _choice() -> tuple[PeriodForm, Period | None, Committee]:
    """The period and committee asked for in the query string (the last complete half-year
    and the Customer Experience Committee where none is given), checked; the period is None
    when it cannot be reported on, with each reason beside its field."""
    default = Period.last_complete_half_year(_today())
    sent = MultiDict(
        {
            "start": default.start.isoformat(),
            "end": default.end.isoformat(),
            "committee": Committee.CUSTOMER_EXPERIENCE.value,
        }
    )
    for name in ("start", "end", "committee"):
        if name in request.args:
            sent.setlist(name, request.args.getlist(name)[:1])
    form = PeriodForm(formdata=sent)
    form.validate()
    committee = form.committee.committee or Committee.CUSTOMER_EXPERIENCE
    problems = services.period_errors(form.start.data, form.end.data, _today())
    for name, problem in problems.items():
        field = form[name]
        if not field.errors:
            field.errors = [*field.errors, problem]
    if form.start.errors or form.end.errors or form.committee.errors:
        return form, None, committee
    return form, Period(form.start.data, form.end.data), committee


def _quick_periods(committee: Committee, shown: Period | None) -> list[dict]:
    """The usual periods as plain links (GET, no JavaScript), for the committee chosen: the
    last complete half-year, the one before it and, once a day of it has passed, this
    financial year so far."""
    today = _today()
    usual = [
        (_l("Last complete half-year"), Period.last_complete_half_year(today)),
        (_l("The half-year before that"), Period.half_year_before_last(today)),
    ]
    if (so_far := Period.financial_year_so_far(today)) is not None:
        usual.append((_l("This financial year so far"), so_far))
    return [
        {
            "label": str(label),
            "period": period,
            "current": period == shown,
            "url": url_for(
                "staff.committee_report",
                start=period.start.isoformat(),
                end=period.end.isoformat(),
                committee=committee.value,
            ),
        }
        for label, period in usual
    ]


def _page_errors(*forms) -> list[tuple[str, str]]:
    return [pair for form in forms if form is not None for pair in form.error_list()]


def _issue_form(period: Period, committee: Committee) -> IssueForm | None:
    if not permissions.can_issue_committee_report(actor()) or period.end >= _today():
        return None
    data = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    return IssueForm(formdata=None, prefix=ISSUE_PREFIX, data={**data, "committee": committee})


def _report_page(choose, period, committee, issue=None, status=None):
    report = figures.work_out(period, utcnow()) if period is not None else None
    if report is not None and issue is None:
        issue = _issue_form(period, committee)
    page = render_template(
        "staff/reports/report.html",
        choose=choose,
        report=report,
        committee=committee,
        sections=report.for_committee(committee) if report else (),
        labels=period_labels(report) if report else None,
        issue=issue,
        quick_periods=_quick_periods(committee, period),
        chart=bar_chart,
        share=share,
        signed=signed,
        query=request.query_string.decode(errors="replace"),
        page_errors=_page_errors(choose, issue),
    )
    return page, status or (200 if report is not None else 422)


@bp.route("/reports")
@staff_required(permissions.can_view_committee_report)
def committee_report():
    choose, period, committee = _choice()
    return _report_page(choose, period, committee)


EXPORTS = {
    "csv": (exports.as_csv, "text/csv"),
    "pdf": (exports.as_pdf, "application/pdf"),
}


def _export(kind: str):
    """The report for the chosen period as a download (or the page with the period's errors)."""
    choose, period, committee = _choice()
    if period is None:
        return _report_page(choose, period, committee)
    report = figures.work_out(period, utcnow())
    render, mimetype = EXPORTS[kind]
    name = exports.file_name(committee, report, kind)
    return personal_download(render(report, committee), mimetype, name)


@bp.route("/reports.csv")
@staff_required(permissions.can_view_committee_report)
def committee_report_csv():
    return _export("csv")


@bp.route("/reports.pdf")
@staff_required(permissions.can_view_committee_report)
def committee_report_pdf():
    return _export("pdf")


def _sent_date(text) -> date | None:
    try:
        return date.fromisoformat((text or "").strip()[:10])
    except ValueError:
        return None


@bp.route("/reports/issue", methods=["POST"])
@staff_required(permissions.can_issue_committee_report)
def issue_committee_report():
    form = IssueForm(prefix=ISSUE_PREFIX)
    start, end = _sent_date(form.start.data), _sent_date(form.end.data)
    known = {c.value for c in Committee}
    committee = Committee(form.committee.data) if form.committee.data in known else None
    try:
        period = services.choose_period(start, end, _today())
    except ServiceError:
        period = Period.last_complete_half_year(_today())
    choose = PeriodForm(
        formdata=None,
        data={
            "start": period.start,
            "end": period.end,
            "committee": committee or Committee.CUSTOMER_EXPERIENCE,
        },
    )

    def _again():
        return _report_page(
            choose, period, committee or Committee.CUSTOMER_EXPERIENCE, form, status=422
        )

    if not form.validate_on_submit():
        return _again()
    back = url_for("staff.issued_committee_reports")
    if (again := once.claim(form, "committee_report", actor(), utcnow(), back)) is not None:
        return again

    def _issue():
        issued = services.issue_report(
            actor(), utcnow(), committee, form.meeting_date.data, start, end
        )
        once.made(form, issued, url_for("staff.issued_committee_report", report_id=issued.id))
        return issued

    aliases = {"start": "", "end": "", "committee": ""}
    return perform(
        _issue,
        then=lambda issued: url_for("staff.issued_committee_report", report_id=issued.id),
        done=_l("The report is issued."),
        on_error=beside_fields(form, _again, aliases),
        on_conflict=lambda exc: conflict_page(
            exc, _l("Report already issued"), back, _l("See the issued reports"), form
        ),
    )


@bp.route("/reports/issued")
@staff_required(permissions.can_view_committee_report)
def issued_committee_reports():
    return render_template("staff/reports/issued_list.html", issued=services.issued_reports())


def _issued_or_404(report_id: int) -> tuple[IssuedReport, Report]:
    issued = get_or_404(IssuedReport, report_id)
    try:
        return issued, services.frozen_report(issued)
    except (KeyError, TypeError, ValueError):  # pragma: no cover - a damaged copy
        abort(404)


@bp.route("/reports/issued/<int:report_id>")
@staff_required(permissions.can_view_committee_report)
def issued_committee_report(report_id: int):
    issued, report = _issued_or_404(report_id)
    return render_template(
        "staff/reports/issued.html",
        issued=issued,
        report=report,
        committee=issued.committee,
        sections=report.for_committee(issued.committee),
        labels=period_labels(report),
        hash_matches=services.hash_matches(issued),
        chart=bar_chart,
        share=share,
        signed=signed,
    )


def _issued_export(report_id: int, kind: str):
    """An issued report as a download, from its frozen content."""
    issued, report = _issued_or_404(report_id)
    render, mimetype = EXPORTS[kind]
    body = render(report, issued.committee, services.issued_facts(issued))
    name = f"issued-{issued.id}-" + exports.file_name(issued.committee, report, kind)
    return personal_download(body, mimetype, name)


@bp.route("/reports/issued/<int:report_id>.csv")
@staff_required(permissions.can_view_committee_report)
def issued_committee_report_csv(report_id: int):
    return _issued_export(report_id, "csv")


@bp.route("/reports/issued/<int:report_id>.pdf")
@staff_required(permissions.can_view_committee_report)
def issued_committee_report_pdf(report_id: int):
    return _issued_export(report_id, "pdf")
