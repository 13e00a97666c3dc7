"""Settings a deployment must get right, and the limits and headers every response carries.

``check_settings`` runs in ``create_app`` before anything else is built: outside development it
refuses to start without a long random ``SECRET_KEY`` and the portal's public address, and from
that address it takes the hosts the portal answers to and whether cookies need HTTPS.
``init_app`` adds the request checks (host, length of the address and of each header), the
caching and HTTPS headers, and the favicon.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, current_app, g, render_template, request, send_from_directory
from flask.globals import request_ctx
from flask_login import current_user
from werkzeug.exceptions import RequestHeaderFieldsTooLarge, RequestURITooLarge, SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

# The key this project once shipped as its default: published, so it signs nothing safely.
PUBLISHED_SECRET = "dev-only-change-me"
MIN_SECRET_LENGTH = 32
MAKE_A_SECRET = 'python -c "import secrets; print(secrets.token_hex(32))"'
SECRET_FILE = "secret_key"
AUDIT_KEY_FILE = "audit_key"
# A longer address or header is refused with a page of our own (gunicorn.conf.py lets them in).
MAX_URL_BYTES = 8 * 1024
MAX_HEADER_BYTES = 8 * 1024
HSTS = "max-age=31536000; includeSubDomains"
# Pages that carry a sign-in, activation or reset form: never kept by a browser or proxy.
SIGN_IN_ENDPOINTS = frozenset(
    {
        "staff.sign_in",
        "customer.sign_in",
        "customer.activate",
        "customer.password_reset_request",
        "customer.password_reset",
    }
)
# Served the same to everyone: never no-store, and no need to load the user to know it.
SHARED_ENDPOINTS = frozenset({"static", "favicon"})


class UnsafeSettings(RuntimeError):
    """The portal was started outside development without the settings that keep it safe."""


def is_development(app: Flask) -> bool:
    """Say whether the start-up checks are relaxed: debug, tests, or PORTAL_ENV=development."""
    return app.debug or app.testing or app.config.get("PORTAL_ENV") == "development"


def check_settings(app: Flask) -> None:
    """Check the secret key and public address, filling them in for development, and derive
    the trusted hosts and cookie security from the public address.

    :raises UnsafeSettings: outside development, naming each setting to fix.
    """
    config = app.config
    explicit_url = bool(config.get("PUBLIC_URL"))
    if is_development(app):
        if not config.get("SECRET_KEY"):
            config["SECRET_KEY"] = kept_secret(Path(app.instance_path))
        if not config.get("AUDIT_KEY"):
            config["AUDIT_KEY"] = kept_secret(Path(app.instance_path), AUDIT_KEY_FILE)
        if not explicit_url:
            # Tests get the same address wherever they run; `make run` follows $PORT.
            port = 5000 if app.testing else config.get("DEVELOPMENT_PORT", 5000)
            config["PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    else:
        problems = _production_problems(config)
        if problems:
            raise UnsafeSettings(_explain(problems))
    public = urlsplit(config["PUBLIC_URL"])
    if public.scheme not in ("http", "https") or not public.hostname:
        raise UnsafeSettings(
            f"PORTAL_PUBLIC_URL must be the portal's address, like https://conduct.example.org "
            f"(it is {config['PUBLIC_URL']!r})."
        )
    if explicit_url:
        # Only requests for these names are answered: a forged Host gets a 400, so nothing
        # the portal builds from the request can point at someone else's site.
        config["TRUSTED_HOSTS"] = [public.hostname, *config.get("EXTRA_TRUSTED_HOSTS", [])]
    if public.scheme == "https":
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
        config["PREFERRED_URL_SCHEME"] = "https"


def _production_problems(config) -> list[str]:
    problems = []
    secret = config.get("SECRET_KEY") or ""
    if not secret:
        problems.append("SECRET_KEY is not set.")
    elif secret == PUBLISHED_SECRET:
        problems.append(f"SECRET_KEY is {PUBLISHED_SECRET!r}, the published example.")
    elif len(secret) < MIN_SECRET_LENGTH:
        problems.append(f"SECRET_KEY is shorter than {MIN_SECRET_LENGTH} characters.")
    audit_key = config.get("AUDIT_KEY") or ""
    if not audit_key:
        problems.append("AUDIT_KEY is not set.")
    elif len(audit_key) < MIN_SECRET_LENGTH:
        problems.append(f"AUDIT_KEY is shorter than {MIN_SECRET_LENGTH} characters.")
    elif audit_key == secret:
        problems.append("AUDIT_KEY is the same as SECRET_KEY; it must be a key of its own.")
    if not config.get("PUBLIC_URL"):
        problems.append("PORTAL_PUBLIC_URL is not set.")
    return problems


def _explain(problems: list[str]) -> str:
    lines = ["The portal will not start with these settings:"]
    lines += [f"  - {problem}" for problem in problems]
    lines += [
        "Set these environment variables, then start it again:",
        f"  SECRET_KEY         a random value of {MIN_SECRET_LENGTH} characters or more, made with",
        f"                     {MAKE_A_SECRET}",
        "  AUDIT_KEY          another such value, used only to seal the audit trail",
        "  PORTAL_PUBLIC_URL  the address people use, e.g. https://conduct.example.org",
        "To try the portal on this computer instead, set PORTAL_ENV=development (`make run` does).",
    ]
    return "\n".join(lines)


def kept_secret(instance: Path, name: str = SECRET_FILE) -> str:
    """A development key in ``instance/<name>`` (the secret key, the audit key), made (mode
    0600) the first time, so signed-in sessions and the audit trail's seals survive a
    restart."""
    path = instance / name
    existing = _read_secret(path)
    if existing:
        return existing
    instance.mkdir(parents=True, exist_ok=True)
    draft = instance / f".{name}.{os.getpid()}.{secrets.token_hex(4)}"
    handle = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(handle, 0o600)
        os.write(handle, secrets.token_hex(32).encode())
    finally:
        os.close(handle)
    try:
        # Several processes may start at once (test workers): the first link wins, the others
        # read what it wrote, never a half-written file.
        if path.exists():
            os.replace(draft, path)  # only an empty or short file is there: replace it
        else:
            os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink(missing_ok=True)
    return _read_secret(path)


def _read_secret(path: Path) -> str:
    try:
        secret = path.read_text().strip()
    except FileNotFoundError:
        return ""
    return secret if len(secret) >= MIN_SECRET_LENGTH else ""


def init_app(app: Flask) -> None:
    """Add the request checks, the caching and HTTPS headers, their error pages and the
    favicon."""
    # First of all the before-request hooks, so nothing else reads a forged host or a
    # huge request.
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_unsafe_requests)
    app.after_request(_caching_and_https_headers)
    app.register_error_handler(SecurityError, _untrusted_host)
    app.register_error_handler(RequestURITooLarge, _page(414, "errors/414.html"))
    app.register_error_handler(RequestHeaderFieldsTooLarge, _page(431, "errors/431.html"))
    app.add_url_rule("/favicon.ico", "favicon", _favicon)
    proxies = int(app.config.get("PROXY_COUNT") or 0)
    if proxies > 0:
        # Only the proxies we run may say who the client is (throttling counts per address);
        # the host is never taken from them: it is checked against TRUSTED_HOSTS as sent.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


def _refuse_unsafe_requests() -> None:
    if isinstance(request.routing_exception, SecurityError):
        raise request.routing_exception  # the Host is not one of TRUSTED_HOSTS
    environ = request.environ
    url_bytes = len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", ""))
    if url_bytes > MAX_URL_BYTES:
        raise RequestURITooLarge()
    if any(len(name) + len(value) > MAX_HEADER_BYTES for name, value in request.headers):
        raise RequestHeaderFieldsTooLarge()


def _page(status: int, template: str):
    def handler(_exc):
        return render_template(template), status

    return handler


def _untrusted_host(_exc):
    """The 400 page for a request to a host the portal does not serve."""
    context = request_ctx._get_current_object()
    if context.url_adapter is None:
        # Flask could not bind URLs to the forged host, and the page's layout builds links
        # (asking request.host again would only raise again): bind them to the public address.
        public = urlsplit(current_app.config.get("PUBLIC_URL") or "http://localhost")
        context.url_adapter = current_app.url_map.bind(
            public.netloc, script_name=request.script_root or "/", url_scheme=public.scheme
        )
    return render_template("errors/400.html"), 400


def _caching_and_https_headers(response):
    if current_app.config.get("PUBLIC_URL", "").startswith("https:"):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if request.endpoint not in SHARED_ENDPOINTS and _private_page():
        cache_control = response.headers.get("Cache-Control", "")
        if "no-store" not in cache_control:
            response.headers["Cache-Control"] = "no-store"
    return response


def _private_page() -> bool:
    """Say whether a browser or proxy must not keep this response: it is for a signed-in
    person, it carries a form token, or it is a sign-in, activation or reset page."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    return request.endpoint in SIGN_IN_ENDPOINTS or field in g or current_user.is_authenticated


def _favicon():
    return send_from_directory(
        current_app.static_folder, "favicon.ico", mimetype="image/x-icon", max_age=86400
    )


def safe_back_link(referrer: str | None) -> str | None:
    """The page to send someone back to from an error: the referring page when it is on this
    site (a path, or this request's scheme and host), else None."""
    if not referrer or any(ch in referrer for ch in "\\\r\n\t"):
        return None
    parts = urlsplit(referrer)
    if parts.scheme or parts.netloc:
        try:
            here = (request.scheme, request.host)
        except SecurityError:
            return None
        if (parts.scheme, parts.netloc) != here:
            return None
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return urlunsplit(("", "", parts.path, parts.query, ""))


def home_for(path: str) -> str:
    """The start page for someone on ``path``: staff pages have their own."""
    return "/staff/" if path == "/staff" or path.startswith("/staff/") else "/"


def error_layout(path: str) -> str:
    """The layout of an error page on ``path``: a customer sees the customer pages' layout,
    with the routes that are always open (§4.6)."""
    return "base.html" if home_for(path) == "/staff/" else "customer/layout.html"
