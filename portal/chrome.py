"""The parts of the page layout that look the same for everyone in the same situation: the
menus, the language switcher, the session warning and the footers.

Each part is a small template rendered once per process for each combination of what it shows
(the locale, who is signed in, the page it marks as current, the organisation's wording...),
then reused: on a customer page the layout was a tenth of the time spent rendering.

A part sees only the values it is given, and every value it is given is part of the key its
rendering is kept under, so a change of any of them (an administrator editing the
organisation's wording, a member of staff given a new role) is a new key, never a stale page.
The two values that differ on every request, the form token and the address to come back to,
go into the kept rendering as placeholders and are put in after.
"""

from __future__ import annotations

import dataclasses
import secrets
from datetime import timedelta

from flask import Flask, current_app, request
from jinja2 import StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from portal.i18n import page_translations
from portal.kept import Kept

# Placeholders for the per-request values: random per process, and letters and digits only,
# so escaping leaves them as they are and no organisation's wording can hold them.
_TAG = secrets.token_hex(8)
CSRF_PLACEHOLDER = f"chrome{_TAG}csrf"
BACK_PLACEHOLDER = f"chrome{_TAG}back"

# What a part may not read for itself: anything it shows must come in through its key.
_HIDDEN = (
    "request",
    "session",
    "g",
    "config",
    "current_user",
    "perms",
    "always_open",
    "organisation_name",
)

# The permissions the staff menu asks about, each shown to the part as ``may.<name>``.
STAFF_MENU_PERMISSIONS = (
    "review_as_panel",
    "request_restriction",
    "view_restrictions",
    "view_appeals",
    "open_register",
    "manage_calendar",
    "manage_users",
    "view_audit",
    "view_themes",
    "view_committee_report",
    "manage_impact_assessments",
    "view_equality",
)

DEFAULT_SIZE = 1024


class ChromeCache(Kept):
    """Renderings of layout parts by key."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        super().__init__(size)


def init_app(app: Flask) -> None:
    """Give the app its cache (``CHROME_CACHE_SIZE`` entries) and templates the ``chrome``
    global. ``CHROME_CACHE = False`` renders every part afresh, as a check on the cache."""
    app.extensions["chrome"] = ChromeCache(app.config.get("CHROME_CACHE_SIZE", DEFAULT_SIZE))
    app.jinja_env.globals["chrome"] = chrome


def cache_of(app: Flask) -> ChromeCache:
    return app.extensions["chrome"]


def _user(ctx: Context):
    user = ctx.get("current_user")
    signed_in = bool(user is not None and user.is_authenticated)
    return user, signed_in


def _customer_nav(ctx: Context) -> dict:
    user, signed_in = _user(ctx)
    return {"customer": signed_in and not user.is_staff, "endpoint": request.endpoint}


def _language_switcher(ctx: Context) -> dict:
    return {"languages": ctx["languages"], "back": BACK_PLACEHOLDER}


def _session_warning(ctx: Context) -> dict:
    user, signed_in = _user(ctx)
    return {
        "customer": signed_in and not user.is_staff,
        "lifetime": current_app.config["PERMANENT_SESSION_LIFETIME"],
    }


def _customer_footer(ctx: Context) -> dict:
    shown = bool(ctx.get("always_open_shown"))
    # Read only where the part shows them, as the layout did.
    routes = None if shown else ctx["always_open"](ctx["locale"])
    return {"always_open_shown": shown, "routes": routes}


def _staff_nav(ctx: Context) -> dict:
    user, signed_in = _user(ctx)
    staff = signed_in and user.is_staff
    perms = ctx["perms"]
    may = {
        name: staff and bool(getattr(perms, f"can_{name}")(user)) for name in STAFF_MENU_PERMISSIONS
    }
    return {
        "staff": staff,
        "name": user.name if staff else None,
        "may": may,
        "endpoint": request.endpoint,
    }


def _staff_footer(ctx: Context) -> dict:
    user, signed_in = _user(ctx)
    return {"signed_in": signed_in, "name": user.name if signed_in else None}


# Each part: its template, and what it shows worked out from the page's context.
PARTS = {
    "customer/_chrome_nav.html": _customer_nav,
    "customer/_chrome_language.html": _language_switcher,
    "customer/_chrome_session_warning.html": _session_warning,
    "customer/_chrome_footer.html": _customer_footer,
    "staff/_chrome_nav.html": _staff_nav,
    "staff/_chrome_footer.html": _staff_footer,
}


# Values that are their own key.
_PLAIN = frozenset({str, bool, int, type(None)})


def _keyable(value):
    """``value`` as a hashable key that tells apart everything a template could show of it:
    the organisation's texts carry the language they are in and whether they stand in for
    another, which plain string comparison would not see."""
    if value is None or isinstance(value, bool | int | float | timedelta):
        return value
    if isinstance(value, str):
        if type(value) is str:
            return value
        return (type(value).__qualname__, str(value), tuple(sorted(vars(value).items())))
    if isinstance(value, dict):
        return ("dict", tuple((_keyable(k), _keyable(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return ("seq", tuple(_keyable(v) for v in value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return (type(value).__qualname__, tuple(_keyable(getattr(value, f.name)) for f in fields))
    raise TypeError(f"the page chrome cannot key on {type(value).__name__}")


@pass_context
def chrome(ctx: Context, name: str) -> Markup:
    """The layout part ``name`` for this page, kept from an earlier page where it is the same."""
    shown = PARTS[name](ctx)
    shown["locale"] = ctx["locale"]
    template = ctx.environment.get_template(name)
    # The template and catalogue themselves, not just their names: one loaded afresh (edited,
    # or new translations) is a new key, and the key holding it keeps its identity from reuse.
    key = (
        template,
        request.script_root,
        page_translations(),
        tuple((k, v if type(v) in _PLAIN else _keyable(v)) for k, v in sorted(shown.items())),
    )
    cache = cache_of(current_app)
    use_cache = current_app.config.get("CHROME_CACHE", True)
    rendered = cache.get(key) if use_cache else None
    if rendered is None:
        hidden = {n: StrictUndefined(name=n, hint=f"{name} may not read {n}") for n in _HIDDEN}
        rendered = template.render({**hidden, **shown, "csrf_token": lambda: CSRF_PLACEHOLDER})
        if use_cache:
            cache.put(key, rendered)
    if CSRF_PLACEHOLDER in rendered:
        rendered = rendered.replace(CSRF_PLACEHOLDER, escape(ctx["csrf_token"]()))
    if BACK_PLACEHOLDER in rendered:
        rendered = rendered.replace(BACK_PLACEHOLDER, escape(request.full_path.rstrip("?")))
    return Markup(rendered)


def clear(app: Flask | None = None) -> None:
    """Forget every kept rendering (of ``app``, else the current app)."""
    cache_of(app or current_app).clear()
