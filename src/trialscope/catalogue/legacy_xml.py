"""Legacy ClinicalTrials.gov ``clinical_study`` XML (old bulk dumps, TREC corpora) -> API v2 study dict.

Parsing goes through defusedxml: registry files are untrusted input (no entity expansion, no DTD fetch).
The mapping follows the field names of the public.xsd schema to the API v2 modules; enumeration values
are re-spelt the way v2 spells them ("Active, not recruiting" -> ACTIVE_NOT_RECRUITING).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET

from trialscope.catalogue.records import drop_empty

_MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        start=1,
    )
}
_DATE_TYPES = {"actual": "ACTUAL", "anticipated": "ESTIMATED", "estimate": "ESTIMATED", "estimated": "ESTIMATED"}
_PHASES = {
    "early phase 1": ["EARLY_PHASE1"],
    "phase 0": ["EARLY_PHASE1"],
    "phase 1": ["PHASE1"],
    "phase 2": ["PHASE2"],
    "phase 3": ["PHASE3"],
    "phase 4": ["PHASE4"],
    "phase 1/phase 2": ["PHASE1", "PHASE2"],
    "phase 2/phase 3": ["PHASE2", "PHASE3"],
    "n/a": ["NA"],
}
_SEX = {"all": "ALL", "both": "ALL", "female": "FEMALE", "male": "MALE"}


class NotAStudyDocument(ValueError):
    """The XML parsed, but it is not a clinical_study record (an RSS search feed, say)."""


def parse_legacy_date(text: str | None) -> str | None:
    """'May 11, 2018' -> '2018-05-11'; 'June 2016' -> '2016-06'. Raises ValueError when impossible."""
    if not text:
        return None
    text = text.strip()
    match = re.fullmatch(r"([A-Za-z]+)\s+(?:(\d{1,2}),\s*)?(\d{4})", text)
    if not match:
        if re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", text):
            return text
        raise ValueError(f"unreadable date {text!r}")
    month_name, day, year = match.groups()
    month = _MONTHS.get(month_name.lower())
    if month is None:
        raise ValueError(f"unknown month in date {text!r}")
    if day:
        dt.date(int(year), month, int(day))  # raises on an impossible day
        return f"{year}-{month:02d}-{int(day):02d}"
    return f"{year}-{month:02d}"


def _enum(text: str | None) -> str | None:
    """'Active, not recruiting' -> 'ACTIVE_NOT_RECRUITING'."""
    if not text:
        return None
    return re.sub(r"[^A-Za-z0-9]+", "_", text.strip()).strip("_").upper() or None


def _text(node: Element | None, path: str) -> str | None:
    if node is None:
        return None
    found = node.find(path)
    if found is None:
        return None
    value = "".join(found.itertext()).strip()
    return value or None


def _textblock(node: Element, path: str) -> str | None:
    """Legacy text blocks are indented and hard-wrapped; keep paragraphs, unwrap lines."""
    value = _text(node, path)
    if value is None:
        return None
    paragraphs = re.split(r"\n\s*\n", value)
    lines = ["\n".join(line.strip() for line in p.strip().splitlines()) for p in paragraphs]
    return "\n\n".join(p for p in lines if p)


def _date_struct(root: Element, tag: str, field: str, errors: list[tuple[str, str]]) -> dict[str, str] | None:
    node = root.find(tag)
    if node is None or not (node.text or "").strip():
        return None
    try:
        date = parse_legacy_date(node.text)
    except ValueError as exc:
        errors.append((field, str(exc)))
        return None
    struct = {"date": date} if date else {}
    kind = _DATE_TYPES.get((node.get("type") or "").lower())
    if kind:
        struct["type"] = kind
    return struct or None


def _plain_date(root: Element, tag: str, field: str, errors: list[tuple[str, str]]) -> str | None:
    try:
        return parse_legacy_date(_text(root, tag))
    except ValueError as exc:
        errors.append((field, str(exc)))
        return None


def _yes_no(value: str | None) -> bool | None:
    if value is None:
        return None
    return value.strip().lower() in {"yes", "true"}


def _age(value: str | None) -> str | None:
    if not value or value.strip().upper() == "N/A":
        return None
    return value.strip()


def _contact(node: Element) -> dict[str, str]:
    name = " ".join(x for x in (_text(node, "first_name"), _text(node, "middle_name"), _text(node, "last_name")) if x)
    degrees = _text(node, "degrees")
    contact = {
        "name": f"{name}, {degrees}" if name and degrees else name,
        "phone": _text(node, "phone"),
        "phoneExt": _text(node, "phone_ext"),
        "email": _text(node, "email"),
        "role": _enum(_text(node, "role")),
    }
    return {k: v for k, v in contact.items() if v}


def convert_clinical_study(root: Element) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Map a parsed <clinical_study> element to an API v2 study dict.

    Returns the study and a list of (field, problem) pairs for values that could not be read (an
    impossible date, say); the caller decides whether they reject the record.
    """
    errors: list[tuple[str, str]] = []
    r = root
    enrollment_node = r.find("enrollment")
    enrollment: dict[str, Any] | None = None
    if enrollment_node is not None and (enrollment_node.text or "").strip():
        raw_count = (enrollment_node.text or "").strip()
        try:
            enrollment = {"count": int(raw_count)}
        except ValueError:
            errors.append(("protocolSection.designModule.enrollmentInfo.count", f"not a whole number: {raw_count!r}"))
            enrollment = {}
        kind = _DATE_TYPES.get((enrollment_node.get("type") or "").lower())
        if kind:
            enrollment["type"] = kind

    phases: list[str] = []
    phase = _text(r, "phase")
    if phase:
        phases = _PHASES.get(phase.lower(), [_enum(phase) or phase])

    locations = []
    for loc in r.findall("location"):
        facility = loc.find("facility")
        address = facility.find("address") if facility is not None else None
        contacts = [_contact(c) for c in (loc.find("contact"), loc.find("contact_backup")) if c is not None]
        locations.append(
            {
                "facility": _text(facility, "name"),
                "status": _enum(_text(loc, "status")),
                "city": _text(address, "city"),
                "state": _text(address, "state"),
                "zip": _text(address, "zip"),
                "country": _text(address, "country"),
                "contacts": contacts,
            }
        )

    study = {
        "protocolSection": {
            "identificationModule": {
                "nctId": _text(r, "id_info/nct_id"),
                "orgStudyIdInfo": {"id": _text(r, "id_info/org_study_id")},
                "secondaryIdInfos": [{"id": (s.text or "").strip()} for s in r.findall("id_info/secondary_id")],
                "briefTitle": _text(r, "brief_title"),
                "officialTitle": _text(r, "official_title"),
                "acronym": _text(r, "acronym"),
            },
            "statusModule": {
                "statusVerifiedDate": _plain_date(
                    r, "verification_date", "protocolSection.statusModule.statusVerifiedDate", errors
                ),
                "overallStatus": _enum(_text(r, "overall_status")),
                "lastKnownStatus": _enum(_text(r, "last_known_status")),
                "whyStopped": _text(r, "why_stopped"),
                "expandedAccessInfo": {"hasExpandedAccess": _yes_no(_text(r, "has_expanded_access"))},
                "startDateStruct": _date_struct(
                    r, "start_date", "protocolSection.statusModule.startDateStruct", errors
                ),
                "primaryCompletionDateStruct": _date_struct(
                    r, "primary_completion_date", "protocolSection.statusModule.primaryCompletionDateStruct", errors
                ),
                "completionDateStruct": _date_struct(
                    r, "completion_date", "protocolSection.statusModule.completionDateStruct", errors
                ),
                "studyFirstSubmitDate": _plain_date(
                    r, "study_first_submitted", "protocolSection.statusModule.studyFirstSubmitDate", errors
                ),
                "studyFirstPostDateStruct": _date_struct(
                    r, "study_first_posted", "protocolSection.statusModule.studyFirstPostDateStruct", errors
                ),
                "resultsFirstSubmitDate": _plain_date(
                    r, "results_first_submitted", "protocolSection.statusModule.resultsFirstSubmitDate", errors
                ),
                "resultsFirstPostDateStruct": _date_struct(
                    r, "results_first_posted", "protocolSection.statusModule.resultsFirstPostDateStruct", errors
                ),
                "lastUpdateSubmitDate": _plain_date(
                    r, "last_update_submitted", "protocolSection.statusModule.lastUpdateSubmitDate", errors
                ),
                "lastUpdatePostDateStruct": _date_struct(
                    r, "last_update_posted", "protocolSection.statusModule.lastUpdatePostDateStruct", errors
                ),
            },
            "sponsorCollaboratorsModule": {
                "responsibleParty": {
                    "type": _enum(_text(r, "responsible_party/responsible_party_type")),
                    "investigatorFullName": _text(r, "responsible_party/investigator_full_name"),
                    "investigatorTitle": _text(r, "responsible_party/investigator_title"),
                    "investigatorAffiliation": _text(r, "responsible_party/investigator_affiliation"),
                },
                "leadSponsor": {
                    "name": _text(r, "sponsors/lead_sponsor/agency"),
                    "class": _enum(_text(r, "sponsors/lead_sponsor/agency_class")),
                },
                "collaborators": [
                    {"name": _text(c, "agency"), "class": _enum(_text(c, "agency_class"))}
                    for c in r.findall("sponsors/collaborator")
                ],
            },
            "oversightModule": {
                "oversightHasDmc": _yes_no(_text(r, "oversight_info/has_dmc")),
                "isFdaRegulatedDrug": _yes_no(_text(r, "oversight_info/is_fda_regulated_drug")),
                "isFdaRegulatedDevice": _yes_no(_text(r, "oversight_info/is_fda_regulated_device")),
                "isUnapprovedDevice": _yes_no(_text(r, "oversight_info/is_unapproved_device")),
                "isPpsd": _yes_no(_text(r, "oversight_info/is_ppsd")),
                "isUsExport": _yes_no(_text(r, "oversight_info/is_us_export")),
            },
            "descriptionModule": {
                "briefSummary": _textblock(r, "brief_summary/textblock"),
                "detailedDescription": _textblock(r, "detailed_description/textblock"),
            },
            "conditionsModule": {
                "conditions": [(c.text or "").strip() for c in r.findall("condition")],
                "keywords": [(k.text or "").strip() for k in r.findall("keyword")],
            },
            "designModule": {
                "studyType": _enum(_text(r, "study_type")),
                "phases": phases,
                "targetDuration": _text(r, "target_duration"),
                "designInfo": {
                    "allocation": _enum(_text(r, "study_design_info/allocation")),
                    "interventionModel": _enum(_text(r, "study_design_info/intervention_model")),
                    "interventionModelDescription": _text(r, "study_design_info/intervention_model_description"),
                    "primaryPurpose": _enum(_text(r, "study_design_info/primary_purpose")),
                    "observationalModel": _enum(_text(r, "study_design_info/observational_model")),
                    "timePerspective": _enum(_text(r, "study_design_info/time_perspective")),
                    "maskingInfo": {
                        "masking": _enum((_text(r, "study_design_info/masking") or "").split("(")[0]),
                        "maskingDescription": _text(r, "study_design_info/masking_description"),
                    },
                },
                "enrollmentInfo": enrollment,
            },
            "armsInterventionsModule": {
                "armGroups": [
                    {
                        "label": _text(a, "arm_group_label"),
                        "type": _enum(_text(a, "arm_group_type")),
                        "description": _text(a, "description"),
                    }
                    for a in r.findall("arm_group")
                ],
                "interventions": [
                    {
                        "type": _enum(_text(i, "intervention_type")),
                        "name": _text(i, "intervention_name"),
                        "description": _text(i, "description"),
                        "armGroupLabels": [(x.text or "").strip() for x in i.findall("arm_group_label")],
                        "otherNames": [(x.text or "").strip() for x in i.findall("other_name")],
                    }
                    for i in r.findall("intervention")
                ],
            },
            "outcomesModule": {
                f"{kind}Outcomes": [
                    {
                        "measure": _text(o, "measure"),
                        "timeFrame": _text(o, "time_frame"),
                        "description": _text(o, "description"),
                    }
                    for o in r.findall(f"{kind}_outcome")
                ]
                for kind in ("primary", "secondary", "other")
            },
            "eligibilityModule": {
                "eligibilityCriteria": _textblock(r, "eligibility/criteria/textblock"),
                "healthyVolunteers": _yes_no(
                    "yes"
                    if (_text(r, "eligibility/healthy_volunteers") or "").lower().startswith("accepts")
                    else ("no" if _text(r, "eligibility/healthy_volunteers") else None)
                ),
                "sex": _SEX.get((_text(r, "eligibility/gender") or "").lower()),
                "minimumAge": _age(_text(r, "eligibility/minimum_age")),
                "maximumAge": _age(_text(r, "eligibility/maximum_age")),
                "studyPopulation": _textblock(r, "eligibility/study_pop/textblock"),
                "samplingMethod": _enum(_text(r, "eligibility/sampling_method")),
            },
            "contactsLocationsModule": {
                "centralContacts": [
                    _contact(c) for c in (r.find("overall_contact"), r.find("overall_contact_backup")) if c is not None
                ],
                "overallOfficials": [
                    {
                        "name": _contact(o).get("name"),
                        "affiliation": _text(o, "affiliation"),
                        "role": _enum(_text(o, "role")),
                    }
                    for o in r.findall("overall_official")
                ],
                "locations": locations,
            },
            "referencesModule": {
                "references": [
                    {"citation": _text(x, "citation"), "pmid": _text(x, "PMID"), "type": t}
                    for tag, t in (("reference", "BACKGROUND"), ("results_reference", "RESULT"))
                    for x in r.findall(tag)
                ],
                "seeAlsoLinks": [{"label": _text(x, "description"), "url": _text(x, "url")} for x in r.findall("link")],
            },
            "ipdSharingStatementModule": {
                "ipdSharing": _enum(_text(r, "patient_data/sharing_ipd")),
                "description": _text(r, "patient_data/ipd_description"),
                "timeFrame": _text(r, "patient_data/ipd_time_frame"),
                "accessCriteria": _text(r, "patient_data/ipd_access_criteria"),
                "url": _text(r, "patient_data/ipd_url"),
            },
        },
        "documentSection": {
            "largeDocumentModule": {
                "largeDocs": [
                    {"label": _text(d, "document_type"), "filename": _text(d, "document_url")}
                    for d in r.findall("provided_document_section/provided_document")
                ]
            }
        },
        "derivedSection": {
            "conditionBrowseModule": {
                "meshes": [{"term": (m.text or "").strip()} for m in r.findall("condition_browse/mesh_term")]
            },
            "interventionBrowseModule": {
                "meshes": [{"term": (m.text or "").strip()} for m in r.findall("intervention_browse/mesh_term")]
            },
        },
        "hasResults": r.find("clinical_results") is not None,
    }
    cleaned: dict[str, Any] = drop_empty(study)
    cleaned["hasResults"] = study["hasResults"]
    return cleaned, errors


def read_clinical_study(data: bytes) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Parse XML bytes (defused) and convert. Raises SafeET.ParseError or NotAStudyDocument."""
    root = SafeET.fromstring(data)
    if root.tag == "rss":
        raise NotAStudyDocument("an RSS search feed, not a clinical_study record")
    if root.tag != "clinical_study":
        raise NotAStudyDocument(f"root element <{root.tag}> is not <clinical_study>")
    return convert_clinical_study(root)


ParseError = SafeET.ParseError
