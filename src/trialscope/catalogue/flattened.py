"""Flattened trial rows (the CAR-T monitor's ``trials.csv`` + ``sites.csv``, and its ``sample_v1.json``)
-> partial API v2 study dicts.

A flattened row carries a fraction of a record (no contacts, no arms' details, ...), so every study built
here is marked partial: a full API record always supersedes it. Columns the API does not have (the
monitor's own disease and target-antigen classifications) are kept under the provenance key, for search
to compare against.
"""

from __future__ import annotations

from typing import Any

from trialscope.catalogue.records import PROVENANCE_KEY, drop_empty

SOURCE_NAME = "car-t-monitor"

# The columns that make a file a flattened trial table / site table.
TRIAL_COLUMNS = {"NCTId", "BriefTitle", "OverallStatus"}
SITE_COLUMNS = {"NCTId", "Facility", "Country"}

# Monitor-only classification columns, kept verbatim under provenance.
_CLASSIFICATION_COLUMNS = (
    "Branch",
    "DiseaseCategory",
    "DiseaseEntity",
    "DiseaseEntities",
    "TrialDesign",
    "TargetCategory",
    "TargetSource",
    "ProductType",
    "ProductTypeSource",
    "ProductName",
    "AgeGroup",
    "SponsorType",
    "ClassificationConfidence",
    "SnapshotDate",
)


_NOT_STATED = {"unknown", "n/a", "none", "nan"}


def _split(value: Any) -> list[str]:
    if value is None:
        return []
    return [part.strip() for part in str(value).split("|") if part.strip()]


def _phases(value: Any) -> list[str]:
    """The monitor writes 'Unknown' where the API has no phase: that is no phase, not a phase."""
    return [p for p in _split(value) if p.lower() not in _NOT_STATED]


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _date(value: Any) -> str | None:
    """'2024-02-26T00:00:00' -> '2024-02-26'; '' -> None."""
    text = _clean(value)
    return text.split("T", 1)[0] if text else None


def _count(value: Any) -> int | str | None:
    """'50.0' -> 50. A value that is not a number is passed on as-is so validation names it."""
    text = _clean(value)
    if text is None:
        return None
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() else text


def _coordinate(value: Any) -> float | str | None:
    text = _clean(value)
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return text


def site_to_location(site: dict[str, Any]) -> dict[str, Any]:
    location: dict[str, Any] = {
        key: _clean(site.get(column))
        for key, column in (
            ("facility", "Facility"),
            ("status", "SiteStatus"),
            ("city", "City"),
            ("state", "State"),
            ("zip", "Zip"),
            ("country", "Country"),
        )
    }
    lat, lon = _coordinate(site.get("Latitude")), _coordinate(site.get("Longitude"))
    if lat is not None and lon is not None:
        location["geoPoint"] = {"lat": lat, "lon": lon}
    return {k: v for k, v in location.items() if v is not None}


def row_to_study(row: dict[str, Any], sites: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Build a partial v2 study from one flattened row and its site rows."""

    def date_struct(column: str) -> dict[str, str] | None:
        date = _date(row.get(column))
        return {"date": date} if date else None

    eligibility: dict[str, Any] = {
        "eligibilityCriteria": _clean(row.get("EligibilityCriteria")),
        "minimumAge": _clean(row.get("MinAge")),
        "maximumAge": _clean(row.get("MaxAge")),
        "stdAges": _split(row.get("StdAges")),
    }
    arms = [{"description": d} for d in _split(row.get("ArmGroupDescriptions"))]
    interventions = [{"name": name} for name in _split(row.get("Interventions"))]
    descriptions = _split(row.get("InterventionDescription"))
    if len(descriptions) == len(interventions):
        for intervention, description in zip(interventions, descriptions, strict=True):
            intervention["description"] = description
    enrollment = _count(row.get("EnrollmentCount"))
    design_info = {
        "allocation": _clean(row.get("Allocation")),
        "interventionModel": _clean(row.get("InterventionModel")),
        "maskingInfo": {"masking": _clean(row.get("Masking"))} if _clean(row.get("Masking")) else None,
    }
    provenance: dict[str, Any] = {"source": SOURCE_NAME, "partial": True}
    countries = _split(row.get("Countries"))
    if countries:
        provenance["countries"] = countries
    classification = {c: _clean(row.get(c)) for c in _CLASSIFICATION_COLUMNS if _clean(row.get(c))}
    if classification:
        provenance["classification"] = classification

    study: dict[str, Any] = {
        "protocolSection": {
            "identificationModule": {"nctId": _clean(row.get("NCTId")), "briefTitle": _clean(row.get("BriefTitle"))},
            "statusModule": {
                "overallStatus": _clean(row.get("OverallStatus")),
                "startDateStruct": date_struct("StartDate"),
                "primaryCompletionDateStruct": date_struct("PrimaryCompletionDate"),
                "completionDateStruct": date_struct("CompletionDate"),
                "lastUpdatePostDateStruct": date_struct("LastUpdatePostDate"),
            },
            "sponsorCollaboratorsModule": {
                "leadSponsor": {"name": _clean(row.get("LeadSponsor")), "class": _clean(row.get("LeadSponsorClass"))},
                "collaborators": [{"name": n} for n in _split(row.get("CollaboratorNames"))],
                "responsibleParty": {
                    "type": _clean(row.get("ResponsiblePartyType")),
                    "investigatorFullName": _clean(row.get("ResponsiblePartyName")),
                },
            },
            "descriptionModule": {
                "briefSummary": _clean(row.get("BriefSummary")),
                "detailedDescription": _clean(row.get("DetailedDescription")),
            },
            "conditionsModule": {
                "conditions": _split(row.get("Conditions")),
                "keywords": _split(row.get("ConditionKeywords")),
            },
            "designModule": {
                "studyType": _clean(row.get("StudyType")),
                "phases": _phases(row.get("Phase")),
                "designInfo": design_info,
                "enrollmentInfo": {"count": enrollment} if enrollment is not None else None,
            },
            "armsInterventionsModule": {"armGroups": arms, "interventions": interventions},
            "outcomesModule": {"primaryOutcomes": [{"measure": m} for m in _split(row.get("PrimaryEndpoints"))]},
            "eligibilityModule": eligibility,
            "contactsLocationsModule": {"locations": [site_to_location(s) for s in sites or []]},
        },
        PROVENANCE_KEY: provenance,
    }
    return drop_empty(study)  # type: ignore[no-any-return]
