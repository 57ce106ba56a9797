"""Score matching on the gold patients of ../shared/gold/patients, with the rules of gold/README.md:
an expected exclusion is caught when the verdict is not_eligible and a failing criterion's explanation
names one of the expected reasons; an expected non-exclusion holds when the verdict is not not_eligible.
Each patient is scored three ways: the JSON profile, the same profile as a FHIR R4 bundle, and its
``summary`` text alone."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from trialscope.criteria import parse_criteria
from trialscope.criteria.model import ParsedCriteria
from trialscope.matching.facts import patient_facts
from trialscope.matching.verdict import TrialMatch, match_trial
from trialscope.model.study import Study, parse_study
from trialscope.patients.fhir import bundle_from_patient, read_bundle
from trialscope.patients.files import load_patient
from trialscope.patients.model import Patient
from trialscope.patients.text import patient_from_text

SOURCES = ("json", "fhir", "text")


@dataclass(slots=True)
class SourceScore:
    exclusions_expected: int = 0
    exclusions_caught: int = 0  # not_eligible, for a stated reason
    excluded_wrong_reason: int = 0  # not_eligible, but no failing criterion names the reason
    exclusions_missed: int = 0
    inclusions_expected: int = 0
    false_exclusions: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def correct(self) -> int:
        return self.exclusions_caught + self.inclusions_expected - self.false_exclusions

    @property
    def total(self) -> int:
        return self.exclusions_expected + self.inclusions_expected


@dataclass(slots=True)
class GoldPatientsReport:
    scores: dict[str, SourceScore] = field(default_factory=lambda: {s: SourceScore() for s in SOURCES})

    def lines(self, verbose: bool = False) -> list[str]:
        out = []
        for source, s in self.scores.items():
            out.append(
                f"{source:>5}: {s.correct}/{s.total} expectations hold; exclusions caught {s.exclusions_caught}/"
                f"{s.exclusions_expected} (wrong reason {s.excluded_wrong_reason}, missed {s.exclusions_missed}); "
                f"false exclusions {s.false_exclusions}/{s.inclusions_expected}"
            )
            if verbose:
                out.extend(f"       {f}" for f in s.failures)
        return out


def judge(match: TrialMatch, expected: dict[str, object]) -> str:
    """'caught', 'wrong_reason', 'missed', 'held' or 'false_exclusion'."""
    if expected["outcome"] == "excluded":
        if match.verdict != "not_eligible":
            return "missed"
        reasons = [str(b).lower() for b in expected.get("because", [])]  # type: ignore[attr-defined]
        if any(any(b in r.explanation.lower() for b in reasons) for r in match.failing):
            return "caught"
        return "wrong_reason"
    return "false_exclusion" if match.verdict == "not_eligible" else "held"


def _profiles(path: Path) -> dict[str, Patient]:
    patient = load_patient(path)
    fhir = read_bundle(json.loads(json.dumps(bundle_from_patient(patient))), str(path)).patient
    text = patient_from_text(patient.summary or "", as_of=patient.as_of, patient_id=patient.id)
    return {"json": patient, "fhir": fhir, "text": text}


def evaluate_gold_patients(patients_dir: Path, seed_dir: Path) -> GoldPatientsReport:
    studies: dict[str, Study] = {p.stem: parse_study(json.loads(p.read_text())) for p in seed_dir.glob("NCT*.json")}
    parsed: dict[str, ParsedCriteria] = {
        k: parse_criteria(s.protocol_section.eligibility_module.eligibility_criteria, s) for k, s in studies.items()
    }
    report = GoldPatientsReport()
    for path in sorted(patients_dir.glob("*.json")):
        expectations: dict[str, dict[str, object]] = json.loads(path.read_text())["expected"]
        for source, patient in _profiles(path).items():
            facts = patient_facts(patient)
            score = report.scores[source]
            for nct_id, expected in expectations.items():
                outcome = judge(match_trial(studies[nct_id], parsed[nct_id], facts), expected)
                if expected["outcome"] == "excluded":
                    score.exclusions_expected += 1
                    score.exclusions_caught += outcome == "caught"
                    score.excluded_wrong_reason += outcome == "wrong_reason"
                    score.exclusions_missed += outcome == "missed"
                else:
                    score.inclusions_expected += 1
                    score.false_exclusions += outcome == "false_exclusion"
                if outcome not in ("caught", "held"):
                    score.failures.append(f"{path.stem} x {nct_id}: {outcome} (expected {expected})")
    return report
