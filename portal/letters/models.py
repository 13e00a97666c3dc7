"""Letters: drafted from a template, previewed, then frozen with a hash when issued; their
PDFs frozen too, once made."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, defer, mapped_column, relationship

from portal.db import Base
from portal.enums import TitledEnum

if TYPE_CHECKING:
    from portal.conduct_warnings.models import ConductWarning


class LetterKind(TitledEnum):
    WARNING = "warning"
    ARRANGEMENT = "arrangement"
    RESTRICTION_DECISION = "restriction_decision"
    REVIEW_OUTCOME = "review_outcome"
    CORRESPONDENCE_ACK = "correspondence_ack"
    APPEAL_ACKNOWLEDGEMENT = "appeal_acknowledgement"
    LATE_APPEAL = "late_appeal"
    APPEAL_OUTCOME = "appeal_outcome"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.WARNING: _l("Warning letter"),
            cls.ARRANGEMENT: _l("Contact arrangement letter"),
            cls.RESTRICTION_DECISION: _l("Restriction decision letter"),
            cls.REVIEW_OUTCOME: _l("Restriction review outcome letter"),
            cls.CORRESPONDENCE_ACK: _l("Correspondence acknowledgement"),
            cls.APPEAL_ACKNOWLEDGEMENT: _l("Appeal acknowledgement"),
            cls.LATE_APPEAL: _l("Late appeal decision"),
            cls.APPEAL_OUTCOME: _l("Appeal outcome letter"),
        }


class Letter(Base):
    __tablename__ = "letter"
    __table_args__ = (
        CheckConstraint(
            "length(content_sha256) = 64 AND length(body_html) > 0", name="frozen_content"
        ),
        # A letter in English only has no translation; one in another language carries both.
        CheckConstraint(
            "(language = 'en' AND translation_html IS NULL AND translation_subject IS NULL)"
            " OR (language <> 'en' AND length(translation_html) > 0"
            " AND translation_subject IS NOT NULL)",
            name="translation_matches_language",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    kind: Mapped[LetterKind]
    subject: Mapped[str] = mapped_column(String(200))
    # The language of the translation sent alongside the English ("en" when there is none).
    language: Mapped[str] = mapped_column(String(10), default="en")
    body_html: Mapped[str] = mapped_column(Text)
    translation_subject: Mapped[str | None] = mapped_column(String(200))
    translation_html: Mapped[str | None] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime]
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    # The warning a warning letter gave: its stage names the letter.
    warning: Mapped[ConductWarning | None] = relationship(viewonly=True, uselist=False)

    @property
    def translated(self) -> bool:
        # The table's check constraint ties a translation to a language other than English,
        # so lists that leave the letter's text unread can still tell.
        return self.language != "en"

    @property
    def kind_title(self):
        """What kind of letter it is, said when read: a warning letter by its stage ("First
        stage warning letter"), so that one stage's letter is never taken for another's."""
        if self.kind is LetterKind.WARNING and self.warning is not None:
            return self.warning.stage.letter_title
        return self.kind.title

    def subject_in(self, locale: str) -> str:
        """The letter's title in the reader's language (:meth:`title_in`)."""
        return self.title_in(locale)[0]

    def title_in(self, locale: str) -> tuple[str, str]:
        """The letter's title for a reader of ``locale``, and the language it is in: its
        subject as sent in that language; otherwise what kind of letter it is, in that
        language; the English subject only where neither is there."""
        if locale == "en":
            return self.subject, "en"
        if self.translated and locale == self.language and self.translation_subject:
            return self.translation_subject, locale
        with force_locale(locale):
            title = str(self.kind_title)
        with force_locale("en"):
            english = str(self.kind_title)
        if title != english:
            return title, locale
        return self.subject, "en"


def unread_text() -> tuple:
    """Options for a list of letters that shows their titles and dates, not what they say."""
    return (defer(Letter.body_html), defer(Letter.translation_html))


class LetterFile(Base):
    """A letter's PDF exactly as it was first made, with its SHA-256: every later download
    sends these bytes, whatever the templates say by then. Deleted with its letter (the
    database cascades), so no copy of a letter outlives it."""

    __tablename__ = "letter_file"
    __table_args__ = (
        UniqueConstraint("letter_id", "variant"),
        CheckConstraint("variant IN ('standard', 'large_print')", name="known_variant"),
        CheckConstraint("length(sha256) = 64 AND size_bytes > 0", name="hashed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id", ondelete="CASCADE"))
    variant: Mapped[str] = mapped_column(String(20))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int]
    made_at: Mapped[datetime]
