"""A patient described in words -> a profile, by rules over the criteria vocabulary.

"58-year-old woman with relapsed AML after two inductions, CD123+ by flow, bilirubin 1.1 mg/dL, ECOG 1,
no prior CAR-T" gives: age 58, female, AML (relapsed), CD123 positive, total bilirubin 1.1 mg/dL, ECOG 1,
and an explicit "no" to CAR-T. Negated mentions ("no", "never", "denies", "without", "-negative")
become explicit denials; everything not said stays unknown.
"""

from __future__ import annotations

import datetime as dt
import re

from trialscope.criteria.cues import cues
from trialscope.criteria.text import normalise
from trialscope.criteria.vocabulary import vocabulary
from trialscope.patients.model import (
    Biomarker,
    BlastCount,
    Condition,
    HistoryItem,
    LabValue,
    Patient,
    PerformanceStatus,
    Treatment,
)

_AGE = re.compile(
    r"(?i)\b(\d{1,3})\s*(?:-|\s)?\s*(?:years?|yrs?|yo|y/o|y\.o\.)(?:\s*-?\s*old)?\b|\baged?\s+(\d{1,3})\b|\bage\s*[:=]?\s*(\d{1,3})\b"
    r"|\b(\d{1,3})\s*(?:M|F)\b"
)
_INFANT_AGE = re.compile(r"(?i)\b(\d{1,2})\s*-?\s*(month|week|day)s?\s*-?\s*old\b")
_FEMALE = re.compile(r"(?i)\b(?:woman|women|female|girl|lady|mother|she|her|pregnant|F)\b")
_MALE = re.compile(r"(?i)\b(?:man|men|male|boy|gentleman|father|he|his|him|M)\b")
_NEGATION = cues().negation_in_patient_text  # data/criteria/cues.json, beside the criteria's
_SENTENCE = re.compile(r"(?<=[.;!?])\s+|\n")
_MARKER_RESULT = re.compile(r"^\s*(?:(\+|positive|pos\b|bright)|(-|−|negative|neg\b|dim-?negative))", re.IGNORECASE)
_NUMBER_UNIT = re.compile(
    r"^\s*(?:of\s+|is\s+|was\s+|at\s+|=\s*|:\s*)?(\d+(?:\.\d+)?)\s*([A-Za-zµμ%/^*0-9.]*(?:/\s*[A-Za-z0-9.]+)?)"
)
_ULN = re.compile(r"(?i)\s*\(\s*(?:upper\s+limit\s+of\s+normal|ULN)\s*(?:is|=|:)?\s*(\d+(?:\.\d+)?)")
_BLAST_VALUE = re.compile(
    r"(?i)(?:\s*(?:and|,|/)\s*)?(?P<value>\d+(?:\.\d+)?)\s*%(?P<method>\s*(?:by|on|per)\s+(?:morphology|flow(?:\s+cytometry)?))?"
)
_MONTHS = {
    m: i
    for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)
}
_DATE = re.compile(
    r"(?i)\b(?:in\s+)?(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{4})\b|\b(\d{4})-(\d{2})(?:-(\d{2}))?\b"
)
_ECOG = re.compile(r"(?i)\b(?:ECOG(?:\s*PS)?|performance\s+status|PS)\s*(?:of|is|=|:)?\s*([0-5])\b")
_KARNOFSKY = re.compile(r"(?i)\b(?:Karnofsky|KPS)\s*(?:of|is|=|:)?\s*(\d{2,3})\b")


_AFFIRMED = re.compile(r"(?i)^[\s-]*(?:\+|positive\b|pos\b)")


def _negated(sentence: str, position: int, end: int | None = None) -> bool:
    """A negation cue shortly before the mention, unless the mention states its own positive result
    ('no CNS disease, HIV positive')."""
    if end is not None and _AFFIRMED.match(sentence[end : end + 12]):
        return False
    window = sentence[max(0, position - 45) : position]
    cues = list(_NEGATION.finditer(window))
    if not cues:
        return False
    return not re.search(r"(?i)\b(?:but|however|although|though|yet)\b", window[cues[-1].end() :])


def _date_near(sentence: str, start: int) -> dt.date | None:
    match = _DATE.search(sentence, start, start + 40)
    if not match:
        return None
    if match.group(1):
        return dt.date(int(match.group(2)), _MONTHS[match.group(1).lower()[:3]], 1)
    try:
        return dt.date(int(match.group(3)), int(match.group(4)), int(match.group(5) or 1))
    except ValueError:
        return None


def _unit(raw: str) -> str:
    raw = raw.strip().rstrip(".,;")
    for canonical, pattern in vocabulary().units:
        if raw and pattern.fullmatch(raw):
            return canonical
    return ""


def patient_from_text(text: str, as_of: dt.date | None = None, patient_id: str = "described patient") -> Patient:
    norm = normalise(text)
    patient = Patient(id=patient_id, summary=text, as_of=as_of or dt.date.today())
    infant = _INFANT_AGE.search(norm)
    age = _AGE.search(norm)
    if infant and (not age or infant.start() <= age.start()):
        per_year = {"month": 12, "week": 52.18, "day": 365.25}[infant.group(2).lower()]
        patient.age_years = round(float(infant.group(1)) / per_year, 3)
    elif age:
        patient.age_years = float(next(g for g in age.groups() if g))
    female, male = _FEMALE.search(norm), _MALE.search(norm)
    if female and (not male or female.start() < male.start()):
        patient.sex = "female"
    elif male:
        patient.sex = "male"
    for sentence in (s for s in _SENTENCE.split(norm) if s.strip()):
        _read_sentence(sentence, patient)
    return patient


def _read_sentence(sentence: str, patient: Patient) -> None:
    vocab = vocabulary()
    statuses = [
        m for m in vocab.patient_matcher.finditer(sentence) if vocab.concepts[m.key].category == "disease_status"
    ]
    for match in vocab.patient_matcher.finditer(sentence):
        concept = vocab.concepts[match.key]
        negated = _negated(sentence, match.start(), match.end())
        if concept.category == "disease_status" or concept.category == "administrative":
            continue
        if concept.category == "prior_therapy":
            if negated:
                patient.history.append(HistoryItem(name=match.group(0), present=False))
            else:
                patient.treatments.append(Treatment(name=match.group(0), date=_date_near(sentence, match.end())))
            continue
        if concept.category == "pregnancy":
            if match.key == "pregnancy":
                patient.pregnant = not negated
            elif match.key == "lactation":
                patient.lactating = not negated
            continue
        if negated:
            patient.history.append(HistoryItem(name=match.group(0), present=False))
        elif concept.primary_diagnosis:
            status = min(statuses, key=lambda s: abs(s.start() - match.start())).group(0) if statuses else None
            patient.conditions.append(Condition(name=match.group(0), status=status))
        else:
            patient.history.append(
                HistoryItem(name=match.group(0), present=True, date=_date_near(sentence, match.end()))
            )
    for match in vocab.antigen_matcher.finditer(sentence):
        result = _MARKER_RESULT.match(sentence[match.end() : match.end() + 20])
        if result:
            patient.biomarkers.append(Biomarker(name=match.key, result="positive" if result.group(1) else "negative"))
    _read_values(sentence, patient)


def _read_values(sentence: str, patient: Patient) -> None:
    vocab = vocabulary()
    ecog = _ECOG.search(sentence)
    if ecog:
        patient.performance_status = PerformanceStatus(scale="ECOG", value=float(ecog.group(1)))
    karnofsky = _KARNOFSKY.search(sentence)
    if karnofsky and patient.performance_status is None:
        patient.performance_status = PerformanceStatus(scale="Karnofsky", value=float(karnofsky.group(1)))
    pending: list[LabValue] = []  # values written before their unit: "ALT 30, AST 28 U/L"
    for match in vocab.quantity_matcher.finditer(sentence):
        quantity = vocab.quantities[match.key]
        if quantity.scale or quantity.kind in ("count", "demographic"):
            continue
        reading = _NUMBER_UNIT.match(sentence[match.end() : match.end() + 30])
        if not reading:
            continue
        value, unit = float(reading.group(1)), _unit(reading.group(2))
        if match.key == "life expectancy":
            patient.life_expectancy_months = (
                value if unit in ("months", "") else value * 12 if unit == "years" else None
            )
            continue
        after = match.end() + reading.end()
        if match.key == "bone marrow blasts":
            # each value takes the method written right after it: "3% by morphology and 0.5% by flow"
            position = match.end() + reading.start(1)
            while (blast := _BLAST_VALUE.match(sentence, position)) is not None:
                how = blast.group("method") or ""
                method = "flow cytometry" if "flow" in how.lower() else "morphology"
                patient.bone_marrow_blasts.append(BlastCount(value=float(blast.group("value")), method=method))
                position = blast.end()
            continue
        uln = _ULN.match(sentence, after)  # the report's ULN belongs to the value it follows, not the ones before
        lab = LabValue(name=match.key, value=value, unit=unit, upper_limit_normal=float(uln.group(1)) if uln else None)
        if not unit and quantity.unit in ("%",):
            lab.unit = "%"
        if unit:
            for earlier in pending:
                if unit in vocab.quantities[earlier.name].units:
                    earlier.unit = unit
            pending.clear()
        else:
            pending.append(lab)
        patient.labs.append(lab)
    patient.labs = [lab for lab in patient.labs if lab.unit or vocab.quantities[lab.name].unit == ""]
