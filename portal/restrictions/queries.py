"""What the customer record shows about restrictions, arrangements and correspondence, in a
fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from portal import db
from portal.arrangements.models import Arrangement, ArrangementStatus
from portal.restrictions import rules
from portal.restrictions.models import (
    Correspondence,
    CorrespondenceStatus,
    RequestStatus,
    Restriction,
    RestrictionKind,
    RestrictionRequest,
    RestrictionStatus,
)

OPEN_ARRANGEMENTS = (
    ArrangementStatus.AWAITING_CUSTOMER,
    ArrangementStatus.AGREED,
    ArrangementStatus.CHANGE_PROPOSED,
)


@dataclass
class ContactPicture:
    """What contact is allowed now, and (for those who may see it) how it came about."""

    in_force: list[tuple[Restriction, rules.AllowedContact]] = field(default_factory=list)
    arrangements: list[Arrangement] = field(default_factory=list)
    history: list[Restriction] = field(default_factory=list)
    requests: list[RestrictionRequest] = field(default_factory=list)
    open_correspondence: int = 0

    @property
    def terminated(self) -> bool:
        return any(r.kind == RestrictionKind.TERMINATION for r, _ in self.in_force)


def contact_picture(customer_id: int, with_history: bool) -> ContactPicture:
    """Restrictions in force and agreed arrangements for everyone; for those who may see the
    conduct history, every restriction, the open requests and unhandled correspondence."""
    restrictions = list(
        db.session.scalars(
            select(Restriction)
            .options(joinedload(Restriction.named_manager))
            .where(
                Restriction.customer_id == customer_id,
                Restriction.status.in_(
                    (RestrictionStatus.ACTIVE,) if not with_history else tuple(RestrictionStatus)
                ),
            )
            .order_by(Restriction.starts_on.desc(), Restriction.id.desc())
        )
    )
    picture = ContactPicture(
        in_force=[(r, rules.allowed_contact(r)) for r in restrictions if r.in_force],
    )
    statuses = OPEN_ARRANGEMENTS if with_history else (ArrangementStatus.AGREED,)
    picture.arrangements = list(
        db.session.scalars(
            select(Arrangement)
            .options(selectinload(Arrangement.terms))
            .where(Arrangement.customer_id == customer_id, Arrangement.status.in_(statuses))
            .order_by(Arrangement.approved_at.desc())
        )
    )
    if with_history:
        picture.history = restrictions
        picture.requests = list(
            db.session.scalars(
                select(RestrictionRequest)
                .where(
                    RestrictionRequest.customer_id == customer_id,
                    RestrictionRequest.status.in_(
                        (RequestStatus.SUBMITTED, RequestStatus.MORE_INFO)
                    ),
                )
                .order_by(RestrictionRequest.requested_at)
            )
        )
        picture.open_correspondence = db.session.scalar(
            select(func.count(Correspondence.id)).where(
                Correspondence.customer_id == customer_id,
                Correspondence.status.in_(
                    (
                        CorrespondenceStatus.LOGGED,
                        CorrespondenceStatus.READ,
                        CorrespondenceStatus.CHECKED,
                    )
                ),
            )
        )
    return picture
