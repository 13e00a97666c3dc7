"""A customer's equality monitoring answers (§11.1, §12.1), in a table of their own.

Nothing links the customer record to these answers (no relationship on ``Customer``), so
loading a customer never loads them: they are read only through portal/equality/services.py,
by the roles that need them, and every read is audited. Without the customer's consent only
the refusal is kept (a check constraint holds every answer empty).
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base
from portal.enums import TitledEnum

PREFER_NOT_TO_SAY = "prefer_not_to_say"


class ConsentMethod(TitledEnum):
    IN_PERSON = "in_person"
    BY_PHONE = "by_phone"
    IN_WRITING = "in_writing"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.IN_PERSON: _l("In person"),
            cls.BY_PHONE: _l("By phone"),
            cls.IN_WRITING: _l("In writing"),
        }


# Each characteristic asked, with its answers (stored by code; None is "not answered").
# Ethnic groups are the UK 2021 census's five top-level groups.
CHARACTERISTICS: dict[str, tuple] = {
    "age_band": (
        _l("Age"),
        (
            ("16_24", _l("16 to 24")),
            ("25_34", _l("25 to 34")),
            ("35_44", _l("35 to 44")),
            ("45_54", _l("45 to 54")),
            ("55_64", _l("55 to 64")),
            ("65_74", _l("65 to 74")),
            ("75_plus", _l("75 or over")),
        ),
    ),
    "sex": (_l("Sex"), (("female", _l("Female")), ("male", _l("Male")))),
    "gender_same_as_birth": (
        _l("Gender identity the same as the sex registered at birth"),
        (("yes", _l("Yes")), ("no", _l("No"))),
    ),
    "ethnic_group": (
        _l("Ethnic group"),
        (
            ("asian", _l("Asian, Asian British or Asian Welsh")),
            ("black", _l("Black, Black British, Black Welsh, Caribbean or African")),
            ("mixed", _l("Mixed or multiple ethnic groups")),
            ("white", _l("White")),
            ("other", _l("Other ethnic group")),
        ),
    ),
    "religion": (
        _l("Religion or belief"),
        (
            ("none", _l("No religion")),
            ("christian", _l("Christian")),
            ("buddhist", _l("Buddhist")),
            ("hindu", _l("Hindu")),
            ("jewish", _l("Jewish")),
            ("muslim", _l("Muslim")),
            ("sikh", _l("Sikh")),
            ("other", _l("Any other religion or belief")),
        ),
    ),
    "disability": (_l("Disability"), (("yes", _l("Yes")), ("no", _l("No")))),
    "sexual_orientation": (
        _l("Sexual orientation"),
        (
            ("straight", _l("Straight or heterosexual")),
            ("gay_or_lesbian", _l("Gay or lesbian")),
            ("bisexual", _l("Bisexual")),
            ("other", _l("Another sexual orientation")),
        ),
    ),
    "marital_status": (
        _l("Marital or civil partnership status"),
        (
            ("never", _l("Never married or in a civil partnership")),
            ("married", _l("Married or in a civil partnership")),
            ("separated", _l("Separated")),
            ("dissolved", _l("Divorced or civil partnership dissolved")),
            ("widowed", _l("Widowed or surviving civil partner")),
        ),
    ),
}
FIELDS = tuple(CHARACTERISTICS)


def answers(name: str) -> list[tuple[str, object]]:
    """Every answer to ``name`` a person may give, "prefer not to say" last."""
    return [*CHARACTERISTICS[name][1], (PREFER_NOT_TO_SAY, _l("Prefer not to say"))]


def _valid(name: str) -> str:
    codes = ", ".join(f"'{code}'" for code, _label in answers(name))
    return f"{name} IS NULL OR {name} IN ({codes})"


class EqualityRecord(Base):
    __tablename__ = "equality_record"
    __table_args__ = (
        CheckConstraint(
            "consent_given OR (" + " AND ".join(f"{n} IS NULL" for n in FIELDS) + ")",
            name="nothing_without_consent",
        ),
        *(CheckConstraint(_valid(name), name=f"{name}_known") for name in FIELDS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), unique=True)
    consent_given: Mapped[bool]
    consent_on: Mapped[date]  # the day they agreed (or declined)
    consent_method: Mapped[ConsentMethod]
    age_band: Mapped[str | None] = mapped_column(String(40))
    sex: Mapped[str | None] = mapped_column(String(40))
    gender_same_as_birth: Mapped[str | None] = mapped_column(String(40))
    ethnic_group: Mapped[str | None] = mapped_column(String(40))
    religion: Mapped[str | None] = mapped_column(String(40))
    disability: Mapped[str | None] = mapped_column(String(40))
    sexual_orientation: Mapped[str | None] = mapped_column(String(40))
    marital_status: Mapped[str | None] = mapped_column(String(40))
    # None: the customer gave (or changed) them themselves, through the portal.
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    recorded_at: Mapped[datetime]
    # Moves on with every save, so a save made from an older copy is refused.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
