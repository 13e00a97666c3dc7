"""Who acts on an appeal (§9.1–9.4, §1): the staff told of each step, the Customer Experience
Manager who takes the steps, and the GLT members who may decide it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select

from portal import db
from portal.appeals.models import Appeal
from portal.auth import permissions
from portal.auth.models import Role, User, UserRole
from portal.errors import NotAllowed
from portal.restrictions.models import Restriction, RestrictionRequest


def staff_with(role: Role) -> list[int]:
    """The ids of the active staff who hold ``role``, to be told of a step."""
    return list(
        db.session.scalars(
            select(User.id).join(UserRole).where(UserRole.role == role, User.active.is_(True))
        )
    )


def require_manager(actor) -> None:
    """:raises NotAllowed: unless ``actor`` may take the CEM's steps on appeals."""
    if not permissions.can_manage_appeals(actor):
        raise NotAllowed


def conflicted(appeal: Appeal) -> set[int]:
    """Who may not decide this appeal: whoever requested the restriction, and whoever made
    the original decision (§1 separation of duties)."""
    people = {appeal.restriction.approved_by_id}
    if appeal.restriction.request_id:
        request = db.session.get(RestrictionRequest, appeal.restriction.request_id)
        if request is not None:
            people.add(request.requested_by_id)
            if request.decided_by_id:
                people.add(request.decided_by_id)
    return people


@contextmanager
def ready_to_decide(appeals: list[Appeal]) -> Iterator[None]:
    """Within the block, :func:`may_decide` sends no statements for ``appeals``: what
    :func:`conflicted` reads of each (its restriction and the request behind it) is loaded in
    one statement and held until the block ends."""
    restriction_ids = {appeal.restriction_id for appeal in appeals}
    held = (
        db.session.execute(
            select(Restriction, RestrictionRequest)
            .outerjoin(RestrictionRequest, RestrictionRequest.id == Restriction.request_id)
            .where(Restriction.id.in_(restriction_ids))
        ).all()
        if restriction_ids
        else []
    )
    try:
        yield
    finally:
        held.clear()


def may_decide(actor, appeal: Appeal) -> bool:
    return permissions.can_decide_appeal(actor) and actor.id not in conflicted(appeal)
