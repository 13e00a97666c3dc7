"""How a letter reaches the customer: only a way we can really use, and for the portal and
email, an email that tells them the letter is there (warnings §8.9, arrangements §8.15,
restriction letters §8.20, §10.1).

The appeal clock starts on the day the customer is told (§9.1), and a warning or arrangement
is only fair if the customer receives it, so a letter is never recorded as sent a way that
cannot reach them. Staff read the words here; the customer's email is in
:mod:`portal.letters.telling`.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.errors import Problem, ServiceError
from portal.i18n import plain_date
from portal.letters.telling import email_address, portal_account, tell_customer
from portal.restrictions.models import Delivery
from portal.timeutil import london_date

__all__ = [
    "RECORDED_WAYS",
    "Delivery",
    "check",
    "only_by_hand_message",
    "only_by_hand_notice",
    "email_address",
    "portal_account",
    "problem",
    "reachable_only_by_hand",
    "sent_line",
    "tell_customer",
]

# The ways that need something on the customer's record (an account, an email, an address);
# by hand needs only someone to take it.
RECORDED_WAYS = (Delivery.PORTAL, Delivery.EMAIL, Delivery.POST)


def problem(customer, delivery: Delivery) -> Problem | None:
    """Why ``delivery`` cannot reach the customer, for the delivery field (or None)."""
    if delivery == Delivery.PORTAL and portal_account(customer) is None:
        return Problem(
            "letter.no_portal_account",
            _l(
                "The customer has no portal account, so the letter cannot be sent in the "
                "portal. Choose another way, or give them a portal access code first."
            ),
        )
    if delivery == Delivery.EMAIL and not email_address(customer, portal_account(customer)):
        return Problem(
            "letter.no_email_address",
            _l("We have no email address for the customer. Choose another way to send the letter."),
        )
    if delivery == Delivery.POST and not (customer.address or "").strip():
        return Problem(
            "letter.no_postal_address",
            _l(
                "We have no postal address for the customer. Choose another way to send the letter."
            ),
        )
    return None


def reachable_only_by_hand(customer) -> bool:
    """Whether nothing on the record reaches the customer: no account, email or address."""
    return all(problem(customer, way) for way in RECORDED_WAYS)


def check(customer, delivery: Delivery | None) -> None:
    """Refuse a way that cannot reach the customer, the words beside the delivery field.

    :raises ServiceError: for no way chosen, or one that cannot reach them.
    """
    if delivery is None:
        raise ServiceError(
            {"delivery": Problem("letter.delivery_missing", _l("Choose how the letter is sent"))}
        )
    cannot = problem(customer, delivery)
    if cannot and reachable_only_by_hand(customer):
        cannot = Problem("letter.only_by_hand", only_by_hand_message())
    if cannot:
        raise ServiceError({"delivery": cannot})


def only_by_hand_message():
    """What to do when nothing on the record reaches the customer, said plainly (lazily, in
    the language of whoever reads it)."""
    return _l(
        "We have no portal account, email address or postal address for this customer, so "
        "this letter can only be given to them by hand. Record their address or email on "
        "their record first, or choose “By hand” and give them the letter yourself."
    )


def only_by_hand_notice(customer) -> str:
    """For the page that sends a letter: :func:`only_by_hand` when nothing on the record
    reaches the customer, else nothing."""
    return str(only_by_hand_message()) if reachable_only_by_hand(customer) else ""


def sent_line(delivery: Delivery | None, sent_at: datetime | None) -> str:
    """e.g. "Sent by post on 5 December 2026" (empty for a letter sent before this was kept)."""
    if delivery is None or sent_at is None:
        return ""
    day = plain_date(london_date(sent_at))
    return {
        Delivery.PORTAL: _("Sent in the customer portal on %(date)s", date=day),
        Delivery.EMAIL: _("Sent by email on %(date)s", date=day),
        Delivery.POST: _("Sent by post on %(date)s", date=day),
        Delivery.HAND: _("Given by hand on %(date)s", date=day),
    }[delivery]
