"""The read-only API for the housing management system: each customer's flag (§8.5, §8.21).

``GET /api/v1/customers/<housing ref>/flag`` and ``GET /api/v1/flags`` (docs/api.md), with
a bearer token an administrator made (:mod:`portal.api.tokens`). Answers are JSON, errors
included; nothing sets a cookie, and nothing is kept by a cache.
"""

from __future__ import annotations

from flask import Blueprint

from portal.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Calls carry a bearer token, never a browser's session: there is no form to forge.
csrf.exempt(bp)

from portal.api import views  # noqa: E402,F401  (its routes join bp)
