"""Evidence attached to an incident report: allowed types, real contents, size, never empty."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from portal.errors import ServiceError
from portal.incidents.models import Attachment
from portal.incidents.services import attach_evidence

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
LIMIT = 1024


@pytest.fixture
def incident(make_customer, make_incident):
    return make_incident(make_customer())


@pytest.fixture
def upload_dir(tmp_path):
    return tmp_path / "evidence"


@pytest.fixture
def attach(colleague, clock, incident, upload_dir):
    def _attach(filename: str, content: bytes, max_bytes: int = LIMIT) -> Attachment:
        return attach_evidence(
            colleague, clock.now, incident, filename, content, upload_dir, max_bytes
        )

    return _attach


def stored_files(upload_dir) -> list:
    return sorted(upload_dir.iterdir()) if upload_dir.exists() else []


def attachment_count(session) -> int:
    return session.scalar(select(func.count(Attachment.id)))


def assert_refused(attach, session, upload_dir, filename, content, message, **kwargs):
    with pytest.raises(ServiceError) as caught:
        attach(filename, content, **kwargs)
    assert caught.value.errors == {"evidence": message}
    assert stored_files(upload_dir) == []
    assert attachment_count(session) == 0


def test_a_pdf_is_stored_with_its_hash(attach, incident, colleague, clock, upload_dir):
    attachment = attach("Witness statement.pdf", PDF)

    assert attachment.incident_id == incident.id
    assert attachment.original_name == "Witness statement.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.size_bytes == len(PDF)
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    assert attachment.uploaded_by_id == colleague.id
    assert attachment.uploaded_at == clock.now
    [stored] = stored_files(upload_dir)
    assert stored.name == attachment.stored_name
    assert stored.name != "Witness statement.pdf"
    assert stored.read_bytes() == PDF


@pytest.mark.parametrize(
    ("filename", "content", "content_type"),
    [
        ("photo.JPG", JPEG, "image/jpeg"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        ("screenshot.png", PNG, "image/png"),
        ("notes.txt", b"Called at 09:14, shouting.", "text/plain"),
        ("message.eml", b"From: someone\r\n\r\nhello", "message/rfc822"),
    ],
)
def test_allowed_types_are_accepted(attach, filename, content, content_type):
    assert attach(filename, content).content_type == content_type


def test_a_path_in_the_file_name_is_ignored(attach, upload_dir):
    attachment = attach("../../etc/statement.pdf", PDF)

    assert attachment.original_name == "statement.pdf"
    [stored] = stored_files(upload_dir)
    assert stored.parent == upload_dir


def test_a_pdf_that_is_not_a_pdf_is_refused(attach, session, upload_dir):
    assert_refused(
        attach,
        session,
        upload_dir,
        "invoice.pdf",
        b"MZ\x90\x00 this is really a Windows program",
        "The file's contents do not match its type",
    )


def test_a_png_that_is_really_a_jpeg_is_refused(attach, session, upload_dir):
    assert_refused(
        attach, session, upload_dir, "photo.png", JPEG, "The file's contents do not match its type"
    )


@pytest.mark.parametrize("filename", ["virus.exe", "script.js", "page.html", "no-extension"])
def test_other_types_are_refused(attach, session, upload_dir, filename):
    with pytest.raises(ServiceError) as caught:
        attach(filename, PDF)

    assert caught.value.errors["evidence"].startswith("The file must be one of: DOCX, EML, JPEG")
    assert stored_files(upload_dir) == []
    assert attachment_count(session) == 0


def test_an_empty_file_is_refused(attach, session, upload_dir):
    assert_refused(attach, session, upload_dir, "empty.pdf", b"", "The selected file is empty")


def test_no_file_chosen_is_refused(attach, session, upload_dir):
    assert_refused(attach, session, upload_dir, "", PDF, "Choose a file to upload")


def test_a_file_exactly_at_the_size_limit_is_accepted(attach):
    content = PDF + b"0" * (LIMIT - len(PDF))

    assert attach("big.pdf", content).size_bytes == LIMIT


def test_a_file_one_byte_over_the_size_limit_is_refused(attach, session, upload_dir):
    content = PDF + b"0" * (LIMIT + 1 - len(PDF))

    with pytest.raises(ServiceError) as caught:
        attach("big.pdf", content)

    assert caught.value.errors["evidence"].startswith("The file must be smaller than")
    assert stored_files(upload_dir) == []
    assert attachment_count(session) == 0


def test_the_size_limit_is_stated_in_megabytes(attach):
    with pytest.raises(ServiceError) as caught:
        attach("big.pdf", PDF + b"0" * (2 * 2**20), max_bytes=2 * 2**20)

    assert caught.value.errors == {"evidence": "The file must be smaller than 2 MB"}


def test_adding_evidence_is_audited(attach, incident, audit_events):
    attachment = attach("statement.pdf", PDF)

    [event] = audit_events("incident.evidence_added")
    assert event.entity_id == incident.id
    assert event.after == {"file": "statement.pdf", "sha256": attachment.sha256, "bytes": len(PDF)}
