"""Browser fixtures: the app served on a real port with demo data, Debian's Chromium, axe.

The live server builds its own app on its own SQLite file, so it does not depend on the
function-scoped ``app`` fixture the other test packages use.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from portal import create_app, db
from tests.browser.support import sign_in_with_form

# Two cores run Chromium, the server and its PDF rendering at once: give a page up to 15 seconds
# to show what is expected (Playwright's default is 5) before calling it a failure.
expect.set_options(timeout=15_000)

# PORTAL_CHROMIUM points at another Chromium build; Playwright cannot download browsers here.
CHROMIUM = Path(os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Small pages make the register's paging reachable with the demo's dozen incidents.
REGISTER_PAGE_SIZE = 4


@dataclass
class LiveServer:
    url: str
    app: object
    engine: object


def _bind_to(engine):
    """Point the shared scoped session at the live server's database before each request.

    ``portal.db.session`` is process-wide and every ``create_app`` rebinds it, so a
    function-scoped app built by another test package must not divert the server's requests.
    """

    def _before_request():
        if db.session.registry.has():
            db.session.remove()
        db.session.configure(bind=engine)

    return _before_request


# The demo database as first loaded in this process: later servers start from a copy of it
# (the data is the same, and a load costs seconds on the browser worker, the suite's longest).
_DEMO_COPY: list[Path] = []


def _copy_database(source: Path, target: Path) -> None:
    """Copy an SQLite database whole, through SQLite's backup (safe with WAL)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    dst.close()
    src.close()


@contextmanager
def serve_demo(root: Path, **config) -> Iterator[LiveServer]:
    """The app on a fresh demo database in ``root`` (a copy of the first one this process
    loaded), served on a free port until the end."""
    from portal.demo import load_demo

    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{root / 'demo.db'}",
            "UPLOAD_DIR": root / "uploads",
            "TESTING": False,
            "PORTAL_ENV": "development",  # a kept secret key, not the production checks
            # Each sign-in still checks the password, with a cheaper hash than production's
            # (scrypt costs about 90 ms of CPU on the browser worker each time).
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            **config,
        }
    )
    engine = app.extensions["engine"]
    if _DEMO_COPY:
        _copy_database(_DEMO_COPY[0], root / "demo.db")
    else:
        db.Base.metadata.create_all(engine)
        with app.app_context():
            db.session.configure(bind=engine)
            load_demo()
            db.session.commit()
            db.session.remove()
        engine.dispose()
        kept = root / "demo-as-loaded.db"
        _copy_database(root / "demo.db", kept)
        _DEMO_COPY.append(kept)
    app.before_request(_bind_to(engine))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app, engine)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    with serve_demo(
        tmp_path_factory.mktemp("browser"), REGISTER_PAGE_SIZE=REGISTER_PAGE_SIZE
    ) as server:
        yield server


@dataclass
class Demo:
    """Ids of the demo records the pages are opened on."""

    customers: dict[str, int]
    staff: dict[str, int]
    awaiting_decision: int
    awaiting_review: int
    warned: int
    letter: int
    assessment: int  # the Equality Impact Assessment opened for the vulnerable customer


@pytest.fixture(scope="session")
def demo(live_server) -> Demo:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from portal.auth.models import User
    from portal.conduct_warnings.models import ConductWarning
    from portal.customers.models import Customer
    from portal.impact.models import ImpactAssessment
    from portal.incidents.models import Incident

    with Session(live_server.engine) as session:
        customers = dict(session.execute(select(Customer.reference, Customer.id)).all())
        staff = {
            email.split("@")[0]: ident
            for email, ident in session.execute(select(User.email, User.id)).all()
        }
        by_customer = {
            ref: session.scalars(
                select(Incident).where(Incident.customer_id == ident).order_by(Incident.id)
            ).all()
            for ref, ident in customers.items()
        }
        warning = session.scalars(
            select(ConductWarning).where(
                ConductWarning.customer_id == customers["C-100006"]  # vulnerable, first stage
            )
        ).one()
        return Demo(
            customers=customers,
            staff=staff,
            awaiting_decision=by_customer["C-100008"][0].id,
            awaiting_review=by_customer["C-100007"][0].id,
            warned=warning.incident_id,
            letter=warning.letter_id,
            assessment=session.scalars(select(ImpactAssessment.id)).first(),
        )


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    """pytest-playwright resolves relative ``page.goto("/staff")`` against this."""
    return live_server.url


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = (
        f"Chromium is not installed at {CHROMIUM}. Install it with "
        "`apt-get install -y --no-install-recommends chromium` (Playwright cannot download "
        "browsers here)."
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args) -> dict:
    _require_chromium()
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def signed_in_state(browser, base_url):
    """Sign in once per role through the real form; later contexts reuse the cookie."""
    states: dict[str, dict] = {}

    def _state(role: str) -> dict:
        if role not in states:
            context = browser.new_context(base_url=base_url)
            try:
                sign_in_with_form(context.new_page(), role)
                states[role] = context.storage_state()
            finally:
                context.close()
        return states[role]

    return _state


def new_context(browser, base_url, state, *, js: bool = True, width: int = 1280, height: int = 900):
    """A browser context on ``base_url`` as a British user would have it, signed in with
    ``state`` (a storage state, or None)."""
    return browser.new_context(
        base_url=base_url,
        java_script_enabled=js,
        locale="en-GB",
        timezone_id="Europe/London",
        viewport={"width": width, "height": height},
        storage_state=state,
    )


@pytest.fixture
def open_as(browser, base_url, signed_in_state):
    """Open a page in a fresh context, signed in as ``role`` (None: signed out)."""
    contexts = []

    def _open(
        role: str | None,
        path: str | None = None,
        *,
        js: bool = True,
        width: int = 1280,
        height: int = 900,
    ):
        state = signed_in_state(role) if role else None
        context = new_context(browser, base_url, state, js=js, width=width, height=height)
        contexts.append(context)
        page = context.new_page()
        if path is not None:
            page.goto(path)
        return page

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def reading_page(browser, base_url, signed_in_state):
    """A page signed in as ``role`` (None: signed out) for tests that only open pages and
    look at them: one per role and screen size for the module, each test going to its own
    address in it. Chromium takes longer to make a context and a page than to check one."""
    pages: dict[tuple, object] = {}

    def _page(role: str | None, *, width: int = 1280, height: int = 900):
        key = (role, width, height)
        if key not in pages:
            state = signed_in_state(role) if role else None
            context = new_context(browser, base_url, state, width=width, height=height)
            pages[key] = context.new_page()
        return pages[key]

    yield _page
    for page in pages.values():
        page.context.close()
