"""Commands for what visitors leave with their consent: leads (``leads list | export | delete``), the
outbox (``outbox list | send | retry``), alerts (``alerts send``), operator accounts (``operator add | remove``),
and a person's own data (``personal-data export | delete | purge``). Addresses and messages are printed
only where the operator asks for them (list, export); nothing is logged."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from trialscope.cli.app import DbOption, JsonOption, app, console, err, fail, open_store, print_json

if TYPE_CHECKING:
    from trialscope.mail.smtp import SmtpSettings
    from trialscope.store.trial_store import TrialStore

leads_app = typer.Typer(help="Requests to contact a study team (leads).", no_args_is_help=True)
outbox_app = typer.Typer(help="Emails waiting, sent or failed.", no_args_is_help=True)
alerts_app = typer.Typer(help="Alerts: digests of changes for confirmed subscriptions.", no_args_is_help=True)
operator_app = typer.Typer(help="Accounts for the operator page (/operator).", no_args_is_help=True)
personal_app = typer.Typer(
    help="A person's data: answer their request, and delete what has expired.", no_args_is_help=True
)
app.add_typer(leads_app, name="leads")
app.add_typer(outbox_app, name="outbox")
app.add_typer(alerts_app, name="alerts")
app.add_typer(operator_app, name="operator")
app.add_typer(personal_app, name="personal-data")

EmailOption = Annotated[str, typer.Option("--email", help="The person's email address.")]


def _mail_settings() -> SmtpSettings | None:
    """The mail server of TRIALSCOPE_SMTP_URL (None: not set); a URL that cannot be used is a clean error."""
    from trialscope.mail.smtp import SmtpSettings, SmtpUrlError

    try:
        return SmtpSettings.from_environment()
    except SmtpUrlError as exc:
        raise fail(str(exc)) from None


def deliver_and_report(store: TrialStore, settings: SmtpSettings | None) -> None:
    """Send what the outbox holds now and say how it went (one line on stderr)."""
    from trialscope.mail.delivery import deliver_due
    from trialscope.mail.smtp import ENV_SMTP_URL

    report = deliver_due(store.people, settings)
    if settings is None:
        err.print(f"no mail server set ({ENV_SMTP_URL}): {report.waiting} email(s) wait in the outbox")
    else:
        err.print(f"emails: {report.sent} sent, {report.retrying} to retry later, {report.failed} failed")


def send_alerts_now(store: TrialStore) -> None:
    """Queue the digests of every confirmed alert, then deliver the outbox (``alerts send``, after ``sync``)."""
    from trialscope.alerts.digests import send_alerts
    from trialscope.mail.smtp import mail_sender

    settings = _mail_settings()
    sender = mail_sender(settings)
    people = store.people
    people.purge_expired()
    report = send_alerts(store, people, sender)
    err.print(
        f"alerts: {report.subscriptions} subscription(s), {report.digests} digest(s) with {report.changes} change(s)"
    )
    deliver_and_report(store, settings)


@leads_app.command("list")
def leads_list(
    db: DbOption = None,
    status: Annotated[
        str | None, typer.Option(help="Only leads with this status: new, sent, failed, withdrawn.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """The leads, newest first. Their ids are shortened to the first characters no other lead's id begins
    with: leads delete takes them (--json gives the whole ids)."""
    from trialscope.presentation.terminal import add_columns, print_table, short_ids
    from trialscope.store.people import LEAD_STATUSES

    if status is not None and status not in LEAD_STATUSES:
        raise fail(f"unknown status {status!r}: use {', '.join(LEAD_STATUSES)}")
    with open_store(db) as store:
        people = store.people
        leads = people.leads.find(status)
        every_id = [lead.id for lead in (people.leads.find() if status is not None else leads)]
    if as_json:
        print_json([lead.as_dict() for lead in leads])
        return
    if not leads:
        console.print("no leads")
        return
    short = short_ids(every_id, SHORT_ID)
    table = Table(title=f"{len(leads)} lead(s), newest first", title_justify="left")
    add_columns(table, ("id", "created", "trial", "status", "to", "from"))
    for lead in leads:
        who = " · ".join(x for x in (lead.name, lead.email, lead.phone) if x)
        table.add_row(
            short[lead.id],
            lead.created_at.strftime("%Y-%m-%d %H:%M"),
            lead.nct_id,
            lead.status,
            Text(lead.recipient),
            Text(who),
        )
    print_table(console, table)


@leads_app.command("export")
def leads_export(
    output: Annotated[Path, typer.Option("--output", "-o", help="Write the leads here (JSON Lines).")],
    db: DbOption = None,
) -> None:
    """Every lead as JSON Lines (one per line), for the study team's own records."""
    import orjson

    with open_store(db) as store:
        leads = store.people.leads.find()
    with output.open("wb") as sink:
        for lead in leads:
            sink.write(orjson.dumps(lead.as_dict()) + b"\n")
    err.print(f"{len(leads)} lead(s) written to {output}")


SHORT_ID = 8  # the fewest characters of a lead's id that leads list shows
SHORTEST_PREFIX = 6  # the fewest characters of a lead's id that leads delete takes


@leads_app.command("delete")
def leads_delete(
    lead_ids: Annotated[
        list[str],
        typer.Argument(
            metavar="ID...",
            help=f"The leads' ids as leads list shows them, or any beginning of {SHORTEST_PREFIX} characters or "
            "more that only one lead's id has. An id that begins with '-' (made by a version before 2026-12) "
            "goes after '--'.",
        ),
    ],
    db: DbOption = None,
) -> None:
    """Delete leads and their emails. Every id must name one lead, else nothing is deleted."""

    with open_store(db) as store:
        people = store.people
        found, problems = [], []
        for given in lead_ids:
            matches = people.leads.ids_starting(given)
            if given in matches:
                found.append(given)
            elif len(given) < SHORTEST_PREFIX:
                problems.append(f"{given!r} is too short: give at least {SHORTEST_PREFIX} characters of the id")
            elif not matches:
                problems.append(f"no lead's id begins with {given!r}")
            elif len(matches) > 1:
                problems.append(f"{given!r} begins {len(matches)} leads' ids: give more of it")
            else:
                found.append(matches[0])
        if problems:
            raise fail("; ".join(problems) + ": nothing was deleted", code=1)
        count = people.leads.delete(found)
    err.print(f"{count} lead(s) deleted")


@outbox_app.command("list")
def outbox_list(
    db: DbOption = None,
    status: Annotated[str | None, typer.Option(help="waiting, sending, sent, failed or withdrawn.")] = None,
    as_json: JsonOption = False,
) -> None:
    """The newest emails in the outbox (their kind, recipient and state; not their text)."""
    from trialscope.presentation.terminal import add_columns, print_table

    with open_store(db) as store:
        messages = store.people.outbox.messages(status)
    rows = [
        {
            "id": m.id,
            "kind": m.kind,
            "to": m.to_address,
            "status": m.status,
            "attempts": m.attempts,
            "created_at": m.created_at.isoformat(),
            "last_error": m.last_error,
        }
        for m in messages
    ]
    if as_json:
        print_json(rows)
        return
    if not messages:
        console.print("the outbox is empty")
        return
    table = Table(title=f"{len(messages)} email(s), newest first", title_justify="left")
    add_columns(table, ("id", "created", "kind", "to", "status", "attempts", "last error"))
    for m in messages:
        table.add_row(
            str(m.id),
            m.created_at.strftime("%Y-%m-%d %H:%M"),
            m.kind,
            Text(m.to_address),
            m.status,
            str(m.attempts),
            Text(m.last_error or ""),
        )
    print_table(console, table)


@outbox_app.command("send")
def outbox_send(db: DbOption = None) -> None:
    """Send the emails that are due now (through TRIALSCOPE_SMTP_URL)."""
    settings = _mail_settings()
    with open_store(db) as store:
        deliver_and_report(store, settings)


@outbox_app.command("retry")
def outbox_retry(db: DbOption = None) -> None:
    """Try the failed emails again (after fixing the mail settings), and send what is due."""

    with open_store(db) as store:
        count = store.people.outbox.retry_failed()
        err.print(f"{count} failed email(s) queued again")
        deliver_and_report(store, _mail_settings())


@alerts_app.command("send")
def alerts_send(db: DbOption = None) -> None:
    """Email each confirmed alert the changes since its last digest (also done after every sync)."""
    with open_store(db) as store:
        send_alerts_now(store)


@operator_app.command("add")
def operator_add(
    name: Annotated[str, typer.Argument(help="The operator's log-in name.")],
    db: DbOption = None,
    password: Annotated[
        str | None,
        typer.Option(envvar="TRIALSCOPE_OPERATOR_PASSWORD", help="The password (asked for when not given)."),
    ] = None,
) -> None:
    """Create an operator account (or set a new password), for /operator."""
    from trialscope.operators import add_operator

    secret = password or typer.prompt("password", hide_input=True, confirmation_prompt=True)
    with open_store(db) as store:
        try:
            add_operator(store.people, name, secret)
        except ValueError as exc:
            raise fail(str(exc)) from None
    err.print(f"operator {name!r} can log in at /operator")


@operator_app.command("remove")
def operator_remove(
    name: Annotated[str, typer.Argument(help="The operator's log-in name.")], db: DbOption = None
) -> None:
    """Delete an operator account; its sessions end at once."""

    with open_store(db) as store:
        if not store.people.operators.remove(name.strip()):
            raise fail(f"no operator {name!r}")
    err.print(f"operator {name!r} removed; their sessions are ended")


@personal_app.command("export")
def personal_export(email: EmailOption, db: DbOption = None) -> None:
    """Everything kept under an email address, as JSON (to answer a person's request)."""

    with open_store(db) as store:
        print_json(store.people.personal_data(email))


@personal_app.command("delete")
def personal_delete(email: EmailOption, db: DbOption = None) -> None:
    """Delete everything kept under an email address: leads, alerts, and emails to it."""

    with open_store(db) as store:
        counts = store.people.delete_personal_data(email)
    err.print(f"deleted: {counts['leads']} lead(s), {counts['subscriptions']} alert(s), {counts['emails']} email(s)")


@personal_app.command("purge")
def personal_purge(db: DbOption = None) -> None:
    """Delete what has passed its retention period (also done by alerts send)."""

    with open_store(db) as store:
        counts = store.people.purge_expired()
    err.print("deleted: " + ", ".join(f"{n} {what}" for what, n in counts.items()))
