"""The administrator's API token pages: make (secret shown once), list, revoke."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal import db
from portal.api.models import ApiToken
from portal.audit.models import AuditEvent
from portal.auth.models import Role
from tests.factories import portal_account

LIST = "/staff/admin/api-tokens"
SECRET = re.compile(r"ccp_[A-Za-z0-9_-]{43}")


def _make(client, token, name="Housing system", key=None):
    page = client.get(LIST).get_data(as_text=True)
    key = key or re.search(r'name="submission_key"[^>]*value="([^"]+)"', page)
    key = key if isinstance(key, str) else key.group(1)
    return client.post(
        LIST, data={"csrf_token": token(LIST), "submission_key": key, "name": name}
    ), key


def test_admin_makes_a_token_and_sees_the_secret_once(client, sign_in, admin, token):
    sign_in(admin)
    response, key = _make(client, token)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    secret = SECRET.search(text).group(0)
    assert "copy it now" in text
    assert "no-store" in response.headers["Cache-Control"]
    assert "Set-Cookie" not in response.headers or secret not in response.headers["Set-Cookie"]
    row = db.session.scalar(select(ApiToken))
    assert row.prefix == secret[:12] and secret not in row.secret_hash
    listing = client.get(LIST).get_data(as_text=True)
    assert row.prefix in listing and secret not in listing
    # The same form sent again makes nothing and never shows the secret.
    again, _ = _make(client, token, key=key)
    assert again.status_code == 303
    assert len(db.session.scalars(select(ApiToken)).all()) == 1
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "api_token.created" in actions


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_bad_name_is_said_beside_the_field(client, sign_in, admin, token, name):
    sign_in(admin)
    response, _ = _make(client, token, name=name)
    assert response.status_code in (400, 422)
    assert db.session.scalar(select(ApiToken)) is None


def test_missing_csrf_saves_nothing(client, sign_in, admin):
    sign_in(admin)
    response = client.post(LIST, data={"name": "Housing system"})
    assert response.status_code == 400
    assert db.session.scalar(select(ApiToken)) is None


def test_revoke_asks_then_revokes_and_twice_is_told(client, sign_in, admin, token, api_secret):
    api_secret("Old system")
    row = db.session.scalar(select(ApiToken))
    sign_in(admin)
    url = f"{LIST}/{row.id}/revoke"
    confirm = client.get(url)
    assert confirm.status_code == 200 and "Old system" in confirm.get_data(as_text=True)
    done = client.post(url, data={"csrf_token": token(url)}, follow_redirects=True)
    assert "revoked" in done.get_data(as_text=True)
    db.session.refresh(row)
    assert row.revoked_at is not None and row.revoked_by_id == admin.id
    twice = client.post(url, data={"csrf_token": token(LIST)}, follow_redirects=True)
    assert "already been revoked" in twice.get_data(as_text=True)
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("api_token.revoked") == 1


def test_unknown_token_is_404(client, sign_in, admin):
    sign_in(admin)
    assert client.get(f"{LIST}/99999/revoke").status_code == 404
    assert client.get(f"{LIST}/99999999999999/revoke").status_code == 404


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
def test_other_staff_are_refused(client, sign_in, make_staff, api_secret, role):
    api_secret()
    row = db.session.scalar(select(ApiToken))
    sign_in(make_staff(role))
    assert client.get(LIST).status_code == 403
    assert client.get(f"{LIST}/{row.id}/revoke").status_code == 403
    assert client.post(LIST, data={"name": "x"}).status_code in (400, 403)


def test_customer_and_signed_out_are_refused(client, sign_in, make_customer, clock):
    assert client.get(LIST).status_code in (302, 303)
    customer = make_customer()
    account = portal_account(customer, "c@test.example", "a long password 123", clock.now)
    db.session.add(account)
    db.session.commit()
    sign_in(account)
    assert client.get(LIST).status_code in (302, 303, 403)
