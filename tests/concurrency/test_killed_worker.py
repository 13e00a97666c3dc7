"""A server killed in the middle of saving leaves nothing half-saved, and the database usable.

A portal server runs in a process of its own (tests/concurrency/killable_server.py); a
colleague sends an incident report, and the server is killed (SIGKILL,
as the kernel's out-of-memory killer or a pulled plug would) after the report has been written
to the database but before it is committed. Nothing of the report may be there afterwards, and
the next person's report must save normally.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal import db
from portal.auth.models import Role
from portal.incidents.models import Incident
from tests.concurrency.conftest import Browser
from tests.factories import PASSWORD
from tests.web.forms import incident_form

pytestmark = pytest.mark.concurrency

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(database_url: str, held: Path | None, uploads: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.concurrency.killable_server",
            database_url,
            str(port),
            str(held or "-"),
            str(uploads),
        ],
        cwd=ROOT,
        env={**os.environ, "LOG_FORMAT": "text"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, url
        except OSError:
            if process.poll() is not None:
                raise RuntimeError("the server process did not start") from None
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start listening")


def _table_counts(engine) -> dict[str, int]:
    """Rows in every table but the sign-in sessions, as committed."""
    with engine.connect() as connection:
        return {
            table.name: connection.scalar(select(func.count()).select_from(table))
            for table in db.Base.metadata.sorted_tables
            if table.name != "sign_in_session"
        }


def _rows(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_server_killed_mid_save_leaves_nothing_half_saved(
    _schema, make_staff, make_customer, tmp_path
):
    colleague = make_staff(name="Kim Killed")
    manager = make_staff(Role.LINE_MANAGER, name="Lin Manager")
    tenant = make_customer()
    held, uploads = tmp_path / "held", tmp_path / "uploads"
    process, url = _start(_schema.url.render_as_string(hide_password=False), held, uploads)
    try:
        browser = Browser(url)
        signed = browser.post("/staff/sign-in", {"email": colleague.email, "password": PASSWORD})
        assert signed.status == 303, signed.text[:300]
        page = "/staff/incidents/new"
        hidden = _hidden_fields(browser.get(page).text, page)
        before = _table_counts(_schema)
        data = {**hidden, **incident_form(tenant, manager, description="Never to be saved.")}
        sending = threading.Thread(
            target=lambda: _quietly(lambda: browser.request("POST", page, data)), daemon=True
        )
        sending.start()
        for _ in range(300):
            if held.exists():
                break
            time.sleep(0.1)
        assert held.exists(), "the server never reached the point of saving"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        sending.join(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()

    assert _table_counts(_schema) == before
    assert _rows(Incident) == 0

    # Nothing is left locked: the next report, on a new server, saves normally.
    process, url = _start(_schema.url.render_as_string(hide_password=False), None, uploads)
    try:
        browser = Browser(url)
        signed = browser.post("/staff/sign-in", {"email": colleague.email, "password": PASSWORD})
        assert signed.status == 303
        hidden = _hidden_fields(browser.get(page).text, page)
        data = {**hidden, **incident_form(tenant, manager, description="Saved this time.")}
        assert browser.request("POST", page, data).status == 303
    finally:
        process.kill()
        process.wait(timeout=10)
    assert _rows(Incident) == 1


def _hidden_fields(page: str, action: str) -> dict:
    from bs4 import BeautifulSoup

    form = BeautifulSoup(page, "html.parser").find("form", action=action)
    return {i["name"]: i.get("value", "") for i in form.find_all("input", type="hidden")}


def _quietly(send) -> None:
    try:
        send()
    except Exception:  # the server died under the request: that is the point
        return
