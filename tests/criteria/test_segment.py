"""Segmentation: every layout met in ../shared/data, with exact spans into the original text."""

from __future__ import annotations

import gzip
import json
from importlib import resources

import pytest

from tests.factories import seed
from trialscope.criteria.segment import items_from_json, items_to_json, segment


def _outline(text: str) -> list[tuple[str, int, str | None, str]]:
    items = segment(text)
    for item in items:
        assert text[item.start : item.end] == item.text  # spans point at the registry's own characters
    return [(i.section, i.level, i.label, i.text) for i in items]


def test_headings_bullets_and_nesting() -> None:
    text = (
        "Inclusion Criteria:\n\n1. Adults\n2. Relapsed AML (one of the following):\n   a. first relapse\n"
        "   b. refractory\n3. ECOG 0-2\n\nExclusion Criteria:\n\n* HIV\n* Pregnancy"
    )
    assert _outline(text) == [
        ("inclusion", 0, "1", "Adults"),
        ("inclusion", 0, "2", "Relapsed AML (one of the following):"),
        ("inclusion", 1, "a", "first relapse"),
        ("inclusion", 1, "b", "refractory"),
        ("inclusion", 0, "3", "ECOG 0-2"),
        ("exclusion", 0, "*", "HIV"),
        ("exclusion", 0, "*", "Pregnancy"),
    ]


def test_run_on_sub_items_glued_into_one_paragraph() -> None:
    text = seed("NCT07342244")["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
    outline = _outline(text)
    children = [(label, body) for section, level, label, body in outline if level == 1 and section == "inclusion"]
    assert [label for label, _ in children] == ["a", "b", "c", "d", "e", "f", "g"]
    assert children[0][1] == "Alanine aminotransferase (ALT) ≤ 3 × upper limit of normal (ULN)"
    assert children[3][1] == "Serum creatinine ≤ 1.5 × ULN, or creatinine clearance ≥ 60 mL/min"  # "mL/mine)" split
    assert children[4][1].startswith("Hemoglobin ≥ 60 g/L")


def test_numbered_run_on_and_lists_starting_at_two() -> None:
    text = seed("NCT06585345")["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
    outline = _outline(text)
    assert outline[0][2] == "2"  # the registry's list starts at 2
    assert [label for _, level, label, _ in outline[1:5]] == ["1", "2", "3", "4"]
    assert all(level == 1 for _, level, _, _ in outline[1:5])


@pytest.mark.parametrize(
    ("heading", "section"),
    [
        ("INCLUSION CRITERIA:", "inclusion"),
        ("Key Exclusion Criteria:", "exclusion"),
        ("Exclusion criteria", "exclusion"),
        ("Inclusion Criteria for patients:", "inclusion"),
        ("EXCLUSION", "exclusion"),  # the word alone on its line
        ("Exclusion Criteria Patients with any of the following will not be enrolled", "exclusion"),
    ],
)
def test_heading_wordings(heading: str, section: str) -> None:
    assert _outline(f"{heading}\n- a requirement")[0][:1] == (section,)


def test_heading_inside_an_item_and_missing_headings() -> None:
    assert _outline("- Inclusion Criteria: age over 18\n- Exclusion Criteria: pregnancy")[0][0] == "inclusion"
    items = segment("Age over 18.\nNo pregnancy.")
    assert [i.section for i in items] == ["inclusion", "inclusion"] and not items[0].heading_stated


def test_a_section_word_with_more_on_its_line_is_not_a_heading() -> None:
    items = segment("Inclusion\n* adults\nExclusion of women who are nursing\n* smokers")
    assert [i.section for i in items] == ["inclusion", "inclusion", "inclusion"]
    items = segment("Inclusion\n* adults\n\nExclusion\n\n* smokers")
    assert [(i.section, i.text) for i in items] == [("inclusion", "adults"), ("exclusion", "smokers")]


def test_escaped_markdown_and_full_width_punctuation_keep_offsets() -> None:
    text = "Inclusion Criteria：\n\n* ECOG \\< 2；age ≧ 18\n* Bilirubin \\> 1（mg/dL）"
    assert [t for _, _, _, t in _outline(text)] == ["ECOG \\< 2；age ≧ 18", "Bilirubin \\> 1（mg/dL）"]


def test_a_stored_segmentation_reads_back_as_the_same_items() -> None:
    """What a trial's criteria row keeps (``items_to_json``) is what ``segment`` made, field for field, on
    every criteria text of the demo catalogue."""
    texts = 0
    demo = resources.files("trialscope").joinpath("data/demo-catalogue.jsonl.gz").read_bytes()
    for line in gzip.decompress(demo).splitlines():
        eligibility = json.loads(line)["protocolSection"].get("eligibilityModule", {})
        text = eligibility.get("eligibilityCriteria") or ""
        items = segment(text)
        assert items_from_json(items_to_json(items), text) == items
        texts += bool(items)
    assert texts > 200


def test_a_numbered_item_glued_after_a_sentence_is_cut_off() -> None:
    text = "Inclusion Criteria:\n\n1. Adults.\n2. Life expectancy of 3 months or more. 3. ECOG 0-1. 4\\. PLT > 50.\n"
    assert [(label, body) for _, _, label, body in _outline(text)] == [
        ("1", "Adults."),
        ("2", "Life expectancy of 3 months or more."),
        ("3", "ECOG 0-1."),
        ("4", "PLT > 50."),
    ]
    # a number that does not go on from the last one is part of the sentence
    assert len(_outline("Inclusion Criteria:\n\n1. Adults. 5. Something\n")) == 1


def test_a_list_numbered_from_one_again_under_a_lead_in_line_is_its_sub_list() -> None:
    text = (
        "Inclusion Criteria:\n\n1. Adults\n2. Relapsed disease meeting any of these:\n\n"
        "1. relapse after transplant;\n2. no remission after two inductions;\n\n3. Platelets over 50\n"
    )
    assert [(level, label) for _, level, label, _ in _outline(text)] == [
        (0, "1"),
        (0, "2"),
        (1, "1"),
        (1, "2"),
        (0, "3"),
    ]
