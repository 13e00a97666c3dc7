"""After the Panel lifts one of a customer's restrictions at review (§10.1), the customer's own
pages say what still applies: their home lists the restriction that remains, and the letter
page shows the review letter naming it, never "the usual ways"."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal import db
from portal.accounts import services as accounts
from portal.auth.models import Role
from portal.restrictions.models import Restriction, RestrictionKind
from portal.reviews import services as reviews
from portal.reviews.models import ReviewOutcome
from tests.conftest import csrf_token
from tests.restriction_factories import spec

TODAY = date(2026, 11, 23)  # the frozen clock's day
PASSWORD = "a long enough password"


@pytest.mark.policy("10.1")
def test_after_one_of_two_restrictions_is_lifted_the_customers_pages_say_what_still_applies(
    client, clock, make_staff, panel_member, restriction_in_force
):
    email_only = restriction_in_force(
        specs=[
            spec(TODAY),
            spec(
                TODAY,
                kind=RestrictionKind.SET_TIMES,
                channel=None,
                schedule="Tuesdays 10:00 to 11:00",
                review_on=date(2027, 3, 1),
            ),
        ]
    )
    customer = email_only.customer
    _record, code = accounts.issue_access_code(make_staff(Role.CEM), clock.now, customer)
    done = reviews.review_restriction(
        panel_member,
        clock.now,
        email_only,
        ReviewOutcome.LIFT,
        "No abusive emails for six months.",
        "",
        None,
    )
    db.session.commit()
    set_times = db.session.scalar(
        select(Restriction).where(
            Restriction.customer_id == customer.id, Restriction.id != email_only.id
        )
    )
    assert set_times.is_active

    signed_in = client.post(
        "/activate",
        data={
            "csrf_token": csrf_token(client, "/activate"),
            "reference": customer.reference,
            "code": code,
            "email": "deb@test.example",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert signed_in.status_code == 303

    home = " ".join(client.get("/home").text.split())
    assert "Call us only at the agreed times" in home
    assert "Contact us by email only" not in home  # lifted
    assert "You can contact us in any way you like" not in home

    letter = " ".join(client.get(f"/letters/{done.letter_id}").text.split())
    assert "What still applies" in letter
    assert "Call us only at the agreed times" in letter
    assert "1 March 2027" in letter
    assert "You can contact us in the usual ways again" not in letter
