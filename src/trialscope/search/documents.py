"""A trial as the search index sees it: the texts searched (by field), the values filtered and counted on,
the open sites' places, and the card shown in a result list.

Everything here is derived from the stored record alone, so the same catalogue gives the same index on
either store backend.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from trialscope.catalogue.freshness import Freshness, judge_listing
from trialscope.criteria.targets import condition_concepts, trial_targets
from trialscope.criteria.vocabulary import Vocabulary, vocabulary
from trialscope.geo import canonical_city
from trialscope.model.age import AgeRange
from trialscope.model.statuses import OPEN_STATUSES, SITE_OPEN
from trialscope.model.study import DateStruct, Study, partial_date_to_date
from trialscope.search.chinese import with_bigrams
from trialscope.search.synonyms import synonyms

# Site statuses counted as open for distance (a site whose status is not stated counts too: many records
# give only the overall status).
GEO_SCALE = 100  # site coordinates kept to 0.01 degree (about 1 km; registry coordinates are city-level)
# Each whole year of age a trial admits, as a term: "open to a 45-year-old" is then one term's postings
# instead of two ranges over the age columns, a fraction of their cost (benchmarks/README.md, Search). Other
# ages use the ranges.
AGE_YEAR_TERMS = range(0, 101)

# Searchable text fields and how much a match in each weighs.
TEXT_FIELDS: dict[str, float] = {
    "title": 3.0,
    "condition": 2.0,
    "intervention": 2.0,
    "keyword": 1.5,
    "summary": 1.0,
    "arm": 1.0,
    "sponsor": 1.0,
    "id": 1.0,
    "description": 0.7,
    "eligibility": 0.5,
}


def geo_term(lat: float, lon: float) -> str:
    return f"{round(lat * GEO_SCALE)}_{round(lon * GEO_SCALE)}"


def geo_point(term: str) -> tuple[float, float]:
    lat, lon = term.split("_")
    return int(lat) / GEO_SCALE, int(lon) / GEO_SCALE


def _day(value: dt.date | None) -> int:
    """A date as yyyymmdd (0 when unknown: sorts last when newest come first)."""
    return value.year * 10000 + value.month * 100 + value.day if value else 0


def _iso(struct: DateStruct | None) -> str | None:
    when = partial_date_to_date(struct.date if struct else None)
    return when.isoformat() if when else None


def card_freshness(card: dict[str, Any], today: dt.date | None = None) -> Freshness:
    """Whether a result card's listing looks out of date (the same rules as a trial page)."""

    def day(value: str | None) -> dt.date | None:
        return partial_date_to_date(value) if value else None

    completions = {label: day(value) for label, value in (card.get("completion_dates") or {}).items()}
    return judge_listing(
        card.get("status"), day(card.get("last_update")), completions, day(card.get("start_date")), today
    )


def _condition_concepts(study: Study, vocab: Vocabulary) -> list[str]:
    """Diseases named by the conditions, keywords and title (``condition_concepts``), with everything they
    are a kind of."""
    found: set[str] = set()
    for concept in condition_concepts(study, vocab):
        found |= vocab.concept_ancestors(concept)
    return sorted(found)


@dataclass(slots=True)
class TrialDocument:
    nct_id: str
    texts: dict[str, list[str]]
    keywords: dict[str, list[str]]  # exact-value fields: filters and facets
    numbers: dict[str, int | float]
    card: dict[str, Any]

    def as_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {"nct_id": self.nct_id, "nct": int(self.nct_id[3:])}
        fields |= {k: v for k, v in self.texts.items() if v}
        fields |= {k: v for k, v in self.keywords.items() if v}
        return fields | self.numbers


# Facets counted through composite fields: each holds one term per trial joining its facets' values
# ("RECRUITING|PHASE1+PHASE2|INTERVENTIONAL|no"), so one count over the matching trials gives all of them
# (split again by facet_counts). A field of one value per trial is counted several times faster than a
# field of several values (phases, targets, diseases), so even a facet alone (disease, country) has its
# composite. Facets are grouped so that the number of distinct terms stays small: hundreds for the groups;
# a trial's set of countries is one of thousands (600k synthetic trials: 2.7k), still counted 5 times
# faster as one term per trial than as several.
COMPOSITE_FACETS: dict[str, tuple[str, ...]] = {
    "combo_design": ("status", "phase", "study_type", "results"),
    "combo_people": ("sex", "age_group", "healthy", "sponsor_class"),
    "combo_what": ("target", "intervention_type"),
    "combo_disease": ("disease",),
    "combo_country": ("country",),
}


def composite_term(keywords: dict[str, list[str]], facets: tuple[str, ...]) -> str:
    return "|".join("+".join(sorted(set(keywords.get(f, [])))) for f in facets)


@lru_cache(maxsize=65_536)
def split_composite(term: str, facets: tuple[str, ...]) -> Mapping[str, tuple[str, ...]]:
    """The facet values a composite term holds (the inverse of ``composite_term``; kept, as every facet
    count splits the same few thousand terms again)."""
    return MappingProxyType(
        {f: tuple(v for v in part.split("+") if v) for f, part in zip(facets, term.split("|"), strict=True)}
    )


def trial_concepts(study: Study, vocab: Vocabulary | None = None) -> tuple[list[str], list[str]]:
    """The trial's disease concepts and target antigens, as its card and its facets hold them (what a trial
    page needs of its search document, without the texts)."""
    vocab = vocab or vocabulary()
    return _condition_concepts(study, vocab), trial_targets(study, vocab)


def trial_document(study: Study, vocab: Vocabulary | None = None) -> TrialDocument:
    vocab = vocab or vocabulary()
    protocol = study.protocol_section
    ident = protocol.identification_module
    arms = protocol.arms_interventions_module
    eligibility = protocol.eligibility_module
    sponsors = protocol.sponsor_collaborators_module
    conditions = protocol.conditions_module
    status = protocol.status_module
    lead = sponsors.lead_sponsor
    texts = {
        "title": [t for t in (ident.brief_title, ident.official_title, ident.acronym) if t],
        "summary": [protocol.description_module.brief_summary or ""],
        "description": [protocol.description_module.detailed_description or ""],
        "condition": [*conditions.conditions, *study.mesh_terms],
        "keyword": list(conditions.keywords),
        "intervention": [
            text for i in arms.interventions for text in (i.name or "", i.description or "", *i.other_names) if text
        ],
        "arm": [text for a in arms.arm_groups for text in (a.label or "", a.description or "") if text],
        "eligibility": [eligibility.eligibility_criteria or ""],
        "sponsor": [s.name for s in (lead, *sponsors.collaborators) if s and s.name],
        "id": [
            study.nct_id,
            *([ident.org_study_id_info.id] if ident.org_study_id_info and ident.org_study_id_info.id else []),
            *(s.id for s in ident.secondary_id_infos if s.id),
        ],
    }
    known = synonyms()
    for name, values in texts.items():  # each written form of a synonym group also indexes the group's word
        tokens = known.tokens_in("\n".join(values))
        texts[name] = [with_bigrams(v) for v in values]  # Chinese as CJK bigrams (search/chinese.py)
        if tokens:
            texts[name].append(" ".join(tokens))
    open_sites = [loc for loc in study.locations if loc.status is None or loc.status.upper() in SITE_OPEN]
    concepts, targets = trial_concepts(study, vocab)
    overall = study.overall_status or "UNKNOWN"
    keywords = {
        "status": [overall],
        "open": ["yes" if overall in OPEN_STATUSES else "no"],
        "phase": study.phases or ["NA"],
        "study_type": [protocol.design_module.study_type or "UNKNOWN"],
        "intervention_type": sorted({i.type for i in arms.interventions if i.type}),
        "target": targets,
        "disease": concepts,
        "sex": [(eligibility.sex or "ALL").upper()],
        "age_group": list(eligibility.std_ages),
        "healthy": ["yes" if eligibility.healthy_volunteers else "no"],
        "country": study.countries,
        "state": sorted({loc.state for loc in study.locations if loc.state}),
        "city": sorted({c for loc in study.locations if (c := canonical_city(loc.city, loc.country))}),
        "open_country": sorted({loc.country for loc in open_sites if loc.country}),
        "geo": sorted({geo_term(loc.geo_point.lat, loc.geo_point.lon) for loc in open_sites if loc.geo_point}),
        "sponsor_class": [lead.class_ if lead and lead.class_ else "UNKNOWN"],
        "results": ["yes" if study.has_results else "no"],
    }
    for name, facets in COMPOSITE_FACETS.items():
        keywords[name] = [composite_term(keywords, facets)]
    admitted = AgeRange.of(eligibility.minimum_age, eligibility.maximum_age)  # by the age rule (model/age.py)
    keywords["age_year"] = [f"{year}" for year in AGE_YEAR_TERMS if admitted.admits(year)]
    low = admitted.start if admitted.start is not None else 0.0
    high = admitted.end if admitted.end is not None else 999.0
    start = status.start_date_struct
    nct = int(study.nct_id[3:])
    start_day = _day(partial_date_to_date(start.date if start else None))
    updated_day = _day(study.last_update)
    numbers: dict[str, int | float] = {
        "min_age": low,  # the youngest age admitted
        "max_age": high,  # the youngest age past the maximum (not admitted)
        "start": start_day,
        "updated": updated_day,
        # sort keys: the date, then (for equal dates, newest first) the lower NCT ID first
        "start_order": start_day * 10**8 + (10**8 - 1 - nct),
        "updated_order": updated_day * 10**8 + (10**8 - 1 - nct),
    }
    card = {
        "nct_id": study.nct_id,
        "title": study.title,
        "status": overall,
        "phases": study.phases,
        "study_type": protocol.design_module.study_type,
        "conditions": list(conditions.conditions[:6]),
        "targets": targets,
        "diseases": concepts,
        "intervention_types": keywords["intervention_type"],
        "sponsor": lead.name if lead else None,
        "minimum_age": eligibility.minimum_age,
        "maximum_age": eligibility.maximum_age,
        "sex": keywords["sex"][0],
        "last_update": study.last_update.isoformat() if study.last_update else None,
        "start_date": start.date if start else None,
        "completion_dates": {
            "completion": _iso(status.completion_date_struct),
            "primary completion": _iso(status.primary_completion_date_struct),
        },
        "countries": study.countries[:8],
        "sites": len(study.locations),
    }
    return TrialDocument(study.nct_id, texts, keywords, numbers, card)
