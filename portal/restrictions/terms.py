"""A restriction's terms, as GLT decides them (§8.19) and a review (§10.1) or an appeal varies
them: what they are, and whether they are complete and within the policy's limits."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from portal import db
from portal.auth.models import Role, User
from portal.errors import Problem
from portal.restrictions import rules
from portal.restrictions.kinds import KINDS, NO_DETAIL
from portal.restrictions.models import (
    ContactRoute,
    Restriction,
    RestrictionKind,
    RestrictionStatus,
)
from portal.restrictions.requests import serious_incidents
from portal.timeutil import london_date

# Who may be the one named manager a customer deals with (§8.19): the people the decision
# form offers, so a restriction never names a colleague without a manager's role.
MANAGER_ROLES = (Role.LINE_MANAGER, Role.PANEL, Role.CEM)


@dataclass
class RestrictionSpec:
    kind: RestrictionKind
    starts_on: date
    review_on: date
    reasons: str
    ends_on: date | None = None
    channel: ContactRoute | None = None
    named_manager_id: int | None = None
    schedule: str = ""
    third_party: str = ""
    immediate_notice: bool = False


def terms_of(spec: RestrictionSpec) -> dict:
    """The kind and the one detail that kind needs; details of other kinds are dropped."""
    terms = {"kind": spec.kind, **NO_DETAIL}
    rule = KINDS[spec.kind]
    if rule.detail is not None:
        value = rule.detail_of(spec)
        terms[rule.detail] = value.strip() if isinstance(value, str) else value
    return terms


def build_replacement(
    actor, now: datetime, old: Restriction, variation: RestrictionSpec, review_on: date
) -> Restriction:
    """A restriction in force from today that replaces ``old`` with varied terms (at a review
    or on appeal); not yet added to the session."""
    return Restriction(
        customer_id=old.customer_id,
        request_id=old.request_id,
        **terms_of(variation),
        reasons=variation.reasons.strip(),
        starts_on=london_date(now),
        review_on=review_on,
        ends_on=variation.ends_on,
        immediate_notice=True,
        status=RestrictionStatus.ACTIVE,
        approved_by_id=actor.id,
        approved_at=now,
        replaces_id=old.id,
        delivery=old.delivery,
    )


def same_terms(restriction: Restriction, spec: RestrictionSpec) -> bool:
    """Whether ``spec`` limits contact exactly as ``restriction`` does, to the same end date
    (the reasons and the review date aside)."""
    in_force = {
        "kind": restriction.kind,
        "channel": restriction.channel,
        "named_manager_id": restriction.named_manager_id,
        "schedule": (restriction.schedule or "").strip(),
        "third_party": (restriction.third_party or "").strip(),
    }
    return terms_of(spec) == in_force and spec.ends_on == restriction.ends_on


def validate_spec(
    spec: RestrictionSpec, customer_id: int, prefix: str = "", today: date | None = None
) -> dict[str, Problem]:
    """Check one restriction's terms; keys are field names with ``prefix``.

    Given ``today`` (the day of the decision), the start must be from today and within
    :data:`rules.START_WITHIN_MONTHS`; without it the start is taken as checked already.
    """
    errors: dict[str, Problem] = {}
    if today is not None:
        if spec.starts_on < today:
            # A restriction cannot apply to a time before it was decided.
            errors[prefix + "starts_on"] = Problem(
                "restriction.start_past", _l("The start date must be today or later")
            )
        elif spec.starts_on > rules.latest_start_date(today):
            errors[prefix + "starts_on"] = Problem(
                "restriction.start_late",
                _l(
                    "The start date must be within %(months)d months of today",
                    months=rules.START_WITHIN_MONTHS,
                ),
            )
    if prefix + "starts_on" in errors:
        # The other dates are measured from the start: they are checked once it is right (and
        # a start such as 9999-12-01 has no date six months later to compare with).
        spec = replace(spec, review_on=None, ends_on=None)
    rule = KINDS[spec.kind]
    if rule.detail is not None and not _named(rule.detail, rule.detail_of(spec)):
        errors[prefix + rule.detail] = Problem("restriction.detail_missing", rule.missing)
    if rule.needs_serious_incident and not serious_incidents(customer_id):
        errors[prefix + "kind"] = Problem(
            "restriction.needs_serious_incident", rule.needs_serious_incident
        )
    if rule.needs_end and spec.ends_on is None and prefix + "starts_on" not in errors:
        errors[prefix + "ends_on"] = Problem("restriction.end_missing", rule.needs_end)
    if spec.review_on is not None:
        if spec.review_on <= spec.starts_on:
            errors[prefix + "review_on"] = Problem(
                "restriction.review_before_start",
                _l("The review date must be after the start date"),
            )
        elif spec.review_on > rules.latest_review_date(spec.starts_on):
            errors[prefix + "review_on"] = Problem(
                "restriction.review_late",
                _l(
                    "Restrictions are reviewed at least every 6 months (§10.1): choose an "
                    "earlier date"
                ),
            )
    if spec.ends_on is not None:
        if spec.ends_on < spec.starts_on:
            errors[prefix + "ends_on"] = Problem(
                "restriction.end_before_start",
                _l("The end date must be on or after the start date"),
            )
        elif spec.ends_on > rules.latest_end_date(spec.starts_on):
            errors[prefix + "ends_on"] = Problem(
                "restriction.end_late",
                _l(
                    "The end date must be within %(months)d months of the start: a longer "
                    "restriction is continued at its reviews instead",
                    months=rules.LONGEST_PERIOD_MONTHS,
                ),
            )
    if not spec.reasons.strip():
        errors[prefix + "restriction_reasons"] = Problem(
            "restriction.reasons_missing", _l("Explain why this restriction is needed")
        )
    return errors


def _named(detail: str, value) -> bool:
    """Whether the detail a kind needs is given; a named manager must be an active one."""
    if detail == "named_manager_id":
        manager = db.session.get(User, value) if value else None
        return manager is not None and manager.active and manager.has_role(*MANAGER_ROLES)
    if isinstance(value, str):
        return bool(value.strip())
    return value is not None
