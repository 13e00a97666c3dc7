"""The email that tells a customer a letter is waiting for them (in the portal, or sent by
email), in their language first where the letter has it.

Customers read these words: this module is one of the translation check's customer sources.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from portal import db
from portal.accounts.access import PortalAccess, letter_access, portal_address
from portal.accounts.models import CustomerAccount
from portal.i18n import long_date
from portal.letters.models import Letter
from portal.organisation.services import get_organisation
from portal.outbox.services import enqueue
from portal.restrictions.models import Delivery  # the ways a letter goes, one enum for all


def portal_account(customer) -> CustomerAccount | None:
    """The customer's active portal account, if they have one."""
    return db.session.scalar(
        select(CustomerAccount).where(
            CustomerAccount.customer_id == customer.id, CustomerAccount.active.is_(True)
        )
    )


def email_address(customer, account: CustomerAccount | None = None) -> str:
    """Where to email the customer: their portal account's address, else the record's."""
    if account is not None and account.email.strip():
        return account.email.strip()
    return (customer.email or "").strip()


def tell_customer(
    actor,
    now: datetime,
    customer,
    letter: Letter,
    delivery: Delivery,
    access: PortalAccess | None = None,
) -> None:
    """Email the customer that ``letter`` is waiting for them (portal and email delivery).

    By email, a customer without an account gets the access code that opens one (``access``,
    or a new code issued now), so the email alone lets them read the letter.
    """
    if delivery not in (Delivery.PORTAL, Delivery.EMAIL):
        return
    account = portal_account(customer)
    address = email_address(customer, account)
    if not address:
        return
    if account is None and (access is None or not access.code):
        access = letter_access(actor, now, customer)
    elif account is not None:
        access = None
    subject, body = _email(customer, letter, delivery, access)
    enqueue(address, subject, body, now, dedupe_key=f"letter:{letter.id}:told")


def _email(customer, letter: Letter, delivery: Delivery, access) -> tuple[str, str]:
    """The email in English, with the customer's language first where the letter has it."""
    with force_locale("en"):
        subject, body = _compose(customer, letter, letter.subject, delivery, access)
    if letter.language != "en":
        with force_locale(letter.language):
            own_subject, own_body = _compose(
                customer, letter, letter.translation_subject or letter.subject, delivery, access
            )
        subject = f"{own_subject} / {subject}"
        body = f"{own_body}\n\n----------\n\n{body}"
    return subject, body


def _compose(customer, letter: Letter, title: str, delivery: Delivery, access) -> tuple[str, str]:
    org = get_organisation()
    paragraphs = [
        _("Dear %(name)s,", name=customer.name),
        _("We have sent you a letter: %(title)s.", title=title),
        _(
            "Read it on our website, Your contact with us: %(url)s",
            url=portal_address(f"/letters/{letter.id}"),
        ),
    ]
    if access is not None and access.code:
        paragraphs.append(
            _(
                "You do not have a portal account yet. Go to %(url)s and enter your reference, "
                "%(ref)s, and this access code: %(code)s. The code works once, until %(date)s.",
                url=access.url,
                ref=customer.reference,
                code=access.code,
                date=long_date(access.expires_on),
            )
        )
    if delivery == Delivery.EMAIL:
        paragraphs.append(
            _("If you cannot use the portal, tell us and we will send you the letter another way.")
        )
    paragraphs.append(org.name)
    return _("We have sent you a letter"), "\n\n".join(paragraphs)
