"""Email the Panel about restriction reviews due soon or overdue (§10.1)."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from portal import db
from portal.auth.models import Role, User, UserRole
from portal.i18n import long_date
from portal.outbox.services import enqueue
from portal.restrictions.models import Restriction
from portal.reviews.services import reviews_due
from portal.timeutil import london_date
from portal.workdays.services import load_calendar

# A review is "due soon" this many days ahead, as on the Panel's reviews page.
DUE_SOON_DAYS = 14


def _panel() -> list[str]:
    return list(
        db.session.scalars(
            select(User.email)
            .join(UserRole)
            .where(UserRole.role == Role.PANEL, User.active.is_(True))
            .order_by(User.email)
        )
    )


def _email(restriction: Restriction, overdue: bool, base_url: str) -> tuple[str, str]:
    """The subject and body of one notice."""
    names = {
        "customer": restriction.customer.name,
        "reference": restriction.customer.reference,
        "kind": restriction.kind.title,
        "date": long_date(restriction.review_on),
    }
    if overdue:
        subject = _("Restriction review overdue: %(customer)s (%(reference)s)", **names)
        first = _(
            "The review of the restriction on %(customer)s (%(reference)s), %(kind)s, "
            "was due on %(date)s.",
            **names,
        )
    else:
        subject = _("Restriction review due soon: %(customer)s (%(reference)s)", **names)
        first = _(
            "The review of the restriction on %(customer)s (%(reference)s), %(kind)s, "
            "is due on %(date)s.",
            **names,
        )
    link = f"{base_url}/staff/restrictions/{restriction.id}/review"
    return subject, f"{first}\n\n{_('Record the review: %(link)s', link=link)}\n"


def _status(restriction: Restriction, today: date) -> str:
    return "overdue" if restriction.review_on < today else "due_soon"


def queue_review_notices(now: datetime, base_url: str = "") -> int:
    """Queue one email per Panel member for each restriction in force whose review is due
    soon (once) or overdue (once a working day). Returns how many emails were queued."""
    today = london_date(now)
    if not load_calendar().is_working_day(today):
        return 0
    addresses = _panel()
    queued = 0
    for restriction in reviews_due(today, within_days=DUE_SOON_DAYS, limit=10000):
        status = _status(restriction, today)
        subject, body = _email(restriction, status == "overdue", base_url)
        # Due soon: once for this review date. Overdue: each working day until it is done.
        stamp = today if status == "overdue" else restriction.review_on
        for address in addresses:
            key = f"review:{restriction.id}:{status}:{stamp.isoformat()}:{address}"[:120]
            if enqueue(address, subject, body, now, dedupe_key=key) is not None:
                queued += 1
    return queued
