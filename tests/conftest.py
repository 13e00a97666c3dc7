"""Shared fixtures: the app on a throwaway database, a frozen clock, sign-in, page checks."""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import limits.storage.memory
import pytest
from flask import g
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, event, make_url, text

from portal import create_app, db
from portal.auth.models import SignInSession

pytest_plugins = ["tests.snapshots", "tests.factories", "tests.restriction_factories"]

FROZEN_NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """With ``-n``, the browser tests go to one worker, one after another, while the other
    workers share the rest test by test: Chromiums side by side on two cores wait on each other
    (a browser journey takes two or three times as long), while one beside the other tests
    keeps both cores busy."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class BrowserTestsTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "browser" if nodeid.startswith("tests/browser/") else nodeid

    return BrowserTestsTogether(config, log)


_OTHER_TESTS_NICENESS = 10


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Under xdist, a browser test runs at normal priority and every other test a little below
    it. A browser journey mostly waits: on the live server, on Chromium, on the page settling.
    Each wait that finds both cores taken by the other workers' tests lengthens the journey,
    and the browser worker's queue is the longest, so it decides when ``make test`` ends. The
    other tests only need the CPU time left over, which is most of it. The priority is set on
    the worker's own thread before any fixture starts, so the live server and Chromium started
    for the browser tests inherit it."""
    _PDFS.active = _PDFS.enabled and not item.nodeid.startswith("tests/concurrency/")
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return
    wanted = 0 if item.nodeid.startswith("tests/browser/") else _OTHER_TESTS_NICENESS
    try:
        if os.getpriority(os.PRIO_PROCESS, 0) != wanted:
            os.setpriority(os.PRIO_PROCESS, 0, wanted)
    except PermissionError:  # raising priority again needs privilege some machines don't give
        pass


class _SharedTemplateCode(BytecodeCache):
    """Compiled templates kept for the whole run. An app built for one test (``fresh_app``, or
    one a test makes itself) has a new Jinja environment that would compile every template it
    renders again; entries are keyed by template and source checksum, so an edited template
    is compiled afresh."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_TEMPLATE_CODE = _SharedTemplateCode()


class _RememberedPdfs:
    """PDFs WeasyPrint made in this process, by their exact input: a letter laid out once is
    not laid out again by every later test that downloads the same letter (a second or more
    each). Only a document given as a string with the same base address and options comes
    from here; the bytes are those WeasyPrint made for it. Tests of concurrent downloads lay
    every PDF out afresh, so their race keeps its width (``tests/concurrency/``);
    ``PORTAL_TEST_PDF_MEMO=0`` lays out every one."""

    def __init__(self) -> None:
        self.made: dict[str, bytes] = {}
        self.enabled = os.environ.get("PORTAL_TEST_PDF_MEMO", "1") != "0"
        self.active = self.enabled

    def install(self) -> None:
        import weasyprint

        original = weasyprint.HTML
        remembered = self

        class HTML(original):
            def __init__(self, *args, string=None, **kwargs):
                self._input = None
                if string is not None and not args:
                    self._input = repr((string, sorted(kwargs.items())))
                super().__init__(*args, string=string, **kwargs)

            def write_pdf(self, target=None, **options):
                if target is not None or self._input is None or not remembered.active:
                    return super().write_pdf(target, **options)
                key = hashlib.sha256(
                    repr((self._input, sorted(options.items()))).encode()
                ).hexdigest()
                if key not in remembered.made:
                    remembered.made[key] = super().write_pdf(**options)
                return remembered.made[key]

        weasyprint.HTML = HTML


_PDFS = _RememberedPdfs()


class Clock:
    """A settable clock for the app (views) and for passing to services."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    """A temporary SQLite file, or ``TEST_DATABASE_URL``. Run in parallel (pytest-xdist), each
    worker gets a PostgreSQL database of its own, created beside that one and dropped after."""
    url = os.environ.get("TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if url and worker and url.startswith("postgresql"):
        yield from _worker_database(url, worker)
    elif url:
        yield url
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def _worker_database(url: str, worker: str) -> Iterator[str]:
    server = make_url(url)
    name = f"{server.database}_{worker}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def _schema(database_url):
    """One engine for the whole run: every test's app shares it, with its pool of connections
    and its cache of compiled SQL."""
    engine = db.make_engine(database_url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _unsynced(dbapi_connection, _record):
            # A throwaway file: each commit need not wait for the disk.
            dbapi_connection.execute("PRAGMA synchronous=OFF")

    create_app({"DATABASE_URL": database_url, "TESTING": True}, engine=engine)  # the models
    db.Base.metadata.drop_all(engine)
    db.Base.metadata.create_all(engine)
    yield engine
    db.Base.metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock(FROZEN_NOW)


class _ClockTime:
    """The ``time`` module as the rate limiter's memory storage sees it: on the test's clock."""

    def __init__(self, clock: Clock):
        self._clock = clock

    def time(self) -> float:
        return self._clock.now.timestamp()

    def __getattr__(self, name):
        return getattr(time, name)


def _forget_g():
    # The fixture keeps one app context open, so ``g`` would outlive each request: start
    # every request with an empty ``g``, as in production (else Flask-Login keeps the
    # first user signed in, and Flask-WTF a CSRF token of a cleared session).
    for name in list(vars(g)):
        delattr(g, name)


def _build_app(database_url, engine, clock, upload_dir):
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "TESTING": True,
            "CLOCK": clock,
            "UPLOAD_DIR": upload_dir,
            "WTF_CSRF_ENABLED": True,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        },
        engine=engine,
    )
    app.before_request_funcs.setdefault(None, []).insert(0, _forget_g)
    app.jinja_env.bytecode_cache = _TEMPLATE_CODE
    return app


@pytest.fixture(scope="session")
def _shared_app(_schema, database_url, tmp_path_factory):
    """One app per worker: building one (its routes compiled, its extensions bound) costs more
    than many a test, so tests share it and each gets its settings back as they were."""
    return _build_app(database_url, _schema, Clock(FROZEN_NOW), tmp_path_factory.mktemp("up"))


@pytest.fixture
def app(request, _shared_app, _schema, database_url, clock, tmp_path, monkeypatch):
    """The app on the test database, on the test's clock, with uploads in the test's own
    folder. A test that adds routes or hooks of its own marks itself ``fresh_app`` and gets an
    app nobody else uses."""
    from tests import snapshots  # a plugin of this file's: imported after pytest rewrote it

    # Throttling windows (kept by the limits library in memory) move with the frozen clock.
    monkeypatch.setattr(limits.storage.memory, "time", _ClockTime(clock))
    upload_dir = Path(tmp_path) / "uploads"
    if request.node.get_closest_marker("fresh_app"):
        app = _build_app(database_url, _schema, clock, upload_dir)
    else:
        app = _shared_app
        db.bind(_schema)
        throttle = app.extensions.get("throttle")
        if throttle is not None:
            throttle.storage.reset()
    settings = dict(app.config)
    app.config.update(CLOCK=clock, UPLOAD_DIR=upload_dir)
    try:
        with app.app_context():
            yield app
            db.session.rollback()
            db.session.remove()
            with app.extensions["engine"].begin() as connection:
                for table in reversed(db.Base.metadata.sorted_tables):
                    connection.execute(table.delete())
                snapshots.restart_sequences(connection)
    finally:
        app.config.clear()
        app.config.update(settings)


@pytest.fixture
def session(app):
    return db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def sign_in(client, clock):
    """Sign ``user`` in on the test client without going through the form: a session record
    in force (second factor given), and its token in the cookie."""

    def _sign_in(user, on=None):
        target = on or client
        token = secrets.token_urlsafe(32)
        now = clock.now
        record = SignInSession(
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            created_at=now,
            last_seen_at=now,
            second_factor_at=now,
        )
        if getattr(user, "is_staff", False):
            record.staff_user_id = user.id
        else:
            record.customer_account_id = user.id
        db.session.add(record)
        db.session.commit()
        with target.session_transaction() as flask_session:
            flask_session["_user_id"] = user.get_id()
            flask_session["_fresh"] = True
            flask_session["sid"] = token
        return target

    return _sign_in


class QueryCounter:
    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []

    def _count(self, _conn, _cursor, statement, *_args):
        self.statements.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """``with count_queries() as q: ...; q.count`` counts SQL statements sent."""
    return lambda: QueryCounter(app.extensions["engine"])


def csrf_token(client, url: str) -> str:
    """Fetch ``url`` and return the CSRF token from its first form."""
    from bs4 import BeautifulSoup

    page = BeautifulSoup(client.get(url).data, "html.parser")
    field = page.find("input", attrs={"name": "csrf_token"}) or page.find(
        "input", attrs={"name": lambda n: n and n.endswith("csrf_token")}
    )
    assert field is not None, f"no CSRF token on {url}"
    return field["value"]


@pytest.fixture
def token(client):
    return lambda url: csrf_token(client, url)


def pytest_configure(config) -> None:
    _PDFS.install()
