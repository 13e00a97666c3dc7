"""Read the organisation's settings."""

from __future__ import annotations

from sqlalchemy import select

from portal import db
from portal.organisation.models import Organisation


def get_organisation() -> Organisation:
    """Return the organisation row, creating defaults on first use."""
    org = db.session.scalar(select(Organisation).order_by(Organisation.id).limit(1))
    if org is None:
        org = Organisation(name="Housing Group")
        db.session.add(org)
        db.session.flush()
    return org
