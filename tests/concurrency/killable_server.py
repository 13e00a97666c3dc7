"""A portal server in a process of its own, for a test to kill mid-write.

    python -m tests.concurrency.killable_server DATABASE_URL PORT HELD_FILE UPLOAD_DIR

Serves the portal on the test database. The first time a request flushes a new incident to the
database, it writes HELD_FILE and waits there, its transaction open, for the test to kill it
(HELD_FILE "-": it never holds).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from portal import create_app
from portal.incidents.models import Incident


def main() -> None:
    database_url, port, held, uploads = sys.argv[1:5]
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "TESTING": True,
            "PROPAGATE_EXCEPTIONS": False,
            "RATELIMIT_ENABLED": False,
            "UPLOAD_DIR": Path(uploads),
            "SECRET_KEY": "killable-server-" + "0" * 32,
        }
    )

    if held != "-":

        @event.listens_for(Session, "after_flush")
        def _hold(session, _context):
            if any(isinstance(obj, Incident) for obj in session.new):
                Path(held).write_text("holding")
                time.sleep(600)  # until killed

    make_server("127.0.0.1", int(port), app, threaded=True).serve_forever()


if __name__ == "__main__":
    main()
