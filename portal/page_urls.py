"""Templates' ``url_for``, remembered: the address of a page within the site depends only on
the endpoint, its values and where the site is mounted, so each one is built once per process
and then looked up. A list of 25 incidents or letters links each row two or three times; each
build walks the URL map's rules.

Only addresses within the site are kept. One asked for in full (``_external``), with an anchor,
a method or a scheme, one named relative to the current blueprint (".name"), and one whose
values cannot be a dictionary key, are built afresh each time, exactly as Flask would.
"""

from __future__ import annotations

from flask import Flask, current_app, request, url_for

from portal.kept import Kept

SIZE = 8192


def init_app(app: Flask) -> None:
    """Give templates the remembering ``url_for``, unless the app changes addresses by request
    (URL defaults or value preprocessors), which would make a kept address wrong."""
    if any(app.url_default_functions.values()) or any(app.url_value_preprocessors.values()):
        return
    app.extensions["page_urls"] = Kept(app.config.get("PAGE_URLS_CACHE_SIZE", SIZE))
    app.jinja_env.globals["url_for"] = page_url


def page_url(endpoint: str, **values) -> str:
    """``url_for(endpoint, **values)``, built once per process for each address in the site."""
    if endpoint.startswith(".") or any(name.startswith("_") for name in values):
        return url_for(endpoint, **values)
    # Each value with its type: True and 1 are equal keys, yet build different addresses.
    key = (request.script_root, endpoint, *((k, type(v), v) for k, v in sorted(values.items())))
    try:
        kept = current_app.extensions["page_urls"]
        found = kept.get(key)
    except TypeError:  # a list or other unhashable value
        return url_for(endpoint, **values)
    if found is None:
        found = url_for(endpoint, **values)
        kept.put(key, found)
    return found
