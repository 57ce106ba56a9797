"""Real-browser tests: Playwright driving Debian's chromium against the app served on 127.0.0.1. Search for
CD117 AML trials near Hangzhou, open the trial, answer its questionnaire as an eligible and an ineligible
person, switch to Chinese. Screenshots of the main pages go to test-output/screenshots/.

Skipped where /usr/bin/chromium is missing, except under CI (.ci/run installs it)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.web.live_server import browser_page, serving
from trialscope.model.statuses import SITE_OPEN
from trialscope.store.trial_store import TrialStore
from trialscope.web.app import create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = ROOT / "test-output" / "screenshots"

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("CI"), reason="Debian's chromium is not installed"
)


@pytest.fixture(scope="module")
def base_url(web_store: TrialStore) -> Iterator[str]:
    with serving(create_app(web_store, secret=b"browser")) as url:
        yield url


@pytest.fixture(scope="module")
def page(base_url: str) -> Iterator[object]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with browser_page(base_url, CHROMIUM, 1280, 900) as opened:
        yield opened


def test_find_open_the_trial_and_ask_could_i_qualify(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    page.fill("#q", "CAR-T AML")
    page.fill("#near", "Hangzhou")
    page.fill("#within", "500")
    page.fill("#age", "45")
    page.check("input[name=status][value=open]")
    page.click("form.search button[type=submit]")
    page.wait_for_selector("a[href='/trials/NCT07144020']")
    page.screenshot(path=str(SCREENSHOTS / "search.png"), full_page=True)

    page.click("a[href='/trials/NCT07144020']")
    page.wait_for_selector("h1")
    assert "Donor Derived CD117 CAR-T Cells" in page.inner_text("h1")
    assert page.is_visible("text=In plain words")
    page.screenshot(path=str(SCREENSHOTS / "trial.png"), full_page=True)

    page.click("text=Could I qualify? Answer a few questions")
    page.wait_for_selector("form.questionnaire")
    page.fill("input[name=age]", "45")
    for name in page.eval_on_selector_all("input[type=radio]", "els => [...new Set(els.map(e => e.name))]"):
        value = {"sex": "female", "diagnosis": "acute myeloid leukemia", "status": "relapsed", "ecog": "1"}.get(name)
        if value is None:
            value = "positive" if name.startswith("marker:") else "no"
        radio = page.locator(f"input[type=radio][name='{name}'][value='{value}']")
        if radio.count():
            radio.check()
    page.screenshot(path=str(SCREENSHOTS / "questionnaire.png"), full_page=True)
    page.click("form.questionnaire button[type=submit]")
    page.wait_for_selector(".verdict")
    verdict = page.inner_text(".verdict")
    assert verdict in (
        "Nothing rules you out so far, but some questions are open.",
        "You seem to meet every criterion we could check.",
    )
    page.screenshot(path=str(SCREENSHOTS / "qualify-result.png"), full_page=True)


def test_an_ineligible_answer_is_shown_with_its_reason(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/trials/NCT07432100/qualify")
    page.fill("input[name=age]", "90")
    page.click("form.questionnaire button[type=submit]")
    page.wait_for_selector(".verdict")
    assert page.inner_text(".verdict") == "Some criteria are not met."
    assert "maximum age: 70 Years" in page.inner_text("main")


def test_switch_to_chinese(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/trials/NCT07144020")
    page.click("a[hreflang=zh]")
    page.wait_for_selector("text=通俗说明")
    assert "我能参加吗？" in page.inner_text("main")
    page.screenshot(path=str(SCREENSHOTS / "trial-zh.png"), full_page=True)
    page.goto("/faq")
    assert "什么是临床试验？" in page.inner_text("main")  # the choice is remembered
    page.click("a[hreflang=en]")


def _map_sites(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all(".site-map .marker", "els => els.flatMap(e => e.dataset.sites.split(' '))")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_trial_map_marks_every_site_and_links_to_it(page, web_store: TrialStore, width: int) -> None:  # type: ignore[no-untyped-def]
    """Every site with coordinates is one marker's (once), in its own status's colour; the person's place and
    the distance they chose are drawn; a marker and its entry in the list highlight each other."""
    trial = web_store.get("NCT06615479")
    assert trial is not None
    located = {
        f"site-{n + 1}": loc
        for n, loc in enumerate(trial.study.locations)
        if loc.geo_point is not None and loc.geo_point.lat is not None
    }
    assert len(located) >= 3
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/trials/NCT06615479?near=Hangzhou&within=800")
    marked = _map_sites(page)
    assert sorted(marked) == sorted(located)  # each located site once
    for key, loc in located.items():
        status = page.get_attribute(f".site-map .marker[data-sites~='{key}']", "class")
        expected = "unknown" if loc.status is None else "open" if loc.status.upper() in SITE_OPEN else "closed"
        assert status is not None and expected in status.split(), key
        assert page.locator(f"li#{key}").count() == 1
    assert page.locator(".site-map .you").count() == 1 and page.locator(".site-map .reach").count() == 1
    first = page.locator(".site-map .marker").last  # drawn last: on top
    first.hover()
    entry = first.get_attribute("data-sites").split(" ")[0]  # type: ignore[union-attr]
    assert "highlight" in (page.get_attribute(f"li#{entry}", "class") or "")
    page.hover("h1")
    page.focus(f"li#{entry}")
    assert "highlight" in (first.get_attribute("class") or "")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.locator("figure.map").screenshot(path=str(SCREENSHOTS / f"trial-map-{width}.png"))
    page.set_viewport_size({"width": 1280, "height": 900})


def test_the_search_map_marks_the_open_sites_of_the_results(page, web_store: TrialStore) -> None:  # type: ignore[no-untyped-def]
    page.goto("/search?q=CAR-T&near=Hangzhou&within=1500&lang=zh")
    results = page.eval_on_selector_all(".result", "els => els.map(e => e.id.slice(7))")
    assert results
    expected = sum(  # counted from the records themselves, not through the store's site queries
        1
        for nct_id in results
        for site in web_store.get(nct_id).study.locations  # type: ignore[union-attr]
        if site.geo_point is not None and (site.status is None or site.status.upper() in SITE_OPEN)
    )
    marked = _map_sites(page)
    assert len(marked) == expected and {m.removeprefix("result-") for m in marked} <= set(results)
    assert page.get_attribute(".site-map title", "textContent") is None  # titles are elements, not attributes
    assert "本页试验的开放中心地图" in page.inner_html("figure.map")
    page.locator("figure.map").screenshot(path=str(SCREENSHOTS / "search-map-zh.png"))
    page.goto("/search?q=CAR-T&lang=en")


PAGE_KINDS = {  # every kind of page, by the name its screenshots take
    "home": "/",
    "search": "/search?q=CAR-T+AML&near=Hangzhou&within=1500&status=open",
    "trial": "/trials/NCT07342244",
    "trial-near": "/trials/NCT06615479?near=Hangzhou&within=800",
    "qualify": "/trials/NCT07144020/qualify",
    "find": "/find",
    "faq": "/faq",
    "about": "/about",
    "not-found": "/trials/NCT00000000",
    "contact": "/trials/NCT03281889/contact?near=Houston",
    "notes": "/trials/NCT07342244/notes",
    "locations": "/locations",
    "locations-city": "/locations/United%20States/Houston",
    "privacy": "/privacy",
    "operator-login": "/operator/login",
}
AXE = ROOT / "tests" / "web" / "vendor" / "axe-core" / "axe.min.js"


def _in(path: str, lang: str) -> str:
    return path + ("&" if "?" in path else "?") + f"lang={lang}"


def _axe_problems(page) -> list[str]:  # type: ignore[no-untyped-def]
    """axe-core's serious and critical violations on the page as it stands (run through the debugging
    protocol, so the page's CSP, which allows no inline script, does not stop it)."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ': ' + v.help + ' (' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', ') + ')')"
    )
    return list(found)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", [1280, 390])
def test_every_page_kind_is_accessible_and_photographed(page, lang: str, width: int) -> None:  # type: ignore[no-untyped-def]
    """axe-core finds no serious or critical violation on any page kind, at a desk and on a phone, in both
    languages (the qualify result and a trial with its sections folded open included); each page is saved
    as a screenshot under test-output/screenshots/pages/ ({kind}-{width}-{lang}.png) to be looked at."""
    folder = SCREENSHOTS / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": 900 if width > 500 else 844})
    problems: dict[str, list[str]] = {}
    try:
        for kind, path in PAGE_KINDS.items():
            page.goto(_in(path, lang))
            problems[kind] = _axe_problems(page)
            page.screenshot(path=str(folder / f"{kind}-{width}-{lang}.png"), full_page=True)
        page.goto(_in("/trials/NCT07144020/qualify", lang))
        page.fill("input[name=age]", "45")
        page.click("form.questionnaire button[type=submit]")
        page.wait_for_selector(".verdict")
        problems["qualify-result"] = _axe_problems(page)
        page.screenshot(path=str(folder / f"qualify-result-{width}-{lang}.png"), full_page=True)
        page.goto(_in("/trials/NCT07342244", lang) + "#details")  # every part open, record sections too
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        problems["trial-opened"] = _axe_problems(page)
        page.goto(_in("/api/docs", lang))
        page.wait_for_selector(".opblock")
        page.screenshot(path=str(folder / f"api-docs-{width}-{lang}.png"), full_page=True)
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto("/?lang=en")
    assert not {kind: found for kind, found in problems.items() if found}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_page_scrolls_sideways_on_a_phone(page, lang: str) -> None:  # type: ignore[no-untyped-def]
    """At 390 px every page kind fits the screen: no horizontal scroll (tables reflow, long words wrap)."""
    page.set_viewport_size({"width": 390, "height": 844})
    wide = {}
    try:
        for path in PAGE_KINDS.values():
            page.goto(_in(path, lang))
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                wide[path] = width
        page.goto(f"/trials/NCT07144020/qualify?lang={lang}")
        page.fill("input[name=age]", "45")
        page.click("form.questionnaire button[type=submit]")
        page.wait_for_selector(".verdict")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            wide["qualify result"] = width
        page.screenshot(path=str(SCREENSHOTS / f"qualify-result-390-{lang}.png"), full_page=True)
        page.goto(f"/trials/NCT07342244?lang={lang}")
        page.screenshot(path=str(SCREENSHOTS / f"trial-390-{lang}.png"), full_page=True)
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto("/?lang=en")
    assert not wide, wide


def test_on_a_phone_the_filters_fold_behind_a_button(page) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        page.goto("/search?q=CAR-T+AML")
        results_top = page.evaluate("document.querySelector('.results').getBoundingClientRect().top")
        assert results_top < 900  # the results start on the first screens, not after the filters
        assert not page.is_visible("#near")
        page.click("details.filters > summary")
        assert page.is_visible("#near")
        page.screenshot(path=str(SCREENSHOTS / "search-390-filters-open.png"), full_page=False)
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/search?q=CAR-T+AML")
    assert page.is_visible("#near") and page.is_visible(".facets h3")  # a desk shows them all


def test_the_trial_page_menu_stays_in_view_and_opens_folded_parts(page) -> None:  # type: ignore[no-untyped-def]
    """On a phone the long parts start folded (NCT07342244 was 19,100 px tall); the section menu stays at
    the top of the screen while scrolling, and a menu link opens the part it points at. At a desk every
    part starts open and the menu stays beside them."""
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        page.goto("/trials/NCT07342244")
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height < 6000, height
        assert page.is_visible("#overview .plain") and not page.is_visible("table.criteria")
        page.mouse.wheel(0, 1500)
        page.wait_for_timeout(200)
        assert page.evaluate("document.querySelector('.on-this-page').getBoundingClientRect().top") <= 1
        page.click(".on-this-page a[href='#who-can-join']")
        assert page.is_visible("table.criteria")
        assert page.evaluate("document.querySelector('#who-can-join').getBoundingClientRect().top") < 200
        page.screenshot(path=str(SCREENSHOTS / "trial-390-menu.png"), full_page=False)
        page.goto("/trials/NCT06615479?near=Hangzhou")  # a distance asked for: the sites stay open
        assert page.is_visible("ul.sites") and not page.is_visible("table.criteria")
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/trials/NCT07342244")
    assert page.is_visible("table.criteria") and page.is_visible("#dates .timeline")
    page.mouse.wheel(0, 3000)
    page.wait_for_timeout(200)
    assert page.evaluate("document.querySelector('.on-this-page').getBoundingClientRect().top") <= 1
    page.click("#who-can-join > summary")
    assert not page.is_visible("table.criteria")  # a part folds at a desk too
