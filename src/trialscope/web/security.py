"""What every response and form needs to be safe: security headers (a CSP without inline script, no
framing, no sniffing), a request size limit, CSRF tokens on forms, and a small rate limiter.

CSRF: a random per-browser secret in an HttpOnly cookie; each form carries an HMAC of it under the app's
key; a POST whose token does not verify is refused (403). Nothing here keeps patient data.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from threading import Lock

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trialscope.store.rate_limits import SharedCounts
from trialscope.translation import _
from trialscope.web.asgi import HttpMiddleware

ErrorPage = Callable[[Request, int, str], Response]  # a page's error response: the request, status and words

CSRF_COOKIE = "trialscope_csrf"
CSRF_FIELD = "csrf_token"
MAX_BODY_BYTES = 2 * 1024 * 1024  # forms, profiles and FHIR bundles; bigger uploads are refused (413)

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(), camera=(), microphone=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


HSTS = "max-age=31536000"  # a year: a browser that saw the site over HTTPS never tries it in clear again
# pages that show or take personal data (a note, a request, an alert's links, the operator's page, what a
# patient typed): never kept by a browser's or a proxy's cache
_PRIVATE_PAGES = re.compile(r"^/(operator|notes/|contact/|alerts/|find|trials/[^/]+/(notes|contact|qualify))")


def private_page(method: str, path: str) -> bool:
    """Whether a response may hold personal data: every answer to a POST, and the private pages."""
    return method not in ("GET", "HEAD") or bool(_PRIVATE_PAGES.match(path))


class SecurityHeaders(HttpMiddleware):
    """Adds the security headers to every HTTP response; over HTTPS (directly, or through a proxy whose
    ``X-Forwarded-Proto`` the server trusts: ``--forwarded-allow-ips``) also HSTS; on private pages
    ``Cache-Control: no-store``."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        extra: dict[str, str] = {}
        if scope.get("scheme") == "https":
            extra["Strict-Transport-Security"] = HSTS
        private = private_page(scope.get("method", "GET"), scope.get("path", ""))

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if not (private and k.lower() == b"cache-control")
                ]
                present = {k.lower() for k, _ in headers}
                for name, value in {**SECURITY_HEADERS, **extra}.items():
                    if name.lower().encode() not in present:
                        headers.append((name.lower().encode(), value.encode()))
                if private:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, sending)


class BodyLimit(HttpMiddleware):
    """Refuses request bodies over ``limit`` bytes (413), whether or not Content-Length says so: JSON for the
    API, for a page the site's error page (``page``: status, words -> response), in the reader's language."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES, page: ErrorPage | None = None) -> None:
        super().__init__(app)
        self.limit = limit
        self.page = page

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._too_large(scope, receive, send)
            return
        if declared is not None:
            await self.app(scope, receive, send)  # the server holds a body to its Content-Length
            return
        # A body without a length (chunked) is read here first, up to the limit: refused with 413 when it goes
        # over, before the app's body parsing could turn the refusal into its own 400.
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            seen += len(chunks[-1])
            if seen > self.limit:
                await self._too_large(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("path", "").startswith("/api/"):
            response: Response = JSONResponse(
                {"error": f"the request is larger than {self.limit // 1024} kB"}, status_code=413
            )
        else:
            words = _(
                "What you sent is larger than %(size)s kB. Send less text, or a smaller file.",
                size=self.limit // 1024,
            )
            response = self.page(Request(scope), 413, words) if self.page else PlainTextResponse(words, 413)
        await response(scope, receive, send)


def csrf_secret(request: Request) -> str:
    """This browser's CSRF secret (a new one is set on the response by ``remember_csrf``)."""
    secret = request.cookies.get(CSRF_COOKIE)
    if not secret or len(secret) != 43:
        secret = request.state.__dict__.setdefault("new_csrf_secret", secrets.token_urlsafe(32))
    return secret


def csrf_token(request: Request, key: bytes) -> str:
    return hmac.new(key, csrf_secret(request).encode(), hashlib.sha256).hexdigest()


def csrf_valid(request: Request, key: bytes, token: str | None) -> bool:
    secret = request.cookies.get(CSRF_COOKIE)
    if not secret or not token:
        return False
    expected = hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, token)


def remember_csrf(request: Request, response: Response) -> None:
    secret = request.state.__dict__.get("new_csrf_secret")
    if secret:
        response.set_cookie(
            CSRF_COOKIE,
            secret,
            httponly=True,
            samesite="strict",
            max_age=7 * 24 * 3600,
            secure=request.url.scheme == "https",
        )


class SharedRateLimiter:
    """At most ``limit`` events per ``window`` seconds per key (a client address), counted in the database
    (``store/rate_limits.py``): one limit for every worker of every server of that database."""

    def __init__(self, counts: SharedCounts, name: str, limit: int, window: float) -> None:
        self.counts = counts
        self.name = name
        self.limit = limit
        self.window = window

    def clear(self) -> None:
        """Forget every client's events."""
        self.counts.forget(self.name)

    def allow(self, key: str) -> bool:
        return self.counts.hit(self.name, key, self.limit, self.window)


class RateLimiter:
    """At most ``limit`` events per ``window`` seconds per key (a client address), in this process's memory
    (the sync client's politeness; the site's limits are ``SharedRateLimiter``)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._events: dict[str, deque[float]] = {}
        self._lock = Lock()

    def clear(self) -> None:
        """Forget every client's events."""
        with self._lock:
            self._events.clear()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and now - events[0] > self.window:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(now)
            if len(self._events) > 10_000:  # forget idle clients
                for idle in [k for k, v in self._events.items() if not v]:
                    del self._events[idle]
            return True


Endpoint = Callable[[Request], Awaitable[Response]]
