"""A database that is down, locked or slow gives a clear 503 page, and the portal recovers by
itself when the database is back.

The PostgreSQL variants need TEST_DATABASE_URL (skipped without it: CI's PostgreSQL pass sets it);
the SQLite ones always run, each on a file of its own.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import threading

import pytest
from sqlalchemy import event, make_url, text
from sqlalchemy import exc as sa_exc

from portal import create_app, db, faults
from tests.pages import check_page

SECRET = "faults-test-" + "x" * 40


def _reads_the_database():
    """A page that asks the database something, as every real page does."""
    count = db.session.scalar(text("SELECT count(*) FROM customer"))
    db.session.commit()
    return f"customers: {count}"


def _slow():
    db.session.execute(text("SELECT pg_sleep(5)"))
    return "done"


def faults_app(url: str, engine=None, **config):
    """An app of its own on ``url`` that shows error pages as in production (exceptions are
    not passed up to the test), with one extra page that reads the database."""
    settings = {
        "DATABASE_URL": url,
        "TESTING": True,
        "PROPAGATE_EXCEPTIONS": False,
        "SECRET_KEY": SECRET,
        "WTF_CSRF_ENABLED": False,
        "DATABASE_LOCK_TIMEOUT": 1,
        "DATABASE_STATEMENT_TIMEOUT": 1,
        **config,
    }
    app = create_app(settings, engine=engine)
    app.add_url_rule("/test/reads", "reads", _reads_the_database, methods=["GET", "POST"])
    app.add_url_rule("/test/slow", "slow", _slow)
    return app


@pytest.fixture
def own_app():
    """Make apps with engines of their own; dispose of them and unbind the session after."""
    made = []

    def _make(url: str, **config):
        app = faults_app(url, **config)
        made.append(app)
        return app

    yield _make
    db.session.remove()
    for app in made:
        app.extensions["engine"].dispose()


def assert_unavailable(response, says: str = "Sorry, the service is not available right now"):
    """A 503 with Retry-After, not kept by a cache, whose page says nothing was saved and
    quotes the request's reference."""
    soup = check_page(response, 503)
    assert response.headers["Retry-After"] == "30"
    assert "no-store" in response.headers["Cache-Control"]
    page = soup.get_text(" ", strip=True)
    assert says in page
    reference = response.headers["X-Request-ID"]
    assert reference and reference in page
    return page


@pytest.fixture
def sqlite_file(tmp_path):
    """A migrated-looking SQLite database of this test's own."""
    url = f"sqlite:///{tmp_path / 'faults.db'}"
    engine = db.make_engine(url)
    db.Base.metadata.create_all(engine)
    engine.dispose()
    return url, tmp_path / "faults.db"


# --- unreachable ---------------------------------------------------------------------------------


def test_a_database_nobody_answers_at_gives_the_503_page_in_the_persons_language(own_app):
    app = own_app("postgresql+psycopg://portal@127.0.0.1:1/portal")
    client = app.test_client()

    english = assert_unavailable(client.get("/test/reads"))
    assert "Nothing you entered has been saved." in english
    assert "Try again in a minute." in english

    polish = client.get("/test/reads", headers={"Accept-Language": "pl"})
    assert_unavailable(polish, "Przepraszamy, serwis jest w tej chwili niedostępny")
    assert "Wpisane dane nie zostały zapisane." in polish.get_data(as_text=True)
    urdu = client.get("/test/reads", headers={"Accept-Language": "ur"})
    assert_unavailable(urdu, "معذرت، یہ سروس اس وقت دستیاب نہیں ہے")
    assert 'dir="rtl"' in urdu.get_data(as_text=True)


def test_a_signed_in_person_gets_the_503_page_too_not_a_500(own_app):
    """Loading who is signed in needs the database: the page must not try again and fail."""
    app = own_app("postgresql+psycopg://portal@127.0.0.1:1/portal")
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = "staff:1"
        cookie["sid"] = "a-session-token"
    assert_unavailable(client.get("/staff/"))
    assert_unavailable(client.get("/"))  # the user is first loaded after the view here


def test_sqlite_that_cannot_be_opened_gives_503_then_works_once_it_can(own_app, tmp_path):
    """Recovery without a restart: the same app, the database back."""
    folder = tmp_path / "not-yet"
    url = f"sqlite:///{folder / 'portal.db'}"
    app = own_app(url)
    client = app.test_client()
    assert_unavailable(client.get("/test/reads"))

    folder.mkdir()
    db.Base.metadata.create_all(app.extensions["engine"])
    response = client.get("/test/reads")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "customers: 0"


# --- a lock held too long -----------------------------------------------------------------------


def test_sqlite_write_lock_held_elsewhere_gives_503_within_the_busy_timeout(own_app, sqlite_file):
    url, path = sqlite_file
    app = own_app(url)
    client = app.test_client()
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process is writing and does not stop
        # The writer never lets go: the answer comes because the busy timeout (1 s) gives up.
        response = client.post("/staff/sign-in", data={"email": "a@b.c", "password": "x"})
        assert_unavailable(response)
        # Reading still works beside the writer (WAL).
        assert client.get("/test/reads").status_code == 200
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert client.post("/test/reads").status_code == 200


# --- PostgreSQL ----------------------------------------------------------------------------------


@pytest.fixture
def postgres_url(request):
    """The test PostgreSQL database, with the portal's tables."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        # The SQLite pass; CI runs these again in its PostgreSQL pass, with the URL set.
        pytest.skip("PostgreSQL variant needs TEST_DATABASE_URL=postgresql+psycopg://…")
    request.getfixturevalue("_schema")
    return request.getfixturevalue("database_url")


def test_postgres_table_lock_gives_503_within_the_lock_timeout(own_app, postgres_url):
    app = own_app(postgres_url)
    client = app.test_client()
    holder_engine = db.make_engine(postgres_url)
    holder = holder_engine.connect()
    try:
        holder.execute(text("LOCK TABLE customer IN ACCESS EXCLUSIVE MODE"))
        # The lock is never released while the request waits: the lock timeout (1 s) ends it.
        response = client.get("/test/reads")
        assert_unavailable(response)
    finally:
        holder.rollback()
        holder.close()
        holder_engine.dispose()
    assert client.get("/test/reads").status_code == 200


def test_postgres_statement_timeout_gives_503(own_app, postgres_url):
    app = own_app(postgres_url)
    assert_unavailable(app.test_client().get("/test/slow"))


def _cut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class Proxy:
    """A TCP proxy to the database that the test can cut off and bring back on the same port."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        """The database is gone: no new connections, and the open ones are cut."""
        if self._listener is not None:
            # shutdown wakes the thread blocked in accept(); close alone would leave it
            # listening.
            _cut(self._listener)
            self._listener.close()
            self._listener = None
        with self._lock:
            for sock in self._open:
                _cut(sock)
                sock.close()
            self._open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                _cut(sock)


def test_postgres_going_away_gives_503_and_coming_back_needs_no_restart(own_app, postgres_url):
    server = make_url(postgres_url)
    proxy = Proxy(server.host or "127.0.0.1", server.port or 5432)
    proxy.start()
    try:
        app = own_app(server.set(host="127.0.0.1", port=proxy.port).render_as_string(False))
        client = app.test_client()
        assert client.get("/test/reads").status_code == 200  # a pooled connection now

        proxy.stop()
        assert_unavailable(client.get("/test/reads"))
        assert client.get("/readyz").status_code == 503

        proxy.start()
        response = client.get("/test/reads")
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
    finally:
        proxy.stop()


# --- checking idle connections before use --------------------------------------------------------


class _Clock:
    """The clock the pool's idle check reads, moved on by the test instead of by waiting."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def idle_past_the_threshold(self) -> None:
        self.now += db.PING_AFTER_IDLE_SECONDS + 1


@pytest.fixture
def pool_clock(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(db, "_clock", clock)
    return clock


def test_postgres_connection_idle_while_the_server_went_and_came_back_is_replaced_unseen(
    own_app, postgres_url, pool_clock
):
    """A restart while the portal is quiet: the first request afterwards works, no 503."""
    server = make_url(postgres_url)
    proxy = Proxy(server.host or "127.0.0.1", server.port or 5432)
    proxy.start()
    try:
        app = own_app(server.set(host="127.0.0.1", port=proxy.port).render_as_string(False))
        client = app.test_client()
        assert client.get("/test/reads").status_code == 200  # a pooled connection now

        proxy.stop()  # the server goes away, cutting the pooled connection...
        proxy.start()  # ...and is back before the next request
        pool_clock.idle_past_the_threshold()
        response = client.get("/test/reads")
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
    finally:
        proxy.stop()


class _StatementsSent:
    """Every statement that reaches the driver, beside those SQLAlchemy executes: any more at
    the driver are the pool's own (pings)."""

    def __init__(self, engine):
        self.by_sqlalchemy: list[str] = []
        self.at_driver: list[str] = []
        event.listen(engine, "before_cursor_execute", self._executed)
        event.listen(engine, "connect", self._connected)

    def _executed(self, _connection, _cursor, statement, *_args):
        self.by_sqlalchemy.append(statement)

    def _connected(self, dbapi_connection, _record):
        sent = self.at_driver
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.set_trace_callback(sent.append)
            return

        class CountingCursor(dbapi_connection.cursor_factory):
            def execute(self, query, *args, **kwargs):
                sent.append(str(query))
                return super().execute(query, *args, **kwargs)

        dbapi_connection.cursor_factory = CountingCursor

    def extra(self) -> list[str]:
        """What reached the driver that SQLAlchemy did not execute (SQLite's own
        transaction statements and set-up aside)."""
        own = ("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")
        return [
            statement
            for statement in self.at_driver
            if statement not in self.by_sqlalchemy and not statement.upper().startswith(own)
        ]

    def clear(self) -> None:
        self.by_sqlalchemy.clear()
        self.at_driver.clear()


def _read_once(engine) -> None:
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 2")).scalar() == 2


def test_postgres_connection_taken_again_straight_away_is_not_pinged(postgres_url, pool_clock):
    """The saving: a busy portal sends no extra round trip per request; only a connection
    left idle past the threshold is checked first."""
    engine = db.make_engine(postgres_url)
    try:
        sent = _StatementsSent(engine)
        _read_once(engine)  # connects: a new connection is not checked either
        assert sent.extra() == []
        sent.clear()

        for _ in range(3):
            _read_once(engine)
        assert sent.by_sqlalchemy == ["SELECT 2"] * 3
        assert sent.extra() == []

        pool_clock.idle_past_the_threshold()
        _read_once(engine)
        assert len(sent.extra()) == 1  # the one check, before the statement
    finally:
        engine.dispose()


def test_sqlite_connections_are_never_pinged(tmp_path, pool_clock):
    """SQLite has no server to lose: nothing is sent before a connection is used."""
    engine = db.make_engine(f"sqlite:///{tmp_path / 'ping.db'}")
    try:
        sent = _StatementsSent(engine)
        _read_once(engine)
        for _ in range(2):
            pool_clock.idle_past_the_threshold()
            _read_once(engine)
        assert sent.by_sqlalchemy == ["SELECT 2"] * 3
        assert sent.extra() == []
        assert "SELECT 2" in sent.at_driver  # the driver's statements are being seen
    finally:
        engine.dispose()


# --- which errors are faults, and which are bugs -------------------------------------------------


class _PgError(Exception):
    def __init__(self, sqlstate):
        super().__init__("server said no")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (sqlite3.OperationalError("database is locked"), "busy"),
        (sqlite3.OperationalError("unable to open database file"), "unreachable"),
        (sqlite3.OperationalError("no such table: customer"), None),  # a missing migration: a bug
        (
            sa_exc.OperationalError("SELECT 1", {}, _PgError("57014")),
            "timeout",
        ),  # statement_timeout
        (sa_exc.OperationalError("SELECT 1", {}, _PgError("55P03")), "timeout"),  # lock_timeout
        (sa_exc.OperationalError("SELECT 1", {}, _PgError("57P01")), "unreachable"),  # shut down
        (sa_exc.OperationalError("SELECT 1", {}, _PgError("40P01")), "unreachable"),  # deadlock
        (sa_exc.IntegrityError("INSERT", {}, _PgError("23505")), None),
        (sa_exc.ProgrammingError("SELECT", {}, _PgError("42P01")), None),
        (
            sa_exc.DBAPIError("SELECT 1", {}, Exception("gone"), connection_invalidated=True),
            "unreachable",
        ),
        (sa_exc.TimeoutError("QueuePool limit reached"), "busy"),
        (RuntimeError("a bug"), None),
    ],
)
def test_only_faults_of_the_database_itself_become_503(error, expected):
    assert faults.database_fault(error) == expected
