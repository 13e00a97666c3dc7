"""API tokens under real concurrent requests: one form sent many times at once makes one
token (its secret shown once), a token revoked by many at once is revoked once, and calls
made at the same moment are each recorded."""

from __future__ import annotations

import json
import re
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest
from sqlalchemy import func, select

from portal import db
from portal.api.models import ApiCall, ApiToken
from portal.audit.models import AuditEvent
from portal.auth.models import Role
from tests.concurrency.conftest import N, committed, race

pytestmark = pytest.mark.concurrency

LIST = "/staff/admin/api-tokens"


def _hidden(browser) -> dict:
    page = browser.get(LIST).text
    return {
        name: re.search(rf'name="{name}"[^>]*value="([^"]+)"', page).group(1)
        for name in ("csrf_token", "submission_key")
    }


def test_one_form_sent_many_times_makes_one_token(live, signed_in, admin):
    browser = signed_in(admin)
    data = {**_hidden(browser), "name": "Housing system"}
    answers = race([lambda: browser.request("POST", LIST, data) for _ in range(N)])
    assert sorted(a.status for a in answers) == [200] + [303] * (N - 1)
    assert committed(ApiToken) == 1
    shown = [a for a in answers if a.status == 200][0]
    assert "copy it now" in shown.text
    assert sum("ccp_" in a.text for a in answers) == 1


def test_revoked_by_many_at_once_is_revoked_once(live, signed_in, make_staff, api_secret):
    api_secret()
    token_id = db.session.scalar(select(ApiToken.id))
    path = f"{LIST}/{token_id}/revoke"
    browsers = [signed_in(make_staff(Role.ADMIN)) for _ in range(N)]
    tokens = [b.token(path) for b in browsers]
    answers = race(
        [
            lambda b=b, t=t: b.request("POST", path, {"csrf_token": t})
            for b, t in zip(browsers, tokens, strict=True)
        ]
    )
    assert [a.status for a in answers] == [303] * N
    db.session.rollback()
    revoked = db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "api_token.revoked")
    )
    assert revoked == 1


def test_calls_at_the_same_moment_are_each_recorded(live, api_secret, make_customer):
    secret = api_secret()
    make_customer(housing_ref="RACE-1")

    def call():
        request = Request(
            live.url + "/api/v1/customers/RACE-1/flag",
            headers={"Authorization": f"Bearer {secret}"},
        )
        try:
            with urlopen(request, timeout=60) as answer:
                return answer.status, json.loads(answer.read())
        except HTTPError as answer:
            return answer.code, None

    answers = race([call for _ in range(N)])
    assert [status for status, _body in answers] == [200] * N
    assert committed(ApiCall, ApiCall.status == 200) == N
