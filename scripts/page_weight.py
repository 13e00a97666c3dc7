"""Weigh the customer pages: gzipped HTML plus every stylesheet and script each page loads.

Loads the demo data into a throwaway SQLite database, signs in as a demo customer, finds every
page reachable from their home and appeals pages (letters, arrangements, each question of an
appeal) and prints each page's weight in English and in Urdu; exits 1 if a page is over the
budget (40 KB by default).

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
LINKED = re.compile(r'href="(/(?:letters|arrangements|appeals)/\d+)"')
START_APPEAL = re.compile(r'action="(/appeals/start/\d+)"')
APPEAL_QUESTIONS = ["reasons", "new-information", "support", "check"]
LANGUAGES = ["en", "ur"]


def _token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def customer_pages(client) -> list[str]:
    """The signed-in pages, the pages they link to, and the questions of a draft appeal."""
    pages = list(SIGNED_IN)
    for path in SIGNED_IN:
        html = client.get(path).get_data(as_text=True)
        pages += [link for link in LINKED.findall(html) if link not in pages]
        start = START_APPEAL.search(html)
        if start:
            response = client.post(start.group(1), data={"csrf_token": _token(html)})
            draft = re.search(r"/appeals/(\d+)/", response.headers.get("Location", ""))
            if draft:
                questions = [f"/appeals/{draft.group(1)}/{q}" for q in APPEAL_QUESTIONS]
                pages += [q for q in questions if q not in pages]
    return pages


def choose_language(client, language: str) -> None:
    html = client.get("/").get_data(as_text=True)
    client.post("/language", data={"csrf_token": _token(html), "lang": language, "back": "/"})


def gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


def weigh(client, path: str, language: str = "en") -> dict:
    """Gzipped bytes of the page at ``path`` and of the assets it links to."""
    response = client.get(path)
    html = response.get_data()
    assets = {}
    for href in sorted(set(ASSET.findall(html.decode("utf-8", "replace")))):
        assets[href] = gzipped(client.get(href).get_data())
    return {
        "path": path,
        "language": language,
        "status": response.status_code,
        "html": gzipped(html),
        "assets": assets,
        "total": gzipped(html) + sum(assets.values()),
    }


def sign_in(client, email: str, password: str) -> None:
    token = _token(client.get("/sign-in").get_data(as_text=True))
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
        # Each request gets an app context of its own, as in production (a shared one would
        # keep the signed-in user from one client to the next).
        pages = []
        for language in LANGUAGES:
            client = app.test_client()
            choose_language(client, language)
            pages += [weigh(client, p, language) for p in PUBLIC]
            sign_in(client, "deborah.nolan@demo.example", DEMO_PASSWORD)
            pages += [weigh(client, p, language) for p in customer_pages(client)]
        app.extensions["engine"].dispose()
    budget = int(args.budget_kb * 1024)
    worst = 0
    print(
        f"{'page':<28} {'lang':<4} {'status':>6} {'HTML':>8} {'assets':>8} {'total':>8}"
        "  (gzipped bytes)"
    )
    for page in pages:
        assets = sum(page["assets"].values())
        print(
            f"{page['path']:<28} {page['language']:<4} {page['status']:>6} {page['html']:>8} "
            f"{assets:>8} {page['total']:>8}"
        )
        worst = max(worst, page["total"])
    print(f"heaviest page: {worst / 1024:.1f} KB of a {args.budget_kb:g} KB budget")
    return 0 if worst <= budget else 1


if __name__ == "__main__":
    raise SystemExit(main())
