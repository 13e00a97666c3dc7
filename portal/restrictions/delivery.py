"""How a restriction-stage letter reaches the customer (§8.20, §10.1): the same delivery step
as every other letter, in :mod:`portal.letters.delivery`; kept so existing imports work."""

from __future__ import annotations

from portal.letters.delivery import (
    check,
    email_address,
    portal_account,
    problem,
    reachable_only_by_hand,
    sent_line,
    tell_customer,
)
from portal.restrictions.models import Delivery

__all__ = [
    "Delivery",
    "check",
    "email_address",
    "portal_account",
    "problem",
    "reachable_only_by_hand",
    "sent_line",
    "tell_customer",
]
