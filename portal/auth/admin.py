"""Administering staff accounts: add a user, change roles, deactivate, sign out everywhere."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal import db
from portal.audit import services as audit
from portal.auth import permissions, sessions
from portal.auth.models import Role, User, UserRole
from portal.auth.services import MIN_PASSWORD, create_user
from portal.errors import NotAllowed, Problem, ServiceError

NO_ROLE = Problem("user.role_missing", _l("Select at least one role"))


def add_user(
    actor,
    now: datetime,
    email: str,
    name: str,
    password: str,
    roles: list[Role],
    job_title: str = "",
    line_manager_id: int | None = None,
) -> User:
    """Create a staff account with its roles.

    :raises ServiceError: for a duplicate e-mail, a short password or no role.
    """
    if not permissions.can_manage_users(actor):
        raise NotAllowed
    email = email.strip().lower()
    errors: dict[str, Problem] = {}
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        errors["email"] = Problem(
            "user.email_taken", _l("There is already an account with this email address")
        )
    if len(password) < MIN_PASSWORD:
        errors["password"] = Problem(
            "user.password_short",
            _l("The password must be at least %(count)d characters", count=MIN_PASSWORD),
        )
    if not roles:
        errors["roles"] = NO_ROLE
    if line_manager_id is not None and db.session.get(User, line_manager_id) is None:
        errors["line_manager_id"] = Problem(
            "user.line_manager_unknown", _l("Choose a line manager from the list")
        )
    if errors:
        raise ServiceError(errors)
    user = create_user(
        email,
        name.strip(),
        password,
        roles,
        now,
        job_title=job_title.strip(),
        line_manager_id=line_manager_id,
    )
    audit.record(
        actor,
        now,
        "user.created",
        "staff_user",
        user.id,
        f"Account created for {user.email}",
        after={"email": user.email, "roles": sorted(r.value for r in roles)},
    )
    return user


def set_roles(actor, now: datetime, user: User, roles: list[Role], active: bool) -> User:
    """Replace a user's roles and set whether the account is active.

    :raises ServiceError: if no role is given, or an administrator removes their own access.
    """
    if not permissions.can_manage_users(actor):
        raise NotAllowed
    if not roles:
        raise ServiceError({"roles": NO_ROLE})
    if user.id == actor.id and (Role.ADMIN not in roles or not active):
        raise ServiceError(
            {
                "roles": Problem(
                    "user.own_admin_access",
                    _l("You cannot remove your own administrator access"),
                )
            }
        )
    before = {"roles": sorted(r.value for r in user.roles), "active": user.active}
    wanted = set(roles)
    for link in list(user.role_links):
        if link.role not in wanted:
            user.role_links.remove(link)
    for role in wanted - {link.role for link in user.role_links}:
        user.role_links.append(UserRole(role=role))
    user.active = active
    if before["active"] and not active:
        sessions.end_all(user, now, "account_disabled")
    db.session.flush()
    after = {"roles": sorted(r.value for r in user.roles), "active": user.active}
    if before != after:
        audit.record(
            actor,
            now,
            "user.roles_changed",
            "staff_user",
            user.id,
            f"Access changed for {user.email}",
            before=before,
            after=after,
        )
    return user


def sign_out_everywhere(actor, now: datetime, user: User) -> int:
    """End every session of ``user`` (a lost phone, a shared computer); returns how many."""
    if not permissions.can_manage_users(actor):
        raise NotAllowed
    ended = sessions.end_all(user, now, "signed_out_by_administrator")
    audit.record(
        actor,
        now,
        "user.signed_out_everywhere",
        "staff_user",
        user.id,
        f"Every session of {user.email} ended by an administrator",
        after={"sessions_ended": ended},
    )
    return ended
