"""The large made-up caseload: customers, incidents (most reviewed by the Panel, some with a
warning and its letter), contact log entries and alerts, written in bulk beside the demo data.

Incidents are reported by the demo colleague and forty more, all managed by the demo line
manager, and reviewed by the demo Panel member, so every role's home page has a real list.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select

from portal import db
from portal.auth.models import Role, User
from portal.auth.services import create_user
from portal.conduct_warnings.models import ConductWarning, Stage
from portal.customers.models import Alert, ContactChannel, ContactLogEntry, Customer, CustomerType
from portal.incidents.catalogue import Category, Channel
from portal.incidents.models import Incident, IncidentCategory, IncidentStatus, Route
from portal.letters.models import Letter, LetterKind
from portal.panel.models import CONTEXT_CONSIDERATIONS, Outcome, PanelReview

Progress = Callable[[str, int, int], None]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FORENAMES = _words(
    "Aled Amira Ben Bethany Chloe Connor Daniel Deborah Emeka Ewa Fatima Frances Gary Grace "
    "Hannah Harry Imran Isla Jack Jasmine Kacper Kerry Liam Lucy Mohammed Nadia Niamh Oliver "
    "Olivia Patrick Priya Qasim Rachel Ryan Sadia Sean Sophie Tariq Tom Una Victoria Wojciech "
    "Yusuf Zainab Zofia"
)
SURNAMES = _words(
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Robinson Wright Thompson "
    "Evans Walker White Roberts Green Hall Wood Jackson Clarke Khan Hughes Edwards Hussain "
    "Nowak Kowalski Okafor Obi Nolan Walsh Kaur Singh Ahmed Ali Byrne Doyle Murphy Kelly "
    "Lewis Harris Martin Cooper Ward Morris"
)
WORDS = _words(
    "shouted swore threatened repeatedly called emailed refused access demanded compensation "
    "repair boiler damp window neighbour noise parking rent arrears visit office officer "
    "contractor appointment letter complaint"
)


def _batches(rows: list[dict], size: int = 5_000):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _bulk(model, rows: list[dict], progress: Progress | None = None) -> list[int]:
    """Insert ``rows`` in batches; return their new ids, in order."""
    ids: list[int] = []
    statement = insert(model).returning(model.id, sort_by_parameter_order=True)
    for batch in _batches(rows):
        ids += db.session.scalars(statement, batch).all()
        if progress:
            progress(model.__tablename__, len(ids), len(rows))
    return ids


def seed(sizes, rng: random.Random, progress: Progress) -> list[int]:
    """Write ``sizes.customers`` customers, ``sizes.incidents`` incidents (``sizes.awaiting`` of
    them awaiting the Panel) and ``sizes.contacts`` contact log entries; return the ids of the
    customers who account for most of them."""
    now = datetime.now(UTC).replace(microsecond=0)
    people = {u.email: u for u in db.session.scalars(select(User))}
    panel = people["panel@demo.example"]
    manager = people["manager@demo.example"]
    reporters = [people["colleague@demo.example"]] + [
        create_user(
            f"colleague{n}@bench.example",
            f"Colleague {n}",
            "x",
            [Role.COLLEAGUE],
            now,
            line_manager_id=manager.id,
        )
        for n in range(40)
    ]
    db.session.flush()
    staff_ids = [r.id for r in reporters]

    types = list(CustomerType)
    customers = []
    for n in range(sizes.customers):
        customers.append(
            {
                "reference": f"C-{200000 + n}",
                "forename": rng.choice(FORENAMES),
                "surname": rng.choice(SURNAMES),
                "customer_type": types[0] if rng.random() < 0.7 else rng.choice(types),
                "address": f"{rng.randint(1, 300)} Bench Road, Manchester",
                "email": f"customer{n}@bench.example",
                "vulnerability_notes": "Support worker involved." if rng.random() < 0.1 else "",
                "created_at": now - timedelta(days=rng.randint(400, 4000)),
            }
        )
    customer_ids = _bulk(Customer, customers, progress)
    # A small share of customers account for most incidents and contacts.
    frequent = customer_ids[: max(1, sizes.customers // 10)]

    def pick_customer() -> int:
        return rng.choice(frequent) if rng.random() < 0.8 else rng.choice(customer_ids)

    _incidents(
        range(sizes.incidents),
        min(sizes.awaiting, sizes.incidents),
        pick_customer,
        staff_ids,
        panel.id,
        manager.id,
        now,
        rng,
        progress,
    )

    contact_channels = list(ContactChannel)
    contacts = []
    for _ in range(sizes.contacts):
        at = now - timedelta(days=rng.randint(0, 700), minutes=rng.randint(0, 1440))
        channel = rng.choice(contact_channels)
        contacts.append(
            {
                "customer_id": pick_customer(),
                "channel": channel,
                "inbound": rng.random() < 0.8,
                "occurred_at": at,
                "duration_minutes": rng.randint(1, 40) if channel == ContactChannel.PHONE else None,
                "summary": " ".join(rng.choices(WORDS, k=8)),
                "logged_by_id": rng.choice(staff_ids),
                "logged_at": at,
            }
        )
    _bulk(ContactLogEntry, contacts, progress)

    alerts = [
        {
            "customer_id": rng.choice(frequent),
            "summary": "Threatened staff on a home visit; visit in pairs.",
            "raised_by_id": panel.id,
            "raised_at": now - timedelta(days=rng.randint(0, 300)),
        }
        for _ in range(max(1, sizes.customers // 50))
    ]
    _bulk(Alert, alerts, progress)
    return customer_ids[: max(1, sizes.customers // 10)]


def _incidents(
    numbers: range,
    awaiting_count: int,
    pick_customer: Callable[[], int],
    staff_ids: list[int],
    panel_id: int,
    manager_id: int,
    now: datetime,
    rng: random.Random,
    progress: Progress,
) -> None:
    """Write the incidents numbered ``numbers`` (``awaiting_count`` of them awaiting the
    Panel, the rest reviewed, some with a warning and its letter)."""
    categories = list(Category)
    channels = list(Channel)
    incidents, links, reviews, letters, warnings = [], [], [], [], []
    awaiting = set(rng.sample(numbers, min(awaiting_count, len(numbers))))
    outcomes = list(Outcome)
    for index, n in enumerate(numbers):
        incident_id = index  # its index, until inserted
        if n in awaiting:
            reported = now - timedelta(days=rng.randint(0, 20), minutes=rng.randint(0, 600))
        else:
            reported = now - timedelta(days=rng.randint(10, 1100), minutes=rng.randint(0, 600))
        occurred = reported - timedelta(hours=rng.randint(0, 48))
        customer_id = pick_customer()
        reviewed = n not in awaiting
        incidents.append(
            {
                "reference": f"INC-{100000 + n}" if n < 900_000 else f"INC-G{n}",
                "customer_id": customer_id,
                "reported_by_id": rng.choice(staff_ids),
                "line_manager_id": manager_id,
                "occurred_at": occurred,
                "reported_at": reported,
                "channel": rng.choice(channels),
                "service_area": rng.choice(["Repairs", "Rents", "Neighbourhoods", "Lettings"]),
                "example_types": ["verbal_abuse"],
                "description": " ".join(rng.choices(WORDS, k=25)),
                "protected_characteristics": [],
                "serious": rng.random() < 0.05,
                "route": Route.ASB if rng.random() < 0.6 else Route.POLICE_PANEL,
                "status": IncidentStatus.REVIEWED if reviewed else IncidentStatus.AWAITING_REVIEW,
                "review_due_on": (reported + timedelta(days=7)).date(),
                "manager_decisions": ["none"],
                "manager_decided_at": reported + timedelta(hours=4),
                "manager_decided_by_id": manager_id,
            }
        )
        for category in rng.sample(categories, rng.choice([1, 1, 1, 2, 2, 3])):
            links.append({"incident_id": incident_id, "category": category})
        if reviewed:
            outcome = Outcome.WARNING if rng.random() < 0.15 else rng.choice(outcomes)
            reviewed_at = reported + timedelta(days=rng.randint(1, 5))
            reviews.append(
                {
                    "incident_id": incident_id,
                    "reviewer_id": panel_id,
                    "reviewed_at": reviewed_at,
                    "context_considered": list(CONTEXT_CONSIDERATIONS),
                    "context_notes": "Context weighed.",
                    "outcome": outcome,
                    "reasons": "Benchmark review.",
                }
            )
            if outcome == Outcome.WARNING:
                body = f"<p>Warning about {incidents[-1]['reference']}</p>"
                letters.append(
                    {
                        "reference": f"L-W{n:07d}",
                        "customer_id": customer_id,
                        "kind": LetterKind.WARNING,
                        "subject": "First warning",
                        "body_html": body,
                        "content_sha256": hashlib.sha256(body.encode()).hexdigest(),
                        "issued_at": reviewed_at,
                        "issued_by_id": panel_id,
                    }
                )
                issued_on = reviewed_at.date()
                warnings.append(
                    {
                        "customer_id": customer_id,
                        "incident_id": incident_id,
                        "stage": Stage.FIRST,
                        "issued_on": issued_on,
                        "lapses_on": issued_on + timedelta(days=365),
                        "issued_by_id": panel_id,
                        "issued_at": reviewed_at,
                    }
                )
    incident_ids = _bulk(Incident, incidents, progress)
    for row in links + reviews + warnings:
        row["incident_id"] = incident_ids[row["incident_id"]]
    _bulk(IncidentCategory, links)
    _bulk(PanelReview, reviews)
    letter_ids = _bulk(Letter, letters)
    for letter_id, warning in zip(letter_ids, warnings, strict=True):
        warning["letter_id"] = letter_id
    _bulk(ConductWarning, warnings, progress)


def busiest_customer() -> int:
    """The customer with the most incidents: the heaviest record to draw."""
    return db.session.scalar(
        select(Incident.customer_id)
        .group_by(Incident.customer_id)
        .order_by(func.count().desc(), Incident.customer_id)
        .limit(1)
    )


def incident_count() -> int:
    return db.session.scalar(select(func.count(Incident.id)))


def grow(total: int, rng: random.Random, progress: Progress) -> int:
    """Add reviewed incidents (spread like the caseload's) until there are ``total`` in all;
    return how many were added."""
    have = incident_count()
    if total <= have:
        return 0
    people = {u.email: u for u in db.session.scalars(select(User))}
    staff_ids = [
        u.id for email, u in people.items() if email.startswith("colleague") and u.line_manager_id
    ]
    customer_ids = list(
        db.session.scalars(
            select(Customer.id).where(Customer.reference.like("C-2%")).order_by(Customer.id)
        )
    )
    frequent = customer_ids[: max(1, len(customer_ids) // 10)]

    def pick_customer() -> int:
        return rng.choice(frequent) if rng.random() < 0.8 else rng.choice(customer_ids)

    now = datetime.now(UTC).replace(microsecond=0)
    # Numbered from 900 000 on, so that they never take a reference the caseload uses.
    start = 900_000 + have
    _incidents(
        range(start, start + total - have),
        0,
        pick_customer,
        staff_ids,
        people["panel@demo.example"].id,
        people["manager@demo.example"].id,
        now,
        rng,
        progress,
    )
    return total - have
