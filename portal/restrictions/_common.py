"""Helpers shared by the request (§8.16–8.18) and GLT's decision (§8.19)."""

from __future__ import annotations

from datetime import datetime

from portal import db
from portal.restrictions.models import (
    RequestPart,
    RequestParticipant,
    RestrictionRequest,
)


def take_part(request: RestrictionRequest, actor, part: RequestPart, now: datetime) -> None:
    """Record the actor's part in the request (once: a second part by anyone is refused)."""
    if any(p.user_id == actor.id for p in request.parts):
        return
    request.parts.append(RequestParticipant(user_id=actor.id, part=part, at=now))
    db.session.flush()
