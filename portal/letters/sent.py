"""How and when an issued letter was sent, for the staff page that shows it: the way its
record kept (the warning, arrangement, restriction or review it belongs to), the address it
went to, and the email that told the customer it was there (the outbox keeps that email's
address and whether it went).

Staff read these words (English only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from portal import db
from portal.arrangements.models import Arrangement
from portal.conduct_warnings.models import ConductWarning
from portal.i18n import long_date, plain_date
from portal.letters.delivery import sent_line
from portal.letters.models import Letter, LetterKind
from portal.outbox.models import EmailStatus, OutboxEmail
from portal.restrictions.models import Delivery, Restriction
from portal.reviews.models import RestrictionReview
from portal.timeutil import london_date


@dataclass(frozen=True)
class HowSent:
    """``line``: how and when, or "Not recorded how this letter was sent"; ``why``: why it is
    not recorded (empty when it is); ``to``: where it went, in words; ``received``: the day
    the customer is taken to have it, where that starts a count (a decision letter's appeal
    time, §9.1); ``told``: the email that told the customer it was there, in words."""

    line: str
    recorded: bool
    why: str = ""
    to: str = ""
    received: str = ""
    told: str = ""


NOT_KEPT_KINDS = {
    LetterKind.CORRESPONDENCE_ACK: "An acknowledgement of correspondence keeps no way of "
    "sending: it is in the customer's letters in the portal.",
    LetterKind.APPEAL_ACKNOWLEDGEMENT: "Letters about an appeal keep no way of sending: "
    "they are in the customer's letters in the portal.",
    LetterKind.LATE_APPEAL: "Letters about an appeal keep no way of sending: they are in the "
    "customer's letters in the portal.",
    LetterKind.APPEAL_OUTCOME: "Letters about an appeal keep no way of sending: they are in "
    "the customer's letters in the portal.",
}


def _route(letter: Letter) -> tuple[Delivery | None, datetime | None, date | None]:
    """The way the letter's own record kept, when it went, and (for a decision letter) the
    day the customer is taken to have it."""
    if letter.kind == LetterKind.WARNING:
        row = db.session.scalar(select(ConductWarning).where(ConductWarning.letter_id == letter.id))
        return (row.delivery, row.sent_at, None) if row else (None, None, None)
    if letter.kind == LetterKind.ARRANGEMENT:
        row = db.session.scalar(select(Arrangement).where(Arrangement.letter_id == letter.id))
        return (row.delivery, row.sent_at, None) if row else (None, None, None)
    if letter.kind == LetterKind.RESTRICTION_DECISION:
        row = db.session.scalar(
            select(Restriction).where(Restriction.letter_id == letter.id).limit(1)
        )
        if row is None or row.delivery is None:
            return None, None, None
        return row.delivery, letter.issued_at, row.notified_on
    if letter.kind == LetterKind.REVIEW_OUTCOME:
        row = db.session.scalar(
            select(RestrictionReview).where(RestrictionReview.letter_id == letter.id)
        )
        return (
            (row.delivery, letter.issued_at, None) if row and row.delivery else (None, None, None)
        )
    return None, None, None


def _told(letter: Letter) -> str:
    """The email that told the customer the letter was there, and whether it went."""
    email = db.session.scalar(
        select(OutboxEmail).where(OutboxEmail.dedupe_key == f"letter:{letter.id}:told")
    )
    if email is None:
        return ""
    if email.status == EmailStatus.SENT and email.sent_at is not None:
        state = f"sent on {long_date(london_date(email.sent_at))}"
    elif email.status == EmailStatus.FAILED:
        state = "not sent: the mail server refused it" + (
            f" ({email.last_error})" if email.last_error else ""
        )
    else:
        state = "waiting to be sent"
    return f"Email telling them the letter is there, to {email.to_address}: {state}."


def how_sent(letter: Letter, customer) -> HowSent:
    """How and when ``letter`` reached ``customer`` (its addressee), as its records keep it."""
    delivery, sent_at, received = _route(letter)
    told = _told(letter)
    if delivery is None or sent_at is None:
        why = NOT_KEPT_KINDS.get(
            letter.kind,
            "It was issued before the portal kept how each letter was sent "
            f"(issued on {plain_date(london_date(letter.issued_at))}).",
        )
        return HowSent("Not recorded how this letter was sent", False, why=why, told=told)
    to = ""
    if delivery == Delivery.POST:
        address = (customer.address or "").strip()
        to = (
            f"Postal address on the customer's record now: {address}."
            if address
            else "No postal address is on the customer's record now."
        )
    elif delivery == Delivery.PORTAL:
        to = "In the customer's letters in the portal."
    elif delivery == Delivery.EMAIL:
        to = "By email, with a link to read it in the portal."
    return HowSent(
        sent_line(delivery, sent_at),
        True,
        to=to,
        received=(
            f"Taken as received on {long_date(received)}: the time to appeal counts from then."
            if received and received != london_date(sent_at)
            else ""
        ),
        told=told,
    )
