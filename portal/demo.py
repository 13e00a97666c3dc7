"""Fictional demo data: one member of staff per role and customers in different situations."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import select

from portal import db, demo_restrictions
from portal.accounts.models import CustomerAccount
from portal.auth.models import Role, User
from portal.auth.permissions import needs_second_factor
from portal.auth.services import create_user, hash_password
from portal.conduct_warnings.services import issue_warning
from portal.customers.models import ContactChannel, Customer, CustomerType
from portal.customers.services import log_contact, raise_alert
from portal.incidents.catalogue import Category, Channel, ManagerDecision
from portal.incidents.services import IncidentInput, record_manager_decision, report_incident
from portal.letters.delivery import Delivery
from portal.organisation.demo_texts import DEMO_TEXTS
from portal.organisation.services import get_organisation
from portal.organisation.texts import set_translations
from portal.panel.models import CONTEXT_CONSIDERATIONS, Outcome
from portal.panel.services import ReviewInput, record_review

DEMO_PASSWORD = "demo-portal-2026"
# Demo staff whose roles need a second factor share this published seed, so `make run` works
# without a phone: `flask --app wsgi demo-code EMAIL` prints the code. Never for real accounts.
DEMO_TOTP_SEED = "demo-only-two-factor-seed-not-a-secret"

STAFF = [
    ("colleague@demo.example", "Priya Shah", "Neighbourhood Officer", [Role.COLLEAGUE]),
    ("manager@demo.example", "Tom Whitfield", "Neighbourhood Manager", [Role.LINE_MANAGER]),
    ("panel@demo.example", "Grace Okafor", "Customer Conduct Panel chair", [Role.PANEL]),
    ("panel2@demo.example", "Daniel Hughes", "Customer Conduct Panel member", [Role.PANEL]),
    ("csm@demo.example", "Aisha Rahman", "Community Safety Manager", [Role.CSM]),
    ("glt@demo.example", "Martin Doyle", "Director of Customer Services", [Role.GLT]),
    ("cem@demo.example", "Helen Byrne", "Customer Experience Manager", [Role.CEM]),
    ("admin@demo.example", "Sam Patel", "Systems Administrator", [Role.ADMIN]),
]


def _customer(ref, forename, surname, ctype, created, **extra) -> Customer:
    customer = Customer(
        reference=ref,
        forename=forename,
        surname=surname,
        customer_type=ctype,
        created_at=created,
        **extra,
    )
    db.session.add(customer)
    db.session.flush()
    return customer


def _context() -> dict:
    return {
        "context_considered": list(CONTEXT_CONSIDERATIONS),
        "context_notes": "Context weighed; the behaviour went beyond anger about the issue.",
    }


def _incident(
    colleague,
    manager,
    panel,
    customer,
    when: datetime,
    text: str,
    *,
    warn: bool,
    categories=(Category.AGGRESSIVE,),
    examples=("verbal_abuse",),
):
    incident = report_incident(
        colleague,
        when,
        IncidentInput(
            customer_id=customer.id,
            occurred_at=when - timedelta(hours=2),
            channel=Channel.PHONE,
            categories=list(categories),
            example_types=list(examples),
            description=text,
            immediate_action="Ended the call politely after a warning.",
            service_area="Repairs",
        ),
    )
    record_manager_decision(
        manager, when + timedelta(hours=3), incident, [ManagerDecision.NONE], ""
    )
    if warn:
        review_at = when + timedelta(days=2)
        record_review(
            panel,
            review_at,
            incident,
            ReviewInput(
                **_context(),
                outcome=Outcome.WARNING,
                reasons="Abuse of a colleague after earlier advice.",
                letter_summary=text,
                vulnerability_considered=customer.has_vulnerability,
                vulnerability_notes="Considered; support offered."
                if customer.has_vulnerability
                else "",
                # A customer with a vulnerability on record: an Equality Impact Assessment is
                # opened for the Panel to complete (§4.7).
                eia_needed=customer.has_vulnerability,
                eia_notes="Check what the support needs on record mean for how we contact them."
                if customer.has_vulnerability
                else "",
            ),
        )
        # Each warning letter goes a way that reaches the customer (§8.9): by post where the
        # record has their address, otherwise handed to them at their home.
        delivery = Delivery.POST if customer.address else Delivery.HAND
        issue_warning(panel, review_at + timedelta(minutes=30), incident, delivery)
    return incident


def load_demo(reset: bool = False) -> bool:
    """Load the demo set once; return False if it is already there."""
    if reset:
        for table in reversed(db.Base.metadata.sorted_tables):
            db.session.execute(table.delete())
    if db.session.scalar(select(User.id).limit(1)):
        return False
    now = datetime.now(UTC)
    org = get_organisation()
    org.name = "Wythenshawe Community Housing Group"
    org.address = "Wythenshawe House, 1 Demo Street, Manchester M22 0AA"
    org.phone = "0161 000 0000"
    org.email = "customer.services@demo.example"
    org.policy_url = "https://demo.example/policies/customer-conduct-policy.pdf"
    org.complaints_contact = "Make a complaint on 0161 000 0001 or complaints@demo.example"
    org.emergency_contact = "Report an emergency repair or safety issue on 0161 000 0999, any time"
    org.review_request_contact = (
        "To ask us to review this decision, write to the Customer Conduct Panel at the address "
        "above or email conduct.panel@demo.example."
    )
    org.appeals_contact = (
        "Write to the Customer Experience Manager at the address above, email "
        "appeals@demo.example, or ask any colleague to help you appeal."
    )
    set_translations(org, DEMO_TEXTS)
    users: dict[str, User] = {}
    for email, name, title, roles in STAFF:
        users[email] = create_user(email, name, DEMO_PASSWORD, roles, now, job_title=title)
        if needs_second_factor(users[email]):
            users[email].totp_secret = demo_totp_secret(email)
            users[email].totp_confirmed_at = now
    manager = users["manager@demo.example"]
    colleague = users["colleague@demo.example"]
    colleague.line_manager_id = manager.id
    for email in ("panel@demo.example", "panel2@demo.example", "csm@demo.example"):
        users[email].line_manager_id = manager.id
    panel = users["panel@demo.example"]
    created = now - timedelta(days=900)

    quiet = _customer(
        "C-100001", "Aled", "Jones", CustomerType.TENANT, created, email="aled.jones@demo.example"
    )
    first = _customer(
        "C-100002",
        "Bethany",
        "Clarke",
        CustomerType.TENANT,
        created,
        address="9 Sample Lane, Wythenshawe, Manchester M22 6FG",
    )
    second = _customer("C-100003", "Connor", "Walsh", CustomerType.TENANT, created)
    final = _customer("C-100004", "Deborah", "Nolan", CustomerType.LEASEHOLDER, created)
    lapsed = _customer("C-100005", "Emeka", "Obi", CustomerType.TENANT, created)
    vulnerable = _customer(
        "C-100006",
        "Frances",
        "Kaur",
        CustomerType.TENANT,
        created,
        vulnerability_notes="Mental health condition; support worker from Demo Mind.",
        support_needs="Prefers letters read aloud; support worker present at meetings.",
        preferred_language="ur",
    )
    relative = _customer(
        "C-100007", "Gary", "Jones", CustomerType.FRIEND_OR_RELATIVE, created, tenant_id=quiet.id
    )
    applicant = _customer("C-100008", "Hannah", "Morris", CustomerType.APPLICANT, created)
    former = _customer(
        "C-100009", "Imran", "Hussain", CustomerType.FORMER_TENANT, created, preferred_language="ur"
    )
    _customer("C-100010", "Julia", "Nowak", CustomerType.TENANT, created, preferred_language="pl")
    _customer(
        "C-100011",
        "Karim",
        "Haddad",
        CustomerType.VISITOR,
        created,
        tenant_id=first.id,
        preferred_language="ar",
    )
    _customer("C-100012", "Laura", "Price", CustomerType.THIRD_PARTY, created)

    _incident(
        colleague,
        manager,
        panel,
        first,
        now - timedelta(days=40),
        "Shouted and swore at the repairs officer about a delayed boiler repair.",
        warn=True,
    )
    for days in (300, 120):
        _incident(
            colleague,
            manager,
            panel,
            second,
            now - timedelta(days=days),
            "Repeated personal abuse on the phone to the income team.",
            warn=True,
        )
    for days in (330, 200, 60):
        _incident(
            colleague,
            manager,
            panel,
            final,
            now - timedelta(days=days),
            "Sent abusive emails naming a colleague.",
            warn=True,
            categories=(Category.AGGRESSIVE, Category.CONTACT),
            examples=("written_abuse", "excessive_written"),
        )
    _incident(
        colleague,
        manager,
        panel,
        lapsed,
        now - timedelta(days=500),
        "Threatened to 'sort out' a contractor at the door.",
        warn=True,
        examples=("threats",),
    )
    _incident(
        colleague,
        manager,
        panel,
        vulnerable,
        now - timedelta(days=20),
        "Became very distressed and abusive at the office counter.",
        warn=True,
    )
    # Reports waiting for the Panel: one overdue, one due soon, one not yet decided by the manager.
    _incident(
        colleague,
        manager,
        panel,
        relative,
        now - timedelta(days=8),
        "Verbal abuse towards a caretaker while visiting his father.",
        warn=False,
    )
    applicant_incident = report_incident(
        colleague,
        now - timedelta(hours=5),
        IncidentInput(
            customer_id=applicant.id,
            occurred_at=now - timedelta(hours=6),
            channel=Channel.OFFICE,
            categories=[Category.AGGRESSIVE],
            example_types=["threats"],
            description="Threatened a housing options adviser when told about waiting times.",
            immediate_action="Asked the customer to leave; security attended.",
            witnesses="Reception colleague",
            police_informed=True,
            police_informed_at=now - timedelta(hours=5, minutes=30),
            crime_reference="GMP-26-000123",
        ),
    )
    former_incident = _incident(
        colleague,
        manager,
        panel,
        former,
        now - timedelta(days=13),
        "Threatened to assault a contractor clearing his former home.",
        warn=False,
        examples=("threats",),
    )
    raise_alert(
        panel,
        now - timedelta(days=60),
        final,
        "Has made threats against colleagues visiting alone",
        "Visit in pairs only. Phone the Neighbourhood Manager before any visit.",
    )
    for days, minutes in ((1, 45), (2, 38), (3, 52), (5, 40), (9, 61), (15, 30)):
        log_contact(
            colleague,
            now,
            final,
            ContactChannel.PHONE,
            True,
            now - timedelta(days=days),
            minutes,
            "Repeated call about the same repair.",
        )
    for days in (1, 1, 2, 4, 6, 8, 12, 25):
        log_contact(
            colleague,
            now,
            final,
            ContactChannel.EMAIL,
            True,
            now - timedelta(days=days),
            None,
            "Email about the same repair.",
        )
    for customer, email in (
        (final, "deborah.nolan@demo.example"),
        (second, "connor.walsh@demo.example"),
        (former, "imran.hussain@demo.example"),
    ):
        db.session.add(
            CustomerAccount(
                customer=customer,
                email=email,
                password_hash=hash_password(DEMO_PASSWORD),
                activated_at=now - timedelta(days=10),
                password_changed_at=now - timedelta(days=10),
            )
        )
    demo_restrictions.load(
        users,
        {"final": final, "second": second, "applicant": applicant, "former": former},
        {"applicant": applicant_incident, "former": former_incident},
        now,
    )
    return True


CUSTOMER_SIGN_INS = (
    ("Customer (contact restricted)", "deborah.nolan@demo.example", "Deborah Nolan"),
    ("Customer (arrangement to answer)", "connor.walsh@demo.example", "Connor Walsh"),
    ("Customer (request waiting for GLT)", "hannah.morris@demo.example", "Hannah Morris"),
    ("Customer (letters in Urdu and English)", "imran.hussain@demo.example", "Imran Hussain"),
)


def demo_totp_secret(email: str) -> str:
    """The authenticator key of a demo account: derived from the published demo seed."""
    digest = hashlib.sha256(f"{DEMO_TOTP_SEED}:{email.strip().lower()}".encode()).digest()
    return base64.b32encode(digest[:20]).decode()


def demo_code(email: str, now: datetime) -> str | None:
    """The code a demo account signs in with at ``now``; None unless the account holds the
    demo key (so a real account's code is never shown)."""
    secret = demo_totp_secret(email)
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or user.totp_secret != secret or user.totp_confirmed_at is None:
        return None
    return pyotp.TOTP(secret).at(now)


def print_sign_ins(echo) -> None:
    echo("")
    echo("Demo sign-ins (staff sign in at /staff/sign-in), password for all: " + DEMO_PASSWORD)
    for email, name, _title, roles in STAFF:
        user = db.session.scalar(select(User).where(User.email == email))
        code = " (+ code)" if user is not None and needs_second_factor(user) else ""
        echo(f"  {', '.join(str(r.title) for r in roles):<40} {email:<28} {name}{code}")
    echo(
        "  (+ code): then the code from "
        "`PORTAL_ENV=development .venv/bin/flask --app wsgi demo-code EMAIL`"
    )
    echo("Customers sign in at /sign-in with the same password:")
    for title, email, name in CUSTOMER_SIGN_INS:
        echo(f"  {title:<40} {email:<28} {name}")
