"""Each kind of restriction (§8.19) in one row: the one detail it names, what it needs besides,
and what a colleague is told it allows.

The terms (:mod:`~portal.restrictions.terms`), the request (:mod:`~portal.restrictions.requests`),
the flag colleagues read (:func:`~portal.restrictions.rules.allowed_contact`) and the customer's
own wording (:func:`~portal.restrictions.wording.your_contact`) all read :data:`KINDS`, so a
kind is added or changed here. The customer's sentences stay in
:mod:`~portal.restrictions.wording`, keyed by the same kinds: every message a customer reads is
checked there for its translations, and colleagues' pages are in English only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from portal.restrictions.models import RestrictionKind

# The detail columns of a restriction, as they are when a kind names none of them.
NO_DETAIL: dict[str, object] = {
    "channel": None,
    "named_manager_id": None,
    "schedule": "",
    "third_party": "",
}


@dataclass(frozen=True)
class KindRule:
    """What one kind of restriction needs, and what colleagues are told it allows."""

    # The column that says how, through whom or when (one of NO_DETAIL; None: no detail).
    detail: str | None
    # The name the sentences about this kind give the detail's words, e.g. "%(name)s".
    placeholder: str | None
    # Said beside the detail's field when it is missing (colleagues read it: English).
    missing: str
    # What a colleague on the phone is told: a headline and what to do.
    headline: object
    how: object
    # The detail in words, or None when it is not recorded.
    words: Callable[[object], str | None] = lambda restriction: None
    # What a colleague is told in place of a detail not recorded.
    unnamed: object = ""
    # Said when a kind that must have an end date (§8.19) has none; "" if it need not.
    needs_end: str = ""
    # Said when a kind open only after a serious incident (§8.1) is chosen without one.
    needs_serious_incident: str = ""
    # Ends all contact: asked for only once all other methods are exhausted (§9.5).
    ends_all_contact: bool = False

    def detail_of(self, terms) -> object:
        """The detail ``terms`` (a restriction or its spec) gives for this kind, or None."""
        return getattr(terms, self.detail) if self.detail else None

    def staff_words(self, restriction) -> str:
        """The detail as a colleague reads it (the placeholder's value)."""
        words = self.words(restriction)
        return str(self.unnamed) if words is None else words


def _channel(restriction) -> str | None:
    return str(restriction.channel.title).lower() if restriction.channel else None


def _manager(restriction) -> str | None:
    return restriction.named_manager.name if restriction.named_manager else None


KINDS: dict[RestrictionKind, KindRule] = {
    RestrictionKind.CHANNEL_ONLY: KindRule(
        detail="channel",
        placeholder="channel",
        missing="Choose the channel the customer may use",
        headline=_l("Contact by %(channel)s only"),
        how=_l(
            "Accept contact by %(channel)s. Politely end calls and visits and ask them to use "
            "%(channel)s."
        ),
        words=_channel,
        unnamed=_l("the named channel"),
    ),
    RestrictionKind.NAMED_MANAGER: KindRule(
        detail="named_manager_id",
        placeholder="name",
        missing="Choose the manager the customer deals with",
        headline=_l("Contact only through %(name)s"),
        how=_l("Take a message and pass it to %(name)s; do not deal with the matter yourself."),
        words=_manager,
        unnamed=_l("the manager"),
    ),
    RestrictionKind.SET_TIMES: KindRule(
        detail="schedule",
        placeholder="schedule",
        missing="Give the days and times, or the contact agreement",
        headline=_l("Calls only at set times"),
        how=_l("Take calls only: %(schedule)s. Outside those times, ask them to call back then."),
        words=lambda restriction: restriction.schedule,
    ),
    RestrictionKind.THIRD_PARTY: KindRule(
        detail="third_party",
        placeholder="name",
        missing="Name the third-party representative",
        headline=_l("Contact only through %(name)s"),
        how=_l("Deal with %(name)s, not the customer directly."),
        words=lambda restriction: restriction.third_party,
    ),
    RestrictionKind.TERMINATION: KindRule(
        detail=None,
        placeholder=None,
        missing="",
        headline=_l("All contact ended for a period"),
        how=_l(
            "Do not respond to calls, emails or visits. Pass any letter or email received to the "
            "Customer Conduct Panel: it is read and checked for new information or safeguarding "
            "concerns."
        ),
        needs_end="Ending all contact must have an end date",
        needs_serious_incident=(
            "Ending all contact is only possible after a serious incident (§8.1, §8.19)"
        ),
        ends_all_contact=True,
    ),
}


def say(text, rule: KindRule, words: str | None) -> str:
    """``text`` (a lazy message) with the kind's detail put in, if the kind names one."""
    if rule.placeholder is None or words is None:
        return str(text)
    return str(text) % {rule.placeholder: words}
