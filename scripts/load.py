"""Load the portal with many staff at once and check that nothing confirmed was lost or doubled.

Starts one or more gunicorn servers on a fresh database (SQLite file or a throwaway PostgreSQL
database), signs in one colleague per client, and for ``--seconds`` has a third of the clients
log contacts (a write with a unique marker) while the rest read pages. Then it counts, in the
database, each marker the portal confirmed with a redirect: every one must be there exactly
once. Prints requests, errors, 5xx, p50/p95 and the write check; exits 1 on any 5xx, lost or
doubled write. Not a test: run it by hand, on a quiet machine.

    .venv/bin/python scripts/load.py --serve sqlite
    .venv/bin/python scripts/load.py --serve postgresql --servers 2
    .venv/bin/python scripts/load.py --url http://a:8000 --url http://b:8000 \\
        --database-url postgresql+psycopg://... --no-setup   # servers you run yourself
"""

from __future__ import annotations

import argparse
import contextlib
import html
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, Request, build_opener

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "load-test-password-2026"
FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S)
HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>')
NAME = re.compile(r'name="([^"]+)"')
VALUE = re.compile(r'value="([^"]*)"')


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    times: list = field(default_factory=list)
    confirmed: list = field(default_factory=list)

    def note(self, status: int, seconds: float) -> None:
        with self.lock:
            self.statuses[status] += 1
            self.times.append(seconds)

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] += 1


class Browser:
    """One member of staff's browser: its own cookies, no redirects followed."""

    def __init__(self, base: str, tally: Tally):
        self.base = base
        self.tally = tally
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()), _NoRedirect)

    def send(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        body = urlencode(data, doseq=True).encode() if data is not None else None
        request = Request(self.base + path, data=body)
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=60) as response:
                status, text, location = response.status, response.read().decode(), ""
        except HTTPError as exc:
            status, text = exc.code, exc.read().decode(errors="replace")
            location = exc.headers.get("Location", "")
        except (URLError, TimeoutError, ConnectionError) as exc:
            self.tally.error(type(exc).__name__)
            return 0, "", ""
        self.tally.note(status, time.perf_counter() - started)
        return status, text, location

    def form_fields(self, page: str, action: str) -> dict:
        """The hidden fields (CSRF token, one-time key) of the form posting to ``action``."""
        for form in FORM.findall(page):
            if f'action="{action}"' in form:
                fields = {}
                for tag in HIDDEN.findall(form):
                    name, value = NAME.search(tag), VALUE.search(tag)
                    if name:
                        fields[name.group(1)] = html.unescape(value.group(1) if value else "")
                return fields
        return {}

    def sign_in(self, email: str) -> bool:
        _status, page, _ = self.send("/staff/sign-in")
        fields = self.form_fields(page, "/staff/sign-in")
        status, _, _ = self.send("/staff/sign-in", {**fields, "email": email, "password": PASSWORD})
        return status == 303


def _client(n: int, base: str, email: str, writer: bool, customers: list, until: float, tally):
    browser = Browser(base, tally)
    if not browser.sign_in(email):
        tally.error("sign-in refused")
        return
    rng = random.Random(n)
    count = 0
    while time.monotonic() < until:
        customer = rng.choice(customers)
        if writer:
            action = f"/staff/customers/{customer}/contacts"
            status, page, _ = browser.send(f"/staff/customers/{customer}")
            if status != 200:
                continue
            marker = f"load-{n}-{count}-{secrets.token_hex(3)}"
            count += 1
            today = time.strftime("%Y-%m-%d")
            status, _, _ = browser.send(
                action,
                {
                    **browser.form_fields(page, action),
                    "contact-channel": "phone",
                    "contact-direction": "in",
                    "contact-occurred_on": today,
                    "contact-occurred_time": "09:00",
                    "contact-duration_minutes": "5",
                    "contact-summary": marker,
                },
            )
            if status == 303:
                with tally.lock:
                    tally.confirmed.append(marker)
        else:
            path = rng.choice(["/staff/", "/staff/customers?q=jo", f"/staff/customers/{customer}"])
            browser.send(path)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000 if ordered else 0.0


def _prepare(database_url: str, clients: int) -> tuple[list[str], list[int]]:
    """Colleagues to sign in as, and customers to open (the demo data's)."""
    from sqlalchemy import select

    from portal import create_app, db
    from portal.auth.models import Role, User
    from portal.auth.services import create_user
    from portal.customers.models import Customer
    from portal.timeutil import utcnow

    app = create_app({"DATABASE_URL": database_url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:10000"})
    with app.app_context():
        emails = []
        for n in range(clients):
            email = f"load{n}@load.example"
            if db.session.scalar(select(User.id).where(User.email == email)) is None:
                create_user(email, f"Load Tester {n}", PASSWORD, [Role.COLLEAGUE], utcnow())
            emails.append(email)
        db.session.commit()
        customers = list(db.session.scalars(select(Customer.id).order_by(Customer.id)))
    app.extensions["engine"].dispose()
    return emails, customers


def _check_writes(database_url: str, confirmed: list[str]) -> tuple[int, int, int]:
    """(saved, lost, doubled) among the confirmed markers."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        saved = Counter(
            connection.scalars(
                text("SELECT summary FROM contact_log_entry WHERE summary LIKE 'load-%'")
            )
        )
    engine.dispose()
    lost = sum(1 for marker in confirmed if saved[marker] == 0)
    doubled = sum(1 for marker in confirmed if saved[marker] > 1)
    return len(confirmed) - lost, lost, doubled


@contextlib.contextmanager
def _servers(kind: str, count: int, workers: int) -> Iterator[tuple[list[str], str]]:
    """Fresh database with the demo data, and ``count`` gunicorn servers on it."""
    temp = Path(tempfile.mkdtemp(prefix="portal-load-"))
    admin = None
    if kind == "sqlite":
        database_url = f"sqlite:///{temp / 'load.db'}"
    else:
        from sqlalchemy import create_engine, text

        server = os.environ.get("LOAD_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432")
        name = f"portal_load_{secrets.token_hex(4)}"
        admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        database_url = f"{server}/{name}"
    ports = [18100 + n for n in range(count)]
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_hex(32),  # one key: any server reads any session
        "AUDIT_KEY": secrets.token_hex(32),
        "PORTAL_PUBLIC_URL": f"http://127.0.0.1:{ports[0]}",
        "PORTAL_TRUSTED_HOSTS": "127.0.0.1",
        "PORTAL_INSTANCE_DIR": str(temp),
        "LOG_FORMAT": "text",
    }
    flask = [str(ROOT / ".venv/bin/flask"), "--app", "wsgi"]
    processes = []
    try:
        for command in (["db-upgrade"], ["demo-data"]):
            done = subprocess.run([*flask, *command], env=env, cwd=ROOT, capture_output=True)
            if done.returncode:
                raise SystemExit(f"flask {command[0]} failed:\n{done.stderr.decode()[-2000:]}")
        os.environ.update({k: env[k] for k in ("SECRET_KEY", "AUDIT_KEY", "PORTAL_PUBLIC_URL")})
        os.environ["PORTAL_TRUSTED_HOSTS"] = env["PORTAL_TRUSTED_HOSTS"]
        log = open(temp / "gunicorn.log", "w")  # noqa: SIM115 - closed with the servers
        for port in ports:
            processes.append(
                subprocess.Popen(
                    [
                        str(ROOT / ".venv/bin/gunicorn"),
                        "-c",
                        str(ROOT / "gunicorn.conf.py"),
                        "-w",
                        str(workers),
                        "-b",
                        f"127.0.0.1:{port}",
                        "wsgi:app",
                    ],
                    env=env,
                    cwd=ROOT,
                    stdout=log,
                    stderr=log,
                )
            )
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url in urls:
            _wait_for(url)
        yield urls, database_url
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=20)
        if admin is not None:
            from sqlalchemy import text

            with admin.connect() as connection:
                connection.execute(
                    text(f'DROP DATABASE IF EXISTS "{database_url.rsplit("/", 1)[1]}" WITH (FORCE)')
                )
            admin.dispose()
        print(f"(server logs in {temp / 'gunicorn.log'})")


def _wait_for(url: str) -> None:
    for _ in range(100):
        try:
            with build_opener().open(url + "/staff/sign-in", timeout=5):
                return
        except (URLError, ConnectionError, HTTPError):
            time.sleep(0.2)
    raise SystemExit(f"{url} did not start")


def run(urls: list[str], database_url: str, clients: int, seconds: float, writers: float) -> int:
    emails, customers = _prepare(database_url, clients)
    tally = Tally()
    until = time.monotonic() + seconds
    writing = round(clients * writers)
    threads = [
        threading.Thread(
            target=_client,
            args=(n, urls[n % len(urls)], emails[n], n < writing, customers, until, tally),
        )
        for n in range(clients)
    ]
    print(
        f"{clients} clients ({writing} writing) for {seconds:.0f} s against "
        f"{len(urls)} server(s): {', '.join(urls)}"
    )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    requests = sum(tally.statuses.values())
    five = sum(n for status, n in tally.statuses.items() if status >= 500)
    saved, lost, doubled = _check_writes(database_url, tally.confirmed)
    print(f"requests       {requests} ({requests / seconds:.0f}/s)")
    print(f"by status      {dict(sorted(tally.statuses.items()))}")
    print(f"errors         {dict(tally.errors) or 0}")
    print(f"5xx            {five}")
    print(
        f"latency        p50 {statistics.median(tally.times) * 1000:.0f} ms, "
        f"p95 {_percentile(tally.times, 0.95):.0f} ms"
        if tally.times
        else "latency        -"
    )
    print(f"writes         {len(tally.confirmed)} confirmed, {saved} saved once, ", end="")
    print(f"{lost} lost, {doubled} doubled")
    return 1 if five or lost or doubled or tally.errors else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serve", choices=["sqlite", "postgresql"], help="start servers")
    parser.add_argument("--servers", type=int, default=1, help="gunicorn servers to start")
    parser.add_argument("--workers", type=int, default=2, help="workers per server")
    parser.add_argument("--url", action="append", default=[], help="a server to load")
    parser.add_argument("--database-url", help="the servers' database (with --url)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--writers", type=float, default=1 / 3, help="share of clients writing")
    args = parser.parse_args()
    if args.serve:
        with _servers(args.serve, args.servers, args.workers) as (urls, database_url):
            return run(urls, database_url, args.clients, args.seconds, args.writers)
    if not args.url or not args.database_url:
        parser.error("give --serve, or --url (one or more) with --database-url")
    return run(args.url, args.database_url, args.clients, args.seconds, args.writers)


if __name__ == "__main__":
    sys.exit(main())
