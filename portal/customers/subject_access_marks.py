"""How a subject access export marks what may be about someone other than the customer, and
the small pieces its sections share (:mod:`portal.customers.subject_access`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from portal import db
from portal.letters.models import Letter

# What a marked value is: the kinds the READ-ME explains.
COLLEAGUE = "colleague"
WITNESS = "witness"
CUSTOMER = "customer"
OTHER = "other"
FREE_TEXT = "free_text"  # written by staff: may name others
KINDS = (COLLEAGUE, WITNESS, CUSTOMER, OTHER, FREE_TEXT)

VULNERABILITY_VIEWED = "vulnerability.viewed"  # portal/customers/services.py


def third_party(value, kind: str):
    """``value`` marked for the officer's review; an empty value names no one and is left as
    it is."""
    if value in (None, "", [], {}):
        return value
    return {"value": value, "third_party": kind, "review": True}


def is_marked(node) -> bool:
    return isinstance(node, dict) and node.get("review") is True and "third_party" in node


def free(text):
    return third_party(text, FREE_TEXT)


@dataclass(frozen=True)
class Staff:
    """A member of staff by id, named (and marked as a colleague) once every id is known."""

    id: int | None


@dataclass
class Gathered:
    """Everything read about the customer, and the files the export carries."""

    sections: dict = field(default_factory=dict)
    letters: list[Letter] = field(default_factory=list)
    # Each stored evidence file with its name in the ZIP: (folder under UPLOAD_DIR, stored
    # name, name in the ZIP).
    files: list[tuple[str, str, str]] = field(default_factory=list)


def rows_of(stmt) -> list:
    return list(db.session.scalars(stmt))


def stored_file(row, name: str, uploaded_by) -> dict:
    """A stored file the export carries: it may show or name others, so it is marked."""
    return {
        "file": third_party(name, OTHER),
        "original_name": row.original_name,
        "content_type": row.content_type,
        "size_bytes": row.size_bytes,
        "sha256": row.sha256,
        "uploaded_by": uploaded_by,
        "uploaded_at": row.uploaded_at,
    }


def safe_name(name: str) -> str:
    """A file name safe inside a ZIP on any system: letters, digits, dot, dash, underscore."""
    kept = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_" for ch in name)
    return kept.lstrip(".")[-80:] or "file"
