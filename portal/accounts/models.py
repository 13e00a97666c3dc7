"""Customer accounts for the portal, and the one-time access codes that open them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.customers.models import Customer
from portal.db import Base


class CustomerAccount(Base):
    """A customer's sign-in: one per customer, opened with a reference and access code."""

    __tablename__ = "customer_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    activated_at: Mapped[datetime]
    password_changed_at: Mapped[datetime]
    active: Mapped[bool] = mapped_column(default=True)

    customer: Mapped[Customer] = relationship(lazy="joined")

    # Flask-Login protocol
    is_authenticated = True
    is_anonymous = False
    is_staff = False

    @property
    def name(self) -> str:
        return self.customer.name

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"customer:{self.id}"


class AccessCode(Base):
    """A one-time code sent with a letter; only its hash is kept."""

    __tablename__ = "customer_access_code"
    __table_args__ = (
        CheckConstraint("expires_at > created_at", name="expires_after_created"),
        Index("ix_customer_access_code_customer", "customer_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
