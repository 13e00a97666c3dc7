"""Organisation closure days, which are not working days (spec §7)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base


class Closure(Base):
    __tablename__ = "closure_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    reason: Mapped[str] = mapped_column(String(120))
    added_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    added_at: Mapped[datetime]
