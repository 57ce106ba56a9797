"""A Chinese search is the same on the search page, the JSON API and the command line: the Chinese words are
searched (not dropped), and a word that matches nothing is named in each."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from trialscope.cli import app


def test_the_search_page_names_the_word_that_matched_nothing(client: TestClient) -> None:
    page = client.get("/search", params={"q": "CD7 白血病 父亲", "lang": "zh"}).text
    client.cookies.clear()
    assert 'id="result-NCT06585345"' in page
    assert '<p class="warning">没有找到与 “父亲” 相关的试验；以下是其余词语的结果。</p>' in page
    english = client.get("/search", params={"q": "急性髓系白血病 xyzzyq"}).text
    assert "No trials found for “xyzzyq”: the results are for the other words." in english
    assert 'id="result-NCT07144020"' in english or "166 trials" in english or "trials</h2>" in english


def test_the_api_answers_the_same_with_the_words_it_did_not_find(client: TestClient) -> None:
    both = client.get("/api/search", params={"q": "CD7 白血病 父亲", "per_page": 100}).json()
    english = client.get("/api/search", params={"q": "CD7 (leukemia OR leukaemia)", "per_page": 100}).json()
    assert both["total"] == english["total"] > 0
    assert {h["nct_id"] for h in both["hits"]} == {h["nct_id"] for h in english["hits"]}
    assert both["unmatched"] == ["父亲"] and both["left_out"] == [] and both["notes"]
    assert (
        client.get("/api/search", params={"q": "急性髓系白血病"}).json()["total"]
        == (client.get("/api/search", params={"q": "AML"}).json()["total"])
    )


def test_the_command_line_answers_the_same(tmp_path: Path) -> None:
    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'trials.db'}"
    assert runner.invoke(app, ["demo", "--db", db]).exit_code == 0
    result = runner.invoke(app, ["search", "CD7 白血病 父亲", "--db", db], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "NCT06585345" in result.output
    assert "No trials found for “父亲”: the results are for the other words." in result.output
    document = json.loads(runner.invoke(app, ["search", "急性髓系白血病", "--json", "--db", db]).output)
    aml = json.loads(runner.invoke(app, ["search", "AML", "--json", "--db", db]).output)
    assert document["total"] == aml["total"] > 100 and document["unmatched"] == []
