"""The search commands on the command line, and the same searches on both store backends."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import get_args

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from tests.conftest import backend_url
from trialscope.cli import app
from trialscope.demo import load_demo
from trialscope.search import SearchIndex, SearchQuery, run_search
from trialscope.settings import SEARCH_SORTS
from trialscope.store.trial_store import TrialStore

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_search_prints_a_table_and_json(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'trials.db'}"
    assert _run("demo", "--db", db)[0] == 0
    args = [
        "CAR-T AML",
        "--status",
        "open",
        "--near",
        "Hangzhou",
        "--within",
        "500km",
        "--age",
        "45",
        "--target",
        "CD117",
        "--db",
        db,
    ]
    code, out = _run("search", *args)
    assert code == 0, out
    assert "NCT07144020" in out and "1 trials near Hangzhou" in out and "city-level" in out
    code, out = _run("search", *args, "--json")
    document = json.loads(out)
    assert document["total"] == 1 and document["hits"][0]["nct_id"] == "NCT07144020"
    assert document["hits"][0]["distance_km"] == 0 and document["facets"]["status"]
    code, out = _run("related", "NCT07342244", "--db", db)
    assert code == 0 and "same target CLL1" in out
    code, out = _run("index", "--db", db)
    assert code == 0 and "0 trials indexed" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "--within", "far"], "not a distance"),
        (["search", "--near", "Atlantisville"], "no city or country"),
        (["search", "nosuch:x"], "fields you can search"),
        (["search", "--start-from", "May 2024"], "not a date"),
        (["related", "NCT00000000"], "not in the catalogue"),
    ],
)
def test_bad_input_is_a_clean_error(tmp_path: Path, args: list[str], message: str) -> None:
    db = f"sqlite:///{tmp_path / 'trials.db'}"
    _run("demo", "--db", db)
    code, out = _run(*args, "--db", db)
    assert code in (1, 2) and message in out and "Traceback" not in out


QUERIES = [
    SearchQuery(text="CAR-T AML", status=["open"]),
    SearchQuery(text="CD19 OR BCMA", phase=["1"], sort="updated"),
    SearchQuery(condition="multiple myeloma", age=70, country=["china"]),
    SearchQuery(near="Beijing", within_km=1000, target=["CD19"]),
    SearchQuery(text="leukemia NOT lymphoma", sex="female", sort="start", page=2),
]


def test_both_backends_give_the_same_results(tmp_path: Path) -> None:
    outcomes = []
    for backend in ("sqlite", "postgresql"):
        with backend_url(backend, tmp_path / backend) as url, TrialStore.open(url) as store:
            load_demo(store)
            index = SearchIndex(store, tmp_path / backend / "index")
            outcomes.append(
                [
                    (r.total, [(h.nct_id, h.score, h.distance_km) for h in r.hits], r.facets)
                    for r in (run_search(index, q) for q in QUERIES)
                ]
            )
    assert outcomes[0] == outcomes[1]
    assert all(total > 0 for total, _, _ in outcomes[0])


def test_at_80_columns_ids_and_dates_are_never_broken(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'trials.db'}"
    assert _run("demo", "--db", db)[0] == 0
    result = runner.invoke(app, ["search", "CAR-T AML", "--db", db], env={"COLUMNS": "80"})
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert re.search(r"NCT\d{8}", result.output)
    assert not re.search(r"NCT\d{1,7}\s*│", result.output)  # no NCT ID cut short at its column's edge
    assert not re.search(r"\b\d{4}-\d{0,1}\s*│", result.output) and re.search(r"\d{4}-\d{2}-\d{2}", result.output)


def test_a_wide_table_folds_into_a_list_on_a_narrow_terminal(tmp_path: Path) -> None:
    """Eight columns do not fit 80 characters readably: each trial becomes a short list under its NCT ID
    (a wide terminal still gets the table); facet values read as on the pages."""
    db = f"sqlite:///{tmp_path / 'trials.db'}"
    assert _run("demo", "--db", db)[0] == 0
    narrow = runner.invoke(app, ["search", "CD117 AML", "--near", "Hangzhou", "--db", db], env={"COLUMNS": "80"})
    assert narrow.exit_code == 0 and "│" not in narrow.output
    assert re.search(r"^NCT07144020$", narrow.output, re.MULTILINE)
    assert re.search(r"^  title: +Donor Derived CD117", narrow.output, re.MULTILINE)
    assert (
        re.search(r"^  nearest open site: The first affiliated", narrow.output, re.MULTILINE)
        and "(0 km)" in narrow.output
    )
    assert max(len(line.rstrip()) for line in narrow.output.splitlines()) <= 80
    assert "phase: Early phase 1 1, Phase 1 1" in narrow.output and "EARLY_PHASE1" not in narrow.output
    assert "No distance limit" in narrow.output
    code, wide = _run("search", "CD117 AML", "--near", "Hangzhou", "--db", db)
    assert code == 0 and "│ NCT07144020 │" in wide


def test_a_page_past_the_last_says_so(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'trials.db'}"
    assert _run("demo", "--db", db)[0] == 0
    code, out = _run("search", 'title:"donor derived" NOT lymphoma', "--condition", "AML", "--page", "2", "--db", db)
    assert code == 0 and "page 2 of 1" in out and "There is no page 2: the" in out and "fit on page 1." in out


def test_the_search_options_are_the_search_parameters() -> None:
    """``trialscope search`` declares its options by hand (its help loads no search stack), so they are held
    here to ``SearchQuery``, the one declaration: an option for every parameter, by the parameter's name,
    repeatable for a list, a flag for a yes or no, and nothing else besides --json and --db."""
    from trialscope.search.request import SearchQuery, Sort

    command = get_command(app).commands["search"]  # type: ignore[attr-defined]
    options = {p.name: p for p in command.params if p.name not in ("as_json", "db")}
    names = SearchQuery.parameter_names()
    fields = SearchQuery.model_fields

    def field_of(option: str) -> str:
        return names.get(option) or option  # a parameter by its own name ("within") or its field's ("study_type")

    assert {field_of(name) for name in options} == set(fields)
    for name, option in options.items():
        info = fields[field_of(name)]
        assert option.multiple == (info.default == ()), name
        flag = getattr(option, "is_flag", False)  # the words are an argument, not an option
        assert flag == (bool in (info.annotation, *getattr(info.annotation, "__args__", ()))), name
    assert SearchQuery.from_params({"text": "AML", "study_type": ["interventional"], "within": "5", "near": "X"})
    assert get_args(Sort) == SEARCH_SORTS  # what --sort's help names
