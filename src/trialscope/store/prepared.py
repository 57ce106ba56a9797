"""A checked record reduced to what the store writes: the canonical JSON, its hash, and the rows of the
``trials`` and ``trial_locations`` tables. Small and picklable (no pydantic objects), so the reading and
checking half of an import can run in another process than the writing half."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import orjson

from trialscope.catalogue.validate import CheckedRecord
from trialscope.model.age import AgeRange
from trialscope.model.study import Study, parse_study, partial_date_to_date


@dataclass(slots=True)
class PreparedRecord:
    nct_id: str
    source: str
    partial: bool
    origin: str
    batch: str
    raw: str | None
    canonical: bytes  # the study as canonical JSON (sorted keys): what is stored, what is hashed
    content_hash: str
    columns: dict[str, Any]  # summary columns of the trials table
    locations: list[dict[str, Any]]  # rows of trial_locations

    @property
    def last_update(self) -> dt.date | None:
        value: dt.date | None = self.columns["last_update"]
        return value

    @property
    def overall_status(self) -> str | None:
        value: str | None = self.columns["overall_status"]
        return value

    def document(self) -> dict[str, Any]:
        """The study as a dict (parsed again from the canonical JSON)."""
        document: dict[str, Any] = orjson.loads(self.canonical)
        return document

    def study(self) -> Study:
        return parse_study(self.document())


def matching_columns(study: Study) -> dict[str, Any]:
    """What matching filters on before evaluating criteria."""
    from trialscope.criteria.targets import condition_concepts
    from trialscope.criteria.vocabulary import vocabulary

    vocab = vocabulary()
    protocol = study.protocol_section
    eligibility = protocol.eligibility_module
    concepts = condition_concepts(study, vocab)
    return {
        **age_columns(eligibility.minimum_age, eligibility.maximum_age),
        "sex": (eligibility.sex or "ALL").upper(),
        "condition_concepts": "|" + "|".join(concepts) + "|" if concepts else None,
    }


def age_columns(minimum_age: str | None, maximum_age: str | None) -> dict[str, Any]:
    """A record's age limits as written and the ages in years they admit (model/age.py ``AgeRange``)."""
    admitted = AgeRange.of(minimum_age, maximum_age)
    return {
        "minimum_age": minimum_age,
        "maximum_age": maximum_age,
        "age_from_years": admitted.start,
        "age_below_years": admitted.end,
    }


def trial_columns(study: Study) -> dict[str, Any]:
    protocol = study.protocol_section
    start = protocol.status_module.start_date_struct
    sponsor = protocol.sponsor_collaborators_module.lead_sponsor
    return {
        "brief_title": study.title,
        "overall_status": study.overall_status,
        "study_type": protocol.design_module.study_type,
        "phases": "|".join(study.phases) or None,
        "lead_sponsor": sponsor.name if sponsor else None,
        "sponsor_class": sponsor.class_ if sponsor else None,
        "has_results": study.has_results,
        "start_date": partial_date_to_date(start.date if start else None),
        "last_update": study.last_update,
        **matching_columns(study),
    }


def location_rows(nct_id: str, study: Study) -> list[dict[str, Any]]:
    return [
        {
            "nct_id": nct_id,
            "position": position,
            "facility": loc.facility,
            "status": loc.status,
            "city": loc.city,
            "state": loc.state,
            "zip": loc.zip,
            "country": loc.country,
            "lat": loc.geo_point.lat if loc.geo_point else None,
            "lon": loc.geo_point.lon if loc.geo_point else None,
        }
        for position, loc in enumerate(study.locations)
    ]


def prepare(checked: CheckedRecord) -> PreparedRecord:
    record = checked.record
    return PreparedRecord(
        nct_id=checked.nct_id,
        source=record.source,
        partial=record.partial,
        origin=record.origin,
        batch=record.batch,
        raw=record.raw,
        canonical=checked.canonical,
        content_hash=checked.content_hash,
        columns=trial_columns(checked.study),
        locations=location_rows(checked.nct_id, checked.study),
    )
