"""The SMTP server trialscope sends through, from one URL (``TRIALSCOPE_SMTP_URL``):

    smtp://user:password@mail.example.org:587    STARTTLS (required before a password is sent)
    smtps://user:password@mail.example.org:465   TLS from the first byte
    smtp://127.0.0.1:8025                        a relay on this machine: no TLS, no login

With no URL, nothing is sent: emails wait in the outbox, where the operator sees them.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from trialscope.mail.headers import INTERNATIONAL_POLICY, needs_smtputf8

ENV_SMTP_URL = "TRIALSCOPE_SMTP_URL"
ENV_MAIL_FROM = "TRIALSCOPE_MAIL_FROM"
DEFAULT_MAIL_FROM = "trialscope <trialscope@localhost>"
LOOPBACK = ("127.0.0.1", "::1", "localhost")


class SmtpUrlError(ValueError):
    """The SMTP URL cannot be used (its scheme, or a password that would cross the network in clear)."""


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    implicit_tls: bool
    username: str | None
    password: str | None
    sender: str
    timeout: float = 20.0

    @classmethod
    def from_url(cls, url: str, sender: str | None = None) -> SmtpSettings:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise SmtpUrlError(f"{ENV_SMTP_URL}: use smtp://user:password@host:587 or smtps://user:password@host:465")
        implicit = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if implicit else 587),
            implicit_tls=implicit,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            sender=sender or os.environ.get(ENV_MAIL_FROM) or DEFAULT_MAIL_FROM,
        )

    @classmethod
    def from_environment(cls) -> SmtpSettings | None:
        url = os.environ.get(ENV_SMTP_URL, "").strip()
        return cls.from_url(url) if url else None

    def describe(self) -> str:
        """Where mail goes, without the password."""
        who = f"{self.username}@" if self.username else ""
        return f"{'smtps' if self.implicit_tls else 'smtp'}://{who}{self.host}:{self.port}"


def mail_sender(settings: SmtpSettings | None) -> str:
    """Who trialscope's emails come from: the mail settings' sender, else ``TRIALSCOPE_MAIL_FROM``, else the
    default (emails queued while no server is set carry it too)."""
    return settings.sender if settings is not None else os.environ.get(ENV_MAIL_FROM) or DEFAULT_MAIL_FROM


def send(settings: SmtpSettings, message: EmailMessage) -> None:
    """Hand one message to the server (``smtplib`` errors and ``OSError`` propagate: the caller retries)."""
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if settings.implicit_tls:
        client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with client:
        client.ehlo()
        if not settings.implicit_tls and client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo()
        elif not settings.implicit_tls and settings.username and settings.host not in LOOPBACK:
            raise SmtpUrlError(f"{settings.host} offers no STARTTLS: the password is not sent in clear")
        if settings.username:
            client.login(settings.username, settings.password or "")
        if needs_smtputf8(message):
            _send_international(client, message)
        else:
            client.send_message(message)


def _send_international(client: smtplib.SMTP, message: EmailMessage) -> None:
    """A message with an address that is not ASCII: its headers in UTF-8, with SMTPUTF8 (RFC 6531); a server
    without it refuses here (``SMTPNotSupportedError``), and the outbox retries, then shows the failure."""
    if not client.has_extn("smtputf8"):
        raise smtplib.SMTPNotSupportedError("the mail server does not take international addresses (no SMTPUTF8)")
    sender = message["Sender"] or message["From"]
    from_address = sender.addresses[0].addr_spec
    to_addresses = [
        a.addr_spec for name in ("To", "Cc") for header in message.get_all(name, []) for a in header.addresses
    ]
    client.sendmail(
        from_address,
        to_addresses,
        message.as_bytes(policy=INTERNATIONAL_POLICY.clone(linesep="\r\n")),
        mail_options=["SMTPUTF8", "BODY=8BITMIME"],
    )
