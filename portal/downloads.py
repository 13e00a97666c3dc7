"""A file a signed-in person downloads: named, and kept by no cache.

What the portal hands over (a letter, a subject access export, a committee report) is about
people: no shared cache may keep it (``private``), and, like every page a signed-in person
opens, a browser does not keep it either (``no-store``, so nothing of it is left on a shared
computer).
"""

from __future__ import annotations

from flask import Response

PERSONAL = "private, no-store"


def personal_download(body, mimetype: str, name: str) -> Response:
    """``body`` as the download ``name``, never kept by a cache."""
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": PERSONAL,
        },
    )
