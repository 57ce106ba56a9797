"""Every interface message has its Simplified Chinese translation (a new message left untranslated would
show in English on the Chinese pages). Messages are extracted as ``pybabel extract -F babel.cfg`` does:
the web app, the record sections' titles and labels, and the readable words of data/labels.json."""

from __future__ import annotations

from html import unescape
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from sqlalchemy import delete

import trialscope
from tests.conftest import ROOT
from trialscope.store.schema import trial_criteria
from trialscope.translation import age_words, reading_in, translations

PACKAGE = Path(trialscope.__file__).parent


def test_every_message_is_translated_into_chinese() -> None:
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    in_code = {
        msg for _, _, msg, _, _ in extract_from_dir(str(PACKAGE), method_map, options_map) if isinstance(msg, str)
    }
    with (PACKAGE / "web" / "locales" / "zh_Hans" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalogue = read_po(source)
    translated = {m.id for m in catalogue if m.id and m.string}
    assert {"Recruiting", "Key dates", "Could I qualify?"} <= in_code  # labels.json, sections, templates
    assert sorted(in_code - translated) == []


def test_a_chinese_trial_page_shows_the_record_in_chinese_words(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/trials/NCT07144020", headers={"accept-language": "zh-CN,zh;q=0.9"}).text  # no cookie set
    assert "关键日期" in html and "谁可以参加" in html and "研究中心" in html  # section titles
    assert "招募中" in html and "早期 1 期" in html  # the status and the phase
    assert "Donor Derived CD117 CAR-T Cells" in html  # registry text stays as registered


ZH = {"accept-language": "zh-CN,zh;q=0.9"}


def test_sentences_trialscope_writes_are_in_the_readers_language(client) -> None:  # type: ignore[no-untyped-def]
    # the plain-language summary, the criteria as understood and the related-trial reasons are ours, so they
    # are translated; the criteria text beside them is the registry's and stays as registered
    html = client.get("/trials/NCT07144020", headers=ZH).text
    assert "本研究面向患有AML（一种血癌）的成人" in html and "本研究测试CAR-T细胞。" in html  # summary
    assert "须有：" in html and "骨髓原始细胞" in html  # the checklist in words
    assert "靶点相同：CD117" in html  # related trials
    assert "It is for" not in html and "must have:" not in html
    english = client.get("/trials/NCT07144020").text  # the next reader's language is their own
    assert "It is for" in english and "must have:" in english and "本研究" not in english


def test_the_matchers_evidence_and_questions_are_in_the_readers_language(client) -> None:  # type: ignore[no-untyped-def]
    from tests.web.test_pages import _answers

    answers = _answers(client, "NCT07432100", age="90")
    capped = client.post("/trials/NCT07432100/qualify", data=answers, headers=ZH).text
    assert "您90岁；试验要求年龄 ≤ 70 年" in capped or "您90岁；试验要求年龄 ≤ 70" in capped
    assert "最大年龄：70 Years" in capped  # our label, the record's own value
    assert "the trial requires" not in capped and "your profile" not in capped
    cd117 = client.post("/trials/NCT07144020/qualify", data=_answers(client, "NCT07144020", age="45"), headers=ZH).text
    assert "采用形态学" in cd117 and "morphology" not in cd117 and "flow cytometry" not in cd117  # a method in words


def test_a_wrong_answer_is_explained_in_the_readers_language(client) -> None:  # type: ignore[no-untyped-def]
    from tests.web.test_pages import _answers

    answers = _answers(client, "NCT07144020", age="forty")
    page = client.post("/trials/NCT07144020/qualify", data=answers, headers=ZH)
    assert page.status_code == 400 and "您多大年龄？：请输入数字" in page.text


def test_what_a_search_could_not_read_is_said_in_the_readers_language(client) -> None:  # type: ignore[no-untyped-def]
    place = client.get("/search", params={"q": "AML", "near": "Qwzxyville"}, headers=ZH)
    assert place.status_code == 400 and "地名库中没有名为 'Qwzxyville' 的城市或国家" in unescape(place.text)
    numbers = client.get("/search", params={"age": "old", "near": "Hangzhou", "within": "far"}, headers=ZH)
    assert "年龄：'old' 不是数字" in unescape(numbers.text) and "不是有效的距离：'far'" in unescape(numbers.text)
    syntax = client.get("/search", params={"q": "(CD117 CAR-T"}, headers=ZH)
    assert syntax.status_code == 200 and "无法理解查询的语法" in syntax.text
    english = client.get("/search", params={"q": "AML", "near": "Qwzxyville"})
    assert "no city or country called 'Qwzxyville'" in unescape(english.text)  # and English stays English


def test_chinese_pages_write_chinese_where_a_translation_exists(client) -> None:  # type: ignore[no-untyped-def]
    """Words trialscope writes are Chinese (a method of measurement, an API code, a count of people), sites
    and places are named in Chinese where the gazetteer has them, and no space follows a Chinese full stop."""
    html = client.get("/trials/NCT07144020", params={"lang": "zh", "near": "杭州"}).text
    client.cookies.clear()
    assert "采用morphology" not in html and "采用形态学" in html
    facts = html[html.index('<h3 id="key-facts">') : html.index("</dl>", html.index('<h3 id="key-facts">'))]
    assert "50 名参与者" in facts and "participants" not in facts  # registry prose elsewhere stays English
    assert "杭州, 中国" in html and "位于杭州（中国）" in html
    summary = html[html.index('<div class="plain">') : html.index("</div>", html.index('<div class="plain">'))]
    assert "。 " not in summary
    answer = client.get("/api/trials/NCT07144020", params={"lang": "zh"}).json()
    client.cookies.clear()
    assert "本研究" in answer["plain_summary"]["Who it is for"]  # the API's plain summary in the asked language
    assert "。 " not in answer["plain_summary"]["What taking part involves"]


def test_a_search_remembered_in_one_language_is_not_shown_in_the_other(client) -> None:  # type: ignore[no-untyped-def]
    """Results carry words (the nearest site's place, a listing's freshness): the same search asked in
    English then in Chinese is answered in each reader's words, not from the other's cache."""
    params = {"q": "CD117 AML", "near": "Hangzhou"}
    english = client.get("/search", params={**params, "lang": "en"}).text
    chinese = client.get("/search", params={**params, "lang": "zh"}).text
    client.cookies.clear()
    assert "Hangzhou, China (0 km)" in english
    assert "杭州, 中国（0 km）" in chinese and "Hangzhou, China" not in chinese
    assert "靶点：" in chinese and "靶点:" not in chinese and ">中国</a>" in chinese  # a label's colon, a country facet
    assert "Target: " in english and ">China</a>" in english


def test_the_records_age_limits_and_notes_are_in_the_readers_words(client) -> None:  # type: ignore[no-untyped-def]
    """The record's structured values trialscope shows in its own words (age limits, "none stated", whether
    results are posted) and its notes on the record are in the reader's language; the stored criteria keep
    their notes in English whichever reader's view parsed them first."""
    site = client.app.state.site
    with site.store.engine.begin() as conn:  # parsed again, by the Chinese reader's view
        conn.execute(delete(trial_criteria).where(trial_criteria.c.nct_id == "NCT07342244"))
    site.trial_views._views.clear()
    zh = client.get("/trials/NCT07342244", params={"lang": "zh"}).text
    client.cookies.clear()
    en = client.get("/trials/NCT07342244", params={"lang": "en"}).text
    client.cookies.clear()
    assert "<dd>18 岁</dd>" in zh and "<dd>78 岁</dd>" in zh and "18 Years" not in zh
    assert "<dd>18 Years</dd>" in en and "<dd>78 Years</dd>" in en  # as the registry writes them
    assert "尚未发布结果" in zh and "No results posted yet" in en
    assert "但登记记录的最大年龄是 78 岁：请向研究团队询问以哪个为准" in zh
    assert "the record&#39;s maximum age is 78 Years: ask the study team which applies" in en
    notes = site.store.criteria.get(site.store.get("NCT07342244")).notes
    assert any("but the record's maximum age is 78 Years" in note for note in notes)


def test_age_words_follow_the_registry_units_and_leave_what_they_cannot_read() -> None:
    assert [age_words(v) for v in ("18 Years", "1 Year", "6 Months", "2 Weeks", "N/A")] == [
        "18 Years",
        "1 Year",
        "6 Months",
        "2 Weeks",
        "N/A",
    ]
    with reading_in(translations("zh")):
        assert [age_words(v) for v in ("18 Years", "6 Months", "28 Days", "soon")] == [
            "18 岁",
            "6 个月",
            "28 天",
            "soon",
        ]
