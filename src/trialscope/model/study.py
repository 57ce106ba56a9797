"""Typed model of a ClinicalTrials.gov API v2 study record.

Only the modules a trial page shows are typed; everything else stays in the raw record, which the store
keeps beside the model, so nothing is lost on import. Enumerations (status, phase, ...) are kept as the
API spells them (``RECRUITING``, ``PHASE1``) and not closed into Python enums: the registry adds values
over time and an unknown value must not reject a record.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

NCT_ID_PATTERN = re.compile(r"^NCT\d{8}$")
NCT_ID_IN_A_PATH = r"^[Nn][Cc][Tt]\d{8}$"  # an NCT ID as a route accepts it (any case)
_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def check_partial_date(value: str) -> str:
    """Accept ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` naming a real calendar date."""
    match = _PARTIAL_DATE.match(value)
    if not match:
        raise ValueError(f"not a date in YYYY[-MM[-DD]] form: {value!r}")
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    if not 1900 <= year <= 2100:
        raise ValueError(f"impossible year in date {value!r}")
    try:
        dt.date(year, month or 1, day or 1)
    except ValueError:
        raise ValueError(f"impossible date {value!r}") from None
    return value


def partial_date_to_date(value: str | None) -> dt.date | None:
    """The first day a partial date can mean (``2025-09`` -> 2025-09-01), or None."""
    if not value:
        return None
    match = _PARTIAL_DATE.match(value)
    if not match:
        return None
    year, month, day = (int(g) if g else 1 for g in match.groups())
    return dt.date(year, month, day)


PartialDate = Annotated[str, AfterValidator(check_partial_date)]


def check_nct_id(value: str) -> str:
    if not NCT_ID_PATTERN.match(value):
        raise ValueError(f"malformed NCT ID {value!r} (expected NCT followed by 8 digits)")
    return value


NctId = Annotated[str, AfterValidator(check_nct_id)]


class ApiModel(BaseModel):
    """Base: camelCase field names as in the API, unknown fields ignored (they live in the raw record)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class DateStruct(ApiModel):
    date: PartialDate | None = None
    type: str | None = None  # ACTUAL | ESTIMATED


# --- identification ---------------------------------------------------------------------------------
class OrgStudyIdInfo(ApiModel):
    id: str | None = None
    type: str | None = None
    link: str | None = None


class SecondaryIdInfo(ApiModel):
    id: str
    type: str | None = None
    domain: str | None = None
    link: str | None = None


class Organization(ApiModel):
    full_name: str | None = None
    class_: str | None = Field(default=None, alias="class")


class IdentificationModule(ApiModel):
    nct_id: NctId
    org_study_id_info: OrgStudyIdInfo | None = None
    secondary_id_infos: list[SecondaryIdInfo] = Field(default_factory=list)
    organization: Organization | None = None
    brief_title: str | None = None
    official_title: str | None = None
    acronym: str | None = None


# --- status -------------------------------------------------------------------------------------------
class ExpandedAccessInfo(ApiModel):
    has_expanded_access: bool | None = None
    nct_id: str | None = None
    status_for_nct_id: str | None = None


class StatusModule(ApiModel):
    status_verified_date: PartialDate | None = None
    overall_status: str | None = None
    last_known_status: str | None = None
    why_stopped: str | None = None
    expanded_access_info: ExpandedAccessInfo | None = None
    start_date_struct: DateStruct | None = None
    primary_completion_date_struct: DateStruct | None = None
    completion_date_struct: DateStruct | None = None
    study_first_submit_date: PartialDate | None = None
    study_first_post_date_struct: DateStruct | None = None
    results_first_submit_date: PartialDate | None = None
    results_first_post_date_struct: DateStruct | None = None
    last_update_submit_date: PartialDate | None = None
    last_update_post_date_struct: DateStruct | None = None


# --- sponsor / oversight / description / conditions -----------------------------------------------------
class Sponsor(ApiModel):
    name: str | None = None
    class_: str | None = Field(default=None, alias="class")


class ResponsibleParty(ApiModel):
    type: str | None = None
    investigator_full_name: str | None = None
    investigator_title: str | None = None
    investigator_affiliation: str | None = None
    old_name_title: str | None = None
    old_organization: str | None = None


class SponsorCollaboratorsModule(ApiModel):
    responsible_party: ResponsibleParty | None = None
    lead_sponsor: Sponsor | None = None
    collaborators: list[Sponsor] = Field(default_factory=list)


class OversightModule(ApiModel):
    oversight_has_dmc: bool | None = None
    is_fda_regulated_drug: bool | None = None
    is_fda_regulated_device: bool | None = None
    is_unapproved_device: bool | None = None
    is_ppsd: bool | None = None
    is_us_export: bool | None = None
    fdaaa801_violation: bool | None = None


class DescriptionModule(ApiModel):
    brief_summary: str | None = None
    detailed_description: str | None = None


class ConditionsModule(ApiModel):
    conditions: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)


# --- design ---------------------------------------------------------------------------------------------
class MaskingInfo(ApiModel):
    masking: str | None = None
    masking_description: str | None = None
    who_masked: list[str] = Field(default_factory=list)


class DesignInfo(ApiModel):
    allocation: str | None = None
    intervention_model: str | None = None
    intervention_model_description: str | None = None
    primary_purpose: str | None = None
    observational_model: str | None = None
    time_perspective: str | None = None
    masking_info: MaskingInfo | None = None


class EnrollmentInfo(ApiModel):
    count: int | None = Field(default=None, ge=0)
    type: str | None = None  # ACTUAL | ESTIMATED


class DesignModule(ApiModel):
    study_type: str | None = None
    patient_registry: bool | None = None
    target_duration: str | None = None
    phases: list[str] = Field(default_factory=list)
    design_info: DesignInfo | None = None
    enrollment_info: EnrollmentInfo | None = None


# --- arms, interventions, outcomes ----------------------------------------------------------------------
class ArmGroup(ApiModel):
    label: str | None = None
    type: str | None = None
    description: str | None = None
    intervention_names: list[str] = Field(default_factory=list)


class Intervention(ApiModel):
    type: str | None = None
    name: str | None = None
    description: str | None = None
    arm_group_labels: list[str] = Field(default_factory=list)
    other_names: list[str] = Field(default_factory=list)


class ArmsInterventionsModule(ApiModel):
    arm_groups: list[ArmGroup] = Field(default_factory=list)
    interventions: list[Intervention] = Field(default_factory=list)


class Outcome(ApiModel):
    measure: str | None = None
    description: str | None = None
    time_frame: str | None = None


class OutcomesModule(ApiModel):
    primary_outcomes: list[Outcome] = Field(default_factory=list)
    secondary_outcomes: list[Outcome] = Field(default_factory=list)
    other_outcomes: list[Outcome] = Field(default_factory=list)


# --- eligibility ----------------------------------------------------------------------------------------
class EligibilityModule(ApiModel):
    eligibility_criteria: str | None = None
    healthy_volunteers: bool | None = None
    sex: str | None = None  # ALL | FEMALE | MALE
    gender_based: bool | None = None
    minimum_age: str | None = None  # "18 Years"
    maximum_age: str | None = None
    std_ages: list[str] = Field(default_factory=list)
    study_population: str | None = None
    sampling_method: str | None = None


# --- contacts and locations -----------------------------------------------------------------------------
class Contact(ApiModel):
    name: str | None = None
    role: str | None = None
    phone: str | None = None
    phone_ext: str | None = None
    email: str | None = None


class Official(ApiModel):
    name: str | None = None
    affiliation: str | None = None
    role: str | None = None


class GeoPoint(ApiModel):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Location(ApiModel):
    facility: str | None = None
    status: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    contacts: list[Contact] = Field(default_factory=list)
    geo_point: GeoPoint | None = None


class ContactsLocationsModule(ApiModel):
    central_contacts: list[Contact] = Field(default_factory=list)
    overall_officials: list[Official] = Field(default_factory=list)
    locations: list[Location] = Field(default_factory=list)


# --- references, IPD, documents -------------------------------------------------------------------------
class Reference(ApiModel):
    pmid: str | None = None
    type: str | None = None
    citation: str | None = None


class SeeAlsoLink(ApiModel):
    label: str | None = None
    url: str | None = None


class ReferencesModule(ApiModel):
    references: list[Reference] = Field(default_factory=list)
    see_also_links: list[SeeAlsoLink] = Field(default_factory=list)


class IpdSharingStatementModule(ApiModel):
    ipd_sharing: str | None = None
    description: str | None = None
    info_types: list[str] = Field(default_factory=list)
    time_frame: str | None = None
    access_criteria: str | None = None
    url: str | None = None


class LargeDoc(ApiModel):
    type_abbrev: str | None = None
    has_protocol: bool | None = None
    has_sap: bool | None = None
    has_icf: bool | None = None
    label: str | None = None
    date: PartialDate | None = None
    upload_date: str | None = None
    filename: str | None = None
    size: int | None = None


class LargeDocumentModule(ApiModel):
    no_sap: bool | None = None
    large_docs: list[LargeDoc] = Field(default_factory=list)


class DocumentSection(ApiModel):
    large_document_module: LargeDocumentModule | None = None


class MeshTerm(ApiModel):
    id: str | None = None
    term: str | None = None


class BrowseModule(ApiModel):
    meshes: list[MeshTerm] = Field(default_factory=list)
    ancestors: list[MeshTerm] = Field(default_factory=list)


class DerivedSection(ApiModel):
    condition_browse_module: BrowseModule | None = None
    intervention_browse_module: BrowseModule | None = None


# --- the study ------------------------------------------------------------------------------------------
class ProtocolSection(ApiModel):
    identification_module: IdentificationModule
    status_module: StatusModule = Field(default_factory=StatusModule)
    sponsor_collaborators_module: SponsorCollaboratorsModule = Field(default_factory=SponsorCollaboratorsModule)
    oversight_module: OversightModule = Field(default_factory=OversightModule)
    description_module: DescriptionModule = Field(default_factory=DescriptionModule)
    conditions_module: ConditionsModule = Field(default_factory=ConditionsModule)
    design_module: DesignModule = Field(default_factory=DesignModule)
    arms_interventions_module: ArmsInterventionsModule = Field(default_factory=ArmsInterventionsModule)
    outcomes_module: OutcomesModule = Field(default_factory=OutcomesModule)
    eligibility_module: EligibilityModule = Field(default_factory=EligibilityModule)
    contacts_locations_module: ContactsLocationsModule = Field(default_factory=ContactsLocationsModule)
    references_module: ReferencesModule = Field(default_factory=ReferencesModule)
    ipd_sharing_statement_module: IpdSharingStatementModule = Field(default_factory=IpdSharingStatementModule)


class Study(ApiModel):
    """One study as the API v2 returns it (``GET /studies/{nctId}``)."""

    protocol_section: ProtocolSection
    document_section: DocumentSection = Field(default_factory=DocumentSection)
    derived_section: DerivedSection = Field(default_factory=DerivedSection)
    has_results: bool = False

    # --- convenient read-only views ---
    @property
    def nct_id(self) -> str:
        return self.protocol_section.identification_module.nct_id

    @property
    def title(self) -> str:
        ident = self.protocol_section.identification_module
        return ident.brief_title or ident.official_title or ident.nct_id

    @property
    def overall_status(self) -> str | None:
        return self.protocol_section.status_module.overall_status

    @property
    def last_update(self) -> dt.date | None:
        struct = self.protocol_section.status_module.last_update_post_date_struct
        return partial_date_to_date(struct.date if struct else None)

    @property
    def phases(self) -> list[str]:
        return self.protocol_section.design_module.phases

    @property
    def locations(self) -> list[Location]:
        return self.protocol_section.contacts_locations_module.locations

    @property
    def countries(self) -> list[str]:
        seen: dict[str, None] = {}
        for loc in self.locations:
            if loc.country:
                seen.setdefault(loc.country, None)
        return list(seen)

    @property
    def mesh_terms(self) -> list[str]:
        module = self.derived_section.condition_browse_module
        return [m.term for m in module.meshes if m.term] if module else []


def parse_study(record: dict[str, Any]) -> Study:
    """Validate a raw API v2 study dict into the typed model (raises pydantic.ValidationError)."""
    return Study.model_validate(record)
