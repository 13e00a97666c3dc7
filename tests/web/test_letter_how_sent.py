"""The staff page of an issued letter says how and when it was sent (issue 16, point 8): the
way its record kept, where it went, the day a posted decision letter is taken as received,
and the email that told the customer it was there; a letter whose way was never kept says so
and why."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import db
from portal.appeals import services as appeals
from portal.conduct_warnings.models import ConductWarning
from portal.letters.delivery import Delivery
from portal.outbox.models import EmailStatus, OutboxEmail
from tests.pages import check_page


def _how_sent(client, letter_id: int) -> str:
    page = check_page(client.get(f"/staff/letters/{letter_id}"))
    return " ".join(page.select_one("#how-sent").get_text(" ").split())


@pytest.mark.policy("8.20")
def test_point8_a_posted_decision_letter_says_when_it_went_where_and_when_it_counts_from(
    client, sign_in, panel_member, restriction_in_force, make_customer
):
    customer = make_customer(address="4 Canal Street, Manchester M1 3HE")
    restriction = restriction_in_force(customer=customer, delivery=Delivery.POST)
    sign_in(panel_member)
    said = _how_sent(client, restriction.letter_id)
    assert "Sent by post on 23 November 2026." in said
    assert "Postal address on the customer's record now: 4 Canal Street, Manchester M1 3HE" in said
    received = f"{restriction.notified_on:%A} {restriction.notified_on.day} November 2026"
    assert restriction.notified_on > restriction.approved_at.date()
    assert f"Taken as received on {received}" in said


@pytest.mark.policy("8.9")
def test_point8_a_warning_sent_by_email_names_the_email_and_whether_it_went(
    client, sign_in, panel_member, make_customer, make_incident, review_incident, clock
):
    from portal.conduct_warnings.services import issue_warning

    customer = make_customer(email="dee@customer.test")
    incident = make_incident(customer, now=clock.now - timedelta(hours=3))
    review_incident(incident, clock.now - timedelta(hours=2))
    warning = issue_warning(panel_member, clock.now, incident, Delivery.EMAIL)
    db.session.commit()
    sign_in(panel_member)
    said = _how_sent(client, warning.letter_id)
    assert "Sent by email on 23 November 2026." in said
    assert "to dee@customer.test: waiting to be sent." in said

    email = db.session.scalar(
        select(OutboxEmail).where(OutboxEmail.dedupe_key == f"letter:{warning.letter_id}:told")
    )
    email.status, email.sent_at = EmailStatus.SENT, clock.now + timedelta(days=1)
    db.session.commit()
    assert "to dee@customer.test: sent on Tuesday 24 November 2026." in _how_sent(
        client, warning.letter_id
    )


@pytest.mark.policy("8.15")
def test_point8_an_arrangement_letter_given_by_hand_says_so(
    client, sign_in, panel_member, make_customer, make_arrangement
):
    arrangement = make_arrangement(make_customer())
    sign_in(panel_member)
    said = _how_sent(client, arrangement.letter_id)
    assert said == "Given by hand on 23 November 2026."


def test_point8_a_letter_sent_before_the_way_was_kept_says_it_is_not_recorded_and_why(
    client, sign_in, panel_member, make_customer, give_warning, clock
):
    warning = give_warning(make_customer(), clock.now - timedelta(days=2))
    row = db.session.get(ConductWarning, warning.id)
    row.delivery, row.sent_at = None, None
    db.session.commit()
    sign_in(panel_member)
    said = _how_sent(client, warning.letter_id)
    assert said.startswith("Not recorded how this letter was sent.")
    assert "issued before the portal kept how each letter was sent" in said


@pytest.mark.policy("9.1")
def test_point8_an_appeal_letter_says_its_way_is_not_kept(
    client, sign_in, make_staff, restriction_in_force, clock
):
    from portal.auth.models import Role

    cem = make_staff(Role.CEM, name="Cara Experience")
    restriction = restriction_in_force()
    appeal = appeals.start_draft(clock.now, restriction)
    appeals.save_answers(clock.now, appeal, appeals.Answers(grounds="It was mistaken."))
    appeals.lodge(restriction.customer, clock.now, appeal, "k")
    letter = appeals.acknowledge(cem, clock.now, appeal)
    db.session.commit()
    sign_in(cem)
    said = _how_sent(client, letter.id)
    assert said.startswith("Not recorded how this letter was sent. Letters about an appeal")
