"""Builders for the report-figures tests: rows inserted straight into the tables, so every
figure can be counted by hand."""

from __future__ import annotations

import hashlib
import itertools
from datetime import date, datetime, timedelta

from portal import db
from portal.appeals.models import Appeal
from portal.audit.models import AuditEvent
from portal.conduct_warnings.models import ConductWarning
from portal.incidents.models import Incident, IncidentCategory, Route
from portal.letters.models import Letter, LetterKind
from portal.panel.models import PanelReview
from portal.reports.shape import Period
from portal.restrictions.models import (
    ContactRoute,
    Restriction,
    RestrictionKind,
    RestrictionRequest,
    RestrictionStatus,
)
from portal.reviews.models import RestrictionReview
from portal.timeutil import from_london

PERIOD = Period(date(2026, 4, 1), date(2026, 9, 30))
NOW = from_london(date(2026, 11, 23), 10)
_n = itertools.count(1)


def at(y, m, d, h=12, mi=0) -> datetime:
    """A London wall-clock time, as stored (UTC)."""
    return from_london(date(y, m, d), h, mi)


class Maker:
    def __init__(self, staff, other, customers):
        self.staff, self.other, self.customers = staff, other, customers

    def add(self, thing):
        db.session.add(thing)
        db.session.flush()
        return thing

    def letter(self, customer, when):
        n = next(_n)
        return self.add(
            Letter(
                reference=f"L-RPT-{n}",
                customer_id=customer.id,
                kind=LetterKind.WARNING,
                subject="Letter",
                body_html="<p>Letter</p>",
                content_sha256=hashlib.sha256(str(n).encode()).hexdigest(),
                issued_at=when,
                issued_by_id=self.staff.id,
            )
        )

    def incident(self, customer, reported, channel, area, categories, due, **flags):
        n = next(_n)
        police = flags.get("police_informed", False)
        incident = self.add(
            Incident(
                reference=f"INC-RPT-{n}",
                customer_id=customer.id,
                reported_by_id=self.staff.id,
                line_manager_id=self.other.id,
                occurred_at=reported - timedelta(hours=1),
                reported_at=reported,
                channel=channel,
                service_area=area,
                description="Shouted at the officer.",
                route=Route.ASB,
                review_due_on=due,
                police_informed_at=reported if police else None,
                **flags,
            )
        )
        for category in categories:
            self.add(IncidentCategory(incident_id=incident.id, category=category))
        return incident

    def review(self, incident, when, outcome):
        return self.add(
            PanelReview(
                incident_id=incident.id,
                reviewer_id=self.other.id,
                reviewed_at=when,
                context_notes="Weighed.",
                outcome=outcome,
                reasons="Reasons.",
            )
        )

    def warning(self, incident, stage, issued_on):
        customer = incident.customer
        return self.add(
            ConductWarning(
                customer_id=customer.id,
                incident_id=incident.id,
                stage=stage,
                issued_on=issued_on,
                lapses_on=issued_on + timedelta(days=365),
                issued_by_id=self.staff.id,
                issued_at=from_london(issued_on, 9),
                letter_id=self.letter(customer, from_london(issued_on, 9)).id,
            )
        )

    def request(self, warning, requested, status, decided=None):
        n = next(_n)
        return self.add(
            RestrictionRequest(
                reference=f"RR-RPT-{n}",
                customer_id=warning.customer_id,
                requested_by_id=self.staff.id,
                requested_at=requested,
                final_warning_id=warning.id,
                proposal="Letters only.",
                status=status,
                decided_by_id=self.other.id if decided else None,
                decided_at=decided,
                decision_reasons="Reasons." if decided else "",
            )
        )

    def restriction(self, request, kind, approved, starts_on, review_on, **more):
        """A restriction GLT approved on ``request`` (or, with ``request`` None, one given in
        ``more`` with its customer)."""
        terms = {
            RestrictionKind.CHANNEL_ONLY: {"channel": ContactRoute.LETTER},
            RestrictionKind.THIRD_PARTY: {"third_party": "Their advocate"},
            RestrictionKind.SET_TIMES: {"schedule": "Tuesdays 10:00 to 11:00"},
        }[kind]
        fields = {
            "customer_id": request.customer_id if request else None,
            "request_id": request.id if request else None,
            "kind": kind,
            "reasons": "Reasons.",
            "starts_on": starts_on,
            "review_on": review_on,
            "immediate_notice": True,
            "status": RestrictionStatus.ACTIVE,
            "approved_by_id": self.other.id,
            "approved_at": approved,
            **terms,
        }
        fields.update(more)
        return self.add(Restriction(**fields))

    def reviewed(self, restriction, when, outcome, due, next_review_on=None):
        """A six-monthly review as the review service records it: the review, and the audit
        entry keeping the review date it answered."""
        customer = restriction.customer
        self.add(
            RestrictionReview(
                restriction_id=restriction.id,
                reviewer_id=self.staff.id,
                reviewed_at=when,
                outcome=outcome,
                reasons="Reasons.",
                next_review_on=next_review_on,
                letter_id=self.letter(customer, when).id,
            )
        )
        n = next(_n)
        self.add(
            AuditEvent(
                at=when,
                actor_id=self.staff.id,
                actor_label="Staff",
                action="restriction.reviewed",
                entity_type="restriction",
                entity_id=restriction.id,
                before={"status": "active", "review_on": due.isoformat()},
                after={"status": restriction.status.value},
                prev_hash="0" * 64,
                hash=hashlib.sha256(f"report-{n}".encode()).hexdigest(),
            )
        )

    def appeal(self, restriction, received, status, late=None, outcome=None, **days):
        fields = {
            "customer_id": restriction.customer_id,
            "restriction_id": restriction.id,
            "status": status,
            "created_at": received,
            "updated_at": received,
            "received_at": received,
            "counted_from": received.date(),
            "grounds": "It is unfair.",
            "deadline": received.date(),
            "late": False,
            "outcome": outcome,
        }
        if late is not None:
            fields.update(
                late=True,
                late_reason="I was in hospital.",
                late_accepted=None if late == "waiting" else late,
            )
        if outcome is not None:
            fields.update(decided_by_id=self.other.id, outcome_reasons="Reasons.")
        fields.update(days)
        return self.add(Appeal(**fields))
