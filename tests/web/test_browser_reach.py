"""What a family and a coordinator see on first use (issue 36), in a real browser at 390 and 1280 px, in
both languages: the contact form of a trial whose record gives no email address (the request goes to this
site's operator), the search near Hangzhou (nearest open site first, as labelled), and the feasibility report
on a phone (no sideways scroll). Screenshots go to test-output/screenshots/reach/.

Skipped where /usr/bin/chromium is missing, except under CI (.ci/run installs it)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import FIXTURES, ROOT
from tests.web.live_server import browser_page, serving
from trialscope.cli import app as cli
from trialscope.store.trial_store import TrialStore
from trialscope.web.app import create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "test-output" / "screenshots" / "reach"
WIDTHS = (390, 1280)

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("CI"), reason="Debian's chromium is not installed"
)


@pytest.fixture(scope="module")
def base_url(web_store: TrialStore) -> Iterator[str]:
    with serving(create_app(web_store, secret=b"browser-reach")) as url:
        yield url


@pytest.fixture(scope="module")
def page(base_url: str) -> Iterator[object]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with browser_page(base_url, CHROMIUM, 1280, 900) as opened:
        yield opened


def _no_sideways_scroll(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_contact_form_of_a_trial_without_an_email(page, width: int, lang: str) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"/trials/NCT07342244/contact?lang={lang}")
    main = page.inner_text("main")
    assert ("Who receives your request" if lang == "en" else "谁会收到您的请求") in main
    assert "15926614832" in main
    assert page.is_visible("form.contact-form button[type=submit]")
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / f"contact-no-email-{lang}-{width}.png"), full_page=True)
    page.goto(f"/trials/NCT06125652/contact?lang={lang}")
    assert "clinicaltrials.gov/study/NCT06125652" in page.inner_html("main")
    page.screenshot(path=str(SHOTS / f"contact-no-contact-{lang}-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_search_near_hangzhou_is_nearest_first_as_labelled(page, width: int, lang: str) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"/search?q=AML&near=Hangzhou&lang={lang}")
    label = page.inner_text(".results p.order")
    assert ("nearest open site" if lang == "en" else "最近的开放研究中心") in label
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / f"search-hangzhou-{lang}-{width}.png"), full_page=width == 1280)
    page.goto("/?lang=en")  # leave the language cookie in English for the other tests


@pytest.mark.parametrize("width", WIDTHS)
def test_the_feasibility_report_fits_a_phone(page, tmp_path: Path, width: int) -> None:  # type: ignore[no-untyped-def]
    db = f"sqlite:///{tmp_path / 'seed.db'}"
    runner = CliRunner()
    assert runner.invoke(cli, ["ingest", str(FIXTURES / "seed-trials"), "--db", db]).exit_code == 0
    report = tmp_path / "report.html"
    args = ["prescreen", "NCT07144020", str(FIXTURES / "vignettes"), "--report", str(report), "--db", db]
    assert runner.invoke(cli, args).exit_code == 0
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(report.as_uri())
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / f"feasibility-report-{width}.png"), full_page=True)
