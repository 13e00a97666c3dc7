"""Staff users, their roles, and the sign-in sessions of staff and customers."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base
from portal.enums import TitledEnum


class Role(TitledEnum):
    COLLEAGUE = "colleague"
    LINE_MANAGER = "line_manager"
    PANEL = "panel"
    CSM = "community_safety_manager"
    GLT = "glt"
    CEM = "customer_experience_manager"
    ADMIN = "admin"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.COLLEAGUE: _l("Colleague"),
            cls.LINE_MANAGER: _l("Line manager"),
            cls.PANEL: _l("Customer Conduct Panel member"),
            cls.CSM: _l("Community Safety Manager"),
            cls.GLT: _l("Group Leadership Team member"),
            cls.CEM: _l("Customer Experience Manager"),
            cls.ADMIN: _l("Administrator"),
        }


class User(Base):
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    job_title: Mapped[str] = mapped_column(String(120), default="")
    team: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    line_manager_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    created_at: Mapped[datetime]
    # Two-factor sign-in (portal/auth/two_factor.py): the authenticator app's shared secret
    # (base32), when its first code was accepted, and the last time-step accepted, so a code
    # is never taken twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]

    line_manager: Mapped[User | None] = relationship(remote_side=[id], lazy="joined")
    role_links: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(link.role for link in self.role_links)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    is_staff = True

    def get_id(self) -> str:
        return f"staff:{self.id}"


class UserRole(Base):
    __tablename__ = "staff_user_role"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"))
    role: Mapped[Role]

    user: Mapped[User] = relationship(back_populates="role_links")


class RecoveryCode(Base):
    """One single-use code for signing in without the authenticator app; only its hash is kept."""

    __tablename__ = "staff_recovery_code"
    __table_args__ = (
        CheckConstraint("used_at IS NULL OR used_at >= created_at", name="used_after_made"),
        Index("ix_staff_recovery_code_user", "user_id", "used_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class SignInSession(Base):
    """One signed-in browser: the cookie holds a random token, this row its hash.

    The server can end it (sign-out, a password change or reset, a disabled account, an
    administrator's "sign out everywhere"), and it ends by itself when idle or too old.
    """

    __tablename__ = "sign_in_session"
    __table_args__ = (
        CheckConstraint(
            "(staff_user_id IS NULL) <> (customer_account_id IS NULL)", name="one_holder"
        ),
        CheckConstraint("ended_at IS NULL OR ended_reason <> ''", name="ended_with_reason"),
        Index("ix_sign_in_session_staff", "staff_user_id", "ended_at"),
        Index("ix_sign_in_session_customer", "customer_account_id", "ended_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE")
    )
    customer_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer_account.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    # Staff whose roles need a second factor are not signed in until this is set.
    second_factor_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    ended_reason: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")
