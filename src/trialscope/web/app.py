"""The web app: server-rendered pages (Jinja2 templates, autoescaped; they work without JavaScript) and a
JSON API under /api described by /openapi.json. ``create_app`` wires the store, the search index, the
templates, the languages and the protections every response gets.

    trialscope serve --port 8000        # SQLite + the demo catalogue by default
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trialscope.demo import ensure_demo
from trialscope.geo import load_gazetteer
from trialscope.mail.smtp import SmtpSettings
from trialscope.presentation.maps import read_outlines
from trialscope.search import SearchIndexError
from trialscope.settings import DEFAULT_CONCURRENCY
from trialscope.store.database import is_default_database
from trialscope.store.trial_store import TrialStore
from trialscope.translation import _, reading_in
from trialscope.web import (
    alert_pages,
    api,
    collector,
    contact_pages,
    i18n,
    location_pages,
    note_pages,
    operator_pages,
    pages,
)
from trialscope.web.asgi import HttpMiddleware
from trialscope.web.capacity import RequestGate, ServerTiming, concurrency_from_environment
from trialscope.web.problems import plain_problem
from trialscope.web.security import BodyLimit, SecurityHeaders
from trialscope.web.site import HERE, Site

ENV_SECRET = "TRIALSCOPE_SECRET_KEY"
log = logging.getLogger("trialscope.web")


class ReaderLanguage(HttpMiddleware):
    """Chooses each request's language once (``?lang=``, the cookie, Accept-Language;
    ``i18n.choose_language``), as ``request.state.language`` for the page's own words (``Site.render``) and
    for the sentences written while answering it (summaries, criteria in words, the matcher's evidence)."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        language = i18n.choose_language(Request(scope))
        scope.setdefault("state", {})["language"] = language
        with reading_in(i18n.translations(language)):
            await self.app(scope, receive, send)


def create_app(
    store: TrialStore | None = None,
    *,
    db: str | None = None,
    secret: bytes | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    serving: bool = False,
    public_url: str | None = None,
) -> FastAPI:
    """The app over ``store`` (or the database at ``db``; the default SQLite database gets the demo
    catalogue on first use); ``concurrency``: requests let into the app at once (``web/capacity.py``);
    ``serving``: the app is a server process's own, whose cycle collector is set for serving
    (``web/collector.py``); ``public_url``: where links in emails point (else ``TRIALSCOPE_PUBLIC_URL``, else
    ``serve``'s default address on this machine)."""
    if serving:
        collector.set_for_serving()
    if store is None:
        store = TrialStore.open(db)
    if is_default_database(db) and store.count() == 0:
        ensure_demo(store)
    # the CSRF key: given, else the environment's, else the database's own (every server of one database
    # then checks the others' forms; people.keys.secret makes it on first use)
    key = secret or (os.environ.get(ENV_SECRET) or site_key(store)).encode()
    app = FastAPI(
        title="trialscope",
        version="1",
        description="Clinical trials a patient can actually join: search, trial records, structured "
        "eligibility criteria, and criterion-by-criterion checks of a patient. Not medical advice.",
        docs_url=None,  # served from the package (web/static/swagger): the page's CSP allows no CDN or inline script
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    site = Site(store, key, smtp=SmtpSettings.from_environment(), public_url=public_url)
    site.postman.start()
    app.state.site = site
    with contextlib.suppress(SearchIndexError):  # a second worker applying the same changes right now: it shares them
        site.index.ensure_current(force_check=True)  # once at start (fast when ``serve`` has just done it) ...
    site.index.follow()  # ... then the store's feed is applied in a thread of its own, beside the requests
    # places resolve from a gazetteer that takes seconds to read, distances need the index's open-site
    # coordinates, maps the country outlines: read them now, not on a visitor's first search or map
    threading.Thread(target=_read_at_start, args=(site, serving), name="start-up reading", daemon=True).start()
    app.add_middleware(ServerErrors, site=site)  # innermost: an error page that still gets the headers below
    app.add_middleware(BodyLimit, page=site.error_page)  # inside ReaderLanguage: its refusal is in their words
    app.add_middleware(ReaderLanguage)
    app.add_middleware(HeadAsGet)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts())
    app.add_middleware(ServerTiming)
    app.add_middleware(RequestGate, limit=concurrency)  # outermost: a request waits here before any work
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> Response:  # Swagger UI 5 from the package (static/swagger, Apache-2.0), over /openapi.json
        return FileResponse(HERE / "static" / "swagger" / "index.html", media_type="text/html")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:  # what a browser asks for where a page names no icon (the JSON API)
        return RedirectResponse("/static/favicon.svg", status_code=301)

    for module in (api, pages, contact_pages, alert_pages, note_pages, operator_pages, location_pages):
        app.include_router(module.router)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        response: Response
        if request.url.path.startswith("/api/") or request.url.path == "/openapi.json":
            response = JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code)
        else:
            response = site.error_page(request, exc.status_code, str(exc.detail))
        response.headers.update(exc.headers or {})  # a 405's Allow, a 429's Retry-After
        return response

    @app.exception_handler(RequestValidationError)
    async def bad_input(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith("/api/"):
            problems = "; ".join(plain_problem(e) for e in exc.errors())
            return JSONResponse({"error": f"invalid request: {problems}"}, status_code=422)
        with reading_in(i18n.translations(getattr(request.state, "language", "en"))):
            sentences = list(dict.fromkeys(plain_problem(e) for e in exc.errors()))
        if request.url.path in ("/", "/search"):  # the search form again, filled in as it was sent
            params = pages.form_values(request.query_params)
            context = {"results": None, "problems": sentences, "params": params, "home": False}
            return site.render(request, "search.html", context, status_code=400)
        return site.error_page(request, 400, " ".join(sentences))

    return app


def site_key(store: TrialStore) -> str:
    """The key forms and signed links are checked with when ``TRIALSCOPE_SECRET_KEY`` is not set: the
    database's own (made on first use), so every server and worker of one database shares it."""
    return store.people.keys.secret("csrf").hex()


ENV_ALLOWED_HOSTS = "TRIALSCOPE_ALLOWED_HOSTS"


def allowed_hosts() -> list[str]:
    """The Host headers the app answers (``TRIALSCOPE_ALLOWED_HOSTS``, comma-separated; every host when
    unset). ``trialscope serve`` on a loopback address sets the loopback names."""
    hosts = [h.strip() for h in os.environ.get(ENV_ALLOWED_HOSTS, "").split(",") if h.strip()]
    return hosts or ["*"]


class ServerErrors(HttpMiddleware):
    """An error in the app is one log line (its kind and path: no query, no body) and the app's own error
    page, inside the middlewares that add the security headers; nothing is re-raised to the server, so no
    second traceback is logged."""

    def __init__(self, app: ASGIApp, site: Site) -> None:
        super().__init__(app)
        self.site = site

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            request = Request(scope)
            log.error("error on %s %s: %s", request.method, loggable_path(request.url.path), type(exc).__name__)
            if started:
                return  # the response is on its way: nothing more can be said
            response: Response
            if request.url.path.startswith("/api/"):
                response = JSONResponse({"error": "internal error"}, status_code=500)
            else:
                message = _("Something went wrong on our side. Please try again later.")
                response = self.site.error_page(request, 500, message)
            await response(scope, receive, send)


_PRIVATE_LINK = re.compile(r"^/(contact|notes|alerts/confirm|alerts/unsubscribe)/[^/]+")


def loggable_path(path: str) -> str:
    """A path as a log may show it: the secret part of a private link (a request's, a note's, an alert's
    token) is masked, so reading the log opens nothing."""
    return _PRIVATE_LINK.sub(lambda m: f"/{m.group(1)}/…", path)


class HeadAsGet(HttpMiddleware):
    """HEAD is answered as GET without the body, so every page answers it."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


def _read_at_start(site: Site, serving: bool) -> None:
    """Read what the first searches and maps would otherwise wait for (the gazetteer, the index's open-site
    coordinates, the country outlines); in a server worker, then keep it out of the cycle collector's sight."""
    load_gazetteer()
    site.index.geo_terms()
    read_outlines()
    if serving:  # what was read stays for the life of the process
        collector.freeze_start_up_objects()


def app_from_environment() -> FastAPI:
    """The app for each worker process of ``trialscope serve --workers N``: the database URL and the secret
    key come from the environment, so every worker checks the others' CSRF tokens."""
    db = os.environ.get("TRIALSCOPE_DATABASE_URL")
    return create_app(TrialStore.open(db), db=db, concurrency=concurrency_from_environment(), serving=True)
