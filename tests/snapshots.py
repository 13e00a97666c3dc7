"""Fixture worlds built once per worker and copied back for every later test that asks for them.

Half the tests outside the browser open the same made-up world (``world`` in
``tests/web/conftest.py``): seven members of staff, a dozen customers, incidents in every
state, restrictions, letters. Building it through the services takes longer than most tests
themselves. A fixture marked :func:`kept` is built the first time as usual; the database (and
the uploaded files) are then copied aside, and later tests get the copy put back and the
fixture's value loaded afresh from it. On SQLite the copy is the whole file (SQLite's backup
API, a few milliseconds); on PostgreSQL it is every table's rows and every key sequence's
position, written back in one transaction. Each test ends with its tables emptied and, on
PostgreSQL, its key sequences started again (:func:`restart_sequences`), so a world built
twice has the same ids on both databases, as it must for a copy to stand in for it.

A copy is put back only when it is exactly what building would give:

- the test set up the same fixtures before, in the same order (the rows' ids depend on it);
- each of those is known not to write (``PURE``) or to write the same rows whatever the test
  (``SAME_EVERY_TIME``, or another kept fixture), so nothing the test holds is lost;

Anything else builds as before. ``PORTAL_TEST_SNAPSHOTS=0`` turns copies off.
"""

from __future__ import annotations

import functools
import inspect
import os
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask import current_app

from portal import db

# This project's fixtures that never write to the database (pytest's and Playwright's are not
# counted at all).
PURE = {
    "database_url",
    "_schema",
    "clock",
    "app",
    "session",
    "client",
    "runner",
    "sign_in",
    "act_as",
    "post",
    "token",
    "table_counts",
    "audit_events",
    "_quick_password_hashes",
    "make_staff",
    "make_customer",
    "make_incident",
    "review_incident",
    "give_warning",
    "final_warning_for",
    "serious_incident_for",
    "make_request",
    "approve_request",
    "make_arrangement",
    "reachable_by",
    "restriction_in_force",
    "march_19",
}
# Fixtures that write, but the same rows in every test that sets them up in the same order.
SAME_EVERY_TIME = {
    "colleague",
    "panel_member",
    "glt_member",
    "people",
    "tenant",
    "applicant",
    "organisation_ready",
}
_KEPT: set[str] = set()


@dataclass
class _Copy:
    # SQLite: an in-memory copy of the file; PostgreSQL: (rows by table, sequence positions).
    database: sqlite3.Connection | tuple[dict[str, list[dict]], dict[str, int | None]]
    files: dict[str, bytes]
    value: object


_copies: dict[tuple, _Copy | None] = {}
_set_up: list[str] = []


def enabled() -> bool:
    return os.environ.get("PORTAL_TEST_SNAPSHOTS", "1") != "0"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    _set_up.clear()


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    result = yield
    # Only this project's fixtures can write its rows (not pytest's, Playwright's, or the
    # arguments of ``parametrize``, which pass through here too).
    if getattr(fixturedef.func, "__module__", "").startswith("tests."):
        _set_up.append(fixturedef.argname)
    return result


class _Unkeepable(Exception):
    """A value that cannot be loaded back from the database by its key."""


def _freeze(value):
    if isinstance(value, SimpleNamespace):
        return ("namespace", {name: _freeze(v) for name, v in vars(value).items()})
    if isinstance(value, dict):
        return ("dict", {name: _freeze(v) for name, v in value.items()})
    if isinstance(value, list | tuple):
        return ("sequence", type(value), [_freeze(v) for v in value])
    if value is None or isinstance(value, str | int | float | bytes | date | datetime | Enum):
        return ("plain", value)
    if isinstance(value, Path):
        # Each test has an upload folder of its own: a path inside it is kept relative to it.
        uploads = Path(current_app.config["UPLOAD_DIR"])
        if value.is_relative_to(uploads):
            return ("upload", str(value.relative_to(uploads)))
        return ("plain", value)
    state = sa.inspect(value, raiseerr=False)
    if state is not None and getattr(state, "identity", None) is not None:
        return ("row", type(value), state.identity)
    raise _Unkeepable(type(value).__name__)


def _thaw(frozen):
    kind = frozen[0]
    if kind == "namespace":
        return SimpleNamespace(**{name: _thaw(v) for name, v in frozen[1].items()})
    if kind == "dict":
        return {name: _thaw(v) for name, v in frozen[1].items()}
    if kind == "sequence":
        return frozen[1](_thaw(v) for v in frozen[2])
    if kind == "plain":
        return frozen[1]
    if kind == "upload":
        return Path(current_app.config["UPLOAD_DIR"]) / frozen[1]
    return db.session.get(frozen[1], frozen[2])


def _rows(frozen, found: dict) -> dict:
    """The (model, identity) of every row in a frozen value, by model."""
    kind = frozen[0]
    if kind in ("namespace", "dict"):
        for value in frozen[1].values():
            _rows(value, found)
    elif kind == "sequence":
        for value in frozen[2]:
            _rows(value, found)
    elif kind == "row":
        found.setdefault(frozen[1], set()).add(frozen[2])
    return found


def _load_rows(frozen) -> list:
    """Load the value's rows a model at a time (one query each, not one per row), so
    :func:`_thaw` finds them all in the session."""
    loaded = []
    for model, identities in _rows(frozen, {}).items():
        key = sa.inspect(model).primary_key
        if len(key) == 1:
            wanted = [identity[0] for identity in identities]
            loaded += db.session.scalars(sa.select(model).where(key[0].in_(wanted))).all()
    return loaded


def _files(root: Path) -> dict[str, bytes]:
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _raw(engine):
    """A pooled connection with no transaction open in the session."""
    db.session.commit()
    return engine.raw_connection()


_SEQUENCES: dict[str, list[str]] = {}


def _sequences(connection) -> list[str]:
    """The PostgreSQL sequences behind the tables' keys (looked up once per database)."""
    url = connection.engine.url.render_as_string()
    if url not in _SEQUENCES:
        _SEQUENCES[url] = sorted(
            connection.scalars(
                sa.text(
                    "SELECT pg_get_serial_sequence(quote_ident(table_name), column_name) "
                    "FROM information_schema.columns WHERE table_schema = current_schema() "
                    "AND (column_default LIKE 'nextval(%' OR is_identity = 'YES')"
                )
            )
        )
    return _SEQUENCES[url]


def _set_sequences(connection, positions: dict[str, int | None]) -> None:
    """Each sequence at ``positions[name]`` (None: never used, the next value is 1)."""
    if positions:
        calls = [
            f"setval('{name}', {at or 1}, {'true' if at else 'false'})"
            for name, at in positions.items()
        ]
        connection.execute(sa.text("SELECT " + ", ".join(calls)))


def restart_sequences(connection) -> None:
    """After a test's tables are emptied: every key sequence starts at 1 again, as SQLite's
    keys do once their table is empty. A no-op on SQLite."""
    if connection.dialect.name == "postgresql":
        _set_sequences(connection, dict.fromkeys(_sequences(connection)))


def _take(engine, upload_dir: Path, value) -> _Copy:
    frozen = _freeze(value)
    if engine.dialect.name != "sqlite":
        db.session.commit()
        with engine.connect() as connection:
            rows = {
                table.name: [
                    dict(row)
                    for row in connection.execute(
                        table.select().order_by(*table.primary_key.columns)
                    ).mappings()
                ]
                for table in db.Base.metadata.sorted_tables
            }
            names = _sequences(connection)
            positions = dict(
                connection.execute(
                    sa.text(
                        "SELECT schemaname || '.' || sequencename, last_value FROM pg_sequences "
                        "WHERE schemaname = current_schema()"
                    )
                ).all()
            )
        copy = (rows, {name: positions.get(name) for name in names})
        return _Copy(copy, _files(upload_dir), frozen)
    copy = sqlite3.connect(":memory:", check_same_thread=False)
    connection = _raw(engine)
    try:
        connection.driver_connection.backup(copy)
    finally:
        connection.close()
    return _Copy(copy, _files(upload_dir), frozen)


def _write_back(engine, copy: _Copy) -> None:
    if engine.dialect.name == "sqlite":
        connection = _raw(engine)
        try:
            copy.database.backup(connection.driver_connection)
        finally:
            connection.close()
        return
    rows, positions = copy.database
    db.session.commit()
    tables = db.Base.metadata.sorted_tables
    with engine.begin() as connection:
        for table in reversed(tables):
            connection.execute(table.delete())
        for table in tables:
            if rows[table.name]:
                connection.execute(table.insert(), _parents_first(table, rows[table.name]))
        _set_sequences(connection, positions)


def _parents_first(table: sa.Table, rows: list[dict]) -> list[dict]:
    """``rows`` in an order their own table's foreign keys allow (a line manager before the
    colleague who names them): PostgreSQL checks each row as it is inserted."""
    own = [
        (fk.parent.name, fk.column.name) for fk in table.foreign_keys if fk.column.table is table
    ]
    if not own:
        return rows
    ordered, placed, waiting = [], set(), list(rows)
    while waiting:
        ready = [
            row
            for row in waiting
            if all(row[child] is None or (parent, row[child]) in placed for child, parent in own)
        ]
        if not ready:  # a cycle within the table: left to the database to refuse
            return ordered + waiting
        for row in ready:
            placed.update((parent, row[parent]) for _child, parent in own)
        ordered += ready
        taken = {id(row) for row in ready}
        waiting = [row for row in waiting if id(row) not in taken]
    return ordered


def _put_back(engine, upload_dir: Path, copy: _Copy):
    _write_back(engine, copy)
    for name, content in copy.files.items():
        path = upload_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    db.session.expire_all()
    loaded = _load_rows(copy.value)  # held: the session keeps rows only while referenced
    value = _thaw(copy.value)
    del loaded
    return value


def kept(fixture_function):
    """Mark a fixture (under ``@pytest.fixture``) whose world is copied and put back."""
    name = fixture_function.__name__
    _KEPT.add(name)

    @functools.wraps(fixture_function)
    def build(*args, **kwargs):
        engine = current_app.extensions["engine"]
        before = tuple(n for n in _set_up if n not in PURE)
        if not enabled() or any(n not in SAME_EVERY_TIME and n not in _KEPT for n in before):
            return fixture_function(*args, **kwargs)
        key = (name, before)
        upload_dir = Path(current_app.config["UPLOAD_DIR"])
        copy = _copies.get(key)
        if copy is not None:
            return _put_back(engine, upload_dir, copy)
        value = fixture_function(*args, **kwargs)
        if key not in _copies:
            try:
                _copies[key] = _take(engine, upload_dir, value)
            except _Unkeepable:
                _copies[key] = None
        return value

    build.__signature__ = inspect.signature(fixture_function)
    return build
