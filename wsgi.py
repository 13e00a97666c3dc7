"""Entry point for `flask --app wsgi` and gunicorn (`gunicorn wsgi:app`, with gunicorn.conf.py).

Outside development create_app() stops with UnsafeSettings, naming what to set, unless
SECRET_KEY and PORTAL_PUBLIC_URL are set; PORTAL_ENV=development (`make run`) relaxes that.
"""

import gc

from portal import create_app

app = create_app()

# Everything built so far (modules, the app, its extensions) lives as long as the process, so
# take it out of the garbage collector's sight: otherwise each full collection walks those
# ~100 000 objects, pausing a busy page such as the Panel queue for 30-40 ms every dozen or so
# requests (see scripts/benchmark.py --no-gc-freeze).
gc.collect()
gc.freeze()
