"""Demo restrictions, arrangements and correspondence, added to the base demo set."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from portal import db
from portal.accounts.models import CustomerAccount
from portal.appeals import services as appeals
from portal.appeals.models import AppealChannel
from portal.arrangements import services as arrangements
from portal.arrangements.models import TermKind
from portal.auth.services import hash_password
from portal.correspondence import services as correspondence
from portal.restrictions import services as restrictions
from portal.restrictions.models import (
    CHECKLIST,
    ContactRoute,
    Delivery,
    EiaOutcome,
    RequestStatus,
    RestrictionKind,
)
from portal.timeutil import add_months, london_date

EVIDENCE = {
    "complaint_responded": "Stage 2 complaint response sent; the repair was completed.",
    "policies_followed": "Repairs and complaints procedures followed; checked by the Panel chair.",
    "decisions_right": "Independent surveyor confirmed the repair decision.",
    "communications_adequate": "Weekly updates by letter and phone; all logged in the contact log.",
    "no_new_information": "Recent contacts repeat the same points about the closed repair.",
    "robust_records": "Contact log shows 14 calls and emails in three weeks; incident reports.",
    "external_referrals": "Referred to the tenancy sustainment team; support offered and declined.",
}
assert set(EVIDENCE) == set(CHECKLIST)


# Where the demo's restriction-stage letters can reach each customer: a letter is only ever
# recorded as sent a way that reaches the customer (the appeal clock starts when they are told).
ADDRESSES = {
    "final": "14 Demo Close, Wythenshawe, Manchester M22 4DN",
    "second": "3 Example Road, Wythenshawe, Manchester M22 5ER",
    "applicant": "Flat 2, 88 Sample Street, Manchester M20 2SS",
    "former": "27 Placeholder Avenue, Stockport SK4 1PA",
}


def load(users: dict, customers: dict, incidents: dict, now: datetime) -> None:
    """Add the restriction-stage situations to the demo customers."""
    from portal.demo import DEMO_PASSWORD  # the demo's one password (demo imports this module)

    panel, panel2 = users["panel@demo.example"], users["panel2@demo.example"]
    glt, manager = users["glt@demo.example"], users["manager@demo.example"]
    today = london_date(now)
    for key, address in ADDRESSES.items():
        customers[key].address = customers[key].address or address
    # Hannah Morris reads her letters in the portal: her decision letter can go there.
    db.session.add(
        CustomerAccount(
            customer=customers["applicant"],
            email="hannah.morris@demo.example",
            password_hash=hash_password(DEMO_PASSWORD),
            activated_at=now - timedelta(days=30),
            password_changed_at=now - timedelta(days=30),
        )
    )

    # A restriction in force after a final warning: email only, through one manager.
    asked = now - timedelta(days=20)
    request = restrictions.submit_request(
        panel,
        asked,
        customers["final"],
        restrictions.RequestInput(
            checklist=dict(EVIDENCE),
            proposed_kinds=[RestrictionKind.CHANNEL_ONLY, RestrictionKind.NAMED_MANAGER],
            proposal="Contact by email only, handled by the Neighbourhood Manager, for six months.",
            representative_considered=True,
            representative_decision=(
                "Her daughter helps with letters and was asked to help; the customer prefers "
                "to write herself, so contact stays with her."
            ),
            eia_needed=True,
            eia_outcome=EiaOutcome.ADJUSTMENTS,
            eia_note=(
                "Completed by the Panel chair: she has a sight impairment, so replies go in "
                "large print, and emails are answered within two working days."
            ),
        ),
    )
    decided = asked + timedelta(days=2)
    starts = london_date(decided)
    specs = [
        restrictions.RestrictionSpec(
            kind=RestrictionKind.CHANNEL_ONLY,
            channel=ContactRoute.EMAIL,
            starts_on=starts,
            review_on=today + timedelta(days=7),
            reasons="Abusive emails and calls continued after a final warning.",
        ),
        restrictions.RestrictionSpec(
            kind=RestrictionKind.NAMED_MANAGER,
            named_manager_id=manager.id,
            starts_on=starts,
            review_on=today + timedelta(days=7),
            reasons="One point of contact stops the same issue going to many colleagues.",
        ),
    ]
    in_force = restrictions.decide(
        glt, decided, request, RequestStatus.APPROVED, "Evidence is clear and proportionate.", specs
    )
    restrictions.issue_decision_letter(panel, decided + timedelta(hours=2), in_force, Delivery.POST)

    # A serious incident and a request waiting for GLT, without a final warning (§8.1 waiver).
    restrictions.submit_request(
        panel2,
        now - timedelta(days=1),
        customers["applicant"],
        restrictions.RequestInput(
            checklist=dict(EVIDENCE),
            proposed_kinds=[RestrictionKind.THIRD_PARTY],
            proposal="Deal with the customer only through their housing options adviser.",
            waiver_incident_id=incidents["applicant"].id,
            waiver_reason="Threats of violence to a colleague; police informed.",
            representative_considered=True,
            representative_decision=(
                "Her housing options adviser has agreed to act for her, and she agreed."
            ),
            eia_needed=True,
            eia_outcome=EiaOutcome.RESTRICTION_CHANGED,
            eia_note=(
                "Completed by the Equality and Diversity lead: she has dyslexia, so the Panel "
                "proposes contact through her adviser rather than by letter only."
            ),
        ),
    )

    # All contact ended for three months after threats; one letter came in since.
    request = restrictions.submit_request(
        panel,
        now - timedelta(days=12),
        customers["former"],
        restrictions.RequestInput(
            checklist=dict(EVIDENCE),
            proposed_kinds=[RestrictionKind.TERMINATION],
            proposal="End all contact for three months, except complaints and emergencies.",
            waiver_incident_id=incidents["former"].id,
            waiver_reason="Threatened to assault a contractor; police attended.",
            representative_considered=False,
            representative_decision=(
                "No relative or support worker is known; a referral to an advocacy service "
                "was offered and declined."
            ),
            eia_needed=False,
            eia_note="No known vulnerability or additional needs (checked with tenancy support).",
            other_methods_exhausted=True,
            other_methods_tried=(
                "Letters only, then one named officer, each for six weeks: the threats "
                "continued by phone and at the office."
            ),
        ),
    )
    decided = now - timedelta(days=11)
    starts = london_date(decided)
    ended = restrictions.decide(
        glt,
        decided,
        request,
        RequestStatus.APPROVED,
        "Serious threats; colleagues must be protected at once.",
        [
            restrictions.RestrictionSpec(
                kind=RestrictionKind.TERMINATION,
                starts_on=starts,
                review_on=add_months(starts, 3),
                ends_on=add_months(starts, 3),
                immediate_notice=True,
                reasons="Threats of violence to a contractor at the customer's former home.",
            )
        ],
        # GLT asked for an assessment the Panel had not thought needed (§4.7).
        restrictions.EiaAnswer(
            needed=True,
            outcome=EiaOutcome.NO_IMPACT,
            note="Asked for after a recent bereavement; completed the same day, no impact found.",
        ),
    )
    restrictions.issue_decision_letter(panel, decided + timedelta(hours=1), ended, Delivery.HAND)
    correspondence.log_correspondence(
        panel,
        now - timedelta(hours=3),
        customers["former"],
        now - timedelta(hours=4),
        "letter",
        "Letter asking again about the deposit; no new points raised.",
    )

    # An appeal against ending contact, given by phone with an interpreter, not yet
    # acknowledged: it shows on the Customer Experience Manager's tracker.
    appeal = appeals.start_draft(now - timedelta(days=4), ended[0])
    appeals.save_answers(
        now - timedelta(days=4),
        appeal,
        appeals.Answers(
            grounds="I was upset about my deposit and did not mean the threat. I have apologised.",
            needs_interpreter=True,
            interpreter_language="Urdu",
        ),
    )
    appeals.lodge(
        users["cem@demo.example"],
        now - timedelta(days=4),
        appeal,
        "demo-appeal-1",
        channel=AppealChannel.PHONE,
        helped_by="Telephone interpreter (Urdu)",
    )

    # An informal arrangement waiting for the customer's answer (§8.15).
    arrangements.approve(
        panel,
        now - timedelta(days=3),
        customers["second"],
        "Calls at a set time with one officer should keep things calm while the repair is done.",
        [
            arrangements.TermInput(
                kind=TermKind.CALL_TIME, weekday=1, starts_at=time(10), ends_at=time(11)
            ),
            arrangements.TermInput(kind=TermKind.CALL_LENGTH, amount=20),
        ],
        add_months(today, 3),
        Delivery.PORTAL,  # Connor Walsh answers it there
    )
