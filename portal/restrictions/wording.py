"""What a restriction means, said to the customer in plain words, with how to reach us."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from portal.i18n import long_date
from portal.restrictions.models import ContactRoute, RestrictionKind


@dataclass(frozen=True)
class YourContact:
    headline: str
    detail: str
    until: str
    # Where to get in touch under the restriction: a label and an address, phone or email.
    how_label: str = ""
    how: str = ""


def your_contact(restriction, org) -> YourContact:
    """Say what the restriction lets the customer do; ``org`` gives our contact details."""
    kind = restriction.kind
    how_label = how = ""
    if kind == RestrictionKind.CHANNEL_ONLY and restriction.channel == ContactRoute.LETTER:
        headline = _("Contact us by letter only")
        detail = _(
            "Please do not phone, email or visit our offices about your case. Write to us by "
            "letter and we will reply."
        )
        how_label, how = _("Our address:"), org.address
    elif kind == RestrictionKind.CHANNEL_ONLY:
        headline = _("Contact us by email only")
        detail = _(
            "Please do not phone, write or visit our offices about your case. Email us and we "
            "will reply."
        )
        how_label, how = _("Our email address:"), org.email
    elif kind == RestrictionKind.NAMED_MANAGER:
        manager = restriction.named_manager
        name = manager.name if manager else ""
        headline = _("Contact us through %(name)s", name=name)
        detail = _("%(name)s deals with everything you raise with us.", name=name)
        if manager is not None and manager.email:
            how_label, how = _("Their email address:"), manager.email
    elif kind == RestrictionKind.SET_TIMES:
        headline = _("Call us only at the agreed times")
        detail = _("The agreed times: %(schedule)s.", schedule=restriction.schedule)
        how_label, how = _("Our phone number:"), org.phone
    elif kind == RestrictionKind.THIRD_PARTY:
        headline = _("Contact us through %(name)s", name=restriction.third_party)
        detail = _("We will deal with you through %(name)s.", name=restriction.third_party)
    else:
        headline = _("We have stopped all contact with you for a while")
        detail = _(
            "We will still read anything you send us, and we will reply if it gives us new "
            "information or raises a concern about someone's safety."
        )
    if restriction.ends_on:
        until = _(
            "Until %(end)s. We will review it by %(review)s.",
            end=long_date(restriction.ends_on),
            review=long_date(restriction.review_on),
        )
    else:
        until = _("We will review it by %(review)s.", review=long_date(restriction.review_on))
    return YourContact(headline, detail, until, how_label if how else "", how or "")
