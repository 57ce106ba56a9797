"""Real-browser tests in Chinese, at a phone's width (390 px) and a desk's (1280 px): a search typed in
Chinese (a Chinese place, a word that matches nothing named), the questionnaire answered in μmol/L as a
Chinese lab report gives it (and mg/dL questioned), a trial's map with the reader's place in the trial's own
city. Screenshots go to test-output/screenshots/chinese/ to be looked at.

Skipped where /usr/bin/chromium is missing, except under CI."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.web.live_server import browser_page, serving
from trialscope.store.trial_store import TrialStore
from trialscope.web.app import create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = ROOT / "test-output" / "screenshots" / "chinese"
WIDTHS = [390, 1280]

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("CI"), reason="Debian's chromium is not installed"
)


@pytest.fixture(scope="module")
def page(web_store: TrialStore) -> Iterator[object]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with serving(create_app(web_store, secret=b"browser-zh")) as url, browser_page(url, CHROMIUM, 1280, 900) as opened:
        yield opened


def _fits(page, width: int) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def _open_filters(page) -> None:  # type: ignore[no-untyped-def]
    if not page.is_visible("#near"):  # folded on a phone
        page.click("details.filters > summary")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_search_typed_in_chinese_near_a_chinese_city(page, width: int) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/search?lang=zh")
    page.fill("#q", "复发难治 急性髓系白血病 CD117")
    _open_filters(page)
    page.fill("#near", "杭州")
    page.fill("#within", "500")
    page.click("form.search button[type=submit]")
    page.wait_for_selector("#result-NCT07144020")
    main = page.inner_text("main")
    assert "没有找到" not in main  # every word was understood
    _fits(page, width)
    page.screenshot(path=str(SCREENSHOTS / f"search-{width}.png"), full_page=True)

    page.goto("/search?lang=zh&q=CAR-T+白血病+父亲&near=浙江省&within=300")
    page.wait_for_selector(".result")
    notes = page.inner_text(".results")
    assert "没有找到与 “父亲” 相关的试验；以下是其余词语的结果。" in notes
    assert "到浙江省的距离从其省会杭州算起。" in notes
    _fits(page, width)
    page.screenshot(path=str(SCREENSHOTS / f"search-unmatched-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.parametrize("width", WIDTHS)
def test_the_questionnaire_in_chinese_answered_in_micromoles(page, width: int) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/trials/NCT07144020/qualify?lang=zh")
    page.wait_for_selector("form.questionnaire")
    assert page.locator("select[name='lab:creatinine_unit'] option:checked").inner_text() == "μmol/L"
    page.fill("input[name=age]", "45")
    for name in page.eval_on_selector_all("input[type=radio]", "els => [...new Set(els.map(e => e.name))]"):
        value = {"sex": "female", "diagnosis": "acute myeloid leukemia", "status": "relapsed", "ecog": "1"}.get(name)
        if value is None:
            value = "positive" if name.startswith("marker:") else "no"
        radio = page.locator(f"input[type=radio][name='{name}'][value='{value}']")
        if radio.count():
            radio.check()
    page.fill("input[name='lab:creatinine']", "80")
    page.select_option("select[name='lab:creatinine_unit']", "mg/dL")  # as if the unit were left wrong
    page.click("form.questionnaire button[type=submit]")
    page.wait_for_selector("text=不是可能的数值")
    assert "肌酐 80 mg/dL 不是可能的数值，您是否指 80 μmol/L？" in page.inner_text("main")
    _fits(page, width)
    page.screenshot(path=str(SCREENSHOTS / f"questionnaire-questioned-{width}.png"), full_page=True)

    page.select_option("select[name='lab:creatinine_unit']", "umol/L")
    if page.locator("input[name='lab:total bilirubin']").count():
        page.fill("input[name='lab:total bilirubin']", "12")
    page.screenshot(path=str(SCREENSHOTS / f"questionnaire-{width}.png"), full_page=True)
    page.click("form.questionnaire button[type=submit]")
    page.wait_for_selector(".verdict")
    result = page.inner_text("main")
    assert "不符合" not in page.inner_text(".verdict") and "66.7" not in result
    _fits(page, width)
    page.screenshot(path=str(SCREENSHOTS / f"qualify-result-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.parametrize("width", WIDTHS)
def test_the_site_in_the_readers_own_city_stays_in_sight_on_the_map(page, width: int) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/trials/NCT07144020?near=杭州&lang=zh")
    page.wait_for_selector(".site-map .marker")
    assert page.locator(".site-map .you.beside").count() == 1
    marker = page.locator(".site-map .marker").first.bounding_box()
    you = page.locator(".site-map .you path").bounding_box()
    assert marker is not None and you is not None
    overlap_x = min(marker["x"] + marker["width"], you["x"] + you["width"]) - max(marker["x"], you["x"])
    overlap_y = min(marker["y"] + marker["height"], you["y"] + you["height"]) - max(marker["y"], you["y"])
    assert overlap_x <= 0 or overlap_y <= 0  # side by side, neither hiding the other
    page.locator("figure.map").screenshot(path=str(SCREENSHOTS / f"trial-map-hangzhou-{width}.png"))
    page.set_viewport_size({"width": 1280, "height": 900})
