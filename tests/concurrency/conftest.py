"""A live server on the test database, and browsers that act on it at the same instant.

Each browser is a real HTTP client with its own cookies, signed in through the real forms
(password, then the code from an authenticator app for the roles that need one). ``race``
sends one request from each browser at once, through real threads.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from http.cookiejar import CookieJar
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, Request, build_opener

import pyotp
import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from portal import create_app, db
from portal.auth import permissions, two_factor
from portal.auth import services as auth_services
from tests.factories import PASSWORD

# How many people act at once in each test.
N = 6

CSRF = re.compile(r'<input[^>]*name="[\w-]*csrf_token"[^>]*>')
VALUE = re.compile(r'value="([^"]+)"')


@pytest.fixture(autouse=True)
def _quick_password_hashes(monkeypatch):
    """One hashing round for test users: sign-in still checks the password for real."""
    monkeypatch.setattr(
        auth_services,
        "hash_password",
        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1"),
    )


@dataclass
class Response:
    status: int
    headers: dict
    text: str

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One person's browser: its own cookies, no redirects followed."""

    def __init__(self, base: str):
        self.base = base
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()), _NoRedirect)

    def request(self, method: str, path: str, data: dict | None = None) -> Response:
        body = urlencode(data or {}, doseq=True).encode() if method == "POST" else None
        req = Request(self.base + path, data=body, method=method)
        try:
            with self.opener.open(req, timeout=60) as answer:
                return Response(answer.status, dict(answer.headers), answer.read().decode())
        except HTTPError as answer:
            return Response(answer.code, dict(answer.headers), answer.read().decode())

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def token(self, path: str) -> str:
        page = self.get(path)
        assert page.status == 200, (path, page.status, page.text[:300])
        found = CSRF.search(page.text)
        assert found, f"no CSRF token on {path}"
        return VALUE.search(found.group(0)).group(1)

    def post(self, path: str, data: dict | None = None, token_from: str | None = None):
        return self.request(
            "POST", path, {"csrf_token": self.token(token_from or path), **(data or {})}
        )


@dataclass
class LiveServer:
    url: str
    app: object

    def browser(self) -> Browser:
        return Browser(self.url)


@pytest.fixture
def live(app, _schema, clock, tmp_path) -> Iterator[LiveServer]:
    """The portal served on a free port, threaded, on the test database and the test's clock.

    It shares the tests' engine (its pool hands each thread a connection of its own), so its
    requests see what the test committed and the test sees what they committed.
    """
    server_app = create_app(
        {
            "DATABASE_URL": str(_schema.url),
            "TESTING": True,
            "PROPAGATE_EXCEPTIONS": False,  # a fault is the portal's 500 page, as in production
            "CLOCK": clock,
            "UPLOAD_DIR": tmp_path / "uploads",
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "concurrency-tests-" + "0" * 32,
        },
        engine=_schema,
    )
    server = make_server("127.0.0.1", 0, server_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", server_app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        db.session.remove()


@pytest.fixture
def signed_in(live, clock):
    """``signed_in(user)``: a browser signed in as ``user`` through the sign-in forms."""

    def _sign_in(user) -> Browser:
        browser = live.browser()
        if permissions.needs_second_factor(user) and not two_factor.is_set_up(user):
            before = clock.now - timedelta(seconds=30)
            two_factor.start_enrolment(user, before)
            two_factor.confirm_enrolment(user, before, pyotp.TOTP(user.totp_secret).at(before))
            db.session.commit()
        answer = browser.post("/staff/sign-in", {"email": user.email, "password": PASSWORD})
        assert answer.status == 303, answer.text[:500]
        if "/sign-in/code" in answer.location:
            code = pyotp.TOTP(user.totp_secret).at(clock.now)
            answer = browser.post("/staff/sign-in/code", {"code": code})
            assert answer.status == 303, answer.text[:500]
        return browser

    return _sign_in


def committed(model, *where) -> int:
    """How many ``model`` rows (matching ``where``) the server has committed: a fresh read."""
    db.session.rollback()
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def race(sends: list[Callable[[], Response]]) -> list[Response]:
    """Run each ``send`` in a thread of its own, released together; their answers in order."""
    start = threading.Barrier(len(sends))
    answers: list[Response | BaseException | None] = [None] * len(sends)

    def _run(i: int, send) -> None:
        start.wait()
        try:
            answers[i] = send()
        except BaseException as exc:  # reported below, in the test's thread
            answers[i] = exc

    threads = [threading.Thread(target=_run, args=(i, s)) for i, s in enumerate(sends)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for answer in answers:
        if isinstance(answer, BaseException):
            raise answer
    return answers


def one_winner(answers: list[Response]) -> tuple[Response, list[Response]]:
    """Exactly one 303; every other answer a 409 that says what already happened."""
    statuses = [a.status for a in answers]
    assert statuses.count(303) == 1, statuses
    assert statuses.count(409) == len(answers) - 1, statuses
    winner = next(a for a in answers if a.status == 303)
    return winner, [a for a in answers if a.status == 409]


def prepared(browser: Browser, path: str, data: dict, token_from: str | None = None):
    """A send ready to go: the CSRF token is fetched now, the POST when the race starts."""
    payload = {"csrf_token": browser.token(token_from or path), **data}
    return lambda: browser.request("POST", path, payload)
