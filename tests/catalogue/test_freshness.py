"""Freshness judgements on the seed trials (two of which SOURCES.md itself calls stale)."""

from __future__ import annotations

import datetime as dt

from tests.factories import seed, study
from trialscope.catalogue.freshness import judge_freshness
from trialscope.model.study import parse_study

TODAY = dt.date(2026, 11, 24)


def test_not_yet_recruiting_since_2020_is_stale_twice_over() -> None:
    verdict = judge_freshness(parse_study(seed("NCT04599543")), TODAY)
    assert verdict.stale and verdict.label == "may be out of date"
    assert any("not updated since 2020-10-27 (6.1 years ago)" in r for r in verdict.reasons)
    assert any("planned to start on 2020-11-15 but still not recruiting" in r for r in verdict.reasons)


def test_recruiting_but_silent_for_three_years() -> None:
    verdict = judge_freshness(parse_study(seed("NCT06125652")), TODAY)
    assert verdict.reasons == ["listed as recruiting but not updated since 2023-11-09 (3.0 years ago)"]


def test_recent_listings_are_current() -> None:
    for nct_id in ("NCT07144020", "NCT07342244"):
        assert not judge_freshness(parse_study(seed(nct_id)), TODAY).stale, nct_id


def test_open_after_completion_date_and_unknown_status() -> None:
    record = study(last_update="2026-06-01")
    record["protocolSection"]["statusModule"]["completionDateStruct"] = {"date": "2026-03"}
    assert judge_freshness(parse_study(record), TODAY).reasons == [
        "completion date 2026-03-01 has passed but the trial is still listed as recruiting"
    ]
    unknown = judge_freshness(parse_study(study(status="UNKNOWN")), TODAY)
    assert unknown.stale and "status as unknown" in unknown.reasons[0]
    closed = study(status="COMPLETED", last_update="2015-01-01")
    assert not judge_freshness(parse_study(closed), TODAY).stale  # an old closed record is not stale


def test_the_reasons_are_in_the_readers_language() -> None:
    from trialscope.translation import reading_in
    from trialscope.web.i18n import translations

    with reading_in(translations("zh")):
        verdict = judge_freshness(parse_study(seed("NCT06125652")), TODAY)
    assert verdict.reasons == ["登记状态为“招募中”，但自 2023-11-09 起（3.0 年前）未再更新"]
