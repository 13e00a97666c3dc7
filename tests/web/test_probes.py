"""/healthz and /readyz for a load balancer: no sign-in, no cookie, never cached."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from portal import create_app, db
from portal.config import BASE_DIR

SECRET = "probes-test-" + "x" * 40


def _heads_and_one_before() -> tuple[str, str]:
    script = ScriptDirectory(str(BASE_DIR / "migrations"))
    head = script.get_current_head()
    return head, script.get_revision(head).down_revision


@pytest.fixture
def standalone(tmp_path):
    """An app on a SQLite file of its own, whose migration stamp the test sets."""
    made = []

    def _make(url: str | None = None):
        url = url or f"sqlite:///{tmp_path / 'probe.db'}"
        app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": SECRET})
        made.append(app)
        return app

    yield _make
    db.session.remove()
    for app in made:
        app.extensions["engine"].dispose()


def _stamp(app, revision: str | None) -> None:
    engine = app.extensions["engine"]
    db.Base.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            text("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        )
        connection.execute(text("DELETE FROM alembic_version"))
        if revision:
            connection.execute(
                text("INSERT INTO alembic_version VALUES (:revision)"), {"revision": revision}
            )


def assert_quiet(response):
    assert "no-store" in response.headers["Cache-Control"]
    assert "Set-Cookie" not in response.headers
    assert response.headers["X-Request-ID"]


def test_healthz_answers_ok_without_the_database_or_a_cookie(client, count_queries, sign_in):
    # Even a browser with a signed-in session and a permanent cookie gets no cookie back.
    with client.session_transaction() as cookie:
        cookie["lang"] = "pl"
        cookie.permanent = True
    with count_queries() as queries:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True).strip() == "ok"
    assert queries.count == 0
    assert_quiet(response)


def test_healthz_answers_while_the_database_is_down(standalone):
    app = standalone("postgresql+psycopg://portal@127.0.0.1:1/portal")
    response = app.test_client().get("/healthz")
    assert response.status_code == 200


def test_readyz_is_ready_when_the_schema_is_at_the_newest_migration(standalone):
    app = standalone()
    head, _ = _heads_and_one_before()
    _stamp(app, head)
    client = app.test_client()
    client.set_cookie("session", "anything")
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "ready"
    assert response.json["database"] == "ok"
    assert response.json["revision"] == [head]
    assert_quiet(response)


def test_readyz_says_the_schema_is_behind(standalone):
    app = standalone()
    head, previous = _heads_and_one_before()
    _stamp(app, previous)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "not ready"
    assert response.json["database"] == "ok"
    assert response.json["schema"] == "behind"
    assert response.json["revision"] == [previous] and response.json["head"] == [head]
    assert response.headers["Retry-After"] == "30"
    assert_quiet(response)


def test_readyz_says_a_database_never_migrated_is_not_ready(standalone):
    app = standalone()
    _stamp(app, None)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["schema"] == "not migrated"


def test_readyz_says_the_database_is_unreachable(standalone):
    app = standalone("postgresql+psycopg://portal@127.0.0.1:1/portal")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json == {"status": "not ready", "database": "unreachable", "schema": "unknown"}
    assert_quiet(response)


def test_probes_need_no_sign_in_and_are_exempt_from_throttling(client):
    for _ in range(30):
        assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code in (200, 503)  # the test schema is not stamped
