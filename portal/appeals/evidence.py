"""Files sent with an appeal: added to and removed from a draft, opened by the customer and by
staff. Stored outside static/ under random names; every change and staff download audited."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from flask_babel import lazy_gettext as _l

from portal import db, uploads
from portal.appeals.lodging import SENT_ALREADY
from portal.appeals.models import Appeal, AppealEvidence, AppealStatus
from portal.audit import services as audit
from portal.auth import permissions
from portal.errors import NotAllowed, Problem, ServiceError

MAX_EVIDENCE_FILES = 10


def add_evidence(
    actor,
    now: datetime,
    appeal: Appeal,
    filename: str,
    content: bytes,
    upload_dir: Path,
    max_bytes: int,
) -> AppealEvidence:
    """Store a file sent with a draft appeal, after checking its name, size and type.

    :raises ServiceError: (key ``evidence``) for no file, a type we do not take, an empty or
        too big file, contents that do not match the type, or too many files.
    """
    if appeal.status != AppealStatus.DRAFT:
        raise ServiceError(SENT_ALREADY)
    name, suffix = uploads.check_upload(filename, content, max_bytes)
    if len(appeal.evidence) >= MAX_EVIDENCE_FILES:
        too_many = _l("You can send up to %(count)d files", count=MAX_EVIDENCE_FILES)
        raise ServiceError({"evidence": Problem("appeal.too_many_files", too_many)})
    stored = uploads.store(upload_dir, suffix, content)
    item = AppealEvidence(
        original_name=name,
        stored_name=stored,
        content_type=uploads.ALLOWED_ATTACHMENT_TYPES[suffix],
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_at=now,
    )
    appeal.evidence.append(item)
    appeal.updated_at = now
    db.session.flush()
    audit.record(
        actor,
        now,
        "appeal.evidence_added",
        "appeal",
        appeal.id,
        f"File {name} added to a draft appeal",
        after={"file": name, "sha256": item.sha256, "bytes": item.size_bytes},
    )
    return item


def evidence_of(appeal: Appeal, evidence_id: int) -> AppealEvidence | None:
    """The file with ``evidence_id`` if it belongs to ``appeal``."""
    return next((e for e in appeal.evidence if e.id == evidence_id), None)


def remove_evidence(actor, now: datetime, appeal: Appeal, item: AppealEvidence) -> str:
    """Take a file off a draft appeal. Returns the stored file's name, for the caller to
    delete once the change is committed.

    :raises ServiceError: once the appeal has been sent (its files are then evidence).
    """
    if appeal.status != AppealStatus.DRAFT:
        raise ServiceError(SENT_ALREADY)
    if item not in appeal.evidence:
        not_its = _l("This file is not part of the appeal")
        raise ServiceError(Problem("appeal.not_its_file", not_its))
    stored = item.stored_name
    appeal.evidence.remove(item)
    appeal.updated_at = now
    db.session.flush()
    audit.record(
        actor,
        now,
        "appeal.evidence_removed",
        "appeal",
        appeal.id,
        f"File {item.original_name} removed from a draft appeal",
        before={"file": item.original_name, "sha256": item.sha256},
    )
    return stored


def record_download(actor, now: datetime, appeal: Appeal, item: AppealEvidence) -> None:
    """Audit a member of staff opening a file sent with an appeal.

    :raises NotAllowed: for anyone who may not see appeals.
    """
    if not permissions.can_view_appeals(actor):
        raise NotAllowed
    audit.record(
        actor,
        now,
        "appeal.evidence_downloaded",
        "appeal",
        appeal.id,
        f"{appeal.reference}: file {item.original_name} opened",
        after={"file": item.original_name, "sha256": item.sha256},
    )
