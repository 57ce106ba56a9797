"""Score the target antigens read from a trial's interventions and title against the CAR-T monitor's
TargetCategory and its hand-labelled benchmark set (``trialscope targets-eval``)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from trialscope.model.study import Study, parse_study
from trialscope.quality.criteria_gold import Score, format_score

_NO_TARGET = {"other_or_unknown", "car-t_unspecified", "car-nk", "", "unknown"}
_LABEL_ALIASES = {"nkg2d-l": "NKG2D ligands", "b7-h3": "B7-H3", "mesothelin": "mesothelin", "il13rα2": "IL13Ra2"}


def monitor_targets(label: str) -> set[str] | None:
    """'CD19/CD22 dual' -> {CD19, CD22}; 'CAR-NK: CD19' -> {CD19}; unknown categories -> None."""
    text = label.strip()
    if text.lower() in _NO_TARGET:
        return None
    text = text.split(":", 1)[-1].removesuffix(" dual").strip()
    return {_LABEL_ALIASES.get(part.strip().lower(), part.strip()) for part in text.split("/") if part.strip()}


@dataclass(slots=True)
class TargetReport:
    labelled: int = 0  # trials whose label names antigens
    exact: int = 0  # our set equals theirs
    per_antigen: Score = field(default_factory=Score)
    unlabelled: int = 0
    unlabelled_we_name: int = 0  # their label says unknown; we name a target
    disagreements: list[str] = field(default_factory=list)

    def lines(self, title: str) -> list[str]:
        agreement = self.exact / self.labelled if self.labelled else 1.0
        return [
            f"{title}: {self.labelled} trials with a named target; exact agreement {agreement:.3f} ({self.exact})",
            "  " + format_score("per antigen", self.per_antigen),
            f"  labelled unknown/unspecified: {self.unlabelled}; "
            f"of these we name a target for {self.unlabelled_we_name}",
        ]


def evaluate_targets(rows: Iterable[tuple[str, str, Study]]) -> TargetReport:
    """rows: (NCT ID, the monitor's TargetCategory, the study). Compares antigens case-insensitively."""
    from trialscope.criteria.targets import trial_targets

    report = TargetReport()
    for nct_id, label, study in rows:
        ours = {t.lower() for t in trial_targets(study)}
        theirs = monitor_targets(label)
        if theirs is None:
            report.unlabelled += 1
            report.unlabelled_we_name += bool(ours)
            continue
        wanted = {t.lower() for t in theirs}
        report.labelled += 1
        report.exact += ours == wanted
        report.per_antigen.matched += len(ours & wanted)
        report.per_antigen.system += len(ours)
        report.per_antigen.gold += len(wanted)
        if ours != wanted:
            report.disagreements.append(f"{nct_id}: monitor {sorted(wanted)} vs ours {sorted(ours)} | {study.title}")
    return report


def monitor_target_rows(monitor: Path) -> tuple[list[tuple[str, str, Study]], list[tuple[str, str, Study]]]:
    """(every trial of trials.csv, the hand-labelled benchmark_set.csv trials) as (NCT ID, label, study)."""
    from trialscope.catalogue.flattened import row_to_study

    with (monitor / "trials.csv").open(encoding="utf-8") as f:
        rows = {r["NCTId"]: r for r in csv.DictReader(f)}
    studies = {nct_id: parse_study(row_to_study(row)) for nct_id, row in rows.items()}
    everything = [(nct_id, row["TargetCategory"], studies[nct_id]) for nct_id, row in rows.items()]
    with (monitor / "benchmark_set.csv").open(encoding="utf-8") as f:
        labelled = list(csv.DictReader(line for line in f if not line.startswith("#")))
    hand = [(r["NCTId"], r["TargetCategory"], studies[r["NCTId"]]) for r in labelled if r["NCTId"] in studies]
    return everything, hand
