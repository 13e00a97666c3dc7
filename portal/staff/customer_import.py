"""Administrators import customers from the housing system: upload a CSV file, see
what it would change (a dry run), then confirm. The file waits in the upload folder under a
random name until it is confirmed (checked by SHA-256 to be the same file) or expires."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import BooleanField, FileField, HiddenField

from portal import db, uploads
from portal import idempotency as once
from portal.audit.models import AuditEvent
from portal.auth import permissions
from portal.customers.import_rows import MAX_BYTES
from portal.customers.importing import ImportReport, import_customers
from portal.errors import NotAllowed, Problem, ServiceError
from portal.forms import BaseForm
from portal.idempotency import OnceForm
from portal.staff import bp
from portal.staff.guard import MAX_ID, actor, staff_required
from portal.steps import perform
from portal.timeutil import utcnow

FOLDER = "imports"
KEPT_FOR = timedelta(hours=24)
STORED = re.compile(r"[0-9a-f]{32}")
SHA256 = re.compile(r"[0-9a-f]{64}")
TABLE_ROWS = 500


class UploadForm(BaseForm):
    file = FileField(_l("CSV file from the housing system"))
    skip_rejected = BooleanField(_l("Import the rows that are fine, even if others are rejected"))


class ConfirmForm(OnceForm):
    upload = HiddenField()
    sha256 = HiddenField()
    skip_rejected = HiddenField()


def _folder() -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / FOLDER


def _forget_old(folder: Path) -> None:
    """Remove files of imports never confirmed (real time: the files' own clock)."""
    if not folder.is_dir():
        return
    limit = datetime.now(UTC) - KEPT_FOR
    for path in folder.iterdir():
        if path.is_file() and datetime.fromtimestamp(path.stat().st_mtime, UTC) < limit:
            path.unlink(missing_ok=True)


def _report_csv(report: ImportReport) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", "housing_ref", "field", "reason"])
    for found in report.rejected:
        cells = [str(found.line), found.housing_ref, found.field, found.reason]
        # A cell a spreadsheet would run as a formula is kept as text.
        writer.writerow([("'" + c) if c[:1] in ("=", "+", "-", "@") else c for c in cells])
    return out.getvalue().encode("utf-8-sig")


def _upload_page(form: UploadForm, status: int = 200):
    return render_template("staff/admin/import_customers.html", form=form), status


def _report_page(report: ImportReport, confirm: ConfirmForm | None, stored: str | None, status):
    return render_template(
        "staff/admin/import_report.html",
        report=report,
        confirm=confirm,
        stored=stored,
        shown=report.rejected[:TABLE_ROWS],
        more=max(0, len(report.rejected) - TABLE_ROWS),
    ), status


def _run(content: bytes, skip_rejected: bool, dry_run: bool) -> ImportReport:
    return import_customers(
        actor(),
        utcnow(),
        content,
        languages=current_app.config["LANGUAGES"],
        skip_rejected=skip_rejected,
        dry_run=dry_run,
    )


@bp.route("/admin/import-customers", methods=["GET", "POST"])
@staff_required(permissions.can_import_customers)
def import_customers_page():
    try:
        form = UploadForm()
        sent = form.validate_on_submit()
        upload = request.files.get("file") if sent else None
    except RequestEntityTooLarge:  # over the portal's MAX_CONTENT_LENGTH
        form = UploadForm(formdata=None)
        size = MAX_BYTES // 2**20
        form.file.errors = [_l("The file must be smaller than %(size)d MB", size=size)]
        return _upload_page(form, 413)
    if not sent:
        return _upload_page(form, 422 if form.is_submitted() else 200)
    name = uploads.clean_filename(upload.filename if upload else "")
    if not name:
        form.file.errors = [_l("Choose a CSV file to upload")]
        return _upload_page(form, 422)
    if not name.lower().endswith(".csv"):
        form.file.errors = [_l("The file must be a CSV file (its name ends .csv)")]
        return _upload_page(form, 422)
    content = upload.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        size = MAX_BYTES // 2**20
        form.file.errors = [_l("The file must be smaller than %(size)d MB", size=size)]
        return _upload_page(form, 413)
    skip = bool(form.skip_rejected.data)
    try:
        report = _run(content, skip, dry_run=True)
    except NotAllowed:
        abort(403)
    except ServiceError as exc:
        db.session.rollback()
        form.apply_errors(exc)
        return _upload_page(form, 422)
    finally:
        db.session.rollback()  # a dry run: nothing it did is kept
    folder = _folder()
    _forget_old(folder)
    try:
        stored = uploads.store(folder, ".csv", content)
        (folder / f"{stored[:-4]}.report").write_bytes(_report_csv(report))
    except (ServiceError, OSError) as exc:
        form.file.errors = [getattr(exc, "errors", {}).get("evidence", str(exc))]
        return _upload_page(form, 422)
    confirm = ConfirmForm(
        formdata=None,
        data={"upload": stored[:-4], "sha256": report.sha256, "skip_rejected": "1" if skip else ""},
    )
    return _report_page(report, confirm, stored[:-4], 200)


def _stored_file(name: str | None) -> Path | None:
    if not isinstance(name, str) or not STORED.fullmatch(name):
        return None
    path = _folder() / f"{name}.csv"
    return path if path.is_file() else None


@bp.route("/admin/import-customers/confirm", methods=["POST"])
@staff_required(permissions.can_import_customers)
def confirm_import():
    form = ConfirmForm()
    start_again = url_for("staff.import_customers_page")
    if not form.validate_on_submit():
        flash(_l("The import could not be confirmed: upload the file again."), "error")
        return redirect(start_again, 303)
    if (again := once.sent_before(form, "customer_import", actor(), start_again)) is not None:
        return again
    path = _stored_file(form.upload.data)
    content = path.read_bytes() if path else b""
    sent_hash = form.sha256.data or ""
    if (
        path is None
        or not SHA256.fullmatch(sent_hash)
        or hashlib.sha256(content).hexdigest() != sent_hash
    ):
        flash(
            _l("That upload has expired or is not the file checked: upload the file again."),
            "error",
        )
        return redirect(start_again, 303)
    if (again := once.claim(form, "customer_import", actor(), utcnow(), start_again)) is not None:
        return again
    name = form.upload.data

    def _confirmed() -> ImportReport:
        report = _run(content, form.skip_rejected.data == "1", dry_run=False)
        if not report.saved:
            raise _NotSaved(report)
        done = url_for("staff.import_done", event_id=report.event_id)
        once.made(form, db.session.get(AuditEvent, report.event_id), done)
        return report

    def _refused(exc: ServiceError):
        if isinstance(exc, _NotSaved):  # rows rejected since the check: the report shows
            return _report_page(exc.report, None, name, 422)
        flash(next(iter(exc.errors.values())), "error")
        return redirect(start_again, 303)

    return perform(
        _confirmed,
        then=lambda report: url_for("staff.import_done", event_id=report.event_id),
        done=_l("The customers have been imported."),
        on_error=_refused,
        after=lambda _report: path.unlink(missing_ok=True),
    )


class _NotSaved(ServiceError):
    """Rows were rejected when the import was confirmed, so nothing was saved."""

    def __init__(self, report: ImportReport):
        self.report = report
        super().__init__(Problem("import.rows_rejected", _l("Rows were rejected: nothing saved")))


@bp.route("/admin/import-customers/<int:event_id>")
@staff_required(permissions.can_import_customers)
def import_done(event_id: int):
    event_ = None
    if 0 < event_id <= MAX_ID:
        event_ = db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.id == event_id, AuditEvent.action == "customers.imported"
            )
        )
    if event_ is None:
        abort(404)
    return render_template("staff/admin/import_done.html", event=event_, counts=event_.after or {})


@bp.route("/admin/import-customers/report/<name>.csv")
@staff_required(permissions.can_import_customers)
def import_report_csv(name: str) -> Response:
    if not STORED.fullmatch(name):
        abort(404)
    path = _folder() / f"{name}.report"
    if not path.is_file():
        abort(404)
    return send_file(
        path,
        mimetype="text/csv",
        as_attachment=True,
        download_name="rejected-rows.csv",
        max_age=0,
    )
