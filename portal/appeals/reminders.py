"""Email reminders for appeal steps that are due soon or overdue (§9.1–9.4)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from portal import db
from portal.appeals import progress as appeal_progress
from portal.appeals import rules
from portal.appeals.models import Appeal
from portal.appeals.people import may_decide, ready_to_decide
from portal.appeals.queries import open_appeals_in_batches
from portal.auth.models import Role, User, UserRole
from portal.i18n import long_date
from portal.organisation.services import get_organisation
from portal.outbox.services import enqueue
from portal.timeutil import london_date
from portal.workdays.services import load_calendar

# How many open appeals are looked at (and held) at a time.
BATCH = 200

# Who does each step, and so who is reminded.
STEP_OWNER = {
    "acknowledge": Role.CEM,
    "to_glt": Role.CEM,
    "glt_review": Role.GLT,
    "notify_cem": Role.GLT,
    "tell_customer": Role.CEM,
}


def _staff(role: Role) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole)
            .where(UserRole.role == role, User.active.is_(True))
            .order_by(User.email)
        )
    )


def _recipients(appeal: Appeal, role: Role, people: dict[Role, list[User]]) -> tuple[list, bool]:
    """Who is reminded of a step, and whether the CEM stands in because no GLT member may
    decide this appeal (each requested the restriction or made the decision appealed)."""
    if role != Role.GLT:
        return [user.email for user in people[role]], False
    free = [user.email for user in people[Role.GLT] if may_decide(user, appeal)]
    if free:
        return free, False
    return [user.email for user in people[Role.CEM]], True


def _email(appeal: Appeal, step: rules.Step, status: str, base_url: str, stand_in: bool):
    """The subject and body of one reminder."""
    names = {
        "reference": appeal.reference,
        "step": step.title,
        "customer": appeal.customer.name,
        "date": long_date(step.due),
    }
    if stand_in:
        subject = _("Appeal %(reference)s: no GLT member may decide it", **names)
    elif status == "overdue":
        subject = _("Appeal %(reference)s: %(step)s is overdue", **names)
    else:
        subject = _("Appeal %(reference)s: %(step)s is due soon", **names)
    if status == "overdue":
        due = _("%(step)s for appeal %(reference)s (%(customer)s) was due on %(date)s.", **names)
    else:
        due = _("%(step)s for appeal %(reference)s (%(customer)s) is due on %(date)s.", **names)
    paragraphs = [due]
    if stand_in:
        paragraphs.append(
            _(
                "No active member of the Group Leadership Team may decide this appeal: each of "
                "them requested the restriction or made the decision being appealed. Arrange "
                "for someone who may to review it."
            )
        )
    link = f"{base_url}/staff/appeals/{appeal.id}"
    paragraphs.append(_("Open the appeal: %(link)s", link=link))
    return subject, "\n\n".join(paragraphs) + "\n"


def queue_reminders(now: datetime, base_url: str = "") -> int:
    """Queue one email per person for each appeal step due soon (once) or overdue (once a
    working day). Returns how many emails were queued.

    GLT steps go only to GLT members who may decide that appeal; when none may, to the CEM.
    Every open appeal whose current step is due by the next working day is looked at, a batch
    at a time, on the due dates stored on it.
    """
    today = london_date(now)
    calendar = load_calendar()
    if not calendar.is_working_day(today):
        return 0
    cutoff = get_organisation().cutoff_time
    people = {role: _staff(role) for role in (Role.CEM, Role.GLT)}
    queued = 0
    for batch in open_appeals_in_batches(calendar.next_working_day(today), BATCH):
        with ready_to_decide(batch):
            for appeal in batch:
                row = appeal_progress.progress(appeal, today, calendar, cutoff)
                queued += _remind(row, now, base_url, people)
    return queued


def _remind(row: appeal_progress.Progress, now: datetime, base_url: str, people) -> int:
    """Queue the reminders of one appeal's current step, if it needs chasing; how many."""
    appeal, current = row.appeal, row.current
    status = current.attention if current else None
    if status is None:
        return 0
    step = current.step
    addresses, stand_in = _recipients(appeal, STEP_OWNER[step.key], people)
    subject, body = _email(appeal, step, status, base_url, stand_in)
    # Due soon: remind once. Overdue: remind each working day until it is done.
    stamp = row.today.isoformat() if status == "overdue" else step.due.isoformat()
    queued = 0
    for address in addresses:
        key = f"appeal:{appeal.id}:{step.key}:{status}:{stamp}:{address}"[:120]
        if enqueue(address, subject, body, now, dedupe_key=key) is not None:
            queued += 1
    return queued
