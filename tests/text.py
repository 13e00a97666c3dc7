"""Text as a reader gets it from HTML: tags (such as tap-to-call links) taken out."""

from __future__ import annotations

import re

_TAG = re.compile(r"<[^>]+>")


def plain(html: str) -> str:
    return _TAG.sub("", html)
