"""Several restrictions in force at once, read as one (§8.19, §8.21, §9.5).

Each restriction limits one thing: the route (letter or email only), who at our end deals with
the customer (one named manager), who speaks for them (a representative), when they may phone
(set times), or all contact (termination). Read together they must say one thing, the way a
fair landlord would read them:

- routes are the intersection: "email only" and "calls at set times" leave email only, since
  email only already rules calls out; two restrictions that name different channels leave no
  route at all, so the customer may use either (colleagues are told to review them together);
- the named manager and the representative are who the route reaches and who uses it: "email
  only" and "through Tom Whitfield" is "email Tom Whitfield";
- ending all contact (§9.5) overrides every other restriction while it lasts, except the routes
  no restriction closes (complaints, emergency repairs, health and safety: §4.6);
- the whole is next looked at on the earliest review date of any of them, and each keeps its
  own end date.

:func:`combine` is the rule (no database, no words); :func:`staff_statement` says it to a
colleague on the phone. The customer's words are in
:func:`portal.restrictions.wording.your_contact_together`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from portal.i18n import long_date
from portal.restrictions.kinds import KINDS
from portal.restrictions.models import ContactRoute, RestrictionKind
from portal.restrictions.rules import AllowedContact, allowed_contact


@dataclass(frozen=True)
class Part:
    """One thing the restrictions allow (a channel, a manager, a representative, a schedule)
    and the restrictions that say it."""

    value: object
    sources: tuple


@dataclass(frozen=True)
class Combination:
    """What the restrictions in force allow, read together."""

    # The restrictions read, soonest review first.
    restrictions: tuple
    # The only channels the customer may use; () when no restriction limits the channel.
    channels: tuple[Part, ...] = ()
    # Restrictions name different channels: none is left, so any of them may be used.
    channels_clash: bool = False
    # Who at our end deals with the customer (User objects), and who speaks for them.
    managers: tuple[Part, ...] = ()
    representatives: tuple[Part, ...] = ()
    # When the customer may phone; empty when no restriction sets times, or when a channel
    # restriction rules calls out (those set-times restrictions are in ``calls_ruled_out_by``).
    schedules: tuple[Part, ...] = ()
    calls_ruled_out_by: tuple = ()
    # Ending all contact (§9.5): the one that lasts longest, which overrides the others.
    ended: object | None = None
    # The earliest review of any of them, and each end date (soonest first).
    next_review_on: date | None = None
    ends: tuple[tuple[object, date], ...] = ()

    @property
    def together(self) -> bool:
        """More than one restriction is in force, so they are said as one."""
        return len(self.restrictions) > 1

    @property
    def overridden(self) -> tuple:
        """The restrictions that ending all contact overrides while it lasts."""
        if self.ended is None:
            return ()
        return tuple(
            r
            for r in self.restrictions
            if r is not self.ended and r.kind != RestrictionKind.TERMINATION
        )

    @property
    def outlasting(self) -> tuple:
        """Overridden restrictions that still apply once all contact is no longer ended."""
        end = self.ended.ends_on if self.ended is not None else None
        return tuple(
            r for r in self.overridden if end is None or r.ends_on is None or r.ends_on > end
        )


def _detail(restriction) -> str:
    return KINDS[restriction.kind].words(restriction) or ""


def _key(restriction) -> object:
    """What makes two restrictions of one kind say the same thing."""
    if restriction.kind == RestrictionKind.CHANNEL_ONLY:
        # A channel not recorded is taken as email, as the customer is told (wording._said).
        return restriction.channel or ContactRoute.EMAIL
    if restriction.kind == RestrictionKind.NAMED_MANAGER:
        manager = restriction.named_manager
        return getattr(manager, "id", None) or _detail(restriction)
    return " ".join(_detail(restriction).split()).casefold()


def _parts(restrictions: Sequence, kind: RestrictionKind, value) -> tuple[Part, ...]:
    grouped: dict[object, list] = {}
    for r in restrictions:
        if r.kind == kind:
            grouped.setdefault(_key(r), []).append(r)
    return tuple(Part(value(rs[0]), tuple(rs)) for rs in grouped.values())


def combine(restrictions: Sequence) -> Combination:
    """Read the restrictions in force for one customer as one (see the module's rules)."""
    ordered = tuple(
        sorted(restrictions, key=lambda r: (r.review_on, getattr(r, "starts_on", date.min)))
    )
    channels = _parts(ordered, RestrictionKind.CHANNEL_ONLY, _key)
    schedules = _parts(ordered, RestrictionKind.SET_TIMES, lambda r: r.schedule.strip())
    ruled_out: tuple = ()
    if channels and schedules:
        # Letter or email only: no calls, at set times or otherwise.
        ruled_out = tuple(r for part in schedules for r in part.sources)
        schedules = ()
    terminations = [r for r in ordered if r.kind == RestrictionKind.TERMINATION]
    ended = max(terminations, key=lambda r: r.ends_on or date.max) if terminations else None
    ends = tuple(sorted(((r, r.ends_on) for r in ordered if r.ends_on), key=lambda e: e[1]))
    return Combination(
        restrictions=ordered,
        channels=channels,
        channels_clash=len(channels) > 1,
        managers=_parts(ordered, RestrictionKind.NAMED_MANAGER, lambda r: r.named_manager),
        representatives=_parts(
            ordered, RestrictionKind.THIRD_PARTY, lambda r: r.third_party.strip()
        ),
        schedules=schedules,
        calls_ruled_out_by=ruled_out,
        ended=ended,
        next_review_on=min((r.review_on for r in ordered), default=None),
        ends=ends,
    )


# --- What a colleague on the phone is told (staff pages are in English only). ---


@dataclass(frozen=True)
class AllowedTogether:
    """What contact IS allowed under all the restrictions in force, as one flag."""

    headline: str
    how: list[str]
    until: str
    # What a colleague must know about how the restrictions meet (a clash, one overriding).
    notes: list[str]
    # Each restriction, as the flag says it alone: where each part comes from.
    each: list[tuple[object, AllowedContact]]


def _either(words: Sequence[str]) -> str:
    words = [w for w in words if w]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _manager_name(manager) -> str:
    return (
        manager.name if manager is not None else str(KINDS[RestrictionKind.NAMED_MANAGER].unnamed)
    )


def _channel_words(part: Part) -> str:
    return str(part.value.title).lower()


def staff_statement(restrictions: Sequence) -> AllowedTogether:
    """Say the restrictions in force as one flag a colleague can act on in five seconds."""
    c = combine(restrictions)
    each = [(r, allowed_contact(r)) for r in c.restrictions]
    notes: list[str] = []
    if c.ended is not None:
        alone = allowed_contact(c.ended)
        if c.outlasting:
            notes.append(
                "Ending all contact overrides the other restrictions until "
                f"{long_date(c.ended.ends_on)}; after that they apply: "
                + "; ".join(allowed_contact(r).headline for r in c.outlasting)
                + "."
            )
        return AllowedTogether(alone.headline, [alone.how], _staff_until(c), notes, each)
    pieces: list[str] = []
    how: list[str] = []
    if c.channels:
        channel = _either([_channel_words(p) for p in c.channels])
        pieces.append(f"by {channel} only")
        how.append(
            f"Accept contact by {channel}. Politely end calls and visits and ask them to use "
            f"{channel}."
        )
        if c.channels_clash:
            notes.append(
                f"The restrictions name different channels: accept {channel}, and review the "
                "restrictions together."
            )
    if c.representatives:
        names = _either([p.value for p in c.representatives])
        pieces.append(f"from {names} (the customer's representative)")
        how.append(f"Deal with {names}, not the customer directly.")
    if c.managers:
        names = _either([_manager_name(p.value) for p in c.managers])
        pieces.append(f"through {names}")
        how.append(f"Take a message and pass it to {names}; do not deal with the matter yourself.")
        if len(c.managers) > 1:
            notes.append("The restrictions name different managers: review them together.")
    headline = "Contact " + ", ".join(pieces) if pieces else ""
    if c.schedules:
        times = "; ".join(p.value for p in c.schedules)
        headline = f"{headline}, calls only at set times" if headline else "Calls only at set times"
        how.append(f"Take calls only: {times}. Outside those times, ask them to call back then.")
    if c.calls_ruled_out_by:
        times = "; ".join(r.schedule.strip() for r in c.calls_ruled_out_by)
        notes.append(
            f"The set times for calls ({times}) do not open calls while contact is by "
            f"{_either([_channel_words(p) for p in c.channels])} only."
        )
    return AllowedTogether(headline, how, _staff_until(c), notes, each)


def _staff_until(c: Combination) -> str:
    until = f"first review due by {long_date(c.next_review_on)}"
    if c.ends and c.ends[0][1] < c.next_review_on:
        until = f"until {long_date(c.ends[0][1])} for one of them, " + until
    return until
