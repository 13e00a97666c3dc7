"""GET /api/v1/customers/<housing ref>/flag: the token, the flag, the ETag (§8.5, §8.21)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal import db
from portal.api.models import ApiCall, ApiToken
from portal.api.tokens import revoke_token, token_list
from portal.restrictions.models import RestrictionKind


@pytest.mark.policy("8.5")
def test_alert_is_on_the_flag(api, make_customer, alert_on):
    customer = make_customer(housing_ref="HMS-1")
    alert_on(customer)
    response = api("/api/v1/customers/HMS-1/flag")
    assert response.status_code == 200, response.data
    body = response.get_json()
    assert body["alerts"] == [
        {"summary": "Dog on site", "advice": "Call before visiting", "raised_on": "2026-11-23"}
    ]
    assert body["flagged"] is True
    assert body["contact"]["restricted"] is False
    assert body["contact"]["routes"] is None
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


@pytest.mark.policy("8.21")
def test_restriction_says_what_is_allowed(api, make_customer, restriction_in_force):
    customer = make_customer(housing_ref="HMS-2")
    restriction_in_force(customer)
    contact = api("/api/v1/customers/HMS-2/flag").get_json()["contact"]
    assert contact["restricted"] is True
    assert contact["routes"] == ["email"]
    assert contact["all_contact_ended"] is False
    assert contact["headline"] and contact["how"] and contact["until"]
    assert contact["next_review_on"] == "2027-05-23"
    assert [r["kind"] for r in contact["restrictions"]] == ["channel_only"]
    assert [r["route"] for r in contact["always_open"]] == ["complaints", "emergency_and_safety"]


@pytest.mark.policy("8.21")
def test_two_restrictions_are_read_as_one(api, make_customer, restrictions_in_force):
    customer = make_customer(housing_ref="HMS-3")
    restrictions_in_force(
        customer,
        [
            {},
            {
                "kind": RestrictionKind.THIRD_PARTY,
                "channel": None,
                "third_party": "Jo Bloggs (advocate)",
            },
        ],
    )
    contact = api("/api/v1/customers/HMS-3/flag").get_json()["contact"]
    assert contact["representatives"] == ["Jo Bloggs (advocate)"]
    assert contact["routes"] == ["email"]
    assert len(contact["restrictions"]) == 2
    assert "Jo Bloggs" in contact["headline"]


def test_etag_answers_304_until_the_flag_changes(api, make_customer, alert_on):
    customer = make_customer(housing_ref="HMS-4")
    first = api("/api/v1/customers/HMS-4/flag")
    etag = first.headers["ETag"]
    again = api("/api/v1/customers/HMS-4/flag", If_None_Match=etag)
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    alert_on(customer)
    changed = api("/api/v1/customers/HMS-4/flag", If_None_Match=etag)
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


def test_no_token_is_401(client, make_customer):
    make_customer(housing_ref="HMS-5")
    response = client.get("/api/v1/customers/HMS-5/flag")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"] == "unauthorized"


@pytest.mark.parametrize(
    "header",
    ["Basic abc", "Bearer", "Bearer ccp_short", "Bearer " + "ccp_" + "x" * 43, "Bearer é\u202e"],
)
def test_malformed_or_unknown_token_is_401(client, make_customer, header):
    make_customer(housing_ref="HMS-6")
    response = client.get(
        "/api/v1/customers/HMS-6/flag", headers={"Authorization": header.encode("utf-8")}
    )
    assert response.status_code == 401
    assert "Bearer" in response.headers["WWW-Authenticate"]


def test_revoked_token_is_401(api, api_secret, admin, clock, make_customer):
    make_customer(housing_ref="HMS-7")
    secret = api_secret()
    assert api("/api/v1/customers/HMS-7/flag", secret=secret).status_code == 200
    token = db.session.scalar(select(ApiToken).where(ApiToken.prefix == secret[:12]))
    revoke_token(admin, clock.now, token.id)
    db.session.commit()
    response = api("/api/v1/customers/HMS-7/flag", secret=secret)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_token_without_the_scope_is_403(api, api_secret, make_customer):
    make_customer(housing_ref="HMS-8")
    secret = api_secret()
    db.session.execute(update(ApiToken).values(scope="letters:read"))
    db.session.commit()
    response = api("/api/v1/customers/HMS-8/flag", secret=secret)
    assert response.status_code == 403
    assert response.get_json()["error"] == "insufficient_scope"


@pytest.mark.parametrize(
    "ref",
    ["NOPE", "HMS-9%00", "%F0%9F%98%80" * 5, "a" * 41, "%E2%80%AE", "..%2F..", "x/y/z", "%ff"],
)
def test_unknown_or_odd_reference_is_404_json(api, make_customer, ref):
    make_customer(housing_ref="HMS-9")
    response = api(f"/api/v1/customers/{ref}/flag")
    assert response.status_code == 404
    assert response.is_json
    assert "HMS-9" not in response.get_data(as_text=True)


def test_customer_without_a_housing_ref_is_not_found(api, make_customer):
    customer = make_customer()
    response = api(f"/api/v1/customers/{customer.reference}/flag")
    assert response.status_code == 404
    assert api("/api/v1/customers//flag").status_code == 404


def test_reference_with_a_slash_is_found(api, make_customer):
    make_customer(housing_ref="EST/12/3")
    response = api("/api/v1/customers/EST/12/3/flag")
    assert response.status_code == 200
    assert response.get_json()["housing_ref"] == "EST/12/3"


def test_every_call_is_recorded(api, client, make_customer, clock):
    make_customer(housing_ref="HMS-10")
    api("/api/v1/customers/HMS-10/flag")
    api("/api/v1/customers/NOPE/flag")
    client.get("/api/v1/customers/HMS-10/flag")
    calls = db.session.scalars(select(ApiCall).order_by(ApiCall.id)).all()
    assert [(c.status, c.customers, c.token_id is not None) for c in calls] == [
        (200, 1, True),
        (404, 0, True),
        (401, 0, False),
    ]
    assert calls[0].path == "/api/v1/customers/HMS-10/flag"
    (row,) = token_list(clock.now)
    assert row.last_used_at == calls[-2].at and row.calls_last_day == 2


def test_rate_limit_is_429_with_retry_after(app, api, make_customer, clock):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    make_customer(housing_ref="HMS-11")
    for _ in range(3):
        assert api("/api/v1/customers/HMS-11/flag").status_code == 200
    refused = api("/api/v1/customers/HMS-11/flag")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    clock.now += timedelta(minutes=2)
    assert api("/api/v1/customers/HMS-11/flag").status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_only_reads(client, api_secret, method):
    response = getattr(client, method)(
        "/api/v1/flags", headers={"Authorization": f"Bearer {api_secret()}"}
    )
    assert response.status_code == 405
    assert response.is_json


def test_unknown_address_is_json_404(client):
    response = client.get("/api/v1/nothing/here")
    assert response.status_code == 404
    assert response.is_json


def test_openapi_describes_every_route(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    described = set(document["paths"])
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.unknown":
            path = rule.rule.removeprefix("/api/v1").replace("<path:housing_ref>", "{housing_ref}")
            assert path in described
    flag = document["paths"]["/customers/{housing_ref}/flag"]["get"]["responses"]
    assert {"200", "304", "401", "403", "404", "429"} <= set(flag)
    feed = document["paths"]["/flags"]["get"]["responses"]
    assert {"200", "400", "401", "403", "429"} <= set(feed)


def test_one_flag_takes_a_fixed_number_of_queries(
    api, make_customer, alert_on, restrictions_in_force, count_queries
):
    plain = make_customer(housing_ref="Q-1")
    busy = make_customer(housing_ref="Q-2")
    for _ in range(3):
        alert_on(busy)
    restrictions_in_force(
        busy,
        [{}, {"kind": RestrictionKind.THIRD_PARTY, "channel": None, "third_party": "Jo"}],
    )
    api("/api/v1/customers/Q-1/flag")  # the token's first use
    with count_queries() as q:
        assert api(f"/api/v1/customers/{busy.housing_ref}/flag").status_code == 200
    busy_count = q.count
    with count_queries() as q:
        assert api(f"/api/v1/customers/{plain.housing_ref}/flag").status_code == 200
    assert q.count <= busy_count <= 12


def test_guessing_tokens_from_one_address_is_held_back(app, client):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    guess = {"Authorization": "Bearer ccp_" + "A" * 43}
    answers = [client.get("/api/v1/flags", headers=guess).status_code for _ in range(4)]
    assert answers == [401, 401, 401, 429]
    assert "Set-Cookie" not in client.get("/api/v1/flags", headers=guess).headers
