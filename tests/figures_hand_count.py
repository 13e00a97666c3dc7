"""The hand-counted register the report-figures tests read (§10.3), and what each figure
must be."""

from __future__ import annotations

from datetime import date, timedelta

from portal import db
from portal.appeals.models import Appeal, AppealOutcome, AppealStatus
from portal.arrangements.models import Arrangement
from portal.conduct_warnings.models import Stage
from portal.customers.models import Alert, CustomerType
from portal.incidents.catalogue import Category, Channel
from portal.panel.models import Outcome
from portal.restrictions.models import (
    RequestStatus,
    RestrictionKind,
    RestrictionStatus,
)
from portal.reviews.models import ReviewOutcome
from tests.figures_builders import Maker, at


def build(m: Maker) -> None:
    """The hand-counted fixture; the figures each test expects are worked out beside it."""
    tenant = m.customers[CustomerType.TENANT]
    leaseholder = m.customers[CustomerType.LEASEHOLDER]
    visitor = m.customers[CustomerType.VISITOR]
    A, CON, DEM, PER = Category.AGGRESSIVE, Category.CONTACT, Category.DEMANDS, Category.PERSISTENCE
    # This period: the first moment, the middle, the last minute.
    c1 = m.incident(
        tenant,
        at(2026, 4, 1, 0),
        Channel.PHONE,
        "Repairs",
        [A, CON],
        date(2026, 4, 8),
        serious=True,
        police_informed=True,
        injury=True,
    )
    c2 = m.incident(
        leaseholder,
        at(2026, 6, 15),
        Channel.EMAIL,
        "repairs ",
        [A],
        date(2026, 9, 30),
        police_informed=True,
    )
    c3 = m.incident(
        tenant,
        at(2026, 9, 30, 23, 59),
        Channel.OFFICE,
        "  ",
        [DEM],
        date(2026, 9, 30),
        injury=True,
    )
    # The next period's first minute: in neither.
    after = m.incident(
        tenant,
        at(2026, 10, 1, 0),
        Channel.PHONE,
        "Lettings",
        [A],
        date(2026, 10, 8),
        serious=True,
    )
    # The previous period: its first moment and its last minute, and the minute before it.
    p1 = m.incident(
        tenant,
        at(2025, 10, 1, 0),
        Channel.LETTER,
        "Lettings",
        [PER],
        date(2025, 10, 8),
        serious=True,
    )
    p2 = m.incident(visitor, at(2026, 3, 31, 23, 59), Channel.PHONE, "", [A], date(2026, 3, 31))
    before = m.incident(
        tenant, at(2025, 9, 30, 23, 59), Channel.PHONE, "Lettings", [A], date(2025, 10, 7)
    )
    # Panel reviews.
    m.review(c1, at(2026, 4, 9, 10), Outcome.WARNING)  # due 8 Apr: late
    m.review(c2, at(2026, 9, 30, 23, 30), Outcome.NO_ACTION)  # due that day: on time
    m.review(c3, at(2026, 10, 1, 0, 30), Outcome.INFORMAL)  # due 30 Sep, done 1 Oct
    m.review(p1, at(2025, 10, 7, 10), Outcome.RESTRICTION_REQUEST)  # on time
    m.review(p2, at(2026, 4, 1, 0, 30), Outcome.ASB_REFERRAL)  # due 31 Mar, done 1 Apr
    del after  # never reviewed; due after the period
    # Warnings.
    w1 = m.warning(c1, Stage.FIRST, date(2026, 4, 10))
    m.warning(before, Stage.SECOND, date(2025, 10, 1))
    m.warning(p2, Stage.FINAL, date(2026, 9, 30))
    w0 = m.warning(p1, Stage.FINAL, date(2025, 9, 30))  # before both periods
    # Informal arrangements.
    for when in (at(2026, 4, 1, 0), at(2026, 3, 31, 23, 59), at(2026, 10, 1, 0)):
        m.add(
            Arrangement(
                customer_id=tenant.id,
                summary="Calls on Tuesdays.",
                approved_by_id=m.staff.id,
                approved_at=when,
                review_on=when.date() + timedelta(days=90),
            )
        )
    # Restriction requests and GLT's decisions.
    r0 = m.request(w0, at(2025, 10, 15), RequestStatus.APPROVED, at(2025, 11, 1))
    r1 = m.request(w0, at(2026, 3, 10), RequestStatus.APPROVED, at(2026, 4, 5))
    r2 = m.request(w1, at(2026, 5, 1), RequestStatus.APPROVED_WITH_CHANGES, at(2026, 5, 20))
    m.request(w1, at(2025, 11, 1), RequestStatus.REJECTED, at(2025, 12, 1))
    m.request(w1, at(2026, 6, 1), RequestStatus.SUBMITTED)
    CH, TP, ST = (
        RestrictionKind.CHANNEL_ONLY,
        RestrictionKind.THIRD_PARTY,
        RestrictionKind.SET_TIMES,
    )
    rp = m.restriction(r0, CH, at(2025, 11, 1), date(2025, 11, 1), date(2026, 5, 1))
    rq = m.restriction(r0, TP, at(2025, 11, 1), date(2025, 11, 1), date(2026, 3, 31))
    ra = m.restriction(r1, CH, at(2026, 4, 5), date(2026, 4, 5), date(2026, 9, 1))
    rb = m.restriction(r1, TP, at(2026, 4, 5), date(2026, 4, 5), date(2026, 9, 30))
    m.restriction(
        r2,
        CH,
        at(2026, 5, 20),
        date(2026, 5, 27),
        date(2026, 11, 20),
        immediate_notice=False,
        status=RestrictionStatus.AWAITING_NOTICE,
    )
    # Six-monthly reviews: rp varied on its day, rq lifted the next London day (still 31 March
    # in UTC), ra continued a day late, rb lifted on its day at 23:30, rv not yet reviewed.
    rp.status, rp.closed_at = RestrictionStatus.REPLACED, at(2026, 5, 1, 10)
    m.reviewed(rp, at(2026, 5, 1, 10), ReviewOutcome.VARY, date(2026, 5, 1), date(2026, 9, 30))
    rv = m.restriction(
        r0, ST, at(2026, 5, 1, 10), date(2026, 5, 1), date(2026, 9, 30), replaces_id=rp.id
    )
    rq.status, rq.closed_at = RestrictionStatus.LIFTED, at(2026, 4, 1, 0, 30)
    m.reviewed(rq, at(2026, 4, 1, 0, 30), ReviewOutcome.LIFT, date(2026, 3, 31))
    ra.review_on = date(2027, 2, 1)
    m.reviewed(ra, at(2026, 9, 2, 10), ReviewOutcome.CONTINUE, date(2026, 9, 1), ra.review_on)
    rb.status, rb.closed_at = RestrictionStatus.LIFTED, at(2026, 9, 30, 23, 30)
    m.reviewed(rb, at(2026, 9, 30, 23, 30), ReviewOutcome.LIFT, date(2026, 9, 30))
    del rv
    # Ended on appeal on 20 August, after its review was due on 1 August and never done.
    m.restriction(
        None,
        CH,
        at(2026, 4, 10),
        date(2026, 4, 10),
        date(2026, 8, 1),
        customer_id=tenant.id,
        status=RestrictionStatus.ENDED,
        closed_at=at(2026, 8, 20),
    )
    # Staff safety alerts.
    for when in (at(2026, 4, 1, 0), at(2026, 9, 30, 23, 59), at(2026, 1, 5), at(2026, 10, 1, 0)):
        m.add(
            Alert(
                customer_id=tenant.id,
                summary="Threatened staff.",
                raised_by_id=m.staff.id,
                raised_at=when,
            )
        )
    # Appeals, with each step's stored due date.
    d = date
    m.appeal(
        ra,
        at(2026, 4, 1, 0),
        AppealStatus.CLOSED,
        outcome=AppealOutcome.UPHELD,
        acknowledge_due_on=d(2026, 4, 3),
        acknowledged_on=d(2026, 4, 3),
        to_glt_due_on=d(2026, 4, 10),
        referred_on=d(2026, 4, 13),
        glt_review_due_on=d(2026, 4, 24),
        reviewed_on=d(2026, 4, 20),
        notify_cem_due_on=d(2026, 4, 22),
        cem_notified_on=d(2026, 4, 20),
        tell_customer_due_on=d(2026, 4, 27),
        customer_told_on=d(2026, 4, 27),
    )
    # Received Wednesday 20 May; acknowledging is due Tuesday 26 May, the Spring bank holiday
    # on Monday 25 May not counted: done that Tuesday is on time.
    m.appeal(
        rb,
        at(2026, 5, 20),
        AppealStatus.WITH_GLT,
        late=True,
        acknowledge_due_on=d(2026, 5, 26),
        acknowledged_on=d(2026, 5, 26),
        to_glt_due_on=d(2026, 6, 1),
        referred_on=d(2026, 6, 2),
        glt_review_due_on=d(2026, 9, 30),
        notify_cem_due_on=d(2026, 10, 2),
        tell_customer_due_on=d(2026, 10, 7),
    )
    m.appeal(
        ra,
        at(2026, 6, 10),
        AppealStatus.NOT_ACCEPTED,
        late=False,
        acknowledge_due_on=d(2026, 6, 12),
    )
    m.appeal(
        rp,
        at(2026, 3, 10),
        AppealStatus.CLOSED,
        outcome=AppealOutcome.VARIED,
        acknowledge_due_on=d(2026, 3, 12),
        acknowledged_on=d(2026, 3, 13),
        to_glt_due_on=d(2026, 3, 19),
        referred_on=d(2026, 3, 19),
        glt_review_due_on=d(2026, 3, 31),
        reviewed_on=d(2026, 4, 1),
        notify_cem_due_on=d(2026, 4, 3),
        cem_notified_on=d(2026, 4, 1),
        tell_customer_due_on=d(2026, 4, 8),
        customer_told_on=d(2026, 4, 9),
    )
    m.appeal(
        rq,
        at(2025, 12, 1),
        AppealStatus.LODGED,
        late="waiting",
        acknowledge_due_on=d(2025, 12, 3),
    )
    m.appeal(
        rq,
        at(2025, 10, 20),
        AppealStatus.CLOSED,
        outcome=AppealOutcome.OVERTURNED,
        reviewed_on=d(2025, 11, 10),
    )
    db.session.add(
        Appeal(
            customer_id=tenant.id,
            restriction_id=ra.id,
            status=AppealStatus.DRAFT,
            created_at=at(2026, 5, 5),
            updated_at=at(2026, 5, 5),
            deadline=d(2026, 5, 30),
        )
    )
    db.session.commit()


# table key → row key → (this period, previous period), counted by hand from build().
EXPECTED = {
    "incidents_totals": {
        "total": (3, 2),
        "serious": (1, 1),
        "police_informed": (2, 0),
        "injury": (2, 0),
    },
    "incidents_by_category": {
        "aggressive_or_abusive": (2, 1),
        "unreasonable_conduct": (0, 0),
        "unreasonable_persistence": (0, 1),
        "unreasonable_demands": (1, 0),
        "unreasonable_levels_of_contact": (1, 0),
        "refusal_to_cooperate": (0, 0),
    },
    "incidents_by_channel": {
        "phone": (1, 1),
        "email": (1, 0),
        "letter": (0, 1),
        "social_media": (0, 0),
        "office": (1, 0),
        "home_visit": (0, 0),
        "other": (0, 0),
    },
    "incidents_by_service_area": {"repairs": (2, 0), "not_recorded": (1, 1), "lettings": (0, 1)},
    "incidents_by_customer_type": {
        "tenant": (2, 1),
        "leaseholder": (1, 0),
        "applicant": (0, 0),
        "resident": (0, 0),
        "former_tenant": (0, 0),
        "visitor": (0, 1),
        "friend_or_relative": (0, 0),
        "third_party_representative": (0, 0),
    },
    "panel_outcomes": {
        "no_action": (1, 0),
        "informal_arrangement": (0, 0),
        "warning": (1, 0),
        "asb_referral": (1, 0),
        "restriction_request": (0, 1),
    },
    "warnings_by_stage": {"first": (1, 0), "second": (0, 1), "final": (1, 0)},
    "other_actions": {"arrangements": (1, 1), "requests": (2, 3)},
    "glt_decisions": {
        "approved": (1, 1),
        "approved_with_changes": (1, 0),
        "rejected": (0, 1),
        "varied": (1, 0),
    },
    "restrictions_approved_by_kind": {
        "channel_only": (2, 1),
        "named_manager": (0, 0),
        "set_times": (0, 0),
        "third_party": (1, 1),
        "termination": (0, 0),
    },
    "restrictions_in_force_by_kind": {
        "channel_only": (1, 1),
        "named_manager": (0, 0),
        "set_times": (1, 0),
        "third_party": (0, 1),
        "termination": (0, 0),
    },
    "review_timeliness": {"on_time": (2, 0), "late": (1, 0), "not_done": (2, 1)},
    "review_outcomes": {"continue": (1, 0), "vary": (1, 0), "lift": (2, 0)},
    "appeals_lodged": {
        "lodged": (3, 3),
        "late_accepted": (1, 0),
        "late_refused": (1, 0),
        "late_waiting": (0, 1),
    },
    "appeal_outcomes": {"upheld": (1, 0), "overturned": (0, 1), "varied": (1, 0)},
    "appeal_step_acknowledge": {"on_time": (2, 0), "late": (0, 1), "not_done": (0, 1)},
    "appeal_step_to_glt": {"on_time": (0, 1), "late": (2, 0), "not_done": (0, 0)},
    "appeal_step_glt_review": {"on_time": (1, 0), "late": (0, 0), "not_done": (1, 1)},
    "appeal_step_notify_cem": {"on_time": (2, 0), "late": (0, 0), "not_done": (0, 0)},
    "appeal_step_tell_customer": {"on_time": (1, 0), "late": (1, 0), "not_done": (0, 0)},
    "panel_review_timeliness": {"on_time": (1, 1), "late": (1, 0), "not_done": (1, 2)},
    "colleague_safety": {
        "injury": (2, 0),
        "police_informed": (2, 0),
        "serious": (1, 1),
        "alerts": (2, 1),
    },
}
