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


@dataclass(frozen=True, slots=True)
class PlainWords:
    """The words summaries use for codes (``data/web/plain_words.json``, for a reviewer)."""

    diseases: dict[str, str]
    cell_therapies: list[tuple[re.Pattern[str], str]]
    cell_therapy_involves: str
    intervention_kinds: dict[str, str]
    phases: dict[str, str]
    statuses: dict[str, str]


@cache
def plain_words() -> PlainWords:
    data = json.loads(resources.files("trialscope").joinpath("data/web/plain_words.json").read_text(encoding="utf-8"))
    return PlainWords(
        data["diseases"],
        [(re.compile(t["pattern"], re.IGNORECASE), t["says"]) for t in data["cell_therapies"]],
        data["cell_therapy_involves"],
        data["intervention_kinds"],
        data["phases"],
        data["statuses"],
    )


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


# Each sentence is built from plain values, so a trial page (from the record) and a result card (from the
# search index's card) say the same thing in the same words.
def _ages(minimum_age: str | None, maximum_age: str | None) -> str:
    low, high = age_in_years(minimum_age), age_in_years(maximum_age)
    if low is not None and high is not None:
        return f"aged {low:g} to {high:g}"
    if low is not None:
        return "adults" if low == 18 else f"aged {low:g} or older"
    if high is not None:
        return f"up to age {high:g}"
    return "of any age"


def _who(
    sex: str | None,
    minimum_age: str | None,
    maximum_age: str | None,
    diseases: list[str],
    constraints: list[dict[str, Any]],
) -> str:
    people = {"FEMALE": "women", "MALE": "men"}.get((sex or "ALL").upper(), "people")
    ages = _ages(minimum_age, maximum_age)
    subject = f"{people} {ages}" if ages != "adults" else ("adults" if people == "people" else f"adult {people}")
    words = plain_words().diseases
    plain = [words[d] for d in diseases if d in words][:1]
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


def _what(text: str, kinds: list[str], names: list[str], targets: list[str]) -> str:
    """``text``: the title and the interventions' words, where a cell therapy is named."""
    words = plain_words()
    what = next((says for pattern, says in words.cell_therapies if pattern.search(text)), None)
    if what is None:
        kind = next((k for k in kinds if k), None)
        what = f"It tests {words.intervention_kinds.get(kind, 'a treatment')}." if kind else ""
        what = what or "It studies a treatment or a group of patients."
    short = [n for n in names if len(n.split()) <= 3][:2]
    if short:
        what += f" Its name: {', '.join(short)}."
    if targets:
        what += f" It aims at {' and '.join(targets[:2])}, a marker on the cancer cells."
    return what


def _is_cell_therapy(what: str) -> bool:
    return any(says in what for _, says in plain_words().cell_therapies)


def _involves(study: Study, cell_therapy: bool) -> str:
    design = study.protocol_section.design_module
    words = plain_words()
    sentences = [next((words.phases[p] for p in study.phases if p in words.phases), "")]
    enrollment = design.enrollment_info.count if design.enrollment_info else None
    if enrollment:
        sentences.append(f"About {enrollment} people take part.")
    info = design.design_info
    if info and (info.allocation or "").upper() == "RANDOMIZED":
        sentences.append("People are put into groups by chance.")
    elif info and (info.intervention_model or "").upper() == "SINGLE_GROUP":
        sentences.append("Everyone gets the study treatment.")
    if cell_therapy:
        sentences.append(words.cell_therapy_involves)
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


def _status(status: str | None, last_update: str | None) -> str:
    said = plain_words().statuses.get(status or "UNKNOWN", "Its status is not known.")
    return said + (f" The record was last updated on {last_update}." if last_update else "")


def plain_summary(
    study: Study, constraints: list[dict[str, Any]], diseases: list[str], targets: list[str]
) -> PlainSummary:
    """The summary of a trial: ``diseases`` and ``targets`` as the search index derives them."""
    eligibility = study.protocol_section.eligibility_module
    interventions = study.protocol_section.arms_interventions_module.interventions
    text = " ".join(f"{i.name or ''} {i.description or ''}" for i in interventions) + " " + study.title
    what = _what(text, [i.type or "" for i in interventions], [i.name for i in interventions if i.name], targets)
    return PlainSummary(
        _who(eligibility.sex, eligibility.minimum_age, eligibility.maximum_age, diseases, constraints),
        what,
        _involves(study, _is_cell_therapy(what)),
        _where(study),
        _status(study.overall_status, study.last_update.isoformat() if study.last_update else None),
    )


def card_summary(card: dict[str, Any]) -> str:
    """Two sentences for a result card (who it is for, what is tested), from the search index's card alone
    (no criteria are read: a result list stays quick). The same words as the trial page's summary."""
    who = _who(card.get("sex"), card.get("minimum_age"), card.get("maximum_age"), card.get("diseases") or [], [])
    what = _what(card.get("title") or "", card.get("intervention_types") or [], [], card.get("targets") or [])
    return f"{who} {what.split('. ')[0].rstrip('.')}."


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
