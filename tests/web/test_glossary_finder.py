"""Finding the glossary's words in a text (``web.plain_language``): the Aho-Corasick finder gives exactly what one
pattern of all the forms gives (on word edges, in any case or only as written, leftmost first, the longest at
a place), on the demo catalogue's criteria, titles and summaries and on texts built to probe the edges."""

from __future__ import annotations

import json
from importlib import resources

from hypothesis import given, settings
from hypothesis import strategies as st

from trialscope.store.trial_store import TrialStore
from trialscope.web.plain_language import _glossary, explain, terms_in

_FORMS = [
    form
    for entry in json.loads(resources.files("trialscope").joinpath("data/web/glossary.json").read_text("utf-8"))[
        "terms"
    ]
    for form in entry["forms"]
]


def _same_as_the_pattern(text: str) -> None:
    for finder in _glossary().finders:
        assert finder.spans(text) == [m.span() for m in finder.pattern.finditer(text)], text


def test_the_demo_catalogue_texts_are_read_as_the_pattern_reads_them(web_store: TrialStore) -> None:
    texts = 0
    for trial in web_store.iter_trials():
        study = trial.study
        eligibility = study.protocol_section.eligibility_module.eligibility_criteria or ""
        for text in (study.title, eligibility, *eligibility.splitlines()):
            _same_as_the_pattern(text)
            texts += 1
    assert texts > 1000


# pieces that put forms next to each other, inside words, behind hyphens and underscores, in other cases
_PIECES = st.one_of(
    st.sampled_from(_FORMS),
    st.sampled_from(_FORMS).map(str.upper),
    st.sampled_from(_FORMS).map(str.title),
    st.sampled_from([" ", "-", "_", "/", "(", ")", ",", ". ", "x", "T-", "non", "s", "1", "é", "ſ", "K"]),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=12).map("".join))
def test_built_texts_are_read_as_the_pattern_reads_them(text: str) -> None:
    _same_as_the_pattern(text)


def test_the_words_are_explained_and_listed() -> None:
    text = "Relapsed/refractory AML after ALLO-HSCT; no CRS, T-ALL or aml_like; ALT <= 3 x ULN"
    shown = str(explain(text))
    assert shown.count('<abbr class="term"') == len(_glossary().found(text)) >= 3
    assert ">AML</abbr>" in shown and ">CRS</abbr>" in shown and "T-ALL" in shown and ">aml_like" not in shown
    listed = [t.term for t in terms_in(text)]
    assert len(listed) == len(set(listed)) and listed[0] == _glossary().found(text)[0][2].term
