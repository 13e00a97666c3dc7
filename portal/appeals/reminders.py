"""Email reminders for appeal steps that are due soon or overdue (§9.1–9.4)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from portal import db
from portal.appeals import rules
from portal.appeals import services as appeals
from portal.auth.models import Role, User, UserRole
from portal.organisation.services import get_organisation
from portal.outbox.services import enqueue
from portal.timeutil import london_date
from portal.workdays.services import load_calendar

# Who does each step, and so who is reminded.
STEP_OWNER = {
    "acknowledge": Role.CEM,
    "to_glt": Role.CEM,
    "glt_review": Role.GLT,
    "notify_cem": Role.GLT,
    "tell_customer": Role.CEM,
}


def _addresses(role: Role) -> list[str]:
    return list(
        db.session.scalars(
            select(User.email)
            .join(UserRole)
            .where(UserRole.role == role, User.active.is_(True))
            .order_by(User.email)
        )
    )


def queue_reminders(now: datetime, base_url: str = "") -> int:
    """Queue one email per person for each appeal step due soon (once) or overdue (once a
    working day). Returns how many emails were queued."""
    today = london_date(now)
    calendar = load_calendar()
    if not calendar.is_working_day(today):
        return 0
    cutoff = get_organisation().cutoff_time
    people = {role: _addresses(role) for role in set(STEP_OWNER.values())}
    queued = 0
    for appeal in appeals.open_appeals():
        steps = appeals.clock(appeal, calendar, cutoff)
        step = next((s for s in steps.steps if s.done_on is None), None)
        if step is None:
            continue
        status = rules.step_status(step, today, calendar)
        if status not in ("due_soon", "overdue"):
            continue
        when = "overdue" if status == "overdue" else "due soon"
        subject = f"Appeal {appeal.reference}: {step.title} is {when}"
        body = (
            f"{step.title} for appeal {appeal.reference} ({appeal.customer.name}) was due on "
            f"{step.due:%A %-d %B %Y}.\n\n"
            if status == "overdue"
            else f"{step.title} for appeal {appeal.reference} ({appeal.customer.name}) is due on "
            f"{step.due:%A %-d %B %Y}.\n\n"
        ) + f"Open the appeal: {base_url}/staff/appeals/{appeal.id}\n"
        # Due soon: remind once. Overdue: remind each working day until it is done.
        stamp = today.isoformat() if status == "overdue" else step.due.isoformat()
        for address in people[STEP_OWNER[step.key]]:
            key = f"appeal:{appeal.id}:{step.key}:{status}:{stamp}:{address}"[:120]
            if enqueue(address, subject, body, now, dedupe_key=key) is not None:
                queued += 1
    return queued
