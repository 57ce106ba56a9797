"""The trial's own patient passes (issue 33): for every trial, a patient with exactly the trial's condition,
the disease status and the markers its criteria require, and nothing else stated, must never be "not
eligible".

    .venv/bin/python benchmarks/own_patient.py [--shared ../shared] [--verbose]

Trials: the demo catalogue (the five seed trials, the API v2 fixtures, the CAR-T monitor's trials, 200 of
them with their criteria text), the v2 fixtures again as files, and the LCT corpus's criteria texts (no
record: the trial's condition is what its inclusions require). The patient of a trial with several
conditions is tried once per condition. Prints each rejection with the criteria that failed, then, last,
``own patient: rejected R of N trials``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from trialscope.catalogue.readers import read_paths  # noqa: E402
from trialscope.catalogue.records import SourceRecord  # noqa: E402
from trialscope.criteria import ParsedCriteria, parse_criteria  # noqa: E402
from trialscope.criteria.vocabulary import Vocabulary, vocabulary  # noqa: E402
from trialscope.matching.facts import patient_facts  # noqa: E402
from trialscope.matching.verdict import TrialInfo, TrialMatch, match_trial  # noqa: E402
from trialscope.model.study import Study  # noqa: E402
from trialscope.patients.model import Biomarker, Condition, Patient  # noqa: E402

DEMO = ROOT / "src" / "trialscope" / "data" / "demo-catalogue.jsonl.gz"


def trials(shared: Path) -> Iterator[tuple[str, TrialInfo, ParsedCriteria]]:
    """(where from, the trial, its parsed criteria) for every trial of the sets above."""
    seen: set[str] = set()
    fixtures = shared / "data" / "ctgov-v2-fixtures"
    for item in read_paths([p for p in (DEMO, fixtures) if p.exists()]):
        if not isinstance(item, SourceRecord):
            continue
        try:
            study = Study.model_validate(item.study)
        except ValueError:  # the fixtures' deliberately broken variants
            continue
        if study.nct_id in seen:
            continue
        seen.add(study.nct_id)
        text = study.protocol_section.eligibility_module.eligibility_criteria
        yield study.nct_id, TrialInfo.from_study(study), parse_criteria(text, study)
    for path in sorted((shared / "data" / "criteria-corpora" / "lct").rglob("*.txt")):
        parsed = parse_criteria(path.read_text(encoding="utf-8"))
        info = TrialInfo(f"lct/{path.stem}", path.stem, None, None, None, "ALL", diseases=_required(parsed))
        yield info.nct_id, info, parsed


def _required(parsed: ParsedCriteria) -> tuple[str, ...]:
    vocab = vocabulary()
    return tuple(
        dict.fromkeys(
            c.concept
            for c in parsed.constraints
            if c.kind == "concept"
            and c.polarity == "include"
            and not c.definitional
            and c.concept in vocab.concepts
            and vocab.concepts[c.concept].primary_diagnosis
        )
    )


def own_patients(info: TrialInfo, parsed: ParsedCriteria, vocab: Vocabulary) -> list[Patient]:
    """One patient per condition of the trial: that condition, the status and the markers the inclusions
    require (the first of each group of alternatives), nothing else."""
    required = [c for c in parsed.constraints if c.polarity == "include" and not c.definitional]
    statuses: list[str] = []
    groups: set[str] = set()
    for c in required:
        if c.category != "disease_status" or not c.concept:
            continue
        if c.any_of_group and c.any_of_group in groups:
            continue
        if c.any_of_group:
            groups.add(c.any_of_group)
        statuses.append(c.concept)
    markers = [
        Biomarker(name=c.concept, result="positive") for c in required if c.category == "biomarker" and c.concept
    ]
    status = ", ".join(statuses) or None
    diseases = info.diseases or (None,)
    return [
        Patient(
            id=f"own patient of {info.nct_id}",
            conditions=[Condition(name=d, status=status)]
            if d
            else ([Condition(name=status, status=status)] if status else []),
            biomarkers=markers,
        )
        for d in diseases
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--verbose", action="store_true", help="also list the trials that pass")
    args = parser.parse_args()
    vocab = vocabulary()
    total = rejected = with_text = 0
    for where, info, parsed in trials(args.shared):
        total += 1
        with_text += any(not c.implicit for c in parsed.constraints)
        failures: list[TrialMatch] = []
        for patient in own_patients(info, parsed, vocab):
            result = match_trial(info, parsed, patient_facts(patient, vocab), vocab)
            if result.verdict == "not_eligible":
                failures.append(result)
        if failures:
            rejected += 1
            print(f"{where}: rejected ({', '.join(trial_label(f) for f in failures)})")
            for failure in failures:
                for r in failure.failing:
                    print(f"    not met: {r.constraint.text.strip()[:140]!r} -> {r.explanation[:200]}")
        elif args.verbose:
            print(f"{where}: passes")
    print(f"trials with criteria text: {with_text} of {total}")
    print(f"own patient: rejected {rejected} of {total} trials")


def trial_label(match: TrialMatch) -> str:
    return match.nct_id


if __name__ == "__main__":
    main()
