"""Judge every key page of the portal at a real landlord's scale, against the stack's ceiling.

Seeds a database (a temporary SQLite file unless --database-url is given) with the demo data
and a large made-up caseload: 50 000 customers, 20 000 incidents, 100 000 contacts, 300 open
appeals on restrictions in force, arrangements, warnings and their letters. Serves the portal
with gunicorn (2 sync workers), signs each role in through the real forms (password, then
the authenticator code for staff), and loads each page with wrk (2 threads, 16 connections).
For each page it prints requests per second, p50/p95 latency, the workers' CPU per request
(and PostgreSQL's own time), SQL statements (from one request in this process), bytes on the
wire (as a browser asks, gzip and brotli) and non-2xx answers. With --ceiling it also serves
a one-query Flask + SQLAlchemy + Jinja page, interleaves it with each page, and prints each
page's ratio to it. Register search and the letter PDF are also timed one request at a time
(wrk, 1 connection: the server's own time, no queueing). With --growth N it then adds
incidents until there are N, serves the portal again and times the search alone once more,
printing both, to show how it grows. The housing system's flag API is loaded too, with a
token made for the run: one customer's flag (also timed one at a time) and the feed of flags
changed in a week. With --import-rows N it first times importing N customers into a throwaway
database of the same kind (new, unchanged, one in ten changed) and prints rows per second.
PASS/FAIL per page: staff pages and one flag >= 0.15x the ceiling, customer pages >= 0.4x,
register search p95 <= 15 ms, a letter PDF (after the first) <= 20 ms and one flag <= 25 ms
one at a time, no non-2xx; the feed (500 customers an answer) is reported as customers per
second and judged only on its answers.

    .venv/bin/python scripts/benchmark.py --ceiling
    .venv/bin/python scripts/benchmark.py --ceiling --database-url sqlite:////tmp/bench.db
    .venv/bin/python scripts/benchmark.py --ceiling --database-url sqlite:////tmp/bench.db --reuse
    .venv/bin/python scripts/benchmark.py --ceiling --database-url "$PG_URL" --reset
    .venv/bin/python scripts/benchmark.py --database-url sqlite:////tmp/bench.db --reuse \
        --page register --growth 200000                       # search at 20 000 and 200 000
    .venv/bin/python scripts/benchmark.py --quick --dry-run   # no servers: every page answers
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal import create_app, db  # noqa: E402
from scripts.bench import api, caseload, ceiling, stage  # noqa: E402
from scripts.bench.browser import Browser, in_process, over_http  # noqa: E402
from scripts.bench.pages import PAGES, address, one_request, resolve, sign_in  # noqa: E402
from scripts.bench.report import Result, table, write_json  # noqa: E402
from scripts.bench.serve import (  # noqa: E402
    gunicorn,
    have_wrk,
    postgres_cpu_seconds,
    settle,
    wrk,
)

QUICK = {
    "customers": 2_000,
    "incidents": 800,
    "contacts": 4_000,
    "awaiting": 30,
    "appeals": 30,
    "arrangements": 20,
    "seconds": 1.0,
    "ceiling_rows": 5_000,
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    class Formatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
        pass

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=Formatter)
    add = parser.add_argument
    add("--database-url", help="database to use (default: a temporary SQLite file)")
    add("--reset", action="store_true", help="drop every table first (a throwaway database only)")
    add("--reuse", action="store_true", help="benchmark a database seeded before, as it is")
    add("--ceiling", action="store_true", help="serve the one-query page and compare with it")
    add(
        "--quick",
        action="store_true",
        help="small caseload (2 000 customers, 800 incidents, 30 appeals), 1-second runs and "
        "a 5 000-row ceiling table; sizes given explicitly still count",
    )
    add("--dry-run", action="store_true", help="no servers or wrk: one request per page here")
    add("--json", metavar="PATH", help="also write the results to PATH as JSON")
    add("--strict", action="store_true", help="exit 1 when a page misses a target")
    add("--page", action="append", default=[], help="only pages whose label contains this")
    add("--customers", type=int, default=50_000, help="customers in the caseload")
    add("--incidents", type=int, default=20_000, help="incidents")
    add(
        "--growth",
        type=int,
        metavar="N",
        help="afterwards, add incidents until there are N and time register search again",
    )
    add("--contacts", type=int, default=100_000, help="contact log entries")
    add("--awaiting", type=int, default=150, help="incidents still awaiting the Panel")
    add("--appeals", type=int, default=300, help="open appeals on restrictions in force")
    add("--arrangements", type=int, default=200, help="informal arrangements")
    add("--ceiling-rows", type=int, default=ceiling.ROWS, help="rows in the ceiling's table")
    add("--seconds", type=float, default=5.0, help="length of each wrk run")
    add("--rounds", type=int, default=3, help="wrk runs per page (each after a ceiling run)")
    add("--workers", type=int, default=2, help="gunicorn sync workers, for both servers")
    add("--threads", type=int, default=2, help="wrk threads")
    add("--connections", type=int, default=16, help="wrk connections")
    add("--port", type=int, default=18300, help="the portal's port (the ceiling's is +1)")
    add("--seed", type=int, default=2026, help="seed of the made-up data")
    add(
        "--import-rows",
        type=int,
        default=0,
        metavar="N",
        help="also time importing N customers (new, unchanged, one in ten changed) into a "
        "throwaway database of the same kind",
    )
    args = parser.parse_args(argv)
    if args.quick:
        for name, value in QUICK.items():
            if parser.get_default(name) == getattr(args, name):
                setattr(args, name, value)
    if args.reuse and not args.database_url:
        parser.error("--reuse needs the --database-url of a database seeded before")
    return args


def progress(what: str, done: int, total: int) -> None:
    print(f"\r  {what}: {done:,} of {total:,}", end="\n" if done >= total else "", flush=True)


def _upgrade(app) -> None:
    """Build the schema with the migrations, as a deployment does."""
    from alembic import command
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["engine"] = app.extensions["engine"]
    command.upgrade(config, "head")
    missing = _missing_columns(app.extensions["engine"])
    if missing:
        print(
            "The migrations lag the models (no "
            + ", ".join(missing[:5])
            + (" ..." if len(missing) > 5 else "")
            + "): building the tables from the models instead."
        )
        with app.extensions["engine"].begin() as connection:
            db.Base.metadata.drop_all(connection)
            db.Base.metadata.create_all(connection)


def _missing_columns(engine) -> list[str]:
    """``table.column`` for each model column the database does not have."""
    from sqlalchemy import inspect

    inspector = inspect(engine)
    missing = []
    for model in db.Base.metadata.sorted_tables:
        if not inspector.has_table(model.name):
            missing.append(model.name)
            continue
        present = {column["name"] for column in inspector.get_columns(model.name)}
        missing += [f"{model.name}.{c.name}" for c in model.columns if c.name not in present]
    return missing


def prepare(app, args: argparse.Namespace) -> None:
    """Seed the database (or check a reused one is seeded)."""
    from portal.auth.models import User
    from portal.demo import load_demo

    engine = app.extensions["engine"]
    with app.app_context():
        if args.reset:
            with engine.begin() as connection:
                db.Base.metadata.drop_all(connection)
                connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        if not args.reuse:
            _upgrade(app)
        seeded = db.session.scalar(select(User.id).where(User.email == "panel@demo.example"))
        if args.reuse:
            if seeded is None:
                raise SystemExit("--reuse: that database has not been seeded; leave --reuse out")
            _for_the_api()
            return
        if db.session.scalar(select(User.id).limit(1)) is not None:
            raise SystemExit("The database is not empty: pass --reset to wipe it, or --reuse.")
        started = time.perf_counter()
        print(f"Seeding {engine.dialect.name}: the demo data, then the caseload")
        load_demo()
        db.session.commit()
        rng = random.Random(args.seed)
        frequent = caseload.seed(args, rng, progress)
        stage.appeals(frequent, args.appeals, rng, progress)
        stage.arrangements(frequent[args.appeals :], args.arrangements, progress)
        db.session.commit()
        _for_the_api()
        _analyze(app)
        print(f"Seeded in {time.perf_counter() - started:.0f} s.")


def _for_the_api() -> None:
    given = api.ensure_housing_refs()
    if given:
        print(f"Housing references given to {given:,} customers")
    api.make_token()


def database_time(url: str):
    """A function giving the database server's time so far, in seconds: pg_stat_statements'
    execution time when the extension is there, else the CPU of the server's processes."""
    if not url.startswith("postgres"):
        return None
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT sum(total_exec_time) FROM pg_stat_statements"))
    except Exception:  # noqa: BLE001 - the extension is optional
        engine.dispose()
        print("(PostgreSQL time: CPU of the postgres processes; pg_stat_statements not loaded)")
        return postgres_cpu_seconds

    def _statements_time() -> float:
        with engine.connect() as connection:
            query = text("SELECT coalesce(sum(total_exec_time), 0) FROM pg_stat_statements")
            return float(connection.scalar(query)) / 1000

    print("(PostgreSQL time: pg_stat_statements' total execution time)")
    return _statements_time


def _sign_in_all(send, readers: set[str]) -> dict[str, Browser]:
    browsers = {}
    for reader in sorted(readers):
        browsers[reader] = Browser(send)
        sign_in(browsers[reader], reader)
    return browsers


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    temp = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    url = args.database_url or f"sqlite:///{temp / 'bench.db'}"
    keys = {
        "SECRET_KEY": secrets.token_hex(32),
        "AUDIT_KEY": os.environ.get("AUDIT_KEY") or secrets.token_hex(32),
    }
    base = f"http://127.0.0.1:{args.port}"
    app = create_app(
        {
            "DATABASE_URL": url,
            **keys,
            "PUBLIC_URL": base,
            "EXTRA_TRUSTED_HOSTS": ["localhost", "127.0.0.1"],
            "UPLOAD_DIR": temp,
        }
    )
    for name in ("", "portal", "portal.access", "weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.WARNING)
    prepare(app, args)
    pages = [p for p in PAGES if not args.page or any(w in p.label for w in args.page)]
    readers = {p.reader for p in pages} | {"customer"}
    postgres = url.startswith("postgres")
    settings = {**vars(args), "database": url.split("://")[0], "cpus": os.cpu_count()}
    if args.dry_run or not have_wrk():
        if not args.dry_run:
            print("wrk is not installed (apt-get install wrk): one request per page only.")
        with app.app_context():
            busiest = caseload.busiest_customer()
        results = measure_here(app, pages, _sign_in_all(in_process(app), readers), busiest)
        growth = []
    else:
        results, growth = measure_served(app, args, url, keys, temp, pages, readers)
    # Last: the import's app binds the session to its own throwaway database.
    imports = api.import_speed(url, args.import_rows, keys, temp) if args.import_rows else []
    settings["imports"] = imports
    print()
    print(table(results, postgres))
    for run in imports:
        print(
            f"Import, {run['run']}: {run['rows']:,} rows in {run['seconds']:.1f} s"
            f" = {run['rows'] / run['seconds']:,.0f} rows/s"
        )
    grew = growth_lines(growth)
    print("\n".join(grew))
    if args.json:
        write_json(args.json, settings, results, growth)
        print(f"Results written to {args.json}")
    app.extensions["engine"].dispose()
    if not args.database_url:
        shutil.rmtree(temp, ignore_errors=True)
    missed = [r for r in results if r.failures()] + [line for line in grew if "FAIL" in line]
    return 1 if args.strict and missed else 0


def measure_here(app, pages, browsers, busiest) -> list[Result]:
    """One request to each page in this process: status, statements, bytes."""
    ids = resolve(browsers["customer"], busiest)
    with app.app_context():
        ids |= api.api_ids(busiest)
    results = []
    for page in pages:
        path = address(page, ids)
        result = Result(page, path)
        if path is not None:
            cookie = browsers[page.reader].cookie_header
            result.single = one_request(app, cookie, path, page.headers)
        results.append(result)
    return results


def measure_served(app, args, url, keys, temp, pages, readers) -> tuple[list[Result], list]:
    """Serve the portal (and the ceiling) with gunicorn and load each page with wrk; with
    --growth, the register search alone before and after adding incidents."""
    env = {
        **os.environ,
        **keys,
        "DATABASE_URL": url,
        "PORTAL_PUBLIC_URL": f"http://127.0.0.1:{args.port}",
        "PORTAL_TRUSTED_HOSTS": "127.0.0.1,localhost",
        "PORTAL_INSTANCE_DIR": str(temp),
        "LOG_FORMAT": "text",
        # The housing system's calls are counted per token: wrk sends far more than one would.
        "API_RATE_LIMIT": "1000000000 per minute",
    }
    env.pop("PORTAL_ENV", None)
    ceiling_url = url if url.startswith("postgres") else f"sqlite:///{temp / 'ceiling.db'}"
    log = temp / "gunicorn.log"
    print(f"Servers' log: {log}")
    with app.app_context():
        busiest = caseload.busiest_customer()
    database = database_time(url)
    with gunicorn("wsgi:app", args.port, env, args.workers, ROOT, log) as portal:
        browsers = _sign_in_all(over_http(portal.url), readers)
        results = measure_here(app, pages, browsers, busiest)
        ceiling_server = None
        if args.ceiling:
            ceiling.prepare(ceiling_url, args.ceiling_rows)
            ceiling_env = {
                **env,
                "CEILING_DATABASE_URL": ceiling_url,
                "CEILING_ROWS": str(args.ceiling_rows),
                "PYTHONPATH": str(ROOT / "scripts"),
            }
            ceiling_server = gunicorn(
                "bench.ceiling:app", args.port + 1, ceiling_env, args.workers, ROOT / "scripts", log
            )
        with ceiling_server or _nothing() as server:
            for result in results:
                if result.path is None:
                    continue
                _load(result, portal, server, browsers, args, database)
    if args.growth:
        searches = [r for r in results if r.page.grows and r.alone]
        growth = [_sizes(app, "before", {r.page.label: r.alone for r in searches})]
        with app.app_context():
            print(f"Adding incidents until there are {args.growth:,}")
            caseload.grow(args.growth, random.Random(args.seed + 1), progress)
            db.session.commit()
            _analyze(app)
        with gunicorn("wsgi:app", args.port, env, args.workers, ROOT, log) as portal:
            alone = {}
            for result in searches:
                headers = _headers(result.page, browsers)
                wrk(portal, result.path, headers, 1, 1, 1)
                settle(portal)
                alone[result.page.label] = wrk(portal, result.path, headers, args.seconds, 1, 1)
        growth.append(_sizes(app, "after", alone))
        return results, growth
    return results, []


def _sizes(app, when: str, alone: dict) -> dict:
    with app.app_context():
        incidents = caseload.incident_count()
    return {
        "when": when,
        "incidents": incidents,
        "p95_alone_ms": {k: v.p95_ms for k, v in alone.items()},
    }


def growth_lines(growth: list[dict]) -> list[str]:
    """The search timed alone at each size, and whether it grew less than the rows did."""
    if len(growth) < 2:
        return []
    before, after = growth[0], growth[-1]
    rows = after["incidents"] / before["incidents"]
    lines = [
        f"Register search alone (p95), {before['incidents']:,} -> {after['incidents']:,}"
        f" incidents ({rows:.1f}x the rows):"
    ]
    for label, first in before["p95_alone_ms"].items():
        last = after["p95_alone_ms"].get(label)
        if last is None or not first:
            continue
        grew = last / first
        verdict = "PASS: less than linear" if grew < rows else "FAIL: linear or worse"
        lines.append(f"  {label}: {first:.1f} ms -> {last:.1f} ms ({grew:.2f}x)  {verdict}")
    return lines


def _analyze(app) -> None:
    with app.extensions["engine"].connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _headers(page, browsers) -> dict:
    return {
        "Cookie": browsers[page.reader].cookie_header,
        "Accept-Encoding": "gzip, deflate, br",
        **page.headers,
    }


def _load(result: Result, portal, ceiling_server, browsers, args, database) -> None:
    page = result.page
    headers = _headers(page, browsers)
    print(f"  {page.label}: ", end="", flush=True)
    run = (args.threads, args.connections)
    wrk(portal, result.path, headers, 1, *run)  # warm both workers
    if ceiling_server is not None:
        wrk(ceiling_server, "/", {}, 1, *run)
    for _ in range(args.rounds):
        if ceiling_server is not None:
            settle(portal, ceiling_server)
            result.ceilings.append(wrk(ceiling_server, "/", {}, args.seconds, *run))
        settle(portal, ceiling_server)
        result.loads.append(wrk(portal, result.path, headers, args.seconds, *run, database))
        print(f"{result.loads[-1].rate:.0f}/s ", end="", flush=True)
    if page.p95_target_ms is not None:
        settle(portal, ceiling_server)
        result.alone = wrk(portal, result.path, headers, args.seconds, 1, 1)
        print(f"alone p95 {result.alone.p95_ms:.1f} ms", end="", flush=True)
    print()


if __name__ == "__main__":
    sys.exit(main())
