"""Every request has an id, in its response, in every log line (JSON), and on the error pages."""

from __future__ import annotations

import json
import logging

import pytest
from flask import Flask

from portal import logs
from tests.pages import check_page

PASSWORD_TYPED = "Correct-Horse-Battery-9"


def _lines(caplog) -> list[dict]:
    formatter = logs.JsonFormatter()
    return [json.loads(formatter.format(record)) for record in caplog.records]


def _access_lines(caplog) -> list[dict]:
    return [line for line in _lines(caplog) if line["logger"] == logs.ACCESS_LOGGER]


@pytest.fixture
def logged(caplog):
    caplog.set_level(logging.INFO)
    return caplog


def test_a_request_writes_one_json_line_with_its_id_and_who_asked(client, logged, sign_in, people):
    sign_in(people.colleague)
    response = client.get("/staff/")
    assert response.status_code == 200
    request_id = response.headers["X-Request-ID"]
    (line,) = _access_lines(logged)
    assert line["request_id"] == request_id
    assert line["level"] == "INFO"
    assert line["time"].endswith("+00:00")
    assert line["method"] == "GET" and line["path"] == "/staff/" and line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["user_kind"] == "staff" and line["user_id"] == people.colleague.id


def test_anonymous_requests_are_logged_as_anonymous(client, logged):
    client.get("/")
    (line,) = _access_lines(logged)
    assert line["user_kind"] == "anonymous" and line["user_id"] is None


def test_logs_never_hold_what_was_typed(client, logged, token, people):
    client.post(
        "/staff/sign-in?next=/staff/",
        data={
            "csrf_token": token("/staff/sign-in"),
            "email": people.colleague.email,
            "password": PASSWORD_TYPED,
        },
    )
    written = "\n".join(json.dumps(line) for line in _lines(logged))
    assert PASSWORD_TYPED not in written
    assert people.colleague.email not in written
    assert "next=" not in written  # no query strings


@pytest.mark.fresh_app
def test_secret_parts_of_a_path_are_masked(app, client, logged):
    app.add_url_rule("/test/reset/<token>", "reset_test", lambda token: "ok")
    client.get("/test/reset/s3cret-t0ken-value")
    (line,) = _access_lines(logged)
    assert line["path"] == "/test/reset/[hidden]"


@pytest.mark.fresh_app
def test_the_500_page_shows_the_reference_that_is_in_the_log(app, client, logged):
    def _broken():
        raise RuntimeError("a bug")

    app.add_url_rule("/test/broken", "broken", _broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/test/broken", headers={"Accept-Language": "pl"})
    page = check_page(response, 500).get_text(" ", strip=True)
    request_id = response.headers["X-Request-ID"]
    assert request_id in page
    assert "Przepraszamy, wystąpił błąd" in page
    lines = _lines(logged)
    error = next(line for line in lines if line["level"] == "ERROR")
    assert error["request_id"] == request_id
    assert "RuntimeError: a bug" in error["exception"]
    (access,) = _access_lines(logged)
    assert access["status"] == 500 and access["request_id"] == request_id


def test_a_safe_request_id_from_the_proxy_is_kept(client, logged):
    response = client.get("/", headers={"X-Request-ID": "lb-2f9c1e7a-0001"})
    assert response.headers["X-Request-ID"] == "lb-2f9c1e7a-0001"
    assert _access_lines(logged)[0]["request_id"] == "lb-2f9c1e7a-0001"


@pytest.mark.parametrize(
    "forged",
    [
        "abc\r\nSet-Cookie: x=1",
        "<script>alert(1)</script>",
        'x" onmouseover="alert(1)',
        "short",
        "a" * 200,
        "ok-looking id with spaces",
    ],
)
def test_a_forged_request_id_is_not_echoed(app, client, forged):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    environ = {"HTTP_X_REQUEST_ID": forged}
    response = client.get("/", environ_base=environ)
    echoed = response.headers["X-Request-ID"]
    assert echoed != forged and logs.SAFE_REQUEST_ID.fullmatch(echoed)
    assert forged not in response.get_data(as_text=True)


def test_request_ids_from_outside_can_be_refused_altogether(app, client):
    app.config["TRUST_REQUEST_ID"] = False
    response = client.get("/", headers={"X-Request-ID": "lb-2f9c1e7a-0001"})
    assert response.headers["X-Request-ID"] != "lb-2f9c1e7a-0001"


def test_sql_values_are_kept_out_of_logged_errors():
    record = logging.LogRecord("portal", logging.ERROR, __file__, 1, "failed", None, None)
    record.msg = (
        "(psycopg.errors.UniqueViolation) duplicate key\n[SQL: INSERT INTO x VALUES (%s)]\n"
        "[parameters: ('what someone typed',)]"
    )
    line = json.loads(logs.JsonFormatter().format(record))
    assert "what someone typed" not in line["message"]
    assert "[parameters hidden]" in line["message"]


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({}, "json"),
        ({"PORTAL_ENV": "development"}, "text"),
        ({"TESTING": True}, "text"),
        ({"PORTAL_ENV": "development", "LOG_FORMAT": "json"}, "json"),
        ({"LOG_FORMAT": "TEXT"}, "text"),
    ],
)
def test_log_format_is_json_outside_development_unless_chosen(config, expected, monkeypatch):
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    app = Flask("format_test")
    app.config.update(config)
    assert logs.log_format(app) == expected


def test_text_lines_carry_the_request_id_too():
    record = logging.LogRecord("portal", logging.INFO, __file__, 1, "hello", None, None)
    record.request_id = "abc123def456"
    assert "[abc123def456] portal: hello" in logs.TextFormatter().format(record)
