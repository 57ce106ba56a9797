"""Numeric thresholds on patient quantities: each threshold expression of an item (``thresholds.py``)
attached to the quantity it is about.

Attachment: the nearest quantity named before it in the same clause (or just after it: ``>5% bone marrow
blasts``); quantities joined by "and", "/" or "," share one threshold (``ALT and AST ≤ 3 × ULN``); a
threshold with no quantity of its own right after another one ("> 5% (by morphology), and/or > 0.01%")
is an alternative for the same quantity; a parenthesised absolute value after a ×ULN one is its twin.
Time amounts are thresholds only for age and life expectancy; elsewhere they are time windows (concepts).
A quantity outside the vocabulary is named by the words around its threshold, read to the reviewed stop
words of ``data/criteria/cues.json``.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from trialscope.criteria.cues import cues
from trialscope.criteria.memo import remembered
from trialscope.criteria.model import TIME_UNITS, Comparator
from trialscope.criteria.text import CLAUSE_OR_LABEL_BREAK, clause_bounds
from trialscope.criteria.thresholds import AGE_CONTEXT, COMPARATOR, Threshold, find_thresholds
from trialscope.criteria.vocabulary import Quantity, Vocabulary

_COORDINATION = re.compile(r"^\s*(?:,|/|\band\b|\bor\b|and/or|&|\(\s*[A-Za-z0-9]{1,8}\s*\))*\s*$", re.IGNORECASE)
_ALTERNATIVE = re.compile(r"\bor\b", re.IGNORECASE)
_METHOD = cues().measurement_methods  # how a blast count was measured, by the words near it
_SAMPLES = cues().blast_samples  # where a blast count was taken, by the words near it
_SITE = "|".join(f"(?:{pattern.pattern})" for pattern, _ in _SAMPLES)
_SITES = rf"(?:{_SITE})(?:\s*(?:,|/|\bor\b|and/or|\band\b)\s*(?:in\s+)?(?:the\s+)?(?:{_SITE}))*"
# "bone marrow or peripheral blood blasts", "blasts in the peripheral blood": the sites a blast count names
_SITES_BEFORE = re.compile(
    rf"(?i)(?<![\w-])(?:{_SITES})\s+(?:leuka?emic\s+)?blasts?\b|\bblasts?(?:\s+count)?\s+(?:in|on|of|from)\s+(?:the\s+)?{_SITES}"
)
_SITES_AFTER = re.compile(rf"(?i)\s*(?:(?:leuka?emic\s+)?blasts?\s+)?(?:in|on|of|from)\s+(?:the\s+)?{_SITES}")
BOTH_SITES = "bone marrow or peripheral blood"
_CARDIAC_CONTEXT = re.compile(r"(?i)heart|cardiac|NYHA|New\s+York|angina|CCS")
_TOXICITY_CONTEXT = re.compile(
    r"(?i)toxic|adverse|CTCAE|\bNCI\b|\bAEs?\b|side\s+effect|recover|allerg|hypersensitiv|reaction"
)
_WINDOW_CUE = re.compile(
    r"(?i)\b(?:within|prior|before|ago|after|since|for|history|duration|last|past|previous|following|post|"
    r"remission|diagnos\w*|interval|from|during|survival|period|follow-up|treated|therapy|taking|using|"
    r"use|receiving|onset|lasting|course)\b"
)
_ACRONYM_BEFORE = re.compile(
    r"\b[A-Z][A-Z0-9\-]{1,6}\b(?:\s*\)|\s+(?i:physical\s+status|global\s+score|score|class|grade|status))?\s*"
    r"(?i:of\s+|is\s+|[:=]\s*)?$"
)
_YEARS_OF = re.compile(r"(?i)\s+of\s+(?!age\b)[a-z]")  # "more than one year of sports practice": a duration
_PERSON_BEFORE = re.compile(
    r"(?i)\b(?:patients?|subjects?|participants?|persons?|people|adults?|children|women|men|males?|females?|"
    r"individuals?|volunteers?)\s*(?:aged?\s*|who\s+are\s*|are\s*|is\s*)?$"
)
# the reviewed words where a quantity's name ends or that pad it (data/criteria/cues.json)
_FILLER = cues().quantity_name_filler
# A count whose next word is one of these names no patient quantity; any other stop word ("> 4 at the time of
# enrollment") leaves the quantity to the words before the threshold ("modified Rankin scale > 4").
_NOT_A_QUANTITY = cues().counted_not_a_quantity
_COUNT_STOP = _NOT_A_QUANTITY | cues().counted_links
_PHRASE_STOP = cues().quantity_name_stop
# Words before a threshold that say for whom it holds, so what comes after them names no quantity
_SUBGROUP_CUES = cues().subgroup_cues


@dataclass(slots=True)
class NumericMatch:
    quantity: Quantity
    comparator: Comparator
    value: float
    unit: str
    start: int
    end: int
    method: str | None = None
    sample: str | None = None  # where a blast count was taken (``_sample_near``)
    group: int = 0  # thresholds sharing a group are alternatives (any of)
    twin_of_index: int | None = None
    # one threshold on several ways of measuring one thing ("Karnofsky/Lansky ≥ 50"): any one of them is enough
    one_of: bool = False


@dataclass(frozen=True, slots=True)
class Mention:
    key: str
    start: int
    end: int
    generic: bool  # a bare scale word ("grade") that a named scale mentioned nearby overrides


@remembered
def find_mentions(norm: str, start: int, end: int, vocab: Vocabulary) -> list[Mention]:
    mentions = []
    for match in vocab.quantity_matcher.finditer(norm, start, end):
        key = match.key
        generic = match.group(0).strip().lower() in ("grade", "class", "stage")
        mentions.append(Mention(key, match.start(), match.end(), generic))
    return mentions


def _clause_of(clauses: list[tuple[int, int]], position: int) -> tuple[int, int]:
    for a, b in clauses:
        if a <= position <= b:
            return a, b
    return clauses[-1]


def _sample_near(norm: str, before_from: int, threshold: Threshold, after_to: int) -> str | None:
    """Where the blast count a threshold limits was taken, from the sites named with it ("bone marrow or
    peripheral blood blasts ≥ 5%", "blasts ≥ 20% in the peripheral blood"): "peripheral blood", both sites
    (``BOTH_SITES``: either count may meet it), or None for the bone marrow, the convention when no site is
    named."""
    window = norm[before_from : threshold.start]
    named = [m for m in _SITES_BEFORE.finditer(window) if len(window) - m.end() <= 30]
    phrase = named[-1].group(0) if named else ""
    after = _SITES_AFTER.match(norm, threshold.end, after_to)
    if after:
        phrase += " " + after.group(0)
    sites = {sample for pattern, sample in _SAMPLES if pattern.search(phrase)}
    if sites == {"peripheral blood"}:
        return "peripheral blood"
    return BOTH_SITES if len(sites) > 1 else None


def _method_near(norm: str, start: int, end: int) -> str | None:
    window = norm[start : min(end, start + 45)]
    for pattern, method in _METHOD:
        if pattern.search(window):
            return method
    return None


def extract_numeric(norm: str, start: int, end: int, vocab: Vocabulary) -> list[NumericMatch]:
    """Numeric thresholds in one item's text (norm[start:end]) attached to quantities."""
    thresholds = find_thresholds(norm, start, end, vocab)
    if not thresholds:
        return []
    # "< 60 years of age": a quantity named inside a threshold is its unit's wording, never a quantity to
    # coordinate with the next one ("..., Body Mass Index < 30" is not an age)
    threshold_starts = [t.start for t in thresholds]  # in text order, not overlapping

    def inside_threshold(position: int) -> bool:
        index = bisect_left(threshold_starts, position) - 1
        return index >= 0 and position < thresholds[index].end

    mentions = sorted(
        (m for m in find_mentions(norm, start, end, vocab) if not inside_threshold(m.start)), key=lambda m: m.start
    )
    clauses = clause_bounds(norm, start, end, CLAUSE_OR_LABEL_BREAK) or [(start, end)]
    results: list[NumericMatch] = []
    previous: tuple[Threshold, list[Quantity], int] | None = None
    group = 0
    for n, threshold in enumerate(thresholds):
        clause_start, clause_end = _clause_of(clauses, threshold.start)
        if threshold.pressure_pair:
            group += 1
            for key, (comparator, value) in zip(
                ("systolic blood pressure", "diastolic blood pressure"), threshold.comparators, strict=True
            ):
                results.append(
                    NumericMatch(
                        vocab.quantities[key], comparator, value, "mmHg", threshold.start, threshold.end, group=group
                    )
                )
            previous = None
            continue
        twin_of: int | None = None
        alternative_of_previous = False
        quantities: list[Quantity] = []
        if previous is not None and _is_twin(norm, previous[0], threshold):
            quantities, twin_of = previous[1], previous[2]
        else:
            quantities = _quantities_for(norm, threshold, mentions, clause_start, clause_end, vocab, previous)
        if not quantities and previous is not None:
            prev_threshold, prev_quantities, prev_first = previous
            gap = norm[prev_threshold.end : threshold.start]
            same_kind = threshold.unit == prev_threshold.unit or "xULN" in (threshold.unit, prev_threshold.unit)
            if (
                len(gap) <= 40
                and same_kind
                and not any(m.start >= prev_threshold.end and m.end <= threshold.start for m in mentions)
            ):
                quantities = prev_quantities
                if "(" in gap and prev_threshold.unit == "xULN" and threshold.unit != "xULN":
                    twin_of = prev_first
                else:  # "> 5% (by morphology), and/or > 0.01%": another way to meet it; "≥ 18.5 and ≤ 27": both
                    alternative_of_previous = (
                        _ALTERNATIVE.search(gap) is not None or not re.search(r"(?i)\band\b", gap)
                    ) and len(quantities) == 1  # "AST and ALT ≤ 2.5 × ULN; ≤ 5 × ULN": each pair holds whole
        if (
            quantities
            and not threshold.unit
            and _COUNTED_TIMES.match(norm, threshold.end)
            and all(q.kind in ("lab", "measurement") for q in quantities)
        ):
            quantities = []  # "BP measured at least one time": how often, not a blood pressure
        if not quantities:
            previous = None
            continue
        if not alternative_of_previous:
            group += 1
        first_index = len(results)
        measures = {q.measures for q in quantities}
        one_of = len(quantities) > 1 and len(measures) == 1 and None not in measures
        for quantity in quantities:
            for comparator, bound in _bounds_for(quantity, threshold):
                unit = threshold.unit or _default_unit(quantity, threshold)
                value = bound * 100 if quantity.written_as_fraction and not threshold.unit and 0 < bound < 1 else bound
                if unit is None:
                    continue
                if unit and quantity.units and unit not in quantity.units and quantity.kind != "other":
                    continue  # "glucose solution up to 100 g": not a glucose level
                if unit in TIME_UNITS and not quantity.is_time:
                    continue  # a duration on a lab is a time window, not a threshold
                if quantity.is_time and unit not in TIME_UNITS:
                    continue
                if quantity.key == "age" and unit in ("hours", "days", "weeks") and not _young_age(norm, threshold):
                    continue  # "surgeries lasting less than one hour": a duration, unless an infant's age is said
                results.append(
                    NumericMatch(
                        quantity=quantity,
                        comparator=comparator,
                        value=value,
                        unit=unit,
                        start=threshold.start,
                        end=threshold.end,
                        method=_method_near(norm, threshold.end, clause_end)
                        if quantity.key == "bone marrow blasts"
                        else None,
                        sample=_sample_near(
                            norm,
                            max(clause_start, threshold.start - 80, thresholds[n - 1].end if n else start),
                            threshold,
                            min(clause_end, thresholds[n + 1].start if n + 1 < len(thresholds) else end),
                        )
                        if quantity.key == "bone marrow blasts"
                        else None,
                        group=group,
                        twin_of_index=twin_of,
                        one_of=one_of,
                    )
                )
        previous = (threshold, quantities, first_index)
    _group_alternatives(norm, results)
    return results


_COUNTED_TIMES = re.compile(r"(?i)\s*(?:times?|occasions?|visits?|measurements?|readings?)\b")
_AGE_JUST_BEFORE = re.compile(r"(?i)\bage[ds]?\b[^.;]{0,15}$")


def _young_age(norm: str, threshold: Threshold) -> bool:
    """An age in hours, days or weeks is said as one: 'less than 28 days old', 'Age less than 72 hours'."""
    return bool(
        AGE_CONTEXT.search(norm[threshold.start : threshold.end + 12])
        or _AGE_JUST_BEFORE.search(norm[max(0, threshold.start - 25) : threshold.start])
    )


# after a percentage: "of blasts", "of the leukemic cells", "of lymphoma cells" (a share of the cells)
_SHARE_OF_CELLS = re.compile(
    r"(?i)\s*of\s+(?:the\s+)?(?:leuka?emic\s+|malignant\s+|tumou?r\s+|lymphoma\s+|neoplastic\s+)?"
    r"(?:blasts?|cells?)\b"
)
_GRADE_AFTER_DISEASE = re.compile(r"(?i)^[\s(,-]*(?:grades?|histolog\w*\s+grades?)?[\s:(]*$")


def _grade_of_a_disease(norm: str, threshold: Threshold, clause_start: int, vocab: Vocabulary) -> bool:
    """A grade written right after a diagnosis ("follicular lymphoma grade 1-3a", "FL (Grade 3b)") grades the
    disease itself."""
    diseases = [
        m
        for m in vocab.concept_matcher.finditer(norm, max(clause_start, threshold.start - 60), threshold.start)
        if vocab.concepts[m.key].primary_diagnosis and m.end() <= threshold.start
    ]
    if not diseases:
        return False
    gap = norm[diseases[-1].end() : threshold.start]
    return bool(_GRADE_AFTER_DISEASE.match(gap)) and (threshold.scale_word == "grade" or "grade" in gap.lower())


def _is_twin(norm: str, xuln: Threshold, threshold: Threshold) -> bool:
    """'≤1.5 × ULN (≤51 μmol/L)': an absolute limit in parentheses right after a xULN one restates it."""
    gap = norm[xuln.end : threshold.start]
    return xuln.unit == "xULN" and threshold.unit not in ("xULN", "") and gap.strip() == "("


def _default_unit(quantity: Quantity, threshold: Threshold) -> str | None:
    if quantity.scale or quantity.is_time:  # "ECOG <= 2", "Age >= 18": the scale's or the quantity's own unit
        return quantity.unit
    if quantity.kind == "count":
        return ""
    if len(quantity.units) == 1:
        return quantity.unit
    return ""  # unstated unit on a multi-unit lab: kept unitless for the matcher to question


def _bounds_for(quantity: Quantity, threshold: Threshold) -> list[tuple[Comparator, float]]:
    bounds = threshold.comparators
    if threshold.is_range and quantity.scale and quantity.scale_range:
        low, high = quantity.scale_range
        # "ECOG 0-2" is "ECOG <= 2"; "NYHA class III or IV" is "NYHA >= 3"
        bounds = [(c, v) for c, v in bounds if not ((c == ">=" and v <= low) or (c == "<=" and v >= high))]
    return bounds


def _quantities_for(
    norm: str,
    threshold: Threshold,
    mentions: list[Mention],
    clause_start: int,
    clause_end: int,
    vocab: Vocabulary,
    previous: tuple[Threshold, list[Quantity], int] | None,
) -> list[Quantity]:
    """The quantity (or coordinated quantities) a threshold is about."""
    if _grade_of_a_disease(norm, threshold, clause_start, vocab):
        return []  # "FL (grade 1-3a)": the lymphoma's histological grade, no toxicity of the patient's
    if threshold.unit == "%" and _SHARE_OF_CELLS.match(norm, threshold.end, clause_end):
        return []  # "CD19 on ≥ 70% of blasts": how many of the cells carry a marker, no blast count
    if threshold.scale_word:
        # "≤ grade 1", "class III or IV": the scale is named with the value; a named scale nearby wins
        named = [
            m
            for m in _starting_in(
                mentions, max(clause_start, threshold.start - 159), min(clause_end, threshold.start + 159)
            )
            if not m.generic and vocab.quantities[m.key].scale
        ]
        if named:
            return [vocab.quantities[named[0].key]]
        clause = norm[clause_start:clause_end]
        if threshold.scale_word == "class":
            return [vocab.quantities["NYHA class"]] if _CARDIAC_CONTEXT.search(clause) else []
        if threshold.scale_word == "stage":
            return [vocab.quantities["disease stage"]]
        return [vocab.quantities["toxicity grade"]] if _TOXICITY_CONTEXT.search(clause) else []
    if threshold.about_age:
        return [vocab.quantities["age"]]
    # the mentions in the clause before it with no other threshold between: the nearest ones, so the walk
    # back stops at the first mention behind another threshold (and stays linear in a long one-line text)
    before: list[Mention] = []
    for mention in reversed(_starting_in(mentions, clause_start, threshold.start)):
        if mention.end > threshold.start:
            continue
        if _has_threshold_between(norm, mention.end, threshold.start):
            break
        before.insert(0, mention)
    if before and threshold.start - before[-1].end <= 70:
        chain = [before[-1]]
        for mention in reversed(before[:-1]):
            gap = norm[mention.end : chain[0].start]
            if mention.key == chain[0].key and re.fullmatch(r"\s*[(\[]\s*", gap):
                chain[0] = mention  # "alanine aminotransferase (ALT)": one name, written twice
            elif _COORDINATION.match(gap) or (
                norm[mention.start - 1 : mention.start] == "("
                and _COORDINATION.match(gap.lstrip()[1:])
                and gap.lstrip().startswith(")")
            ):  # "AST or ALT", "aspartate aminotransferase (AST) or ...": the acronym's bracket closes first
                chain.insert(0, mention)
            else:
                break
        keys = list(dict.fromkeys(m.key for m in chain))
        if any(vocab.quantities[k].scale for k in keys) and all(m.generic for m in chain):
            named = [
                m
                for m in mentions
                if not m.generic and vocab.quantities[m.key].scale and clause_start <= m.start <= clause_end
            ]
            if named:
                keys = [named[0].key]
        return [vocab.quantities[k] for k in keys]
    after = [
        m
        for m in _starting_in(mentions, threshold.end, min(clause_end, threshold.end + 30))
        if not _has_threshold_between(norm, threshold.end, m.start)
        and (not threshold.unit or threshold.unit in vocab.quantities[m.key].units)
        and not re.search(r"[,;]", norm[threshold.end : m.start])  # "ASA >3, morbid obesity BMI>40"
    ]  # "< 60 years of age, Body Mass Index ...": a quantity named after must take the threshold's unit
    if after:
        return [vocab.quantities[after[0].key]]
    lead_in = norm[clause_start : threshold.start]
    # the words around the threshold in its own comma-separated part ("between 18 and 80 years, ASA 1-3,
    # Scheduled for surgery": "for" belongs to another part); its own words ("from 18 to 25") are no window cue
    around = (
        re.split(r"[,;]", norm[max(clause_start, threshold.start - 40) : threshold.start])[-1]
        + " "
        + re.split(r"[,;]", norm[threshold.end : min(clause_end, threshold.end + 25)])[0]
    )
    if threshold.unit in TIME_UNITS and AGE_CONTEXT.search(norm[threshold.start : threshold.end + 12]):
        return [vocab.quantities["age"]]  # "less than 28 days old"
    if threshold.unit in ("years", "months") and (
        (threshold.unit == "years" and _PERSON_BEFORE.search(lead_in[-30:]))
        or (
            threshold.unit == "years"
            and not _WINDOW_CUE.search(around)
            and not vocab.concept_matcher.search(lead_in)
            and not _YEARS_OF.match(norm, threshold.end)
        )
    ):
        return [vocab.quantities["age"]]
    if (
        not threshold.unit
        and _PERSON_BEFORE.search(lead_in[-30:])
        and all(1 <= v <= 120 for _, v in threshold.comparators)
    ):
        return [vocab.quantities["age"]]  # "Patients below 18", "Adults over 18"
    # "type 1 or 2" names no quantity; "ASA 1 or 2", "CDR global score of 0.5 or 1" name a scale by its acronym
    explicit = not threshold.is_list or bool(threshold.unit) or bool(_ACRONYM_BEFORE.search(lead_in[-40:]))
    generic = _generic_quantity(norm, threshold, clause_start) if explicit else None
    return [generic] if generic else []


def _starting_in(mentions: list[Mention], low: int, high: int) -> list[Mention]:
    """The mentions (sorted by start) that start at ``low`` to ``high``, both included."""
    first = bisect_left(mentions, low, key=lambda m: m.start)
    return mentions[first : bisect_right(mentions, high, key=lambda m: m.start)]


# inside brackets right after another limit, a subgroup before a limit of its own
_SUBGROUP_IN_BRACKETS = re.compile(r"(?i)\d[^()]{0,40}\(\s*(?:with|in|for|if)\s+[^()\d]*$")


_UNIT_WORDS = cues().not_a_quantity_name  # "< 30 mg/day", "5 x ULN": no "number of mg"
_PEOPLE_WORDS = cues().people_not_a_quantity_name  # "≤ 470 ms for women": no quantity called "women"


def _generic_quantity(norm: str, threshold: Threshold, clause_start: int) -> Quantity | None:
    """A quantity outside the vocabulary, named by the words just before the threshold ('systolic blood
    pressure > 140 mmHg'). Durations are left to the concepts (they are time windows)."""
    if threshold.unit in TIME_UNITS or threshold.unit == "half-lives":
        return None
    if not threshold.unit:  # "≥3 antihypertensive drugs": a count of what follows the number
        counted = re.match(r"\s*((?:[A-Za-z][A-Za-z\-']*\s*){1,4})", _to_next_item(norm, threshold.end, 50))
        if counted:
            noun_words = []
            for word in counted.group(1).split():
                if word.lower() in _PHRASE_STOP or word.lower() in _COUNT_STOP:
                    break
                noun_words.append(word)
            if noun_words and noun_words[0].lower() not in _FILLER and noun_words[0].lower() not in _UNIT_WORDS:
                name = "number of " + " ".join(noun_words)
                return Quantity(key=name.lower(), kind="count", names=(name,), unit="", units=("",))
            if counted.group(1).split()[0].lower() in _NOT_A_QUANTITY:
                return None  # "≥ 2 of the following", "3 times", "2 weeks": no quantity of the patient's
    before = norm[max(clause_start, threshold.start - 60) : threshold.start]
    acronym = re.search(r"\(\s*([A-Za-z][A-Za-z0-9\-]{1,12}(?:\s+[A-Za-z]{1,12})?)\s*\)\s*(?:of\s+|[:=]\s*)?$", before)
    if acronym:  # "Expanded Disability Status Scale (EDSS) between 0 and 6.5"
        name = acronym.group(1)
        return Quantity(key=name.lower(), kind="other", names=(name,), unit=threshold.unit, units=(threshold.unit,))
    if _SUBGROUP_IN_BRACKETS.search(norm, max(0, threshold.start - 90), threshold.start):
        return None  # "< 2.5 × ULN (with liver involvement < 5 × ULN)": the words name whom, not what
    before = re.sub(r"\s*[:=]\s*$", " ", before)  # "asthenozoospermia: < 32%"
    before = re.sub(r"\([^()]{0,30}\)\s*$", " ", before)  # "UAS7 score (range 0-42) ≥16": skip the aside
    if re.search(r"\(\s*$", before) and re.match(r"\s*[A-Za-z][^()]{0,30}\)", norm[threshold.end : threshold.end + 40]):
        named = _named_after(norm, threshold)  # "(>1.5cm diameter)": the bracket names what it measures
        if named:
            name = " ".join(named)
            return Quantity(key=name.lower(), kind="other", names=(name,), unit=threshold.unit, units=(threshold.unit,))
    if not re.search(r"\d[^()]{0,14}\(\s*$", before):  # not right after another threshold: "1.5 x ULN (≤ 3 x ULN"
        before = re.sub(r"\(\s*$", " ", before)  # "T-MoCA score (<20)": a threshold in brackets after its name
    words = re.findall(r"[A-Za-z][A-Za-z0-9\-']*|[()\[\],:;≤≥<>=]|\d[\d.,]*", before)
    phrase: list[str] = []
    for word in reversed(words):
        lowered = word.lower()
        if not phrase and lowered in _FILLER:
            continue
        if lowered in _SUBGROUP_CUES:
            return None  # "unless due to Gilbert's syndrome (≤ 3 mg/dL)": the words name whom, not what
        if lowered in _PHRASE_STOP or word in "()[],:;≤≥<>=" or word[0].isdigit():
            break  # a number or comparison before ends the name ("145 mmHg ≤ msSBP ≤ 190": msSBP)
        phrase.insert(0, word)
        if len(phrase) == 4:
            break
    while phrase and phrase[0].lower() in _FILLER:
        phrase.pop(0)
    if not phrase:
        phrase = _named_after(norm, threshold)  # "(>1.5cm diameter)", ">=80% diary compliance"
    if len(phrase) == 1 and len(phrase[0]) == 1:
        return None  # "(n=20)": a sample size, not a patient's quantity
    if phrase and (phrase[0].lower() in _UNIT_WORDS or all(w.lower() in _PEOPLE_WORDS for w in phrase)):
        return None  # "< 1.5 mg/dL in males", "≤ 470 ms for women": a unit or the people, no quantity's name
    if not phrase:
        return None
    name = " ".join(phrase)
    return Quantity(key=name.lower(), kind="other", names=(name,), unit=threshold.unit, units=(threshold.unit,))


# where the next item or heading begins: a blank line, or a line opening with a list marker
_NEXT_ITEM = re.compile(r"\n\s*(?:\n|[-*•]|\d{1,2}[.)]\s)")


def _to_next_item(norm: str, start: int, length: int) -> str:
    """The ``length`` characters of ``norm`` from ``start``, cut where the next item begins ("Age" over "3 to 21"
    then "Performance status": the range names nothing after it)."""
    window = norm[start : start + length]
    found = _NEXT_ITEM.search(window)
    return window[: found.start()] if found else window


def _named_after(norm: str, threshold: Threshold) -> list[str]:
    """A threshold that opens its phrase names its quantity after it: up to three words, to a stop word."""
    words = re.findall(r"[A-Za-z][A-Za-z0-9\-']*|[^\sA-Za-z]", _to_next_item(norm, threshold.end, 40))
    phrase: list[str] = []
    for word in words:
        if not word[0].isalpha() or word.lower() in _PHRASE_STOP or word.lower() in _FILLER or len(phrase) == 3:
            break
        phrase.append(word)
    return phrase


def _has_threshold_between(norm: str, a: int, b: int) -> bool:
    return re.search(r"[≤≥<>]|\d", norm[a:b]) is not None and re.search(COMPARATOR, norm[a:b]) is not None


def _group_alternatives(norm: str, results: list[NumericMatch]) -> None:
    """Thresholds on different quantities joined by 'or' (creatinine <= 1.5 x ULN, or CrCl >= 60) are
    alternatives: they share a group. Twins keep the group of the threshold they restate."""
    for index in range(1, len(results)):
        current, prior = results[index], results[index - 1]
        if current.group == prior.group or current.twin_of_index is not None:
            continue
        if prior.twin_of_index is not None:
            prior = results[prior.twin_of_index]
        gap = norm[results[index - 1].end : current.start]
        stops = re.search(r"[;.]", gap)
        if (
            stops
            and re.match(r"(?i)[;.]\s*(?:and/)?or\b", gap[stops.start() :])
            and not re.search(r"[;.]", gap[stops.end() :])
        ):
            stops = None  # "... based on age and gender; or estimated creatinine clearance > 50"
        bare = re.sub(r"\([^()]*\)", " ", gap)  # "CrCl (calculated using the Cockcroft-Gault formula) >= 30"
        if len(bare) <= 90 and _ALTERNATIVE.search(bare) and not stops:  # a long name: "Eastern ... Group"
            old = current.group
            for later in results[index:]:
                if later.group == old:
                    later.group = prior.group
    for result in results:
        if result.twin_of_index is not None:
            result.group = results[result.twin_of_index].group
