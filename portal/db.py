"""Database engine, session and the declarative base."""

from __future__ import annotations

import enum
import os
import time
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy import Enum as SAEnum
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Store timezone-aware datetimes as UTC and always hand back aware UTC values."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UTCDateTime(),
        enum.Enum: SAEnum(
            enum.Enum,
            native_enum=False,
            length=40,
            values_callable=lambda members: [m.value for m in members],
        ),
    }


session = scoped_session(sessionmaker(expire_on_commit=False, future=True))


# The largest id an integer primary key holds; a bigger number overflows the driver.
MAX_ID = 2**31 - 1

# Seconds a statement waits for a lock (SQLite's busy timeout, PostgreSQL's lock_timeout), and
# the longest a PostgreSQL statement may run. Past them the request fails fast instead of
# hanging until the web server kills the worker.
LOCK_TIMEOUT_SECONDS = float(os.environ.get("DATABASE_LOCK_TIMEOUT", "5"))
STATEMENT_TIMEOUT_SECONDS = float(os.environ.get("DATABASE_STATEMENT_TIMEOUT", "5"))
# Seconds to wait for a PostgreSQL server to answer a new connection (a dead host never does).
CONNECT_TIMEOUT_SECONDS = float(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5"))
# Seconds a pooled connection may sit unused before it is checked with a round trip as it is
# taken out again. A connection back in use within this was working a moment ago; one left
# longer may have lost its server (a restart, a failover, a firewall that forgot it).
PING_AFTER_IDLE_SECONDS = 5.0

# Requests that only read; every other request may write.
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def make_engine(
    url: str,
    *,
    lock_timeout: float | None = None,
    statement_timeout: float | None = None,
    connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
) -> Engine:
    """Create the engine: SQLite as a serious embedded database (foreign keys, WAL, a busy
    timeout, writes that take the write lock when they begin), PostgreSQL with connect,
    statement and lock timeouts (seconds; the module's defaults when not given)."""
    lock = LOCK_TIMEOUT_SECONDS if lock_timeout is None else lock_timeout
    statement = STATEMENT_TIMEOUT_SECONDS if statement_timeout is None else statement_timeout
    kwargs: dict = {"future": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": lock}
    elif url.startswith("postgresql"):
        kwargs["connect_args"] = {
            "options": f"-c statement_timeout={int(statement * 1000)} "
            f"-c lock_timeout={int(lock * 1000)}",
            "connect_timeout": max(1, int(connect_timeout)),
        }
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _serious_sqlite(engine, lock)
    else:
        _ping_idle_connections(engine)
    return engine


_IDLE_SINCE = "idle_since"
_clock = time.monotonic


def _ping_idle_connections(engine: Engine) -> None:
    """Check a pooled connection before use only when it has sat unused for longer than
    ``PING_AFTER_IDLE_SECONDS``; one that fails is replaced before the request sees it.

    The pool's own ``pool_pre_ping`` checks every connection on every checkout: one more
    round trip to the server for every page. Under load a connection is back in use
    within milliseconds of being returned, so it is not checked; after a quiet spell (when a
    restarted server or a dropped network path would show) it is. A connection that breaks
    mid-request still gives that request the 503 page, and SQLAlchemy then discards every
    pooled connection, so the next request connects afresh.
    """
    dialect = engine.dialect

    @event.listens_for(engine, "connect")
    def _connected(_dbapi_connection, record):
        record.info[_IDLE_SINCE] = _clock()

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record):
        record.info[_IDLE_SINCE] = _clock()

    @event.listens_for(engine, "checkout")
    def _taken(dbapi_connection, record, _proxy):
        since = record.info.get(_IDLE_SINCE)
        if since is None or _clock() - since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            # The server is likely gone for every pooled connection (a restart): the pool
            # discards them all and connects afresh for this checkout.
            raise sa_exc.InvalidatePoolError(str(error)) from error


def _serious_sqlite(engine: Engine, lock_timeout: float = LOCK_TIMEOUT_SECONDS) -> None:
    """WAL (readers never wait for the writer), a busy timeout, and transactions begun by us.

    pysqlite begins a transaction only at the first write, so two requests that read and then
    write deadlock: each holds a read snapshot the other's write invalidates, and SQLite fails
    one at once with "database is locked" (the busy timeout cannot help). So pysqlite's own
    BEGIN is switched off and the "begin" event emits ours (SQLAlchemy's documented recipe):
    ``BEGIN IMMEDIATE`` for a request that may write (any method but GET, HEAD and OPTIONS),
    which takes the write lock at its first statement and so waits its turn, up to the busy
    timeout, instead of failing; plain ``BEGIN`` for everything else, so reads, which WAL lets
    run beside a writer, stay concurrent. Commands and tests outside a request begin plainly:
    one process, one writer at a time.
    """

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # no implicit BEGIN: the "begin" event's
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(lock_timeout * 1000)}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        # Straight to the driver: a BEGIN is not one of the statements a request sends.
        driver = connection.connection.driver_connection
        immediate = _may_write()
        driver.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
        # What take_write_lock() needs to know: whether this transaction holds the write
        # lock from its start, and how many rows the connection had changed when it began.
        connection.info[_WRITE_LOCK] = immediate
        connection.info[_CHANGES_AT_BEGIN] = driver.total_changes


_WRITE_LOCK = "sqlite_write_lock"
_CHANGES_AT_BEGIN = "sqlite_changes_at_begin"


def take_write_lock(session) -> None:
    """Make the session's transaction hold the database's write lock before it reads what it
    is about to build on (the audit chain's head, a counter), so no other writer can move it.

    PostgreSQL: nothing to do here; callers lock the rows (or an advisory lock) they build on.
    SQLite has one write lock for the whole file. A transaction begun ``IMMEDIATE`` (a request
    that may write) holds it already, and so does one that has written anything. A
    transaction that has only read (a GET, a command) cannot simply write now: in WAL its
    snapshot may be older than another's commit, and SQLite refuses at once to let it write.
    Having written nothing, it loses nothing by starting again, so it is ended and begun
    again ``IMMEDIATE``, waiting its turn up to the busy timeout. Inside a savepoint it cannot
    be begun again, so a write no one sees takes the lock (or fails at once, never silently).
    """
    if isinstance(session, scoped_session):
        session = session()
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    info = connection.info
    driver = connection.connection.driver_connection
    if info.get(_WRITE_LOCK):
        return
    if driver.total_changes != info.get(_CHANGES_AT_BEGIN, driver.total_changes):
        info[_WRITE_LOCK] = True  # a write of this transaction took the lock and keeps it
        return
    if session.in_nested_transaction():
        (version,) = driver.execute("PRAGMA user_version").fetchone()
        driver.execute(f"PRAGMA user_version = {int(version)}")  # the same: only the lock
    else:
        driver.execute("ROLLBACK")
        driver.execute("BEGIN IMMEDIATE")
    info[_WRITE_LOCK] = True
    info[_CHANGES_AT_BEGIN] = driver.total_changes


def _may_write() -> bool:
    """Whether the current transaction belongs to a request that may write."""
    from flask import has_request_context, request

    return has_request_context() and request.method not in READING_METHODS


def bind(engine: Engine) -> None:
    session.remove()
    session.configure(bind=engine)
