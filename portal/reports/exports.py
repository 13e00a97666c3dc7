"""The report as a download: CSV (one line a row, with the period's dates above) and PDF.

Both are made from the same :class:`~portal.reports.shape.Report` as the page, so a live
report and an issued (frozen) one download through the same code, and say what the page says.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import render_template
from flask_babel import gettext as _

from portal.config import BASE_DIR
from portal.reports.charts import bar_chart, period_labels, share, signed
from portal.reports.shape import Committee, Report

PDF_VARIANT = "pdf/ua-1"
# A spreadsheet takes a cell starting with one of these as a formula to run.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A text cell a spreadsheet shows as text: one that could start a formula gets a
    leading apostrophe. Numbers are written as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def file_name(committee: Committee, report: Report, ending: str) -> str:
    """e.g. ``committee-report-customer_experience-2026-04-01-to-2026-09-30.csv``."""
    period = report.period
    return f"committee-report-{committee.value}-{period.start}-to-{period.end}.{ending}"


def _day(value: date) -> str:
    return value.isoformat()


def as_csv(report: Report, committee: Committee, issued: dict | None = None) -> str:
    """The report as CSV text: a header block (committee, period, previous period, when the
    figures were worked out, and for an issued copy its meeting and hash), a blank line, then
    one line for each row of each table: section, table, what is counted, this period,
    previous period, change (a plain signed integer)."""
    out = io.StringIO()
    write = csv.writer(out, lineterminator="\r\n").writerow
    write([_("Report"), safe_cell(str(committee.title))])
    write([_("Period"), _day(report.period.start), _day(report.period.end)])
    write([_("Previous period"), _day(report.previous.start), _day(report.previous.end)])
    write([_("Figures worked out at"), report.worked_out_at.isoformat()])
    if issued:
        write([_("Meeting date"), _day(issued["meeting_date"])])
        write([_("Issued at"), issued["issued_at"].isoformat()])
        write(["SHA-256", issued["sha256"]])
    write([])
    write(
        [
            _("Section"),
            _("Table"),
            _("What is counted"),
            _("This period"),
            _("Previous period"),
            _("Change"),
        ]
    )
    for section in report.for_committee(committee):
        for table in section.tables:
            for row in table.rows:
                write(
                    [
                        safe_cell(str(section.title)),
                        safe_cell(str(table.title)),
                        safe_cell(str(row.label)),
                        row.current,
                        row.previous,
                        row.change,
                    ]
                )
    return out.getvalue()


def as_pdf(report: Report, committee: Committee, issued: dict | None = None) -> bytes:
    """The report as a tagged PDF (PDF/UA-1): a title, headings, each chart with its table."""
    from weasyprint import HTML

    document = render_template(
        "staff/reports/pdf.html",
        report=report,
        committee=committee,
        sections=report.for_committee(committee),
        issued=issued,
        chart=bar_chart,
        share=share,
        signed=signed,
        labels=period_labels(report),
    )
    return HTML(string=document, base_url=str(BASE_DIR)).write_pdf(pdf_variant=PDF_VARIANT)
