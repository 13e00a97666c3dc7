"""Reasonable adjustments kept on the customer (§12.1, §4.5): the formats they need letters
in, an interpreter and their language, whether they want an advocate, and how and when they
prefer to be contacted.

One row per customer (``customer_adjustments``, its key the customer's id), so the customer
table and its search triggers are untouched. Representatives and advocates the customer has
agreed may act for them stay in ``customer_representative``; this records only that the
customer wants one, and the record links to them.

Of the formats, the portal makes only large print (every letter's large-print PDF); easy
read, audio and Braille are arranged by a colleague, and the pages that offer letters say so.

Two colleagues may edit at once: each edit names the version it was made from (0 when there
was no row yet) and is saved only if the row is still at that version, so the second is told.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.attributes import set_committed_value

from portal import db
from portal.audit import services as audit
from portal.auth import permissions
from portal.db import Base
from portal.errors import Conflict, NotAllowed, Problem, ServiceError
from portal.errors import entered_text as _text

# The formats, in the order the form and the record show them.
FORMATS = {
    "large_print": _l("Large print"),
    "easy_read": _l("Easy read"),
    "audio": _l("Audio"),
    "braille": _l("Braille"),
}
# What the portal itself produces; the others a colleague arranges.
MADE_BY_PORTAL = frozenset({"large_print"})
CONTACT_WAYS = {
    "": _l("No preference"),
    "phone": _l("Phone"),
    "email": _l("Email"),
    "letter": _l("Letter"),
    "text": _l("Text message"),
}
LIMITS = {"interpreter_language": 80, "contact_time": 200, "other": 1000}
TEXTS = tuple(LIMITS)
FLAGS = (*FORMATS, "interpreter", "wants_advocate")
FIELDS = (*FLAGS, "interpreter_language", "contact_way", "contact_time", "other")


class CustomerAdjustments(Base):
    """A customer's reasonable adjustments (§12.1): at most one row per customer."""

    __tablename__ = "customer_adjustments"
    __table_args__ = (
        CheckConstraint(
            "contact_way IN ('', 'phone', 'email', 'letter', 'text')", name="known_contact_way"
        ),
        CheckConstraint("version > 0", name="version_positive"),
    )

    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), primary_key=True)
    large_print: Mapped[bool] = mapped_column(default=False)
    easy_read: Mapped[bool] = mapped_column(default=False)
    audio: Mapped[bool] = mapped_column(default=False)
    braille: Mapped[bool] = mapped_column(default=False)
    interpreter: Mapped[bool] = mapped_column(default=False)
    interpreter_language: Mapped[str] = mapped_column(String(80), default="")
    wants_advocate: Mapped[bool] = mapped_column(default=False)
    contact_way: Mapped[str] = mapped_column(String(10), default="")
    contact_time: Mapped[str] = mapped_column(String(200), default="")
    other: Mapped[str] = mapped_column(String(1000), default="")
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)

    @property
    def formats(self) -> list[str]:
        """The formats recorded, in :data:`FORMATS` order."""
        return [name for name in FORMATS if getattr(self, name)]

    @property
    def to_arrange(self) -> list[str]:
        """Formats recorded that the portal cannot make: a colleague arranges them."""
        return [name for name in self.formats if name not in MADE_BY_PORTAL]

    @property
    def any(self) -> bool:
        """Whether anything at all is recorded (a row may be saved with everything cleared)."""
        return any(getattr(self, name) for name in FLAGS) or bool(
            self.contact_way or self.contact_time or self.other
        )


@dataclass
class AdjustmentDetails:
    """What a colleague records: the formats ticked, and the rest of the form."""

    formats: list[str] = field(default_factory=list)
    interpreter: bool = False
    interpreter_language: str = ""
    wants_advocate: bool = False
    contact_way: str = ""
    contact_time: str = ""
    other: str = ""


def for_customer(customer_id: int) -> CustomerAdjustments | None:
    """The customer's adjustments, or None when none were ever recorded (one statement)."""
    if not isinstance(customer_id, int) or not 0 < customer_id <= db.MAX_ID:
        return None
    return db.session.scalar(
        select(CustomerAdjustments).where(CustomerAdjustments.customer_id == customer_id)
    )


def large_print_for(customer_id: int | None) -> bool:
    """Whether large print is recorded for the customer: their letters' default format."""
    if customer_id is None:
        return False
    return bool(
        db.session.scalar(
            select(CustomerAdjustments.large_print).where(
                CustomerAdjustments.customer_id == customer_id
            )
        )
    )


def _checked(data: AdjustmentDetails) -> dict:
    """The values to store, or :class:`ServiceError` with a message for each field at fault."""
    errors: dict[str, Problem] = {}
    sent = data.formats if isinstance(data.formats, list | tuple | set | frozenset) else []
    formats = {name for name in sent if isinstance(name, str)}
    if formats - set(FORMATS):
        errors["formats"] = Problem(
            "adjustments.format_unknown", _l("Choose formats from the list")
        )
    values: dict = {name: name in formats for name in FORMATS}
    values["interpreter"] = data.interpreter is True
    values["wants_advocate"] = data.wants_advocate is True
    for name in TEXTS:
        values[name] = _text(getattr(data, name))
        if len(values[name]) > LIMITS[name]:
            errors[name] = Problem(
                "adjustments.too_long",
                _l("Keep this to %(max)d characters or fewer", max=LIMITS[name]),
            )
    way = data.contact_way if isinstance(data.contact_way, str) else None
    if way not in CONTACT_WAYS:
        errors["contact_way"] = Problem(
            "adjustments.contact_way_unknown", _l("Choose a way of contact from the list")
        )
    values["contact_way"] = way or ""
    if values["interpreter"] and not values["interpreter_language"]:
        errors.setdefault(
            "interpreter_language",
            Problem(
                "adjustments.interpreter_language_missing",
                _l("Enter the language the interpreter should speak"),
            ),
        )
    if not values["interpreter"]:
        values["interpreter_language"] = ""
    if errors:
        raise ServiceError(errors)
    return values


def changed_meanwhile() -> Conflict:
    """What to tell someone whose edit was made from an older version of the adjustments."""
    return Conflict(
        "changed",
        message=Problem(
            "adjustments.changed_meanwhile",
            _l(
                "Someone else saved these adjustments while you were editing them. The form "
                "now shows them as they are; what you entered is listed below it. Make your "
                "changes again."
            ),
        ),
    )


def _audit(actor, now, customer, before: dict, after: dict, changed: list[str]) -> None:
    audit.record(
        actor,
        now,
        "customer.adjustments_changed",
        "customer",
        customer.id,
        f"Reasonable adjustments of {customer.reference} changed: {', '.join(changed)}",
        before={name: before[name] for name in changed},
        after={name: after[name] for name in changed},
    )


def set_adjustments(
    actor, now: datetime, customer, expected_version, data: AdjustmentDetails
) -> CustomerAdjustments | None:
    """Record the customer's adjustments, if they are still at ``expected_version`` (0: none
    recorded yet); audit what changed, with what it was before. Returns the row (None when
    nothing was ever recorded and nothing is being recorded now).

    :raises NotAllowed: if the actor may not edit the customer.
    :raises ServiceError: for a field at fault; nothing is saved.
    :raises Conflict: if they changed since the form was made, or the form names no version.
    """
    if not permissions.can_edit_customer(actor):
        raise NotAllowed
    values = _checked(data)
    if not isinstance(expected_version, int) or isinstance(expected_version, bool):
        raise changed_meanwhile()
    row = for_customer(customer.id)
    if (row.version if row else 0) != expected_version:
        raise changed_meanwhile()
    before = {name: getattr(row, name) if row else _blank(name) for name in FIELDS}
    changed = [name for name in FIELDS if before[name] != values[name]]
    if not changed:
        return row
    actor_id = getattr(actor, "id", None)
    if row is None:
        row = CustomerAdjustments(
            customer_id=customer.id, version=1, updated_at=now, updated_by_id=actor_id, **values
        )
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError as exc:  # someone else recorded the first ones a moment ago
            raise changed_meanwhile() from exc
    else:
        saved = db.session.execute(
            update(CustomerAdjustments)
            .where(
                CustomerAdjustments.customer_id == customer.id,
                CustomerAdjustments.version == expected_version,
            )
            .values(**values, version=expected_version + 1, updated_at=now, updated_by_id=actor_id)
            .execution_options(synchronize_session=False)
        )
        if saved.rowcount != 1:
            db.session.refresh(row)
            raise changed_meanwhile()
        for name, value in {
            **values,
            "version": expected_version + 1,
            "updated_at": now,
            "updated_by_id": actor_id,
        }.items():
            set_committed_value(row, name, value)
    _audit(actor, now, customer, before, values, changed)
    return row


def _blank(name: str):
    return False if name in FLAGS else ""


def prefill_appeal(appeal) -> None:
    """Start a new draft appeal with the support already on the customer's record: an
    interpreter and their language, and the first format they need (the customer may change
    either; a "no" is never filled in for them)."""
    row = for_customer(appeal.customer_id)
    if row is None:
        return
    if row.interpreter and row.interpreter_language:
        appeal.needs_interpreter = True
        appeal.interpreter_language = row.interpreter_language
    if row.formats:
        appeal.preferred_format = row.formats[0]
