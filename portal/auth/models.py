"""Staff users, their roles and sign-in throttling."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, UniqueConstraint
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
    line_manager_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime]

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


class LoginThrottle(Base):
    """Failed sign-ins per e-mail address, kept even for addresses that have no account."""

    __tablename__ = "login_throttle"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]
