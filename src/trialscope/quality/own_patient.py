"""The trial's own patient (issue 33): a patient with exactly a trial's condition, the disease status and the
markers its criteria require, and nothing else stated, must never be "not eligible". A reading that would
reject that patient is a misreading (an exclusion of the trial's own disease, two criteria no patient could
meet together), and the criteria engine distrusts it; this module builds those patients and checks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from trialscope.criteria import ParsedCriteria, parse_criteria
from trialscope.criteria.vocabulary import Vocabulary, vocabulary
from trialscope.matching.facts import patient_facts
from trialscope.matching.verdict import TrialInfo, TrialMatch, match_trial
from trialscope.model.study import Study
from trialscope.patients.model import Biomarker, Condition, Patient


def required_diseases(parsed: ParsedCriteria, vocab: Vocabulary) -> tuple[str, ...]:
    """The diseases a criteria text's inclusions require (for a text without a record)."""
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


def own_patients(info: TrialInfo, parsed: ParsedCriteria, vocab: Vocabulary | None = None) -> list[Patient]:
    """One patient per condition of the trial: that condition, the status and the markers the inclusions
    require (the first of each group of alternatives), nothing else."""
    vocab = vocab or vocabulary()
    required = [c for c in parsed.constraints if c.polarity == "include" and not c.definitional]
    statuses: list[str] = []
    groups: set[str] = set()
    for c in required:
        if c.category != "disease_status" or not c.concept or (c.any_of_group and c.any_of_group in groups):
            continue
        if c.any_of_group:
            groups.add(c.any_of_group)
        statuses.append(c.concept)
    markers = [
        Biomarker(name=c.concept, result="positive") for c in required if c.category == "biomarker" and c.concept
    ]
    status = ", ".join(statuses) or None
    conditions = [[Condition(name=d, status=status)] for d in info.diseases] or [
        [Condition(name=status, status=status)] if status else []
    ]
    return [Patient(id=f"own patient of {info.nct_id}", conditions=c, biomarkers=markers) for c in conditions]


@dataclass(frozen=True, slots=True)
class Rejection:
    nct_id: str
    matches: tuple[TrialMatch, ...]  # the own patients rejected, with their failing criteria


def rejections(info: TrialInfo, parsed: ParsedCriteria, vocab: Vocabulary | None = None) -> Rejection | None:
    """The trial's own patients it would call "not eligible" (None when it rejects none)."""
    vocab = vocab or vocabulary()
    failed = tuple(
        result
        for patient in own_patients(info, parsed, vocab)
        if (result := match_trial(info, parsed, patient_facts(patient, vocab), vocab)).verdict == "not_eligible"
    )
    return Rejection(info.nct_id, failed) if failed else None


def trials_of(studies: Iterator[Study]) -> Iterator[tuple[TrialInfo, ParsedCriteria]]:
    for study in studies:
        text = study.protocol_section.eligibility_module.eligibility_criteria
        yield TrialInfo.from_study(study), parse_criteria(text, study)


def text_trials(paths: Iterator[Path]) -> Iterator[tuple[TrialInfo, ParsedCriteria]]:
    """Criteria texts without a record (the LCT corpus): the trial is for what its inclusions require."""
    vocab = vocabulary()
    for path in paths:
        parsed = parse_criteria(path.read_text(encoding="utf-8"))
        yield (
            TrialInfo(
                f"{path.parent.name}/{path.stem}",
                path.stem,
                None,
                None,
                None,
                "ALL",
                diseases=required_diseases(parsed, vocab),
            ),
            parsed,
        )
