"""Searching in Chinese: the reviewed table of Chinese words (what each becomes), Chinese text in records as
CJK bigrams, mixed queries, and words that match nothing named instead of dropped in silence.

One store backend is enough here: the index is built from the stored records alone, and test_search.py shows
both backends give the same index."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES
from trialscope.demo import load_demo
from trialscope.ingest import ingest_paths
from trialscope.model.statuses import OPEN_STATUSES
from trialscope.search import SearchIndex, SearchQuery, SearchResults, run_search
from trialscope.search.chinese import ChineseTable, ChineseTableError, bigrams, chinese_table, with_bigrams
from trialscope.search.synonyms import synonyms
from trialscope.store.trial_store import TrialStore
from trialscope.translation import reading_in, translations

CHINESE_TITLE = "供者来源CD7 CAR-T细胞治疗复发难治急性白血病的临床研究（湛江中心人民医院）"


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchIndex]:
    folder = tmp_path_factory.mktemp("search-zh")
    with TrialStore.open(f"sqlite:///{folder / 'trials.db'}") as store:
        load_demo(store)
        record = json.loads((FIXTURES / "seed-trials" / "NCT06585345.json").read_text())
        ident = record["protocolSection"]["identificationModule"]
        ident["nctId"], ident["officialTitle"] = "NCT09999998", CHINESE_TITLE
        (folder / "NCT09999998.json").write_text(json.dumps(record, ensure_ascii=False))
        ingest_paths(store, [folder / "NCT09999998.json"])
        index = SearchIndex(store, folder / "index")
        index.ensure_current(force_check=True)
        yield index


def found(index: SearchIndex, text: str, **filters: Any) -> SearchResults:
    return run_search(index, SearchQuery(text=text, per_page=100, facets=False, **filters))


def ids(index: SearchIndex, text: str, **filters: Any) -> set[str]:
    results = found(index, text, **filters)
    assert results.total <= 100 or filters.get("page"), text
    return {h.nct_id for h in results.hits}


def total(index: SearchIndex, text: str) -> int:
    return found(index, text).total


# --- the table ---------------------------------------------------------------------------------------


def test_the_table_reads_a_chinese_run_by_its_longest_forms() -> None:
    table = chinese_table()
    pieces = [(p.text, p.kind) for p in table.pieces("复发难治急性髓系白血病")]
    assert pieces == [("复发", "entry"), ("难治", "entry"), ("急性髓系白血病", "entry")]
    assert [(p.text, p.kind) for p in table.pieces("CD7白血病")] == [("CD7", "latin"), ("白血病", "entry")]
    assert [p.kind for p in table.pieces("嵌合抗原受体T细胞")] == ["entry"]  # a Latin letter inside a form
    assert [(p.text, p.kind) for p in table.pieces("父亲，白血病")] == [("父亲", "chinese"), ("白血病", "entry")]


@pytest.mark.parametrize(
    ("chinese", "english"),
    [
        ("急性髓系白血病", "AML"),
        ("急性髓细胞白血病", "AML"),
        ("急性非淋巴细胞白血病", "AML"),
        ("嵌合抗原受体T细胞", "CAR-T"),
        ("异基因造血干细胞移植", "allo-HSCT"),
        ("移植物抗宿主病", "GVHD"),
        ("多发性骨髓瘤", "MM"),
        ("B细胞成熟抗原", "BCMA"),
    ],
)
def test_a_chinese_term_searches_the_english_group_records_use(chinese: str, english: str) -> None:
    known = synonyms()
    group = known.group_for(tuple(english.replace("-", " ").split()))
    assert group is not None
    assert group.token in known.expand(chinese, as_tokens=True)
    assert f'"{english}"' in known.expand(chinese)  # written out for people


def test_every_entry_names_english_words_and_forms_are_not_shared() -> None:
    table = chinese_table()
    assert len(table.entries) >= 90
    forms = [form for entry in table.entries for form in entry.forms]
    assert len(forms) == len(set(forms))
    assert all(entry.english for entry in table.entries)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["entries"][0].update(zh=["AML"]), r"entry 0 \(AML\), field 'zh'.*not a Chinese form"),
        (lambda d: d["entries"][1].update(en=[]), r"entry 1 \(急性早幼粒细胞白血病\), field 'en'"),
        (lambda d: d["entries"][2].update(kind="illness"), r"entry 2 \(急性淋巴细胞白血病\), field 'kind'"),
        (lambda d: d["entries"][3].update(zh=["急髓"]), r"entry 3 \(急髓\): '急髓' is already a form of entry 0"),
        (lambda d: d["entries"][4].update(kind="recruitment"), r"entry 4 .*a recruitment word needs 'status'"),
        (lambda d: d["entries"][5].update(status=["OPEN_SOON"]), r"unknown registry status 'OPEN_SOON'"),
        (lambda d: d.pop("reviewed"), r"field 'reviewed'"),
    ],
)
def test_a_bad_table_is_refused_naming_the_entry_and_field(change: Any, message: str) -> None:
    data = json.loads(
        (Path(__file__).parents[2] / "src/trialscope/data/search/synonyms-zh.json").read_text(encoding="utf-8")
    )
    broken = copy.deepcopy(data)
    change(broken)
    with pytest.raises(ChineseTableError, match=message):
        ChineseTable.from_data(broken, "synonyms-zh.json")
    ChineseTable.from_data(data)  # the shipped table is valid


def test_chinese_text_is_indexed_as_bigrams() -> None:
    assert bigrams("白血病") == ["白血", "血病"] and bigrams("癌") == ["癌"]
    assert with_bigrams("CD7 CAR-T细胞") == "CD7 CAR-T 细胞 "
    assert with_bigrams("no Chinese here") == "no Chinese here"


# --- searches over the demo catalogue ----------------------------------------------------------------


def test_chinese_names_of_aml_find_the_aml_trials(index: SearchIndex) -> None:
    aml = ids(index, "AML", status=["recruiting"])
    assert aml
    for name in ("急性髓系白血病", "急性髓细胞白血病", "急性非淋巴细胞白血病"):
        assert ids(index, name, status=["recruiting"]) == aml, name
    every = found(index, "急性髓系白血病")
    assert every.total == found(index, "AML").total > 100 and not every.unmatched and not every.notes
    for seed in ("NCT04599543", "NCT06125652", "NCT07144020", "NCT07342244"):
        assert seed in {h.nct_id for h in found(index, f"急性髓系白血病 {seed}").hits}


def test_a_mixed_query_keeps_both_languages(index: SearchIndex) -> None:
    assert "NCT06585345" in ids(index, "CD7 白血病")
    assert ids(index, "CD7 白血病") == ids(index, "CD7白血病") == ids(index, "CD7 (leukemia OR leukaemia)")
    car_t, car_t_leukemia = total(index, "CAR-T"), total(index, "CAR-T 白血病")
    assert car_t_leukemia == total(index, "CAR-T (leukemia OR leukaemia)") < car_t  # the Chinese word is not dropped
    assert ids(index, "复发难治 急性髓系白血病 CLL1") >= {"NCT07342244"}
    assert "NCT07144020" in ids(index, "供者来源 CD117 嵌合抗原受体T细胞")
    assert "NCT07342244" in ids(index, "CLL1 CAR-T 异基因造血干细胞移植")


def test_recruitment_words_ask_for_the_registry_status(index: SearchIndex) -> None:
    results = found(index, "招募中 CD7")
    assert results.hits and all(h.card["status"] in OPEN_STATUSES for h in results.hits)
    assert results.total < total(index, "CD7")


def test_chinese_in_a_record_is_found_by_any_word_of_it(index: SearchIndex) -> None:
    for word in ("湛江中心人民医院", "人民医院", "中心人民医院", "临床研究 湛江"):
        assert "NCT09999998" in ids(index, word), word
    assert "NCT09999998" not in ids(index, "医院人民")  # characters in another order are another word


def test_a_word_that_matches_nothing_is_named_and_the_others_are_searched(index: SearchIndex) -> None:
    results = found(index, "CAR-T 父亲")
    assert results.unmatched == ["父亲"]
    assert results.total == total(index, "CAR-T")
    assert any("父亲" in note and "other words" in note for note in results.notes)
    nothing = found(index, "父亲")
    assert nothing.total == 0 and nothing.unmatched == ["父亲"]
    assert found(index, "xyzzyq AML").unmatched == ["xyzzyq"]  # English words too
    assert found(index, "CD117 OR 父亲").unmatched == ["父亲"]  # named; with operators the query stays as asked
    assert found(index, "CD117 NOT 父亲").unmatched == []  # nothing was asked of it


def test_a_place_typed_among_the_words_gets_a_hint(index: SearchIndex) -> None:
    with reading_in(translations("zh")):
        results = found(index, "急性髓系白血病 杭州")
    assert results.unmatched == ["杭州"]
    assert any("没有找到与" in note and "杭州" in note for note in results.notes)
    assert any("地名" in note for note in results.notes)


def test_common_words_are_left_out_and_named(index: SearchIndex) -> None:
    results = found(index, "我想找 CAR-T 临床试验")
    assert results.total == total(index, "CAR-T")
    assert results.left_out == ["我", "想", "找", "临床试验"]
    assert any("临床试验" in note for note in results.notes)


# --- places in Chinese, cities as one name ----------------------------------------------------------------


@pytest.mark.parametrize(("chinese", "english"), [("杭州", "Hangzhou"), ("武汉", "Wuhan"), ("北京", "Beijing")])
def test_near_a_chinese_city_is_near_the_same_city(index: SearchIndex, chinese: str, english: str) -> None:
    def nearest(place: str) -> list[tuple[str, float | None]]:
        results = run_search(index, SearchQuery(text="AML", near=place, within_km=300, per_page=10, facets=False))
        return [(h.nct_id, h.distance_km) for h in results.hits]

    assert nearest(chinese) == nearest(english) != []


def test_near_a_province_is_measured_from_its_capital(index: SearchIndex) -> None:
    province = run_search(index, SearchQuery(text="AML", near="浙江省", within_km=300, per_page=10, facets=False))
    capital = run_search(index, SearchQuery(text="AML", near="Hangzhou", within_km=300, per_page=10, facets=False))
    assert [h.nct_id for h in province.hits] == [h.nct_id for h in capital.hits]
    assert "NCT07144020" in {h.nct_id for h in province.hits}
    assert any("capital, Hangzhou" in note for note in province.notes)
    with reading_in(translations("zh")):
        notes = run_search(index, SearchQuery(near="浙江", within_km=100, per_page=1)).notes
    assert any("浙江省" in note and "杭州" in note for note in notes)


def test_the_city_filter_knows_one_name_per_city(index: SearchIndex) -> None:
    cities = set(index.spellings("city").values())
    assert "Xi'an" in cities and "Xi’an" not in cities and "Xian" not in cities
    assert "Hangzhou" in cities and "Hanzhou" not in cities
    assert not {"China", "Beijingcun", "Guangdong", "Henan"} & cities
    xian = {h.nct_id for h in run_search(index, SearchQuery(city=["Xi’an"], per_page=100, facets=False)).hits}
    assert len(xian) >= 10 and xian == {h.nct_id for h in found(index, "", city=["xian"]).hits}
    hangzhou = {h.nct_id for h in found(index, "", city=["Hangzhou"]).hits}
    assert {"NCT03975907", "NCT04581473", "NCT07144020"} <= hangzhou  # two of them written "Hanzhou"
