"""Fixtures for the API: an administrator, a token, and calls with it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal import db
from portal.auth.models import Role
from portal.customers.services import raise_alert
from tests.concurrency.conftest import live, signed_in  # noqa: F401  (for the race tests)


@pytest.fixture
def admin(make_staff):
    return make_staff(Role.ADMIN, name="Ada Admin")


@pytest.fixture
def api_secret(app, admin, clock):
    """A new flags:read token's secret."""
    from portal.api.tokens import create_token

    def _make(name: str = "Housing system") -> str:
        _token, secret = create_token(admin, clock.now, name)
        db.session.commit()
        return secret

    return _make


@pytest.fixture
def api(client, api_secret):
    """``api(path, **headers)``: a GET with a fresh token (or ``secret=``)."""
    state = {}

    def _get(path: str, secret: str | None = None, **headers):
        if secret is None:
            if "secret" not in state:
                state["secret"] = api_secret()
            secret = state["secret"]
        headers = {k.replace("_", "-"): v for k, v in headers.items()}
        headers.setdefault("Authorization", f"Bearer {secret}")
        return client.get(path, headers=headers)

    return _get


@pytest.fixture
def alert_on(app, panel_member, clock):
    def _raise(customer, now=None, summary="Dog on site", advice="Call before visiting"):
        alert = raise_alert(panel_member, now or clock.now, customer, summary, advice)
        db.session.commit()
        return alert

    return _raise


@pytest.fixture
def restrictions_in_force(
    app,
    clock,
    final_warning_for,
    make_request,
    approve_request,
    panel_member,
    organisation_ready,
):
    """``restrictions_in_force(customer, [spec fields, ...], now=...)``: one decision making
    several restrictions, its letter handed over at ``now``."""
    from portal.restrictions import services as restrictions
    from portal.restrictions.models import Delivery
    from portal.timeutil import london_date
    from tests.restriction_factories import make_reachable, spec

    def _make(customer, many: list[dict], now=None, starts_on=None):
        now = now or clock.now
        make_reachable(customer, Delivery.HAND, now)
        final_warning_for(customer)
        request = make_request(customer, now=now - timedelta(hours=2))
        start = starts_on or london_date(now)
        created = approve_request(
            request, now=now - timedelta(hours=1), specs=[spec(start, **f) for f in many]
        )
        restrictions.issue_decision_letter(panel_member, now, created, Delivery.HAND)
        db.session.commit()
        return created

    return _make
