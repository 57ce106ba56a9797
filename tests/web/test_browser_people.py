"""Real-browser tests of what a visitor leaves with their consent, in English and Chinese: a contact
request that reaches the study team's mailbox (a real SMTP server), an alert confirmed from the link in its
email, and private notes opened with their passcode. Screenshots go to test-output/screenshots/people/.

Skipped where /usr/bin/chromium is missing, except under CI (.ci/run installs it)."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.mail_server import MailServer, body, running_mail_server
from tests.web.live_server import browser_page, serving
from tests.web.test_browser import CHROMIUM, SCREENSHOTS
from trialscope.store.trial_store import TrialStore
from trialscope.web.app import create_app

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("CI"), reason="Debian's chromium is not installed"
)
SHOTS = SCREENSHOTS / "people"


@pytest.fixture(scope="module")
def mailbox() -> Iterator[MailServer]:
    with running_mail_server() as server:
        yield server


@pytest.fixture(scope="module")
def base_url(web_store: TrialStore, mailbox: MailServer) -> Iterator[str]:
    os.environ["TRIALSCOPE_SMTP_URL"] = mailbox.url  # read when the app is made
    try:
        app = create_app(web_store, secret=b"browser-people")
    finally:
        del os.environ["TRIALSCOPE_SMTP_URL"]
    with serving(app) as url:
        app.state.site.public_url = url  # links in emails and on a note's page point where the site is served
        yield url


@pytest.fixture(scope="module")
def page(base_url: str) -> Iterator[object]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with browser_page(base_url, CHROMIUM, 390, 844) as opened:
        yield opened


def _mail(mailbox: MailServer, address: str) -> str:
    deadline = time.monotonic() + 10
    while not mailbox.handler.to(address) and time.monotonic() < deadline:
        time.sleep(0.05)
    [message] = mailbox.handler.to(address)
    return body(message)


WORDS = {
    "en": {"thanks": "Thank you", "check": "Check your email", "confirmed": "Alert confirmed", "saved": "Notes saved"},
    "zh": {"thanks": "谢谢", "check": "请查看您的电子邮件", "confirmed": "提醒已确认", "saved": "笔记已保存"},
}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_contact_request_reaches_the_study_team(page, mailbox: MailServer, lang: str) -> None:  # type: ignore[no-untyped-def]
    address = f"visitor-{lang}@example.org"
    page.goto(f"/trials/NCT03281889?lang={lang}")
    page.click("a[href^='/trials/NCT03281889/contact']")
    page.check("input[name=recipient][value=central-1]")
    page.fill("#name", "Ana Li")
    page.fill("#email", address)
    page.fill("#message", "Could I take part? 我可以参加吗？")
    page.click("form.contact-form button[type=submit]")
    page.wait_for_selector(".error")  # no consent yet: the form again, what was typed kept
    assert page.input_value("#name") == "Ana Li"
    page.check("input[name=consent]")
    page.click("form.contact-form button[type=submit]")
    page.wait_for_selector("text=" + WORDS[lang]["thanks"])
    page.screenshot(path=str(SHOTS / f"contact-sent-{lang}.png"), full_page=True)
    team = [m for m in mailbox.handler.to("smacdonald@mgh.harvard.edu") if address in str(m.get("Reply-To"))]
    deadline = time.monotonic() + 10
    while not team and time.monotonic() < deadline:
        time.sleep(0.05)
        team = [m for m in mailbox.handler.to("smacdonald@mgh.harvard.edu") if address in str(m.get("Reply-To"))]
    assert len(team) == 1 and "我可以参加吗" in body(team[0])
    assert "/contact/" in _mail(mailbox, address)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_alert_is_confirmed_from_its_email(page, mailbox: MailServer, lang: str) -> None:  # type: ignore[no-untyped-def]
    address = f"alerts-{lang}@example.org"
    page.goto(f"/trials/NCT07342244?lang={lang}#keep")
    page.fill("#alert-email", address)
    page.check("#keep input[name=consent]")
    page.click("#keep form.alert-form button[type=submit]")
    page.wait_for_selector("text=" + WORDS[lang]["check"])
    link = re.search(r"http://127\.0\.0\.1:\d+(/alerts/confirm/\S+)", _mail(mailbox, address))
    assert link
    page.goto(link.group(1))
    assert WORDS[lang]["confirmed"] in page.inner_text("h1")
    page.screenshot(path=str(SHOTS / f"alert-confirmed-{lang}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_private_notes_open_with_their_passcode(page, lang: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"/trials/NCT07342244?lang={lang}#keep")
    page.click("a[href='/trials/NCT07342244/notes']")
    page.fill("#text", "Questions for Dr. Chen: dose, visits. 问医生：剂量")
    page.fill("#passcode", "heron-blue-42")
    page.fill("#passcode_again", "heron-blue-42")
    page.click("form button[type=submit]")
    page.wait_for_selector("text=" + WORDS[lang]["saved"])
    page.screenshot(path=str(SHOTS / f"notes-saved-{lang}.png"), full_page=True)
    link = page.input_value("input.link")
    page.goto(link)
    page.fill("#passcode", "wrong-passcode")
    page.click("form button[type=submit]")
    page.wait_for_selector(".error")
    page.fill("#passcode", "heron-blue-42")
    page.click("form button[type=submit]")
    page.wait_for_selector(".note-text")
    assert "问医生：剂量" in page.inner_text(".note-text")
    page.screenshot(path=str(SHOTS / f"notes-open-{lang}.png"), full_page=True)
