"""A subject access export (UK GDPR Art. 15): everything held about one customer, as a ZIP for
the officer answering the request to review before anything is released.

The ZIP holds ``subject-access.json`` (every section:
:mod:`portal.customers.subject_access_sections`), each letter's PDF as it was kept when first
made (``letters/<reference>.pdf``), the evidence files uploaded about the customer
(``evidence/...``) and ``READ-ME-FIRST.txt``. Whatever names, or may name, someone else is
marked ``{"value": ..., "third_party": kind, "review": true}`` and listed with its JSON path in
``for_review``; nothing is taken out automatically: the officer decides. Making the export is
audited (``customer.subject_access_exported``).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import Enum
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import undefer

from portal import db
from portal.audit import services as audit
from portal.auth.models import User
from portal.customers.models import Customer
from portal.customers.subject_access_marks import (
    COLLEAGUE,
    KINDS,
    Staff,
    is_marked,
    safe_name,
    third_party,
)
from portal.customers.subject_access_sections import gather
from portal.letters.files import STANDARD, LetterAltered, frozen_pdf
from portal.letters.models import Letter, LetterFile
from portal.letters.services import verify
from portal.timeutil import london_date

ACTION = "customer.subject_access_exported"
JSON_NAME = "subject-access.json"
README_NAME = "READ-ME-FIRST.txt"

# Every table with a customer_id column, and the section of the export that carries it
# (tests/services/test_subject_access.py fails when a table is in neither list).
COVERED = {
    "customer": "customer, linked_customers",
    "customer_representative": "representatives",
    "equality_record": "equality_monitoring",
    "customer_adjustments": "reasonable_adjustments",
    "customer_account": "portal_account",
    "customer_access_code": "portal_access_codes",
    "alert": "alerts",
    "contact_log_entry": "contact_log",
    "access_refusal": "access_refusals",
    "incident": "incidents",
    "impact_assessment": "incidents (impact_assessment)",
    "conduct_warning": "warnings",
    "arrangement": "arrangements",
    "restriction_request": "restriction_requests",
    "restriction": "restrictions",
    "appeal": "appeals",
    "correspondence": "correspondence",
    "letter": "letters",
}
# Tables with a customer_id column deliberately left out, each with its reason.
LEFT_OUT: dict[str, str] = {}

# The sections, in the order the staff page and the READ-ME describe them.
SECTIONS = {
    "customer": _l(
        "The customer's record: name, contact details, type, vulnerability and support notes"
    ),
    "linked_customers": _l("Visitors, relatives or representatives recorded as relating to them"),
    "representatives": _l("People they agreed may act for them, with their consent"),
    "portal_account": _l("Their portal account (no password hash)"),
    "portal_sign_ins": _l("Their portal sign-ins (no session tokens)"),
    "portal_access_codes": _l("Access codes issued to them (not the codes)"),
    "alerts": _l("Health and safety alerts (§8.5)"),
    "contact_log": _l("The contact log (§6.5)"),
    "access_refusals": _l("Refusals of access for works (§6.8, §6.9)"),
    "incidents": _l("Incident reports, their evidence and the Panel's reviews"),
    "warnings": _l("Written warnings"),
    "arrangements": _l("Informal arrangements and their terms"),
    "restriction_requests": _l("Requests to restrict contact"),
    "restrictions": _l("Restrictions and their reviews"),
    "appeals": _l("Appeals, with the evidence sent"),
    "correspondence": _l("Correspondence received while contact was ended"),
    "letters": _l("Every letter, with its PDF"),
    "vulnerability_views": _l("Who viewed their vulnerability details, and when"),
    "emails": _l("Emails sent to their addresses (password-reset links removed)"),
    "equality_monitoring": _l("Their equality monitoring answers and consent, if recorded"),
    "reasonable_adjustments": _l(
        "Formats, interpreter, advocate and contact preferences recorded for them (§12.1)"
    ),
}


@dataclass
class Export:
    filename: str
    content: bytes
    counts: dict[str, int]


def export(actor, now: datetime, customer: Customer, upload_dir: Path) -> Export:
    """Make the customer's export and audit it (the caller commits)."""
    got = gather(customer)
    sections = got.sections
    _name_staff(sections)
    files: dict[str, bytes] = {}
    problems: list[str] = []
    kept = _kept_pdfs(got.letters)
    for entry, letter in zip(sections["letters"], got.letters, strict=True):
        name = f"letters/{safe_name(letter.reference)}.pdf"
        content = _pdf(actor, now, letter, kept)
        if content is None:
            entry["pdf"] = None
            problems.append(f"{name}: the letter no longer matches its fingerprint; not included")
        else:
            entry["pdf"] = name
            files[name] = content
    for folder, stored, name in got.files:
        try:
            files[name] = (upload_dir / folder / stored).read_bytes()
        except OSError:
            problems.append(f"{name}: the stored file could not be read; not included")
    document = dict(sections)
    document["for_review"] = for_review(sections)
    document["export"] = {
        "customer_reference": customer.reference,
        "made_at": now,
        "made_by": getattr(actor, "name", ""),
        "files_not_included": problems,
        "kinds_of_third_party": list(KINDS),
    }
    counts = {key: len(value) for key, value in sorted(sections.items()) if isinstance(value, list)}
    counts["files"] = len(files)
    counts["for_review"] = len(document["for_review"])
    content = _zip(now, document, files)
    filename = f"subject-access-{safe_name(customer.reference)}-{london_date(now).isoformat()}.zip"
    audit.record(
        actor,
        now,
        ACTION,
        "customer",
        customer.id,
        f"Subject access export of {customer.reference} made",
        after={
            "counts": counts,
            "bytes": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
        },
    )
    return Export(filename=filename, content=content, counts=counts)


def _walk(node, path: str = "$"):
    """Every (path, node) in the document, parents before children."""
    yield path, node
    if is_marked(node):
        return
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}[{index}]")


def _replace(node, change):
    """``node`` with ``change`` applied to every value, from the leaves up."""
    if isinstance(node, dict):
        return {key: _replace(change(value), change) for key, value in node.items()}
    if isinstance(node, list):
        return [_replace(change(value), change) for value in node]
    return node


def _name_staff(sections: dict) -> None:
    """Put each member of staff's name (marked as a colleague) where their id is: one query."""
    ids = {node.id for _path, node in _walk(sections) if isinstance(node, Staff) and node.id}
    rows = db.session.execute(select(User.id, User.name).where(User.id.in_(ids)))
    names = {row.id: row.name for row in rows}

    def change(value):
        if isinstance(value, Staff):
            return third_party(names.get(value.id, ""), COLLEAGUE) if value.id else None
        return value

    sections.update(_replace(sections, change))


def for_review(sections: dict) -> list[dict]:
    """Each marked value's JSON path and kind, in document order."""
    return [
        {"path": path, "third_party": node["third_party"]}
        for path, node in _walk(sections)
        if is_marked(node)
    ]


def _kept_pdfs(letters: list[Letter]) -> dict[int, LetterFile]:
    rows = db.session.scalars(
        select(LetterFile)
        .where(LetterFile.letter_id.in_([letter.id for letter in letters]))
        .where(LetterFile.variant == STANDARD)
        .options(undefer(LetterFile.content))
    )
    return {row.letter_id: row for row in rows}


def _pdf(actor, now: datetime, letter: Letter, kept: dict[int, LetterFile]) -> bytes | None:
    """The letter's PDF as kept (made and kept now if it never was), or None when the letter
    or its kept PDF no longer matches its fingerprint."""
    if not verify(letter):
        return None
    row = kept.get(letter.id)
    try:
        if row is None:
            row = frozen_pdf(actor, now, letter)
    except LetterAltered:
        return None
    if hashlib.sha256(row.content).hexdigest() != row.sha256:
        return None
    return row.content


def _plain(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def as_json(document: dict) -> str:
    return json.dumps(document, default=_plain, ensure_ascii=False, indent=2, sort_keys=True)


def _zip(now: datetime, document: dict, files: dict[str, bytes]) -> bytes:
    stamp = now.timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:

        def put(name: str, data: bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)

        put(README_NAME, readme(document).encode("utf-8"))
        put(JSON_NAME, as_json(document).encode("utf-8"))
        for name in sorted(files):
            put(name, files[name])
    return buffer.getvalue()


def readme(document: dict) -> str:
    meta = document["export"]
    listed = "\n".join(f"  - {key}: {title}" for key, title in SECTIONS.items())
    problems = "\n".join(f"  - {line}" for line in meta["files_not_included"]) or "  None."
    return f"""SUBJECT ACCESS EXPORT (UK GDPR Article 15): REVIEW BEFORE RELEASE

Customer: {meta["customer_reference"]}
Made: {_plain(meta["made_at"])} by {meta["made_by"]}

This export is NOT ready to send. It holds everything the portal keeps about the customer,
including details of other people. Nothing has been removed automatically: you decide.

How to review
1. Open {JSON_NAME}. Every value that names, or may name, someone other than the customer
   looks like this:
     {{"value": "...", "third_party": "<kind>", "review": true}}
   The kinds are:
     colleague  - the name of a member of staff
     witness    - witnesses named in an incident report
     customer   - another customer (for example the tenant a visitor relates to)
     other      - anyone else named (mediators, representatives, helpers) or an uploaded
                  file that may show others
     free_text  - notes written by staff, which may name others
2. "for_review" at the top of the file lists every marked value with its JSON path, for
   example $.incidents[0].witnesses. Work through the list: keep, redact or withhold each
   value, and record why (Data Protection Act 2018, Schedule 2, Part 3).
3. Check each file under evidence/: it is marked "other" in the JSON because a photo,
   recording or document may show other people.
4. The letters under letters/ are exactly as they were sent to the customer.
5. Secrets are never exported: no password hashes, session tokens, access codes or
   password-reset links.

Sections
{listed}

Files that could not be included
{problems}
"""
