"""A restriction's terms, as GLT decides them (§8.19) and a review (§10.1) or an appeal varies
them: what they are, and whether they are complete and within the policy's limits."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from flask_babel import gettext as _

from portal import db
from portal.auth.models import Role, User
from portal.restrictions import rules
from portal.restrictions.models import (
    ContactRoute,
    Restriction,
    RestrictionKind,
)
from portal.restrictions.requests import serious_incidents

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
    kind = spec.kind
    return {
        "kind": kind,
        "channel": spec.channel if kind == RestrictionKind.CHANNEL_ONLY else None,
        "named_manager_id": spec.named_manager_id
        if kind == RestrictionKind.NAMED_MANAGER
        else None,
        "schedule": spec.schedule.strip() if kind == RestrictionKind.SET_TIMES else "",
        "third_party": spec.third_party.strip() if kind == RestrictionKind.THIRD_PARTY else "",
    }


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
) -> dict[str, str]:
    """Check one restriction's terms; keys are field names with ``prefix``.

    Given ``today`` (the day of the decision), the start must be from today and within
    :data:`rules.START_WITHIN_MONTHS`; without it the start is taken as checked already.
    """
    errors: dict[str, str] = {}
    if today is not None:
        if spec.starts_on < today:
            # A restriction cannot apply to a time before it was decided.
            errors[prefix + "starts_on"] = _("The start date must be today or later")
        elif spec.starts_on > rules.latest_start_date(today):
            errors[prefix + "starts_on"] = _(
                "The start date must be within %(months)d months of today",
                months=rules.START_WITHIN_MONTHS,
            )
    if prefix + "starts_on" in errors:
        # The other dates are measured from the start: they are checked once it is right (and
        # a start such as 9999-12-01 has no date six months later to compare with).
        spec = replace(spec, review_on=None, ends_on=None)
    if spec.kind == RestrictionKind.CHANNEL_ONLY and spec.channel is None:
        errors[prefix + "channel"] = "Choose the channel the customer may use"
    if spec.kind == RestrictionKind.NAMED_MANAGER:
        manager = db.session.get(User, spec.named_manager_id) if spec.named_manager_id else None
        if manager is None or not manager.active or not manager.has_role(*MANAGER_ROLES):
            errors[prefix + "named_manager_id"] = "Choose the manager the customer deals with"
    if spec.kind == RestrictionKind.SET_TIMES and not spec.schedule.strip():
        errors[prefix + "schedule"] = "Give the days and times, or the contact agreement"
    if spec.kind == RestrictionKind.THIRD_PARTY and not spec.third_party.strip():
        errors[prefix + "third_party"] = "Name the third-party representative"
    if spec.kind == RestrictionKind.TERMINATION:
        if not serious_incidents(customer_id):
            errors[prefix + "kind"] = (
                "Ending all contact is only possible after a serious incident (§8.1, §8.19)"
            )
        if spec.ends_on is None and prefix + "starts_on" not in errors:
            errors[prefix + "ends_on"] = "Ending all contact must have an end date"
    if spec.review_on is not None:
        if spec.review_on <= spec.starts_on:
            errors[prefix + "review_on"] = "The review date must be after the start date"
        elif spec.review_on > rules.latest_review_date(spec.starts_on):
            errors[prefix + "review_on"] = (
                "Restrictions are reviewed at least every 6 months (§10.1): choose an earlier date"
            )
    if spec.ends_on is not None:
        if spec.ends_on < spec.starts_on:
            errors[prefix + "ends_on"] = "The end date must be on or after the start date"
        elif spec.ends_on > rules.latest_end_date(spec.starts_on):
            errors[prefix + "ends_on"] = _(
                "The end date must be within %(months)d months of the start: a longer "
                "restriction is continued at its reviews instead",
                months=rules.LONGEST_PERIOD_MONTHS,
            )
    if not spec.reasons.strip():
        errors[prefix + "restriction_reasons"] = "Explain why this restriction is needed"
    return errors
