"""API tokens for the housing management system, and the record of every API call (§8.5,
§8.21).

A token's secret is shown once, when an administrator creates it; the portal keeps only its
SHA-256 hash and the first few characters (so a list can tell tokens apart). Every call to
the API, answered or refused, leaves an :class:`ApiCall` row: a log cheaper than the
hash-chained audit trail, which records only tokens created and revoked.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.db import Base

FLAGS_READ = "flags:read"


class ApiToken(Base):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # The secret's first characters, shown in lists; never enough to use it.
    prefix: Mapped[str] = mapped_column(String(16))
    # SHA-256 of the whole secret, hex: how a call's token is found.
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(100), default=FLAGS_READ)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    created_at: Mapped[datetime]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    revoked_at: Mapped[datetime | None]
    # When it was last used is read from its calls: a column written by every call would make
    # concurrent calls with one token queue for that row.

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def allows(self, scope: str) -> bool:
        return scope in self.scope.split()


class ApiCall(Base):
    """One call to the API: who (the token, if one was recognised), when, what, the answer."""

    __tablename__ = "api_call"
    __table_args__ = (Index("ix_api_call_token_at", "token_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_token.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(index=True)
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    status: Mapped[int]
    # How many customers' flags the answer carried (0 for a refusal or a 304).
    customers: Mapped[int] = mapped_column(default=0)
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
