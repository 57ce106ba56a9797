"""How trialscope writes email headers: the standard library's email policy, with two rules of our own.

- ``List-Unsubscribe`` (RFC 2369) holds a URL a mail program must read as it is: it is never turned into an
  RFC 2047 encoded word, whatever its length (it may reach RFC 5322's 998 characters per line), so one-click
  unsubscribe (RFC 8058) works. Every other header is folded as the policy does.
- An address goes out in ASCII where it has an ASCII form (an international domain as its IDNA A-label,
  from ``email-validator``); one whose local part is not ASCII is written as it is (UTF-8) and the message
  then needs the server's SMTPUTF8 (RFC 6531), which ``mail/smtp.py`` asks for. An address is never
  RFC 2047-encoded: that makes it a different, invalid address.
"""

from __future__ import annotations

from email.headerregistry import HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

from email_validator import EmailNotValidError, validate_email

ADDRESS_HEADERS = ("From", "Sender", "To", "Cc", "Reply-To")
KEPT_AFTER_SENDING = ("Message-ID", "Date", "From", "To", "Subject")  # what the operator needs of a sent email
VERBATIM_HEADERS = ("list-unsubscribe", "list-unsubscribe-post")


class VerbatimHeader(UnstructuredHeader):
    """A header written on one line, exactly as given (an ASCII URL in angle brackets)."""

    def fold(self, *, policy: Any) -> str:
        return f"{self.name}: {self}{policy.linesep}"  # type: ignore[attr-defined]  # the registry adds BaseHeader


def _registry() -> HeaderRegistry:
    registry = HeaderRegistry()
    for name in VERBATIM_HEADERS:
        registry.map_to_type(name, VerbatimHeader)  # type: ignore[arg-type]  # a mixin, as the registry's own
    return registry


POLICY = default_policy.clone(header_factory=_registry())
INTERNATIONAL_POLICY = POLICY.clone(utf8=True)  # headers in UTF-8 as they are (SMTPUTF8)


def header_address(address: str) -> str:
    """``address`` as a header should carry it: its ASCII form when it has one (``josé@exämple.org`` has none;
    ``ana@exämple.org`` is ``ana@xn--exmple-cua.org``), else as it is."""
    try:
        checked = validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return address
    return checked.ascii_email or checked.normalized


def needs_smtputf8(message: EmailMessage) -> bool:
    """Whether an address header of ``message`` is not ASCII (it can go out only with SMTPUTF8)."""
    return any(not str(value).isascii() for name in ADDRESS_HEADERS for value in message.get_all(name, []))


def new_message(*addresses: str | None) -> EmailMessage:
    """An empty message whose policy suits ``addresses`` (UTF-8 headers when one of them is not ASCII)."""
    international = any(a is not None and not a.isascii() for a in addresses)
    return EmailMessage(policy=INTERNATIONAL_POLICY if international else POLICY)


def sent_record(message: EmailMessage) -> str:
    """What the outbox keeps of a message once it is sent: the headers that say which email went where and
    when (``KEPT_AFTER_SENDING``); not its body, not the person's address a study team replies to."""
    kept = new_message(*[str(v) for name in KEPT_AFTER_SENDING for v in message.get_all(name, [])])
    for name in KEPT_AFTER_SENDING:
        for value in message.get_all(name, []):
            kept[name] = str(value)
    return kept.as_string()
