"""Static files under names that carry their content's hash, and compressed responses.

At start-up every file under ``static/`` is read once and given a fingerprinted name:
``css/portal.css`` becomes ``css/portal.<hash>.css``, the hash taken from its content (for a
stylesheet, after the fonts it names have been given theirs). Templates link files with
``asset_url("css/portal.css")``. A fingerprinted name never changes its content, so it is
served with ``Cache-Control: public, max-age=31536000, immutable`` and a browser never asks for
it again; the plain name, or a name with an old hash (a page from before a deployment), is
served the current file with ``no-cache``, so it is checked each time; any other name is a
plain 404. Stylesheets, scripts and the icon are compressed once, with brotli and gzip, and
sent as the browser accepts them.

Static responses carry no cookie: the session is neither read nor saved for them, and nobody
is loaded from the database.

Pages and fragments are compressed by Flask-Compress (brotli, else gzip); PDFs, images and
streamed responses are sent as they are.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

import brotli
from flask import Flask, Response, current_app, g, request, url_for
from flask.globals import request_ctx
from flask_compress import Compress

HASH_LENGTH = 12
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
ENCODINGS = ("br", "gzip")
# Worth compressing; fonts (woff2) and other images are compressed already.
COMPRESSIBLE = frozenset(
    {
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "image/svg+xml",
        "image/vnd.microsoft.icon",
        "image/x-icon",
    }
)
MIN_COMPRESS_BYTES = 500
CSS_URL = re.compile(r"""url\(\s*(["']?)([^"')\s]+)\1\s*\)""")
STALE_NAME = re.compile(rf"^(?P<stem>.+)\.[0-9a-f]{{{HASH_LENGTH}}}(?P<suffix>\.[^./]+)$")
PAGE_COMPRESSION = {
    "COMPRESS_ALGORITHM": list(ENCODINGS),
    "COMPRESS_MIMETYPES": [
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "text/plain",
        "text/csv",
        "image/svg+xml",
        "image/x-icon",
        "image/vnd.microsoft.icon",
    ],
    "COMPRESS_BR_LEVEL": 4,
    "COMPRESS_LEVEL": 6,
    # A streamed response goes out as it is made, chunk by chunk, uncompressed.
    "COMPRESS_STREAMS": False,
}


@dataclass(frozen=True)
class Asset:
    """One static file: its names, type, content and the content compressed."""

    name: str
    fingerprinted: str
    mimetype: str
    digest: str
    body: bytes
    encoded: dict[str, bytes] = field(default_factory=dict)


class Manifest:
    """Every file under a static folder, by plain and by fingerprinted name."""

    def __init__(self, assets: list[Asset]):
        self.by_name = {asset.name: asset for asset in assets}
        self.by_fingerprint = {asset.fingerprinted: asset for asset in assets}

    def url_name(self, name: str) -> str:
        """The fingerprinted name of ``name`` (``name`` itself for a file not in the folder)."""
        asset = self.by_name.get(name)
        return asset.fingerprinted if asset else name

    def find(self, filename: str) -> tuple[Asset | None, bool]:
        """The asset a request for ``filename`` gets, and whether that name is its current
        fingerprint (and so may be kept for ever)."""
        asset = self.by_fingerprint.get(filename)
        if asset is not None:
            return asset, True
        asset = self.by_name.get(filename)
        if asset is None:
            stale = STALE_NAME.match(filename)
            if stale:
                asset = self.by_name.get(stale["stem"] + stale["suffix"])
        return asset, False


def fingerprinted_name(name: str, digest: str) -> str:
    """``css/portal.css`` with ``digest`` becomes ``css/portal.<digest>.css``."""
    stem, dot, suffix = name.rpartition(".")
    if not dot or "/" in suffix:
        return f"{name}.{digest}"
    return f"{stem}.{digest}.{suffix}"


def _mimetype(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def _make_asset(name: str, body: bytes) -> Asset:
    digest = hashlib.sha256(body).hexdigest()[:HASH_LENGTH]
    mimetype = _mimetype(name)
    encoded = {}
    if mimetype in COMPRESSIBLE and len(body) >= MIN_COMPRESS_BYTES:
        encoded = {
            "br": brotli.compress(body, quality=11),
            "gzip": gzip.compress(body, compresslevel=9, mtime=0),
        }
    return Asset(name, fingerprinted_name(name, digest), mimetype, digest, body, encoded)


def _rewrite_css(name: str, css: bytes, known: dict[str, Asset]) -> bytes:
    """Point each ``url()`` in a stylesheet that names a file of the folder at that file's
    fingerprinted name, keeping the path relative."""
    folder = posixpath.dirname(name)

    def replace(match: re.Match) -> str:
        quote, target = match.group(1), match.group(2)
        if ":" in target or target.startswith(("/", "#")):
            return match.group(0)
        path, _, rest = target.partition("?")
        resolved = posixpath.normpath(posixpath.join(folder, path))
        asset = known.get(resolved)
        if asset is None:
            return match.group(0)
        new_path = posixpath.join(posixpath.dirname(path), posixpath.basename(asset.fingerprinted))
        return f"url({quote}{new_path}{quote})"

    return CSS_URL.sub(replace, css.decode("utf-8")).encode("utf-8")


def build_manifest(folder: Path) -> Manifest:
    """Read every file under ``folder`` and give each its fingerprinted name."""
    files = sorted(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and not path.name.startswith(".")
    )
    known: dict[str, Asset] = {}
    for name in files:
        if not name.endswith(".css"):
            known[name] = _make_asset(name, (folder / name).read_bytes())
    for name in files:
        if name.endswith(".css"):
            css = _rewrite_css(name, (folder / name).read_bytes(), known)
            known[name] = _make_asset(name, css)
    return Manifest(list(known.values()))


_built: dict[tuple, Manifest] = {}


def _state(folder: Path) -> tuple:
    return tuple(
        sorted(
            (str(path), path.stat().st_mtime_ns, path.stat().st_size)
            for path in folder.rglob("*")
            if path.is_file()
        )
    )


def manifest_for(folder: Path) -> Manifest:
    """The manifest of ``folder``, built once per process for each state of its files."""
    key = (str(folder), _state(folder))
    manifest = _built.get(key)
    if manifest is None:
        manifest = _built[key] = build_manifest(folder)
    return manifest


def _manifest() -> Manifest:
    app = current_app
    if app.debug:
        # While developing, a changed file gets its new name on the next page.
        app.extensions["assets"] = manifest_for(Path(app.static_folder))
    return app.extensions["assets"]


def asset_url(name: str) -> str:
    """The address of static file ``name`` under its fingerprinted name."""
    return url_for("static", filename=_manifest().url_name(name))


def _without_session() -> None:
    """Neither read nor save the session for this request, and load nobody: no Set-Cookie."""
    from portal.extensions import login_manager

    context = request_ctx._get_current_object()
    null = current_app.session_interface.make_null_session(current_app)
    try:
        context.session = null
    except AttributeError:  # Flask 3.1 keeps it behind a read-only property
        context._session = null
    g._login_user = login_manager.anonymous_user()


def serve_static(filename: str):
    """Send a static file: from memory, compressed as the browser accepts, cached for a year
    under its fingerprinted name and checked each time under any other."""
    _without_session()
    asset, current = _manifest().find(filename)
    if asset is None:
        return Response("Not found\n", 404, mimetype="text/plain")
    encoding = request.accept_encodings.best_match([e for e in ENCODINGS if e in asset.encoded])
    body = asset.encoded[encoding] if encoding else asset.body
    response = Response(body, mimetype=asset.mimetype)
    if encoding:
        response.headers["Content-Encoding"] = encoding
    if asset.encoded:
        response.vary.add("Accept-Encoding")
    response.set_etag(f"{asset.digest}-{encoding or 'identity'}")
    response.headers["Cache-Control"] = IMMUTABLE if current else REVALIDATE
    return response.make_conditional(request)


def init_app(app: Flask) -> None:
    """Fingerprint the static folder, serve it, add ``asset_url`` to templates and compress
    pages."""
    app.extensions["assets"] = manifest_for(Path(app.static_folder))
    app.view_functions["static"] = serve_static
    app.jinja_env.globals["asset_url"] = asset_url
    for name, value in PAGE_COMPRESSION.items():
        app.config.setdefault(name, value)
    Compress(app)
