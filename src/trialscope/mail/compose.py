"""What trialscope's emails say: a contact request for a study team, the receipt its sender gets, an
alert's confirmation link, and an alert digest. Plain text; each in its reader's language (the study team's
in English, the registry's language, naming the language the person prefers). Registry text (titles,
names) goes in as it is: a plain-text email has no markup to escape.

A message is built whole (headers, Message-ID) before it goes into the outbox, so a retry sends the very
same message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from trialscope.mail.headers import header_address, new_message
from trialscope.translation import _, reading_in, translations


@dataclass(frozen=True, slots=True)
class DigestLine:
    nct_id: str
    title: str
    what: str  # what changed, in words
    url: str


def _message(sender: str, to: str, subject: str, body: str, reply_to: str | None = None) -> EmailMessage:
    to = header_address(to)
    reply_to = header_address(reply_to) if reply_to else None
    message = new_message(to, reply_to)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    message["Message-ID"] = make_msgid(domain="trialscope")
    message["Auto-Submitted"] = "auto-generated"
    if reply_to:
        message["Reply-To"] = reply_to
    message.set_content(body)
    return message


def lead_for_study_team(
    *,
    sender: str,
    to: str,
    nct_id: str,
    title: str,
    site: str | None,
    name: str,
    email: str | None,
    phone: str | None,
    language: str | None,
    text: str,
) -> EmailMessage:
    """The request as the study team reads it (English), replying goes to the person."""
    lines = [
        "A person who found your trial on trialscope asks to be contacted about it.",
        "",
        f"Trial: {nct_id} - {title}",
        f"Site: {site or 'the central contact'}",
        "",
        f"Name: {name}",
        f"Email: {email or '-'}",
        f"Phone: {phone or '-'}",
        f"Preferred language: {language or '-'}",
        "",
        "Their message:",
        text,
        "",
        "They agreed that trialscope sends you these details. Please answer them directly.",
        "trialscope did not check whether they qualify.",
    ]
    return _message(sender, to, f"Contact request about {nct_id}", "\n".join(lines), reply_to=email)


def lead_receipt(
    *,
    sender: str,
    to: str,
    language: str,
    nct_id: str,
    title: str,
    recipient: str,
    withdraw_url: str,
    kept_days: int,
    referral: bool = False,
) -> EmailMessage:
    """The person's copy: what was sent to whom (for a referral: this site's operator, who passes it on),
    how to withdraw it, how long it is kept."""
    with reading_in(translations(language)):
        body = "\n\n".join(
            [
                _(
                    "We received your request to contact the study team of %(nct_id)s (%(title)s).",
                    nct_id=nct_id,
                    title=title,
                ),
                _(
                    "It goes to the people who run this trialscope site, because the trial's record gives no "
                    "email address. They pass it on to the study team by phone or through the sponsor, "
                    "and tell you what they hear."
                )
                if referral
                else _("It goes to: %(recipient)s. They will answer you directly.", recipient=recipient),
                _("To withdraw it, or to have your details deleted, open: %(url)s", url=withdraw_url),
                _("We keep your details for %(days)s days, then delete them.", days=kept_days),
                _(
                    "You get this email because this address was entered on trialscope. "
                    "If it was not you, open the link above to delete the request."
                ),
            ]
        )
        subject = _("Your request about %(nct_id)s", nct_id=nct_id)
    return _message(sender, to, subject, body)


def alert_confirmation(
    *, sender: str, to: str, language: str, what: str, confirm_url: str, valid_days: int
) -> EmailMessage:
    with reading_in(translations(language)):
        body = "\n\n".join(
            [
                _("Please confirm that you want emails from trialscope about: %(what)s", what=what),
                _("Confirm: %(url)s", url=confirm_url),
                _(
                    "The link is valid for %(days)s days. "
                    "If you did not ask for this, ignore this email: nothing more will be sent.",
                    days=valid_days,
                ),
            ]
        )
        subject = _("Confirm your trialscope alert")
    return _message(sender, to, subject, body)


def digest(
    *,
    sender: str,
    to: str,
    language: str,
    what: str,
    lines: Sequence[DigestLine],
    unsubscribe_url: str,
    feed_url: str | None = None,
) -> EmailMessage:
    """News for one alert: one paragraph per trial; a one-click unsubscribe link in the text and in the
    headers (RFC 2369 ``List-Unsubscribe``, RFC 8058 ``List-Unsubscribe-Post``)."""
    with reading_in(translations(language)):
        paragraphs = [_("News for your alert: %(what)s", what=what)]
        paragraphs += [f"{line.nct_id} - {line.title}\n{line.what}\n{line.url}" for line in lines]
        if feed_url:
            paragraphs.append(_("The same news as a feed (Atom): %(url)s", url=feed_url))
        paragraphs.append(_("Stop these emails: %(url)s", url=unsubscribe_url))
        subject = _("trialscope: %(count)s news for your alert", count=len(lines))
    message = _message(sender, to, subject, "\n\n".join(paragraphs))
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message
