"""When the file storage fails (full, read-only), the incident report is kept, the person is
told the file must be sent again, and no empty or partial file is left; and a command finds
and removes the files no record points at."""

from __future__ import annotations

import errno
import io
import os
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from portal import db, uploads
from portal.appeals import evidence
from portal.appeals import services as appeals
from portal.incidents.models import Attachment, Incident
from portal.incidents.services import attach_evidence
from tests.pages import check_page
from tests.web.forms import assert_field_error, incident_form
from tests.web.test_customer_appeals import _start, _upload, customer_client, restricted  # noqa: F401

PDF = b"%PDF-1.4 a statement"
TOLD = "Send the file again: add it under Evidence on this page."


def _disk_full(monkeypatch):
    """The disk fills up while the file is written (the write is only known to fail when
    it reaches the disk)."""

    def full(_fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(uploads.os, "fsync", full)


def _read_only(monkeypatch):
    def refuse(path, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(uploads, "open", refuse, raising=False)


def _under_a_file(app, tmp_path, monkeypatch):
    """A real failure: the upload folder's parent is a file (tests run as root, whom a
    read-only folder does not stop)."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setitem(app.config, "UPLOAD_DIR", blocker / "uploads")


def _everything_in(folder) -> list[str]:
    if not folder.exists() or not folder.is_dir():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("failure", ["disk full", "read-only", "folder under a file"])
def test_the_report_is_kept_and_the_colleague_told_to_send_the_file_again(
    app, client, post, act_as, tenant, people, monkeypatch, tmp_path, failure
):
    if failure == "disk full":
        _disk_full(monkeypatch)
    elif failure == "read-only":
        _read_only(monkeypatch)
    else:
        _under_a_file(app, tmp_path, monkeypatch)
    act_as("colleague")
    data = incident_form(
        tenant,
        people.line_manager,
        description="Threatened me at the door.",
        evidence=(io.BytesIO(PDF), "statement.pdf"),
    )
    response = post("/staff/incidents/new", data)
    assert response.status_code == 303, response.data[:400]

    incident = db.session.scalar(select(Incident).where(Incident.customer_id == tenant.id))
    assert incident is not None and incident.description == "Threatened me at the door."
    assert _count(Attachment) == 0
    page = check_page(client.get(response.headers["Location"]))
    notices = [n.get_text(" ", strip=True) for n in page.select(".notice--error")]
    assert any("statement.pdf" in n and TOLD in n for n in notices), notices
    assert page.find("form", action=f"/staff/incidents/{incident.id}/evidence") is not None
    assert _everything_in(app.config["UPLOAD_DIR"]) == []


def test_adding_evidence_later_that_cannot_be_stored_says_so_beside_the_field(
    app, client, post, act_as, make_incident, tenant, people, monkeypatch
):
    incident = make_incident(tenant, reporter=people.colleague)
    act_as("colleague")
    _disk_full(monkeypatch)
    response = post(
        f"/staff/incidents/{incident.id}/evidence",
        {"evidence": (io.BytesIO(PDF), "statement.pdf")},
        token_from=f"/staff/incidents/{incident.id}",
    )
    assert_field_error(response, "evidence-file", "could not be saved")
    assert _count(Attachment) == 0
    assert _everything_in(app.config["UPLOAD_DIR"]) == []


def test_a_customers_appeal_file_that_cannot_be_stored_is_asked_for_again(
    app,
    customer_client,  # noqa: F811 (the fixture imported from the appeal journey)
    restricted,  # noqa: F811
    monkeypatch,
):
    appeal_id = _start(customer_client, restricted)
    _disk_full(monkeypatch)
    response = _upload(customer_client, appeal_id, "letter.pdf")
    assert response.status_code == 422
    assert "We could not save your file. The problem is ours: send it again later." in (
        response.text
    )
    assert _everything_in(app.config["UPLOAD_DIR"]) == []


def test_a_stored_file_is_whole_and_nothing_else_is_left(tmp_path):
    stored = uploads.store(tmp_path, ".pdf", PDF)
    assert (tmp_path / stored).read_bytes() == PDF
    assert _everything_in(tmp_path) == [stored]


# --- remove-orphan-uploads -----------------------------------------------------------------------

MARCH_19 = datetime(2027, 3, 19, 10, tzinfo=UTC)


def _aged(path, content=b"left behind", hours=2):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    then = time.time() - hours * 3600
    os.utime(path, (then, then))
    return path


@pytest.fixture
def upload_folder(app, clock, make_incident, tenant, people, restriction_in_force):
    """Files with records (an incident's and an appeal's), and files without."""
    folder = app.config["UPLOAD_DIR"]
    incident = make_incident(tenant, reporter=people.colleague)
    kept_incident = attach_evidence(
        people.colleague, clock.now, incident, "notes.txt", b"notes", folder, 10_000
    )
    clock.now = MARCH_19
    restriction = restriction_in_force(now=clock.now)
    appeal = appeals.start_draft(clock.now, restriction)
    kept_appeal = evidence.add_evidence(
        restriction.customer, clock.now, appeal, "proof.pdf", PDF, folder / "appeals", 10_000
    )
    db.session.commit()
    for name in (kept_incident.stored_name, f"appeals/{kept_appeal.stored_name}"):
        _aged(folder / name, (folder / name).read_bytes())
    orphans = [
        _aged(folder / "0123456789abcdef0123456789abcdef.pdf"),
        _aged(folder / ".fedcba9876543210fedcba9876543210.png.part", b""),
        _aged(folder / "appeals" / "00000000000000000000000000000000.jpg"),
    ]
    young = folder / "ffffffffffffffffffffffffffffffff.pdf"
    young.write_bytes(b"being uploaded right now")
    other = _aged(folder / "exports" / "report.csv")  # not an upload folder: left alone
    return folder, orphans, [young, other, folder / kept_incident.stored_name]


def test_a_dry_run_lists_exactly_the_orphans_and_removes_nothing(runner, upload_folder):
    folder, orphans, _others = upload_folder
    before = _everything_in(folder)
    result = runner.invoke(args=["remove-orphan-uploads", "--dry-run"])
    assert result.exit_code == 0, result.output
    listed = sorted(
        line.split()[2] for line in result.output.splitlines() if line.startswith("would remove")
    )
    assert listed == sorted(str(p.relative_to(folder)) for p in orphans)
    assert "3 orphan file(s)" in result.output and "Dry run: nothing removed." in result.output
    assert _everything_in(folder) == before


def test_removing_orphans_removes_only_them(runner, upload_folder):
    folder, orphans, others = upload_folder
    before = set(_everything_in(folder))
    result = runner.invoke(args=["remove-orphan-uploads"])
    assert result.exit_code == 0, result.output
    assert "removed 3, failed 0" in result.output
    gone = {str(p.relative_to(folder)) for p in orphans}
    assert set(_everything_in(folder)) == before - gone
    assert all(p.exists() for p in others)
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 1


def test_the_command_explains_itself(runner):
    result = runner.invoke(args=["remove-orphan-uploads", "--help"])
    assert result.exit_code == 0
    assert "--dry-run" in result.output and "no" in result.output and "UPLOAD_DIR" in result.output
