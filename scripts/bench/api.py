"""The flag API in the benchmark: housing references for the caseload, a token to call with,
and the import's speed on a database of its own."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import func, select, text, update
from sqlalchemy.engine import make_url

from portal import create_app, db
from portal.auth.models import User
from portal.customers.models import Customer
from portal.timeutil import utcnow

# The Authorization header of every API page: filled in once the token is made.
API_HEADERS: dict[str, str] = {}
ADMIN = "admin@demo.example"


def ensure_housing_refs(batch: int = 10_000) -> int:
    """Give every made-up customer a housing reference (databases seeded before the API had
    none); returns how many were given one. A batch at a time: each change also moves the
    customer's page stamp, and one statement must finish within the statement timeout."""
    done = 0
    while True:
        waiting = (
            select(Customer.id)
            .where(Customer.reference.like("C-2%"), Customer.housing_ref.is_(None))
            .limit(batch)
        )
        given = db.session.execute(
            update(Customer)
            .where(Customer.id.in_(waiting.scalar_subquery()))
            .values(housing_ref=func.replace(Customer.reference, "C-", "HMS-"))
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        done += given
        if given < batch:
            return done


def make_token() -> None:
    """A fresh token for this run (only its hash is kept, so an earlier one cannot be read)."""
    from portal.api.tokens import create_token

    admin = db.session.scalar(select(User).where(User.email == ADMIN))
    _token, secret = create_token(admin, utcnow(), f"Benchmark {utcnow():%Y-%m-%d %H:%M:%S}")
    db.session.commit()
    API_HEADERS["Authorization"] = f"Bearer {secret}"


def api_ids(busiest: int) -> dict:
    """The busiest customer's housing reference, and a week ago for the changes feed."""
    ref = db.session.scalar(select(Customer.housing_ref).where(Customer.id == busiest))
    since = (utcnow() - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"housing_ref": ref, "since": since}


def import_speed(url: str, rows: int, secrets: dict, temp) -> list[dict]:
    """Import ``rows`` made-up customers three times (new, unchanged, one in ten changed) into
    a throwaway database beside ``url`` (a temporary SQLite file, or a PostgreSQL database
    made and dropped here), and return each run's rows per second."""
    from portal.customers.importing import import_customers
    from scripts.bench_import import make_file

    scratch, drop = _scratch_database(url, temp)
    app = create_app(
        {"DATABASE_URL": scratch, **secrets, "UPLOAD_DIR": temp, "PUBLIC_URL": "http://127.0.0.1"}
    )
    runs = []
    try:
        with app.app_context():
            db.Base.metadata.create_all(app.extensions["engine"])
            for label, content in (
                ("new", make_file(rows)),
                ("again, unchanged", make_file(rows)),
                ("one in ten changed", make_file(rows, changed_every=10)),
            ):
                started = time.perf_counter()
                report = import_customers(
                    None, utcnow(), content, languages=app.config["LANGUAGES"]
                )
                db.session.commit()
                seconds = time.perf_counter() - started
                runs.append({"run": label, "rows": report.rows, "seconds": round(seconds, 2)})
                print(f"  import, {label}: {report.rows:,} rows in {seconds:.1f} s")
            db.session.remove()
    finally:
        app.extensions["engine"].dispose()
        drop()
    return runs


def _scratch_database(url: str, temp):
    if not url.startswith("postgres"):
        return f"sqlite:///{temp / 'import.db'}", lambda: None
    from sqlalchemy import create_engine

    target = make_url(url)
    name = f"{target.database}_import"
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()

    return target.set(database=name).render_as_string(hide_password=False), drop
