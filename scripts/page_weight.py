"""Weigh the customer pages: gzipped HTML plus every stylesheet and script each page loads.

Loads the demo data into a throwaway SQLite database, signs in as a demo customer and
prints each page's weight; exits 1 if a page is over the budget (40 KB by default).

    .venv/bin/python scripts/page_weight.py
    .venv/bin/python scripts/page_weight.py --budget-kb 40
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src)="(/static/[^"?]+)')
PUBLIC = ["/", "/sign-in", "/activate", "/password-reset"]
SIGNED_IN = ["/home", "/appeals"]


def gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


def weigh(client, path: str) -> dict:
    """Gzipped bytes of the page at ``path`` and of the assets it links to."""
    response = client.get(path)
    html = response.get_data()
    assets = {}
    for href in sorted(set(ASSET.findall(html.decode("utf-8", "replace")))):
        assets[href] = gzipped(client.get(href).get_data())
    return {
        "path": path,
        "status": response.status_code,
        "html": gzipped(html),
        "assets": assets,
        "total": gzipped(html) + sum(assets.values()),
    }


def sign_in(client, email: str, password: str) -> None:
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        "/sign-in", data={"csrf_token": token, "email": email, "password": password}
    )
    if response.status_code != 303:
        raise SystemExit(f"could not sign in as {email}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget-kb", type=float, default=40.0, help="budget per page, in KB")
    args = parser.parse_args(argv)

    from portal import create_app, db
    from portal.demo import DEMO_PASSWORD, load_demo

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/weight.db", "TESTING": True})
        with app.app_context():
            db.Base.metadata.create_all(app.extensions["engine"])
            load_demo()
            db.session.commit()
            client = app.test_client()
            pages = [weigh(client, p) for p in PUBLIC]
            sign_in(client, "deborah.nolan@demo.example", DEMO_PASSWORD)
            pages += [weigh(client, p) for p in SIGNED_IN]
    budget = int(args.budget_kb * 1024)
    worst = 0
    print(f"{'page':<18} {'status':>6} {'HTML':>8} {'assets':>8} {'total':>8}  (gzipped bytes)")
    for page in pages:
        assets = sum(page["assets"].values())
        print(
            f"{page['path']:<18} {page['status']:>6} {page['html']:>8} {assets:>8} "
            f"{page['total']:>8}"
        )
        worst = max(worst, page["total"])
    print(f"heaviest page: {worst / 1024:.1f} KB of a {args.budget_kb:g} KB budget")
    return 0 if worst <= budget else 1


if __name__ == "__main__":
    raise SystemExit(main())
