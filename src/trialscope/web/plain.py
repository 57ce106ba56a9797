"""Plain-language summaries of a trial ("who it is for, what is being tested, what taking part involves,
where, current status"), generated deterministically from the record and its structured criteria, in short
sentences a person can read at or below US grade 8; and a glossary that explains jargon where it appears.

Registry wording is used only where it is short (a drug name); long registry phrases are described by
kind instead ("a cell treatment"), so the reading level stays low whatever the record says.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from html import escape
from importlib import resources
from typing import Any

from markupsafe import Markup

from trialscope.model.study import Study, age_in_years
from trialscope.web.i18n import N_

_PLAIN_DISEASES = {  # vocabulary concept -> words a person knows (the glossary explains the abbreviations)
    "acute myeloid leukemia": "AML, a blood cancer",
    "acute promyelocytic leukemia": "APL, a kind of AML",
    "secondary acute myeloid leukemia": "AML that grew from another blood disease",
    "acute lymphoblastic leukemia": "ALL, a blood cancer",
    "mixed phenotype acute leukemia": "a mixed kind of acute leukemia",
    "acute leukemia": "acute leukemia, a blood cancer",
    "myelodysplastic syndrome": "MDS, a bone marrow disease",
    "chronic myeloid leukemia": "CML, a blood cancer",
    "lymphoma": "lymphoma, a cancer of immune cells",
    "multiple myeloma": "myeloma, a cancer of plasma cells",
}
_KIND_WORDS = {
    "BIOLOGICAL": "a treatment made from living cells or proteins",
    "GENETIC": "a gene or cell treatment",
    "DRUG": "a medicine",
    "DEVICE": "a device",
    "PROCEDURE": "a procedure",
    "RADIATION": "radiation",
    "BEHAVIORAL": "a change in daily habits",
    "DIETARY_SUPPLEMENT": "a supplement",
    "DIAGNOSTIC_TEST": "a test",
    "COMBINATION_PRODUCT": "a mix of treatments",
}
_PHASE_WORDS = {
    "EARLY_PHASE1": "This is a very early study. It checks safety in a few people.",
    "PHASE1": "This is an early study (phase 1). It checks safety and finds the right dose.",
    "PHASE2": "This study (phase 2) checks if the treatment works and how safe it is.",
    "PHASE3": "This large study (phase 3) compares the new treatment with the usual one.",
    "PHASE4": "This study (phase 4) follows a treatment that is already approved.",
}
_STATUS_WORDS = {
    "RECRUITING": "It is looking for people to join now.",
    "NOT_YET_RECRUITING": "It will start looking for people soon.",
    "ENROLLING_BY_INVITATION": "It takes people by invitation only.",
    "ACTIVE_NOT_RECRUITING": "It is going on but does not take new people.",
    "COMPLETED": "It has ended.",
    "TERMINATED": "It was stopped early.",
    "SUSPENDED": "It is on hold for now.",
    "WITHDRAWN": "It stopped before anyone joined.",
    "UNKNOWN": "Its status is not known. The sponsor has not updated it in a long time.",
}


@dataclass(frozen=True, slots=True)
class PlainSummary:
    who: str
    what: str
    involves: str
    where: str
    status: str

    def parts(self) -> list[tuple[str, str]]:
        return [
            (N_("Who it is for"), self.who),
            (N_("What is being tested"), self.what),
            (N_("What taking part involves"), self.involves),
            (N_("Where"), self.where),
            (N_("Current status"), self.status),
        ]

    @property
    def text(self) -> str:
        return " ".join(sentence for _, sentence in self.parts())


def _ages(study: Study) -> str:
    eligibility = study.protocol_section.eligibility_module
    low, high = age_in_years(eligibility.minimum_age), age_in_years(eligibility.maximum_age)
    if low is not None and high is not None:
        return f"aged {low:g} to {high:g}"
    if low is not None:
        return "adults" if low == 18 else f"aged {low:g} or older"
    if high is not None:
        return f"up to age {high:g}"
    return "of any age"


def _who(study: Study, diseases: list[str], constraints: list[dict[str, Any]]) -> str:
    sex = (study.protocol_section.eligibility_module.sex or "ALL").upper()
    people = {"FEMALE": "women", "MALE": "men"}.get(sex, "people")
    ages = _ages(study)
    subject = f"{people} {ages}" if ages != "adults" else ("adults" if people == "people" else f"adult {people}")
    plain = [_PLAIN_DISEASES[d] for d in diseases if d in _PLAIN_DISEASES][:1]
    sentence = f"It is for {subject}"
    if plain:
        sentence += f" with {plain[0]}"
    statuses = {
        c.get("concept")
        for c in constraints
        if c.get("category") == "disease_status" and c.get("polarity") == "include" and not c.get("definitional")
    }
    if statuses & {"relapsed", "refractory", "relapsed or refractory"}:
        sentence += " that came back or did not get better with treatment"
    markers = sorted(
        {
            c["concept"]
            for c in constraints
            if c.get("category") == "biomarker" and c.get("polarity") == "include" and c.get("concept")
        }
    )[:2]
    if markers:
        sentence += f". The cancer cells must carry {' and '.join(markers)}"
    return sentence + "."


def _what(study: Study, targets: list[str]) -> str:
    interventions = study.protocol_section.arms_interventions_module.interventions
    kinds = [i.type for i in interventions if i.type]
    text = " ".join(f"{i.name or ''} {i.description or ''}" for i in interventions) + " " + study.title
    if re.search(r"\bCAR[\s-]?T\b|chimeric antigen receptor", text, re.IGNORECASE):
        what = "It tests CAR-T cells. These are immune cells changed in a lab to attack cancer."
    elif re.search(r"\bCAR[\s-]?NK\b", text, re.IGNORECASE):
        what = "It tests CAR-NK cells. These are immune cells changed in a lab to attack cancer."
    elif kinds:
        what = f"It tests {_KIND_WORDS.get(kinds[0], 'a treatment')}."
    else:
        what = "It studies a treatment or a group of patients."
    short = [i.name for i in interventions if i.name and len(i.name.split()) <= 3][:2]
    if short:
        what += f" Its name: {', '.join(short)}."
    if targets:
        what += f" It aims at {' and '.join(targets[:2])}, a marker on the cancer cells."
    return what


def _involves(study: Study, cell_therapy: bool) -> str:
    design = study.protocol_section.design_module
    sentences = [next((_PHASE_WORDS[p] for p in study.phases if p in _PHASE_WORDS), "")]
    enrollment = design.enrollment_info.count if design.enrollment_info else None
    if enrollment:
        sentences.append(f"About {enrollment} people take part.")
    info = design.design_info
    if info and (info.allocation or "").upper() == "RANDOMIZED":
        sentences.append("People are put into groups by chance.")
    elif info and (info.intervention_model or "").upper() == "SINGLE_GROUP":
        sentences.append("Everyone gets the study treatment.")
    if cell_therapy:
        sentences.append(
            "Cell therapy often means a blood cell collection, a short course of chemo, then a drip of the new "
            "cells. You stay close to the hospital for some weeks."
        )
    sentences.append("Ask the study team about visits, tests and costs.")
    return " ".join(s for s in sentences if s)


def _where(study: Study) -> str:
    sites = study.locations
    countries = study.countries
    if not sites:
        return "The record lists no sites yet."
    cities = sorted({s.city for s in sites if s.city})
    if len(sites) == 1 and cities:
        return f"It runs at 1 site, in {cities[0]}{', ' + countries[0] if countries else ''}."
    lands = f"{len(countries)} countries" if len(countries) > 1 else (countries[0] if countries else "one country")
    return f"It runs at {len(sites)} sites in {lands}."


def _status(study: Study) -> str:
    status = _STATUS_WORDS.get(study.overall_status or "UNKNOWN", "Its status is not known.")
    updated = study.last_update
    return status + (f" The record was last updated on {updated.isoformat()}." if updated else "")


def plain_summary(
    study: Study, constraints: list[dict[str, Any]], diseases: list[str], targets: list[str]
) -> PlainSummary:
    """The summary of a trial: ``diseases`` and ``targets`` as the search index derives them."""
    what = _what(study, targets)
    cell_therapy = "CAR-T" in what or "CAR-NK" in what
    return PlainSummary(
        _who(study, diseases, constraints), what, _involves(study, cell_therapy), _where(study), _status(study)
    )


# --- glossary -------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Term:
    term: str
    explain: str


@cache
def _glossary() -> tuple[re.Pattern[str], re.Pattern[str], dict[str, Term]]:
    data = json.loads(resources.files("trialscope").joinpath("data/web/glossary.json").read_text(encoding="utf-8"))
    by_form: dict[str, Term] = {}
    folded: list[str] = []
    exact: list[str] = []
    for entry in data["terms"]:
        term = Term(entry["term"], entry["explain"])
        for form in entry["forms"]:
            by_form[form if entry.get("case_sensitive") else form.lower()] = term
            (exact if entry.get("case_sensitive") else folded).append(form)

    def alternation(forms: list[str]) -> str:
        return "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))

    edge = r"(?<![\w-]){}(?![\w-])"
    return (
        re.compile(edge.format(f"(?:{alternation(folded)})"), re.IGNORECASE),
        re.compile(edge.format(f"(?:{alternation(exact)})")),
        by_form,
    )


def terms_in(text: str) -> list[Term]:
    """Glossary terms written in the text, in order of first appearance."""
    folded, exact, by_form = _glossary()
    found: dict[str, tuple[int, Term]] = {}
    for pattern, key in ((folded, str.lower), (exact, str)):
        for match in pattern.finditer(text):
            term = by_form.get(key(match.group(0)))
            if term and term.term not in found:
                found[term.term] = (match.start(), term)
    return [t for _, t in sorted(found.values(), key=lambda pt: pt[0])]


def explain(text: str | None) -> Markup:
    """The text escaped, each glossary word wrapped with its explanation (``<abbr title>``; the page also
    lists the words explained)."""
    if not text:
        return Markup("")
    folded, exact, by_form = _glossary()
    spans: list[tuple[int, int, Term]] = []
    for pattern, key in ((folded, str.lower), (exact, str)):
        for match in pattern.finditer(text):
            term = by_form.get(key(match.group(0)))
            if term and not any(s < match.end() and match.start() < e for s, e, _ in spans):
                spans.append((match.start(), match.end(), term))
    out: list[str] = []
    last = 0
    for start, end, term in sorted(spans, key=lambda s: s[0]):
        out.append(escape(text[last:start]))
        out.append(f'<abbr class="term" title="{escape(term.explain)}">{escape(text[start:end])}</abbr>')
        last = end
    out.append(escape(text[last:]))
    return Markup("".join(out))
