"""What a restriction means, said to the customer in plain words, with how to reach us; and
what several restrictions in force at once mean, read as one (:func:`your_contact_together`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.i18n import long_date
from portal.restrictions.combined import combine
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


@dataclass(frozen=True)
class YourContactTogether:
    """What the restrictions in force let the customer do, read as one (§8.19, §8.20)."""

    headline: str
    # What it means, one sentence each.
    lines: list[str]
    # Where to get in touch: (label, address, phone or email) for each way open.
    reach: list[tuple[str, str]]
    until: str
    # Each restriction as it is said alone, with its own end and review: where each part
    # of the statement comes from.
    each: list[tuple[object, YourContact]]


def _or(names: list[str]) -> str:
    """``names`` as "one or the other" (the names are the organisation's, in English)."""
    said = names[0]
    for name in names[1:]:
        said = _("%(one)s or %(other)s", one=said, other=name)
    return said


def _with(text, **values) -> str:
    return str(text) % values


def your_contact_together(restrictions, org) -> YourContactTogether | None:
    """Say what the restrictions in force let the customer do, read as one; None for fewer
    than two (each is then said alone, by :func:`your_contact`, as it always was).

    The rule for reading them together is :func:`portal.restrictions.combined.combine`.
    """
    c = combine(restrictions)
    if not c.together:
        return None
    each = [(r, your_contact(r, org)) for r in c.restrictions]
    until = _(
        "We will next review your restrictions by %(date)s.", date=long_date(c.next_review_on)
    )
    if c.ended is not None:
        # Ending all contact overrides the others while it lasts (§9.5); the routes no
        # restriction closes are shown beside every statement.
        said = SAID[RestrictionKind.TERMINATION, None]
        lines = [str(said.detail)]
        if c.outlasting:
            lines.append(
                _(
                    "When this ends on %(date)s, your other restrictions listed here still apply.",
                    date=long_date(c.ended.ends_on),
                )
            )
        return YourContactTogether(str(said.headline), lines, [], until, each)
    managers = [p.value for p in c.managers]
    manager_names = _or([m.name if m is not None else "" for m in managers]) if managers else ""
    manager_email = managers[0].email if len(managers) == 1 and managers[0] is not None else ""
    routes = {p.value for p in c.channels}
    one_route = next(iter(routes)) if len(routes) == 1 else None
    lines: list[str] = []
    if c.representatives:
        names = _or([p.value for p in c.representatives])
        headline = _with(SAID[RestrictionKind.THIRD_PARTY, None].headline, name=names)
        lines.append(_with(SAID[RestrictionKind.THIRD_PARTY, None].detail, name=names))
    elif one_route == ContactRoute.EMAIL and managers:
        headline = _("Email %(name)s only", name=manager_names)
    elif one_route == ContactRoute.LETTER and managers:
        headline = _("Write to %(name)s only", name=manager_names)
    elif routes and one_route is None:
        headline = _("Contact us by letter or email only")
    elif one_route is not None:
        headline = str(SAID[RestrictionKind.CHANNEL_ONLY, one_route].headline)
    elif managers:
        headline = _with(SAID[RestrictionKind.NAMED_MANAGER, None].headline, name=manager_names)
    else:
        headline = str(SAID[RestrictionKind.SET_TIMES, None].headline)
    if one_route is not None:
        lines.append(str(SAID[RestrictionKind.CHANNEL_ONLY, one_route].detail))
    elif routes:
        lines.append(
            _(
                "Please do not phone or visit our offices about your case. Write to us or "
                "email us and we will reply."
            )
        )
    if managers:
        lines.append(_with(SAID[RestrictionKind.NAMED_MANAGER, None].detail, name=manager_names))
    if c.schedules:
        lines.append(
            _(
                "Phone calls only at the agreed times: %(schedule)s.",
                schedule="; ".join(p.value for p in c.schedules),
            )
        )
    reach: list[tuple[str, str]] = []
    if ContactRoute.EMAIL in routes or (not routes and manager_email):
        if manager_email:
            reach.append((_("Their email address:"), manager_email))
        else:
            reach.append((_("Our email address:"), org.email))
    if ContactRoute.LETTER in routes:
        reach.append((_("Our address:"), org.address))
    if c.schedules:
        reach.append((_("Our phone number:"), org.phone))
    return YourContactTogether(
        headline, lines, [(label, how) for label, how in reach if how], until, each
    )
