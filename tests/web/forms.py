"""Valid form data for the web tests, and one check for a field's error message."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp

from portal import db
from portal.auth import two_factor
from portal.timeutil import utcnow
from tests.pages import check_page, errors_on


def incident_form(customer, manager, **overrides) -> dict:
    """A complete, valid Customer Conduct Reporting Form as a browser would send it."""
    data = {
        "customer_reference": customer.reference,
        "occurred_on": "2026-11-23",
        "occurred_time": "09:15",
        "channel": "phone",
        "location": "",
        "service_area": "Repairs",
        "categories": ["aggressive_or_abusive"],
        "example_types": ["verbal_abuse"],
        "description": "Shouted and swore at me about the leak, then hung up.",
        "immediate_action": "Ended the call.",
        "witnesses": "",
        "injury_details": "",
        "police_informed": "no",
        "police_informed_on": "",
        "police_informed_time": "",
        "crime_reference": "",
        "line_manager_id": str(manager.id),
    }
    data.update(overrides)
    return data


def review_form(**overrides) -> dict:
    """A complete Panel review: every §7.2 box ticked, outcome a warning."""
    from portal.panel.models import CONTEXT_CONSIDERATIONS

    data = {
        "context_considered": list(CONTEXT_CONSIDERATIONS),
        "context_notes": "The anger was about the leak; the abuse went beyond it.",
        "vulnerability_notes": "",
        "support_referral_to": "",
        "eia_notes": "",
        "outcome": "warning",
        "reasons": "Personal verbal abuse of a colleague on the phone.",
        "letter_summary": "You swore at our colleague on the phone about the leak.",
    }
    data.update(overrides)
    return data


def assert_field_error(response, field_id: str, says: str | None = None, status: int = 422):
    """Assert the page was refused with a message next to ``field_id``, linked from the summary.

    Radios and checkboxes are linked through their first option (``<id>-0``).
    """
    soup = check_page(response, status)
    assert soup.title.get_text().startswith("Error:"), soup.title
    errors = errors_on(soup)
    target = field_id if field_id in errors else f"{field_id}-0"
    assert target in errors, f"no error for {field_id}: {errors}"
    assert soup.find(id=target) is not None, f"the summary links to #{target}, which is missing"
    message = soup.find(id=f"{field_id}-error")
    assert message is not None, f"no message next to {field_id}"
    if says:
        assert says in errors[target], errors[target]
        assert says in message.get_text(), message.get_text()
    return soup


def give_second_factor(client, user) -> None:
    """After the password: the code from the person's authenticator app, through the form.

    The app is set up (at the test's clock, a step back) if it is not yet, so the code given
    now is one not used before.
    """
    now = utcnow()
    if not two_factor.is_set_up(user):
        before = now - timedelta(seconds=30)
        two_factor.start_enrolment(user, before)
        two_factor.confirm_enrolment(user, before, pyotp.TOTP(user.totp_secret).at(before))
        db.session.commit()
    page = client.get("/staff/sign-in/code")
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.data).group(1)
    response = client.post(
        "/staff/sign-in/code",
        data={"csrf_token": token.decode(), "code": pyotp.TOTP(user.totp_secret).at(now)},
    )
    assert response.status_code == 303, response.data[:500]
