"""A customer's draft appeal, read for one of its pages: the draft itself, or where to go
instead once it was sent or closed; and its questions, kept as rendered while nothing they
show has changed (portal/kept_pages.py)."""

from __future__ import annotations

from flask import abort, redirect, request, url_for

from portal import kept_pages, page_stamps
from portal.appeals import lodging
from portal.customer import signed_in_customer
from portal.customer.appeal_forms import AnswerForm
from portal.timeutil import london_date, utcnow


def draft_or_progress(appeal_id: int):
    """The signed-in customer's draft ``appeal_id`` and None, or it and where to go instead
    (sent, or closed); 404 for anyone else's or none."""
    if appeal_id > 2**31 - 1:
        abort(404)
    row = lodging.with_decision_appealed(appeal_id)
    if row is None or row.Appeal.customer_id != signed_in_customer().customer_id:
        abort(404)
    appeal = row.Appeal
    if not appeal.is_draft:
        return appeal, redirect(url_for("customer.appeal", appeal_id=appeal.id), 303)
    if row.appealed:
        # Left unsent because its decision was appealed another way (appeals._closed).
        return appeal, redirect(url_for("customer.appeals_index"), 303)
    return appeal, None


class _Elsewhere(Exception):
    """The draft was sent, or closed: the page is not shown (nor kept), ``response`` instead."""

    def __init__(self, response):
        self.response = response


def kept_question(appeal_id: int, form_class: type[AnswerForm], template: str, **extra):
    """A question of the draft appeal with the answer kept so far: the whole page, kept as
    rendered while the customer's page stamps stand (a saved answer, a sent draft or another
    appeal moves them), for this address (which question, and where Back goes) and day."""
    customer_id = signed_in_customer().customer_id
    stamps = page_stamps.current(customer_id)  # before anything the page shows
    today = london_date(utcnow())
    key = ("appeal question", customer_id, appeal_id, stamps, today, request.full_path)

    def values() -> dict:
        appeal, sent = draft_or_progress(appeal_id)
        if sent:
            raise _Elsewhere(sent)
        form = form_class(data=form_class.kept(appeal))
        return {"appeal": appeal, "form": form, **extra}

    try:
        return kept_pages.content(template, key, values)
    except _Elsewhere as elsewhere:
        return elsewhere.response
