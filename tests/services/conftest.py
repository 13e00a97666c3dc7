"""Helpers shared by the service tests: the organisation's settings and the audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal import db
from portal.audit.models import AuditEvent
from portal.organisation.services import get_organisation


@pytest.fixture
def org(app):
    """The organisation row (defaults: review within 5 calendar days, 17:00 cut-off)."""
    organisation = get_organisation()
    db.session.commit()
    return organisation


@pytest.fixture
def working_day_reviews(org):
    """Switch the Panel review deadline to working days."""
    org.panel_review_unit = "working"
    db.session.commit()
    return org


@pytest.fixture
def audit_events(app):
    """``audit_events(action, entity_type, entity_id)``: matching events, oldest first."""

    def _events(action=None, entity_type=None, entity_id=None) -> list[AuditEvent]:
        stmt = select(AuditEvent).order_by(AuditEvent.id)
        if action is not None:
            stmt = stmt.where(AuditEvent.action == action)
        if entity_type is not None:
            stmt = stmt.where(AuditEvent.entity_type == entity_type)
        if entity_id is not None:
            stmt = stmt.where(AuditEvent.entity_id == entity_id)
        return list(db.session.scalars(stmt))

    return _events
