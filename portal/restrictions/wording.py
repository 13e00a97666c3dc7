"""What a restriction means, said to the customer in plain words, with how to reach us."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.i18n import long_date
from portal.restrictions.kinds import KINDS, say
from portal.restrictions.models import ContactRoute, RestrictionKind


@dataclass(frozen=True)
class YourContact:
    headline: str
    detail: str
    until: str
    # Where to get in touch under the restriction: a label and an address, phone or email.
    how_label: str = ""
    how: str = ""


@dataclass(frozen=True)
class _Said:
    """What the customer is told about one kind: a headline, what it means, and where to
    reach us under it (``reach(restriction, org)``; nothing to say if it gives "")."""

    headline: object
    detail: object
    how_label: object = ""
    reach: Callable[[object, object], str] = lambda restriction, org: ""
    # Whether the sentences name the kind's detail (the manager, the times, the representative).
    names_detail: bool = True


def _manager_email(restriction, org) -> str:
    manager = restriction.named_manager
    return manager.email if manager is not None else ""


# One entry for each kind in KINDS; contact by one channel is said per channel, since the
# customer is told where to write or email rather than the channel's name.
SAID: dict[tuple[RestrictionKind, ContactRoute | None], _Said] = {
    (RestrictionKind.CHANNEL_ONLY, ContactRoute.LETTER): _Said(
        _l("Contact us by letter only"),
        _l(
            "Please do not phone, email or visit our offices about your case. Write to us by "
            "letter and we will reply."
        ),
        _l("Our address:"),
        lambda restriction, org: org.address,
        names_detail=False,
    ),
    (RestrictionKind.CHANNEL_ONLY, ContactRoute.EMAIL): _Said(
        _l("Contact us by email only"),
        _l(
            "Please do not phone, write or visit our offices about your case. Email us and we "
            "will reply."
        ),
        _l("Our email address:"),
        lambda restriction, org: org.email,
        names_detail=False,
    ),
    (RestrictionKind.NAMED_MANAGER, None): _Said(
        _l("Contact us through %(name)s"),
        _l("%(name)s deals with everything you raise with us."),
        _l("Their email address:"),
        _manager_email,
    ),
    (RestrictionKind.SET_TIMES, None): _Said(
        _l("Call us only at the agreed times"),
        _l("The agreed times: %(schedule)s."),
        _l("Our phone number:"),
        lambda restriction, org: org.phone,
    ),
    (RestrictionKind.THIRD_PARTY, None): _Said(
        _l("Contact us through %(name)s"),
        _l("We will deal with you through %(name)s."),
    ),
    (RestrictionKind.TERMINATION, None): _Said(
        _l("We have stopped all contact with you for a while"),
        _l(
            "We will still read anything you send us, and we will reply if it gives us new "
            "information or raises a concern about someone's safety."
        ),
    ),
}


def _said(restriction) -> _Said:
    if KINDS[restriction.kind].detail == "channel":
        # A channel not recorded is taken as email: the customer is always told one way.
        letter = restriction.channel == ContactRoute.LETTER
        return SAID[restriction.kind, ContactRoute.LETTER if letter else ContactRoute.EMAIL]
    return SAID[restriction.kind, None]


def your_contact(restriction, org) -> YourContact:
    """Say what the restriction lets the customer do; ``org`` gives our contact details."""
    rule = KINDS[restriction.kind]
    said = _said(restriction)
    words = (rule.words(restriction) or "") if said.names_detail else None
    how = said.reach(restriction, org)
    if restriction.ends_on:
        until = _(
            "Until %(end)s. We will review it by %(review)s.",
            end=long_date(restriction.ends_on),
            review=long_date(restriction.review_on),
        )
    else:
        until = _("We will review it by %(review)s.", review=long_date(restriction.review_on))
    return YourContact(
        say(said.headline, rule, words),
        say(said.detail, rule, words),
        until,
        str(said.how_label) if how else "",
        how or "",
    )
