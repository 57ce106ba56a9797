"""``trialscope serve``: the web app (trialscope.web) on the command line."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from trialscope.cli.app import DbOption, app, console, fail, open_store
from trialscope.settings import DEFAULT_CONCURRENCY, ENV_CONCURRENCY, ENV_DATABASE_URL

if TYPE_CHECKING:
    from trialscope.mail.smtp import SmtpSettings


@app.command()
def serve(
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0 for every interface).")] = "127.0.0.1",
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes (one per core).")] = 1,
    concurrency: Annotated[
        int,
        typer.Option(min=1, max=1000, help="Requests each worker works on at once; the rest wait their turn."),
    ] = DEFAULT_CONCURRENCY,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            envvar="TRIALSCOPE_FORWARDED_ALLOW_IPS",
            help="Addresses of the reverse proxies whose X-Forwarded-For/-Proto headers are trusted "
            "(comma-separated; none by default, so a client cannot choose the address it is rate limited by).",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Start the web app (search, trial pages, "could I qualify?", JSON API at /api, /openapi.json)."""
    import uvicorn  # the web stack loads only for this command

    from trialscope.mail.smtp import SmtpSettings, SmtpUrlError
    from trialscope.search import SearchIndexError, open_index
    from trialscope.store.database import resolve_url
    from trialscope.web.app import ENV_ALLOWED_HOSTS, ENV_SECRET, site_key
    from trialscope.web.site import ENV_PUBLIC_URL, PublicUrlError, checked_public_url

    loopback = host in ("127.0.0.1", "localhost", "::1")
    if not os.environ.get(ENV_PUBLIC_URL) and not loopback:
        raise fail(
            f"set {ENV_PUBLIC_URL} to the address people reach this site at (e.g. https://trials.example.org): "
            f"links in emails point there, and on {host} a request's Host header must not choose them"
        )
    try:
        os.environ[ENV_PUBLIC_URL] = checked_public_url(os.environ.get(ENV_PUBLIC_URL) or _address(host, port))
    except PublicUrlError as exc:
        raise fail(str(exc)) from None
    try:
        smtp = SmtpSettings.from_environment()  # a mail URL that cannot be used is said now, not at the first lead
    except SmtpUrlError as exc:
        raise fail(str(exc)) from None
    with open_store(db) as store:  # migrations, the demo catalogue on first use, then the search index
        try:
            open_index(store).ensure_current(force_check=True)
        except SearchIndexError as exc:
            raise fail(str(exc)) from None
        # the CSRF key every worker, and every server of this database, checks forms with: the database's own
        os.environ.setdefault(ENV_SECRET, site_key(store))
    os.environ[ENV_DATABASE_URL] = resolve_url(db)
    os.environ[ENV_CONCURRENCY] = str(concurrency)
    if loopback:  # answer only the names this address is reached by
        os.environ.setdefault(ENV_ALLOWED_HOSTS, "127.0.0.1,localhost,::1,[::1]")
    console.print(f"trialscope is running at {_address(host, port)}/  (Ctrl+C stops it)")
    console.print(mail_line(smtp), highlight=False)
    uvicorn.run(
        "trialscope.web.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,  # no URLs in logs: search and questionnaire parameters can describe a patient
        proxy_headers=forwarded_allow_ips is not None,
        forwarded_allow_ips=forwarded_allow_ips,
    )


def mail_line(smtp: SmtpSettings | None) -> str:
    """What ``serve`` says about email at start-up: where it goes, or that none is sent."""
    if smtp is not None:
        return f"Email goes through {smtp.describe()}."
    return (
        "No mail server is set (TRIALSCOPE_SMTP_URL): contact requests and alert confirmations wait in the "
        "outbox, and the pages say they are saved, not sent (see /operator, `trialscope outbox list`)."
    )


def _address(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
