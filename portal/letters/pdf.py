"""Letters as PDF, in standard and large print, with bundled fonts for every script."""

from __future__ import annotations

from flask import render_template

from portal.config import BASE_DIR

FONTS_DIR = BASE_DIR / "static" / "fonts"


def render_pdf(letter, large_print: bool = False) -> bytes:
    """Render a frozen letter's HTML as a PDF."""
    from weasyprint import HTML

    document = render_template(
        "letters/pdf.html",
        letter=letter,
        large_print=large_print,
        fonts_url=FONTS_DIR.as_uri(),
    )
    return HTML(string=document, base_url=str(BASE_DIR)).write_pdf()
