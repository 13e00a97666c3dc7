"""The pages the benchmark judges, who reads each one, and what a single request to each costs
inside the app: SQL statements sent, status, and bytes on the wire as a browser takes them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import event, select

from portal import db
from portal.demo import DEMO_PASSWORD
from portal.timeutil import add_months, london_date, utcnow
from scripts.bench.api import API_HEADERS
from scripts.bench.browser import (
    ACCEPT_ENCODING,
    Browser,
    form_fields,
    in_process,
    sign_in_customer,
    sign_in_staff,
)

# Who signs in for each role: the demo data's people.
READERS = {
    "colleague": "colleague@demo.example",
    "line manager": "manager@demo.example",
    "Panel": "panel@demo.example",
    "CSM": "csm@demo.example",
    "GLT": "glt@demo.example",
    "CEM": "cem@demo.example",
    "admin": "admin@demo.example",
    "customer": "deborah.nolan@demo.example",
}
STAFF_TARGET = 0.15  # share of the ceiling's requests per second
CUSTOMER_TARGET = 0.40
SEARCH_P95_MS = 15.0
PDF_P95_MS = 20.0  # a letter's PDF once it has been made
FLAG_P95_MS = 25.0  # one customer's flag, read by the housing system
REPORT_P95_MS = 1000.0  # the committee report, counted from the whole caseload (§10.3)
HTMX = {"HX-Request": "true", "HX-Current-URL": "http://127.0.0.1/staff/register"}


@dataclass
class Page:
    label: str
    reader: str  # a key of READERS
    path: str  # may hold {customer}, {letter}, {draft}, {today} or {year_ago}
    headers: dict = field(default_factory=dict)
    p95_target_ms: float | None = None  # judged on a run with one connection
    grows: bool = False  # searches the incident table: timed again with --growth
    # A bulk answer (hundreds of customers at once) is not a page a person waits for: its
    # speed is reported, as flags per second, but not judged against the ceiling.
    bulk: int = 0
    # A report counted from the whole caseload is read a few times a year: judged by its own
    # time (p95 with one connection), not against the ceiling.
    report: bool = False

    @property
    def customer_side(self) -> bool:
        return self.reader == "customer"

    @property
    def ratio_target(self) -> float | None:
        if self.bulk or self.report:
            return None
        return CUSTOMER_TARGET if self.customer_side else STAFF_TARGET


PAGES = [
    *(Page(f"home: {role}", role, "/staff/") for role in list(READERS)[:-1]),
    Page("Panel queue", "Panel", "/staff/panel"),
    Page(
        "register q=smith",
        "Panel",
        "/staff/register?q=smith",
        p95_target_ms=SEARCH_P95_MS,
        grows=True,
    ),
    Page(
        "register fragment",
        "Panel",
        "/staff/register?q=smith",
        headers=HTMX,
        p95_target_ms=SEARCH_P95_MS,
        grows=True,
    ),
    Page("customer search", "colleague", "/staff/customers?q=smith"),
    Page("customer record", "Panel", "/staff/customers/{customer}"),
    Page("CEM appeals tracker", "CEM", "/staff/appeals"),
    Page("customer home", "customer", "/home"),
    Page("customer's letter", "customer", "/letters/{letter}"),
    Page("letter PDF (again)", "customer", "/letters/{letter}/pdf", p95_target_ms=PDF_P95_MS),
    Page("appeal question", "customer", "/appeals/{draft}/reasons"),
    # The twelve months to today: every incident, appeal and restriction the caseload dates.
    Page(
        "committee report",
        "CEM",
        "/staff/reports?start={year_ago}&end={today}",
        p95_target_ms=REPORT_P95_MS,
        report=True,
    ),
    Page(
        "committee report CSV",
        "CEM",
        "/staff/reports.csv?start={year_ago}&end={today}",
        p95_target_ms=REPORT_P95_MS,
        report=True,
    ),
    # The housing system's calls: a bearer token, no session.
    Page(
        "API: one flag",
        "api",
        "/api/v1/customers/{housing_ref}/flag",
        headers=API_HEADERS,
        p95_target_ms=FLAG_P95_MS,
    ),
    Page(
        "API: changed in a week",
        "api",
        "/api/v1/flags?changed_since={since}&limit=500",
        headers=API_HEADERS,
        bulk=500,
    ),
]

LETTER = re.compile(r'href="/letters/(\d+)"')
START = re.compile(r'action="(/appeals/start/\d+)"')


def totp_secret(email: str) -> str | None:
    from portal.auth.models import User

    return db.session.scalar(select(User.totp_secret).where(User.email == email))


def sign_in(browser: Browser, reader: str) -> None:
    """Sign ``browser`` in as the person who reads ``reader``'s pages."""
    if reader == "api":
        return  # the token goes in each request's headers
    email = READERS[reader]
    if reader == "customer":
        sign_in_customer(browser, email, DEMO_PASSWORD)
    else:
        sign_in_staff(browser, email, DEMO_PASSWORD, totp_secret(email))


def resolve(customer: Browser, busiest: int) -> dict:
    """The ids the page addresses need: the busiest customer's record, one of the signed-in
    customer's letters, and a draft appeal of theirs (started here if they have none)."""
    home = customer.get("/home").text
    letter = LETTER.search(home)
    today = london_date(utcnow())
    ids = {
        "customer": busiest,
        "letter": letter.group(1) if letter else None,
        "draft": None,
        "today": today.isoformat(),
        "year_ago": (add_months(today, -12) + timedelta(days=1)).isoformat(),
    }
    appeals = customer.get("/appeals").text
    found = re.search(r'href="/appeals/(\d+)/reasons"', appeals)
    if found is None:
        start = START.search(appeals) or START.search(home)
        if start:
            _action, fields = form_fields(appeals if START.search(appeals) else home, start[1])
            reply = customer.post(start.group(1), fields)
            found = re.search(r"/appeals/(\d+)/", reply.location)
    ids["draft"] = found.group(1) if found else None
    return ids


def address(page: Page, ids: dict) -> str | None:
    """The page's path with the ids filled in, or None when the data has no such page."""
    needed = re.findall(r"{(\w+)}", page.path)
    if any(ids.get(name) is None for name in needed):
        return None
    return page.path.format(**ids)


@dataclass
class Single:
    status: int
    statements: int
    wire_bytes: int
    encoding: str


def one_request(app, cookie: str, path: str, headers: dict) -> Single:
    """One request to ``path`` in this process with ``cookie``: status, SQL statements sent,
    and the body's size as sent to a browser that takes gzip and brotli."""
    engine = app.extensions["engine"]
    send = in_process(app)
    count = 0

    def _count(*_args):
        nonlocal count
        count += 1

    sent = {"Cookie": cookie, "Accept-Encoding": ACCEPT_ENCODING, **headers}
    send("GET", path, None, sent)  # the first view of a page can build what later ones reuse
    event.listen(engine, "before_cursor_execute", _count)
    try:
        reply = send("GET", path, None, sent)
    finally:
        event.remove(engine, "before_cursor_execute", _count)
    return Single(
        reply.status, count, len(reply.body), reply.headers.get("content-encoding", "identity")
    )
