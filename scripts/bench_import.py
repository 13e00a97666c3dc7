"""Time the housing system import at a landlord's scale, and print rows per second.

Builds a fresh database (a temporary SQLite file unless --database-url is given; its tables
are dropped and made again) and imports a made-up file of --rows customers (a tenth of them
visitors linked to a tenant in the same file) three times: all new, the same file again (all
unchanged), then with one row in ten changed. Each run is one transaction, committed, as
``flask import-customers`` does; the audit chain is checked at the end.

    .venv/bin/python scripts/bench_import.py
    .venv/bin/python scripts/bench_import.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal import create_app, db  # noqa: E402
from portal.audit.services import verify_chain  # noqa: E402
from portal.customers.importing import import_customers  # noqa: E402
from portal.timeutil import utcnow  # noqa: E402

HEADER = "housing_ref,forename,surname,customer_type,tenant_housing_ref,address,email,phone\n"


def make_file(rows: int, changed_every: int = 0) -> bytes:
    """A file of ``rows`` customers; with ``changed_every``, that share with a new surname."""
    lines = [HEADER]
    for i in range(rows):
        surname = "Changed" if changed_every and i % changed_every == 0 else f"Surname{i % 997}"
        if i % 10 == 9:
            kind, tenant = "visitor", f"HMS{i - 1:07d}"
        else:
            kind, tenant = "tenant", ""
        lines.append(
            f"HMS{i:07d},Forename{i % 113},{surname},{kind},{tenant},"
            f'"{i} Orchard Lane, Manchester",p{i}@test.example,0161 496 {i % 10000:04d}\n'
        )
    return "".join(lines).encode()


def timed(app, label: str, content: bytes) -> None:
    start = time.perf_counter()
    report = import_customers(
        None, utcnow(), content, languages=app.config["LANGUAGES"], skip_rejected=False
    )
    db.session.commit()
    seconds = time.perf_counter() - start
    print(
        f"{label:<22} {report.rows:>7} rows  {seconds:6.2f} s  {report.rows / seconds:>9.0f} rows/s"
        f"  (added {report.created}, changed {report.changed}, unchanged {report.unchanged},"
        f" rejected {report.rejected_lines})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args(argv)
    temp = Path(tempfile.mkdtemp(prefix="portal-import-bench-"))
    url = args.database_url or f"sqlite:///{temp / 'bench.db'}"
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": secrets.token_hex(32),
            "AUDIT_KEY": secrets.token_hex(32),
            "UPLOAD_DIR": temp,
            "PUBLIC_URL": "http://127.0.0.1",
        }
    )
    with app.app_context():
        engine = app.extensions["engine"]
        db.Base.metadata.drop_all(engine)
        db.Base.metadata.create_all(engine)
        print(f"{engine.dialect.name}: importing {args.rows} rows")
        timed(app, "new", make_file(args.rows))
        timed(app, "again, unchanged", make_file(args.rows))
        timed(app, "one in ten changed", make_file(args.rows, changed_every=10))
        ok, first_bad = verify_chain()
        print("audit chain intact" if ok else f"audit chain broken at event {first_bad}")
        db.session.remove()
        return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
