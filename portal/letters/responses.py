"""Send a kept PDF: its stored bytes, tagged with their SHA-256 so a client that has them
already is told so (304) instead of being sent them again.

A letter is personal, so no cache keeps it (:mod:`portal.downloads`). Whoever asks, the access
checks run before anything is sent.
"""

from __future__ import annotations

from flask import Response, request

from portal.customers.adjustments import large_print_for
from portal.downloads import PERSONAL, personal_download
from portal.letters.models import Letter, LetterFile


def large_print_wanted(letter: Letter) -> bool:
    """Which PDF a download asks for: ``?print=large`` or ``?print=standard``; without either,
    large print when it is recorded among the customer's reasonable adjustments (§12.1)."""
    asked = request.args.get("print")
    if asked in ("large", "standard"):
        return asked == "large"
    return large_print_for(letter.customer_id)


def pdf_name(letter: Letter, large_print: bool) -> str:
    return f"{letter.reference}{'-large-print' if large_print else ''}.pdf"


def send_kept_pdf(kept: LetterFile, name: str) -> Response:
    """The PDF as a download, or 304 Not Modified when the browser sent its ETag."""
    if request.if_none_match.contains(kept.sha256):
        response = Response(status=304)
    else:
        response = personal_download(kept.content, "application/pdf", name)
    response.set_etag(kept.sha256)
    response.headers["Cache-Control"] = PERSONAL
    return response
