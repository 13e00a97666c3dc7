"""Letters as PDF, in standard and large print, with bundled fonts for every script.

Each PDF is tagged (PDF/UA-1): a screen reader gets the headings, lists and reading order,
the document's title (the letter's subject) and its language.
"""

from __future__ import annotations

import re

from flask import render_template
from markupsafe import Markup

from portal.config import BASE_DIR

FONTS_DIR = BASE_DIR / "static" / "fonts"
PDF_VARIANT = "pdf/ua-1"

_HEADING = re.compile(r"<(/?)h([2-6])\b", re.IGNORECASE)


def as_document(html: str) -> Markup:
    """A frozen letter's HTML with its headings one level up, for the PDF: in the portal the
    letter sits under the page's own heading, so its subject is an h2; a PDF is a document of
    its own, whose first heading is its subject, at level 1 (PDF/UA: no level is skipped)."""
    if re.search(r"<h1\b", html, re.IGNORECASE):
        return Markup(html)
    return Markup(_HEADING.sub(lambda m: f"<{m[1]}h{int(m[2]) - 1}", html))


def render_pdf(letter, large_print: bool = False) -> bytes:
    """Render a frozen letter's HTML as a tagged PDF."""
    from weasyprint import HTML

    document = render_template(
        "letters/pdf.html",
        letter=letter,
        large_print=large_print,
        fonts_url=FONTS_DIR.as_uri(),
        as_document=as_document,
    )
    return HTML(string=document, base_url=str(BASE_DIR)).write_pdf(pdf_variant=PDF_VARIANT)
