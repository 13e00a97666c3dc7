"""The retention schedule the privacy notice promises, and the plan of what is due.

The notice (templates/customer/privacy.html, "How long we keep it") is the contract:

* reports of incidents where we took no action: 2 years (from the day reported);
* warnings: 1 year after the warning stops counting (its ``lapses_on`` is the last day it
  counts, see portal/conduct_warnings/rules.py);
* restrictions: 6 years after the restriction ends.

After that the record is made anonymous: its link to the customer is cut, its free text and
files are erased, and its headline dates are kept to the month, so counts (incidents by month
and category, warnings by stage, restrictions by kind) still add up. :func:`plan` works out,
as of a given moment, every item due and why; :mod:`portal.retention.run` carries out exactly
that plan. Existing audit events are never changed (the chain is hash-linked and sealed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select

from portal import db
from portal.appeals.models import Appeal, AppealStatus
from portal.arrangements.models import Arrangement
from portal.conduct_warnings.models import ConductWarning
from portal.correspondence.models import OPEN_CORRESPONDENCE, Correspondence
from portal.customers.models import ANONYMISED_REFERENCE, Alert, Customer
from portal.incidents.catalogue import ManagerDecision
from portal.incidents.models import Incident
from portal.panel.models import Outcome, PanelReview
from portal.restrictions.models import Restriction, RestrictionRequest, RestrictionStatus
from portal.reviews.models import RestrictionReview
from portal.timeutil import add_months, london_date

# The periods exactly as the privacy notice states them (fixed here, not configurable, so the
# notice, this schedule and the admin page can never disagree).
NO_ACTION_MONTHS = 24
WARNING_MONTHS = 12
RESTRICTION_MONTHS = 72

# Anonymised records belong to this one placeholder customer instead of a person.
ANON_REFERENCE = ANONYMISED_REFERENCE

NO_ACTION = "no_action_incident"
WARNING = "warning"
RESTRICTION = "restriction"
RULES = (NO_ACTION, WARNING, RESTRICTION)
# An appeal still being dealt with holds its restriction (a draft never sent does not).
OPEN_APPEALS = (
    AppealStatus.LODGED,
    AppealStatus.ACKNOWLEDGED,
    AppealStatus.WITH_GLT,
    AppealStatus.DECIDED,
)


@dataclass(frozen=True)
class Rule:
    key: str
    what: object
    kept_for: object
    from_when: object
    then: object


SCHEDULE = (
    Rule(
        NO_ACTION,
        _l(
            "Reports of incidents where no action was taken, with their Panel review, evidence "
            "files and any ended safety alert raised from them"
        ),
        _l("2 years"),
        _l("The day the incident was reported"),
        _l(
            "Made anonymous: evidence files deleted, free text and witness names erased, link to "
            "the customer cut; month, categories, channel and outcome kept as numbers"
        ),
    ),
    Rule(
        WARNING,
        _l(
            "Warnings, with their letter, the incident and Panel review behind them, and any "
            "rejected request to restrict contact that relied on them"
        ),
        _l("1 year after the warning stops counting"),
        _l("The day after the warning's last counting day (12 months after it was issued)"),
        _l(
            "Made anonymous: letter text and files deleted, free text erased, link to the "
            "customer cut; month and stage kept as numbers"
        ),
    ),
    Rule(
        RESTRICTION,
        _l(
            "Restrictions (with any restriction that varied, replaced or reintroduced them), "
            "their request, decision, review and appeal letters, appeals and appeal evidence, "
            "correspondence logged under them, and the warnings and incidents they relied on"
        ),
        _l("6 years after the restriction ends"),
        _l(
            "The day the last restriction in the chain ended (its end date, or the day it was "
            "lifted, ended on appeal or replaced)"
        ),
        _l(
            "Made anonymous: letters, appeal evidence and free text erased, link to the customer "
            "cut; month, kind and outcome kept as numbers"
        ),
    ),
)

# Held by nothing in the notice: kept until a period is agreed and written into the notice.
NOT_COVERED = (
    _l("Customer details, portal accounts, vulnerability notes and support needs"),
    _l("The contact log, refusals of access and safety alerts not raised from a report"),
    _l(
        "Incidents that led to an informal arrangement, a referral for anti-social behaviour "
        "remedies or a request to restrict contact, or where the line manager reported to the "
        "police, took legal action or ended contact, and those arrangements"
    ),
    _l(
        "Representatives and advocates the customer chose, and the log of the housing "
        "system's calls to the flag API (which names the housing references it asked about)"
    ),
    _l("The audit trail: its events are hash-chained and sealed, so they are never changed"),
)


@dataclass(frozen=True)
class Item:
    """One thing due: ``rule`` applies to ``key`` (the id of the incident, warning, or the
    lowest restriction id of a chain), due since ``due_on``."""

    rule: str
    key: int
    due_on: date
    incidents: tuple[int, ...] = ()
    warnings: tuple[int, ...] = ()
    requests: tuple[int, ...] = ()
    restrictions: tuple[int, ...] = ()


@dataclass
class Plan:
    as_of: date
    items: list[Item] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(RULES, 0)
        for item in self.items:
            out[item.rule] += 1
        return out


def kept_until(rule: str, start: date) -> date:
    """The last day a record of ``rule`` is kept, counted from ``start``."""
    if rule == NO_ACTION:
        return add_months(start, NO_ACTION_MONTHS)
    if rule == WARNING:  # start is the warning's last counting day
        return add_months(start, WARNING_MONTHS)
    return add_months(start, RESTRICTION_MONTHS)


def _anon_id():
    return select(Customer.id).where(Customer.reference == ANON_REFERENCE).scalar_subquery()


def _not_anonymised(column):
    return or_(~exists(_anon_id()), column != _anon_id())


def plan(now: datetime) -> Plan:
    """Everything due for anonymising as of ``now``, with the rule and the day it fell due.

    Four queries, however many records there are."""
    today = london_date(now)
    result = Plan(today)
    _restrictions(today, result)
    held = {w for item in result.items for w in item.warnings}
    held_requests = _held_requests()
    _warnings(today, result, held, held_requests)
    _no_action(now, today, result)
    result.items.sort(key=lambda item: (RULES.index(item.rule), item.due_on, item.key))
    return result


def _no_action(now: datetime, today: date, result: Plan) -> None:
    linked = or_(
        exists().where(ConductWarning.incident_id == Incident.id),
        exists().where(Arrangement.incident_id == Incident.id),
        exists().where(RestrictionRequest.waiver_incident_id == Incident.id),
        exists().where(Alert.incident_id == Incident.id, Alert.ended_at.is_(None)),
    )
    rows = db.session.execute(
        select(Incident.id, Incident.reported_at, Incident.manager_decisions)
        .join(PanelReview, PanelReview.incident_id == Incident.id)
        .where(
            PanelReview.outcome == Outcome.NO_ACTION,
            Incident.reported_at < now - timedelta(days=365 * 2 - 2),
            _not_anonymised(Incident.customer_id),
            ~linked,
        )
        .order_by(Incident.id)
    ).all()
    for incident_id, reported_at, decisions in rows:
        if set(decisions or ()) - {ManagerDecision.NONE.value}:
            continue  # the line manager took action (§8.3): not a "no action" report
        due = kept_until(NO_ACTION, london_date(reported_at)) + timedelta(days=1)
        if due <= today:
            result.items.append(Item(NO_ACTION, incident_id, due, incidents=(incident_id,)))


def _held_requests() -> dict[int, tuple[int, bool]]:
    """Requests naming a final warning: warning id → (request id, whether it holds the warning
    itself, being undecided or having led to a restriction)."""
    rows = db.session.execute(
        select(
            RestrictionRequest.id,
            RestrictionRequest.final_warning_id,
            RestrictionRequest.status,
            exists().where(Restriction.request_id == RestrictionRequest.id),
        ).where(RestrictionRequest.final_warning_id.is_not(None))
    ).all()
    out: dict[int, list] = {}
    for request_id, warning_id, status, restricted in rows:
        out.setdefault(warning_id, []).append((request_id, restricted or not status.decided))
    return out


def _warnings(today: date, result: Plan, held: set[int], requests: dict) -> None:
    rows = db.session.execute(
        select(ConductWarning.id, ConductWarning.incident_id, ConductWarning.lapses_on)
        .where(
            ConductWarning.lapses_on < today - timedelta(days=364),
            _not_anonymised(ConductWarning.customer_id),
        )
        .order_by(ConductWarning.id)
    ).all()
    for warning_id, incident_id, lapses_on in rows:
        if warning_id in held:
            continue
        linked = requests.get(warning_id, [])
        if any(holds for _request, holds in linked):
            continue  # kept while the restriction that relied on it is kept
        due = kept_until(WARNING, lapses_on) + timedelta(days=1)
        if due <= today:
            result.items.append(
                Item(
                    WARNING,
                    warning_id,
                    due,
                    incidents=(incident_id,),
                    warnings=(warning_id,),
                    requests=tuple(r for r, _holds in linked),
                )
            )


def _ended_on(status, ends_on, closed_at, reviewed_at, today: date) -> date | None:
    """The day a restriction ended, or None while it has not."""
    if status in (RestrictionStatus.AWAITING_NOTICE,):
        return None
    if status == RestrictionStatus.ACTIVE:
        return ends_on if ends_on is not None and ends_on < today else None
    # Lifted, replaced or ended on appeal: the day that happened (kept on the restriction;
    # for older rows, its last review), or its end date if that came first. With neither,
    # today: counted from now, never sooner.
    closed = closed_at if closed_at is not None else reviewed_at
    end = london_date(closed) if closed is not None else today
    return ends_on if ends_on is not None and ends_on < end else end


def _restrictions(today: date, result: Plan) -> None:
    last_review = (
        select(func.max(RestrictionReview.reviewed_at))
        .where(RestrictionReview.restriction_id == Restriction.id)
        .scalar_subquery()
    )
    still_open = or_(
        exists().where(Appeal.restriction_id == Restriction.id, Appeal.status.in_(OPEN_APPEALS)),
        exists().where(
            Correspondence.restriction_id == Restriction.id,
            Correspondence.status.in_(OPEN_CORRESPONDENCE),
        ),
    )
    rows = db.session.execute(
        select(
            Restriction.id,
            Restriction.request_id,
            Restriction.replaces_id,
            Restriction.reintroduces_id,
            Restriction.status,
            Restriction.ends_on,
            Restriction.closed_at,
            last_review,
            RestrictionRequest.final_warning_id,
            RestrictionRequest.waiver_incident_id,
            ConductWarning.incident_id,
            still_open.label("still_open"),
        )
        .outerjoin(RestrictionRequest, RestrictionRequest.id == Restriction.request_id)
        .outerjoin(ConductWarning, ConductWarning.id == RestrictionRequest.final_warning_id)
        .where(_not_anonymised(Restriction.customer_id))
        .order_by(Restriction.id)
    ).all()
    parent = {row[0]: row[0] for row in rows}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    by_request: dict[int, int] = {}
    for row in rows:
        for other in (row.replaces_id, row.reintroduces_id, by_request.get(row.request_id)):
            if other in parent:
                parent[find(row.id)] = find(other)
        if row.request_id is not None:
            by_request.setdefault(row.request_id, row.id)
    chains: dict[int, list] = {}
    for row in rows:
        chains.setdefault(find(row.id), []).append(row)
    for members in chains.values():
        ended = [_ended_on(r.status, r.ends_on, r.closed_at, r[7], today) for r in members]
        if any(day is None for day in ended) or any(r.still_open for r in members):
            continue  # in force, or an appeal or correspondence about it is still open
        due = kept_until(RESTRICTION, max(ended)) + timedelta(days=1)
        if due > today:
            continue
        result.items.append(
            Item(
                RESTRICTION,
                min(r.id for r in members),
                due,
                incidents=_ids(r.incident_id for r in members)
                + _ids(r.waiver_incident_id for r in members),
                warnings=_ids(r.final_warning_id for r in members),
                requests=_ids(r.request_id for r in members),
                restrictions=tuple(sorted(r.id for r in members)),
            )
        )


def _ids(values) -> tuple[int, ...]:
    return tuple(sorted({v for v in values if v is not None}))
