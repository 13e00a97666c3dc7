"""A letter's PDFs, made once and kept: frozen means frozen.

A PDF is made soon after the letter is issued, by the worker (:func:`keep_pending`, each pass),
or the first time anyone downloads it if that comes sooner; not in the issuing request: making
the standard and the large-print PDF takes about a second, and the issuing request holds the
database's write lock (on SQLite, the whole database's) while it runs, so every other person
saving anything would wait that second for every letter issued. Made from the letter's frozen
HTML (checked against its hash first), and stored with its SHA-256, the PDF is the same bytes
ever after, whatever the templates say by then. Letters issued before PDFs were kept get theirs
the same way.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask_babel import force_locale
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import undefer

from portal import db
from portal.audit import services as audit
from portal.letters.models import Letter, LetterFile
from portal.letters.pdf import render_pdf
from portal.letters.services import verify

STANDARD = "standard"
LARGE_PRINT = "large_print"


class LetterAltered(RuntimeError):
    """The letter's stored content, or its stored PDF, no longer matches its fingerprint."""


def check_letter(letter: Letter) -> None:
    """:raises LetterAltered: when the letter's HTML no longer matches its hash."""
    if not verify(letter):
        raise LetterAltered(f"letter {letter.id}'s content does not match its hash")


def frozen_pdf(actor, now: datetime, letter: Letter, large_print: bool = False) -> LetterFile:
    """The letter's PDF as it was first made, checked against its hash; made and kept now if
    it never was.

    :raises LetterAltered: when the letter or its stored PDF has been altered.
    """
    check_letter(letter)
    variant = LARGE_PRINT if large_print else STANDARD
    kept = _kept(letter.id, variant, with_content=True)
    if kept is None:
        kept = _keep(actor, now, letter, variant)
    if hashlib.sha256(kept.content).hexdigest() != kept.sha256:
        raise LetterAltered(f"letter {letter.id}'s {variant} PDF does not match its hash")
    return kept


def _kept(letter_id: int, variant: str, with_content: bool = False) -> LetterFile | None:
    """The kept PDF's row, read afresh; with its bytes in the same query when
    ``with_content`` (a download), else they are read only if asked for."""
    query = select(LetterFile).where(
        LetterFile.letter_id == letter_id, LetterFile.variant == variant
    )
    if with_content:
        query = query.options(undefer(LetterFile.content))
    return db.session.scalar(query.execution_options(populate_existing=True))


def _keep(actor, now: datetime, letter: Letter, variant: str) -> LetterFile:
    with force_locale("en"):
        # Made before any lock is taken: it is the slow part, and nothing in it is written.
        content = render_pdf(letter, large_print=variant == LARGE_PRINT)
    db.take_write_lock(db.session)
    # Someone else's first download, while this one made.
    already = _kept(letter.id, variant, with_content=True)
    if already is not None:
        return already
    kept = LetterFile(
        letter_id=letter.id,
        variant=variant,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        size_bytes=len(content),
        made_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(kept)
    except IntegrityError:  # PostgreSQL: the other first download stored it first
        return _kept(letter.id, variant, with_content=True)
    audit.record(
        actor,
        now,
        "letter.pdf_kept",
        "letter",
        letter.id,
        f"{letter.reference}: {variant.replace('_', ' ')} PDF made and kept",
        after={"variant": variant, "sha256": kept.sha256, "bytes": kept.size_bytes},
    )
    return kept


def keep_pending(now: datetime, limit: int = 20) -> int:
    """Make and keep the PDFs of up to ``limit`` issued letters that have none yet, oldest
    first, committing each; returns how many PDFs were kept. Letters found altered are left for
    the download to refuse (and ``verify-audit``/the staff page to show)."""
    variants = (STANDARD, LARGE_PRINT)
    kept_for = (
        select(LetterFile.letter_id)
        .group_by(LetterFile.letter_id)
        .having(func.count(LetterFile.id) >= len(variants))
    )
    letters = db.session.scalars(
        select(Letter).where(Letter.id.not_in(kept_for)).order_by(Letter.id).limit(limit)
    ).all()
    made = 0
    for letter in letters:
        for variant in variants:
            try:
                if _kept(letter.id, variant) is None:
                    frozen_pdf(None, now, letter, large_print=variant == LARGE_PRINT)
                    made += 1
            except LetterAltered:
                break
        db.session.commit()
    return made
