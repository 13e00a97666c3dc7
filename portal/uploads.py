"""Files people upload (incident evidence, appeal evidence): the types we take, checks on
name, size and contents, and storage outside static/ under a random name."""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import unicodedata
from pathlib import Path

from flask_babel import lazy_gettext as _l

from portal.errors import Problem, ServiceError

ALLOWED_ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".txt": "text/plain",
    ".eml": "message/rfc822",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
# The first bytes each type must start with, so a renamed executable is refused.
MAGIC = {
    ".pdf": (b"%PDF",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".docx": (b"PK\x03\x04",),
}


# Longest file name kept, extension included: enough to recognise a file, short enough for a
# Content-Disposition header and the String(255) columns it is stored in.
MAX_FILENAME = 120
_UNSAFE_IN_NAMES = frozenset('"*:<>?|')


def clean_filename(filename: str | None) -> str:
    """The name a file was uploaded with, safe to store and to send back.

    Keep the last part of any path; drop control, format and unassigned characters (a NUL
    makes PostgreSQL refuse the row, a right-to-left override hides the real extension) and
    characters file systems refuse; trim dots and spaces from the ends; shorten a long name
    but keep its extension.
    """
    name = unicodedata.normalize("NFC", (filename or "").replace("\\", "/")).rsplit("/", 1)[-1]
    name = "".join(
        " " if ch.isspace() else "_" if ch in _UNSAFE_IN_NAMES else ch
        for ch in name
        if ch.isspace() or unicodedata.category(ch)[0] != "C"
    )
    name = " ".join(name.split()).strip(". ")
    if len(name) > MAX_FILENAME:
        stem, dot, suffix = name.rpartition(".")
        if dot and 0 < len(suffix) <= 10:
            name = stem[: MAX_FILENAME - len(suffix) - 1].rstrip(". ") + "." + suffix
        else:
            name = name[:MAX_FILENAME].rstrip(". ")
    return name


def check_upload(filename: str | None, content: bytes, max_bytes: int) -> tuple[str, str]:
    """The cleaned name and lower-case extension of an acceptable upload.

    :raises ServiceError: (key ``evidence``) for no file, a type we do not take, an empty or
        too big file, or contents that do not match the type.
    """
    name = clean_filename(filename)
    suffix = Path(name).suffix.lower()
    if not name:
        raise ServiceError({"evidence": Problem("upload.missing", _l("Choose a file to upload"))})
    if suffix not in ALLOWED_ATTACHMENT_TYPES:
        allowed = ", ".join(sorted({s.lstrip(".").upper() for s in ALLOWED_ATTACHMENT_TYPES}))
        one_of = _l("The file must be one of: %(types)s", types=allowed)
        raise ServiceError({"evidence": Problem("upload.type", one_of)})
    if not content:
        raise ServiceError({"evidence": Problem("upload.empty", _l("The selected file is empty"))})
    if len(content) > max_bytes:
        too_big = _l("The file must be smaller than %(size)d MB", size=max_bytes // 2**20)
        raise ServiceError({"evidence": Problem("upload.too_big", too_big)})
    magic = MAGIC.get(suffix)
    if magic and not content.startswith(magic):
        mismatch = _l("The file's contents do not match its type")
        raise ServiceError({"evidence": Problem("upload.mismatch", mismatch)})
    return name, suffix


class StorageFailed(ServiceError):
    """The file storage would not take the file (full, read-only, gone); none of it was kept.

    Under the key ``evidence``, so a view that shows upload errors beside the field shows this.
    """

    def __init__(self, error: OSError):
        self.error = error
        super().__init__(
            {
                "evidence": Problem(
                    "upload.storage",
                    _l(
                        "The file could not be saved because of a problem with the portal's "
                        "file storage, so it has not been added. Send it again; if this keeps "
                        "happening, tell the portal administrator."
                    ),
                )
            }
        )


# A file being written has this suffix until it is complete (remove-orphan-uploads knows it).
PARTIAL_SUFFIX = ".part"


def store(upload_dir: Path, suffix: str, content: bytes) -> str:
    """Write ``content`` under a new random name in ``upload_dir``; return that name.

    The bytes go to a temporary file beside it, reach the disk, and only then take the name,
    so a stored name always holds the whole file.

    :raises StorageFailed: when the storage cannot take the file; nothing is left behind.
    """
    stored = secrets.token_hex(16) + suffix
    draft = upload_dir / f".{stored}{PARTIAL_SUFFIX}"
    try:
        upload_dir.mkdir(parents=True, exist_ok=True)
        with open(draft, "xb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(draft, upload_dir / stored)
    except OSError as error:
        with contextlib.suppress(OSError):
            draft.unlink(missing_ok=True)
        logging.getLogger(__name__).error(
            "could not store an upload in %s: %s", upload_dir, error.strerror or error
        )
        raise StorageFailed(error) from error
    _sync_directory(upload_dir)
    return stored


def _sync_directory(directory: Path) -> None:
    """Make the new name itself survive a power cut (best effort: not every system can)."""
    with contextlib.suppress(OSError):
        handle = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
