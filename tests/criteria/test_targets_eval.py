"""Target antigens against the CAR-T monitor's labels (issue 4 asks for the agreement figure)."""

from __future__ import annotations

from tests.conftest import shared_data
from trialscope.criteria.targets import targets_in_text
from trialscope.quality.targets import evaluate_targets, monitor_target_rows, monitor_targets


def test_label_reading() -> None:
    assert monitor_targets("CD19/CD22 dual") == {"CD19", "CD22"}
    assert monitor_targets("CAR-NK: NKG2D-L") == {"NKG2D ligands"}
    assert monitor_targets("Other_or_unknown") is None


def test_product_names_and_shorthand() -> None:
    assert targets_in_text("Axicabtagene Ciloleucel in second-line LBCL") == ["CD19"]
    assert targets_in_text("CD19/22 CAR T cells (AUTO3)") == ["CD19", "CD22"]
    assert targets_in_text("huCART19 for B-ALL") == ["CD19"]


def test_agreement_with_the_monitor() -> None:
    everything, hand = monitor_target_rows(shared_data("car-t-monitor"))
    overall, labelled = evaluate_targets(everything), evaluate_targets(hand)
    print("\n".join(overall.lines("trials.csv") + labelled.lines("benchmark_set.csv")))
    assert overall.per_antigen.precision >= 0.88 and overall.per_antigen.recall >= 0.70
    assert labelled.exact >= 21 and labelled.labelled == 25


def test_a_marker_the_cells_carry_is_not_their_target() -> None:
    from trialscope.criteria.targets import targets_in_text

    named = "IL13Ralpha2-specific CAR/truncated CD19-expressing autologous T cells"
    assert targets_in_text(named) == ["IL13Ra2"]
    assert targets_in_text("HER2-specific CAR T cells co-expressing EGFRt") == ["HER2"]


def test_a_gene_edited_out_of_the_cells_is_not_their_target() -> None:
    from trialscope.criteria.targets import targets_in_text

    edited = "NK cells from an iPSC line with the gene for CD38 knocked out (CD38-KO) and a CAR against MICA/B"
    assert "CD38" not in targets_in_text(edited)
    assert targets_in_text("deletion of the gene encoding CD38 and expression of a BCMA chimeric antigen receptor") == [
        "BCMA"
    ]
    assert targets_in_text("CD7-deleted T cells carrying a CD7 CAR") == ["CD7"]  # the CAR still aims at CD7
