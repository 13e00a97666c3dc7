"""A browser for the benchmark: signs in through the portal's real forms (CSRF token, password,
then a staff member's authenticator code) and keeps the cookies it is given, over HTTP to a
running server or straight into the app in this process.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.error import HTTPError
from urllib.parse import urlencode, urlsplit
from urllib.request import HTTPRedirectHandler, Request, build_opener

import pyotp

FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S)
ACTION = re.compile(r'<form\b[^>]*action="([^"]*)"')
HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>')
NAME = re.compile(r'name="([^"]+)"')
VALUE = re.compile(r'value="([^"]*)"')
# What a current browser says it takes.
ACCEPT_ENCODING = "gzip, deflate, br"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    cookies: list[str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        """Where a redirect points, as a path and query on this site."""
        parts = urlsplit(self.headers.get("location", ""))
        return parts.path + (f"?{parts.query}" if parts.query else "")


Send = Callable[[str, str, dict | None, dict], Reply]


def over_http(base: str) -> Send:
    """Send requests to the server at ``base``, following no redirects."""

    class _Stay(HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = build_opener(_Stay)

    def send(method: str, path: str, data: dict | None, headers: dict) -> Reply:
        body = urlencode(data, doseq=True).encode() if data is not None else None
        request = Request(base + path, data=body, headers=headers, method=method)
        try:
            response = opener.open(request, timeout=120)
        except HTTPError as error:
            response = error
        with response:
            return Reply(
                response.status if hasattr(response, "status") else response.code,
                {k.lower(): v for k, v in response.headers.items()},
                response.headers.get_all("Set-Cookie") or [],
                response.read(),
            )

    return send


def in_process(app) -> Send:
    """Send requests straight into ``app`` (its test client, with no cookie jar of its own)."""
    client = app.test_client(use_cookies=False)

    def send(method: str, path: str, data: dict | None, headers: dict) -> Reply:
        response = client.open(path, method=method, data=data, headers=headers)
        return Reply(
            response.status_code,
            {k.lower(): v for k, v in response.headers.items()},
            response.headers.getlist("Set-Cookie"),
            response.get_data(),
        )

    return send


@dataclass
class Browser:
    send: Send
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def request(
        self, method: str, path: str, data: dict | None = None, headers: dict | None = None
    ) -> Reply:
        sent = {"Accept-Encoding": "identity", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = self.cookie_header
        reply = self.send(method, path, data, sent)
        for line in reply.cookies:
            for name, morsel in SimpleCookie(line).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return reply

    def get(self, path: str, headers: dict | None = None) -> Reply:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, data: dict) -> Reply:
        return self.request("POST", path, data=data)


def form_fields(page: str, marker: str) -> tuple[str, dict]:
    """The action and hidden fields (CSRF token, one-time key) of the form holding ``marker``."""
    for form in FORM.findall(page):
        if marker in form:
            fields = {}
            for tag in HIDDEN.findall(form):
                name, value = NAME.search(tag), VALUE.search(tag)
                if name:
                    fields[name.group(1)] = html.unescape(value.group(1) if value else "")
            action = ACTION.search(form)
            return html.unescape(action.group(1)) if action else "", fields
    raise SignInFailed(f"no form with {marker!r} on the page")


class SignInFailed(Exception):
    pass


def sign_in_staff(browser: Browser, email: str, password: str, totp_secret: str | None) -> None:
    """Sign in at /staff/sign-in, then give the authenticator code if one is asked for."""
    _action, fields = form_fields(browser.get("/staff/sign-in").text, 'name="password"')
    reply = browser.post("/staff/sign-in", {**fields, "email": email, "password": password})
    if reply.status != 303:
        raise SignInFailed(f"{email}: the password step answered {reply.status}")
    if "/sign-in/code" not in reply.location:
        return
    if totp_secret is None:
        raise SignInFailed(f"{email} needs an authenticator code and has no known key")
    code_page = reply.location
    totp = pyotp.TOTP(totp_secret)
    # A code is taken once: if this step's was used already, the next step's is still valid.
    for code in (totp.now(), totp.at(time.time() + 30)):
        _action, fields = form_fields(browser.get(code_page).text, 'name="code"')
        reply = browser.post(code_page, {**fields, "code": code})
        if reply.status == 303:
            return
    raise SignInFailed(f"{email}: the code step answered {reply.status}")


def sign_in_customer(browser: Browser, email: str, password: str) -> None:
    """Sign in at /sign-in with an email address and password."""
    _action, fields = form_fields(browser.get("/sign-in").text, 'name="password"')
    reply = browser.post("/sign-in", {**fields, "email": email, "password": password})
    if reply.status != 303:
        raise SignInFailed(f"{email}: the sign-in answered {reply.status}")
