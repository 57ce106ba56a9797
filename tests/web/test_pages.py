"""Every page over HTTP: what it shows, its protections, and bad input."""

from __future__ import annotations

import itertools
import re

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import HOSTILE_TITLE, csrf
from trialscope.web.plain_language import contact_value

PAGES = ["/", "/search?q=CD117", "/trials/NCT07144020", "/trials/NCT07144020/qualify", "/find", "/faq", "/about"]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_is_served_safely(client: TestClient, url: str) -> None:
    page = client.get(url)
    assert page.status_code == 200
    headers = page.headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    html = page.text
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script (the CSP would block it)
    assert not re.search(r"<[^>]*\s(?:on[a-z]+|style)=", html)  # no inline handlers or styles in any tag
    ids = re.findall(r'<[a-z0-9]+\s[^>]*\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(i for i in set(ids) if ids.count(i) > 1)  # links find one place
    for field in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html):
        assert f'for="{field}"' in html, f"{url}: field {field} has no label"
    levels = [int(h) for h in re.findall(r"<h([1-6])", html)]
    assert levels and levels[0] == 1 and all(b - a <= 1 for a, b in itertools.pairwise(levels))


def test_unknown_trial_is_a_404_page(client: TestClient) -> None:
    page = client.get("/trials/NCT00000000")
    assert page.status_code == 404 and "NCT00000000 is not in the catalogue" in page.text
    page = client.get("/trials/nct00000000/qualify", params={"lang": "zh"})  # in the reader's words
    client.cookies.clear()
    assert page.status_code == 404 and "NCT00000000 不在本站的试验目录中" in page.text
    assert client.get("/trials/not-an-id").status_code in (400, 404)


def test_search_finds_the_cd117_trial_near_hangzhou(client: TestClient) -> None:
    page = client.get(
        "/search",
        params={
            "q": "CAR-T AML",
            "near": "Hangzhou",
            "within": "500",
            "age": "45",
            "status": "open",
            "target": "CD117",
        },
    )
    assert page.status_code == 200
    assert "/trials/NCT07144020" in page.text and "km)" in page.text
    assert "city-level" in page.text


def test_search_with_bad_input_says_what_is_wrong(client: TestClient) -> None:
    page = client.get("/search", params={"q": "CD117", "age": "old", "within": "far"})
    assert page.status_code == 400 and "not a number" in page.text and "not a distance" in page.text
    page = client.get("/search", params={"q": "nosuchfield:x"})
    assert page.status_code == 400 and "fields you can search" in page.text


def test_trial_page_shows_every_section_and_the_criteria_beside_their_text(client: TestClient) -> None:
    html = client.get("/trials/NCT07342244", params={"near": "Hangzhou"}).text
    for heading in (
        "In plain words",
        "Who it is for",
        "Who can join",
        "The criteria",
        "As registered",
        "Understood as",
        "Minimum age",
        "Locations and contacts",
        "Related trials",
        "Words explained",
        "Nearest open site",
    ):
        assert heading in html, heading
    assert 'class="term" title="' in html  # jargon explained inline
    assert "same target CLL1" in html


def test_the_trial_page_puts_first_what_a_person_needs_first_and_a_menu_reaches_every_part(
    client: TestClient,
) -> None:
    """Overview and plain words, could I qualify, who can join, locations and contacts, then the record's
    details; a section menu links to each part; every part and record section folds (<details>)."""
    html = client.get("/trials/NCT07342244").text
    order = ["overview", "qualify", "who-can-join", "where", "keep", "details", "related"]
    positions = [
        html.index(
            f'<details class="part{" fold-long" if p in ("who-can-join", "where", "details") else ""}" id="{p}" open>'
        )
        for p in order
    ]
    assert positions == sorted(positions)
    assert html.index("In plain words") < positions[1] and html.index('class="criteria"') < positions[3]
    menu = html[html.index('<nav class="on-this-page"') : html.index("</nav>", html.index('<nav class="on-this-page"'))]
    targets = re.findall(r'href="#([^"]+)"', menu)
    assert targets[:6] == order[:6] and all(f'id="{t}"' in html for t in targets)
    details = html[positions[5] : positions[6]]
    assert '<details class="record" id="dates" open>' in details and 'id="identifiers"' in details
    assert 'id="central-contacts"' not in details  # contacts sit with the locations
    assert '<h3 id="countries">Countries</h3><p>China</p>' in html  # a heading is not repeated as its own label


def test_registry_text_is_escaped(client: TestClient) -> None:
    html = client.get("/trials/NCT09999999").text
    assert HOSTILE_TITLE not in html
    assert "&lt;script&gt;alert(" in html
    assert "<img src=x" not in html


def _answers(client: TestClient, nct_id: str, **overrides: str) -> dict[str, str]:
    html = client.get(f"/trials/{nct_id}/qualify").text
    answers: dict[str, str] = {"csrf_token": csrf(client, f"/trials/{nct_id}/qualify")}
    for name in dict.fromkeys(re.findall(r'name="([^"]+)"', html)):
        if name == "csrf_token" or name.endswith(("_unit", "_uln")):
            continue
        if name == "age":
            answers[name] = "45"
        elif name == "sex":
            answers[name] = "female"
        elif name == "diagnosis":
            answers[name] = "acute myeloid leukemia"
        elif name == "status":
            answers[name] = "relapsed"
        elif name == "ecog":
            answers[name] = "1"
        elif name.startswith("marker:"):
            answers[name] = "positive"
        elif name.startswith(("therapy:", "history:")) or name in ("pregnant", "breastfeeding"):
            answers[name] = "no"
    return answers | overrides


def test_could_i_qualify_answers_honestly(client: TestClient) -> None:
    form = client.get("/trials/NCT07144020/qualify").text
    assert "How old are you?" in form and "CD117" in form
    fit = client.post("/trials/NCT07144020/qualify", data=_answers(client, "NCT07144020"))
    assert fit.status_code == 200
    assert "Some criteria are not met." not in fit.text  # nothing answered rules this person out
    assert "Questions for your doctor or the study team" in fit.text  # labs left blank stay open questions
    capped = client.post("/trials/NCT07432100/qualify", data=_answers(client, "NCT07432100", age="90"))
    assert "Some criteria are not met." in capped.text and "maximum age: 70 Years" in capped.text  # 70 at most


def test_questionnaire_refuses_bad_answers_and_missing_csrf(client: TestClient) -> None:
    answers = _answers(client, "NCT07144020", age="forty")
    page = client.post("/trials/NCT07144020/qualify", data=answers)
    assert page.status_code == 400 and "please enter a number" in page.text
    no_token = {k: v for k, v in answers.items() if k != "csrf_token"}
    assert client.post("/trials/NCT07144020/qualify", data=no_token).status_code == 403


def test_find_trials_for_me_from_words(client: TestClient) -> None:
    token = csrf(client, "/find")
    page = client.post(
        "/find",
        data={
            "csrf_token": token,
            "text": "45-year-old woman with relapsed AML, CD117+ by flow, ECOG 1, no prior CAR-T",
            "near": "Hangzhou",
            "within": "1500",
        },
    )
    assert page.status_code == 200 and "/trials/NCT07144020" in page.text
    bad = client.post(
        "/find", data={"csrf_token": token}, files={"profile": ("p.json", b"not json", "application/json")}
    )
    assert bad.status_code == 400 and "p.json: not a JSON file" in bad.text


def test_interface_in_chinese(client: TestClient) -> None:
    page = client.get("/trials/NCT07144020?lang=zh")
    assert "我能参加吗？" in page.text and "通俗说明" in page.text
    assert "Donor Derived CD117 CAR-T Cells" in page.text  # registry text stays as registered
    assert client.get("/faq").text.count("什么是临床试验？") == 1  # remembered in a cookie
    client.cookies.clear()
    assert "什么是临床试验？" in client.get("/faq", headers={"accept-language": "zh-CN,zh;q=0.9"}).text
    assert "What is a clinical trial?" in client.get("/faq", headers={"accept-language": "en-US"}).text


def test_key_dates_are_a_timeline_in_date_order_with_today_among_them(client: TestClient) -> None:
    html = client.get("/trials/NCT07144020").text
    timeline = html[html.index('<ol class="timeline">') : html.index("</ol>", html.index('<ol class="timeline">'))]
    dates = re.findall(r'<time datetime="([^"]+)"', timeline)
    assert dates == sorted(dates) and len(dates) >= 3
    assert "Study start" in timeline and "Last update posted" in timeline and "Today" in timeline


def test_sites_show_their_distance_nearest_open_first(client: TestClient) -> None:
    html = client.get("/trials/NCT02210780?near=Boston, MA").text
    sites = html[html.index('<ul class="sites">') : html.index("</ul>", html.index('<ul class="sites">'))]
    distances = [float(d.replace(",", "")) for d in re.findall(r'<span class="distance">([\d,]+) km', sites)]
    opened = sites.split('<li class="closed">')[0]  # the open sites come first
    open_distances = [float(d.replace(",", "")) for d in re.findall(r'<span class="distance">([\d,]+) km', opened)]
    assert len(distances) > 10 and open_distances == sorted(open_distances)
    assert "Nearest open sites first" in html
    assert "Type your city above" in client.get("/trials/NCT02210780").text  # without a place: no distances


def test_the_eligibility_text_is_not_repeated_below_the_criteria_table(client: TestClient) -> None:
    html = client.get("/trials/NCT07144020").text
    assert html.count("bone marrow blasts (by morphology) and/or") == 1  # once, in the item-by-item table


def test_a_definition_inside_a_criterion_is_said_once(client: TestClient) -> None:
    html = client.get("/trials/NCT07144020").text
    criteria = html[html.index('class="criteria"') : html.index("</table>")]
    rows = criteria.split("<tr")[2:]
    assert all(row.count("in a definition, not a requirement of its own") <= 1 for row in rows)
    assert "in a definition, not a requirement of its own: number of relapses ≥ 2; refractory;" in criteria


def test_the_data_source_names_no_server_folder(client: TestClient) -> None:
    html = client.get("/trials/NCT07144020").text
    source = html[html.index('id="source"') :]
    assert "demo-catalogue.jsonl.gz" in source and "/demo-catalogue" not in source
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", source)


def test_an_unknown_status_is_named_not_an_empty_result(client: TestClient) -> None:
    page = client.get("/search", params={"q": "CD117", "status": "bogus"})
    assert page.status_code == 400
    assert "unknown status &#39;bogus&#39;: use one of open, not yet recruiting, recruiting" in page.text
    assert 'value="CD117"' in page.text  # the query is kept
    answer = client.get("/api/search", params={"q": "CD117", "status": "bogus"})
    assert answer.status_code == 400 and "unknown status" in answer.json()["error"]
    assert client.get("/search", params={"q": "CD117", "status": "active, not recruiting"}).status_code == 200


def test_phone_numbers_and_emails_are_links(client: TestClient) -> None:
    html = client.get("/trials/NCT07342244").text
    assert '<dt>Phone</dt><dd><a href="tel:15926614832">15926614832</a></dd>' in html
    assert (
        contact_value("+86 571-8723 6114 ext. 2", "Phone")
        == '<a href="tel:+8657187236114">+86 571-8723 6114 ext. 2</a>'
    )
    assert contact_value("study@example.org", "Email") == '<a href="mailto:study@example.org">study@example.org</a>'
    assert contact_value('x@y.z"><script>', "Email") == "x@y.z&#34;&gt;&lt;script&gt;"  # not an address: text
    assert contact_value("call the desk", "Phone") == "call the desk"


def test_favicon_and_related_trials_read_cleanly(client: TestClient) -> None:
    assert client.get("/static/favicon.svg").status_code == 200
    assert client.get("/favicon.ico", follow_redirects=False).headers["location"] == "/static/favicon.svg"
    html = client.get("/trials/NCT07144020").text
    assert 'rel="icon"' in html
    related = html[html.index('id="related-h"') :]
    assert "(Unknown status (not verified recently))" not in related and "Phase" in related


def test_refused_input_is_said_in_plain_words_and_the_form_is_kept(client: TestClient) -> None:
    page = client.get("/search", params={"q": "CD117 " * 100, "near": "Hangzhou"})
    assert page.status_code == 400
    assert "The search words: too long, at most 500 characters" in page.text
    assert 'value="CD117 CD117' in page.text and 'value="Hangzhou"' in page.text  # the form is kept
    assert "String should" not in page.text
    page = client.get("/search", params={"q": "CD117", "page": "5000"})
    assert page.status_code == 400 and "The page number: at most 1000" in page.text
    page = client.get("/trials/NCT123")
    assert page.status_code in (400, 404) and "String should match pattern" not in page.text
    answer = client.get("/api/search", params={"q": "x", "page": "5000"})
    assert answer.status_code == 422 and "The page number: at most 1000" in answer.json()["error"]
    page = client.get("/search", params={"q": "CD117", "page": "5000", "lang": "zh"})
    assert "页码：最多为 1000" in page.text and "String should" not in page.text
    client.cookies.clear()  # the language choice is remembered in a cookie: forget it for the next tests


def test_a_page_past_the_last_links_back(client: TestClient) -> None:
    html = client.get("/search", params={"q": 'title:"donor derived"', "page": "7"}).text
    assert "There is no page 7: the results end on page 1." in html and "Go to the last page" in html


def _facet(html: str, heading: str) -> str:
    start = html.index(f"<h3>{heading}</h3>")
    return html[start : html.index("</section>", start)]


def test_every_facet_value_is_a_link_with_its_count_and_a_readable_label(client: TestClient) -> None:
    html = client.get("/search", params={"q": "CAR-T AML", "near": "Hangzhou"}).text
    for heading in ("Status", "Phase", "Condition", "Target antigen", "Sex", "Age group", "Country", "Distance"):
        values = re.findall(
            r'<li[^>]*><a href="([^"]+)"[^>]*>([^<]+)</a> <span class="count">([\d,]+)</span>', _facet(html, heading)
        )
        assert values, heading
    assert ">Phase 1</a>" in html and "PHASE1<" not in html and ">Older adult</a>" in html
    assert ">Open to women</a>" in html and ">within 500 km</a>" in html and ">Acute myeloid leukemia</a>" in html
    assert html.count("<h3>Country</h3>") == 1


def test_a_facet_link_narrows_the_search_and_a_chosen_value_takes_itself_away(client: TestClient) -> None:
    all_trials = client.get("/api/search", params={"q": "CAR-T"}).json()["total"]
    for name, value in (
        ("age_group", "CHILD"),
        ("condition", "acute lymphoblastic leukemia"),
        ("status", "RECRUITING"),
    ):
        page = client.get("/search", params={"q": "CAR-T", name: value})
        assert page.status_code == 200, (name, page.text[:300])
        total = int(re.search(r"<h2>([\d,]+) trials</h2>", page.text).group(1).replace(",", ""))  # type: ignore[union-attr]
        assert 0 < total < all_trials, name
        chosen = re.search(r'<li class="chosen"><a href="([^"]+)" aria-current="true"', page.text)
        assert chosen is not None, name
        assert f"{name}=" not in chosen.group(1).replace("&amp;", "&")  # the link takes the filter away
    children = client.get("/api/search", params={"q": "CAR-T", "age": 8}).json()["total"]
    assert children > 0
    assert client.get("/search", params={"q": "CAR-T", "age_group": "babies"}).status_code == 400


def test_near_a_place_without_a_distance_says_nothing_is_cut_off(client: TestClient) -> None:
    html = client.get("/search", params={"q": "CD117 AML", "near": "Hangzhou"}).text
    assert "No distance limit" in html and "9,110 km" in html  # the Lille site: listed, with its distance
    narrowed = client.get("/search", params={"q": "CD117 AML", "near": "Hangzhou", "within": "500"}).text
    assert "No distance limit" not in narrowed and "9,110 km" not in narrowed


def test_an_unknown_city_suggests_real_places_in_the_readers_script(client: TestClient) -> None:
    english = client.get("/search", params={"q": "AML", "near": "Hangzou"}).text
    assert "did you mean: Hangzhou, China;" in english
    chinese = client.get("/search", params={"q": "AML", "near": "Hangzou", "lang": "zh"}).text
    client.cookies.clear()
    assert "杭州, 中国；" in chinese and "hang chou" not in chinese


def test_api_docs_are_served_from_the_package(client: TestClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200 and "/static/swagger/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower() and not re.search(r"<script(?![^>]*\bsrc=)", page.text)
    assert client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200
    assert client.get("/static/swagger/swagger-ui.css").status_code == 200
