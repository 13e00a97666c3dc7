"""Page content rendered once and reused while nothing it shows has changed.

A view gives the template, a key and a way to build the template's values. The key must hold
everything the content shows that the values do not come from: for the customer's home and
the questions of a draft appeal, the customer's page stamps (portal/page_stamps.py), which
database triggers move on any change to the rows the page reads, and the London date; for a
whole page, its address too (the language switcher returns to it). To that this module adds
the template itself, the catalogue of the page's language, the locale and the address the
site is served under. The form token differs on every request: the content is kept with a
placeholder for it, filled in on the way out, as the layout's parts are (portal/chrome.py).
A page with a message waiting to be shown once is rendered afresh, and not kept.

``PAGE_CACHE = False`` renders every time, as a check on the cache.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, render_template, request, session
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal import db
from portal.chrome import CSRF_PLACEHOLDER
from portal.i18n import page_translations
from portal.kept import Kept

DEFAULT_SIZE = 2048


def init_app(app: Flask) -> None:
    """Give the app its store of kept content (``PAGE_CACHE_SIZE`` entries)."""
    app.extensions["kept_pages"] = Kept(app.config.get("PAGE_CACHE_SIZE", DEFAULT_SIZE))


def store(app: Flask | None = None) -> Kept:
    return (app or current_app).extensions["kept_pages"]


def content(name: str, key: tuple, values: Callable[[], dict]) -> Markup:
    """The template ``name`` rendered with ``values()``, or as it was rendered before under
    the same ``key``; ``values`` is called only when the content is rendered afresh."""
    template = current_app.jinja_env.get_template(name)
    # The template and catalogue themselves: one loaded afresh is a new key.
    full_key = (template, request.script_root, page_translations(), str(get_locale()), key)
    # A message waiting to be shown once (flash) is shown by a page rendered afresh; so is a
    # page rendered after this request wrote anything, whose stamps (written at its commit)
    # do not yet say so.
    use = (
        current_app.config.get("PAGE_CACHE", True)
        and "_flashes" not in session
        and not db.session.info.get(WROTE)
    )
    kept = store()
    rendered = kept.get(full_key) if use else None
    if rendered is None:
        rendered = render_template(template, **values(), csrf_token=_placeholder)
        if use:
            # A form's own token field (WTForms) writes this request's token, not the
            # placeholder: kept as the placeholder, so no other session is given it.
            kept.put(full_key, rendered.replace(escape(generate_csrf()), CSRF_PLACEHOLDER))
    if CSRF_PLACEHOLDER in rendered:
        rendered = rendered.replace(CSRF_PLACEHOLDER, escape(generate_csrf()))
    return Markup(rendered)


# Set in a database session's info once it has written in its transaction; cleared when the
# transaction ends.
WROTE = "kept_pages.wrote"


@event.listens_for(Session, "after_flush")
def _wrote(session, _flush_context) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _wrote_in_bulk(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _ended(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(WROTE, None)


def _placeholder() -> str:
    return CSRF_PLACEHOLDER


def clear(app: Flask | None = None) -> None:
    """Forget every kept rendering (of ``app``, else the current app)."""
    store(app).clear()
